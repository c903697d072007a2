import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { preparedOnce } from './db.js';
import { nowTimestamp } from './time.js';

export type SweepStatus = 'running' | 'finished' | 'failed' | 'interrupted';

export interface SweepRow {
  id: number;
  notebook: string;
  grid: string;
  command: string;
  start: string;
  finish: string | null;
  status: SweepStatus;
  pid: number | null;
  host: string | null;
}

/**
 * A planned run of a sweep: its combination and the parameters it injects (JSON), and the executed notebook's
 * path when -o named one.
 */
export interface SweepRunRow {
  position: number;
  repeat: number;
  combination: string;
  parameters: string;
  output: string | null;
  /** The trial name the run's trials take (null: unnamed, or planned before names existed). */
  name?: string | null;
}

/**
 * Trial statuses that a re-run would reproduce (the notebook's own outcome): `--resume` skips those runs and re-runs
 * the ones cut short (interrupted, kernel died or timed out, server lost, or still `running` after a kill -9).
 */
export const SETTLED_TRIAL_STATUSES = ['finished', 'failed'] as const;

/** Records a new sweep and all its planned runs in one transaction; returns its id. */
export function createSweep(db: Database.Database, sweep: { notebook: string; grid: unknown; command: string }, runs: SweepRunRow[]): number {
  const st = statements(db);
  return db.transaction(() => {
    const id = Number(st.insertSweep.run(sweep.notebook, JSON.stringify(sweep.grid), sweep.command, nowTimestamp(), process.pid, hostname()).lastInsertRowid);
    for (const run of runs) st.insertRun.run(id, run.position, run.repeat, run.combination, run.parameters, run.output, run.name ?? null);
    return id;
  })();
}

export function linkTrial(db: Database.Database, sweepId: number, position: number, trialId: string): void {
  statements(db).link.run(trialId, sweepId, position);
}

export function closeSweep(db: Database.Database, id: number, status: Exclude<SweepStatus, 'running'>): void {
  statements(db).close.run(nowTimestamp(), status, id);
}

/** Marks a resumed sweep as running again, by this process; returns its id. */
export function reopenSweep(db: Database.Database, id: number): number {
  statements(db).reopen.run(process.pid, hostname(), id);
  return id;
}

/** `last` (the newest sweep) or a sweep id; NBPROV_NOT_FOUND otherwise. */
export function findSweep(db: Database.Database, ref: string): SweepRow {
  const st = statements(db);
  const row = (ref === 'last' ? st.last.get() : /^\d+$/.test(ref) ? st.byId.get(Number(ref)) : undefined) as SweepRow | undefined;
  if (!row) {
    throw new NbprovError('NBPROV_NOT_FOUND', ref === 'last' ? 'no sweep in this database' : `no sweep '${ref}' in this database`, {
      hint: ref === 'last' ? 'run one with `nbprov sweep NOTEBOOK -p NAME V1,V2`' : 'a sweep is named by its number or `last`',
    });
  }
  return row;
}

export function sweepRuns(db: Database.Database, sweepId: number): SweepRunRow[] {
  return statements(db).runs.all(sweepId) as SweepRunRow[];
}

/** The newest trial of each run of the sweep, in run order. */
export function sweepTrialIds(db: Database.Database, sweepId: number): string[] {
  return statements(db).latestTrials.all(sweepId) as string[];
}

/** Positions of the runs with no trial of a settled status (see SETTLED_TRIAL_STATUSES). */
export function unsettledPositions(db: Database.Database, sweepId: number): number[] {
  return statements(db).unsettled.all(sweepId, JSON.stringify(SETTLED_TRIAL_STATUSES)) as number[];
}

const statements = preparedOnce((db) => ({
  insertSweep: db.prepare("INSERT INTO nbprov_sweep (notebook, grid, command, start, status, pid, host) VALUES (?, ?, ?, ?, 'running', ?, ?)"),
  insertRun: db.prepare('INSERT INTO nbprov_sweep_run (sweep_id, position, repeat, combination, parameters, output, name) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  link: db.prepare('INSERT INTO nbprov_sweep_trial (trial_id, sweep_id, position) VALUES (?, ?, ?)'),
  close: db.prepare('UPDATE nbprov_sweep SET finish = ?, status = ? WHERE id = ?'),
  reopen: db.prepare("UPDATE nbprov_sweep SET finish = NULL, status = 'running', pid = ?, host = ? WHERE id = ?"),
  last: db.prepare('SELECT id, notebook, grid, command, start, finish, status, pid, host FROM nbprov_sweep ORDER BY id DESC LIMIT 1'),
  byId: db.prepare('SELECT id, notebook, grid, command, start, finish, status, pid, host FROM nbprov_sweep WHERE id = ?'),
  runs: db.prepare('SELECT position, repeat, combination, parameters, output, name FROM nbprov_sweep_run WHERE sweep_id = ? ORDER BY position'),
  latestTrials: db.prepare(`
    SELECT (SELECT s.trial_id FROM nbprov_sweep_trial s JOIN trial t ON t.id = s.trial_id
            WHERE s.sweep_id = r.sweep_id AND s.position = r.position ORDER BY t.sequence_key DESC LIMIT 1) AS trial_id
    FROM nbprov_sweep_run r WHERE r.sweep_id = ? AND trial_id IS NOT NULL ORDER BY r.position`).pluck(),
  unsettled: db.prepare(`
    SELECT r.position FROM nbprov_sweep_run r WHERE r.sweep_id = ? AND NOT EXISTS (
      SELECT 1 FROM nbprov_sweep_trial s JOIN nbprov_trial n ON n.trial_id = s.trial_id
      WHERE s.sweep_id = r.sweep_id AND s.position = r.position AND n.status IN (SELECT value FROM json_each(?)))
    ORDER BY r.position`).pluck(),
}));

/** The `--seed-param` names of the sweeps these trials ran in: parameters that number repeats. */
export function repeatParamsOfTrials(db: Database.Database, trialIds: string[]): string[] {
  return repeatParamsStatement(db).all(JSON.stringify(trialIds)) as string[];
}

const repeatParamsStatement = preparedOnce((db) =>
  db
    .prepare(
      `SELECT DISTINCT json_extract(s.grid, '$.seedParam') FROM nbprov_sweep s
       WHERE json_extract(s.grid, '$.seedParam') IS NOT NULL
         AND s.id IN (SELECT st.sweep_id FROM nbprov_sweep_trial st WHERE st.trial_id IN (SELECT value FROM json_each(?)))`,
    )
    .pluck(),
);
