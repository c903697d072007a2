import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { Command, Option } from 'commander';
import cliProgress, { type SingleBar } from 'cli-progress';
import { ExitCode, formatError, NbprovError } from '../errors.js';
// The runner (and @jupyterlab/services under it) loads only when `run` runs: other commands start faster.
import type { RunEvents, RunResult } from '../run/types.js';
import { CAPTURE_MODES, DEFAULT_CAPTURE_MODE, DEFAULT_LOOP_BUDGET, type CaptureMode } from '../limits.js';
import { parsePort, parsePositive, collect } from './options.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import type { CommandContext, CommandResult } from './command-context.js';

interface RunFlags {
  output?: string;
  db?: string;
  kernel?: string;
  server?: string;
  tokenFile?: string;
  header: string[];
  jupyter?: string;
  python?: string;
  port?: number;
  cwd?: string;
  timeout?: number;
  startupTimeout: number;
  allowErrors?: boolean;
  capture: CaptureMode;
  loopBudget: number;
  redact: boolean;
  quiet?: boolean;
  json?: boolean;
  parameter: string[];
  parameterRaw: string[];
  parameterFile?: string;
  strict?: boolean;
  injectAfter?: string;
}

export function registerRun(program: Command, context: CommandContext): void {
  program
    .command('run')
    .description('execute a notebook through a Jupyter server and record the run as a trial')
    .argument('<notebook>', 'the .ipynb file to run')
    .option('-o, --output <path>', 'write the executed notebook (outputs, execution counts) here')
    .option('-p, --parameter <name value>', 'set a parameter (repeatable), typed like its default in the cell tagged parameters (a number as written, int or float)', collect, [])
    .option('-r, --parameter-raw <name value>', 'set a parameter to a raw string (repeatable)', collect, [])
    .option('-f, --parameter-file <path>', 'parameters from a YAML or JSON file')
    .option('--strict', 'unknown parameter names (or no parameters cell) are errors, not warnings')
    .option('--inject-after <cell>', 'inject the parameters after this cell (index as `nbprov cells` lists, or id) instead of the cell tagged parameters')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite beside the notebook, or $NBPROV_DB)')
    .option('--kernel <name>', "kernel to use (default: the notebook's kernelspec)")
    .option('--server <url>', 'use this Jupyter Server / Kernel Gateway / Enterprise Gateway instead of a private one')
    .option('--token-file <path>', 'file holding the --server token (else $JUPYTER_TOKEN); never pass tokens on the command line')
    .option('--header <"Name: value">', 'extra HTTP header for --server (repeatable), e.g. for proxies', collect, [])
    .option('--jupyter <path>', 'jupyter executable for the private server (default: $NBPROV_JUPYTER, else beside --python)')
    .option('--python <path>', 'Python interpreter whose jupyter runs the private server', DEFAULT_SYSTEM_PYTHON)
    .option('--port <n>', 'port of the private server on 127.0.0.1 (default: a free one)', parsePort('--port'))
    .option('--cwd <dir>', "kernel working directory (default: the notebook's directory)")
    .option('--timeout <seconds>', 'per-cell timeout; the kernel is interrupted, exit 3', parsePositive('--timeout'))
    .option('--startup-timeout <seconds>', 'how long to wait for the kernel to start', parsePositive('--startup-timeout'), 60)
    .option('--allow-errors', 'keep running after a cell raises and exit 0, as nbconvert does (the trial still records the failed cells)')
    .addOption(new Option('--capture <mode>', 'what to record: cells, vars (variables and dependencies) or full (every loop iteration)').choices(CAPTURE_MODES).default(DEFAULT_CAPTURE_MODE))
    .option('--loop-budget <n>', 'loop iterations / function calls recorded in detail', parsePositive('--loop-budget'), DEFAULT_LOOP_BUDGET)
    .option('--no-redact', 'store values of secret-looking variables (token, password, key...) instead of <redacted>')
    .option('-q, --quiet', 'no progress bar and no summary line')
    .option('--json', 'print the trial summary as JSON')
    .addHelpText(
      'after',
      `
Examples:
  $ nbprov run experiment.ipynb
  $ nbprov run experiment.ipynb -o executed.ipynb --timeout 600
  $ nbprov run experiment.ipynb -p n_trees 100 -p test_size 0.3 -r run_name baseline
  $ nbprov run experiment.ipynb -f params.yaml --strict
  $ nbprov run experiment.ipynb -p n_clusters "(3, 3)" --inject-after 4
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
  const [{ runNotebook }, { readParametersFile }] = await Promise.all([import('../run/runner.js'), import('../notebook/parameter-file.js')]);
  if (flags.server && flags.port !== undefined) throw new NbprovError('NBPROV_USAGE', '--port is the private server\'s port; it cannot be used with --server', { hint: 'put the port in the --server URL' });
  const token = flags.server ? readToken(flags.tokenFile) : undefined;
  const headers = parseHeaders(flags.header);
  if (flags.server && /^http:\/\//.test(flags.server) && !isLoopback(flags.server)) {
    live.events?.onWarning?.(`${flags.server} is not TLS; the token travels in clear text`);
  }
  const parameters = [
    ...(flags.parameterFile ? Object.entries(readParametersFile(flags.parameterFile)).map(([name, value]) => ({ name, value, fromFile: true as const })) : []),
    ...flags.parameter.map((pair) => ({ ...splitPair(pair), raw: false })),
    ...flags.parameterRaw.map((pair) => ({ ...splitPair(pair), raw: true })),
  ];
  const result = await runNotebook({
    notebook,
    parameters,
    strictParameters: flags.strict,
    injectAfter: flags.injectAfter,
    parameterFile: flags.parameterFile,
    db: flags.db,
    kernel: flags.kernel,
    server: flags.server,
    token,
    headers,
    jupyter: flags.jupyter,
    python: flags.python,
    port: flags.port,
    cwd: flags.cwd,
    output: flags.output,
    timeoutSec: flags.timeout,
    startupTimeoutSec: flags.startupTimeout,
    allowErrors: flags.allowErrors === true,
    capture: flags.capture,
    loopBudget: flags.loopBudget,
    redact: flags.redact,
    command: recordedCommand(),
    ...live,
  });
  return { ...report(result, flags), exitCode: exitCodeOf(result) };
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
    const progress = flags.quiet || flags.json || !process.stderr.isTTY ? undefined : ProgressReporter.onStderr();
    try {
      context.reply(await handler(notebook, flags, { signal: stop.signal, events: { ...progress?.events, onWarning: context.warn } }));
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
    return { stdout: JSON.stringify({ ...rest, error: error ? { code: error.code, message: error.message } : null }, null, 2) + '\n' };
  }
  // As main.ts prints thrown errors: a lost private server's log tail goes under the hint.
  const stderr = result.error ? formatError(result.error) : undefined;
  if (flags.quiet) return { stderr };
  const ok = `${result.cellsOk}/${result.cellsTotal} cells ok`;
  const expected = result.cellsFailedExpected ? ` (${result.cellsFailedExpected} expected)` : '';
  const failed = result.cellsFailed ? `, ${result.cellsFailed} failed${expected}` : '';
  const skipped = result.cellsSkipped ? `, ${result.cellsSkipped} skipped` : '';
  const recorder = result.recorderErrors ? `, ${result.recorderErrors} recorder errors` : '';
  return { stderr, stdout: `trial ${result.sequence} (${result.trialId.slice(0, 8)}) ${result.status}: ${ok}${failed}${skipped}${recorder}, ${result.seconds.toFixed(2)} s\n` };
}

/** `-p NAME VALUE` arrives as `NAME=VALUE` (see pairParameterArgs). */
function splitPair(pair: string): { name: string; value: string } {
  const at = pair.indexOf('=');
  if (at <= 0) throw new NbprovError('NBPROV_USAGE', `-p '${pair}' needs a name and a value: -p NAME VALUE`);
  return { name: pair.slice(0, at), value: pair.slice(at + 1) };
}

/**
 * Commander options take one value; papermill's `-p NAME VALUE` takes two. Joins each pair into `NAME=VALUE`
 * before parsing (a name never holds '=').
 */
export function pairParameterArgs(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (['-p', '--parameter', '-r', '--parameter-raw'].includes(arg) && i + 2 < argv.length + 1 && argv[i + 1] !== undefined && !argv[i + 1].includes('=') && argv[i + 2] !== undefined) {
      out.push(arg, `${argv[i + 1]}=${argv[i + 2]}`);
      i += 2;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/**
 * Whether a URL's host is this machine's loopback: `localhost`, 127.0.0.0/8 or ::1. Decided on the parsed host,
 * not a prefix: `http://127.0.0.1.example.com` is somebody else's machine.
 */
function isLoopback(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || (isIPv4(host) && host.startsWith('127.'));
}

function readToken(tokenFile?: string): string | undefined {
  if (tokenFile) {
    try {
      return readFileSync(tokenFile, 'utf8').trim();
    } catch (err) {
      throw new NbprovError('NBPROV_USAGE', `cannot read --token-file ${tokenFile}: ${(err as NodeJS.ErrnoException).code}`);
    }
  }
  return process.env.JUPYTER_TOKEN || undefined;
}

function parseHeaders(values: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(value);
    if (!m) throw new NbprovError('NBPROV_USAGE', `--header '${value.split(':')[0]}' is not 'Name: value'`);
    headers[m[1]] = m[2];
  }
  return headers;
}

/** The command line as stored in the trial: header values are dropped, they may hold credentials. */
function recordedCommand(): string {
  const args = process.argv.slice(2);
  const out = ['nbprov'];
  for (let i = 0; i < args.length; i++) {
    out.push(args[i]);
    if (args[i] === '--header' && i + 1 < args.length) out.push(`${args[++i].split(':')[0]}: <redacted>`);
  }
  return out.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}

/** A cli-progress bar on stderr: cell n/N, the cell's first line, elapsed time. */
class ProgressReporter {
  readonly #bar: SingleBar;
  #started = false;
  constructor(bar: SingleBar) {
    this.#bar = bar;
  }
  static onStderr(): ProgressReporter {
    return new ProgressReporter(new cliProgress.SingleBar(
      { format: ' {bar} {value}/{total} cells | {duration_formatted} | {line}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    ));
  }
  readonly events: RunEvents = {
    onStart: ({ cells }) => {
      this.#bar.start(cells, 0, { line: '' });
      this.#started = true;
    },
    onCellStart: (cell, position) => this.#bar.update(position - 1, { line: `[${cell.index}] ${cell.source.split('\n')[0].slice(0, 50)}` }),
    onCellEnd: () => this.#bar.increment(),
  };
  stop(): void {
    if (this.#started) this.#bar.stop();
    this.#started = false;
  }
}
