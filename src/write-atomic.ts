import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fchownSync, lstatSync, openSync, readlinkSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Writes `text` to `path` so that readers never see half a file and nothing else is touched:
 * - a symlink is followed to the file it names, which is replaced (the link stays a link);
 * - a target that is not a regular file (`/dev/null`, a FIFO) is written in place, never replaced by a file;
 * - otherwise a temp file with a random name is created beside the target with O_EXCL (a planted symlink cannot
 *   redirect it), given the target's mode (and owner, when root writes another user's file), and renamed over it.
 * `beforeReplace` runs last, just before the rename: an editor's check that nobody changed the file meanwhile.
 */
export function writeFileAtomic(path: string, text: string, beforeReplace?: () => void): void {
  const target = followLinks(path);
  const existing = statIfExists(target);
  if (existing && !existing.isFile()) {
    beforeReplace?.();
    writeFileSync(target, text);
    return;
  }
  const tmp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.nbprov-tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeFileSync(fd, text);
    if (existing && process.getuid?.() === 0) fchownSync(fd, existing.uid, existing.gid);
    fchmodSync(fd, existing ? existing.mode & 0o7777 : 0o666 & ~process.umask());
    closeSync(fd);
    beforeReplace?.();
    renameSync(tmp, target);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // closed already
    }
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The path a chain of symlinks leads to (which need not exist yet). */
function followLinks(path: string): string {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let link: string;
    try {
      if (!lstatSync(current).isSymbolicLink()) return current;
      link = readlinkSync(current);
    } catch {
      return current;
    }
    current = resolve(dirname(current), link);
  }
  return current;
}

function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
