import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { preparedOnce } from './db.js';
import { parseTimestamp } from './time.js';
import { isIntegralFloatText } from '../python-text.js';
import { trialsNamed } from './trial-names.js';
import { quoteName } from '../trial-name-text.js';

export interface TrialSummary {
  sequence: number;
  id: string;
  /** Given with `run --name`, a sweep or `nbprov name`; unique among its notebook's trials. */
  name: string | null;
  notebook: string;
  start: string;
  finish: string | null;
  seconds: number | null;
  /** nbprov's status; `unfinished` for a `running` trial whose process is gone. */
  status: string;
  command: string;
  tag: string | null;
  kernel: string | null;
  capture: string | null;
  cellsTotal: number;
  cellsOk: number;
  cellsFailed: number;
  error: string | null;
  /** False for trials written by noWorkflow itself (no nbprov rows). */
  nbprov: boolean;
}

export interface CellRow {
  index: number;
  cellId: string | null;
  codeHash: string;
  firstLine: string;
  activationId: number | null;
  executionCount: number | null;
  status: string;
  seconds: number | null;
  outputs: string | null;
  errorName: string | null;
  errorValue: string | null;
  /** The papermill-style `injected-parameters` cell nbprov inserted for -p values. */
  injected: boolean;
}

const TRIAL_COLUMNS = `t.sequence_key AS sequence, t.id, n.name, COALESCE(n.notebook, t.script) AS notebook, t.start, t.finish, t.status AS nowStatus,
  t.command, n.status AS nbStatus, n.kernel, n.capture, n.cells_total AS cellsTotal, n.error, n.pid, n.host,
  (SELECT name FROM tag WHERE tag.trial_id = t.id ORDER BY tag.id LIMIT 1) AS tag`;

/** One trial's row: its cells are counted through the (trial_id, status) index. */
const TRIAL_SELECT = `
  SELECT ${TRIAL_COLUMNS},
         (SELECT COUNT(*) FROM nbprov_cell c WHERE c.trial_id = t.id AND c.status = 'ok') AS cellsOk,
         (SELECT COUNT(*) FROM nbprov_cell c WHERE c.trial_id = t.id AND c.status = 'error') AS cellsFailed
  FROM trial t LEFT JOIN nbprov_trial n ON n.trial_id = t.id`;

/** Many trials' rows: the cells of all of them counted in one pass instead of two lookups per trial. */
const TRIALS_SELECT = `
  SELECT ${TRIAL_COLUMNS}, COALESCE(c.ok, 0) AS cellsOk, COALESCE(c.failed, 0) AS cellsFailed
  FROM trial t LEFT JOIN nbprov_trial n ON n.trial_id = t.id
  LEFT JOIN (SELECT trial_id, SUM(status = 'ok') AS ok, SUM(status = 'error') AS failed FROM nbprov_cell GROUP BY trial_id) c ON c.trial_id = t.id`;

interface TrialRow {
  sequence: number; id: string; name: string | null; notebook: string; start: string; finish: string | null; nowStatus: string; command: string;
  nbStatus: string | null; kernel: string | null; capture: string | null; cellsTotal: number | null; error: string | null;
  pid: number | null; host: string | null; tag: string | null; cellsOk: number; cellsFailed: number;
}

/** Every trial, oldest first, optionally of one notebook. */
export function listTrials(db: Database.Database, of: { notebook?: string; ids?: string[] } = {}): TrialSummary[] {
  const rows = of.ids
    ? db.prepare(`${TRIALS_SELECT} WHERE t.id IN (SELECT value FROM json_each(?)) ORDER BY t.sequence_key`).all(JSON.stringify(of.ids))
    : of.notebook
      ? db.prepare(`${TRIALS_SELECT} WHERE COALESCE(n.notebook, t.script) = ? ORDER BY t.sequence_key`).all(of.notebook)
      : db.prepare(`${TRIALS_SELECT} ORDER BY t.sequence_key`).all();
  return (rows as TrialRow[]).map(toSummary);
}

/** How many of these trials were recorded with `--capture cells`, which keeps no variable values. */
export function countValuelessTrials(db: Database.Database, ids: string[]): number {
  const row = db.prepare(`SELECT COUNT(*) AS n FROM nbprov_trial WHERE capture = 'cells' AND trial_id IN (SELECT value FROM json_each(?))`).get(JSON.stringify(ids)) as { n: number };
  return row.n;
}

/**
 * Resolves a trial selector: a sequence number, a trial's name, a full id or unique id prefix, `last` or `last~N`
 * (names never read as any of the others: see trialNameProblem).
 * Throws NBPROV_BAD_SELECTOR (exit 2) saying how many trials exist or which ones match.
 */
export function resolveTrial(db: Database.Database, selector: string): TrialSummary {
  const notFound = (count = (db.prepare('SELECT COUNT(*) AS n FROM trial').get() as { n: number }).n) =>
    new NbprovError('NBPROV_BAD_SELECTOR', `trial '${selector}' not found: ${count} trial${count === 1 ? '' : 's'} exist${count === 1 ? 's' : ''}`, {
      hint: 'see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N',
    });
  const last = /^last(?:~(\d+))?$/.exec(selector);
  // Past 2^53 a number loses digits (and SQLite refuses it as a datatype mismatch): no trial can be that far.
  if ((last?.[1] !== undefined && !Number.isSafeInteger(Number(last[1]))) || (/^\d{16,}$/.test(selector) && !Number.isSafeInteger(Number(selector)))) throw notFound();
  let row: TrialRow | undefined;
  if (last) {
    row = db.prepare(`${TRIAL_SELECT} ORDER BY t.sequence_key DESC LIMIT 1 OFFSET ?`).get(Number(last[1] ?? 0)) as TrialRow | undefined;
  } else if (/^\d+$/.test(selector)) {
    row = db.prepare(`${TRIAL_SELECT} WHERE t.sequence_key = ?`).get(Number(selector)) as TrialRow | undefined;
  }
  if (!row && !last) row = trialByName(db, selector);
  // An id prefix may be all digits: it is one when no trial has that number.
  if (!row && !last && /^[0-9a-f-]{4,36}$/i.test(selector)) {
    const matches = db.prepare(`${TRIAL_SELECT} WHERE t.id LIKE ? ESCAPE '\\' ORDER BY t.sequence_key LIMIT 6`).all(`${selector.toLowerCase()}%`) as TrialRow[];
    if (matches.length > 1) {
      throw new NbprovError('NBPROV_BAD_SELECTOR', `trial prefix '${selector}' is ambiguous: matches ${matches.map((m) => `#${m.sequence} ${m.id.slice(0, 8)}`).join(', ')}`, {
        hint: 'give more characters of the id',
      });
    }
    row = matches[0];
  }
  if (!row) throw notFound();
  return toSummary(row);
}

/** The trial a name selects; names are unique per notebook, so one held in two notebooks is ambiguous. */
function trialByName(db: Database.Database, name: string): TrialRow | undefined {
  const named = trialsNamed(db, name);
  if (named.length > 1) {
    throw new NbprovError('NBPROV_BAD_SELECTOR', `trial name ${quoteName(name)} is ambiguous: ${named.map((t) => `#${t.sequence} of ${t.notebook}`).join(', ')}`, {
      hint: 'give the trial number instead',
    });
  }
  return named.length ? (db.prepare(`${TRIAL_SELECT} WHERE t.id = ?`).get(named[0].id) as TrialRow) : undefined;
}

/** The last trial's sequence number and notebook (relative to the project root), or undefined when none is recorded. */
export function lastTrialNotebook(db: Database.Database): { sequence: number; notebook: string } | undefined {
  return lastTrialNotebookStatement(db).get() as { sequence: number; notebook: string } | undefined;
}

const lastTrialNotebookStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT t.sequence_key AS sequence, COALESCE(n.notebook, t.script) AS notebook
     FROM trial t LEFT JOIN nbprov_trial n ON n.trial_id = t.id ORDER BY t.sequence_key DESC LIMIT 1`,
  ),
);

export function trialCells(db: Database.Database, trialId: string): CellRow[] {
  const rows = trialCellsStatement(db).all(trialId) as (Omit<CellRow, 'injected'> & { injected: number })[];
  return rows.map((r) => ({ ...r, injected: r.injected === 1 }));
}

const trialCellsStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT cell_index AS "index", cell_id AS cellId, code_hash AS codeHash, first_line AS firstLine, activation_id AS activationId, injected,
            execution_count AS executionCount, status, duration AS seconds, outputs, error_name AS errorName, error_value AS errorValue
     FROM nbprov_cell WHERE trial_id = ? ORDER BY cell_index`,
  ),
);

/** The -p / -r / -f values injected into a trial's run, or null (none, or a trial noWorkflow recorded). */
export function trialParameters(db: Database.Database, trialId: string): Record<string, unknown> | null {
  const text = trialParametersStatement(db).get(trialId) as string | null | undefined;
  return text ? (JSON.parse(text) as Record<string, unknown>) : null;
}

const trialParametersStatement = preparedOnce((db) => db.prepare('SELECT parameters FROM nbprov_trial WHERE trial_id = ?').pluck());

export interface FileAccess {
  name: string;
  mode: string;
  /** sha1 of the content before / after the access; null when unhashed (not a regular file, too large). */
  before: string | null;
  after: string | null;
  activationId: number | null;
}

/** A trial's file accesses in the order they happened. */
export function trialFileAccesses(db: Database.Database, trialId: string): FileAccess[] {
  return trialFileAccessesStatement(db).all(trialId) as FileAccess[];
}

const trialFileAccessesStatement = preparedOnce((db) =>
  db.prepare('SELECT name, mode, content_hash_before AS before, content_hash_after AS after, activation_id AS activationId FROM file_access WHERE trial_id = ? ORDER BY id'),
);

/** Where a version was made: its evaluation, name, cell run and line. */
export interface VersionSite {
  evaluationId: number;
  name: string;
  activationId: number | null;
  line: number | null;
}

/** Every version a trial recorded, in the order they were made. */
export function trialVersionSites(db: Database.Database, trialId: string): VersionSite[] {
  return trialVersionSitesStatement(db).all(trialId) as VersionSite[];
}

const trialVersionSitesStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT v.evaluation_id AS evaluationId, v.name, v.activation_id AS activationId, cc.first_char_line AS line
     FROM nbprov_value v
     JOIN evaluation e ON e.trial_id = v.trial_id AND e.id = v.evaluation_id
     LEFT JOIN code_component cc ON cc.trial_id = e.trial_id AND cc.id = e.code_component_id
     WHERE v.trial_id = ? ORDER BY v.evaluation_id`,
  ),
);

/**
 * A trial's tagged variables, by name, as one flat record: [trial id, name, tag, value, name, tag, value, ...] with
 * tags such as param or metric:max and final values. Flat, because ten thousand trials make 80,000 of them.
 */
export type TagRecord = unknown[];

/** Calls `each` with the name, tag and value of every tagged variable of a record. */
export function forEachTag(record: TagRecord | undefined, each: (name: string, kind: string, value: unknown) => void): void {
  if (record) for (let i = 1; i < record.length; i += 3) each(record[i] as string, record[i + 1] as string, record[i + 2]);
}

/**
 * The tagged variables of many trials (all of them, or those listed), one record per trial that has any, in no
 * particular order, from the records migration 6's triggers keep. SQLite joins them into one JSON text and
 * JSON.parse reads it: fetching 80,000 rows as separate strings took 200 ms. An integral float's {repr} becomes a
 * PyFloat.
 */
export function tagRecordsOfTrials(db: Database.Database, trialIds?: string[]): TagRecord[] {
  const st = tagRecordsStatements(db);
  const records = JSON.parse(((trialIds ? st.of.get(JSON.stringify(trialIds)) : st.all.get()) as string | null) ?? '[]') as TagRecord[];
  for (const record of records) {
    for (let i = 3; i < record.length; i += 3) {
      const v = record[i] as { repr?: unknown } | null;
      if (typeof v === 'object' && v !== null && typeof v.repr === 'string' && isIntegralFloatText(v.repr)) record[i] = new PyFloat(v.repr);
    }
  }
  return records;
}

const tagRecords = (filter: string) => `SELECT '[' || COALESCE(group_concat(record, ','), '') || ']' FROM nbprov_trial_tags ${filter}`;

const tagRecordsStatements = preparedOnce((db) => ({
  all: db.prepare(tagRecords('')).pluck(),
  of: db.prepare(tagRecords('WHERE trial_id IN (SELECT value FROM json_each(?))')).pluck(),
}));

/** A record's tagged values split into parameters and metrics (other kinds under `other`), name → final value. */
export function splitTags(record: TagRecord | undefined): { params: Record<string, unknown>; metrics: Record<string, unknown>; other: Record<string, unknown> } {
  const out = { params: {} as Record<string, unknown>, metrics: {} as Record<string, unknown>, other: {} as Record<string, unknown> };
  forEachTag(record, (name, kind, value) => {
    (kind === 'param' ? out.params : kind.startsWith('metric') ? out.metrics : out.other)[name] = value;
  });
  return out;
}

/**
 * A float with an integral value, as Python writes it (`1.0`): a {repr} for display (`lr=1.0`), its number for
 * --json output (toJSON), --where and --sort (plainText) and the best and regression checks.
 */
export class PyFloat {
  constructor(readonly repr: string) {}

  toJSON(): number {
    return Number(this.repr);
  }
}

/**
 * Stored values are JSON for exact scalars, else a bounded Python repr kept as text, decoded as the tag records
 * hold them (migration 9): the scalar, or {repr} (a repr such as `[1, 2]` may parse as JSON, but is not a scalar).
 */
export function decodeValue(text: string | null): unknown {
  if (text === null) return null;
  if (isIntegralFloatText(text)) return new PyFloat(text);
  // An integer past 2^53 would come back with other digits: keep Python's exact text, as the tag records do.
  if (/^-?\d{16,}$/.test(text) && !Number.isSafeInteger(Number(text))) return { repr: text };
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return value;
  } catch {
    // a repr
  }
  return { repr: text };
}

/** A cell's source from the content store, or undefined when the store lacks it. */
export function cellSource(dbDir: string, codeHash: string): string | undefined {
  // The hash comes from the database: anything but a sha1 could walk out of the content store (`../../x`).
  if (!/^[0-9a-f]{40}$/.test(codeHash)) return undefined;
  try {
    return readFileSync(join(dbDir, 'content', codeHash.slice(0, 2), codeHash.slice(2)), 'utf8');
  } catch {
    return undefined;
  }
}

function toSummary(r: TrialRow): TrialSummary {
  const start = parseTimestamp(r.start);
  const finish = parseTimestamp(r.finish);
  return {
    sequence: r.sequence,
    id: r.id,
    name: r.name,
    notebook: r.notebook,
    start: r.start,
    finish: r.finish,
    seconds: start && finish ? (finish.getTime() - start.getTime()) / 1000 : null,
    status: r.nbStatus ? effectiveStatus(r.nbStatus, r.pid, r.host) : r.nowStatus,
    command: r.command,
    tag: r.tag,
    kernel: r.kernel,
    capture: r.capture,
    cellsTotal: r.cellsTotal ?? 0,
    cellsOk: r.cellsOk,
    cellsFailed: r.cellsFailed,
    error: r.error,
    nbprov: r.nbStatus !== null,
  };
}

/** A trial's status as users should read it: `running` becomes `unfinished` once its writer process is gone. */
export function effectiveStatus(status: string, pid: number | null, host: string | null): string {
  return status === 'running' && isStale(pid, host) ? 'unfinished' : status;
}

/** A running trial whose writer process is gone (same host, pid dead) will never finish. */
function isStale(pid: number | null, host: string | null): boolean {
  if (!pid || host !== hostname()) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
