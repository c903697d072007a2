import type Database from 'better-sqlite3';
import { cellRunsOfActivations } from '../store/cell-runs.js';
import { adjacentEdges, reachableEdges, type DependencyRow, type Reach } from '../store/lineage-rows.js';
import { trialCellStageRows } from '../store/stage-tags.js';
import { versionCountBefore, versionIdsBetween, versionRows } from '../store/versions.js';
import { LineageGraph, type VersionNode } from './lineage-graph.js';
import { LineageIndex, type Walk, type WalkOptions } from './lineage-index.js';

export { LineageGraph, type LineageEdge, type VersionNode } from './lineage-graph.js';
export type { Direction, EdgeKind, WalkOptions } from './lineage-index.js';

interface CellInfo {
  cell: number | null;
  cellId: string | null;
  cellStatus: string | null;
  stage: string | null;
}

const NO_CELL: CellInfo = { cell: null, cellId: null, cellStatus: null, stage: null };

/**
 * The versions reachable from `roots` (evaluation ids) against or along the data flow, described for `nbprov deps`.
 * The engine (LineageIndex) walks the edges a recursive query reads for the reachable part: deps needs the edges'
 * kinds, which the packed whole-trial copy lacks, and reading only what the walk reaches costs the size of the
 * answer, not of the trial. Edges to evaluations the trial lacks are left out.
 */
export function readLineage(db: Database.Database, trialId: string, roots: number[], opts: WalkOptions): LineageGraph {
  const reach = { direction: opts.direction, control: opts.control !== false };
  const rows = opts.depth === undefined ? reachableEdges(db, trialId, roots, reach) : nearEdges(db, trialId, roots, opts.depth, reach);
  const index = LineageIndex.fromRows(rows);
  const graph = versionGraph(db, trialId, index.walk(roots, opts));
  describeCells(db, trialId, graph);
  numberVersions(db, trialId, graph);
  return graph;
}

/**
 * The edges of the versions at most `levels` steps from `roots`, one query per level: the last level's too, so the
 * walk sees where --depth cut. A recursive query would reach the whole ancestry first, or, kept per level, visit a
 * version once per path length.
 */
function nearEdges(db: Database.Database, trialId: string, roots: number[], levels: number, reach: Reach): DependencyRow[] {
  const rows: DependencyRow[] = [];
  const seen = new Set(roots);
  let frontier = [...seen];
  for (let level = 0; level <= levels && frontier.length; level++) {
    const found = adjacentEdges(db, trialId, frontier, reach);
    rows.push(...found);
    frontier = [];
    for (const [dependent, dependency] of found) {
      const next = reach.direction === 'backward' ? dependency : dependent;
      if (!seen.has(next)) frontier.push(next);
      seen.add(next);
    }
  }
  return rows;
}

function versionGraph(db: Database.Database, trialId: string, walk: Walk): LineageGraph {
  const graph = new LineageGraph();
  for (const row of versionRows(db, trialId, [...walk.depths.keys()])) {
    graph.addNode(String(row.id), {
      id: row.id,
      name: row.name ?? '?',
      version: 0,
      kind: row.kind ?? 'unknown',
      type: row.type,
      value: row.value,
      summary: parseSummary(row.summary),
      repr: row.repr,
      iterations: row.iterations,
      activationId: row.activationId,
      ...NO_CELL,
      line: row.line,
      depth: walk.depths.get(row.id)!,
      truncated: walk.truncated.has(row.id),
    });
  }
  for (const [dependent, dependency, kind] of walk.edges) graph.addEdge(String(dependency), String(dependent), kind);
  return graph;
}

/** Cell index, id, status and stage of every node, from one query per table for the activations present. */
function describeCells(db: Database.Database, trialId: string, graph: LineageGraph): void {
  const activations = new Set<number>();
  graph.forEachNode((_, n) => {
    if (n.activationId !== null) activations.add(n.activationId);
  });
  if (activations.size === 0) return;
  const cells = new Map<number, CellInfo>();
  for (const row of cellRunsOfActivations(db, trialId, [...activations])) {
    cells.set(row.activationId, { cell: row.cell, cellId: row.cellId, cellStatus: row.cellStatus, stage: null });
  }
  // A trial has a stage row per tagged cell at most: fewer rows than cells. The newest row wins, as in `nbprov show`.
  for (const row of trialCellStageRows(db, trialId)) {
    if (!activations.has(row.activationId)) continue;
    const info = cells.get(row.activationId) ?? { ...NO_CELL };
    cells.set(row.activationId, { ...info, stage: row.stage });
  }
  graph.forEachNode((_, n) => {
    const info = n.activationId === null ? undefined : cells.get(n.activationId);
    if (info) Object.assign(n, info);
  });
}

/** Ranks each node among its name's versions: one count below the lowest loaded id, then one range per name. */
function numberVersions(db: Database.Database, trialId: string, graph: LineageGraph): void {
  const byName = new Map<string, VersionNode[]>();
  graph.forEachNode((_, n) => {
    const nodes = byName.get(n.name);
    if (nodes) nodes.push(n);
    else byName.set(n.name, [n]);
  });
  for (const [name, nodes] of byName) {
    nodes.sort((a, b) => a.id - b.id);
    const first = nodes[0].id;
    const before = versionCountBefore(db, trialId, name, first);
    const rank = new Map<number, number>();
    versionIdsBetween(db, trialId, name, first, nodes[nodes.length - 1].id).forEach((id, i) => rank.set(id, before + i + 1));
    for (const n of nodes) n.version = rank.get(n.id) ?? 0;
  }
}

function parseSummary(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
