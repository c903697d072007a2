import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** [trial id, variable name, evaluation id of the version its tag names (null when the trial recorded none)]. */
export type TaggedVersion = [trialId: string, name: string, evaluationId: number | null];

/**
 * The versions the variable tags of `names` name in these trials: for a param the version its parameters (or
 * injected) cell set, for a metric its final version (stage-tags.ts, the cell's last version of the name). One JSON
 * text for all trials, because better-sqlite3 spends microseconds per returned row and 10,000 trials with six
 * tagged names make 60,000.
 */
export function taggedVersionsOfTrials(db: Database.Database, trialIds: string[], names: string[]): TaggedVersion[] {
  const json = statement(db).get({ ids: JSON.stringify(trialIds), names: JSON.stringify(names) }) as string | null;
  return JSON.parse(json ?? '[]') as TaggedVersion[];
}

const statement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT '[' || COALESCE(group_concat(json_array(s.trial_id, s.variable_name,
         (SELECT MAX(v.evaluation_id) FROM nbprov_value v WHERE v.trial_id = s.trial_id AND v.name = s.variable_name AND v.activation_id = s.activation_id)), ','), '') || ']'
       FROM json_each(@ids) t CROSS JOIN stage_tags s ON s.trial_id = t.value AND s.variable_name IN (SELECT value FROM json_each(@names))`,
    )
    .pluck(),
);
