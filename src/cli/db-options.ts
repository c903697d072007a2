import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { openDatabase, resolveDbPath } from '../store/db.js';

/** Opens the database a reading command names: --db, $NBPROV_DB, or `.noworkflow/db.sqlite` here / beside NOTEBOOK. */
export function openForReading(opts: { db?: string; notebook?: string }): { db: Database.Database; path: string } {
  const path = resolveDbPath({ db: opts.db, notebook: opts.notebook && existsSync(opts.notebook) ? resolve(opts.notebook) : undefined });
  return { db: openDatabase(path), path };
}
