import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { plainText, pythonText } from '../python-text.js';
import { compareTrials, type Comparison, type Selection } from '../compare/comparison.js';
import type { Direction } from '../compare/values.js';
import { TrialLineage } from '../graph/trial-lineage.js';
import { repeatParamsOfTrials } from '../store/sweeps.js';
import { taggedVersionsOfTrials } from '../store/tagged-versions.js';

/** The fewest trials with the metric that explain takes: two make a difference, not a spread. */
export const MIN_TRIALS = 3;

/** What explain analyses: the trials that have the metric, and each parameter's values and reach there. */
export interface ExplainInputs {
  metric: string;
  direction: Direction;
  /** Trial sequence numbers and metric values, in trial order. */
  trials: number[];
  y: number[];
  params: ParameterInputs[];
  /** The parameters sweeps set to the repeat number (`sweep --repeat N --seed-param NAME`). */
  repeatParams: string[];
}

export interface ParameterInputs {
  name: string;
  /** The value as compare shows it, per trial (undefined where the trial has none). */
  values: unknown[];
  /**
   * Per trial: whether the version the parameter's tag names is an ancestor of the metric's final version; null
   * where either has no recorded version (a trial recorded with --capture cells, or by noWorkflow).
   */
  reach: (boolean | null)[];
}

/**
 * Reads the metric and the tagged parameters of the selected trials (as `compare` shows them), and asks the lineage
 * engine, trial by trial, whether each parameter reached the metric. Throws NBPROV_USAGE when the metric is not a
 * tagged metric, fewer than MIN_TRIALS trials have a number for it, or no parameter varies among them.
 */
export function readExplainInputs(db: Database.Database, selection: Selection, metric: string): ExplainInputs {
  return explainInputsOf(db, compareTrials(db, selection, {}), metric);
}

/** As readExplainInputs, from a comparison of the trials already made (the report's). */
export function explainInputsOf(db: Database.Database, comparison: Comparison, metric: string): ExplainInputs {
  const column = comparison.columns.find((c) => c.name === metric);
  const metrics = comparison.columns.filter((c) => c.kind === 'metric').map((c) => c.name);
  if (!column || column.kind !== 'metric') throw notAMetric(metric, column?.kind, metrics);
  const rows = comparison.rows.filter((r) => typeof plainText(r.values.get(metric)) === 'number' && Number.isFinite(plainText(r.values.get(metric)))).sort((a, b) => a.trial - b.trial);
  if (rows.length < MIN_TRIALS) {
    throw new NbprovError('NBPROV_USAGE', `${rows.length === 0 ? 'no' : `only ${rows.length}`} trial${rows.length === 1 ? '' : 's'} of this selection ha${rows.length === 1 ? 's' : 've'} a number for ${metric}: explain needs ${MIN_TRIALS} or more`, {
      hint: 'run more trials, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select more (--all)',
    });
  }
  const names = comparison.columns.filter((c) => c.kind === 'param').map((c) => c.name);
  const values = names.map((name) => rows.map((r) => r.values.get(name)));
  if (!values.some((vs) => new Set(vs.map(valueKey)).size > 1)) {
    throw new NbprovError('NBPROV_USAGE', `no parameter varies among the ${rows.length} trials with ${metric}`, {
      hint: 'sweep one, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select other trials',
    });
  }
  const ids = rows.map((r) => r.id);
  const reach = reachOfParameters(db, ids, metric, names);
  return {
    metric,
    direction: column.direction,
    trials: rows.map((r) => r.trial),
    y: rows.map((r) => plainText(r.values.get(metric)) as number),
    params: names.map((name, i) => ({ name, values: values[i], reach: reach[i] })),
    repeatParams: repeatParamsOfTrials(db, ids),
  };
}

/** The key a value is grouped by: its Python text, so that 1, 1.0 and '1' stay apart as compare shows them. */
export function valueKey(v: unknown): string {
  if (v === undefined) return '';
  // Exact digits: pythonText rounds to 6 significant ones.
  return typeof v === 'number' ? String(v) : pythonText(v);
}

/** reach[p][t]: whether parameter p's tagged version is an ancestor of the metric's in trial t (null: unknown). */
function reachOfParameters(db: Database.Database, ids: string[], metric: string, names: string[]): (boolean | null)[][] {
  const metricVersion = new Array<number | null>(ids.length).fill(null);
  const paramVersions = names.map(() => new Array<number | null>(ids.length).fill(null));
  for (const [t, name, evaluationId] of taggedVersionsOfTrials(db, ids, [metric, ...names])) {
    if (name === 0) metricVersion[t] = evaluationId;
    else paramVersions[name - 1][t] = evaluationId;
  }
  const reach = names.map(() => new Array<boolean | null>(ids.length).fill(null));
  ids.forEach((id, t) => {
    const root = metricVersion[t];
    if (root === null) return;
    // One backward sweep from the metric's version answers every parameter of the trial.
    const [ancestry] = TrialLineage.read(db, id, []).ancestors([root]);
    paramVersions.forEach((versions, p) => {
      const version = versions[t];
      if (version !== null) reach[p][t] = ancestry.has(version);
    });
  });
  return reach;
}

function notAMetric(name: string, kind: string | undefined, metrics: string[]): NbprovError {
  const what = kind === 'param' ? `${name} is a parameter, not a metric` : kind ? `${name} is not a tagged variable` : `${name} is not a tagged metric of these trials`;
  return new NbprovError('NBPROV_USAGE', what, {
    hint: `${metrics.length ? `tagged metrics here: ${metrics.join(', ')}; or tag` : 'tag'} it: \`nbprov tag var ${name} metric:max\` (or metric:min)`,
  });
}
