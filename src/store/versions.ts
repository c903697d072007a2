import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

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
