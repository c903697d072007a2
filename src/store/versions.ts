import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/**
 * Lookups of a trial's variable versions: `nbprov_value` rows and the `evaluation` rows they describe. A version is
 * named by its evaluation id; a name's versions rank by that id.
 */

/** One version as the lineage graph shows it; name, kind and line come from whichever table has them. */
export interface VersionRow {
  id: number;
  name: string | null;
  kind: string | null;
  type: string | null;
  /** Exact scalar as JSON text, or null when only a summary or repr was kept. */
  value: string | null;
  /** JSON text, as the collector wrote it. */
  summary: string | null;
  iterations: number | null;
  activationId: number | null;
  repr: string | null;
  line: number | null;
}

/** A cell run that assigned a name. */
export interface AssigningCell {
  cell: number;
  status: string;
}

// One preparedOnce per statement, as in queries.ts: each command opens its database afresh, so it prepares only
// the lookups it makes.

/** The evaluation id of a name's last version, or undefined when the trial never assigned it. */
export function lastVersionId(db: Database.Database, trialId: string, name: string): number | undefined {
  return lastStatement(db).get(trialId, name) as number | undefined;
}

const lastStatement = preparedOnce((db) => db.prepare('SELECT evaluation_id FROM nbprov_value WHERE trial_id = ? AND name = ? ORDER BY evaluation_id DESC LIMIT 1').pluck());

/** The evaluation id of a name's last version made by the cell at 1-based `cellIndex`. */
export function lastVersionIdInCell(db: Database.Database, trialId: string, name: string, cellIndex: number): number | undefined {
  return lastInCellStatement(db).get(trialId, name, cellIndex) as number | undefined;
}

const lastInCellStatement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT v.evaluation_id FROM nbprov_value v JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id
       WHERE v.trial_id = ? AND v.name = ? AND c.cell_index = ? ORDER BY v.evaluation_id DESC LIMIT 1`,
    )
    .pluck(),
);

/** The evaluation id of a name's `n`-th version (1-based), or undefined when it has fewer. */
export function nthVersionId(db: Database.Database, trialId: string, name: string, n: number): number | undefined {
  return nthStatement(db).get(trialId, name, n - 1) as number | undefined;
}

const nthStatement = preparedOnce((db) => db.prepare('SELECT evaluation_id FROM nbprov_value WHERE trial_id = ? AND name = ? ORDER BY evaluation_id LIMIT 1 OFFSET ?').pluck());

export function versionCount(db: Database.Database, trialId: string, name: string): number {
  return countStatement(db).get(trialId, name) as number;
}

const countStatement = preparedOnce((db) => db.prepare('SELECT COUNT(*) FROM nbprov_value WHERE trial_id = ? AND name = ?').pluck());

/** Whether some version of a name comes from a cell that did not raise; stops at the first such version. */
export function assignedInFinishedCell(db: Database.Database, trialId: string, name: string): boolean {
  return inFinishedCellStatement(db).get(trialId, name) !== undefined;
}

const inFinishedCellStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT 1 FROM nbprov_value v CROSS JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id
     WHERE v.trial_id = ? AND v.name = ? AND c.status <> 'error' LIMIT 1`,
  ),
);

/** The cells (with their statuses) whose runs assigned a name, by cell index. */
export function cellsAssigning(db: Database.Database, trialId: string, name: string): AssigningCell[] {
  return assigningCellsStatement(db).all(trialId, name) as AssigningCell[];
}

// CROSS JOIN keeps SQLite from scanning every cell and probing the name's versions for each.
const assigningCellsStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT DISTINCT c.cell_index AS cell, c.status FROM nbprov_value v CROSS JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id
     WHERE v.trial_id = ? AND v.name = ? ORDER BY c.cell_index`,
  ),
);

/** Every name the trial assigned, in no particular order. */
export function recordedNames(db: Database.Database, trialId: string): string[] {
  return namesStatement(db).all(trialId) as string[];
}

const namesStatement = preparedOnce((db) => db.prepare('SELECT DISTINCT name FROM nbprov_value WHERE trial_id = ?').pluck());

/** The versions (or other evaluations) with these ids; ids the trial does not have are left out. */
export function versionRows(db: Database.Database, trialId: string, ids: number[]): VersionRow[] {
  return versionRowsStatement(db).all({ ids: JSON.stringify(ids), trial: trialId }) as VersionRow[];
}

const versionRowsStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT e.id, COALESCE(v.name, cc.name) AS name, v.kind, v.type, v.value, v.summary, v.iterations, e.activation_id AS activationId, e.repr,
            cc.first_char_line AS line
     FROM json_each(@ids) j
     CROSS JOIN evaluation e ON e.trial_id = @trial AND e.id = j.value
     LEFT JOIN nbprov_value v ON v.trial_id = e.trial_id AND v.evaluation_id = e.id
     LEFT JOIN code_component cc ON cc.trial_id = e.trial_id AND cc.id = e.code_component_id`,
  ),
);

/** The activation (cell run) an evaluation belongs to: null when it has none, undefined when there is no such evaluation. */
export function activationOfEvaluation(db: Database.Database, trialId: string, evaluationId: number): number | null | undefined {
  return activationOfStatement(db).get(trialId, evaluationId) as number | null | undefined;
}

const activationOfStatement = preparedOnce((db) => db.prepare('SELECT activation_id FROM evaluation WHERE trial_id = ? AND id = ?').pluck());

/** The evaluation ids of every version one activation made. */
export function versionIdsOfActivation(db: Database.Database, trialId: string, activationId: number): number[] {
  return inActivationStatement(db).all(trialId, activationId) as number[];
}

const inActivationStatement = preparedOnce((db) => db.prepare('SELECT evaluation_id FROM nbprov_value WHERE trial_id = ? AND activation_id = ?').pluck());

/** How many versions of a name come before evaluation `evaluationId`. */
export function versionCountBefore(db: Database.Database, trialId: string, name: string, evaluationId: number): number {
  return countBeforeStatement(db).get(trialId, name, evaluationId) as number;
}

const countBeforeStatement = preparedOnce((db) => db.prepare('SELECT COUNT(*) FROM nbprov_value WHERE trial_id = ? AND name = ? AND evaluation_id < ?').pluck());

/** The evaluation ids of a name's versions from `first` to `last` (inclusive), in order. */
export function versionIdsBetween(db: Database.Database, trialId: string, name: string, first: number, last: number): number[] {
  return betweenStatement(db).all(trialId, name, first, last) as number[];
}

const betweenStatement = preparedOnce((db) =>
  db.prepare('SELECT evaluation_id FROM nbprov_value WHERE trial_id = ? AND name = ? AND evaluation_id BETWEEN ? AND ? ORDER BY evaluation_id').pluck(),
);

/** One recorded version of a name (an nbprov_value row) with its evaluation's repr. */
export interface NamedVersion {
  evaluationId: number;
  name: string;
  /** The exact scalar as JSON, or null. */
  json: string | null;
  summary: string | null;
  repr: string | null;
}

/** A version an import made: the evaluation, the name it bound, its cell run and the line of the import. */
export interface ImportVersion {
  evaluationId: number;
  activationId: number;
  name: string;
  line: number | null;
}

/**
 * Every version a trial made of these names, in no particular order: ORDER BY in SQL makes SQLite walk the whole
 * trial in primary-key order instead of the name index, so callers sort.
 */
export function versionsOfNames(db: Database.Database, trialId: string, names: string[]): NamedVersion[] {
  return statements(db).versionsOfNames.all(trialId, JSON.stringify(names)) as NamedVersion[];
}

/** The versions a trial's imports made. */
export function importVersions(db: Database.Database, trialId: string): ImportVersion[] {
  return statements(db).importVersions.all(trialId) as ImportVersion[];
}

/** The evaluation ids of the last versions of `names` a trial made before evaluation `before`. */
export function lastVersionsBefore(db: Database.Database, trialId: string, before: number, names: string[]): number[] {
  if (names.length === 0) return [];
  return lastVersionsBeforeStatement(db).all(trialId, before, JSON.stringify(names)) as number[];
}

const statements = preparedOnce((db) => ({
  versionsOfNames: db.prepare(
    `SELECT v.evaluation_id AS evaluationId, v.name, v.value AS json, v.summary, e.repr
     FROM nbprov_value v LEFT JOIN evaluation e ON e.trial_id = v.trial_id AND e.id = v.evaluation_id
     WHERE v.trial_id = ? AND v.name IN (SELECT value FROM json_each(?))`,
  ),
  importVersions: db.prepare(
    `SELECT v.evaluation_id AS evaluationId, v.activation_id AS activationId, v.name, cc.first_char_line AS line
     FROM nbprov_value v
     JOIN evaluation e ON e.trial_id = v.trial_id AND e.id = v.evaluation_id
     JOIN code_component cc ON cc.trial_id = e.trial_id AND cc.id = e.code_component_id
     WHERE v.trial_id = ? AND v.kind = 'import'`,
  ),
}));

// Apart: only a diff explaining a metric that a blocked cell lacks reads it.
const lastVersionsBeforeStatement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT MAX(evaluation_id) FROM nbprov_value
       WHERE trial_id = ? AND evaluation_id < ? AND kind <> 'del' AND name IN (SELECT value FROM json_each(?)) GROUP BY name`,
    )
    .pluck(),
);
