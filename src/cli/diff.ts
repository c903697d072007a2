import { dirname } from 'node:path';
import type { Command } from 'commander';
import { formatError, NbprovError } from '../errors.js';
import { resolveTrial } from '../store/queries.js';
import { diffTrials, parseSections, regressions, SECTIONS } from '../compare/trial-diff.js';
import { formatSigned } from '../python-text.js';
import { renderDiffText } from '../render/diff-text.js';
import { stdoutColors } from '../render/terminal.js';
import { openForReading } from './db-options.js';
import type { CommandContext } from './command-context.js';

export interface DiffFlags {
  db?: string;
  json?: boolean;
  only?: string;
  failOnRegression?: boolean;
  /** Colors in the text report; the CLI turns them on for a terminal without NO_COLOR. */
  color?: boolean;
  /** Where warnings go; the CLI writes them to stderr. */
  onWarning?: (message: string) => void;
}

export function registerDiff(program: Command, context: CommandContext): void {
  program
    .command('diff')
    .description('what changed between two trials, and why each metric moved: the changed parameters, cells, files and modules in its lineage')
    .argument('[a]', 'baseline trial: number, name, id prefix, last, last~N', 'last~1')
    .argument('[b]', 'trial compared with it', 'last')
    .option('--only <sections>', `comma-separated sections to show: ${SECTIONS.join(', ')}`)
    .option('--json', 'print JSON with the same content')
    .option('--fail-on-regression', 'exit 1 when a metric tagged metric:max / metric:min got worse (for CI)')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
Sections, each left out when nothing differs: Parameters (tagged params and -p values), Metrics (old → new,
change, better/worse for metric:max / metric:min), Why (per changed metric: the parameters, cells, input files and
modules in its lineage that changed), Code (unified diffs of changed cells), Environment, Files, Time (per stage).

Cells a trial skipped (run --only / --stage, or tagged skip-execution) are not compared: a metric made by a cell
the other trial skipped is "not compared (cell 11 skipped in trial 2)", and Why, Files, Environment and Time leave
such cells out.

JSON: {a, b, warnings, skipped?: [{trial, cells}], params: [{name, a, b, injected, entries?, notCompared?}], metrics: [{name, kind, direction, a,
b, delta, relative, verdict, entries?, notCompared?, skipped?: {trial, cell}}], why: [{metric, verdict, a, b, absent?, params, cells, files,
modules}], code: [{a, b, stage, change, patch}], environment: {attributes, modules}, files: [{role, name, a, b}],
time: [{stage, a, b}]}; values are {value, text}; entries (changed entries of small dicts, lists, tuples; a level
that gained or lost entries as one, its value {len}) are [{path, a, b}]; verdict uncompared with notCompared 'too
large' or 'no content fingerprint' when values could not be compared whole; absent (a metric one trial lacks because
the cell making it did not run to its end there) is {trial, cell, stage, reason: raised|skipped|did not run, error,
stoppedAt}.

Examples:
  $ nbprov diff                 # the last two trials
  $ nbprov diff 3 7 --only params,metrics,why
  $ nbprov diff baseline tuned   # trials named with run --name or nbprov name
  $ nbprov diff last~1 last --fail-on-regression`,
    )
    .action((a: string, b: string, flags: DiffFlags) => {
      const color = stdoutColors();
      const result = runDiff(a, b, { ...flags, color, onWarning: context.warn });
      const regression = flags.failOnRegression && result.regressions.length
        ? new NbprovError('NBPROV_REGRESSION', `regression: ${result.regressions.join('; ')}`, { hint: 'the Why section lists what changed in each metric\'s lineage' })
        : undefined;
      context.reply({ stdout: result.output, stderr: regression && formatError(regression), exitCode: regression?.exitCode });
    });
}

/** The rendered diff of trials `a` and `b`. */
export function handler(a: string, b: string, flags: DiffFlags): string {
  return runDiff(a, b, flags).output;
}

/** The rendered diff plus one line per directed metric that got worse. */
export function runDiff(a: string, b: string, flags: DiffFlags): { output: string; regressions: string[] } {
  const sections = parseSections(flags.only);
  const { db, path } = openForReading({ db: flags.db });
  try {
    const ta = resolveTrial(db, a);
    const tb = resolveTrial(db, b);
    // Regressions need the metrics even when --only leaves them out of the output.
    const diff = diffTrials(db, dirname(path), ta, tb, flags.failOnRegression ? new Set([...sections, 'metrics']) : sections);
    const worse = regressions(diff).map((m) => `${m.name} ${m.a?.text} → ${m.b?.text}${m.delta === null ? '' : ` (${formatSigned(m.delta)})`}, ${m.kind}`);
    if (!sections.has('metrics')) delete diff.metrics;
    for (const w of diff.warnings) flags.onWarning?.(w);
    const output = flags.json ? JSON.stringify(diff, null, 2) + '\n' : renderDiffText(diff, { color: flags.color });
    return { output, regressions: worse };
  } finally {
    db.close();
  }
}
