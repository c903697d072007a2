import { hostname } from 'node:os';
import { relative, resolve } from 'node:path';
import { processAlive } from '../process-alive.js';
import type Database from 'better-sqlite3';
import type { CellSelection } from '../run/cell-selection.js';
import { NbprovError } from '../errors.js';
import type { RawParameter } from '../notebook/parameters.js';
import { projectRoot, recordedNotebookPath } from '../store/db.js';
import { createSweep, findSweep, sweepRuns, unsettledPositions } from '../store/sweeps.js';
import { expandGrid, type GridSpec, type PlannedRun } from './grid.js';
import { outputPaths } from './output-template.js';

/** One trial of the sweep to run: its place in the sweep, what it injects, where its executed notebook goes, its name. */
export interface SweepRun extends PlannedRun {
  output?: string;
  name?: string;
}

/** A new sweep's runs: the grid expanded, each with its executed notebook's path when -o gave a template. */
export function planRuns(grid: GridSpec, outputTemplate?: string): SweepRun[] {
  const runs = expandGrid(grid);
  const outputs = outputTemplate ? outputPaths(outputTemplate, runs) : [];
  return runs.map((run, i) => ({ ...run, output: outputs[i] }));
}

/** Records a new sweep with all its runs (so --resume knows them after a kill -9); returns its id. */
export function recordSweep(db: Database.Database, dbPath: string, notebookPath: string, grid: unknown, command: string, runs: SweepRun[]): number {
  return createSweep(db, { notebook: relative(projectRoot(dbPath), notebookPath), grid, command }, runs.map((run) => ({
    position: run.position,
    repeat: run.repeat,
    combination: JSON.stringify(run.combination),
    parameters: JSON.stringify(run.parameters),
    output: run.output ?? null,
    name: run.name ?? null,
  })));
}

/** What `--resume` runs: the recorded sweep's runs that have no settled trial yet, and its notebook. */
export interface ResumedSweep {
  id: number;
  notebookPath: string;
  total: number;
  pending: SweepRun[];
  /** The sweep's `--inject-after` and `--only` / `--stage`, as recorded with its grid. */
  injectAfter?: string;
  selection?: CellSelection;
}

export function resumeSweep(db: Database.Database, dbPath: string, ref: string): ResumedSweep {
  const sweep = findSweep(db, ref);
  // `running` with its process gone is a sweep that was killed: exactly what --resume is for.
  if (sweep.status === 'running' && sweep.host === hostname() && sweep.pid !== null && processAlive(sweep.pid)) {
    throw new NbprovError('NBPROV_USAGE', `sweep ${sweep.id} is still running (process ${sweep.pid})`, { hint: 'wait for it, or stop it with Ctrl-C, then resume' });
  }
  // A path from the database is used only when it stays inside the project.
  const notebookPath = recordedNotebookPath(dbPath, sweep.notebook);
  if (!notebookPath) throw new NbprovError('NBPROV_BAD_DATABASE', `sweep ${sweep.id} names a notebook outside the project: ${sweep.notebook}`);
  const unsettled = new Set(unsettledPositions(db, sweep.id));
  const runs = sweepRuns(db, sweep.id);
  const pending = runs.filter((r) => unsettled.has(r.position)).map((r) => ({
    position: r.position,
    repeat: r.repeat,
    combination: JSON.parse(r.combination) as Record<string, unknown>,
    parameters: JSON.parse(r.parameters) as RawParameter[],
    output: r.output ?? undefined,
    name: r.name ?? undefined,
  }));
  const { injectAfter, selection } = JSON.parse(sweep.grid) as { injectAfter?: string; selection?: unknown };
  if (selection !== undefined && !isSelection(selection)) throw new NbprovError('NBPROV_BAD_DATABASE', `sweep ${sweep.id} records a cell selection nbprov cannot read: ${JSON.stringify(selection).slice(0, 100)}`);
  return { id: sweep.id, notebookPath: resolve(notebookPath), total: runs.length, pending, injectAfter, selection };
}

function isSelection(value: unknown): value is CellSelection {
  const v = value as Partial<Record<keyof CellSelection, unknown>>;
  return typeof v === 'object' && v !== null && Array.isArray(v.only) && v.only.every((n) => typeof n === 'string') &&
    (v.stage === undefined || typeof v.stage === 'string') && (v.force === undefined || typeof v.force === 'boolean');
}
