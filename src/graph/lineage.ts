import type Database from 'better-sqlite3';
import { DirectedGraph } from 'graphology';

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

/**
 * Reads the part of one trial's provenance reachable from some versions, one indexed step at a time (migration 3
 * covers every step), so the cost follows the size of the answer and never the size of the database.
 */
export class LineageReader {
  readonly #trialId: string;
  readonly #dependencies: Database.Statement;
  readonly #dependents: Database.Statement;
  readonly #node: Database.Statement;
  readonly #cell: Database.Statement;
  readonly #stage: Database.Statement;
  readonly #versionsBefore: Database.Statement;
  readonly #versionsBetween: Database.Statement;
  readonly #inActivation: Database.Statement;
  readonly #cells = new Map<number, CellInfo>();

  constructor(db: Database.Database, trialId: string) {
    this.#trialId = trialId;
    this.#dependencies = db.prepare('SELECT dependency_id AS other, type FROM dependency WHERE trial_id = ? AND dependent_id = ?');
    this.#dependents = db.prepare('SELECT dependent_id AS other, type FROM dependency WHERE trial_id = ? AND dependency_id = ?');
    this.#node = db.prepare(
      `SELECT COALESCE(v.name, cc.name) AS name, v.kind, v.type, v.value, v.summary, v.iterations, e.activation_id AS activationId, e.repr,
              cc.first_char_line AS line
       FROM evaluation e
       LEFT JOIN nbprov_value v ON v.trial_id = e.trial_id AND v.evaluation_id = e.id
       LEFT JOIN code_component cc ON cc.trial_id = e.trial_id AND cc.id = e.code_component_id
       WHERE e.trial_id = ? AND e.id = ?`,
    );
    this.#cell = db.prepare('SELECT cell_index AS cell, cell_id AS cellId, status AS cellStatus FROM nbprov_cell WHERE trial_id = ? AND activation_id = ?');
    this.#stage = db.prepare('SELECT tag_name AS stage FROM stage_tags WHERE trial_id = ? AND activation_id = ? AND variable_name IS NULL ORDER BY id LIMIT 1');
    this.#versionsBefore = db.prepare('SELECT COUNT(*) AS n FROM nbprov_value WHERE trial_id = ? AND name = ? AND evaluation_id < ?');
    this.#versionsBetween = db.prepare('SELECT evaluation_id AS id FROM nbprov_value WHERE trial_id = ? AND name = ? AND evaluation_id BETWEEN ? AND ? ORDER BY evaluation_id');
    this.#inActivation = db.prepare('SELECT evaluation_id AS id FROM nbprov_value WHERE trial_id = ? AND activation_id = ?');
    for (const st of [this.#dependencies, this.#dependents, this.#versionsBetween, this.#inActivation]) st.raw(true);
  }

  /**
   * The versions reachable from `roots` (evaluation ids) against or along the data flow, as a graph. Each version is
   * visited once, so cycles in damaged data end the walk instead of looping; dangling edges are skipped.
   */
  walk(roots: number[], opts: WalkOptions): LineageGraph {
    const graph: LineageGraph = new DirectedGraph();
    const step = opts.direction === 'backward' ? this.#dependencies : this.#dependents;
    const maxDepth = opts.depth ?? Infinity;
    let frontier: number[] = [];
    for (const id of roots) if (this.#addNode(graph, id, 0)) frontier.push(id);
    for (let depth = 0; frontier.length; depth++) {
      const next: number[] = [];
      for (const id of frontier) {
        const edges = step.all(this.#trialId, id) as [number, string][];
        const kept = opts.control === false ? edges.filter(([, type]) => type !== 'condition') : edges;
        if (depth >= maxDepth) {
          if (kept.length) graph.setNodeAttribute(String(id), 'truncated', true);
          continue;
        }
        for (const [other, type] of kept) {
          const known = graph.hasNode(String(other));
          if (!known && !this.#addNode(graph, other, depth + 1)) continue;
          if (!known) next.push(other);
          const [from, to] = opts.direction === 'backward' ? [other, id] : [id, other];
          addEdge(graph, String(from), String(to), KIND_OF_TYPE[type] ?? 'data');
        }
      }
      frontier = next;
    }
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
      const row = this.#node.get(this.#trialId, id) as { activationId: number | null } | undefined;
      if (!row) continue;
      if (row.activationId !== null && !activations.has(row.activationId)) {
        activations.add(row.activationId);
        for (const [other] of this.#inActivation.all(this.#trialId, row.activationId) as [number][]) stack.push(other);
      }
      for (const [other] of this.#dependencies.all(this.#trialId, id) as [number][]) stack.push(other);
    }
    return activations;
  }

  #addNode(graph: LineageGraph, id: number, depth: number): boolean {
    const row = this.#node.get(this.#trialId, id) as NodeRow | undefined;
    if (!row) return false;
    graph.addNode(String(id), {
      id,
      name: row.name ?? '?',
      version: 0,
      kind: row.kind ?? 'unknown',
      type: row.type,
      value: row.value,
      summary: parseSummary(row.summary),
      repr: row.repr,
      iterations: row.iterations,
      activationId: row.activationId,
      ...this.#cellOf(row.activationId),
      line: row.line,
      depth,
      truncated: false,
    });
    return true;
  }

  #cellOf(activationId: number | null): CellInfo {
    if (activationId === null) return { cell: null, cellId: null, cellStatus: null, stage: null };
    let info = this.#cells.get(activationId);
    if (!info) {
      const cell = this.#cell.get(this.#trialId, activationId) as Omit<CellInfo, 'stage'> | undefined;
      const stage = (this.#stage.get(this.#trialId, activationId) as { stage: string } | undefined)?.stage ?? null;
      info = { cell: cell?.cell ?? null, cellId: cell?.cellId ?? null, cellStatus: cell?.cellStatus ?? null, stage };
      this.#cells.set(activationId, info);
    }
    return info;
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
      const low = ids[0];
      const high = ids[ids.length - 1];
      const before = (this.#versionsBefore.get(this.#trialId, name, low) as { n: number }).n;
      const rank = new Map<number, number>();
      (this.#versionsBetween.all(this.#trialId, name, low, high) as [number][]).forEach(([id], i) => rank.set(id, before + i + 1));
      for (const id of ids) graph.setNodeAttribute(String(id), 'version', rank.get(id) ?? 0);
    }
  }
}

interface NodeRow {
  name: string | null;
  kind: string | null;
  type: string | null;
  value: string | null;
  summary: string | null;
  iterations: number | null;
  activationId: number | null;
  repr: string | null;
  line: number | null;
}

function addEdge(graph: LineageGraph, from: string, to: string, kind: EdgeKind): void {
  const edge = graph.edge(from, to);
  if (edge === undefined) graph.addDirectedEdge(from, to, { kinds: [kind] });
  else if (!graph.getEdgeAttribute(edge, 'kinds').includes(kind)) graph.updateEdgeAttribute(edge, 'kinds', (k) => [...k!, kind]);
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
