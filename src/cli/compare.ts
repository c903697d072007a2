import type { Command } from 'commander';
import { formatError, NbprovError } from '../errors.js';
import { compareTrials, regressionsOf, TRIAL_COLUMNS } from '../compare/comparison.js';
import { checkSelection, selectTrials } from '../compare/selection.js';
import { renderComparisonCsv, renderComparisonJson, renderComparisonText } from '../render/comparison-table.js';
import { stdoutColors } from '../render/terminal.js';
import { openForReading } from './db-options.js';
import type { CommandContext } from './command-context.js';

export interface CompareFlags {
  db?: string;
  notebook?: string;
  all?: boolean;
  sweep?: string;
  where?: string;
  sort?: string;
  columns?: string;
  json?: boolean;
  csv?: boolean;
  failOnRegression?: boolean;
  /** Colors in the table; the CLI turns them on for a terminal without NO_COLOR. */
  color?: boolean;
}

export function registerCompare(program: Command, context: CommandContext): void {
  program
    .command('compare')
    .description('one row per trial with its tagged params and metrics: filter, sort, and the best value of each metric highlighted')
    .argument('[trials...]', 'trial selectors (number, name, id prefix, last, last~N); default: every trial of the newest trial\'s notebook')
    .option('--notebook <path>', 'every trial of this notebook')
    .option('--all', 'every trial in the database')
    .option('--sweep <sweep>', 'the trials of this sweep (its number, or `last`)')
    .option('--where <expr>', 'keep the trials matching EXPR, e.g. "n_trees >= 50 and status = finished"')
    .option('--sort <column>', 'sort by a column, descending with a leading - (e.g. -accuracy)')
    .option('--columns <list>', `comma-separated columns: ${TRIAL_COLUMNS.join(', ')} and tagged params and metrics`)
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV')
    .option('--fail-on-regression', 'exit 1 when the newest trial shown is worse than the one before it in a metric:max / metric:min metric')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
--where: comparisons = != < <= > >= between numbers, 'quoted strings' and names (tagged params and metrics, or
trial, id, name, notebook, start, status, duration), joined by and / or / not, with parentheses. A bare word compared
with a name is a string: status = finished. Nothing is evaluated as code.

Columns of metric:max / metric:min metrics show ↑ / ↓; their best values are highlighted (marked * without colors).
JSON: {columns: [{name, kind, direction}], rows: [{COLUMN: value}], best: {METRIC: {direction, value, trials}}};
a value that is not a number, string or bool is {repr: TEXT}, its Python repr.

Examples:
  $ nbprov compare
  $ nbprov compare --all --sort -accuracy
  $ nbprov compare --where "n_trees >= 50 and status = finished" --columns trial,n_trees,accuracy
  $ nbprov compare 3 7 9 --csv > runs.csv
  $ nbprov compare baseline tuned --columns trial,name,accuracy
  $ nbprov compare --sweep last --sort -accuracy`,
    )
    .action((trials: string[], flags: CompareFlags) => {
      const color = stdoutColors();
      const result = runCompare(trials, { ...flags, color });
      const regression = flags.failOnRegression && result.regressions.length
        ? new NbprovError('NBPROV_REGRESSION', `regression: ${result.regressions.join('; ')}`, { hint: 'see `nbprov diff` for why a metric moved' })
        : undefined;
      context.reply({ stdout: result.output, stderr: regression && formatError(regression), exitCode: regression?.exitCode });
    });
}

/** The rendered comparison. */
export function handler(trials: string[], flags: CompareFlags): string {
  return runCompare(trials, flags).output;
}

/** The rendered comparison plus one line per directed metric the newest trial shown is worse in. */
export function runCompare(trials: string[], flags: CompareFlags): { output: string; regressions: string[] } {
  if (flags.json && flags.csv) throw new NbprovError('NBPROV_USAGE', '--json and --csv exclude each other');
  checkSelection(trials, flags);
  const { db, path } = openForReading({ db: flags.db, notebook: flags.notebook });
  try {
    const selection = selectTrials(db, path, trials, flags);
    if (!selection) return { output: flags.json ? renderComparisonJson({ columns: [], rows: [], best: new Map() }) : flags.csv ? '' : 'no trials yet: record one with `nbprov run NOTEBOOK.ipynb`\n', regressions: [] };
    const comparison = compareTrials(db, selection, flags);
    const output = flags.json
      ? renderComparisonJson(comparison)
      : flags.csv
        ? renderComparisonCsv(comparison)
        : comparison.rows.length === 0
          ? flags.where === undefined
            ? 'no trials to compare\n'
            : `no trial matches --where ${JSON.stringify(flags.where)}\n`
          : renderComparisonText(comparison, { color: flags.color });
    return { output, regressions: regressionsOf(comparison) };
  } finally {
    db.close();
  }
}
