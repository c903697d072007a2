import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import type { TrialSummary } from '../store/queries.js';
import { stageOrder } from '../stages.js';
import { matchCells, pairIndex, type CellPair } from './cell-match.js';
import { codeChanges, type CodeChange } from './code-diff.js';
import { readSnapshot, unreachedModule, type SnapshotCell, type TaggedVariable, type TrialSnapshot } from './trial-snapshot.js';
import { changedFiles, firstReads, lastWrites, Reach } from './file-reads.js';
import { changedEntries, explainMetrics, readWhySide, type WhyReport } from './why.js';
import {
  compareValues, entryChangesOf, directionOf, numericChange, recordedValue, valueView, verdictOf,
  type Direction, type EntryChange, type RecordedValue, type Sameness, type ValueView, type Verdict,
} from './values.js';

export const SECTIONS = ['params', 'metrics', 'why', 'code', 'environment', 'files', 'time'] as const;
export type Section = (typeof SECTIONS)[number];

export interface TrialRef {
  sequence: number;
  id: string;
  /** Only for a named trial (`run --name`). */
  name?: string;
  notebook: string;
  start: string;
  status: string;
}

export interface ParamChange {
  name: string;
  a: ValueView | null;
  b: ValueView | null;
  /** Which trials got this value from -p / -r / -f. */
  injected: { a: boolean; b: boolean };
  /** For two small containers: the entries that differ. */
  entries?: EntryChange[];
  /** Present when the values could not be compared by content, with the reason. */
  notCompared?: NotCompared;
}

/** Why two values could not be compared: one was over the fingerprint budget, or has no content fingerprint. */
export type NotCompared = Exclude<Sameness, 'same' | 'different'>;

export interface MetricChange {
  name: string;
  kind: string;
  direction: Direction;
  a: ValueView | null;
  b: ValueView | null;
  delta: number | null;
  relative: number | null;
  verdict: Verdict;
  entries?: EntryChange[];
  notCompared?: NotCompared;
  /** Set (with verdict `uncompared`) when one trial skipped the cell that makes the metric (`run --only/--stage`). */
  skipped?: SkippedCell;
}

/** A cell one trial skipped: what it makes there is not compared. */
export interface SkippedCell {
  trial: number;
  cell: number;
}

export interface NameChange {
  name: string;
  a: string | null;
  b: string | null;
}

export interface FileChange extends NameChange {
  role: 'input' | 'output';
}

export interface StageTime {
  stage: string;
  a: number | null;
  b: number | null;
}

/** What differs between two trials; a section is present when asked for, and empty when nothing differs. */
export interface TrialDiff {
  a: TrialRef;
  b: TrialRef;
  warnings: string[];
  /** The cells each trial skipped where the other ran them (`run --only/--stage`): left out of Metrics, Why, Files and Time. */
  skipped?: { trial: number; cells: number[] }[];
  params?: ParamChange[];
  metrics?: MetricChange[];
  why?: WhyReport[];
  code?: CodeChange[];
  environment?: { attributes: NameChange[]; modules: NameChange[] };
  files?: FileChange[];
  time?: StageTime[];
}

/** Environment attributes that differ on every run and say nothing about the result. */
const VOLATILE_ATTRIBUTES = new Set(['pid']);
export const NO_STAGE = '(no stage)';

/** Parses `--only params,metrics,...`; throws NBPROV_USAGE naming the valid sections. */
export function parseSections(only: string | undefined): Set<Section> {
  if (!only) return new Set(SECTIONS);
  const names = only.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(SECTIONS as readonly string[]).includes(n));
  if (bad.length || names.length === 0) {
    throw new NbprovError('NBPROV_USAGE', `--only: unknown section${bad.length === 1 ? '' : 's'} ${bad.map((b) => `'${b}'`).join(', ') || "''"}`, {
      hint: `sections are ${SECTIONS.join(', ')}`,
    });
  }
  return new Set(names as Section[]);
}

/** Compares trial `a` (the baseline) with trial `b`. */
export function diffTrials(db: Database.Database, dbDir: string, a: TrialSummary, b: TrialSummary, sections: Set<Section>): TrialDiff {
  const sa = readSnapshot(db, a);
  const sb = readSnapshot(db, b);
  const pairs = matchCells(sa.cells, sb.cells);
  const skipped = skippedCells(sa, sb, pairs);
  const out: TrialDiff = { a: trialRef(a), b: trialRef(b), warnings: [], ...(skipped.length ? { skipped } : {}) };
  if (a.notebook !== b.notebook) out.warnings.push(`trials ${a.sequence} and ${b.sequence} ran different notebooks (${a.notebook}, ${b.notebook}); cells are paired by id, source and position`);
  if (!a.nbprov || !b.nbprov) out.warnings.push('a trial recorded by noWorkflow itself has no cells, tags or values to compare');
  const metrics = metricChanges(sa, sb, pairs);
  const reach = new Reach(sa, sb, pairs);
  if (sections.has('params')) out.params = paramChanges(sa, sb);
  if (sections.has('metrics')) out.metrics = metrics;
  if (sections.has('why')) {
    const names = paramNames(sa, sb);
    const sideA = readWhySide(db, dbDir, sa, names);
    const sideB = readWhySide(db, dbDir, sb, names);
    out.why = explainMetrics(metrics.filter((m) => m.verdict !== 'unchanged' && !m.skipped), sideA, sideB, pairs, names, reach);
  }
  if (sections.has('code')) out.code = codeChanges(pairs, dbDir, { a: `trial ${a.sequence}`, b: `trial ${b.sequence}` });
  if (sections.has('environment')) out.environment = environmentChanges(sa, sb);
  if (sections.has('files')) out.files = fileChanges(sa, sb, reach);
  if (sections.has('time')) out.time = stageTimes(sa, sb, pairs);
  return out;
}

/** Directed metrics that got worse from a to b. */
export function regressions(diff: TrialDiff): MetricChange[] {
  return (diff.metrics ?? []).filter((m) => m.verdict === 'worse');
}

function trialRef(t: TrialSummary): TrialRef {
  return { sequence: t.sequence, id: t.id, ...(t.name ? { name: t.name } : {}), notebook: t.notebook, start: t.start, status: t.status };
}

/** Tagged parameters plus every injected name (a -p value may name a variable nobody tagged). */
function paramNames(a: TrialSnapshot, b: TrialSnapshot): string[] {
  const names = new Set<string>();
  for (const s of [a, b]) {
    for (const t of s.tags.values()) if (t.kind === 'param') names.add(t.name);
    for (const name of Object.keys(s.parameters ?? {})) names.add(name);
  }
  return [...names].sort();
}

function paramValue(s: TrialSnapshot, name: string): RecordedValue | undefined {
  const tag = s.tags.get(name);
  if (tag) return tag.value;
  if (s.parameters && name in s.parameters) return recordedValue(JSON.stringify(s.parameters[name]), null, null);
  return undefined;
}

function paramChanges(a: TrialSnapshot, b: TrialSnapshot): ParamChange[] {
  return paramNames(a, b).flatMap((name) => {
    const va = paramValue(a, name);
    const vb = paramValue(b, name);
    const sameness = compareValues(va, vb);
    if (sameness === 'same') return [];
    const change: ParamChange = { name, a: valueView(va), b: valueView(vb), injected: { a: name in (a.parameters ?? {}), b: name in (b.parameters ?? {}) } };
    return [withContentNotes(change, name, va, vb, sameness)];
  });
}

/** Adds the changed entries of two small containers, or why the values could not be compared. */
function withContentNotes<T extends { entries?: EntryChange[]; notCompared?: NotCompared }>(change: T, name: string, a: RecordedValue | undefined, b: RecordedValue | undefined, sameness: Sameness): T {
  const entries = entryChangesOf(name, a, b);
  if (entries?.length) change.entries = entries;
  if (sameness !== 'same' && sameness !== 'different') change.notCompared = sameness;
  return change;
}

function metricChanges(a: TrialSnapshot, b: TrialSnapshot, pairs: CellPair[]): MetricChange[] {
  const index = pairIndex(pairs);
  const names = [...new Set([...a.tags.values(), ...b.tags.values()].filter((t) => t.kind.startsWith('metric')).map((t) => t.name))].sort();
  return names.map((name) => {
    const ta = a.tags.get(name);
    const tb = b.tags.get(name);
    const kind = (tb ?? ta)!.kind;
    const direction = directionOf(kind);
    const change = numericChange(ta?.value, tb?.value);
    const metric: MetricChange = {
      name,
      kind,
      direction,
      a: valueView(ta?.value),
      b: valueView(tb?.value),
      delta: change?.delta ?? null,
      relative: change?.relative ?? null,
      verdict: verdictOf(ta?.value, tb?.value, direction),
    };
    const skipped = ta && !tb ? skippedCounterpart(a, b, ta, (c) => index.a.get(c)?.b) : tb && !ta ? skippedCounterpart(b, a, tb, (c) => index.b.get(c)?.a) : undefined;
    if (skipped) return { ...metric, verdict: 'uncompared', skipped };
    return ta && tb ? withContentNotes(metric, name, ta.value, tb.value, compareValues(ta.value, tb.value)) : metric;
  });
}

function environmentChanges(a: TrialSnapshot, b: TrialSnapshot): TrialDiff['environment'] {
  const stable = (m: Map<string, string>) => new Map([...m].filter(([k]) => !VOLATILE_ATTRIBUTES.has(k)));
  return {
    attributes: changedEntries(stable(a.environment), stable(b.environment)),
    modules: changedEntries(a.modules, b.modules).filter((m) => !unreachedModule(m.name, a, b)),
  };
}

/** Inputs compare the content first read, outputs the content last written, of the files both trials reached. */
function fileChanges(a: TrialSnapshot, b: TrialSnapshot, reach: Reach): FileChange[] {
  return [
    ...changedFiles(firstReads(a.files), firstReads(b.files), reach).map((c) => ({ ...c, role: 'input' as const })),
    ...changedFiles(lastWrites(a.files), lastWrites(b.files), reach).map((c) => ({ ...c, role: 'output' as const })),
  ];
}

/** The cells each trial skipped where the other ran them (a cell both skipped is no difference), for trials with any. */
function skippedCells(a: TrialSnapshot, b: TrialSnapshot, pairs: CellPair[]): NonNullable<TrialDiff['skipped']> {
  const only = (side: 'a' | 'b', other: 'a' | 'b') => pairs.flatMap((p) => (p[side]?.status === 'skipped' && p[other]?.status !== 'skipped' ? [p[side]!.index] : [])).sort((x, y) => x - y);
  return ([[a, only('a', 'b')], [b, only('b', 'a')]] as const).flatMap(([s, cells]) => (cells.length ? [{ trial: s.trial.sequence, cells }] : []));
}

/** The cell of `lacking` that `present` made the metric in, when `lacking` skipped it. */
function skippedCounterpart(present: TrialSnapshot, lacking: TrialSnapshot, tag: TaggedVariable, counterpart: (c: SnapshotCell) => SnapshotCell | undefined): SkippedCell | undefined {
  const made = tag.activationId === null ? undefined : present.cells.find((c) => c.activationId === tag.activationId);
  const cell = made && counterpart(made);
  return cell?.status === 'skipped' ? { trial: lacking.trial.sequence, cell: cell.index } : undefined;
}

/**
 * Seconds per stage in pipeline order, then unstaged cells, then the total; a cell either trial skipped counts in
 * neither, so that both sides sum the same cells.
 */
function stageTimes(a: TrialSnapshot, b: TrialSnapshot, pairs: CellPair[]): StageTime[] {
  const uncompared = new Set(pairs.filter((p) => p.a?.status === 'skipped' || p.b?.status === 'skipped').flatMap((p) => [p.a, p.b]));
  const sum = (s: TrialSnapshot) => {
    const m = new Map<string, number>();
    for (const c of s.cells) if (c.seconds !== null && !uncompared.has(c)) m.set(c.stage ?? NO_STAGE, (m.get(c.stage ?? NO_STAGE) ?? 0) + c.seconds);
    return m;
  };
  const ta = sum(a);
  const tb = sum(b);
  const stages = [...new Set([...ta.keys(), ...tb.keys()])].sort((x, y) => rank(x) - rank(y) || x.localeCompare(y));
  if (stages.length === 0) return [];
  const total = (m: Map<string, number>) => (m.size ? [...m.values()].reduce((x, y) => x + y, 0) : null);
  const rows = stages.length === 1 && stages[0] === NO_STAGE ? [] : stages.map((stage) => ({ stage, a: ta.get(stage) ?? null, b: tb.get(stage) ?? null }));
  return [...rows, { stage: 'total', a: total(ta), b: total(tb) }];
}

function rank(stage: string): number {
  return stage === NO_STAGE ? 100 : stageOrder(stage);
}
