import type Database from 'better-sqlite3';
import { LINEAGE_EDGE } from '../store/dependency-types.js';

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
 * edges once — as two JSON arrays, because better-sqlite3 spends microseconds per returned row — and walking them
 * in typed arrays answers all metrics of both trials in ~40 ms per trial.
 */
export class TrialLineage {
  readonly #offsets: Int32Array;
  readonly #dependencies: Int32Array;
  readonly #cellActivations: number[];

  private constructor(offsets: Int32Array, dependencies: Int32Array, cellActivations: number[]) {
    this.#offsets = offsets;
    this.#dependencies = dependencies;
    this.#cellActivations = cellActivations;
  }

  /** Loads a trial's edges with `edgesStatement`; `cellActivations` are its cells' activation ids. */
  static read(edges: Database.Statement, trialId: string, cellActivations: number[]): TrialLineage {
    const [dependentsJson, dependenciesJson] = edges.raw().get(trialId) as [string, string];
    const from = Int32Array.from(JSON.parse(dependentsJson) as number[]);
    const to = Int32Array.from(JSON.parse(dependenciesJson) as number[]);
    let max = 0;
    for (let i = 0; i < from.length; i++) if (from[i] > max) max = from[i];
    // Compressed sparse rows keyed by the dependent evaluation: offsets[e]..offsets[e+1] index its dependencies.
    const offsets = new Int32Array(max + 2);
    for (let i = 0; i < from.length; i++) offsets[from[i] + 1]++;
    for (let e = 1; e < offsets.length; e++) offsets[e] += offsets[e - 1];
    const fill = offsets.slice(0, max + 1);
    const dependencies = new Int32Array(to.length);
    for (let i = 0; i < from.length; i++) dependencies[fill[from[i]]++] = to[i];
    return new TrialLineage(offsets, dependencies, [...cellActivations].sort((x, y) => x - y));
  }

  /** Every lineage edge of a trial (data, control, mutation, call) as two parallel JSON arrays: dependents and dependencies. */
  static edgesStatement(db: Database.Database): Database.Statement {
    return db.prepare(`SELECT json_group_array(dependent_id), json_group_array(dependency_id) FROM dependency d WHERE trial_id = ? AND ${LINEAGE_EDGE}`);
  }

  /** `root` and every evaluation it was computed from, with their cell activations; each visited once, so damaged cyclic data ends. */
  ancestors(root: number): Ancestry {
    const seen = new Uint8Array(Math.max(this.#offsets.length, root + 1));
    const activations = new Set<number>();
    const stack = [root];
    seen[root] = 1;
    while (stack.length) {
      const e = stack.pop()!;
      const activation = this.activationOf(e);
      if (activation !== undefined) activations.add(activation);
      if (e + 1 >= this.#offsets.length) continue;
      for (let k = this.#offsets[e]; k < this.#offsets[e + 1]; k++) {
        const d = this.#dependencies[k];
        if (!seen[d]) {
          seen[d] = 1;
          stack.push(d);
        }
      }
    }
    return { has: (e) => e < seen.length && seen[e] === 1, activations };
  }

  /**
   * The cell activation an evaluation belongs to. nbprov's TrialWriter numbers a cell's activation and then,
   * in the same transaction, every version the cell made, so a cell's evaluations follow its activation id and
   * precede the next cell's.
   */
  activationOf(evaluationId: number): number | undefined {
    const ids = this.#cellActivations;
    let lo = 0;
    let hi = ids.length - 1;
    let found: number | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (ids[mid] <= evaluationId) {
        found = ids[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
