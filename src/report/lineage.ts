import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import type { TrialSummary } from '../store/queries.js';
import { readLineage, type LineageGraph } from '../graph/lineage.js';
import { parseVariableSpec, requireVariableCapture, resolveVariable } from '../graph/variables.js';
import { lineageJson } from '../render/lineage-json.js';
import type { Json } from './model.js';

/**
 * The most versions one metric's graph brings into the page. A graph is drawn to be read, and a metric of a big
 * trial can have 10^4 ancestors (400 bytes each in the page); such a graph comes cut at the deepest level that keeps
 * it within this, exactly as `nbprov deps METRIC --depth N --json` cuts it (the cut nodes marked truncated).
 */
export const LINEAGE_NODE_BUDGET = 150;

/** `deps METRIC --trial SEQ --json` (with --depth when over budget) for each metric; none without variable capture. */
export function metricLineages(db: Database.Database, trial: TrialSummary, metrics: string[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  try {
    requireVariableCapture(trial);
  } catch (err) {
    if (err instanceof NbprovError) return out;
    throw err;
  }
  for (const metric of metrics) {
    let root: number;
    try {
      root = resolveVariable(db, trial, parseVariableSpec(metric)).evaluationId;
    } catch (err) {
      // A metric tagged by name that this trial never assigned (its cell did not run) has no lineage to draw.
      if (err instanceof NbprovError) continue;
      throw err;
    }
    const graph = boundedLineage(db, trial.id, root);
    out[metric] = JSON.parse(JSON.stringify(lineageJson(graph, [String(root)], { trial: { sequence: trial.sequence, id: trial.id }, direction: 'backward' }))) as Json;
  }
  return out;
}

/**
 * The whole backward lineage when it fits the budget, else the one cut at the deepest level that does. Walks of
 * doubling depth find it without reading a huge ancestry whole (a depth-limited walk reads only what it reaches):
 * the first walk over budget tells, through its nodes' depths, how deep a walk within budget can go.
 */
function boundedLineage(db: Database.Database, trialId: string, root: number): LineageGraph {
  const walk = (depth: number) => readLineage(db, trialId, [root], { direction: 'backward', control: true, depth });
  for (let depth = 8; ; depth *= 2) {
    const graph = walk(depth);
    if (graph.order > LINEAGE_NODE_BUDGET) return walk(deepestWithin(graph, depth));
    if (!truncated(graph)) return graph;
  }
}

/** The deepest level (at least 1, below `depth`) whose versions up to it fit the budget. */
function deepestWithin(graph: LineageGraph, depth: number): number {
  const perLevel = new Array<number>(depth + 1).fill(0);
  graph.forEachNode((_, node) => perLevel[node.depth]++);
  let total = 0;
  for (let level = 0; level <= depth; level++) {
    total += perLevel[level];
    if (total > LINEAGE_NODE_BUDGET) return Math.max(1, level - 1);
  }
  return Math.max(1, depth - 1);
}

function truncated(graph: LineageGraph): boolean {
  let cut = false;
  graph.forEachNode((_, node) => (cut ||= node.truncated));
  return cut;
}
