import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** Seconds a trial spent in one stage: [trial sequence, stage or null for cells without one, seconds]. */
export type StageSeconds = [trial: number, stage: string | null, seconds: number];

/**
 * The timed cells' seconds summed per trial and stage (to the microsecond: the sums' float noise only makes the page
 * bigger), for many trials in one query: one JSON text, because better-sqlite3 spends microseconds per returned row
 * and 10,000 trials have tens of thousands of stage rows. A cell's stage is its activation's newest stage row, as
 * `show` and `diff` read it; the stage rows are grouped once rather than looked up per cell (3.5 times faster).
 */
export function stageSecondsOfTrials(db: Database.Database, trialIds: string[]): StageSeconds[] {
  const json = statement(db).get({ ids: JSON.stringify(trialIds) }) as string | null;
  return JSON.parse(json ?? '[]') as StageSeconds[];
}

// SQLite takes the bare column tag_name from the row holding MAX(id).
const statement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT '[' || COALESCE(group_concat(json_array(sequence, stage, seconds), ','), '') || ']' FROM (
         SELECT t.sequence_key AS sequence, s.stage, ROUND(SUM(c.duration), 6) AS seconds
         FROM nbprov_cell c JOIN trial t ON t.id = c.trial_id
         LEFT JOIN (
           SELECT trial_id, activation_id, tag_name AS stage, MAX(id) FROM stage_tags
           WHERE variable_name IS NULL AND activation_id IS NOT NULL AND trial_id IN (SELECT value FROM json_each(@ids))
           GROUP BY trial_id, activation_id) s ON s.trial_id = c.trial_id AND s.activation_id = c.activation_id
         WHERE c.trial_id IN (SELECT value FROM json_each(@ids)) AND c.duration IS NOT NULL
         GROUP BY c.trial_id, s.stage)`,
    )
    .pluck(),
);
