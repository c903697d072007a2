import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { plainText, pythonText } from '../python-text.js';
import { compareTrials, type Comparison, type ComparisonRow, type Selection } from '../compare/comparison.js';
import type { Direction } from '../compare/values.js';
import { TrialLineage } from '../graph/trial-lineage.js';
import { countValuelessTrials } from '../store/queries.js';
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

/** As readExplainInputs, from a comparison of the trials already made. */
export function explainInputsOf(db: Database.Database, comparison: Comparison, metric: string): ExplainInputs {
  const [found] = explainInputsOfMetrics(db, comparison, [metric]);
  if (found instanceof NbprovError) throw found;
  return found;
}

/**
 * The inputs of several metrics over one comparison (the report's), or the NBPROV_USAGE error each would throw:
 * every trial's lineage is read once and swept once for all the metrics' versions.
 */
export function explainInputsOfMetrics(db: Database.Database, comparison: Comparison, metrics: string[]): (ExplainInputs | NbprovError)[] {
  const names = comparison.columns.filter((c) => c.kind === 'param').map((c) => c.name);
  const valueless = countValuelessTrials(db, comparison.rows.map((r) => r.id));
  const chosen = metrics.map((metric) => {
    try {
      return chooseRows(comparison, metric, names, valueless);
    } catch (err) {
      if (err instanceof NbprovError) return err;
      throw err;
    }
  });
  const ids = [...new Set(chosen.flatMap((c) => (c instanceof NbprovError ? [] : c.rows.map((r) => r.id))))];
  const at = new Map(ids.map((id, t) => [id, t]));
  const measured = chosen.filter((c): c is ChosenRows => !(c instanceof NbprovError));
  const reach = reachOfParameters(db, ids, measured.map((c) => c.metric), names);
  const repeatParams = repeatParamsOfTrials(db, ids);
  return chosen.map((c) => {
    if (c instanceof NbprovError) return c;
    const ofMetric = reach[measured.indexOf(c)];
    const positions = c.rows.map((r) => at.get(r.id)!);
    return {
      metric: c.metric,
      direction: c.direction,
      trials: c.rows.map((r) => r.trial),
      y: c.rows.map((r) => plainText(r.values.get(c.metric)) as number),
      params: names.map((name, p) => ({ name, values: c.values[p], reach: positions.map((t) => ofMetric[p][t]) })),
      repeatParams: repeatParams.filter((name) => names.includes(name)),
    };
  });
}

interface ChosenRows {
  metric: string;
  direction: Direction;
  rows: ComparisonRow[];
  /** values[p][i]: parameter p's value in rows[i]. */
  values: unknown[][];
}

/**
 * The trials with a number for the metric, in trial order; throws NBPROV_USAGE as readExplainInputs says.
 * `valueless`: how many of the comparison's trials were recorded with --capture cells, which keeps no values.
 */
function chooseRows(comparison: Comparison, metric: string, names: string[], valueless: number): ChosenRows {
  const column = comparison.columns.find((c) => c.name === metric);
  const metrics = comparison.columns.filter((c) => c.kind === 'metric').map((c) => c.name);
  if (valueless > 0 && valueless === comparison.rows.length) {
    throw new NbprovError('NBPROV_USAGE', `${valueless === 1 ? 'the trial was' : `all ${valueless} trials were`} recorded with --capture cells, which keeps no variable values: explain has no ${metric} to read`, {
      hint: 'record trials with --capture vars (the default), e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`',
    });
  }
  if (!column || column.kind !== 'metric') throw notAMetric(metric, column?.kind, metrics);
  const rows = comparison.rows.filter((r) => isFiniteNumber(plainText(r.values.get(metric)))).sort((a, b) => a.trial - b.trial);
  if (rows.length < MIN_TRIALS) {
    const cellsOnly = valueless ? ` (${valueless} of the ${comparison.rows.length} were recorded with --capture cells, which keeps no values)` : '';
    throw new NbprovError('NBPROV_USAGE', `${rows.length === 0 ? 'no' : `only ${rows.length}`} trial${rows.length === 1 ? '' : 's'} of this selection ha${rows.length === 1 ? 's' : 've'} a number for ${metric}${cellsOnly}: explain needs ${MIN_TRIALS} or more`, {
      hint: 'run more trials, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select more (--all)',
    });
  }
  const values = names.map((name) => rows.map((r) => r.values.get(name)));
  if (!values.some((vs) => new Set(vs.map(valueKey)).size > 1)) {
    throw new NbprovError('NBPROV_USAGE', `no parameter varies among the ${rows.length} trials with ${metric}`, {
      hint: 'sweep one, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select other trials',
    });
  }
  return { metric, direction: column.direction, rows, values };
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The key a value is grouped by: its Python text, so that 1, 1.0 and '1' stay apart as compare shows them. */
export function valueKey(v: unknown): string {
  if (v === undefined) return '';
  // Exact digits: pythonText rounds to 6 significant ones.
  return typeof v === 'number' ? String(v) : pythonText(v);
}

/**
 * reach[m][p][t]: whether parameter p's tagged version is an ancestor of metric m's in trial t (null: unknown).
 * One backward sweep per trial answers every metric and parameter of it.
 */
function reachOfParameters(db: Database.Database, ids: string[], metrics: string[], names: string[]): (boolean | null)[][][] {
  const versions = [...metrics, ...names].map(() => new Array<number | null>(ids.length).fill(null));
  for (const [t, name, evaluationId] of taggedVersionsOfTrials(db, ids, [...metrics, ...names])) versions[name][t] = evaluationId;
  const reach = metrics.map(() => names.map(() => new Array<boolean | null>(ids.length).fill(null)));
  ids.forEach((id, t) => {
    const measured = metrics.flatMap((_, m) => (versions[m][t] === null ? [] : [m]));
    if (measured.length === 0) return;
    const ancestries = TrialLineage.read(db, id, []).ancestors(measured.map((m) => versions[m][t]!));
    measured.forEach((m, i) => {
      names.forEach((_, p) => {
        const version = versions[metrics.length + p][t];
        if (version !== null) reach[m][p][t] = ancestries[i].has(version);
      });
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
