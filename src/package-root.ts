import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** nbprov's own directory (the one holding its package.json), wherever this code was compiled or bundled to. */
export const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A file shipped with nbprov, by its path in the package, e.g. `src/store/noworkflow_schema.sql`. */
export function packageFile(path: string): string {
  return join(PACKAGE_ROOT, path);
}

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no package.json above ${start}: nbprov is installed incompletely`);
  }
}
