import { Chalk, type ChalkInstance } from 'chalk';
import type { Absence, CellRef, WhyReport } from '../compare/why.js';
import type { MetricChange, NotCompared, ParamChange, TrialDiff, TrialRef } from '../compare/trial-diff.js';
import { entryChanges, type ValueSummary, type ValueView } from '../compare/values.js';
import { formatSigned } from '../python-text.js';
import { formatSeconds } from './durations.js';
import { renderColumns } from './columns.js';
import { quoteName } from '../trial-name-text.js';

const INDENT = '  ';

/** The text report of a trial diff: one titled section per non-empty part, in the order of TrialDiff. */
export function renderDiffText(diff: TrialDiff, opts: { color?: boolean } = {}): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out = [`${trialLabel(diff.a)} → ${trialLabel(diff.b)}   ${diff.a.notebook === diff.b.notebook ? diff.a.notebook : `${diff.a.notebook} → ${diff.b.notebook}`}`];
  for (const s of diff.skipped ?? []) out.push(`trial ${s.trial} skipped cell${s.cells.length === 1 ? '' : 's'} ${s.cells.join(', ')}: not compared`);
  const add = (title: string, lines: string[]) => {
    if (lines.length) out.push('', c.bold(title), ...lines);
  };
  add('Parameters', aligned((diff.params ?? []).flatMap((p) => paramRows(p, diff))));
  // A small container's metric takes one row per changed entry.
  const metrics = (diff.metrics ?? []).flatMap((m) => (m.entries ? m.entries.map((e) => ({ m, row: [e.path, arrow(e.a, e.b), verdictText(m), ''] })) : [{ m, row: metricRow(m) }]));
  const verdictColor = { better: c.green, worse: c.red } as Partial<Record<MetricChange['verdict'], (s: string) => string>>;
  add('Metrics', aligned(metrics.map((r) => r.row), (padded, r, col) => (col === 2 ? verdictColor[metrics[r].m.verdict]?.(padded) ?? padded : padded)));
  add('Why', (diff.why ?? []).flatMap((w) => whyLines(c, w)));
  add('Code', (diff.code ?? []).flatMap((ch) => [
    `${INDENT}${cellLabel(ch.a, ch.b, ch.stage)} ${ch.change}`,
    ...ch.patch.trimEnd().split('\n').map((l) => `${INDENT}${INDENT}${colorPatchLine(c, l)}`),
  ]));
  const env = diff.environment;
  add('Environment', aligned([...(env?.attributes ?? []).map((e) => [e.name, `${e.a ?? '(absent)'} → ${e.b ?? '(absent)'}`]), ...(env?.modules ?? []).map((m) => [`module ${m.name}`, `${m.a ?? '(absent)'} → ${m.b ?? '(absent)'}`])]));
  add('Files', aligned((diff.files ?? []).map((f) => [f.role, f.name, `${hash(f.a)} → ${hash(f.b)}`])));
  if (diff.time?.length) {
    const head = ['stage', `trial ${diff.a.sequence}`, `trial ${diff.b.sequence}`, 'change'];
    const rows = diff.time.map((t) => [t.stage, formatSeconds(t.a), formatSeconds(t.b), t.a !== null && t.b !== null ? signedSeconds(t.b - t.a) : '-']);
    add('Time', indent(renderColumns(head, rows).split('\n')));
  }
  return out.join('\n') + '\n';
}

/** The lines of one metric in the Why section (the report page lists them too). */
export function whyLines(c: ChalkInstance, w: WhyReport): string[] {
  const head = `${INDENT}${c.bold(w.metric)} ${VERDICT_PHRASE[w.verdict]} (${arrow(w.a, w.b)})${w.absent ? `: ${absenceText(w.absent)}` : ''}`;
  const rows = [
    ...w.params.flatMap((p) => {
      const entries = viewEntries(p.name, p.a, p.b);
      return entries.length ? entries.map((e) => ['param', e.path, arrow(e.a, e.b)]) : [['param', p.name, arrow(p.a, p.b)]];
    }),
    ...w.cells.map((cell) => ['cell', cellPlace(cell.a, cell.b, cell.stage), `${cell.change}: ${cell.firstLine}`]),
    ...w.files.map((f) => ['file', f.name, `${hash(f.a)} → ${hash(f.b)}`]),
    ...w.modules.map((mod) => ['module', mod.name, `${mod.a ?? '(absent)'} → ${mod.b ?? '(absent)'}`]),
  ];
  if (rows.length === 0) return w.absent ? [head] : [head, `${INDENT}${INDENT}no recorded ancestor changed (randomness, the clock or an input nbprov does not see)`];
  return [head, ...indent(aligned(rows))];
}

/** `cell 4 raised ValueError: boom in trial 2`, `cell 5 did not run in trial 2 (the trial stopped at cell 4)`. */
function absenceText(a: Absence): string {
  const cell = `cell ${cellPlace(null, a.cell, a.stage)}`;
  if (a.reason === 'raised') return `${cell} raised ${a.error ?? 'an error'} in trial ${a.trial}`;
  if (a.reason === 'skipped') return `${cell} was skipped in trial ${a.trial}`;
  return `${cell} did not run in trial ${a.trial}${a.stoppedAt ? ` (the trial stopped at cell ${cellPlace(null, a.stoppedAt, null)})` : ''}`;
}

const VERDICT_PHRASE: Record<WhyReport['verdict'], string> = {
  better: 'got better',
  worse: 'got worse',
  changed: 'changed',
  unchanged: 'did not change',
  added: 'is new',
  removed: 'is gone',
  uncompared: 'could not be compared',
};

/** One row per changed entry of a small container, else `name  old → new`; then how it was set or why not compared. */
function paramRows(p: ParamChange, diff: TrialDiff): string[][] {
  const note = [notComparedText(p.notCompared), injectedNote(p.injected, diff)].filter(Boolean).join('  ');
  return p.entries ? p.entries.map((e) => [e.path, arrow(e.a, e.b), note]) : [[p.name, arrow(p.a, p.b), note]];
}

/** name, old → new, verdict (with the direction it was judged by), change: empty cells only at the end. */
export function metricRow(m: MetricChange): string[] {
  const relative = m.relative === null ? '' : ` (${percentText(m.relative)})`;
  return [m.name, arrow(m.a, m.b), verdictText(m), m.delta === null || m.delta === 0 ? '' : `${formatSigned(m.delta)}${relative}`];
}

/** Two decimals from 1% up, else two significant digits: a −0.0017% change next to "worse" is not 0%. */
function percentText(relative: number): string {
  const percent = relative * 100;
  return `${formatSigned(Number(Math.abs(percent) >= 1 ? percent.toFixed(2) : percent.toPrecision(2)))}%`;
}

function verdictText(m: MetricChange): string {
  if (m.skipped) return `not compared (cell ${m.skipped.cell} skipped in trial ${m.skipped.trial})`;
  if (m.verdict === 'better' || m.verdict === 'worse') return `${m.verdict} (${m.kind})`;
  if (m.verdict === 'uncompared') return notComparedText(m.notCompared);
  return m.verdict === 'added' ? 'new' : m.verdict;
}

/** Never "unchanged" for values nbprov could not compare whole. */
function notComparedText(reason: NotCompared | undefined): string {
  return reason ? `not compared (${reason})` : '';
}

/** The changed entries of two small containers shown as values (their summaries carry the entries). */
function viewEntries(name: string, a: ValueView | null, b: ValueView | null) {
  const items = (v: ValueView | null) => (v && typeof v.value === 'object' && v.value !== null ? (v.value as ValueSummary).items : undefined);
  const ia = items(a);
  const ib = items(b);
  return ia && ib ? entryChanges(name, ia, ib, [a!.text, b!.text]) : [];
}

export function trialLabel(t: TrialRef): string {
  return `trial ${t.sequence}${t.name ? ` ${quoteName(t.name)}` : ''} (${t.id.slice(0, 8)})`;
}

/** `cell 6`, `cell 6 → 7` when the pair moved, with the cell id and stage in parentheses. */
export function cellLabel(a: CellRef | null, b: CellRef | null, stage: string | null): string {
  return `cell ${cellPlace(a, b, stage)}`;
}

function cellPlace(a: CellRef | null, b: CellRef | null, stage: string | null): string {
  const where = a && b && a.index !== b.index ? `${a.index} → ${b.index}` : `${(b ?? a)!.index}`;
  const about = [(b ?? a)!.id, stage].filter(Boolean);
  return about.length ? `${where} (${about.join(', ')})` : where;
}

function arrow(a: ValueView | null, b: ValueView | null): string {
  return `${a?.text ?? '(absent)'} → ${b?.text ?? '(absent)'}`;
}

function injectedNote(injected: { a: boolean; b: boolean }, diff: TrialDiff): string {
  if (injected.a && injected.b) return '-p in both';
  if (injected.a) return `-p in trial ${diff.a.sequence}`;
  if (injected.b) return `-p in trial ${diff.b.sequence}`;
  return '';
}

function hash(h: string | null): string {
  return h ? h.slice(0, 10) : '-';
}

function signedSeconds(s: number): string {
  const text = formatSeconds(Math.abs(s));
  return s < 0 ? `-${text}` : `+${text}`;
}

function colorPatchLine(c: ChalkInstance, line: string): string {
  if (line.startsWith('+++') || line.startsWith('---')) return c.bold(line);
  if (line.startsWith('+')) return c.green(line);
  if (line.startsWith('-')) return c.red(line);
  if (line.startsWith('@@')) return c.cyan(line);
  return line;
}

function aligned(rows: string[][], decorate?: (padded: string, row: number, column: number) => string): string[] {
  return rows.length ? indent(renderColumns(null, rows, { decorate }).split('\n')) : [];
}

function indent(lines: string[]): string[] {
  return lines.map((l) => INDENT + l);
}
