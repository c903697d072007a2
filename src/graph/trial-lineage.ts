import type Database from 'better-sqlite3';
import { readLineageEdges, type LineageEdges } from '../store/lineage-edges.js';
import { versionIdsOfActivation, versionRows } from '../store/versions.js';
import { LineageIndex } from './lineage-index.js';

/** The evaluations a value was computed from (itself included) and the cell activations that made them. */
export interface Ancestry {
  has(evaluationId: number): boolean;
  activations: Set<number>;
}

/**
 * A whole trial's lineage, read once (the packed copy a finished trial keeps, its dependency rows otherwise), for
 * questions about many roots: the ancestries of every changed metric of a diff, the cells a slice keeps.
 */
export class TrialLineage {
  readonly #index: LineageIndex;
  readonly #cellActivations: number[];

  /** `cellActivations` are the trial's cells' activation ids. */
  constructor(edges: LineageEdges, cellActivations: number[]) {
    this.#index = new LineageIndex(edges);
    this.#cellActivations = [...cellActivations].sort((x, y) => x - y);
  }

  static read(db: Database.Database, trialId: string, cellActivations: number[]): TrialLineage {
    return new TrialLineage(readLineageEdges(db, trialId), cellActivations);
  }

  /**
   * For each root: the root and every evaluation it was computed from, with their cell activations. A cell holds
   * the evaluations from its activation id up to the next cell's (the id-order invariant of store/trial-writer.ts).
   */
  ancestors(roots: number[]): Ancestry[] {
    const ids = this.#cellActivations;
    return this.#index.ancestorSets(roots, ids).map((set) => ({ has: set.has, activations: new Set(set.groups.map((g) => ids[g])) }));
  }
}

/** What `nbprov slice` asks of a trial's lineage. */
export class SliceLineage {
  readonly #db: Database.Database;
  readonly #trialId: string;
  readonly #index: LineageIndex;

  constructor(db: Database.Database, trialId: string) {
    this.#db = db;
    this.#trialId = trialId;
    this.#index = new LineageIndex(readLineageEdges(db, trialId));
  }

  /** The versions `roots` were built from (themselves included), and their lines per activation. */
  ancestry(roots: number[]): { needed: Set<number>; lines: Map<number, Set<number>> } {
    const needed = new Set<number>();
    const lines = new Map<number, Set<number>>();
    for (const row of versionRows(this.#db, this.#trialId, [...this.#index.ancestors(roots)])) {
      needed.add(row.id);
      if (row.activationId === null || row.line === null) continue;
      const set = lines.get(row.activationId);
      if (set) set.add(row.line);
      else lines.set(row.activationId, new Set([row.line]));
    }
    return { needed, lines };
  }

  /**
   * Every activation (cell run) needed to recompute `roots` when whole cells are re-run: a cell brought in for one
   * version runs all its statements, so the versions it makes pull in their own ancestry too, until nothing new.
   */
  neededActivations(roots: number[]): Set<number> {
    const seen = new Set<number>();
    const activations = new Set<number>();
    for (let frontier = roots; frontier.length; ) {
      const reached = [...this.#index.ancestors(frontier)].filter((e) => !seen.has(e));
      for (const e of reached) seen.add(e);
      frontier = [];
      for (const row of versionRows(this.#db, this.#trialId, reached)) {
        if (row.activationId === null || activations.has(row.activationId)) continue;
        activations.add(row.activationId);
        for (const e of versionIdsOfActivation(this.#db, this.#trialId, row.activationId)) if (!seen.has(e)) frontier.push(e);
      }
    }
    return activations;
  }
}
