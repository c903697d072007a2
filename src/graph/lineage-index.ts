import { compressEdges, type LineageEdges } from '../store/lineage-edges.js';
import type { DependencyRow } from '../store/lineage-rows.js';

/** How one version was built from another, in nbprov's words for noWorkflow's dependency types. */
export type EdgeKind = 'data' | 'control' | 'mutation' | 'call';

export type Direction = 'backward' | 'forward';


export interface WalkOptions {
  direction: Direction;
  /** Levels to follow from the roots; unlimited when undefined. */
  depth?: number;
  /** False drops control dependencies (`--no-control`). */
  control?: boolean;
}

/** What a walk reached: each evaluation's shortest distance from a root, the edges followed, where --depth cut. */
export interface Walk {
  depths: Map<number, number>;
  /** [dependent, dependency, kind] in the order the walk found them. */
  edges: [number, number, EdgeKind][];
  truncated: Set<number>;
}

/** The evaluations one root was computed from, itself included. */
export interface AncestorSet {
  has(evaluationId: number): boolean;
  /** The groups of ids (see ancestorSets) holding at least one of them, by index. */
  groups: number[];
}

export const KINDS: readonly EdgeKind[] = ['data', 'control', 'mutation', 'call'];
const KIND_OF_TYPE: Record<string, number> = { dependency: 0, condition: 1, bound: 2, call: 3 };
const CONTROL = 1;

/**
 * The lineage engine: one trial's edges in typed arrays, answering ancestors, descendants, depths and ancestor sets
 * of many roots in memory. Evaluations are plain numbers; edges to evaluations the trial lacks are kept, and the
 * callers that describe nodes leave out what the store does not have.
 */
export class LineageIndex {
  readonly #backward: LineageEdges;
  #forward?: LineageEdges;
  /** Set once an edge turns out to point to a newer evaluation (damaged or foreign data): sweeps no longer apply. */
  #unordered = false;

  constructor(edges: LineageEdges) {
    this.#backward = edges;
  }

  /** Builds the index from edge rows, e.g. the part of a trial a recursive query reached. */
  static fromRows(rows: DependencyRow[]): LineageIndex {
    const kinds = Uint8Array.from(rows, ([, , type]) => KIND_OF_TYPE[type] ?? 0);
    return new LineageIndex(compressEdges(Int32Array.from(rows, (r) => r[0]), Int32Array.from(rows, (r) => r[1]), kinds));
  }

  /**
   * Breadth-first from `roots` against (backward) or along (forward) the data flow, each evaluation once, so cycles
   * in damaged data end the walk. With `depth`, evaluations at that distance are not expanded and are marked
   * truncated when they have further edges.
   */
  walk(roots: number[], opts: WalkOptions): Walk {
    const { offsets, dependencies, kinds } = opts.direction === 'backward' ? this.#backward : this.#forwardEdges();
    const control = opts.control !== false;
    const depths = new Map<number, number>();
    const found: Walk['edges'] = [];
    const truncated = new Set<number>();
    for (const root of roots) depths.set(root, 0);
    let frontier = [...depths.keys()];
    for (let depth = 0; frontier.length; depth++) {
      const next: number[] = [];
      for (const id of frontier) {
        if (id < 0 || id + 1 >= offsets.length) continue;
        for (let k = offsets[id]; k < offsets[id + 1]; k++) {
          const kind = kinds ? kinds[k] : 0;
          const other = dependencies[k];
          if (!control && kind === CONTROL) continue;
          if (opts.depth !== undefined && depth >= opts.depth) {
            truncated.add(id);
            break;
          }
          found.push(opts.direction === 'backward' ? [id, other, KINDS[kind]] : [other, id, KINDS[kind]]);
          if (depths.has(other)) continue;
          depths.set(other, depth + 1);
          next.push(other);
        }
      }
      frontier = next;
    }
    return { depths, edges: found, truncated };
  }

  /** Every evaluation `roots` were computed from, themselves included. */
  ancestors(roots: number[]): Set<number> {
    return new Set(this.walk(roots, { direction: 'backward' }).depths.keys());
  }

  /**
   * For each root: the root and every evaluation it was computed from, and which groups hold one of them; group g
   * is the ids from `starts[g]` up to the next start (`starts` ascending). Evaluation ids grow in recording order
   * (see store/trial-writer.ts), so every edge points to an older evaluation, and one sweep from the newest
   * evaluation down, carrying a bit per root (32 roots a sweep), answers 32 roots in about the time of one walk.
   * Other data (damaged, cyclic) is walked root by root.
   */
  ancestorSets(roots: number[], starts: number[] = []): AncestorSet[] {
    const sets: AncestorSet[] = [];
    for (let i = 0; i < roots.length && !this.#unordered; i += 32) {
      const chunk = roots.slice(i, i + 32);
      const masks = this.#sweep(chunk);
      if (!masks) this.#unordered = true;
      else sets.push(...bitSets(masks, chunk.length, starts));
    }
    if (!this.#unordered) return sets;
    return roots.map((root) => memberSet(this.ancestors([root]), starts));
  }

  /** Bit i of masks[e] says whether e is an ancestor of roots[i]; undefined at the first edge to a newer evaluation. */
  #sweep(roots: number[]): Uint32Array | undefined {
    const { offsets, dependencies } = this.#backward;
    const masks = new Uint32Array(Math.max(offsets.length, ...roots.map((r) => r + 1)));
    roots.forEach((root, i) => (masks[root] |= 1 << i));
    for (let e = offsets.length - 2; e >= 0; e--) {
      const mask = masks[e];
      if (mask === 0) continue;
      for (let k = offsets[e]; k < offsets[e + 1]; k++) {
        const d = dependencies[k];
        if (d >= e) return undefined;
        masks[d] |= mask;
      }
    }
    return masks;
  }

  #forwardEdges(): LineageEdges {
    if (!this.#forward) {
      const { offsets, dependencies, kinds } = this.#backward;
      const dependents = new Int32Array(dependencies.length);
      for (let e = 0; e + 1 < offsets.length; e++) dependents.fill(e, offsets[e], offsets[e + 1]);
      this.#forward = compressEdges(dependencies, dependents, kinds);
    }
    return this.#forward;
  }
}

/** The first `count` ancestor sets a sweep's masks hold, with their groups from one pass over the masks. */
function bitSets(masks: Uint32Array, count: number, starts: number[]): AncestorSet[] {
  const groupMasks = starts.map((first, g) => {
    const end = g + 1 < starts.length ? Math.min(starts[g + 1], masks.length) : masks.length;
    let mask = 0;
    for (let e = first; e < end; e++) mask |= masks[e];
    return mask;
  });
  return Array.from({ length: count }, (_, bit) => ({
    has: (e: number) => e >= 0 && e < masks.length && (masks[e] & (1 << bit)) !== 0,
    groups: groupMasks.flatMap((mask, g) => ((mask & (1 << bit)) !== 0 ? [g] : [])),
  }));
}

function memberSet(members: Set<number>, starts: number[]): AncestorSet {
  const groups = new Set<number>();
  for (const e of members) {
    let g = starts.length - 1;
    while (g >= 0 && starts[g] > e) g--;
    if (g >= 0) groups.add(g);
  }
  return { has: (e) => members.has(e), groups: [...groups].sort((x, y) => x - y) };
}
