import type { Direction, EdgeKind, LineageGraph } from '../graph/lineage.js';
import { jsonValue, shortValue } from './version-label.js';

/**
 * The documented JSON shape of `nbprov deps --format json` (stable: fields may be added, never renamed):
 *
 * ```
 * { "trial":     { "sequence": 1, "id": "uuid" },
 *   "direction": "backward" | "forward",
 *   "roots":     [42],                       // evaluation ids the walk started from
 *   "tags":      { "42": "metric:max" },     // only with --tagged: the tag of each root
 *   "nodes": [ { "id": 42,                   // evaluation id, unique in the trial
 *                "name": "accuracy", "version": 1,  // 1-based rank among the trial's versions of the name
 *                "kind": "assign",           // assign augassign annassign walrus for with import def class del global mutate loop
 *                "type": "numpy.float64",
 *                "value": 0.9995,            // exact scalars only, else null
 *                "summary": null,            // {shape, dtype, fp} | {shape, columns, fp} | {len, ...} for big values,
 *                                            // plus content (a whole-content fingerprint) or sampled: true, and
 *                                            // items ([path, repr, json?]) for small lists, tuples and dicts
 *                "repr": "0.9995",           // bounded repr as the kernel printed it
 *                "display": "0.9995",        // the short value the text tree prints
 *                "iterations": null,         // loop summaries: how many iterations ran
 *                "cell": 11, "cellId": "metric", "cellStatus": "ok", "stage": "metrics-evaluation", "line": 1,
 *                "depth": 0,                 // shortest distance from a root
 *                "truncated": false } ],     // true when --depth cut edges below this node
 *   "edges": [ { "dependent": 42, "dependency": 24, "type": "data" } ] }   // type: data | control | mutation | call
 * ```
 * Nodes are sorted by id; edges by dependent, then dependency; a pair linked in two ways has one edge per type.
 */
export function renderJson(graph: LineageGraph, roots: string[], meta: LineageMeta): string {
  return JSON.stringify(lineageJson(graph, roots, meta), null, 2) + '\n';
}

export interface LineageMeta {
  trial: { sequence: number; id: string };
  direction: Direction;
  tags?: Map<string, string>;
}

/** What renderJson prints, as data (the report embeds it). */
export function lineageJson(graph: LineageGraph, roots: string[], meta: LineageMeta): Record<string, unknown> {
  const nodes = graph.mapNodes((_, n) => ({
    id: n.id,
    name: n.name,
    version: n.version,
    kind: n.kind,
    type: n.type,
    value: jsonValue(n),
    summary: n.summary,
    repr: n.repr,
    display: shortValue(n),
    iterations: n.iterations,
    cell: n.cell,
    cellId: n.cellId,
    cellStatus: n.cellStatus,
    stage: n.stage,
    line: n.line,
    depth: n.depth,
    truncated: n.truncated,
  }));
  nodes.sort((a, b) => a.id - b.id);
  const edges: { dependent: number; dependency: number; type: EdgeKind }[] = [];
  graph.forEachEdge((_, attrs, source, target) => {
    for (const type of attrs.kinds) edges.push({ dependent: Number(target), dependency: Number(source), type });
  });
  edges.sort((a, b) => a.dependent - b.dependent || a.dependency - b.dependency || a.type.localeCompare(b.type));
  const doc: Record<string, unknown> = { trial: meta.trial, direction: meta.direction, roots: roots.map(Number) };
  if (meta.tags) doc.tags = Object.fromEntries(meta.tags);
  doc.nodes = nodes;
  doc.edges = edges;
  return doc;
}
