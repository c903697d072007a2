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
 * edges once (src/store/lineage-edges.ts) and walking them in typed arrays answers all metrics of both trials in
 * a few milliseconds per trial.
 */
export class TrialLineage {
  readonly #offsets: Int32Array;
  readonly #dependencies: Int32Array;
  readonly #cellActivations: number[];

  /** `cellActivations` are the trial's cells' activation ids. */
  constructor(edges: LineageEdges, cellActivations: number[]) {
    this.#offsets = edges.offsets;
    this.#dependencies = edges.dependencies;
    this.#cellActivations = [...cellActivations].sort((x, y) => x - y);
  }

  /** `root` and every evaluation it was computed from, with their cell activations; each visited once, so damaged cyclic data ends. */
  ancestors(root: number): Ancestry {
    const offsets = this.#offsets;
    const dependencies = this.#dependencies;
    const seen = new Uint8Array(Math.max(offsets.length, root + 1));
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
    return { has: (e) => e < seen.length && seen[e] === 1, activations: this.#activationsOf(seen) };
  }

  /**
   * The cell activations holding a seen evaluation. nbprov's TrialWriter numbers a cell's activation and then, in
   * the same transaction, every version the cell made, so a cell's evaluations follow its activation id and
   * precede the next cell's.
   */
  #activationsOf(seen: Uint8Array): Set<number> {
    const ids = this.#cellActivations;
    const out = new Set<number>();
    for (let i = 0; i < ids.length; i++) {
      const end = i + 1 < ids.length ? Math.min(ids[i + 1], seen.length) : seen.length;
      for (let e = ids[i]; e < end; e++) {
        if (seen[e]) {
          out.add(ids[i]);
          break;
        }
      }
    }
    return out;
  }
}
