import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** [index into the trial ids, index into the names, evaluation id of the version the tag names (null: none recorded)]. */
export type TaggedVersion = [trial: number, name: number, evaluationId: number | null];

/**
 * The versions the variable tags of `names` name in these trials: for a param the version its parameters (or
 * injected) cell set, for a metric its final version (stage-tags.ts: the cell's last version of the name). One flat
 * JSON array of numbers for all trials (indices, not ids and names), because better-sqlite3 spends microseconds per
 * returned row and 10,000 trials with six tagged names make 60,000.
 */
export function taggedVersionsOfTrials(db: Database.Database, trialIds: string[], names: string[]): TaggedVersion[] {
  const flat = JSON.parse((statement(db).get({ ids: JSON.stringify(trialIds), names: JSON.stringify(names) }) as string | null) ?? '[]') as (number | null)[];
  const out: TaggedVersion[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) out.push([flat[i] as number, flat[i + 1] as number, flat[i + 2]]);
  return out;
}

const statement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT '[' || COALESCE(group_concat(t.key || ',' || j.key || ',' || COALESCE(
         (SELECT MAX(v.evaluation_id) FROM nbprov_value v WHERE v.trial_id = s.trial_id AND v.name = s.variable_name AND v.activation_id = s.activation_id), 'null'), ','), '') || ']'
       FROM json_each(@ids) t CROSS JOIN json_each(@names) j CROSS JOIN stage_tags s ON s.trial_id = t.value AND s.variable_name = j.value`,
    )
    .pluck(),
);
