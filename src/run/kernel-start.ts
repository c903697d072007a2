import type { KernelMessage } from '@jupyterlab/services';
import { userCacheDir } from '../cache-dir.js';
import { NbprovError } from '../errors.js';
import { notebookKernelName, type LoadedNotebook } from '../notebook/load.js';
import { connectServer, getKernelSpecs, startPrivateServer, type JupyterEndpoint } from '../jupyter/server.js';
import { KernelSession } from '../jupyter/kernel.js';
import { decodeExpression, expressionFailure, installExpression } from '../capture/collector.js';
import type { RunInput } from './prepare.js';
import { throwIfAborted } from './stop.js';
import { timed } from './timings.js';
import type { RunOptions } from './types.js';

/** A kernel ready to run cells: started on its server, with nbprov's collector installed. */
export interface RunningKernel {
  endpoint: JupyterEndpoint;
  session: KernelSession;
  /** The kernelspec's name. */
  name: string;
  /** The kernel's environment as the collector reported it at install (python, pid, ...). */
  env: Record<string, unknown>;
  info: KernelMessage.IInfoReply;
}

/**
 * Starts a private server (or connects to `--server`), starts the kernel and installs the collector. On failure it
 * stops what it started and throws (NBPROV_SERVER, NBPROV_UNKNOWN_KERNEL, NBPROV_KERNEL_DIED, NBPROV_INTERRUPTED).
 */
export async function startKernel(input: RunInput, opts: RunOptions): Promise<RunningKernel> {
  const endpoint = await timed(opts.timings, opts.server ? 'server connect' : 'server start → ready', () => openServer(input.cwd, opts));
  try {
    const name = await timed(opts.timings, 'kernel specs', () => chooseKernel(endpoint, input.nb, opts.kernel));
    return await startKernelOn(endpoint, name, opts);
  } catch (err) {
    await endpoint.close({ wait: false });
    throw err;
  }
}

/** A private server rooted at `cwd`, or the `--server` one. */
export function openServer(cwd: string, opts: Pick<RunOptions, 'server' | 'token' | 'headers' | 'jupyter' | 'python' | 'port'>): Promise<JupyterEndpoint> {
  return opts.server
    ? connectServer({ url: opts.server, token: opts.token, headers: opts.headers })
    : startPrivateServer({ jupyter: opts.jupyter, python: opts.python, port: opts.port, rootDir: cwd });
}

/** Starts a kernel on a running server and installs the collector; shuts the kernel down again on failure. */
export async function startKernelOn(endpoint: JupyterEndpoint, name: string, opts: RunOptions): Promise<RunningKernel> {
  throwIfAborted(opts.signal);
  const session = await timed(opts.timings, 'kernel start → kernel_info', () => KernelSession.start(endpoint, {
    name,
    path: endpoint.kind === 'remote' && opts.cwd ? opts.cwd : endpoint.kind === 'private' ? '' : undefined,
    env: opts.kernelEnv,
    startupTimeoutMs: opts.startupTimeoutSec * 1000,
  }));
  try {
    const env = await timed(opts.timings, 'collector install', () => installCollector(endpoint, session, opts));
    return { endpoint, session, name, env, info: await session.info };
  } catch (err) {
    await session.shutdown();
    throw err;
  }
}

/** Shuts the kernel down and closes its endpoint (a private server stops). */
export async function stopKernel({ endpoint, session }: { endpoint: JupyterEndpoint; session?: KernelSession }): Promise<void> {
  // A private server stops its kernels as it exits: one step instead of a DELETE then a SIGTERM, and nothing
  // in it is left to wait for once the trial is committed.
  if (endpoint.kind === 'private') session?.dispose();
  else await session?.shutdown();
  await endpoint.close({ wait: false });
}

/** The kernelspec to run `nb` with: `--kernel`, else the notebook's, else the server's default. */
export async function chooseKernel(endpoint: JupyterEndpoint, nb: LoadedNotebook, requested?: string): Promise<string> {
  const specs = await getKernelSpecs(endpoint.settings);
  const name = requested ?? notebookKernelName(nb) ?? specs.default;
  if (!name || !specs.names.includes(name)) {
    throw new NbprovError('NBPROV_UNKNOWN_KERNEL', `unknown kernel '${name ?? '(none)'}'; the server has: ${specs.names.join(', ') || '(no kernels)'}`, {
      hint: 'pick one with --kernel NAME',
    });
  }
  return name;
}

/** Installs the collector in the kernel and returns the environment it reports. */
async function installCollector(endpoint: JupyterEndpoint, session: KernelSession, opts: RunOptions): Promise<Record<string, unknown>> {
  let kernelPid: number | undefined;
  endpoint.onUnexpectedExit((err) => {
    session.fail(err);
    // A kernel runs in its own session, so the dead server's process group does not take it along.
    if (kernelPid) killQuietly(kernelPid);
  });
  const install = await session
    .execute('', {
      silent: true,
      userExpressions: { env: installExpression({ capture: opts.capture, loopBudget: opts.loopBudget, redact: opts.redact, codeCacheDir: endpoint.kind === 'private' ? userCacheDir() : undefined }) },
      // Part of the kernel's start: bounded by --startup-timeout too.
      timeoutMs: opts.startupTimeoutSec * 1000,
    })
    .catch((err: unknown) => {
      if (!(err instanceof NbprovError && err.code === 'NBPROV_TIMEOUT')) throw err;
      throw new NbprovError('NBPROV_KERNEL_DIED', `the kernel did not answer nbprov's collector install within ${opts.startupTimeoutSec} s`, {
        hint: 'the kernel must be a working IPython kernel (python3); run the notebook without nbprov to see what its start-up does',
      });
    });
  const failed = install.status === 'ok' ? expressionFailure(install.userExpressions, 'env') : install.error;
  const env = decodeExpression<Record<string, unknown>>(install.userExpressions, 'env');
  // A kernel that does not evaluate user_expressions cannot report what its cells did either.
  if (failed || !env) throw installError(failed ?? { ename: 'no result', evalue: 'the kernel does not evaluate user_expressions' });
  if (endpoint.kind === 'private' && typeof env.pid === 'number') kernelPid = env.pid;
  return env;
}

function installError(error: { ename?: string; evalue?: string }): NbprovError {
  // A SyntaxError is in nbprov's own sources (an install or build caught half-way); else the kernel is the cause.
  const ours = error?.ename === 'SyntaxError';
  return new NbprovError('NBPROV_KERNEL_DIED', `the kernel could not load nbprov's collector: ${error?.ename}: ${error?.evalue}`, {
    hint: ours ? "nbprov's collector sources are damaged or were being rebuilt: run `npm run build` (or reinstall) and retry" : 'the kernel must be an IPython kernel (python3)',
  });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
