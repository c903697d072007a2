// The stage vocabulary that notebook/ (cell tags), compare/ (diff order) and render/ (deps by stage) share.

/** The pipeline stages of a data-science notebook, in pipeline order. */
export const STANDARD_STAGES = ['data-reading', 'feature-engineering', 'model-scoring', 'metrics-evaluation'] as const;

/** Sort key putting standard stages in pipeline order, then custom ones, then none. */
export function stageOrder(stage: string | undefined): number {
  if (!stage) return 99;
  const i = (STANDARD_STAGES as readonly string[]).indexOf(stage);
  return i >= 0 ? i : 50;
}
