import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { REPR_LIMIT } from '../limits.js';
import { preparedOnce } from './db.js';
import { quoteName } from '../trial-name-text.js';

/** A trial holding a name: what a clash or an ambiguous selector names. */
export interface NamedTrial {
  sequence: number;
  id: string;
  notebook: string;
  name: string;
}

/**
 * Why `name` cannot name a trial, or undefined. Selectors try a number first, then a name, then an id prefix: a
 * name must read as none of the others (nor as an option, nor as report's notebook argument), so that what a
 * selector meant never depends on which names exist.
 */
export function trialNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'it is empty';
  if (name !== name.trim()) return 'it starts or ends with a space';
  if (/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name)) return 'it holds a control character';
  if (name.length > REPR_LIMIT) return `it is longer than ${REPR_LIMIT} characters`;
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(name)) return 'it looks like a number (selectors read numbers as trial numbers)';
  if (/^last(~|$)/.test(name)) return 'it reads as the selector last or last~N';
  if (/^[0-9a-f-]{4,36}$/i.test(name)) return 'it reads as an id prefix (4 or more hex digits)';
  if (name.startsWith('-')) return "it starts with '-' and would read as an option";
  if (/\.ipynb$/i.test(name)) return 'it ends in .ipynb and would read as a notebook';
  return undefined;
}

/** Throws NBPROV_USAGE (exit 2) when `name` cannot name a trial; `flag` says where it came from (`--name`). */
export function checkTrialName(name: string, flag: string): void {
  const problem = trialNameProblem(name);
  if (problem) throw badName(name, flag, problem);
}

export function badName(name: string, flag: string, problem: string): NbprovError {
  return new NbprovError('NBPROV_USAGE', `${flag} ${quoteName(name)}: ${problem}`, {
    hint: 'a name is text such as baseline or lr-0.1: not a number, last, last~N or an id prefix',
  });
}


/** The trial of `notebook` holding `name`, if any. */
export function trialNamed(db: Database.Database, notebook: string, name: string): NamedTrial | undefined {
  return statements(db).holder.get(notebook, name) as NamedTrial | undefined;
}

/** Every trial named `name`, whatever its notebook (a selector names no notebook), oldest first; at most 6. */
export function trialsNamed(db: Database.Database, name: string): NamedTrial[] {
  return statements(db).byName.all(name) as NamedTrial[];
}

/** NBPROV_USAGE (exit 2) for a name another trial of the notebook holds. */
export function nameTaken(name: string, holder: NamedTrial): NbprovError {
  return new NbprovError('NBPROV_USAGE', `name ${quoteName(name)} is taken by trial ${holder.sequence} (${holder.id.slice(0, 8)}) of ${holder.notebook}`, {
    hint: `choose another name, or rename that trial first: nbprov name ${holder.sequence} NEW (or --clear)`,
  });
}

/**
 * Gives a trial that is being opened its name, inside the transaction that opens it. A trial of the same sweep run
 * (`from`: one that --resume re-runs) hands the name over; any other holder is a clash.
 */
export function claimTrialName(db: Database.Database, trialId: string, notebook: string, name: string, from?: { sweepId: number; position: number }): void {
  const st = statements(db);
  const holder = trialNamed(db, notebook, name);
  if (holder) {
    if (!from || !st.inRun.get(holder.id, from.sweepId, from.position)) throw nameTaken(name, holder);
    st.setName.run(null, holder.id);
  }
  st.setName.run(name, trialId);
}

/**
 * Holders of the names planned for a sweep's runs that are not trials of the same run: what would clash. `runs`
 * pairs each name with its run's position (a resumed sweep's re-run trials may take their run's name back).
 */
export function clashingNames(db: Database.Database, notebook: string, runs: { name: string; position: number }[], sweepId?: number): { name: string; holder: NamedTrial }[] {
  const st = statements(db);
  return runs.flatMap(({ name, position }) => {
    const holder = trialNamed(db, notebook, name);
    if (!holder || (sweepId !== undefined && st.inRun.get(holder.id, sweepId, position))) return [];
    return [{ name, holder }];
  });
}

/**
 * Names (or, with null, unnames) a recorded trial; returns its previous name. Throws NBPROV_USAGE for a trial
 * noWorkflow recorded (it has no nbprov row) or a name another trial of its notebook holds.
 */
export function renameTrial(db: Database.Database, trial: { id: string; sequence: number }, name: string | null): string | null {
  const st = statements(db);
  return db.transaction(() => {
    const row = st.ofTrial.get(trial.id) as { notebook: string; name: string | null } | undefined;
    if (!row) throw new NbprovError('NBPROV_USAGE', `trial ${trial.sequence} was recorded by noWorkflow, not nbprov: only nbprov's trials take names`);
    if (name !== null && name !== row.name) {
      const holder = trialNamed(db, row.notebook, name);
      if (holder) throw nameTaken(name, holder);
    }
    st.setName.run(name, trial.id);
    return row.name;
  }).immediate();
}

const NAMED = `SELECT t.sequence_key AS sequence, t.id, n.notebook, n.name FROM nbprov_trial n JOIN trial t ON t.id = n.trial_id`;

const statements = preparedOnce((db) => ({
  holder: db.prepare(`${NAMED} WHERE n.notebook = ? AND n.name = ?`),
  byName: db.prepare(`${NAMED} WHERE n.name = ? ORDER BY t.sequence_key LIMIT 6`),
  ofTrial: db.prepare('SELECT notebook, name FROM nbprov_trial WHERE trial_id = ?'),
  setName: db.prepare('UPDATE nbprov_trial SET name = ? WHERE trial_id = ?'),
  inRun: db.prepare('SELECT 1 FROM nbprov_sweep_trial WHERE trial_id = ? AND sweep_id = ? AND position = ?'),
}));
