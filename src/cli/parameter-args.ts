import { NbprovError } from '../errors.js';

/** `-p NAME VALUE` arrives as `NAME=VALUE` (see pairParameterArgs). */
export function splitPair(pair: string, flag = '-p'): { name: string; value: string } {
  const at = pair.indexOf('=');
  if (at <= 0) throw new NbprovError('NBPROV_USAGE', `${flag} '${pair}' needs a name and a value: ${flag} NAME VALUE`);
  return { name: pair.slice(0, at), value: pair.slice(at + 1) };
}

/**
 * Commander options take one value; papermill's `-p NAME VALUE` takes two. Joins each pair into `NAME=VALUE`
 * before parsing (a name never holds '=').
 */
export function pairParameterArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (['-p', '--parameter', '-r', '--parameter-raw'].includes(arg) && i + 2 < argv.length + 1 && argv[i + 1] !== undefined && !argv[i + 1].includes('=') && argv[i + 2] !== undefined) {
      out.push(arg, `${argv[i + 1]}=${argv[i + 2]}`);
      i += 2;
    } else {
      out.push(arg);
    }
  }
  return out;
}
