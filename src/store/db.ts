import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

export const DEFAULT_DB_DIR = '.noworkflow';
const BUSY_TIMEOUT_MS = 30_000;

/**
 * better-sqlite3's compiled addon. Left to itself, better-sqlite3 finds it through the `bindings` package, which
 * tries a dozen paths: 3 ms of every command's start-up.
 */
const ADDON: string | undefined = (() => {
  try {
    const path = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node');
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
})();

/** Where a notebook's database lives: --db, $NBPROV_DB, else `.noworkflow/db.sqlite` beside the notebook. */
export function resolveDbPath(opts: { db?: string; notebook?: string }): string {
  if (opts.db) return resolve(opts.db);
  if (process.env.NBPROV_DB) return resolve(process.env.NBPROV_DB);
  return resolve(opts.notebook ? dirname(opts.notebook) : '.', DEFAULT_DB_DIR, 'db.sqlite');
}

/** Prepares a set of statements once per connection (better-sqlite3 statements belong to one database). */
export function preparedOnce<T>(prepare: (db: Database.Database) => T): (db: Database.Database) => T {
  const cache = new WeakMap<Database.Database, T>();
  return (db) => {
    let statements = cache.get(db);
    if (!statements) cache.set(db, (statements = prepare(db)));
    return statements;
  };
}

/**
 * Where a trial's recorded notebook is, when that path stays inside the project (a crafted database could name
 * `../../etc/x` or an absolute path); undefined otherwise.
 */
export function recordedNotebookPath(dbPath: string, recorded: string): string | undefined {
  const root = projectRoot(dbPath);
  const path = resolve(root, recorded);
  return !isAbsolute(recorded) && path.startsWith(root + sep) ? path : undefined;
}

/** The directory trials name their notebooks relative to: the one holding `.noworkflow/`, else the database's. */
export function projectRoot(dbPath: string): string {
  const dir = dirname(dbPath);
  return basename(dir) === DEFAULT_DB_DIR ? dirname(dir) : dir;
}

/**
 * Opens (creating when `create`) a nbprov/noWorkflow database, in WAL mode with a busy timeout, and brings its
 * schema up to date. Throws NBPROV_BAD_DATABASE for a file that is not SQLite or comes from a newer nbprov.
 */
export function openDatabase(path: string, { create = false, readonly = false } = {}): Database.Database {
  if (!existsSync(path)) {
    if (!create) {
      throw new NbprovError('NBPROV_NOT_FOUND', `no nbprov database at ${path}`, { hint: 'record a trial first with `nbprov run NOTEBOOK.ipynb`, or pass --db PATH' });
    }
    prepareDatabaseDirectory(path);
    try {
      createComplete(path);
    } catch (err) {
      throw storageError(err, path) ?? new NbprovError('NBPROV_BAD_DATABASE', `cannot create ${path}: ${(err as Error).message}`, { hint: 'check permissions and free disk space', cause: err });
    }
  } else if (!isSqliteFile(path)) {
    throw new NbprovError('NBPROV_BAD_DATABASE', `${path} is not an SQLite database`, { hint: 'move it away or pass --db PATH' });
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: readonly && existsSync(path), timeout: BUSY_TIMEOUT_MS, nativeBinding: ADDON });
    // Only `run` makes a database: any other command would write the schema into an empty file or another
    // program's SQLite database that it was pointed at by mistake.
    if (!create && !hasTrialTable(db)) {
      db.close();
      throw new NbprovError('NBPROV_BAD_DATABASE', `${path} is not an nbprov or noWorkflow database (it has no trial table)`, {
        hint: 'pass --db PATH of a database that `nbprov run` wrote; only `nbprov run` creates one',
      });
    }
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = OFF'); // noWorkflow's composite FKs point at non-unique columns; it never enables them either
    db.pragma('synchronous = NORMAL');
    migrate(db);
  } catch (err) {
    if (err instanceof NbprovError) throw err;
    throw storageError(err, path) ?? new NbprovError('NBPROV_BAD_DATABASE', `cannot open ${path}: ${(err as Error).message}`, { hint: 'check permissions and free disk space', cause: err });
  }
  return db;
}

/**
 * Creates the database's directory (and its content store) when missing, or throws NBPROV_BAD_DATABASE (exit 2).
 * Returns an undo that removes what it created, if still empty: a run checks this before starting a server and
 * undoes it when no trial got written.
 */
export function prepareDatabaseDirectory(dbPath: string): () => void {
  const dir = dirname(resolve(dbPath));
  let created: string[];
  try {
    created = makeDirectories(join(dir, 'content'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    // Under /proc and /sys mkdir says ENOENT although the parent exists.
    const why = code === 'ENOENT' ? 'ENOENT (this file system does not take new directories)' : code === 'ENOTDIR' ? `ENOTDIR (${join(dir, 'content')}, the content store, or a directory above it is a file)` : code;
    throw new NbprovError('NBPROV_BAD_DATABASE', `cannot create the database directory ${dir}: ${why}`, { hint: code === 'ENOTDIR' ? 'move that file away, or choose another place with --db PATH' : 'choose a writable place with --db PATH' });
  }
  return () => {
    for (const d of created.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        return; // not empty: somebody (a concurrent run) uses it now
      }
    }
  };
}

/**
 * mkdir -p one level at a time, returning the directories it made. Not mkdirSync's `recursive`: where mkdir
 * answers ENOENT although the parent exists (/proc, /sys), Node's recursive mkdir retries for ever.
 */
function makeDirectories(target: string): string[] {
  const missing: string[] = [];
  for (let d = target; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
  if (!missing.length && !statSync(target).isDirectory()) throw Object.assign(new Error(`${target} is not a directory`), { code: 'ENOTDIR' });
  const made: string[] = [];
  for (const d of missing) {
    try {
      mkdirSync(d);
      made.push(d);
    } catch (err) {
      // Another run made it between our look and our mkdir.
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw err;
    }
  }
  return made;
}

/**
 * Turns a storage failure (disk full, read-only file system or directory, I/O error) into a user-facing error;
 * returns undefined for anything else. SQLite has rolled the failed transaction back: no half-written rows.
 */
export function storageError(err: unknown, path: string): NbprovError | undefined {
  const code = (err as { code?: string }).code ?? '';
  const reason: Record<string, string> = {
    SQLITE_FULL: 'the disk is full',
    ENOSPC: 'the disk is full',
    SQLITE_READONLY: 'it is read-only',
    EROFS: 'it is on a read-only file system',
    EACCES: 'permission denied',
    SQLITE_CANTOPEN: 'it cannot be opened',
  };
  const why = reason[code] ?? (code.startsWith('SQLITE_IOERR') || code === 'EIO' ? 'an I/O error' : undefined);
  if (!why) return undefined;
  return new NbprovError('NBPROV_BAD_DATABASE', `cannot write the trial to ${path}: ${why}`, {
    hint: 'free some space or choose a writable place with --db PATH; finished cells stay recorded',
    exitCode: 3,
    cause: err,
  });
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS nbprov_migration (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const applied = db.prepare('SELECT id, name FROM nbprov_migration ORDER BY id').all() as { id: number; name: string }[];
  const newest = applied[applied.length - 1]?.id ?? 0;
  if (newest > SCHEMA_VERSION) {
    throw new NbprovError('NBPROV_BAD_DATABASE', `database schema version ${newest} is newer than this nbprov supports (${SCHEMA_VERSION})`, {
      hint: 'upgrade nbprov to read it',
    });
  }
  applied.forEach((row, i) => {
    const expected = MIGRATIONS[i];
    if (!expected || expected.id !== row.id || expected.name !== row.name) {
      throw new NbprovError('NBPROV_BAD_DATABASE', `migration ${row.id} '${row.name}' was expected to be ${expected?.id} '${expected?.name}'`);
    }
  });
  const pending = MIGRATIONS.slice(applied.length);
  if (pending.length === 0) return;
  const record = db.prepare('INSERT INTO nbprov_migration (id, name, applied_at) VALUES (?, ?, ?)');
  // IMMEDIATE: two first runs racing on a new database must not both migrate.
  db.transaction(() => {
    const now = (db.prepare('SELECT COALESCE(MAX(id), 0) AS v FROM nbprov_migration').get() as { v: number }).v;
    for (const m of MIGRATIONS.slice(now)) {
      m.up(db);
      record.run(m.id, m.name, new Date().toISOString());
    }
  }).immediate();
}

/**
 * Creates the database with its whole schema under a temp name, then links it into place, so that a reader (a
 * `list` while the first `run` starts) never finds a database without tables; of concurrent creators one wins.
 */
function createComplete(path: string): void {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.new`;
  try {
    const db = new Database(temp, { timeout: BUSY_TIMEOUT_MS, nativeBinding: ADDON });
    try {
      db.pragma('journal_mode = WAL');
      migrate(db);
    } finally {
      db.close();
    }
    try {
      linkSync(temp, path);
    } catch (err) {
      // EEXIST: another run created it first. A file system without hard links renames instead.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' && !existsSync(path)) renameSync(temp, path);
    }
  } finally {
    for (const leftover of [temp, `${temp}-wal`, `${temp}-shm`]) rmSync(leftover, { force: true });
  }
}

function hasTrialTable(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'trial'").get() !== undefined;
}

function isSqliteFile(path: string): boolean {
  const header = Buffer.alloc(16);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, header, 0, 16, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  // An empty file is what SQLite itself leaves after a crash during creation: fine to initialize.
  return read === 0 || header.toString('latin1') === 'SQLite format 3\0';
}
