import type Database from 'better-sqlite3';
import { stageOrder } from '../stages.js';
import { NBPROV_VERSION } from '../version.js';
import { PyFloat, resolveTrial, type TrialSummary } from '../store/queries.js';
import { stageSecondsOfTrials } from '../store/stage-timings.js';
import { compareTrials, type Comparison, type ComparisonRow, type Selection } from '../compare/comparison.js';
import { diffTrials, NO_STAGE, parseSections } from '../compare/trial-diff.js';
import { comparisonJson } from '../render/comparison-table.js';
import { explanationJson } from '../render/explain-text.js';
import { explainComparison } from '../explain/explain.js';
import { NbprovError } from '../errors.js';
import { trialDetail } from '../render/trial-json.js';
import { metricLineages } from './lineage.js';
import type { Json, ReportModel } from './model.js';

/** How many of the newest trials get their lineage, details and adjacent diffs into the page (besides each metric's best). */
export const NEWEST_PRECOMPUTED = 50;

/**
 * The report's data for a selection of trials, from the same functions `compare`, `deps`, `diff` and `show` print
 * as JSON. The table, charts and timings cover every trial; lineage, details and diffs a bounded set (see
 * precomputed), so a report of 10,000 trials costs little more than one of 50.
 */
export function buildReport(db: Database.Database, dbDir: string, selection: Selection): ReportModel {
  const comparison = withDuration(compareTrials(db, selection, {}));
  const rows = [...comparison.rows].sort((a, b) => a.trial - b.trial);
  const metrics = comparison.columns.filter((c) => c.kind === 'metric').map((c) => c.name);
  const { newest, best } = precomputed(comparison, rows);
  const lineageTrials = [...new Set([...newest, ...best.values()].map((r) => r.trial))].sort((a, b) => a - b);
  const summaries = new Map(lineageTrials.map((seq) => [seq, resolveTrial(db, String(seq))]));
  const lineage: ReportModel['lineage'] = {};
  const details: ReportModel['details'] = {};
  for (const row of [...newest, ...best.values()]) {
    const trial = summaries.get(row.trial)!;
    lineage[row.trial] ??= metricLineages(db, trial, metrics.filter((m) => row.values.get(m) !== undefined));
    details[row.trial] ??= toJson(trialDetail(db, dbDir, trial, { source: true }));
  }
  const starts = rows.map((r) => r.start).sort();
  return {
    nbprov: NBPROV_VERSION,
    generated: new Date().toISOString(),
    title: [...new Set(rows.map((r) => r.notebook))].join(', '),
    trials: rows.length,
    dateRange: starts.length ? [starts[0], starts[starts.length - 1]] : null,
    comparison: toJson(withFloatText(comparisonJson(comparison))),
    timings: timings(db, rows),
    lineage,
    details,
    diffs: diffs(db, dbDir, newest, best, rows.at(-1), summaries),
    lineageTrials,
    explain: explanations(db, comparison, metrics),
  };
}

/** `nbprov explain METRIC --json` of each metric over the report's trials, or why explain refuses it. */
function explanations(db: Database.Database, comparison: Comparison, metrics: string[]): ReportModel['explain'] {
  const found = explainComparison(db, comparison, metrics);
  return Object.fromEntries(metrics.map((metric, i) => {
    const e = found[i];
    return [metric, e instanceof NbprovError ? { refused: e.message, hint: e.hint ?? null } : toJson(explanationJson(e))];
  }));
}

/** The comparison with a duration column after status: `compare --json --columns trial,id,…,status,duration,…`. */
function withDuration(c: Comparison): Comparison {
  if (c.columns.some((col) => col.name === 'duration')) return c;
  const at = c.columns.findIndex((col) => col.name === 'status') + 1;
  const columns = [...c.columns.slice(0, at), { name: 'duration', kind: 'trial' as const, direction: null }, ...c.columns.slice(at)];
  return { ...c, columns };
}

/** The newest trials, and the best trial of each directed metric (the newest of a tie). */
function precomputed(c: Comparison, rows: ComparisonRow[]): { newest: ComparisonRow[]; best: Map<string, ComparisonRow> } {
  const bySequence = new Map(rows.map((r) => [r.trial, r]));
  const best = new Map<string, ComparisonRow>();
  for (const [metric, b] of c.best) best.set(metric, bySequence.get(Math.max(...b.trials))!);
  return { newest: rows.slice(-NEWEST_PRECOMPUTED), best };
}

/** Adjacent pairs among the newest trials, then each metric's best against the latest (unless that pair is there). */
function diffs(
  db: Database.Database,
  dbDir: string,
  newest: ComparisonRow[],
  best: Map<string, ComparisonRow>,
  latest: ComparisonRow | undefined,
  summaries: Map<number, TrialSummary>,
): ReportModel['diffs'] {
  const pairs: { a: number; b: number; why: 'adjacent' | 'best-vs-latest' }[] = [];
  const has = (a: number, b: number) => pairs.some((p) => p.a === a && p.b === b);
  for (let i = 1; i < newest.length; i++) pairs.push({ a: newest[i - 1].trial, b: newest[i].trial, why: 'adjacent' });
  for (const row of best.values()) {
    if (latest && row.trial !== latest.trial && !has(row.trial, latest.trial)) pairs.push({ a: row.trial, b: latest.trial, why: 'best-vs-latest' });
  }
  const sections = parseSections(undefined);
  return pairs.map((p) => ({ ...p, diff: toJson(diffTrials(db, dbDir, summaries.get(p.a)!, summaries.get(p.b)!, sections)) }));
}

/** Seconds per stage of every trial, stages in pipeline order and cells without one last. */
function timings(db: Database.Database, rows: ComparisonRow[]): ReportModel['timings'] {
  const byTrial = new Map<number, [string, number][]>(rows.map((r) => [r.trial, []]));
  for (const [trial, stage, seconds] of stageSecondsOfTrials(db, rows.map((r) => r.id))) byTrial.get(trial)?.push([stage ?? NO_STAGE, seconds]);
  const rank = (stage: string) => (stage === NO_STAGE ? 100 : stageOrder(stage));
  return [...byTrial].map(([trial, stages]) => ({
    trial,
    stages: Object.fromEntries(stages.sort(([x], [y]) => rank(x) - rank(y) || x.localeCompare(y))),
  }));
}

/**
 * compare --json writes a float with an integral value as a number (1.0 as 1); the page shows values as Python
 * writes them, as `compare` does, so it gets its text as a repr ({repr: '1.0'}), which it sorts and charts as 1.
 */
function withFloatText(json: ReturnType<typeof comparisonJson>): ReturnType<typeof comparisonJson> {
  const rows = json.rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof PyFloat ? { repr: v.repr } : v])));
  return { ...json, rows };
}

/** What the command would print with --json, as plain data: PyFloat and the like become what JSON.stringify makes them. */
function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}
