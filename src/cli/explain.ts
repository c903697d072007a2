import type { Command } from 'commander';
import { NbprovError } from '../errors.js';
import { checkSelection, selectTrials } from '../compare/selection.js';
import { explainMetric } from '../explain/explain.js';
import { ALPHA } from '../explain/noise.js';
import { renderExplanationJson, renderExplanationText } from '../render/explain-text.js';
import { openForReading } from './db-options.js';
import type { CommandContext } from './command-context.js';

export interface ExplainFlags {
  db?: string;
  notebook?: string;
  all?: boolean;
  sweep?: string;
  json?: boolean;
}

export function registerExplain(program: Command, context: CommandContext): void {
  program
    .command('explain')
    .description('which parameters moved a metric across trials: each one\'s reach (lineage), effect, and whether it stands out of the noise')
    .argument('<metric>', 'a tagged metric (nbprov tag var NAME metric:max)')
    .argument('[trials...]', "trial selectors (number, name, id prefix, last, last~N); default: every trial of the newest trial's notebook")
    .option('--notebook <path>', 'every trial of this notebook')
    .option('--all', 'every trial in the database')
    .option('--sweep <sweep>', 'the trials of this sweep (its number, or `last`)')
    .option('--json', 'print every number as JSON')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
For each tagged parameter (the -p names included): in how many trials its value is an ancestor of the metric's
final version (a parameter that never is cannot affect the metric, and gets no statistics); then, over the trials
it reaches, its effect. A parameter whose values repeat (a grid) gets the metric's mean per value, the share of
variance it explains (one-way ANOVA: η², F, p); numbers that do not repeat get Spearman's rank correlation. Trials
that ran one combination of parameter values (sweep --repeat, or equal values) give the noise: an effect stands
out of it when the F test of its mean square against the within-combination mean square gives p < ${ALPHA}; a
sweep's --seed-param numbers the repeats and is not a factor. (The one-way p counts every other parameter's effect
as error; the test against the noise does not, so it can find an effect the one-way p misses.) Pairs of grid parameters that cross completely and
evenly get their interaction. metric:max / metric:min decide each parameter's best value.
Refuses (exit 2) when the metric is not tagged, fewer than 3 trials have it, or no parameter varies.
JSON: {metric, direction, trials, mean, parameters: [{name, role, trials, inLineage, measured, values: [{value,
trials, mean, effect}], best, effectRange, anova: {ssBetween, ssWithin, dfBetween, dfWithin, eta2, f, p},
noise: {f, df1, df2, p, standsOut}, spearman: {rho, p, n}, share, sentence}], noise: {ss, df, ms, sd, ...},
interactions: [{a, b, ss, df, eta2, test, sentence}]}; an infinite F is null.

Examples:
  $ nbprov explain accuracy --sweep last
  $ nbprov explain loss --all --json
  $ nbprov explain accuracy 3 7 9 12`,
    )
    .action((metric: string, trials: string[], flags: ExplainFlags) => {
      context.reply({ stdout: handler(metric, trials, flags) });
    });
}

/** The rendered explanation of `metric` over the selected trials. */
export function handler(metric: string, trials: string[], flags: ExplainFlags): string {
  checkSelection(trials, flags);
  const { db, path } = openForReading({ db: flags.db, notebook: flags.notebook });
  try {
    const selection = selectTrials(db, path, trials, flags);
    if (!selection) throw new NbprovError('NBPROV_NOT_FOUND', 'no trials yet', { hint: 'record some with `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`' });
    const unique = selection.kind === 'trials' ? { ...selection, ids: [...new Set(selection.ids)] } : selection;
    const explanation = explainMetric(db, unique, metric);
    return flags.json ? renderExplanationJson(explanation) : renderExplanationText(explanation);
  } finally {
    db.close();
  }
}
