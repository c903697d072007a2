import { readFileSync } from 'node:fs';
import { packageFile } from './package-root.js';

/** nbprov's own version, from package.json. */
export const NBPROV_VERSION: string = (JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as { version: string }).version;
