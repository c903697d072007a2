import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** A trial as `compare` reads it: sequence, id, notebook, start, finish, nbprov's (else noWorkflow's) status, pid, host, name. */
export type ComparedTrial = [sequence: number, id: string, notebook: string, start: string, finish: string | null, status: string, pid: number | null, host: string | null, name: string | null];

/**
 * Every trial, or those of one notebook, or those with these ids; in no particular order. One JSON text, because
 * better-sqlite3 spends microseconds per returned row.
 */
export function comparedTrials(db: Database.Database, of?: { notebook: string } | { ids: string[] }): ComparedTrial[] {
  const st = statements(db);
  const json = of === undefined ? st.all.get() : 'notebook' in of ? st.ofNotebook.get(of.notebook) : st.byIds.get(JSON.stringify(of.ids));
  return JSON.parse((json as string | null) ?? '[]') as ComparedTrial[];
}

const TRIALS = `SELECT '[' || COALESCE(group_concat(json_array(t.sequence_key, t.id, COALESCE(n.notebook, t.script), t.start, t.finish, COALESCE(n.status, t.status), n.pid, n.host, n.name), ','), '') || ']'
  FROM trial t LEFT JOIN nbprov_trial n ON n.trial_id = t.id`;

const statements = preparedOnce((db) => ({
  all: db.prepare(TRIALS).pluck(),
  ofNotebook: db.prepare(`${TRIALS} WHERE COALESCE(n.notebook, t.script) = ?`).pluck(),
  byIds: db.prepare(`${TRIALS} WHERE t.id IN (SELECT value FROM json_each(?))`).pluck(),
}));
