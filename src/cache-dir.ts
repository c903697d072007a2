import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * nbprov's directory in the user's own cache ($XDG_CACHE_HOME or ~/.cache, made mode 0700 by whoever creates it):
 * bin/nbprov.cjs keeps its V8 code caches there, a private server's kernels the collector's compiled modules.
 * Undefined with NBPROV_NO_CODE_CACHE=1, which turns both off.
 */
export function userCacheDir(): string | undefined {
  if (process.env.NBPROV_NO_CODE_CACHE) return undefined;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nbprov');
}
