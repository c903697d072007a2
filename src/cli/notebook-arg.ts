import { existsSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { NbprovError } from '../errors.js';
import { openDatabase, projectRoot, resolveDbPath } from '../store/db.js';
import { lastTrialNotebook } from '../store/queries.js';

export interface NotebookArgOptions {
  /** The database whose last trial breaks a tie between several notebooks (--db; default $NBPROV_DB, else here). */
  db?: string;
  /** Told which notebook was picked when the directory holds several; the CLI writes it to stderr. */
  onNote?: (message: string) => void;
}

/**
 * The notebook a command works on: the argument, else --notebook, else the only .ipynb in the current directory.
 * When there are several (`run -o out.ipynb` adds one), the notebook of the last trial recorded in this directory's
 * database wins, and `onNote` says so. Throws NBPROV_USAGE (exit 2) when that does not settle it.
 */
export function resolveNotebookArg(positional?: string, flag?: string, opts: NotebookArgOptions = {}): string {
  const given = positional ?? flag;
  if (given) return given;
  const candidates = readdirSync('.').filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();
  if (candidates.length === 1) return candidates[0];
  const last = candidates.length > 1 ? lastRecorded(candidates, opts.db) : undefined;
  if (last) {
    const others = candidates.filter((c) => c !== last.notebook);
    opts.onNote?.(`using ${last.notebook}, the notebook of the last trial (${last.sequence}) in ${last.dbShown}; this directory also has ${others.join(', ')}`);
    return last.notebook;
  }
  throw new NbprovError(
    'NBPROV_USAGE',
    candidates.length === 0 ? 'no notebook given and none in this directory' : `no notebook given and this directory has ${candidates.length}: ${candidates.join(', ')}`,
    { hint: 'name it, or pass --notebook NOTEBOOK.ipynb' },
  );
}

/** The candidate that the database's last trial ran, matched by path text only (the database's paths are not opened). */
function lastRecorded(candidates: string[], db?: string): { notebook: string; sequence: number; dbShown: string } | undefined {
  const path = resolveDbPath({ db });
  if (!existsSync(path)) return undefined;
  let trial: { sequence: number; notebook: string } | undefined;
  try {
    const conn = openDatabase(path);
    try {
      trial = lastTrialNotebook(conn);
    } finally {
      conn.close();
    }
  } catch (err) {
    // An unreadable database settles nothing: the usage error below says what to do.
    if (err instanceof NbprovError) return undefined;
    throw err;
  }
  if (!trial) return undefined;
  const recorded = resolve(projectRoot(path), trial.notebook);
  const notebook = candidates.find((c) => resolve(c) === recorded);
  return notebook ? { notebook, sequence: trial.sequence, dbShown: relative(process.cwd(), path) || path } : undefined;
}

/** The options a command's action passes: its --db, and the note printed to stderr. */
export function cliNotebookOptions(db?: string): NotebookArgOptions {
  return { db, onNote: (m) => process.stderr.write(`nbprov: ${m}\n`) };
}
