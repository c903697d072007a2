// The parts of the ReportModel the page reads, typed as the commands print them (the model keeps them as Json).
import type { Column } from '../../compare/comparison.js';
import type { TrialDiff } from '../../compare/trial-diff.js';
import type { ReportModel } from '../model.js';

/** `nbprov compare --json`: one object per row, keyed by column name. */
export interface ComparisonJson {
  columns: Column[];
  rows: Record<string, unknown>[];
  best: Record<string, { direction: 'max' | 'min'; value: number; trials: number[] }>;
}

/** A node of `nbprov deps --json` (src/render/lineage-json.ts documents the shape). */
export interface LineageNodeJson {
  id: number;
  name: string;
  version: number;
  kind: string;
  type: string | null;
  display: string;
  iterations: number | null;
  cell: number | null;
  cellId: string | null;
  stage: string | null;
  line: number | null;
}

export interface LineageJson {
  trial: { sequence: number; id: string };
  roots: number[];
  nodes: LineageNodeJson[];
  edges: { dependent: number; dependency: number; type: string }[];
}

export interface CellJson {
  index: number;
  cellId: string | null;
  firstLine: string;
  status: string;
  seconds: number | null;
  /** Null for a cell without output, and in trials noWorkflow recorded. */
  outputs: string | null;
  errorName: string | null;
  errorValue: string | null;
  stage: string | null;
}

/** `nbprov show --json`. */
export interface ShowJson {
  trial: { sequence: number; id: string; name?: string | null; notebook: string; start: string; seconds: number | null; status: string; command: string | null };
  environment: Record<string, string>;
  modules: { name: string; version: string | null }[];
  cells: CellJson[];
}

/** A parameter of `nbprov explain METRIC --json` (src/explain/effects.ts documents the fields). */
export interface ExplainParameterJson {
  name: string;
  role: string;
  inLineage: number;
  trials: number;
  share: number | null;
  sentence: string;
}

/** `nbprov explain METRIC --json`, the parts the page shows. */
export interface ExplainJson {
  metric: string;
  trials: number[];
  parameters: ExplainParameterJson[];
  noiseSentence: string;
  interactions: { sentence: string }[];
}

export interface PageModel extends Omit<ReportModel, 'comparison' | 'lineage' | 'details' | 'diffs' | 'explain'> {
  comparison: ComparisonJson;
  lineage: Record<string, Record<string, LineageJson>>;
  details: Record<string, ShowJson>;
  diffs: { a: number; b: number; why: string; diff: TrialDiff }[];
  explain: Record<string, ExplainJson | { refused: string; hint: string | null }>;
}
