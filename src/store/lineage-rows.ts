import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';
import { LINEAGE_EDGE } from './dependency-types.js';

/**
 * A trial's lineage edges read from the `dependency` rows themselves, through indexed steps only (migration 3 covers
 * every step), so the cost follows the size of the answer and never the size of the database. lineage-edges.ts
 * reads a whole trial's edges at once instead.
 */

/** One lineage edge as the dependency table stores it: the version built, the version it was built from, its type. */
export type DependencyRow = [dependent: number, dependency: number, type: string];

// The whole unlimited walk runs inside SQLite: one recursive query yields every edge of the reachable part (UNION
// visits each version once, so a cycle in damaged data ends the recursion).
// CROSS JOIN pins the small side outside: otherwise SQLite may scan the trial's edges and probe `reach` per edge.
const REACH = (from: 'dependent_id' | 'dependency_id', to: 'dependent_id' | 'dependency_id') => `
  WITH RECURSIVE reach(id) AS (
    SELECT value FROM json_each(@roots)
    UNION
    SELECT d.${to} FROM reach CROSS JOIN dependency d ON d.trial_id = @trial AND d.${from} = reach.id
    WHERE ${LINEAGE_EDGE} AND (@control OR d.type <> 'condition')
  )
  SELECT d.dependent_id, d.dependency_id, d.type FROM reach CROSS JOIN dependency d ON d.trial_id = @trial AND d.${from} = reach.id
  WHERE ${LINEAGE_EDGE} AND (@control OR d.type <> 'condition')`;

// Raw rows: an array per edge costs less than an object, and a walk returns thousands. One preparedOnce per
// statement: a walk goes one way, and each command opens its database afresh.
const ancestryStatement = preparedOnce((db) => db.prepare(REACH('dependent_id', 'dependency_id')).raw(true));
const descendantsStatement = preparedOnce((db) => db.prepare(REACH('dependency_id', 'dependent_id')).raw(true));
const dependenciesStatement = preparedOnce((db) =>
  db.prepare(`SELECT dependent_id, dependency_id, type FROM dependency d WHERE trial_id = ? AND dependent_id = ? AND ${LINEAGE_EDGE}`).raw(true),
);
const dependentsStatement = preparedOnce((db) =>
  db.prepare(`SELECT dependent_id, dependency_id, type FROM dependency d WHERE trial_id = ? AND dependency_id = ? AND ${LINEAGE_EDGE}`).raw(true),
);

/**
 * Every lineage edge on a path into `roots` (evaluation ids), each once; `control` false leaves out control
 * dependencies and what only they reach.
 */
export function ancestryEdges(db: Database.Database, trialId: string, roots: number[], control: boolean): DependencyRow[] {
  return ancestryStatement(db).all({ roots: JSON.stringify(roots), trial: trialId, control: control ? 1 : 0 }) as DependencyRow[];
}

/** Every lineage edge on a path out of `roots`, each once; `control` as in ancestryEdges. */
export function descendantEdges(db: Database.Database, trialId: string, roots: number[], control: boolean): DependencyRow[] {
  return descendantsStatement(db).all({ roots: JSON.stringify(roots), trial: trialId, control: control ? 1 : 0 }) as DependencyRow[];
}

/** The lineage edges into one version: what it was built from. */
export function dependencyEdges(db: Database.Database, trialId: string, evaluationId: number): DependencyRow[] {
  return dependenciesStatement(db).all(trialId, evaluationId) as DependencyRow[];
}

/** The lineage edges out of one version: what was built from it. */
export function dependentEdges(db: Database.Database, trialId: string, evaluationId: number): DependencyRow[] {
  return dependentsStatement(db).all(trialId, evaluationId) as DependencyRow[];
}
