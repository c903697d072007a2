import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageFile } from '../package-root.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import type { LogTail } from './log-tail.js';

const FORK_SERVER = packageFile('src/jupyter/kernel_fork/forkserver.py');
/** Unix socket paths are limited to 107 bytes. */
const MAX_SOCKET_PATH = 107;

/** Where a private server's kernel fork server (src/jupyter/kernel_fork/) listens, and which python it runs. */
export interface KernelForkPlan {
  socket: string;
  python: string;
}

/**
 * The fork server a private server with runtime dir `runtimeDir` gets; undefined when NBPROV_KERNEL_FORK=0 or the
 * socket path would be too long (a long $TMPDIR): its kernels are then launched as usual.
 */
export function planKernelFork(runtimeDir: string, python = DEFAULT_SYSTEM_PYTHON): KernelForkPlan | undefined {
  const socket = join(runtimeDir, 'kernel-fork.sock');
  if (process.env.NBPROV_KERNEL_FORK === '0' || Buffer.byteLength(socket) > MAX_SOCKET_PATH) return undefined;
  return { socket, python };
}

/** For the server's environment: where its provisioner (server_config.py) finds the fork server. */
export function kernelForkEnv(plan: KernelForkPlan | undefined): Record<string, string> {
  return plan ? { NBPROV_KERNEL_FORK_SOCKET: plan.socket, NBPROV_KERNEL_FORK_PYTHON: plan.python } : {};
}

/**
 * Starts the fork server beside the private server `serverPid`, so that ipykernel imports while the server starts
 * rather than after. It lives as long as that server; its kernels write to the server's log, as launched ones do.
 */
export function startKernelForkServer(plan: KernelForkPlan, serverPid: number, log: LogTail): ChildProcess {
  const child = spawn(plan.python, [FORK_SERVER, plan.socket, String(serverPid)], {
    // Its own process group, as the server's: a terminal Ctrl-C reaches nbprov alone.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
  });
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  // A fork server that cannot start leaves the kernels to be launched as usual: nothing to report here.
  child.once('error', () => {});
  return child;
}
