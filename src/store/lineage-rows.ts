import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';
import { LINEAGE_EDGE } from './dependency-types.js';

/**
 * The part of a trial's lineage edges a walk from some versions reaches, read from the `dependency` rows through
 * indexed steps only (migration 3 covers every step), so the cost follows the size of the answer and never the size
 * of the database. lineage-edges.ts reads a whole trial's edges at once instead, without their types.
 */

/** One lineage edge as the dependency table stores it: the version built, the version it was built from, its type. */
export type DependencyRow = [dependent: number, dependency: number, type: string];

// The whole walk runs inside SQLite: one recursive query yields every edge of the reachable part (UNION visits each
// version once, so a cycle in damaged data ends the recursion).
// CROSS JOIN pins the small side outside: otherwise SQLite may scan the trial's edges and probe `reach` per edge.
type Column = 'dependent_id' | 'dependency_id';
const STEP = `${LINEAGE_EDGE} AND (@control OR d.type <> 'condition')`;
const REACH = (from: Column, to: Column) => `
  WITH RECURSIVE reach(id) AS (
    SELECT value FROM json_each(@roots)
    UNION
    SELECT d.${to} FROM reach CROSS JOIN dependency d ON d.trial_id = @trial AND d.${from} = reach.id WHERE ${STEP}
  )
  SELECT d.dependent_id, d.dependency_id, d.type FROM reach CROSS JOIN dependency d ON d.trial_id = @trial AND d.${from} = reach.id WHERE ${STEP}`;
const STEP_FROM = (from: Column) =>
  `SELECT d.dependent_id, d.dependency_id, d.type FROM json_each(@roots) j CROSS JOIN dependency d ON d.trial_id = @trial AND d.${from} = j.value WHERE ${STEP}`;

// Raw rows: an array per edge costs less than an object, and a walk returns thousands. One preparedOnce per
// statement: a walk goes one way, and each command opens its database afresh.
const ancestryStatement = preparedOnce((db) => db.prepare(REACH('dependent_id', 'dependency_id')).raw(true));
const descendantsStatement = preparedOnce((db) => db.prepare(REACH('dependency_id', 'dependent_id')).raw(true));
const dependenciesStatement = preparedOnce((db) => db.prepare(STEP_FROM('dependent_id')).raw(true));
const dependentsStatement = preparedOnce((db) => db.prepare(STEP_FROM('dependency_id')).raw(true));

export interface Reach {
  direction: 'backward' | 'forward';
  /** False leaves out control dependencies (and, in a walk, what only they reach). */
  control: boolean;
}

/** Every lineage edge on a path into (backward) or out of (forward) `roots` (evaluation ids), each once. */
export function reachableEdges(db: Database.Database, trialId: string, roots: number[], reach: Reach): DependencyRow[] {
  const statement = reach.direction === 'backward' ? ancestryStatement : descendantsStatement;
  return statement(db).all({ roots: JSON.stringify(roots), trial: trialId, control: reach.control ? 1 : 0 }) as DependencyRow[];
}

/** The lineage edges into (backward: what they were built from) or out of (forward) some versions, in one step. */
export function adjacentEdges(db: Database.Database, trialId: string, ids: number[], reach: Reach): DependencyRow[] {
  const statement = reach.direction === 'backward' ? dependenciesStatement : dependentsStatement;
  return statement(db).all({ roots: JSON.stringify(ids), trial: trialId, control: reach.control ? 1 : 0 }) as DependencyRow[];
}
