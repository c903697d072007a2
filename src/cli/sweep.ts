import { availableParallelism } from 'node:os';
import { InvalidArgumentError, type Command } from 'commander';
import { formatError, NbprovError } from '../errors.js';
import { combinationLabel, type GridSpec, type GridValue } from '../sweep/grid.js';
import type { CellSelection } from '../run/cell-selection.js';
import type { RunOptions } from '../run/types.js';
import type { SweepEvents, SweepResult } from '../sweep/sweep.js';
import type { CommandContext, CommandResult } from './command-context.js';
import { addKernelOptions, kernelRunOptions, type KernelFlags } from './kernel-options.js';
import { collect } from './options.js';
import { splitPair } from './parameter-args.js';
import { LiveOutput } from './live-output.js';
import { addSelectionOptions, selectionOf } from './selection-options.js';
import { SweepProgress } from './sweep-progress.js';
import { runCompare } from './compare.js';

interface SweepFlags extends KernelFlags, CellSelection {
  parameter: string[];
  parameterRaw: string[];
  gridFile?: string;
  zip?: boolean;
  repeat: number;
  seedParam?: string;
  strict?: boolean;
  injectAfter?: string;
  jobs: number;
  output?: string;
  name?: string;
  failFast?: boolean;
  resume?: string | true;
  quiet?: boolean;
  json?: boolean;
}

export function registerSweep(program: Command, context: CommandContext): void {
  const sweep = program
    .command('sweep')
    .description('run a notebook once per combination of parameter values, several kernels at once, one trial each')
    .argument('[notebook]', 'the .ipynb file (not with --resume: the sweep knows its notebook)')
    .option('-p, --parameter <name values>', 'a parameter and its comma-separated values (repeatable), typed like its default: -p n_trees 3,20,100', collect, [])
    .option('-r, --parameter-raw <name values>', 'a parameter and its comma-separated raw string values (repeatable)', collect, [])
    .option('-f, --grid-file <path>', 'YAML or JSON: a mapping of name → list of values, or a list of mappings (one per trial)')
    .option('--zip', 'pair the lists (the i-th values together) instead of crossing them')
    .option('--repeat <n>', 'run each combination N times', positiveInteger('--repeat'), 1)
    .option('--seed-param <name>', 'with --repeat: set this parameter to the repeat number, 0..N-1')
    .option('--strict', 'refuse the sweep on any warning about its values (unknown names always are refused)')
    .option('--inject-after <cell>', 'inject the values after this cell (index as `nbprov cells` lists, or id) instead of the cell tagged parameters');
  addSelectionOptions(sweep)
    .option('-j, --jobs <n>', `trials at once (default: the number of CPUs, ${availableParallelism()} here); more than the CPUs only adds waiting, unless the kernels run on a --server`, positiveInteger('--jobs'), availableParallelism())
    .option('-o, --output <template>', "write each executed notebook to a path made from its values: 'out/{n_trees}-{test_size}.ipynb' ({repeat} and {position} too)")
    .option('--name <template>', "name each trial from its values: 'trees-{n_trees}' ({repeat} and {position} too); default: its combination, n_trees=3,test_size=0.5")
    .option('--fail-fast', 'start no further trial once one fails')
    .option('--resume [sweep]', 'run the trials of a sweep (its number, default the last) that never finished: after a crash, Ctrl-C or kill');
  addKernelOptions(sweep)
    .option('-q, --quiet', 'no progress and no table, only what went wrong')
    .option('--json', 'print the sweep and its trials as JSON')
    .addHelpText('after', `
Each combination is one ordinary trial, in a fresh kernel on one Jupyter server (the private one, or --server);
the next trial's kernel starts while the others run. Every trial is written by this one process into the database.

Examples:
  $ nbprov sweep experiment.ipynb -p n_trees 3,20,100 -p test_size 0.25,0.5
  $ nbprov sweep experiment.ipynb -f grid.yaml --jobs 2 -o 'out/{n_trees}-{test_size}.ipynb'
  $ nbprov sweep experiment.ipynb -p lr 0.1,0.01 -p epochs 5,50 --zip
  $ nbprov sweep experiment.ipynb -p n_trees 10,100 --repeat 3 --seed-param seed
  $ nbprov sweep experiment.ipynb -p n_trees 3,20 --log-output --jobs 2
  $ nbprov sweep experiment.ipynb -p n_trees 3,20 --name 'trees-{n_trees}'   # then: nbprov diff trees-3 trees-20
  $ nbprov sweep experiment.ipynb -p n_trees 3,20,100 --only accuracy   # only the cells accuracy needs
  $ nbprov sweep --resume last
  $ nbprov compare --sweep last --sort -accuracy
  $ JUPYTER_TOKEN=... nbprov sweep experiment.ipynb -p n_trees 10,100 --server https://gateway.example:8888 --kernel-env KERNEL_NAMESPACE=ml --jobs 8

Exit codes: 0 every trial finished · 1 a trial's cell raised · 2 bad notebook/options · 3 a kernel died, timed out or never started, or the server failed · 130 Ctrl-C · 143 SIGTERM`)
    .action(sweepAction(context));
}

function sweepAction(context: CommandContext): (notebook: string | undefined, flags: SweepFlags) => Promise<void> {
  return async (notebook, flags) => {
    const stop = context.trapStopSignals((signal) => {
      process.stderr.write(`\nnbprov: interrupting the running trials (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to quit at once)\n`);
    });
    const progress = flags.quiet || flags.json ? undefined : new SweepProgress(process.stderr, flags.logOutput);
    const live = flags.logOutput ? new LiveOutput({ json: flags.json }).below(progress?.bar && { bar: progress.bar, stream: process.stderr }) : undefined;
    try {
      context.reply(await handler(notebook, flags, { signal: stop.signal, events: { ...progress?.events, ...live?.sweepEvents, onWarning: context.warn } }));
    } finally {
      progress?.stop();
      stop.release();
    }
  };
}

/** Runs (or resumes) the sweep and returns its table, summary and exit code. */
export async function handler(notebook: string | undefined, flags: SweepFlags, live: { signal?: AbortSignal; events?: SweepEvents } = {}): Promise<CommandResult> {
  const [{ runSweep, sweepExitCode }, { cellSelector }] = await Promise.all([import('../sweep/sweep.js'), import('./run-selection.js')]);
  const resume = flags.resume === true ? 'last' : flags.resume;
  const grid = resume === undefined ? await gridOf(notebook, flags) : refuseGridWithResume(notebook, flags);
  const result = await runSweep({
    ...kernelRunOptions(flags, live.events?.onWarning),
    notebook,
    grid: grid && { ...grid, outputTemplate: flags.output, nameTemplate: flags.name },
    selection: selectionOf(flags),
    selector: (path, selection) => once(cellSelector(path, { ...selection, db: flags.db, python: flags.python }, live.events?.onWarning)),
    resume,
    jobs: flags.jobs,
    failFast: flags.failFast === true,
    strict: flags.strict === true,
    injectAfter: flags.injectAfter,
    ...live,
  });
  return { ...report(result, flags), exitCode: sweepExitCode(result.outcomes, live.signal) };
}

/**
 * The selection of the sweep's first run, for every run: they differ only in the injected values, so the cells are
 * the same, and the lineage is read (and its warnings said) once instead of once per run.
 */
function once(select: RunOptions['selectCells']): RunOptions['selectCells'] {
  if (!select) return undefined;
  let cells: Set<number> | undefined;
  return (nb) => (cells ??= select(nb));
}

async function gridOf(notebook: string | undefined, flags: SweepFlags): Promise<{ spec: GridSpec; asGiven: unknown }> {
  if (!notebook) throw new NbprovError('NBPROV_USAGE', 'name the notebook to sweep', { hint: 'nbprov sweep NOTEBOOK -p NAME V1,V2 (or --resume to finish a sweep)' });
  const { splitValues, gridFromFile } = await import('../sweep/grid.js');
  const { readDataFile } = await import('../notebook/parameter-file.js');
  const axes: [string, GridValue[]][] = [
    ...flags.parameter.map((pair): [string, GridValue[]] => axis(pair, false, splitValues)),
    ...flags.parameterRaw.map((pair): [string, GridValue[]] => axis(pair, true, splitValues)),
  ];
  const file = flags.gridFile ? gridFromFile(readDataFile(flags.gridFile, 'grid file', 'e.g. {n_trees: [3, 20, 100], test_size: [0.25, 0.5]}'), flags.gridFile) : { axes: [], listed: [] };
  const all = [...axes, ...file.axes];
  const names = all.map(([name]) => name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice) throw new NbprovError('NBPROV_USAGE', `${twice} is given twice`, { hint: `give all its values once: -p ${twice} V1,V2,V3` });
  if (flags.seedParam && flags.repeat < 2) throw new NbprovError('NBPROV_USAGE', '--seed-param numbers the repeats: give --repeat N (2 or more) with it');
  const spec: GridSpec = { axes: all, listed: file.listed, zip: flags.zip === true, repeat: flags.repeat, seedParam: flags.seedParam, file: file.file };
  const selection = selectionOf(flags);
  const asGiven = {
    parameters: Object.fromEntries(all.map(([name, values]) => [name, values.map((v) => ('data' in v ? v.data : v.text))])),
    ...(file.listed.length ? { combinations: file.listed } : {}),
    ...(flags.gridFile ? { file: flags.gridFile } : {}),
    zip: spec.zip,
    repeat: spec.repeat,
    ...(spec.seedParam ? { seedParam: spec.seedParam } : {}),
    ...(flags.injectAfter ? { injectAfter: flags.injectAfter } : {}),
    ...(selection ? { selection } : {}),
  };
  return { spec, asGiven };
}

function axis(pair: string, raw: boolean, split: (text: string) => string[]): [string, GridValue[]] {
  const { name, value } = splitPair(pair, raw ? '-r' : '-p');
  return [name, split(value).map((text) => ({ text, raw }))];
}

function refuseGridWithResume(notebook: string | undefined, flags: SweepFlags): undefined {
  const given = [notebook && 'NOTEBOOK', flags.parameter.length && '-p', flags.parameterRaw.length && '-r', flags.gridFile && '-f', flags.output && '-o', flags.name && '--name', flags.zip && '--zip', flags.seedParam && '--seed-param', flags.repeat !== 1 && '--repeat', flags.injectAfter && '--inject-after', flags.only.length && '--only', flags.stage !== undefined && '--stage', flags.force && '--force'].filter(Boolean);
  if (given.length) throw new NbprovError('NBPROV_USAGE', `--resume runs the sweep as it was planned: ${given.join(', ')} cannot change it`, { hint: 'start a new sweep for other values' });
  return undefined;
}

/** What `sweep` prints: the compare table of its trials and a summary line, or JSON; what went wrong on stderr. */
function report(result: SweepResult, flags: SweepFlags): { stdout?: string; stderr?: string } {
  const problems = result.outcomes.filter((o) => o.error || o.result?.error).map((o) => `${combinationLabel(o.run.combination)}: ${formatError(o.error ?? o.result!.error!).trimEnd()}\n`);
  const stderr = problems.join('') || undefined;
  if (flags.json) {
    const trials = result.outcomes.map(({ run, result: r, error }) => ({
      position: run.position, repeat: run.repeat, combination: run.combination, name: run.name ?? null, output: run.output ?? null,
      trial: r?.sequence ?? null, id: r?.trialId ?? null, status: r?.status ?? 'not-started', seconds: r?.seconds ?? null,
      error: (error ?? r?.error) ? { code: (error ?? r!.error!).code, message: (error ?? r!.error!).message } : null,
    }));
    return { stderr, stdout: JSON.stringify({ sweep: result.sweepId, status: result.status, total: result.total, seconds: result.seconds, dbPath: result.dbPath, trials }, null, 2) + '\n' };
  }
  if (flags.quiet) return { stderr };
  const table = result.outcomes.some((o) => o.result) ? runCompare([], { db: result.dbPath, sweep: String(result.sweepId), color: process.stdout.isTTY }).output : '';
  return { stderr, stdout: `${table}${summaryLine(result)}\n` };
}

function summaryLine(result: SweepResult): string {
  const count = (status: string) => result.outcomes.filter((o) => (o.result?.status ?? 'not started') === status).length;
  const statuses = ['finished', 'failed', 'kernel-died', 'timed-out', 'interrupted', 'server-lost', 'not started'].filter(count).map((s) => `${count(s)} ${s}`);
  const perMinute = result.seconds > 0 ? ` (${((result.outcomes.length * 60) / result.seconds).toFixed(1)} trials/min)` : '';
  const ran = result.outcomes.length < result.planned ? `${result.outcomes.length} of ${result.planned}` : `${result.outcomes.length}`;
  const resumed = result.planned < result.total ? ` (resumed: ${result.total - result.planned} of its ${result.total} were done before)` : '';
  return `sweep ${result.sweepId} ${result.status}: ${ran} trials run${resumed}, ${statuses.join(', ') || 'none'}, ${result.seconds.toFixed(1)} s${perMinute}`;
}

function positiveInteger(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} needs a whole number from 1, got '${value}'.`);
    return n;
  };
}
