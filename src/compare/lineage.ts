import type { LineageEdges } from '../store/lineage-edges.js';

/** The evaluations a value was computed from (itself included) and the cell activations that made them. */
export interface Ancestry {
  has(evaluationId: number): boolean;
  activations: Set<number>;
}

/**
 * The backward dependency graph of one trial, for ancestor sets of many roots (every changed metric).
 *
 * src/graph's LineageReader answers `nbprov deps` one indexed step and one full node row at a time, which costs
 * seconds on a 10^5-version lineage; a recursive CTE per root costs ~130 ms per metric there. Reading the trial's
 * edges once (src/store/lineage-edges.ts) and sweeping them in typed arrays answers all metrics of both trials in
 * a few milliseconds per trial.
 */
export class TrialLineage {
  readonly #offsets: Int32Array;
  readonly #dependencies: Int32Array;
  readonly #cellActivations: number[];
  /** Set once an edge turns out to point to a newer evaluation (damaged or foreign data): sweeps no longer apply. */
  #unordered = false;

  /** `cellActivations` are the trial's cells' activation ids. */
  constructor(edges: LineageEdges, cellActivations: number[]) {
    this.#offsets = edges.offsets;
    this.#dependencies = edges.dependencies;
    this.#cellActivations = [...cellActivations].sort((x, y) => x - y);
  }

  /**
   * For each root: the root and every evaluation it was computed from, with their cell activations. nbprov numbers
   * evaluations in recording order, so every edge points to an older one, and one sweep from the newest evaluation
   * down, carrying a bit per root (32 roots a sweep), answers every metric in about the time of one walk. Other
   * data (damaged, cyclic) is walked root by root, each evaluation visited once.
   */
  ancestors(roots: number[]): Ancestry[] {
    const out: Ancestry[] = [];
    for (let i = 0; i < roots.length && !this.#unordered; i += 32) {
      const chunk = roots.slice(i, i + 32);
      const masks = this.#sweep(chunk);
      if (masks) out.push(...this.#ancestries(masks, chunk.length));
      else this.#unordered = true;
    }
    if (this.#unordered) return roots.map((root) => this.#ancestries(this.#walk(root), 1)[0]);
    return out;
  }

  /** Bit i of masks[e] says whether e is an ancestor of roots[i]; undefined at the first edge to a newer evaluation. */
  #sweep(roots: number[]): Uint32Array | undefined {
    const offsets = this.#offsets;
    const dependencies = this.#dependencies;
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

  /** Bit 0 of masks[e] says whether e is an ancestor of root. */
  #walk(root: number): Uint32Array {
    const offsets = this.#offsets;
    const dependencies = this.#dependencies;
    const seen = new Uint32Array(Math.max(offsets.length, root + 1));
    const stack = [root];
    seen[root] = 1;
    while (stack.length) {
      const e = stack.pop()!;
      if (e + 1 >= offsets.length) continue;
      for (let k = offsets[e]; k < offsets[e + 1]; k++) {
        const d = dependencies[k];
        if (!seen[d]) {
          seen[d] = 1;
          stack.push(d);
        }
      }
    }
    return seen;
  }

  /**
   * The first `count` ancestries a mask array holds. A cell's activations are the cells holding one of its
   * evaluations: nbprov's TrialWriter numbers a cell's activation and then, in the same transaction, every version
   * the cell made, so a cell's evaluations follow its activation id and precede the next cell's.
   */
  #ancestries(masks: Uint32Array, count: number): Ancestry[] {
    const ids = this.#cellActivations;
    const cellMasks = ids.map((id, c) => {
      const end = c + 1 < ids.length ? Math.min(ids[c + 1], masks.length) : masks.length;
      let mask = 0;
      for (let e = id; e < end; e++) mask |= masks[e];
      return mask;
    });
    return Array.from({ length: count }, (_, i) => ({
      has: (e: number) => e < masks.length && (masks[e] & (1 << i)) !== 0,
      activations: new Set(ids.filter((_, c) => (cellMasks[c] & (1 << i)) !== 0)),
    }));
  }
}
