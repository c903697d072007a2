import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { NbprovError } from '../errors.js';
import { parseNotebook, type LoadedNotebook } from './load.js';
import { writeFileAtomic } from './write.js';
import { processAlive } from '../process-alive.js';

/** A notebook opened for editing: the parsed JSON plus what it takes to write it back changing only what we changed. */
export interface NotebookDocument {
  path: string;
  notebook: LoadedNotebook;
  /** The raw JSON, mutated in place by editors. */
  json: { cells: Record<string, unknown>[]; metadata: Record<string, unknown> } & Record<string, unknown>;
  readonly original: string;
  readonly indent: string;
  readonly trailingNewline: boolean;
}

export function openNotebookDocument(path: string): NotebookDocument {
  const notebook = parseNotebook(path, readText(path));
  const original = readFileSync(path, 'utf8');
  const json = JSON.parse(original);
  json.metadata ??= {};
  return { path, notebook, json, original, indent: /^\{\n([ \t]+)"/.exec(original)?.[1] ?? ' ', trailingNewline: original.endsWith('\n') };
}

/**
 * Writes the document back atomically, with the file's own indentation, key order and trailing newline, so the
 * byte diff is only the edit (new keys land in sorted position, as nbformat writes them). The file keeps its mode
 * and owner, and a symlinked notebook stays a link. Refuses a read-only file (by its mode bits, even as root) and a
 * file that changed on disk since it was read, checked again under a lock just before the rename. Returns false
 * when there was nothing to change.
 */
export function saveNotebookDocument(doc: NotebookDocument): boolean {
  const text = JSON.stringify(doc.json, null, doc.indent) + (doc.trailingNewline ? '\n' : '');
  if (text === doc.original) return false;
  const changed = () =>
    new NbprovError('NBPROV_USAGE', `${doc.path} changed on disk while nbprov was editing it; nothing was written`, { hint: 'save it in Jupyter first, then retry' });
  if (readText(doc.path) !== doc.original) throw changed();
  if ((statSync(doc.path).mode & 0o222) === 0) {
    throw new NbprovError('NBPROV_USAGE', `${doc.path} is read-only; nothing was written`, { hint: 'make it writable (chmod u+w) if the change is wanted' });
  }
  let unlock = () => {};
  try {
    unlock = lockFile(doc.path);
    writeFileAtomic(doc.path, text, () => {
      if (readText(doc.path) !== doc.original) throw changed();
    });
  } catch (err) {
    if (err instanceof NbprovError) throw err;
    throw new NbprovError('NBPROV_USAGE', `cannot write ${doc.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'check the file and directory permissions',
    });
  } finally {
    unlock();
  }
  return true;
}

/** Sets `key` on `obj`, placing a new key where sorted order puts it when the object's keys are sorted. */
export function setKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key in obj) {
    obj[key] = value;
    return;
  }
  const keys = Object.keys(obj);
  const sorted = keys.every((k, i) => i === 0 || keys[i - 1] <= k);
  if (!sorted) {
    obj[key] = value;
    return;
  }
  const entries = Object.entries(obj);
  for (const k of keys) delete obj[k];
  let placed = false;
  for (const [k, v] of entries) {
    if (!placed && key < k) {
      obj[key] = value;
      placed = true;
    }
    obj[k] = v;
  }
  if (!placed) obj[key] = value;
}

function readText(path: string): string {
  try {
    if (statSync(path).isDirectory()) throw new NbprovError('NBPROV_BAD_NOTEBOOK', `${path} is a directory, not a notebook file`);
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof NbprovError) throw err;
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NbprovError('NBPROV_NOT_FOUND', `notebook not found: ${path}`, { hint: 'check the path' });
    throw new NbprovError('NBPROV_BAD_NOTEBOOK', `${path} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Takes `<notebook>.nbprov-lock` (O_EXCL) for the check-then-rename, so two nbprov editors cannot both pass the
 * check; a lock left by a process that no longer exists is taken over. Returns the unlock function.
 */
function lockFile(path: string): () => void {
  const lock = `${path}.nbprov-lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = 0;
      try {
        owner = Number(readFileSync(lock, 'utf8')) || 0;
      } catch {
        // removed by its owner meanwhile: try again
      }
      if (attempt > 0 || (owner > 0 && processAlive(owner))) {
        throw new NbprovError('NBPROV_USAGE', `${path} is being edited by another nbprov (pid ${owner || '?'}); nothing was written`, { hint: `retry when it is done, or remove ${lock} if no nbprov is running` });
      }
      rmSync(lock, { force: true });
    }
  }
}
