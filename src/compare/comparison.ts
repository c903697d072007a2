import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { parseTimestamp } from '../store/time.js';
import { effectiveStatus, forEachTag, tagRecordsOfTrials } from '../store/queries.js';
import { comparedTrials } from '../store/compared-trials.js';
import { plainText, pythonText } from '../python-text.js';
import { directionOf, type Direction } from './values.js';
import { matches, parseWhere } from './where.js';

/** Columns every trial has, besides its tagged params and metrics. */
export const TRIAL_COLUMNS = ['trial', 'id', 'name', 'notebook', 'start', 'status', 'duration'] as const;
const DEFAULT_TRIAL_COLUMNS = ['trial', 'id', 'start', 'status'];

export interface ComparisonRow {
  trial: number;
  id: string;
  /** null (or left out) for a trial without a name. */
  name?: string | null;
  notebook: string;
  start: string;
  status: string;
  finish: string | null;
  /** Tagged params and metrics, name → final value (the exact scalar, or {repr} for anything else). */
  values: Map<string, unknown>;
}

export interface Column {
  name: string;
  kind: 'trial' | 'param' | 'metric';
  direction: Direction;
}

export interface Comparison {
  columns: Column[];
  rows: ComparisonRow[];
  /** Best value of each directed metric column among the rows, with the trials holding it. */
  best: Map<string, { direction: 'max' | 'min'; value: number; trials: number[] }>;
}

export type Selection = { kind: 'all' } | { kind: 'notebook'; notebook: string } | { kind: 'trials'; ids: string[] };

export interface ComparisonOptions {
  where?: string;
  /** A column name, `-` first for descending. */
  sort?: string;
  /** Comma-separated column names. */
  columns?: string;
}

/**
 * Loads, filters, sorts and picks the columns of a comparison. Two queries whatever the number of trials: each
 * returns one JSON text, because better-sqlite3 spends microseconds per returned row and 10,000 trials hold
 * 80,000 tagged values.
 */
export function compareTrials(db: Database.Database, selection: Selection, opts: ComparisonOptions): Comparison {
  const { rows: all, kinds } = loadRows(db, selection);
  const names = [...TRIAL_COLUMNS, ...[...kinds.keys()].sort()];
  const known = (name: string) => names.includes(name);
  const expr = opts.where === undefined ? undefined : parseWhere(opts.where, names);
  let rows = expr ? all.filter((r) => matches(expr, (name) => plainText(lookup(r, name)))) : all;
  if (opts.sort) rows = sortRows(rows, opts.sort, known);
  const columns = pickColumns(opts.columns, rows.length ? rows : all, kinds, known);
  return { columns, rows, best: bestValues(columns, rows) };
}

/** A row's value for a column: params and metrics first, then the trial's own columns. */
export function lookup(row: ComparisonRow, name: string): unknown {
  if (row.values.has(name)) return row.values.get(name);
  switch (name) {
    case 'trial':
      return row.trial;
    case 'id':
      return row.id;
    case 'name':
      return row.name ?? undefined;
    case 'notebook':
      return row.notebook;
    case 'start':
      return row.start;
    case 'status':
      return row.status;
    case 'duration':
      return seconds(row.start, row.finish);
    default:
      return undefined;
  }
}

/**
 * The newest row against the one before it (by trial number): one line per directed metric that got worse.
 * Rows missing a value on either side are not judged.
 */
export function regressionsOf(c: Comparison): string[] {
  const rows = [...c.rows].sort((a, b) => a.trial - b.trial);
  if (rows.length < 2) return [];
  const [before, after] = rows.slice(-2);
  return c.columns.flatMap((col) => {
    const x = plainText(before.values.get(col.name));
    const y = plainText(after.values.get(col.name));
    if (!col.direction || typeof x !== 'number' || typeof y !== 'number' || x === y) return [];
    const worse = col.direction === 'max' ? y < x : y > x;
    const text = (row: ComparisonRow) => pythonText(row.values.get(col.name));
    return worse ? [`${col.name} ${text(before)} → ${text(after)} in trial ${after.trial} (trial ${before.trial} before it), metric:${col.direction}`] : [];
  });
}

/** The selected trials with their tagged values, and each tagged name's kind in the newest trial tagging it. */
function loadRows(db: Database.Database, selection: Selection): { rows: ComparisonRow[]; kinds: Map<string, string> } {
  const of = selection.kind === 'all' ? undefined : selection.kind === 'notebook' ? { notebook: selection.notebook } : { ids: selection.ids };
  const trials = comparedTrials(db, of).sort((a, b) => a[0] - b[0]);
  const sequence = new Map(trials.map((t) => [t[1], t[0]]));
  const tags = tagRecordsOfTrials(db, selection.kind === 'all' ? undefined : trials.map((t) => t[1]));
  const values = new Map<string, Map<string, unknown>>();
  const kinds = new Map<string, string>();
  // The kind a name shows is the one of the newest trial tagging it.
  const newestFirst = tags.map((record) => ({ record, trial: sequence.get(record[0] as string) ?? 0 })).sort((a, b) => b.trial - a.trial);
  for (const { record } of newestFirst) {
    const m = new Map<string, unknown>();
    forEachTag(record, (name, kind, value) => {
      if (kind !== 'param' && !kind.startsWith('metric')) return;
      m.set(name, value);
      if (!kinds.has(name)) kinds.set(name, kind);
    });
    values.set(record[0] as string, m);
  }
  const rows = trials.map(([trial, id, notebook, start, finish, status, pid, host, name]) => ({
    trial, id, name, notebook, start, finish, status: effectiveStatus(status, pid, host), values: values.get(id) ?? new Map<string, unknown>(),
  }));
  if (selection.kind !== 'trials') return { rows, kinds };
  const byId = new Map(rows.map((r) => [r.id, r]));
  return { rows: selection.ids.flatMap((id) => byId.get(id) ?? []), kinds };
}

function sortRows(rows: ComparisonRow[], spec: string, known: (name: string) => boolean): ComparisonRow[] {
  const descending = spec.startsWith('-');
  const name = descending ? spec.slice(1) : spec;
  if (!known(name)) throw unknownColumn('--sort', name);
  const sign = descending ? -1 : 1;
  // Missing values last in either direction, numbers before strings, ties in trial order.
  const keyed = rows.map((row) => {
    const v = plainText(lookup(row, name));
    const rank = v === undefined || v === null ? 2 : typeof v === 'number' ? 0 : 1;
    return { row, rank, v: rank === 1 ? String(v) : v };
  });
  keyed.sort((a, b) => {
    if (a.rank !== b.rank) return a.rank - b.rank;
    if (a.rank === 0) return sign * ((a.v as number) - (b.v as number)) || a.row.trial - b.row.trial;
    if (a.rank === 1) return sign * ((a.v as string) < (b.v as string) ? -1 : (a.v as string) > (b.v as string) ? 1 : 0) || a.row.trial - b.row.trial;
    return a.row.trial - b.row.trial;
  });
  return keyed.map((k) => k.row);
}

function pickColumns(spec: string | undefined, rows: ComparisonRow[], kinds: Map<string, string>, known: (name: string) => boolean): Column[] {
  const column = (name: string): Column => {
    const kind = kinds.get(name);
    if (kind === undefined) return { name, kind: 'trial', direction: null };
    return { name, kind: kind === 'param' ? 'param' : 'metric', direction: directionOf(kind) };
  };
  if (spec !== undefined) {
    const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
    if (names.length === 0) throw new NbprovError('NBPROV_USAGE', '--columns is empty', { hint: `name columns: ${[...TRIAL_COLUMNS].join(', ')} or a tagged param or metric` });
    for (const n of names) if (!known(n)) throw unknownColumn('--columns', n, kinds);
    return names.map(column);
  }
  const notebooks = new Set(rows.map((r) => r.notebook));
  // After the number and id: a trial's name when any has one, its notebook when they differ.
  const trialColumns = [...DEFAULT_TRIAL_COLUMNS.slice(0, 2), ...(rows.some((r) => typeof r.name === 'string') ? ['name'] : []), ...(notebooks.size > 1 ? ['notebook'] : []), ...DEFAULT_TRIAL_COLUMNS.slice(2)];
  const tagged = [...kinds.keys()].sort();
  return [...trialColumns.map(column), ...tagged.filter((n) => kinds.get(n) === 'param').map(column), ...tagged.filter((n) => kinds.get(n) !== 'param').map(column)];
}

function bestValues(columns: Column[], rows: ComparisonRow[]): Comparison['best'] {
  const best: Comparison['best'] = new Map();
  for (const col of columns) {
    if (!col.direction) continue;
    let value: number | undefined;
    let trials: number[] = [];
    for (const r of rows) {
      const v = plainText(r.values.get(col.name));
      if (typeof v !== 'number' || !Number.isFinite(v)) continue;
      if (value === undefined || (col.direction === 'max' ? v > value : v < value)) {
        value = v;
        trials = [r.trial];
      } else if (v === value) {
        trials.push(r.trial);
      }
    }
    if (value !== undefined) best.set(col.name, { direction: col.direction, value, trials });
  }
  return best;
}

function unknownColumn(flag: string, name: string, kinds?: Map<string, string>): NbprovError {
  const names = [...TRIAL_COLUMNS, ...[...(kinds?.keys() ?? [])].sort()];
  return new NbprovError('NBPROV_USAGE', `${flag}: unknown column '${name}'`, {
    hint: kinds ? `columns: ${names.join(', ')}` : `a trial column (${TRIAL_COLUMNS.join(', ')}) or a tagged param or metric; see \`nbprov tags\``,
  });
}

/** Seconds from start to finish; undefined while running. */
export function seconds(start: string, finish: string | null): number | undefined {
  const a = parseTimestamp(start);
  const b = parseTimestamp(finish);
  return a && b ? (b.getTime() - a.getTime()) / 1000 : undefined;
}
