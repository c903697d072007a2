import { relative, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { projectRoot } from '../store/db.js';
import { lastTrialNotebook, resolveTrial } from '../store/queries.js';
import { findSweep, sweepTrialIds } from '../store/sweeps.js';
import type { Selection } from './comparison.js';

/** How a command that reads many trials (compare, report) names them; at most one of these. */
export interface SelectionFlags {
  notebook?: string;
  all?: boolean;
  sweep?: string;
}

/** Throws NBPROV_USAGE when more than one way of naming trials is given. */
export function checkSelection(trials: string[], flags: SelectionFlags): void {
  const chosen = [trials.length > 0 && 'TRIAL arguments', flags.notebook && '--notebook', flags.all && '--all', flags.sweep && '--sweep'].filter(Boolean);
  if (chosen.length > 1) throw new NbprovError('NBPROV_USAGE', `${chosen.join(' and ')} exclude each other`, { hint: 'name trials, or one notebook, or one sweep, or --all' });
}

/** The trials named, else every trial of the newest trial's notebook; undefined when the database has no trial. */
export function selectTrials(db: Database.Database, dbPath: string, trials: string[], flags: SelectionFlags): Selection | undefined {
  if (trials.length) return { kind: 'trials', ids: trials.map((t) => resolveTrial(db, t).id) };
  if (flags.all) return { kind: 'all' };
  if (flags.sweep) return { kind: 'trials', ids: sweepTrialIds(db, findSweep(db, flags.sweep).id) };
  // Trials name their notebook relative to the database's project directory.
  if (flags.notebook) return { kind: 'notebook', notebook: relative(projectRoot(dbPath), resolve(flags.notebook)) };
  const last = lastTrialNotebook(db);
  return last && { kind: 'notebook', notebook: last.notebook };
}
