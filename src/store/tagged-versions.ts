import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** [index into the trial ids, index into the names, evaluation id of the version the tag names]. */
export type TaggedVersion = [trial: number, name: number, evaluationId: number];

/**
 * The versions the variable tags of `names` name in these trials: for a param the version its parameters (or
 * injected) cell set, for a metric its final version (stage-tags.ts: the cell's last version of the name). A trial
 * that recorded no version of a tagged name (noWorkflow's own) has no entry for it. One flat JSON array of numbers
 * for all trials (indices, not ids and names), because better-sqlite3 spends microseconds per returned row and
 * 10,000 trials with six tagged names make 60,000; a join, the latest version per tag kept here, because a
 * correlated MAX() per tag took a third longer.
 */
export function taggedVersionsOfTrials(db: Database.Database, trialIds: string[], names: string[]): TaggedVersion[] {
  const flat = JSON.parse((statement(db).get({ ids: JSON.stringify(trialIds), names: JSON.stringify(names) }) as string | null) ?? '[]') as number[];
  const latest = new Map<number, TaggedVersion>();
  for (let i = 0; i + 2 < flat.length; i += 3) {
    const key = flat[i] * names.length + flat[i + 1];
    const found = latest.get(key);
    if (!found || found[2] < flat[i + 2]) latest.set(key, [flat[i], flat[i + 1], flat[i + 2]]);
  }
  return [...latest.values()];
}

const statement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT '[' || COALESCE(group_concat(t.key || ',' || j.key || ',' || v.evaluation_id, ','), '') || ']'
       FROM json_each(@ids) t CROSS JOIN json_each(@names) j CROSS JOIN stage_tags s ON s.trial_id = t.value AND s.variable_name = j.value
       JOIN nbprov_value v ON v.trial_id = s.trial_id AND v.name = s.variable_name AND v.activation_id = s.activation_id`,
    )
    .pluck(),
);
