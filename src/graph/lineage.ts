import type Database from 'better-sqlite3';
import { DirectedGraph } from 'graphology';
import { cellRunsOfActivations } from '../store/cell-runs.js';
import { ancestryEdges, dependencyEdges, dependentEdges, descendantEdges, type DependencyRow } from '../store/lineage-rows.js';
import { trialCellStageRows } from '../store/stage-tags.js';
import { activationOfEvaluation, versionCountBefore, versionIdsBetween, versionIdsOfActivation, versionRows } from '../store/versions.js';

/** How one version was built from another, in nbprov's words for noWorkflow's dependency types. */
export type EdgeKind = 'data' | 'control' | 'mutation' | 'call';

/** One version of a name: a node of the lineage graph, keyed by its evaluation id. */
export interface VersionNode {
  id: number;
  name: string;
  /** 1-based rank among the trial's versions of this name. */
  version: number;
  kind: string;
  type: string | null;
  /** Exact scalar as JSON text, or null when only a summary or repr was kept. */
  value: string | null;
  summary: Record<string, unknown> | null;
  repr: string | null;
  iterations: number | null;
  activationId: number | null;
  cell: number | null;
  cellId: string | null;
  cellStatus: string | null;
  stage: string | null;
  line: number | null;
  /** Shortest distance from a root, in edges. */
  depth: number;
  /** True when --depth stopped the walk here although the node has further edges. */
  truncated: boolean;
}

export interface LineageEdge {
  kinds: EdgeKind[];
}

/** Edges run along the data flow: dependency → dependent. Node keys are evaluation ids as strings. */
export type LineageGraph = DirectedGraph<VersionNode, LineageEdge>;

export type Direction = 'backward' | 'forward';

export interface WalkOptions {
  direction: Direction;
  /** Levels to follow from the roots; unlimited when undefined. */
  depth?: number;
  /** False drops control dependencies (`--no-control`). */
  control?: boolean;
}

const KIND_OF_TYPE: Record<string, EdgeKind> = { dependency: 'data', condition: 'control', bound: 'mutation', call: 'call' };

interface CellInfo {
  cell: number | null;
  cellId: string | null;
  cellStatus: string | null;
  stage: string | null;
}

const NO_CELL: CellInfo = { cell: null, cellId: null, cellStatus: null, stage: null };

/**
 * Reads the part of one trial's provenance reachable from some versions; the store's lineage rows cost the size of
 * the answer, never the size of the database.
 */
export class LineageReader {
  readonly #db: Database.Database;
  readonly #trialId: string;

  constructor(db: Database.Database, trialId: string) {
    this.#db = db;
    this.#trialId = trialId;
  }

  /**
   * The versions reachable from `roots` (evaluation ids) against or along the data flow, as a graph. Each version is
   * visited once, so cycles in damaged data end the walk instead of looping; edges to missing evaluations are skipped.
   */
  walk(roots: number[], opts: WalkOptions): LineageGraph {
    const graph: LineageGraph = new DirectedGraph();
    const control = opts.control !== false;
    this.#addNodes(graph, roots);
    if (opts.depth === undefined) {
      const reach = opts.direction === 'backward' ? ancestryEdges : descendantEdges;
      const edges = reach(this.#db, this.#trialId, roots, control);
      this.#addNodes(graph, edges.flatMap(([dependent, dependency]) => [dependent, dependency]));
      for (const edge of edges) addEdge(graph, edge);
      setDepths(graph, roots, opts.direction);
    } else {
      this.#walkLevels(graph, roots, opts.direction, opts.depth, control);
    }
    this.#describeCells(graph);
    this.#numberVersions(graph);
    return graph;
  }

  /**
   * Every activation (cell run) needed to recompute `roots` when whole cells are re-run: a cell brought in for one
   * version runs all its statements, so the versions it makes pull in their own ancestry too, until nothing new.
   */
  neededActivations(roots: number[]): Set<number> {
    const seen = new Set<number>();
    const activations = new Set<number>();
    const stack = [...roots];
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      const activation = activationOfEvaluation(this.#db, this.#trialId, id);
      if (activation === undefined) continue;
      if (activation !== null && !activations.has(activation)) {
        activations.add(activation);
        for (const other of versionIdsOfActivation(this.#db, this.#trialId, activation)) stack.push(other);
      }
      for (const [, dependency] of dependencyEdges(this.#db, this.#trialId, id)) stack.push(dependency);
    }
    return activations;
  }

  /** Breadth-first, one level at a time, for `--depth`: a limited walk stops where the user asked. */
  #walkLevels(graph: LineageGraph, roots: number[], direction: Direction, maxDepth: number, control: boolean): void {
    const step = direction === 'backward' ? dependencyEdges : dependentEdges;
    let frontier = roots.filter((id) => graph.hasNode(String(id)));
    for (let depth = 0; frontier.length; depth++) {
      const found: DependencyRow[] = [];
      for (const id of frontier) {
        const edges = step(this.#db, this.#trialId, id).filter(([, , type]) => control || type !== 'condition');
        if (depth < maxDepth) for (const edge of edges) found.push(edge);
        else if (edges.length) graph.setNodeAttribute(String(id), 'truncated', true);
      }
      const fresh = found.map(([dependent, dependency]) => (direction === 'backward' ? dependency : dependent)).filter((id) => !graph.hasNode(String(id)));
      this.#addNodes(graph, fresh, depth + 1);
      for (const edge of found) addEdge(graph, edge);
      frontier = [...new Set(fresh)].filter((id) => graph.hasNode(String(id)));
    }
  }

  #addNodes(graph: LineageGraph, ids: number[], depth = 0): void {
    const unique = [...new Set(ids)].filter((id) => !graph.hasNode(String(id)));
    if (unique.length === 0) return;
    for (const row of versionRows(this.#db, this.#trialId, unique)) {
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
        depth,
        truncated: false,
      });
    }
  }

  /** Cell index, id, status and stage of every node, from one query per table for the activations present. */
  #describeCells(graph: LineageGraph): void {
    const activations = new Set<number>();
    graph.forEachNode((_, n) => {
      if (n.activationId !== null) activations.add(n.activationId);
    });
    if (activations.size === 0) return;
    const cells = new Map<number, CellInfo>();
    for (const row of cellRunsOfActivations(this.#db, this.#trialId, [...activations])) {
      cells.set(row.activationId, { cell: row.cell, cellId: row.cellId, cellStatus: row.cellStatus, stage: null });
    }
    // A trial has a stage row per tagged cell at most: fewer rows than cells. The newest row wins, as in `nbprov show`.
    for (const row of trialCellStageRows(this.#db, this.#trialId)) {
      if (!activations.has(row.activationId)) continue;
      const info = cells.get(row.activationId) ?? { ...NO_CELL };
      cells.set(row.activationId, { ...info, stage: row.stage });
    }
    graph.forEachNode((key, n) => {
      const info = n.activationId === null ? undefined : cells.get(n.activationId);
      if (info) graph.mergeNodeAttributes(key, info);
    });
  }

  /** Ranks each node among its name's versions: one count below the lowest loaded id, then one range per name. */
  #numberVersions(graph: LineageGraph): void {
    const byName = new Map<string, number[]>();
    graph.forEachNode((_, n) => {
      const ids = byName.get(n.name);
      if (ids) ids.push(n.id);
      else byName.set(n.name, [n.id]);
    });
    for (const [name, ids] of byName) {
      ids.sort((a, b) => a - b);
      const before = versionCountBefore(this.#db, this.#trialId, name, ids[0]);
      const rank = new Map<number, number>();
      versionIdsBetween(this.#db, this.#trialId, name, ids[0], ids[ids.length - 1]).forEach((id, i) => rank.set(id, before + i + 1));
      for (const id of ids) graph.setNodeAttribute(String(id), 'version', rank.get(id) ?? 0);
    }
  }
}

function addEdge(graph: LineageGraph, [dependent, dependency, type]: DependencyRow): void {
  const from = String(dependency);
  const to = String(dependent);
  if (!graph.hasNode(from) || !graph.hasNode(to)) return;
  const kind = KIND_OF_TYPE[type] ?? 'data';
  const edge = graph.edge(from, to);
  if (edge === undefined) graph.addDirectedEdge(from, to, { kinds: [kind] });
  else if (!graph.getEdgeAttribute(edge, 'kinds').includes(kind)) graph.updateEdgeAttribute(edge, 'kinds', (k) => [...k!, kind]);
}

/** Shortest distance of every node from the roots, following the walk's direction. */
function setDepths(graph: LineageGraph, roots: number[], direction: Direction): void {
  let frontier = roots.map(String).filter((k) => graph.hasNode(k));
  const seen = new Set(frontier);
  for (let depth = 0; frontier.length; depth++) {
    const next: string[] = [];
    for (const key of frontier) {
      graph.setNodeAttribute(key, 'depth', depth);
      const visit = (other: string) => {
        if (!seen.has(other)) {
          seen.add(other);
          next.push(other);
        }
      };
      if (direction === 'backward') graph.forEachInNeighbor(key, visit);
      else graph.forEachOutNeighbor(key, visit);
    }
    frontier = next;
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
