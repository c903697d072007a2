import { Chalk } from 'chalk';
import { lookup, type Column, type Comparison, type ComparisonRow } from '../compare/comparison.js';
import { isRepr, pythonText } from '../python-text.js';
import { renderColumns } from './columns.js';
import { formatSeconds } from './durations.js';

const TEXT_WIDTH = 40;
const BEST_MARK = '*';

/**
 * The comparison as a table, one row per trial. The best value of each metric:max / metric:min column is bold
 * green with colors, else marked with `*` and explained under the table.
 */
export function renderComparisonText(c: Comparison, opts: { color?: boolean } = {}): string {
  const color = new Chalk({ level: opts.color ? 1 : 0 });
  const bestTrials = c.columns.map((col) => (c.best.has(col.name) ? new Set(c.best.get(col.name)!.trials) : undefined));
  const isBest = (r: number, col: number) => bestTrials[col]?.has(c.rows[r].trial) === true;
  const mark = opts.color ? '' : BEST_MARK;
  const texts = c.columns.map(cellText);
  const rows = c.rows.map((r, i) => texts.map((text, j) => (bestTrials[j] && isBest(i, j) ? text(r) + mark : text(r))));
  const head = c.columns.map((col) => (col.direction ? `${col.name} ${col.direction === 'max' ? '↑' : '↓'}` : col.name));
  const table = renderColumns(head, rows, {
    bold: opts.color ? (s) => color.bold(s) : undefined,
    decorate: opts.color ? (padded, r, col) => (isBest(r, col) ? color.bold.green(padded) : padded) : undefined,
  });
  const legend = !opts.color && c.best.size ? `\n${BEST_MARK} best value of each metric:max / metric:min column` : '';
  return `${table}${legend}\n`;
}

/** RFC 4180 CSV of the chosen columns, raw values (full ids and timestamps, unrounded numbers). */
export function renderComparisonCsv(c: Comparison): string {
  const lines = [c.columns.map((col) => csvField(col.name)).join(',')];
  for (const r of c.rows) lines.push(c.columns.map((col) => csvField(rawOf(r, col))).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** {columns: [{name, kind, direction}], rows: [{column: value}], best: {metric: {direction, value, trials}}} */
export function renderComparisonJson(c: Comparison): string {
  return JSON.stringify(comparisonJson(c), null, 2) + '\n';
}

/** What renderComparisonJson prints, as data (the report embeds it). */
export function comparisonJson(c: Comparison): { columns: Column[]; rows: Record<string, unknown>[]; best: Record<string, unknown> } {
  const rows = c.rows.map((r) => Object.fromEntries(c.columns.map((col) => [col.name, rawOf(r, col) ?? null])));
  return { columns: c.columns, rows, best: Object.fromEntries(c.best) };
}

function rawOf(r: ComparisonRow, col: Column): unknown {
  return lookup(r, col.name);
}

/** How one column reads in the table; chosen once per column, run once per cell. */
function cellText(col: Column): (r: ComparisonRow) => string {
  if (col.kind === 'trial') {
    if (col.name === 'trial') return (r) => String(r.trial);
    if (col.name === 'id') return (r) => r.id.slice(0, 8);
    if (col.name === 'start') return (r) => r.start.slice(0, 19);
    if (col.name === 'duration') return (r) => formatSeconds(lookup(r, 'duration') as number | undefined);
  }
  if (col.kind === 'trial') return (r) => cut(String(lookup(r, col.name) ?? '-'));
  return (r) => cut(pythonText(lookup(r, col.name)));
}

/** The first line, cut to the column width. Tagged values come as Python writes them: `(3, 3)` is not `'(3, 3)'`. */
function cut(value: string): string {
  const text = value.split('\n')[0];
  return text.length > TEXT_WIDTH ? text.slice(0, TEXT_WIDTH - 1) + '…' : text;
}

function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const text = isRepr(v) ? v.repr : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
