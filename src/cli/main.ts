import { Command, CommanderError } from 'commander';
import { ExitCode, NbprovError } from '../errors.js';
import { NBPROV_VERSION } from '../version.js';
import { pairParameterArgs, registerRun } from './run.js';
import { registerList } from './list.js';
import { registerShow } from './show.js';
import { registerCells } from './cells.js';
import { registerTag } from './tag.js';
import { registerDeps } from './deps.js';
import { registerSlice } from './slice.js';
import { registerDiff } from './diff.js';
import { registerCompare } from './compare.js';

// @jupyterlab/services logs websocket chatter and server tracebacks through console.*, which would land in our
// stdout/stderr; nbprov itself writes only through process.stdout/stderr.
if (!process.argv.includes('--debug')) {
  for (const level of ['debug', 'log', 'info', 'warn', 'error'] as const) console[level] = () => {};
}

const program = new Command('nbprov')
  .description('Provenance for Jupyter notebooks: every run a recorded trial in a noWorkflow-compatible SQLite database.')
  .version(NBPROV_VERSION)
  .option('--debug', 'print stack traces of errors')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) });

registerRun(program);
registerList(program);
registerShow(program);
registerCells(program);
registerTag(program);
registerDeps(program);
registerSlice(program);
registerDiff(program);
registerCompare(program);

program.addHelpText(
  'after',
  `
Examples:
  $ nbprov run experiment.ipynb -o executed.ipynb
  $ nbprov list
  $ nbprov show last --code

Exit codes: 0 ok · 1 a cell raised · 2 usage or bad input · 3 kernel/server failure · 130 interrupted`,
);

try {
  await program.parseAsync(pairParameterArgs(process.argv));
} catch (err) {
  process.exitCode = report(err, program.opts().debug === true || process.argv.includes('--debug'));
}
// Exit now rather than when the event loop drains: after a lost server, @jupyterlab/services keeps retrying the
// websocket for up to ~30 s even once disposed. (stdout/stderr writes are synchronous for files, pipes and TTYs on Linux.)
process.exit(process.exitCode ?? 0);

/** The single place errors become messages and exit codes. */
function report(err: unknown, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message (or the help/version it was asked for)
    return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof NbprovError) {
    process.stderr.write(`nbprov: ${err.message}\n`);
    if (err.hint) process.stderr.write(`  hint: ${err.hint}\n`);
    if (err.details) process.stderr.write(`${err.details.split('\n').map((l) => `    ${l}`).join('\n')}\n`);
    if (debug && err.cause) process.stderr.write(`${(err.cause as Error).stack ?? err.cause}\n`);
    return err.exitCode;
  }
  process.stderr.write(`nbprov: internal error: ${(err as Error)?.message ?? err}\n`);
  if (debug) process.stderr.write(`${(err as Error)?.stack}\n`);
  else process.stderr.write('  hint: re-run with --debug for the stack trace, and please report it\n');
  return ExitCode.bug;
}
