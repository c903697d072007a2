import { plainText } from '../python-text.js';
import type { Direction } from '../compare/values.js';
import { mean, oneWayAnova, spearman, type OneWay, type Spearman } from './stats.js';
import { valueKey, type ParameterInputs } from './inputs.js';

/**
 * How a parameter is measured:
 * - `grouped`: its values repeat (a grid); one-way analysis of variance over them.
 * - `ranked`: numbers that do not all repeat (drawn at random, or few trials); Spearman's rank correlation.
 * - `constant`: in the metric's lineage but one value in every trial measured; nothing to measure.
 * - `unmeasured`: not numbers, and every trial a value of its own.
 * - `repeat`: numbers the repeats of a sweep (`--seed-param`): its spread is the noise, not an effect.
 * - `unreached`: never an ancestor of the metric, so it cannot affect it; no statistics.
 */
export type Role = 'grouped' | 'ranked' | 'constant' | 'unmeasured' | 'repeat' | 'unreached';

export interface ValueEffect {
  /** The value as `compare --json` gives it. */
  value: unknown;
  trials: number;
  mean: number;
  /** The value's mean less the mean of every trial measured. */
  effect: number;
}

export interface ParameterEffect {
  name: string;
  role: Role;
  /** Trials with the metric (N), those where the parameter is an ancestor of it, those where lineage is unknown. */
  trials: number;
  inLineage: number;
  lineageUnknown: number;
  /** The trials the statistics use: those where it is (or may be) an ancestor. */
  measured: number;
  /** Per value, in value order (numbers ascending); empty for a ranked parameter. */
  values: ValueEffect[];
  /**
   * The value with the best mean by the metric's direction (the first in value order, with the values whose mean
   * ties it); for a ranked one, `higher` or `lower`.
   */
  best: { value: unknown; tiedWith: unknown[] } | 'higher' | 'lower' | null;
  /** The lowest and highest mean's values (grouped), for "3 → 20 raises accuracy by 0.03". */
  from: { value: unknown; mean: number } | null;
  to: { value: unknown; mean: number } | null;
  /** Highest mean less lowest mean. */
  effectRange: number | null;
  anova: OneWay | null;
  spearman: Spearman | null;
  /** The share of the metric's variance it explains: η² (grouped) or ρ² (ranked); the table's order. */
  share: number | null;
}

/** Measures one parameter over the trials where it reached the metric (or may have). */
export function parameterEffect(param: ParameterInputs, y: number[], direction: Direction, repeat: boolean): ParameterEffect {
  const trials = y.length;
  const inLineage = param.reach.filter((r) => r === true).length;
  // A trial without the parameter (tagged later, or not set there) is not one whose lineage is unknown.
  const lineageUnknown = param.reach.filter((r, t) => r === null && param.values[t] !== undefined).length;
  const base = { name: param.name, trials, inLineage, lineageUnknown, values: [], best: null, from: null, to: null, effectRange: null, anova: null, spearman: null, share: null };
  if (inLineage === 0 && lineageUnknown === 0) return { ...base, role: 'unreached', measured: 0 };
  const kept = param.reach.flatMap((r, t) => (r === false || param.values[t] === undefined ? [] : [t]));
  const groups = groupByValue(kept.map((t) => param.values[t]), kept.map((t) => y[t]));
  const measured = { ...base, measured: kept.length };
  const values = groups.map((g) => ({ value: g.value, trials: g.ys.length, mean: mean(g.ys), effect: 0 }));
  const overall = mean(kept.map((t) => y[t]));
  for (const v of values) v.effect = v.mean - overall;
  if (repeat) return { ...measured, role: 'repeat', values };
  if (groups.length < 2) return { ...measured, role: 'constant', values };
  const numeric = groups.every((g) => isNumber(g.value));
  if (groups.some((g) => g.ys.length < 2) && numeric) {
    const rho = spearman(kept.map((t) => plainText(param.values[t]) as number), kept.map((t) => y[t]));
    const best = direction && rho.rho !== 0 && !Number.isNaN(rho.rho) ? ((rho.rho > 0) === (direction === 'max') ? 'higher' : 'lower') : null;
    return { ...measured, role: 'ranked', spearman: rho, best, share: Number.isNaN(rho.rho) ? null : rho.rho * rho.rho };
  }
  if (groups.length === kept.length) return { ...measured, role: 'unmeasured' };
  const anova = oneWayAnova(groups.map((g) => g.ys));
  // Ties go to the first value in value order at either end: 3 → 20 when 20 and 100 score alike.
  const low = values.reduce((m, v) => (v.mean < m.mean ? v : m));
  const high = values.reduce((m, v) => (v.mean > m.mean ? v : m));
  const best = direction === 'max' ? high : direction === 'min' ? low : null;
  const tiedWith = best ? values.filter((v) => v !== best && v.mean === best.mean).map((v) => v.value) : [];
  return {
    ...measured,
    role: 'grouped',
    values,
    anova,
    best: best && { value: best.value, tiedWith },
    from: direction === 'min' ? { value: high.value, mean: high.mean } : { value: low.value, mean: low.mean },
    to: direction === 'min' ? { value: low.value, mean: low.mean } : { value: high.value, mean: high.mean },
    effectRange: high.mean - low.mean,
    share: anova.eta2,
  };
}

/** Groups metric values by parameter value, numbers ascending, other values by their text. */
export function groupByValue(values: unknown[], ys: number[]): { key: string; value: unknown; ys: number[] }[] {
  const groups = new Map<string, { key: string; value: unknown; ys: number[] }>();
  values.forEach((v, i) => {
    const key = valueKey(v);
    const g = groups.get(key);
    if (g) g.ys.push(ys[i]);
    else groups.set(key, { key, value: v, ys: [ys[i]] });
  });
  return [...groups.values()].sort((a, b) => {
    const x = plainText(a.value);
    const z = plainText(b.value);
    if (isNumber(a.value) && isNumber(b.value)) return (x as number) - (z as number);
    if (isNumber(a.value) !== isNumber(b.value)) return isNumber(a.value) ? -1 : 1;
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}

/** A number as Python has it: not a bool, finite. */
export function isNumber(v: unknown): boolean {
  const plain = plainText(v);
  return typeof plain === 'number' && Number.isFinite(plain);
}
