import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { NbprovError } from '../errors.js';
import { writeFileAtomic } from '../write-atomic.js';

/** A directory or a missing parent is bad input, found before the database is read; `example` names a file to suggest. */
export function requireWritableTarget(output: string, example: string): void {
  if (output === '') throw new NbprovError('NBPROV_USAGE', '--output is empty');
  if (statIfExists(output)?.isDirectory()) throw new NbprovError('NBPROV_USAGE', `--output ${output} is a directory`, { hint: `name a file, e.g. ${example}` });
  if (!statIfExists(dirname(output))?.isDirectory()) throw new NbprovError('NBPROV_USAGE', `cannot write ${output}: no directory ${dirname(output)}`);
}

/** Writes the whole file at once: a failure leaves any earlier file as it was. */
export function writeOutputFile(output: string, text: string): void {
  try {
    writeFileAtomic(output, text);
  } catch (err) {
    // A refused system call (EACCES, EROFS, ENOSPC, a directory that takes no files...) is the place, not a bug.
    const { code, syscall } = err as NodeJS.ErrnoException;
    if (code && syscall) throw new NbprovError('NBPROV_USAGE', `cannot write ${output}: ${code} (${syscall})`, { cause: err });
    throw err;
  }
}

function statIfExists(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
