import { pythonText } from '../python-text.js';
import type { Explanation, Interaction } from '../explain/explain.js';
import { ALPHA, type NoiseTest } from '../explain/noise.js';
import { renderTable } from './table.js';

type Parameter = Explanation['parameters'][number];

/** The table (most variance explained first), one sentence per parameter, the noise and the interactions. */
export function renderExplanationText(e: Explanation): string {
  const kind = e.direction ? `metric:${e.direction}` : 'metric';
  const head = `${e.metric} (${kind}) over ${e.trials.length} trials, mean ${num(e.mean)}`;
  const rows = e.parameters.map((p) => tableRow(p));
  const lines = [head, '', renderTable(['parameter', 'in lineage', 'best value', 'effect range', 'η²', 'p'], rows), '', ...e.parameters.map((p) => parameterSentence(e, p)), ...meansPerValue(e), '', noiseSentence(e)];
  if (e.interactions.length) lines.push('', 'Interactions (pairs of grid parameters that cross completely):', ...e.interactions.map((i) => `  ${interactionSentence(i)}`));
  return `${lines.join('\n')}\n`;
}

/** `--json`: every number, with the sentences the text prints (Infinity and NaN, which JSON lacks, become null). */
export function renderExplanationJson(e: Explanation): string {
  return `${JSON.stringify(explanationJson(e), null, 2)}\n`;
}

export function explanationJson(e: Explanation): Record<string, unknown> {
  return {
    ...e,
    parameters: e.parameters.map((p) => ({ ...p, sentence: parameterSentence(e, p) })),
    noiseSentence: noiseSentence(e),
    interactions: e.interactions.map((i) => ({ ...i, sentence: interactionSentence(i) })),
  };
}

/** Values shown per parameter in the text; --json has them all. */
const SHOWN_VALUES = 12;

/** The main effects: the metric's mean for each value of each grid parameter, and its difference to the mean. */
function meansPerValue(e: Explanation): string[] {
  const grouped = e.parameters.filter((p) => p.role === 'grouped');
  if (grouped.length === 0) return [];
  const width = Math.max(...grouped.map((p) => p.name.length));
  const line = (p: Parameter) => {
    const shown = p.values.slice(0, SHOWN_VALUES).map((v) => `${pythonText(v.value)}: ${num(v.mean)} (${v.effect > 0 ? '+' : ''}${num(v.effect)})`);
    const more = p.values.length > SHOWN_VALUES ? [`… ${p.values.length - SHOWN_VALUES} more (--json)`] : [];
    return `  ${p.name.padEnd(width)}  ${[...shown, ...more].join('   ')}`;
  };
  return ['', `Mean ${e.metric} per value (and its difference to the mean of the trials measured):`, ...grouped.map(line)];
}

function tableRow(p: Parameter): string[] {
  const lineage = `${p.inLineage}/${p.trials}${p.lineageUnknown ? ` (+${p.lineageUnknown} unknown)` : ''}`;
  const dash = '—';
  switch (p.role) {
    case 'grouped':
      return [p.name, lineage, p.best && typeof p.best === 'object' ? [p.best.value, ...p.best.tiedWith].map(pythonText).join(' = ') : dash, num(p.effectRange!), share(p.anova!.eta2), pValue(p.anova!.p)];
    case 'ranked':
      return [p.name, lineage, typeof p.best === 'string' ? p.best : dash, `ρ ${signed(p.spearman!.rho)}`, `ρ² ${share(p.share)}`, pValue(p.spearman!.p)];
    case 'repeat':
      return [p.name, lineage, '(repeats)', dash, dash, dash];
    case 'constant':
      return [p.name, lineage, pythonText(p.values[0]?.value), dash, dash, dash];
    default:
      return [p.name, lineage, dash, dash, dash, dash];
  }
}

/** One plain sentence: "n_trees: 3 → 20 raises accuracy by 0.03 on average (η² 0.61, p 0.002)". */
export function parameterSentence(e: Explanation, p: Parameter): string {
  const measured = p.role === 'grouped' || p.role === 'ranked' || p.role === 'unmeasured';
  const partial = measured && p.inLineage + p.lineageUnknown < p.trials ? `; in the lineage of ${p.inLineage} of ${p.trials} trials, measured over those` : '';
  const unknown = p.lineageUnknown ? `; lineage unknown in ${p.lineageUnknown} trials (recorded without variables)` : '';
  return `${effectClause(e, p)}${partial}${unknown}.`;
}

function effectClause(e: Explanation, p: Parameter): string {
  const m = e.metric;
  switch (p.role) {
    case 'unreached':
      return `${p.name} cannot affect ${m} (not in its lineage in any of ${p.trials} trials)`;
    case 'repeat':
      return `${p.name} numbers the repeats of a sweep (--seed-param), so it is no factor: ${e.noise ? `the spread of ${m} among the repeats is the noise` : 'no combination was repeated here'}`;
    case 'constant':
      return `${p.name} is ${pythonText(p.values[0]?.value)} in ${p.measured < p.trials ? `the ${p.measured} of ${p.trials}` : `all ${p.measured}`} trials where it reaches ${m}, so its effect cannot be measured`;
    case 'unmeasured':
      return `${p.name} has a value of its own in every trial, so its effect cannot be measured`;
    case 'ranked': {
      const { rho, p: pv, n } = p.spearman!;
      const trend = rho > 0 ? `higher values go with higher ${m}` : rho < 0 ? `higher values go with lower ${m}` : `its rank does not go with ${m}`;
      // A 3-value sweep cannot show a trend however its values fall: say so rather than let ρ -1 look like one.
      const tooFew = p.spearman!.leastP >= ALPHA ? `; ${n} trials in any order cannot reach p < ${ALPHA}` : '';
      return `${p.name}: ${trend} (Spearman ρ ${signed(rho)}, p ${pValue(pv)} over ${n} trials${tooFew})`;
    }
    default: {
      const change = Math.abs(p.to!.mean - p.from!.mean);
      const stats = `(η² ${share(p.anova!.eta2)}, p ${pValue(p.anova!.p)})`;
      const tied = p.best && typeof p.best === 'object' && p.best.tiedWith.length ? ` (as does ${p.best.tiedWith.map(pythonText).join(', ')})` : '';
      const moves = change === 0 ? `no value moves ${m} on average ${stats}` : `${pythonText(p.from!.value)} → ${pythonText(p.to!.value)}${tied} ${e.direction === 'min' ? 'lowers' : 'raises'} ${m} by ${num(change)} on average ${stats}`;
      return `${p.name}: ${moves}${p.noise ? `; ${noiseVerdict(p.noise)}` : ''}`;
    }
  }
}

/** How the noise was estimated and what "stands out" means, or that there is no estimate. */
export function noiseSentence(e: Explanation): string {
  const factors = e.factors.length ? e.factors.join(', ') : 'the parameters';
  const n = e.noise;
  if (!n) return `Noise: no combination of ${factors} was run twice, so these effects carry no noise estimate (\`nbprov sweep --repeat N\` runs each N times).`;
  const runs = n.runs.min === n.runs.max ? `${n.runs.min} times` : `${n.runs.min} to ${n.runs.max} times`;
  const unreached = e.parameters.filter((p) => p.role === 'unreached').map((p) => p.name);
  const merged = unreached.length ? ` (trials that differ only in ${unreached.join(', ')}, which cannot affect ${e.metric}, count as repeats)` : '';
  return `Noise: ${n.repeated} of ${n.combinations} combinations of ${factors} ran ${runs}${merged}; within them ${e.metric} varies by sd ${num(n.sd)} (${n.df} df). An effect stands out of the noise when the F test of its mean square against the within-combination mean square gives p < ${ALPHA}.`;
}

export function interactionSentence(i: Interaction): string {
  const stats = `η² ${share(i.eta2)}`;
  if (!i.test) return `${i.a} × ${i.b}: ${stats} (no degrees of freedom left to test it)`;
  const against = i.test.against === 'noise' ? noiseVerdict(i.test) : `${i.test.standsOut ? 'stands out of' : 'within'} the residual (F ${fValue(i.test.f)} on ${i.test.df1} and ${i.test.df2} df, p ${pValue(i.test.p)}; no noise estimate)`;
  return `${i.a} × ${i.b}: ${stats}; ${against}`;
}

function noiseVerdict(t: NoiseTest): string {
  return `${t.standsOut ? 'stands out of the noise' : 'within the noise'} (F ${fValue(t.f)} on ${t.df1} and ${t.df2} df, p ${pValue(t.p)})`;
}

/** Three significant digits: a difference of means, a mean, a spread. */
function num(x: number): string {
  return String(Number(x.toPrecision(3)));
}

function signed(x: number): string {
  const text = String(Number(x.toFixed(3)));
  return x > 0 ? `+${text}` : text;
}

function share(x: number | null): string {
  if (x === null) return '—';
  return x > 0 && x < 0.001 ? '< 0.001' : String(Number(x.toFixed(3)));
}

function pValue(p: number | null): string {
  if (p === null) return '—';
  if (p < 1e-16) return '< 1e-16';
  if (p < 0.001) return p.toExponential(0);
  return String(Number(p.toPrecision(2)));
}

function fValue(f: number): string {
  return f === Infinity ? '∞' : num(f);
}
