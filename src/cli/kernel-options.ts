// The options `run` and `sweep` share: where the kernels run, what the collector records, where trials are stored.
import { readFileSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { Option, type Command } from 'commander';
import { NbprovError } from '../errors.js';
import { CAPTURE_MODES, DEFAULT_CAPTURE_MODE, DEFAULT_LOOP_BUDGET, type CaptureMode } from '../limits.js';
import type { RunOptions } from '../run/types.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import { collect, parsePort, parsePositive } from './options.js';
import { splitPair } from './parameter-args.js';

export interface KernelFlags {
  db?: string;
  kernel?: string;
  server?: string;
  tokenFile?: string;
  header: string[];
  kernelEnv: string[];
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
  logOutput?: boolean;
}

export function addKernelOptions(command: Command): Command {
  return command
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite beside the notebook, or $NBPROV_DB)')
    .option('--kernel <name>', "kernel to use (default: the notebook's kernelspec)")
    .option('--server <url>', 'use this Jupyter Server / Kernel Gateway / Enterprise Gateway instead of a private one')
    .option('--token-file <path>', 'file holding the --server token (else $JUPYTER_TOKEN); never pass tokens on the command line')
    .option('--header <"Name: value">', 'extra HTTP header for --server (repeatable), e.g. for proxies', collect, [])
    .option('--kernel-env <NAME=VALUE>', 'a KERNEL_* variable for the kernel start request (repeatable), e.g. KERNEL_NAMESPACE for Enterprise Gateway', collect, [])
    .option('--jupyter <path>', 'jupyter executable for the private server (default: $NBPROV_JUPYTER, else beside --python)')
    .option('--python <path>', 'Python interpreter whose jupyter runs the private server', DEFAULT_SYSTEM_PYTHON)
    .option('--port <n>', 'port of the private server on 127.0.0.1 (default: a free one)', parsePort('--port'))
    .option('--cwd <dir>', "kernel working directory (default: the notebook's directory)")
    .option('--timeout <seconds>', 'per-cell timeout; the kernel is interrupted, exit 3', parsePositive('--timeout'))
    .option('--startup-timeout <seconds>', "how long to wait for a kernel to start and load nbprov's collector", parsePositive('--startup-timeout'), 60)
    .option('--allow-errors', 'keep running after a cell raises and exit 0, as nbconvert does (the trial still records the failed cells)')
    .addOption(new Option('--capture <mode>', 'what to record: cells, vars (variables and dependencies) or full (every loop iteration)').choices(CAPTURE_MODES).default(DEFAULT_CAPTURE_MODE))
    .option('--loop-budget <n>', 'loop iterations / function calls recorded in detail', parsePositive('--loop-budget'), DEFAULT_LOOP_BUDGET)
    .option('--no-redact', 'keep the values of secret-looking variables (token, password, key...) as they are, in the database and in the outputs the kernel shows, instead of <redacted>')
    .option('--log-output', "print each cell's stdout and stderr as the kernel sends it, each line prefixed with the cell's number (displays and errors in one line each)");
}

type KernelRunOptions = Pick<RunOptions,
  'db' | 'kernel' | 'server' | 'token' | 'headers' | 'kernelEnv' | 'jupyter' | 'python' | 'port' | 'cwd' | 'timeoutSec' |
  'startupTimeoutSec' | 'allowErrors' | 'capture' | 'loopBudget' | 'redact' | 'command'>;

/** The shared flags as the run pipeline takes them; warns of a token sent in clear text. */
export function kernelRunOptions(flags: KernelFlags, warn?: (message: string) => void): KernelRunOptions {
  if (flags.server && flags.port !== undefined) throw new NbprovError('NBPROV_USAGE', '--port is the private server\'s port; it cannot be used with --server', { hint: 'put the port in the --server URL' });
  if (flags.server && /^http:\/\//.test(flags.server) && !isLoopback(flags.server)) warn?.(`${flags.server} is not TLS; the token travels in clear text`);
  return {
    db: flags.db,
    kernel: flags.kernel,
    server: flags.server,
    token: flags.server ? readToken(flags.tokenFile) : undefined,
    headers: parseHeaders(flags.header),
    kernelEnv: parseKernelEnv(flags.kernelEnv),
    jupyter: flags.jupyter,
    python: flags.python,
    port: flags.port,
    cwd: flags.cwd,
    timeoutSec: flags.timeout,
    startupTimeoutSec: flags.startupTimeout,
    allowErrors: flags.allowErrors === true,
    capture: flags.capture,
    loopBudget: flags.loopBudget,
    redact: flags.redact,
    command: recordedCommand(),
  };
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

/** Enterprise Gateway passes only `KERNEL_*` variables on to the kernel: any other name would be dropped unseen. */
function parseKernelEnv(values: string[]): Record<string, string> | undefined {
  if (values.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const value of values) {
    const { name, value: v } = splitPair(value, '--kernel-env');
    if (!/^KERNEL_[A-Za-z0-9_]+$/.test(name)) {
      throw new NbprovError('NBPROV_USAGE', `--kernel-env ${name}: only KERNEL_* variables reach the kernel`, { hint: 'e.g. --kernel-env KERNEL_NAMESPACE=ml' });
    }
    env[name] = v;
  }
  return env;
}

/**
 * The command line as stored in the trial: header and --kernel-env values are dropped, they may hold credentials
 * (a KERNEL_* variable is often a token for the cluster).
 */
function recordedCommand(): string {
  const args = process.argv.slice(2);
  const out = ['nbprov'];
  const header = (v: string) => `${v.split(':')[0]}: <redacted>`;
  const variable = (v: string) => `${v.split('=')[0]}=<redacted>`;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg.startsWith('--header=')) out.push(`--header=${header(arg.slice('--header='.length))}`);
    else if (arg.startsWith('--kernel-env=')) out.push(`--kernel-env=${variable(arg.slice('--kernel-env='.length))}`);
    else out.push(arg);
    if (arg === '--header' && i + 1 < args.length) out.push(header(args[++i]));
    else if (arg === '--kernel-env' && i + 1 < args.length) out.push(variable(args[++i]));
  }
  return out.map((a) => (/[\s'"]/.test(a) ? JSON.stringify(a) : a)).join(' ');
}
