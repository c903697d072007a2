import { readFileSync } from 'node:fs';

/** nbprov's own version, from package.json. */
export const NBPROV_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
