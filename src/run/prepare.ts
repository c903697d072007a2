import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { assertCellsSendable, loadNotebook, type LoadedNotebook } from '../notebook/load.js';
import { injectParameters } from '../notebook/parameters.js';
import { openDatabase, prepareDatabaseDirectory, resolveDbPath } from '../store/db.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import type { RunOptions } from './types.js';

/** The notebook as it will run, and the places the run reads and writes. */
export interface RunInput {
  notebookPath: string;
  /** With the `injected-parameters` cell when values were given. */
  nb: LoadedNotebook;
  /** The injected values, as the trial records them. */
  parameters?: Record<string, unknown>;
  /** The kernel's working directory. */
  cwd: string;
  dbPath: string;
  /** The code cells to run when `--only` / `--stage` picked some; the others are skipped. */
  selected?: Set<number>;
}

/**
 * Loads and parameterizes the notebook and checks the paths the run will use, before anything starts. Throws
 * NBPROV_BAD_NOTEBOOK or NBPROV_USAGE.
 */
export function loadRunInput(opts: RunOptions): RunInput {
  const notebookPath = resolve(opts.notebook);
  const { nb, parameters } = parameterize(notebookPath, opts);
  assertCellsSendable(nb);
  const cwd = resolve(opts.cwd ?? dirname(notebookPath));
  if (opts.output && !existsSync(dirname(resolve(opts.output)))) {
    throw new NbprovError('NBPROV_USAGE', `-o ${opts.output}: directory ${dirname(resolve(opts.output))} does not exist`);
  }
  if (!existsSync(cwd)) throw new NbprovError('NBPROV_USAGE', `--cwd ${cwd} does not exist`);
  return { notebookPath, nb, parameters, cwd, dbPath: resolveDbPath({ db: opts.db, notebook: notebookPath }), selected: opts.selectCells?.(nb) };
}

/** The notebook with the `-p` values injected papermill-style (reporting injectParameters' warnings), or as it is. */
function parameterize(notebookPath: string, opts: RunOptions): Pick<RunInput, 'nb' | 'parameters'> {
  if (opts.injectAfter !== undefined && !opts.parameters?.length) throw new NbprovError('NBPROV_USAGE', '--inject-after places the -p values: pass some with -p, -r or -f');
  if (!opts.parameters?.length) return { nb: loadNotebook(notebookPath) };
  const injection = injectParameters(loadNotebook(notebookPath), opts.parameters, {
    strict: opts.strictParameters === true,
    injectAfter: opts.injectAfter,
    python: opts.python ?? DEFAULT_SYSTEM_PYTHON,
  });
  for (const warning of injection.warnings) opts.events?.onWarning?.(warning);
  return { nb: injection.notebook, parameters: injection.parameters };
}

/** The trial's database, checked before a server starts and opened once the kernel is ready. */
export interface DatabaseClaim {
  /** Opens (creating) the database; the directories made for it stay from then on. */
  open(): Database.Database;
  /** Removes the directories made for a database that was never opened. */
  release(): void;
}

/**
 * Refuses a database that is not SQLite or comes from a newer nbprov, or a place where none can be created, before
 * a server starts; directories made for a trial that never gets written are removed again on release().
 */
export function claimDatabase(dbPath: string): DatabaseClaim {
  const existed = existsSync(dbPath);
  let undoDirectory: (() => void) | undefined = prepareDatabaseDirectory(dbPath);
  if (existed) openDatabase(dbPath, { create: true }).close();
  return {
    open() {
      const db = openDatabase(dbPath, { create: true });
      undoDirectory = undefined;
      return db;
    },
    release() {
      undoDirectory?.();
      undoDirectory = undefined;
    },
  };
}
