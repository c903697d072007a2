import type Database from 'better-sqlite3';
import { preparedOnce } from './db.js';

/** A trial's environment_attr rows, name → value, in the order they were recorded. */
export function trialEnvironment(db: Database.Database, trialId: string): Map<string, string> {
  return new Map(statements(db).environment.all(trialId) as [string, string][]);
}

/** A trial's imported modules (noWorkflow's module table) by name; version null when unknown. */
export function trialModules(db: Database.Database, trialId: string): { name: string; version: string | null }[] {
  return statements(db).modules.all(trialId) as { name: string; version: string | null }[];
}

const statements = preparedOnce((db) => ({
  environment: db.prepare('SELECT name, value FROM environment_attr WHERE trial_id = ? ORDER BY id').raw(),
  modules: db.prepare('SELECT name, version FROM module WHERE trial_id = ? ORDER BY name'),
}));
