// One colour per stage, shared by the lineage nodes and the timing bars.
import { STANDARD_STAGES } from '../../stages.js';

const STANDARD_COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759'];
const CUSTOM_COLORS = ['#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
const NONE_COLOR = '#bab0ac';

/** The model's name for cells without a stage (the timings, as `nbprov diff` names them). */
export const NO_STAGE = '(no stage)';

/** A fixed colour for each standard stage, grey for none, and custom stages from a second set by their name. */
export function stageColor(stage: string | null): string {
  if (!stage || stage === NO_STAGE) return NONE_COLOR;
  const i = (STANDARD_STAGES as readonly string[]).indexOf(stage);
  if (i >= 0) return STANDARD_COLORS[i];
  let hash = 0;
  for (const ch of stage) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return CUSTOM_COLORS[hash % CUSTOM_COLORS.length];
}
