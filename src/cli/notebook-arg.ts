import { readdirSync } from 'node:fs';
import { NbprovError } from '../errors.js';

/** The notebook a command works on: the argument, else --notebook, else the only .ipynb in the current directory. */
export function resolveNotebookArg(positional?: string, flag?: string): string {
  const given = positional ?? flag;
  if (given) return given;
  const candidates = readdirSync('.').filter((f) => f.endsWith('.ipynb') && !f.startsWith('.')).sort();
  if (candidates.length === 1) return candidates[0];
  throw new NbprovError(
    'NBPROV_USAGE',
    candidates.length === 0 ? 'no notebook given and none in this directory' : `no notebook given and this directory has ${candidates.length}: ${candidates.join(', ')}`,
    { hint: 'name it, or pass --notebook NOTEBOOK.ipynb' },
  );
}
