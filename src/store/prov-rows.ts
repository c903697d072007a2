import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** What `nbprov export --format prov-json` reads beyond the lineage: a whole trial's version ids, cell start times. */

const statements = preparedOnce((db) => ({
  versionIds: db.prepare('SELECT evaluation_id FROM nbprov_value WHERE trial_id = ? ORDER BY evaluation_id').pluck(),
  activationStarts: db.prepare('SELECT id, start_checkpoint FROM activation WHERE trial_id = ?').raw(),
  notebookHash: db.prepare('SELECT notebook_hash FROM nbprov_trial WHERE trial_id = ?').pluck(),
}));

/** The evaluation ids of every version a trial recorded, in the order they were made. */
export function trialVersionIds(db: Database.Database, trialId: string): number[] {
  return statements(db).versionIds.all(trialId) as number[];
}

/** Activation id → seconds from the trial's start to the activation's (noWorkflow's start_checkpoint). */
export function activationStarts(db: Database.Database, trialId: string): Map<number, number | null> {
  return new Map(statements(db).activationStarts.all(trialId) as [number, number | null][]);
}

/** The sha1 of the notebook file a trial ran (in the content store), or null for a trial noWorkflow recorded. */
export function trialNotebookHash(db: Database.Database, trialId: string): string | null {
  return (statements(db).notebookHash.get(trialId) as string | null | undefined) ?? null;
}
