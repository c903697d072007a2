import type { Command } from 'commander';
import cliProgress, { type SingleBar } from 'cli-progress';
import { ExitCode, formatError } from '../errors.js';
// The runner (and @jupyterlab/services under it) loads only when `run` runs: other commands start faster.
import type { RunEvents, RunResult } from '../run/types.js';
import { collect } from './options.js';
import type { CommandContext, CommandResult } from './command-context.js';
import { addKernelOptions, kernelRunOptions, type KernelFlags } from './kernel-options.js';
import { BAR_BELOW_LINES, LiveOutput } from './live-output.js';
import { splitPair } from './parameter-args.js';
import { renderTimings } from './run-timings.js';
import { addSelectionOptions } from './selection-options.js';
import type { CellSelection } from '../run/cell-selection.js';
import { quoteName } from '../trial-name-text.js';

/** `--only` / `--stage` / `--force` arrive as a CellSelection (selection-options.ts). */
interface RunFlags extends KernelFlags, CellSelection {
  output?: string;
  quiet?: boolean;
  json?: boolean;
  parameter: string[];
  parameterRaw: string[];
  parameterFile?: string;
  strict?: boolean;
  injectAfter?: string;
  name?: string;
  timings?: boolean;
}

export function registerRun(program: Command, context: CommandContext): void {
  const run = program
    .command('run')
    .description('execute a notebook through a Jupyter server and record the run as a trial')
    .argument('<notebook>', 'the .ipynb file to run')
    .option('-o, --output <path>', 'write the executed notebook (outputs, execution counts) here')
    .option('-p, --parameter <name value>', 'set a parameter (repeatable), typed like its default in the cell tagged parameters (a number as written, int or float)', collect, [])
    .option('-r, --parameter-raw <name value>', 'set a parameter to a raw string (repeatable)', collect, [])
    .option('-f, --parameter-file <path>', 'parameters from a YAML or JSON file')
    .option('--strict', 'unknown parameter names (or no parameters cell) are errors, not warnings')
    .option('--inject-after <cell>', 'inject the parameters after this cell (index as `nbprov cells` lists, or id) instead of the cell tagged parameters');
  addSelectionOptions(run)
    .option('--name <name>', 'name the trial (unique among the notebook\'s trials), to select it by: nbprov diff baseline last')
    .option('--timings', 'print on stderr where the wall time went: start-up, server, kernel, collector, each cell (kernel, messaging, recording), shutdown (also NBPROV_TIMINGS=1)');
  addKernelOptions(run)
    .option('-q, --quiet', 'no progress bar and no summary line')
    .option('--json', 'print the trial summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ nbprov run experiment.ipynb
  $ nbprov run experiment.ipynb -o executed.ipynb --timeout 600
  $ nbprov run experiment.ipynb --log-output 2>&1 | tee run.log
  $ nbprov run experiment.ipynb --timings
  $ nbprov run experiment.ipynb -p n_trees 100 -p test_size 0.3 -r run_name baseline
  $ nbprov run experiment.ipynb -f params.yaml --strict
  $ nbprov run experiment.ipynb -p n_clusters "(3, 3)" --inject-after 4
  $ nbprov run experiment.ipynb --only accuracy -p n_trees 50
  $ nbprov run experiment.ipynb --stage data-reading,feature-engineering
  $ nbprov run experiment.ipynb --name baseline
  $ JUPYTER_TOKEN=... nbprov run experiment.ipynb --server https://gateway.example:8888 --startup-timeout 120

Exit codes: 0 all cells ok (or --allow-errors) · 1 a cell raised · 2 bad notebook/options · 3 kernel died, timed out or server failed · 130 Ctrl-C · 143 SIGTERM · 129 SIGHUP`,
    )
    .action(runAction(context));
}

/**
 * Runs the notebook as a trial and returns the summary to print and the exit code. `live.events` hears of progress
 * and warnings as they happen; aborting `live.signal` interrupts the run.
 */
export async function handler(notebook: string, flags: RunFlags, live: { signal?: AbortSignal; events?: RunEvents } = {}): Promise<CommandResult> {
  const [{ runNotebook }, { readParametersFile }, { cellSelector }, { RunTimings }] = await Promise.all([
    import('../run/runner.js'),
    import('../notebook/parameter-file.js'),
    import('./run-selection.js'),
    import('../run/timings.js'),
  ]);
  const timings = flags.timings || process.env.NBPROV_TIMINGS === '1' ? new RunTimings() : undefined;
  const parameters = [
    ...(flags.parameterFile ? Object.entries(readParametersFile(flags.parameterFile)).map(([name, value]) => ({ name, value, from: `-f ${flags.parameterFile}` })) : []),
    ...flags.parameter.map((pair) => ({ ...splitPair(pair), raw: false })),
    ...flags.parameterRaw.map((pair) => ({ ...splitPair(pair), raw: true })),
  ];
  const result = await runNotebook({
    ...kernelRunOptions(flags, live.events?.onWarning),
    selectCells: cellSelector(notebook, flags, live.events?.onWarning),
    notebook,
    parameters,
    strictParameters: flags.strict,
    injectAfter: flags.injectAfter,
    output: flags.output,
    name: flags.name,
    timings,
    ...live,
  });
  const summary = report(result, flags);
  const stderr = timings ? (summary.stderr ?? '') + renderTimings(timings) : summary.stderr;
  return { ...summary, stderr, exitCode: exitCodeOf(result) };
}

/** The action of `run`: a handler that stops gracefully on signals, with a progress bar on a terminal. */
function runAction(context: CommandContext): (notebook: string, flags: RunFlags) => Promise<void> {
  return async (notebook, flags) => {
    // SIGTERM (timeout, CI cancellation, docker stop) and SIGHUP stop a run as Ctrl-C does: the kernel is
    // interrupted, the trial closed and -o written; a second signal quits at once (the private server watches
    // nbprov's pid and shuts itself and its kernel down).
    const stop = context.trapStopSignals((signal) => {
      process.stderr.write(`\nnbprov: interrupting the kernel (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`);
    });
    const progress = flags.quiet || flags.json || !process.stderr.isTTY ? undefined : ProgressReporter.onStderr(flags.logOutput);
    const live = flags.logOutput ? new LiveOutput({ json: flags.json }).below(progress && { bar: progress.bar, stream: process.stderr }) : undefined;
    try {
      context.reply(await handler(notebook, flags, { signal: stop.signal, events: { ...progress?.events, ...live?.runEvents, onWarning: context.warn } }));
    } finally {
      progress?.stop();
      stop.release();
    }
  };
}

function exitCodeOf(result: RunResult): number {
  // A trial finishes with failing cells only under --allow-errors, which (as in nbconvert) makes them no failure.
  if (result.status === 'finished') return ExitCode.ok;
  return result.error?.exitCode ?? ExitCode.cellFailed;
}

/** What `run` prints: the JSON summary, or what stopped the trial (stderr) and its summary line (stdout). */
function report(result: RunResult, flags: RunFlags): { stdout?: string; stderr?: string } {
  if (flags.json) {
    const { error, ...rest } = result;
    return { stdout: JSON.stringify({ ...rest, name: rest.name ?? null, error: error ? { code: error.code, message: error.message } : null }, null, 2) + '\n' };
  }
  // As main.ts prints thrown errors: a lost private server's log tail goes under the hint.
  const stderr = result.error ? formatError(result.error) : undefined;
  if (flags.quiet) return { stderr };
  const ok = `${result.cellsOk}/${result.cellsTotal} cells ok`;
  const expected = result.cellsFailedExpected ? ` (${result.cellsFailedExpected} expected)` : '';
  const failed = result.cellsFailed ? `, ${result.cellsFailed} failed${expected}` : '';
  const skipped = result.cellsSkipped ? `, ${result.cellsSkipped} skipped` : '';
  const recorder = result.recorderErrors ? `, ${result.recorderErrors} recorder errors` : '';
  const name = result.name === undefined ? '' : ` ${quoteName(result.name)}`;
  return { stderr, stdout: `trial ${result.sequence}${name} (${result.trialId.slice(0, 8)}) ${result.status}: ${ok}${failed}${skipped}${recorder}, ${result.seconds.toFixed(2)} s\n` };
}

/** A cli-progress bar on stderr: cell n/N, the cell's first line, elapsed time. */
class ProgressReporter {
  readonly bar: SingleBar;
  #started = false;
  constructor(bar: SingleBar) {
    this.bar = bar;
  }
  /** With `belowLines`, `--log-output` prints cell output above the bar. */
  static onStderr(belowLines?: boolean): ProgressReporter {
    return new ProgressReporter(new cliProgress.SingleBar(
      { format: ' {bar} {value}/{total} cells | {duration_formatted} | {line}', stream: process.stderr, hideCursor: true, clearOnComplete: true, ...(belowLines ? BAR_BELOW_LINES : {}) },
      cliProgress.Presets.shades_classic,
    ));
  }
  readonly events: RunEvents = {
    onStart: ({ cells }) => {
      this.bar.start(cells, 0, { line: '' });
      this.#started = true;
    },
    onCellStart: (cell, position) => this.bar.update(position - 1, { line: `[${cell.index}] ${cell.source.split('\n')[0].slice(0, 50)}` }),
    onCellEnd: () => this.bar.increment(),
  };
  stop(): void {
    if (this.#started) this.bar.stop();
    this.#started = false;
  }
}
