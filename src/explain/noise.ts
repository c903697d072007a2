import { fTest, interactionSumOfSquares, sumOfSquares, type FTest } from './stats.js';
import { groupByValue, type ParameterEffect } from './effects.js';
import { valueKey, type ParameterInputs } from './inputs.js';

/** An effect stands out of the noise when its F test against the within-combination spread gives p below this. */
export const ALPHA = 0.05;

/**
 * The spread of the metric among trials that ran one combination of parameter values (those in its lineage,
 * without the repeat parameter): the noise an effect must stand out of. Null when no combination was repeated.
 */
export interface Noise {
  /** The parameters a combination is made of. */
  factors: string[];
  combinations: number;
  /** Combinations run more than once, and the fewest and most runs of one. */
  repeated: number;
  runs: { min: number; max: number };
  ss: number;
  df: number;
  /** Within-combination mean square (the error variance) and its square root. */
  ms: number;
  sd: number;
}

export interface NoiseTest extends FTest {
  standsOut: boolean;
}

/** Two grid parameters' interaction, when together they form a complete, balanced grid. */
export interface Interaction {
  a: string;
  b: string;
  levels: [number, number];
  /** Trials per pair of values. */
  perCell: number;
  ss: number;
  df: number;
  eta2: number;
  /** Against the noise when there is one, else against the residual of the two-factor model; null without degrees of freedom. */
  test: (NoiseTest & { against: 'noise' | 'residual' }) | null;
}

export function estimateNoise(params: ParameterInputs[], effects: ParameterEffect[], y: number[]): { noise: Noise | null; combinations: number; factors: string[] } {
  // Parameters that cannot affect the metric, the repeat number and fixed values split nothing worth splitting.
  const factors = effects.filter((e) => e.role === 'grouped' || e.role === 'ranked' || e.role === 'unmeasured').map((e) => e.name);
  const columns = factors.map((name) => params.find((p) => p.name === name)!.values);
  const combos = new Map<string, number[]>();
  y.forEach((value, t) => {
    const key = JSON.stringify(columns.map((c) => valueKey(c[t])));
    const list = combos.get(key);
    if (list) list.push(value);
    else combos.set(key, [value]);
  });
  const sizes = [...combos.values()].map((c) => c.length);
  const df = sizes.reduce((sum, n) => sum + n - 1, 0);
  if (df === 0) return { noise: null, combinations: combos.size, factors };
  let ss = 0;
  for (const c of combos.values()) ss += sumOfSquares(c);
  const repeatedSizes = sizes.filter((n) => n > 1);
  return {
    noise: { factors, combinations: combos.size, repeated: repeatedSizes.length, runs: { min: Math.min(...repeatedSizes), max: Math.max(...repeatedSizes) }, ss, df, ms: ss / df, sd: Math.sqrt(ss / df) },
    combinations: combos.size,
    factors,
  };
}

/** The F test of a grouped parameter's between-value mean square against the noise. */
export function noiseTest(effect: ParameterEffect, noise: Noise | null): NoiseTest | null {
  if (!noise || effect.role !== 'grouped' || !effect.anova) return null;
  const test = fTest(effect.anova.ssBetween, effect.anova.dfBetween, noise.ms, noise.df);
  return test && { ...test, standsOut: test.p < ALPHA };
}

/** Interactions of each pair of grouped parameters whose values, over the trials both reach, cross completely and evenly. */
export function interactions(params: ParameterInputs[], effects: ParameterEffect[], y: number[], noise: Noise | null): Interaction[] {
  const grouped = effects.filter((e) => e.role === 'grouped').map((e) => params.find((p) => p.name === e.name)!);
  const out: Interaction[] = [];
  for (let i = 0; i < grouped.length; i++) {
    for (let j = i + 1; j < grouped.length; j++) {
      const found = interaction(grouped[i], grouped[j], y, noise);
      if (found) out.push(found);
    }
  }
  return out;
}

function interaction(a: ParameterInputs, b: ParameterInputs, y: number[], noise: Noise | null): Interaction | undefined {
  const kept = y.flatMap((_, t) => (a.reach[t] === false || b.reach[t] === false || a.values[t] === undefined || b.values[t] === undefined ? [] : [t]));
  const levelsA = groupByValue(kept.map((t) => a.values[t]), kept).map((g) => g.key);
  const levelsB = groupByValue(kept.map((t) => b.values[t]), kept).map((g) => g.key);
  if (levelsA.length < 2 || levelsB.length < 2) return undefined;
  const cells = levelsA.map(() => levelsB.map((): number[] => []));
  for (const t of kept) cells[levelsA.indexOf(valueKey(a.values[t]))][levelsB.indexOf(valueKey(b.values[t]))].push(y[t]);
  const perCell = cells[0][0].length;
  if (perCell === 0 || !cells.every((row) => row.every((c) => c.length === perCell))) return undefined;
  const { ss, df, ssCells, n } = interactionSumOfSquares(cells);
  const ssTotal = sumOfSquares(kept.map((t) => y[t]));
  const against = noise ? 'noise' : 'residual';
  const test = noise ? fTest(ss, df, noise.ms, noise.df) : fTest(ss, df, (ssTotal - ssCells) / (n - levelsA.length * levelsB.length), n - levelsA.length * levelsB.length);
  return {
    a: a.name,
    b: b.name,
    levels: [levelsA.length, levelsB.length],
    perCell,
    ss,
    df,
    eta2: ssTotal > 0 ? ss / ssTotal : 0,
    test: test && { ...test, standsOut: test.p < ALPHA, against },
  };
}
