import type Database from 'better-sqlite3';
import type { Comparison, Selection } from '../compare/comparison.js';
import type { Direction } from '../compare/values.js';
import { parameterEffect, type ParameterEffect } from './effects.js';
import { NbprovError } from '../errors.js';
import { explainInputsOfMetrics, readExplainInputs, type ExplainInputs } from './inputs.js';
import { estimateNoise, interactions, noiseTest, type Interaction, type Noise, type NoiseTest } from './noise.js';

export type { ParameterEffect, Interaction, Noise, NoiseTest };

/** What `nbprov explain METRIC` found: each parameter's reach and effect, the noise, the interactions. */
export interface Explanation {
  metric: string;
  direction: Direction;
  /** The trials with a number for the metric, by sequence number. */
  trials: number[];
  mean: number;
  /** Parameters, the most variance explained first, those that cannot affect the metric last. */
  parameters: (ParameterEffect & { noise: NoiseTest | null })[];
  noise: Noise | null;
  /** How many distinct combinations of the noise's factors the trials ran (also without a noise estimate). */
  combinations: number;
  factors: string[];
  interactions: Interaction[];
}

/** Reads the selection and explains the metric; throws NBPROV_USAGE as readExplainInputs does. */
export function explainMetric(db: Database.Database, selection: Selection, metric: string): Explanation {
  return explain(readExplainInputs(db, selection, metric));
}

/** Each metric explained over a comparison of the trials already made (the report's), or why explain refuses it. */
export function explainComparison(db: Database.Database, comparison: Comparison, metrics: string[]): (Explanation | NbprovError)[] {
  return explainInputsOfMetrics(db, comparison, metrics).map((inputs) => (inputs instanceof NbprovError ? inputs : explain(inputs)));
}

const ROLE_ORDER = ['grouped', 'ranked', 'repeat', 'constant', 'unmeasured', 'unreached'];

export function explain(inputs: ExplainInputs): Explanation {
  const { y } = inputs;
  const effects = inputs.params.map((p) => parameterEffect(p, y, inputs.direction, inputs.repeatParams.includes(p.name)));
  const { noise, combinations, factors } = estimateNoise(inputs.params, effects, y);
  const measured = (e: ParameterEffect) => (e.role === 'grouped' || e.role === 'ranked' ? 0 : 1);
  const parameters = effects
    .map((e) => ({ ...e, noise: noiseTest(e, noise) }))
    .sort((a, b) => measured(a) - measured(b) || (b.share ?? -1) - (a.share ?? -1) || ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || (a.name < b.name ? -1 : 1));
  return {
    metric: inputs.metric,
    direction: inputs.direction,
    trials: inputs.trials,
    mean: y.reduce((s, v) => s + v, 0) / y.length,
    parameters,
    noise,
    combinations,
    factors,
    interactions: interactions(inputs.params, effects, y, noise),
  };
}
