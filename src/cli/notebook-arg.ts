import { existsSync, readdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { NbprovError } from '../errors.js';
import { openDatabase, projectRoot, resolveDbPath } from '../store/db.js';
import { lastTrialNotebook } from '../store/queries.js';

/**
 * The notebook a command works on: the argument, else --notebook, else the only .ipynb in the current directory.
 * When there are several (`run -o out.ipynb` adds one), the notebook of the last trial recorded in this directory's
 * database (`.noworkflow/db.sqlite` here, or $NBPROV_DB) wins, and `onNote` says which (by default on stderr: this
 * runs in the commands' actions, before their handlers). Throws NBPROV_USAGE (exit 2) when that does not settle it.
 */
export function resolveNotebookArg(positional?: string, flag?: string, onNote: (message: string) => void = printNote): string {
  const given = positional ?? flag;
  if (given) return given;
  const candidates = readdirSync('.').filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();
  if (candidates.length === 1) return candidates[0];
  const last = candidates.length > 1 ? lastRecorded(candidates) : undefined;
  if (last) {
    const others = candidates.filter((c) => c !== last.notebook);
    onNote(`using ${last.notebook}, the notebook of the last trial (${last.sequence}) in ${last.dbShown}; this directory also has ${others.join(', ')}`);
    return last.notebook;
  }
  throw new NbprovError(
    'NBPROV_USAGE',
    candidates.length === 0 ? 'no notebook given and none in this directory' : `no notebook given and this directory has ${candidates.length}: ${candidates.join(', ')}`,
    { hint: 'name it, or pass --notebook NOTEBOOK.ipynb' },
  );
}

/** The candidate that the database's last trial ran, matched by path text only (the database's paths are not opened). */
function lastRecorded(candidates: string[]): { notebook: string; sequence: number; dbShown: string } | undefined {
  const path = resolveDbPath({});
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

function printNote(message: string): void {
  process.stderr.write(`nbprov: ${message}\n`);
}
