import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** Seconds a trial spent in one stage: [trial sequence, stage or null for cells without one, seconds]. */
export type StageSeconds = [trial: number, stage: string | null, seconds: number];

/**
 * The timed cells' seconds summed per trial and stage, for many trials in one query (one JSON text: better-sqlite3
 * spends microseconds per returned row, and 10,000 trials have tens of thousands of stage rows). A cell's stage is
 * its activation's newest stage row, as `show` and `diff` read it.
 */
export function stageSecondsOfTrials(db: Database.Database, trialIds: string[]): StageSeconds[] {
  const json = statement(db).get(JSON.stringify(trialIds)) as string | null;
  return JSON.parse(json ?? '[]') as StageSeconds[];
}

const statement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT '[' || COALESCE(group_concat(json_array(sequence, stage, seconds), ','), '') || ']' FROM (
         SELECT t.sequence_key AS sequence, SUM(c.duration) AS seconds,
                (SELECT s.tag_name FROM stage_tags s WHERE s.trial_id = c.trial_id AND s.activation_id = c.activation_id AND s.variable_name IS NULL
                 ORDER BY s.id DESC LIMIT 1) AS stage
         FROM nbprov_cell c JOIN trial t ON t.id = c.trial_id
         WHERE c.trial_id IN (SELECT value FROM json_each(?)) AND c.duration IS NOT NULL
         GROUP BY c.trial_id, stage)`,
    )
    .pluck(),
);
