import { Command, CommanderError, Option } from 'commander';
import { ExitCode, formatError, NbprovError } from '../errors.js';
import { NBPROV_VERSION } from '../version.js';
import type { CommandContext, CommandResult, StopSignalTrap } from './command-context.js';

type Register = (program: Command, context: CommandContext) => void;

// Each command's module (and what it imports: SQLite, the Jupyter client, renderers) loads only when that command
// runs; the top-level help, `help CMD` and an unknown command load them all. Start-up is most of a query's time.
const tag = async () => (await import('./tag.js')).registerTag;
const COMMANDS: Record<string, () => Promise<Register>> = {
  run: async () => (await import('./run.js')).registerRun,
  list: async () => (await import('./list.js')).registerList,
  show: async () => (await import('./show.js')).registerShow,
  name: async () => (await import('./name.js')).registerName,
  cells: async () => (await import('./cells.js')).registerCells,
  tag,
  untag: tag,
  tags: tag,
  deps: async () => (await import('./deps.js')).registerDeps,
  slice: async () => (await import('./slice.js')).registerSlice,
  diff: async () => (await import('./diff.js')).registerDiff,
  compare: async () => (await import('./compare.js')).registerCompare,
  explain: async () => (await import('./explain.js')).registerExplain,
  export: async () => (await import('./export.js')).registerExport,
  sweep: async () => (await import('./sweep.js')).registerSweep,
  report: async () => (await import('./report.js')).registerReport,
};

// @jupyterlab/services logs websocket chatter and server tracebacks through console.*, which would land in our
// stdout/stderr; nbprov itself writes only through process.stdout/stderr.
if (!process.argv.includes('--debug')) {
  for (const level of ['debug', 'log', 'info', 'warn', 'error'] as const) console[level] = () => {};
}

// Exit as soon as the command is done rather than when the event loop drains: after a lost server,
// @jupyterlab/services keeps retrying the websocket for up to ~30 s even once disposed. But only once stdout and
// stderr have drained: a pipe takes 64 KiB at a time and libuv queues the rest, which process.exit would drop.
// A promise chain, not top-level await: the bundle is CommonJS.
// A reader that stops early (`| head`) closes the pipe: the rest of the output is unwanted, which is no error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}
void main()
  .then(async (code) => {
    await Promise.all([drained(process.stdout), drained(process.stderr)]);
    return code;
  })
  .then((code) => process.exit(code));

async function main(): Promise<number> {
  const program = new Command('nbprov')
    .description('Provenance for Jupyter notebooks: every run a recorded trial in a noWorkflow-compatible SQLite database.')
    .version(NBPROV_VERSION)
    .option('--debug', 'print stack traces of errors')
    .showHelpAfterError('(run with --help for usage)')
    // nbprov's own options come before the command, so a command may have its own --version (deps NAME --version 3)
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .addHelpText(
      'after',
      `
Examples:
  $ nbprov run experiment.ipynb -o executed.ipynb
  $ nbprov list
  $ nbprov show last --code

Exit codes: 0 ok · 1 a cell raised · 2 usage or bad input · 3 kernel/server failure · 130 interrupted`,
    );

  // The first word that is not an option names the command (the global options take no value).
  const name = process.argv.slice(2).find((arg) => !arg.startsWith('-'));
  const versionOnly = name === undefined && process.argv.some((arg) => arg === '-V' || arg === '--version');
  const wanted = name !== undefined && Object.hasOwn(COMMANDS, name) ? [COMMANDS[name]] : versionOnly ? [] : [...new Set(Object.values(COMMANDS))];
  let result: CommandResult = {};
  const context: CommandContext = { reply: (r) => (result = r), warn: (m) => process.stderr.write(`nbprov: warning: ${m}\n`), trapStopSignals };
  for (const register of await Promise.all(wanted.map((load) => load()))) register(program, context);
  acceptDebugEverywhere(program);
  const argv = name === 'run' || name === 'sweep' ? (await import('./parameter-args.js')).pairParameterArgs(process.argv) : process.argv;
  try {
    await program.parseAsync(argv);
  } catch (err) {
    return report(err, program.opts().debug === true || process.argv.includes('--debug'));
  }
  if (result.stderr) process.stderr.write(result.stderr);
  if (result.stdout) process.stdout.write(result.stdout);
  return result.exitCode ?? ExitCode.ok;
}

const STOP_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGINT: ExitCode.interrupted, SIGTERM: ExitCode.terminated, SIGHUP: ExitCode.hangup };

/** See CommandContext.trapStopSignals. */
function trapStopSignals(onFirst: (signal: NodeJS.Signals) => void): StopSignalTrap {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(STOP_EXIT[signal]);
    onFirst(signal);
    abort.abort(signal);
  };
  const signals = Object.keys(STOP_EXIT) as NodeJS.Signals[];
  for (const signal of signals) process.on(signal, onSignal);
  return {
    signal: abort.signal,
    release: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}

/** `--debug` also after the command (`nbprov run nb.ipynb --debug`): main reads it from argv, commands ignore it. */
function acceptDebugEverywhere(command: Command): void {
  for (const sub of command.commands) {
    sub.addOption(new Option('--debug').hideHelp());
    acceptDebugEverywhere(sub);
  }
}

/** Resolves once everything written to `stream` has left the process (or the reader has gone: EPIPE). */
function drained(stream: NodeJS.WriteStream): Promise<void> {
  if (stream.writableLength === 0 || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => stream.write('', () => resolve()));
}

/** The single place errors become messages and exit codes. */
function report(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version it was asked for)
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof NbprovError) {
    process.stderr.write(formatError(err));
    if (debug && err.cause) process.stderr.write(`${(err.cause as Error).stack ?? err.cause}\n`);
    return err.exitCode;
  }
  process.stderr.write(`nbprov: internal error: ${(err as Error)?.message ?? err}\n`);
  if (debug) process.stderr.write(`${(err as Error)?.stack}\n`);
  else process.stderr.write('  hint: re-run with --debug for the stack trace, and please report it\n');
  return ExitCode.bug;
}
