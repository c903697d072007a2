import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { ServerConnection } from '@jupyterlab/services';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NbprovError } from '../errors.js';
import { packageFile } from '../package-root.js';
import { kernelForkEnv, planKernelFork, startKernelForkServer } from './kernel-fork.js';
import { LogTail } from './log-tail.js';
import { makeSettings, probeLocalServer } from './rest.js';
import { makeServerDir, removeServerDir, type ServerDir } from './server-dirs.js';
import type { JupyterEndpoint } from './server.js';

export interface PrivateServerOptions {
  /** The `jupyter` executable; defaults to $NBPROV_JUPYTER, else the one next to `python`. */
  jupyter?: string;
  python?: string;
  rootDir: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  startTimeoutMs?: number;
}

const DEFAULT_SERVER_START_TIMEOUT_MS = 30_000;
const READY_PROBE_TIMEOUT_MS = 2_000;
const PORT_ATTEMPTS = 3;
const KILL_AFTER_MS = 5_000;
const SERVER_LAUNCHER = packageFile('src/jupyter/server_launch.py');

/** Starts `jupyter server` on 127.0.0.1 (on `opts.port`, else on a free port) and resolves once it answers. */
export async function launchPrivateServer(jupyter: string, opts: PrivateServerOptions): Promise<JupyterEndpoint> {
  if (opts.port !== undefined) return launchOn(opts.port, jupyter, opts);
  // A port found free can be taken by another process before the server binds it (concurrent runs do this).
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOn(await freePort(), jupyter, opts);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt === PORT_ATTEMPTS) throw err;
    }
  }
}

async function launchOn(port: number, jupyter: string, opts: PrivateServerOptions): Promise<JupyterEndpoint> {
  const token = randomBytes(24).toString('hex');
  const dir = await makeServerDir();
  const server = spawnServer(jupyter, port, opts, token, dir);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilReady(url, token, server, opts.startTimeoutMs ?? DEFAULT_SERVER_START_TIMEOUT_MS, port);
  } catch (err) {
    await closeServer(server, dir, true);
    if (err instanceof NbprovError && !err.details) err.details = server.log.details();
    throw err;
  }
  // Made once the server answers: the settings load Node's fetch, which is CPU the start-up needs (probeLocalServer).
  return privateEndpoint(server, url, makeSettings(url, token, {}), dir);
}

/** A running `jupyter server` process with its log tail, and whether it has exited. */
interface ServerProcess {
  child: ChildProcess;
  /** Its kernel fork server (kernel-fork.ts), which exits by itself once the server is gone. */
  forkServer?: ChildProcess;
  log: LogTail;
  exited: Promise<void>;
  hasExited(): boolean;
}

/**
 * Spawns the server with the token passed through the environment only, its temp config/runtime dirs and the
 * TCP_NODELAY patch, and its kernel fork server beside it.
 */
function spawnServer(jupyter: string, port: number, opts: PrivateServerOptions, token: string, dir: ServerDir): ServerProcess {
  const { rootDir } = opts;
  const [command, ...args] = [...serverCommand(jupyter), '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--ServerApp.root_dir=${rootDir}`];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const fork = planKernelFork(dir.runtimeDir, opts.python);
  const child = spawn(command, args, {
    cwd: rootDir,
    // Own process group: a terminal Ctrl-C reaches nbprov alone, which then shuts the server down in order.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      JUPYTER_TOKEN: token,
      JUPYTER_CONFIG_DIR: dir.configDir,
      JUPYTER_RUNTIME_DIR: dir.runtimeDir,
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
      NBPROV_PARENT_PID: String(process.pid),
      NBPROV_SERVER_DIR: dir.base,
      ...kernelForkEnv(fork),
    },
  });
  const log = new LogTail(token);
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  child.once('error', (err) => log.push(`spawn error: ${err.message}\n`));
  const forkServer = fork && child.pid !== undefined ? startKernelForkServer(fork, child.pid, log) : undefined;
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  return { child, forkServer, log, exited: exitPromise, hasExited: () => exited };
}

function privateEndpoint(server: ServerProcess, url: string, settings: ServerConnection.ISettings, dir: ServerDir): JupyterEndpoint {
  const { child, log } = server;
  let closing = false;
  return {
    settings,
    kind: 'private',
    url,
    onUnexpectedExit: (callback) =>
      child.once('exit', (code, signal) => {
        if (closing) return;
        callback(new NbprovError('NBPROV_SERVER', `the Jupyter server exited unexpectedly (${signal ?? `code ${code}`})`, { details: log.details() }));
      }),
    logDetails: () => log.details(),
    close: async ({ wait = true } = {}) => {
      closing = true;
      await closeServer(server, dir, wait);
    },
  };
}

/** Stops the server (waiting for it to exit when `wait`), lets go of its pipes, and removes its temp dir if it is gone. */
async function closeServer(server: ServerProcess, dir: ServerDir, wait: boolean): Promise<void> {
  if (wait) await stopProcess(server);
  else if (!server.hasExited()) server.child.kill('SIGTERM');
  // The stderr pipes are shared with the kernels: an orphaned kernel must not keep us alive. The fork server
  // goes once the server has.
  for (const process of [server.child, server.forkServer]) {
    process?.stderr?.destroy();
    process?.unref();
  }
  // A server still shutting down removes its temp dir itself on the way out (server_config.py); a leftover
  // can never change the run's outcome, and the next run removes it.
  if (server.hasExited()) await removeServerDir(dir);
}

async function waitUntilReady(url: string, token: string, server: ServerProcess, timeoutMs: number, port: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.hasExited()) throw startUpFailure(server, port);
    // Bounded: whatever else holds the port may accept the connection and never answer.
    if ((await probeLocalServer(url, token, 'api/kernelspecs', READY_PROBE_TIMEOUT_MS)) === 200) return;
    // Probe again after the server's next log line ("... is running at:" comes once it listens), or 40 ms.
    await server.log.nextLine(40);
  }
  throw new NbprovError('NBPROV_SERVER', `the Jupyter server did not start within ${timeoutMs / 1000} s: ${server.log.lastLine()}`);
}

function startUpFailure(server: ServerProcess, port: number): NbprovError {
  // Jupyter Server says "[C ServerApp] ERROR: ... because port N is not available" (--port-retries=0).
  if (server.log.text().includes(`port ${port} is not available`)) {
    return new PortTakenError('NBPROV_SERVER', `port ${port} on 127.0.0.1 is already in use`, { hint: 'pick another --port or omit it (nbprov then picks a free one)' });
  }
  return new NbprovError('NBPROV_SERVER', `the Jupyter server exited during start-up (code ${server.child.exitCode}): ${server.log.lastLine()}`, {
    hint: 'check the jupyter installation and its configuration; its log follows',
  });
}

async function stopProcess(server: ServerProcess): Promise<void> {
  const pid = server.child.pid;
  if (server.hasExited() || pid === undefined) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    // SIGKILL the whole group so no kernel is orphaned (the fork server then kills the kernels it forked).
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, KILL_AFTER_MS);
  await server.exited;
  clearTimeout(timer);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * How to start `jupyter server`: through server_launch.py, with the interpreter named on the first line of the
 * `jupyter-server` script beside `jupyter` (Debian's and pip's layouts); else the script itself, else `jupyter
 * server` (the `jupyter` launcher only starts Python to exec `jupyter-server`, a second interpreter start-up).
 */
function serverCommand(jupyter: string): string[] {
  const script = join(dirname(jupyter), 'jupyter-server');
  if (!existsSync(script)) return [jupyter, 'server'];
  const python = scriptInterpreter(script);
  return python ? [python, SERVER_LAUNCHER, script] : [script];
}

/** The python of a script's `#!/path/to/python3` line; undefined for any other first line (`#!/bin/sh` wrappers). */
function scriptInterpreter(script: string): string | undefined {
  let head: string;
  let fd: number | undefined;
  try {
    fd = openSync(script, 'r');
    const buffer = Buffer.alloc(512);
    head = buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const shebang = /^#!(\/\S*\/python[0-9.]*)[ \t]*\r?\n/.exec(head)?.[1];
  return shebang && existsSync(shebang) ? shebang : undefined;
}

class PortTakenError extends NbprovError {}

