import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ServerConnection } from '@jupyterlab/services';
import WebSocket from 'ws';
import { NbprovError, redact } from '../errors.js';
import { packageFile } from '../package-root.js';
import { processAlive } from '../process-alive.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';

/** A Jupyter server (or gateway) nbprov talks to, private or remote. */
export interface JupyterEndpoint {
  readonly settings: ServerConnection.ISettings;
  readonly kind: 'private' | 'remote';
  /** Base URL without any credential. */
  readonly url: string;
  /** Server version from GET /api, when the server tells. */
  version?: string;
  /** Calls back when the server process exits before `close()` (private servers only), with its last log lines. */
  onUnexpectedExit(callback: (err: NbprovError) => void): void;
  /** The last lines of the server's log, as error details (private servers only). */
  logDetails(): string | undefined;
  /**
   * Stops what nbprov started (a no-op for remote servers). With `wait: false` it only asks: the server stops its
   * kernels and exits on its own (and exits hard should it hang, see server_config.py), which spares a CLI run
   * the ~0.3 s shutdown.
   */
  close(opts?: { wait?: boolean }): Promise<void>;
}

export interface KernelSpecs {
  default?: string;
  names: string[];
}

const DEFAULT_SERVER_START_TIMEOUT_MS = 30_000;
const LOG_LINES_KEPT = 40;
const READY_PROBE_TIMEOUT_MS = 2_000;
const PORT_ATTEMPTS = 3;
const SERVER_CONFIG = packageFile('src/jupyter/server_config.py');

export interface PrivateServerOptions {
  /** The `jupyter` executable; defaults to $NBPROV_JUPYTER, else the one next to `python`. */
  jupyter?: string;
  python?: string;
  rootDir: string;
  /** Port on 127.0.0.1 (default: a free one). */
  port?: number;
  startTimeoutMs?: number;
}

/** Resolves which `jupyter` executable a private server runs from (flag, env, or beside the interpreter). */
export function resolveJupyter(opts: { jupyter?: string; python?: string }): string {
  const candidate = opts.jupyter ?? process.env.NBPROV_JUPYTER ?? join(dirname(opts.python ?? DEFAULT_SYSTEM_PYTHON), 'jupyter');
  if (!existsSync(candidate)) {
    throw new NbprovError('NBPROV_SERVER', `jupyter not found at ${candidate}`, {
      hint: 'install it (apt-get install jupyter-server python3-ipykernel) or pass --jupyter PATH / set NBPROV_JUPYTER',
    });
  }
  return candidate;
}

/**
 * Starts a private Jupyter server on 127.0.0.1 with a random token (passed through the environment only),
 * temp runtime/config dirs and the TCP_NODELAY patch. Resolves once it answers authenticated requests.
 */
export async function startPrivateServer(opts: PrivateServerOptions): Promise<JupyterEndpoint> {
  const jupyter = resolveJupyter(opts);
  // Once per run, while the server starts rather than before it (it never fails: see removeStaleServerDirs).
  const cleaning = removeStaleServerDirs();
  const endpoint = await startOnSomePort(jupyter, opts);
  await cleaning;
  return endpoint;
}

async function startOnSomePort(jupyter: string, opts: PrivateServerOptions): Promise<JupyterEndpoint> {
  if (opts.port !== undefined) return startServerOn(opts.port, jupyter, opts);
  // A port found free can be taken by another process before the server binds it (concurrent runs do this).
  for (let attempt = 1; ; attempt++) {
    try {
      return await startServerOn(await freePort(), jupyter, opts);
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt === PORT_ATTEMPTS) throw err;
    }
  }
}

async function startServerOn(port: number, jupyter: string, opts: PrivateServerOptions): Promise<JupyterEndpoint> {
  const token = randomBytes(24).toString('hex');
  const base = await mkdtemp(join(tmpdir(), TEMP_PREFIX));
  await writeFile(join(base, OWNER_FILE), String(process.pid));
  const configDir = join(base, 'config');
  await mkdir(configDir);
  await copyFile(SERVER_CONFIG, join(configDir, 'jupyter_server_config.py'));

  const args = ['server', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--ServerApp.root_dir=${opts.rootDir}`];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const child = spawn(jupyter, args, {
    cwd: opts.rootDir,
    // Own process group: a terminal Ctrl-C reaches nbprov alone, which then shuts the server down in order.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      JUPYTER_TOKEN: token,
      JUPYTER_CONFIG_DIR: configDir,
      JUPYTER_RUNTIME_DIR: join(base, 'runtime'),
      PYDEVD_DISABLE_FILE_VALIDATION: '1',
      NBPROV_PARENT_PID: String(process.pid),
      NBPROV_SERVER_DIR: base,
    },
  });
  const log = new LogTail(token);
  child.stderr!.on('data', (chunk: Buffer) => log.push(chunk.toString('utf8')));
  let exited = false;
  let closing = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const unexpectedExit = (callback: (err: NbprovError) => void) =>
    child.once('exit', (code, signal) => {
      if (closing) return;
      callback(new NbprovError('NBPROV_SERVER', `the Jupyter server exited unexpectedly (${signal ?? `code ${code}`})`, { details: log.details() }));
    });
  child.once('error', (err) => log.push(`spawn error: ${err.message}\n`));

  const url = `http://127.0.0.1:${port}`;
  const settings = makeSettings(url, token, {});
  const endpoint: JupyterEndpoint = {
    settings,
    kind: 'private',
    url,
    onUnexpectedExit: unexpectedExit,
    logDetails: () => log.details(),
    close: async ({ wait = true } = {}) => {
      closing = true;
      if (wait) await stopProcess(child, exitPromise, () => exited);
      else if (!exited) child.kill('SIGTERM');
      // The stderr pipe is shared with the server's kernels: an orphaned kernel must not keep us alive.
      child.stderr?.destroy();
      child.unref();
      // A server still shutting down removes its temp dir itself on the way out (server_config.py); a leftover
      // can never change the run's outcome, and the next run removes it.
      if (exited) await rm(base, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
    },
  };
  try {
    await waitUntilReady(settings, child, () => exited, opts.startTimeoutMs ?? DEFAULT_SERVER_START_TIMEOUT_MS, log, port);
    endpoint.version = await serverVersion(settings);
  } catch (err) {
    await endpoint.close();
    if (err instanceof NbprovError && !err.details) err.details = log.details();
    throw err;
  }
  return endpoint;
}

const TEMP_PREFIX = 'nbprov-jupyter-';
const OWNER_FILE = 'nbprov.pid';

/**
 * Removes private-server temp dirs whose nbprov process is gone (kill -9 while the server was starting, a server
 * that died before its own clean-up): only this user's, only those naming an owner pid that no longer runs.
 */
async function removeStaleServerDirs(): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(tmpdir())).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return;
  }
  await Promise.all(
    names.map(async (name) => {
      const dir = join(tmpdir(), name);
      try {
        const owner = Number(await readFile(join(dir, OWNER_FILE), 'utf8'));
        if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) return;
        await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      } catch {
        // another user's, being made right now, or already gone
      }
    }),
  );
}

export interface RemoteServerOptions {
  url: string;
  token?: string;
  headers?: Record<string, string>;
}

/** Connects to an existing Jupyter Server / Kernel Gateway / Enterprise Gateway, probing the kernels API first. */
export async function connectServer(opts: RemoteServerOptions): Promise<JupyterEndpoint> {
  const url = opts.url.replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) {
    throw new NbprovError('NBPROV_USAGE', `--server must be an http(s) URL, got '${url}'`);
  }
  const settings = makeSettings(url, opts.token ?? '', opts.headers ?? {});
  await getKernelSpecs(settings);
  return {
    settings,
    kind: 'remote',
    url,
    version: await serverVersion(settings),
    onUnexpectedExit: () => {},
    logDetails: () => undefined,
    close: async () => {},
  };
}

/**
 * Lists the server's kernelspecs (GET /api/kernelspecs, which Jupyter Server and both gateways serve).
 * Throws NBPROV_TOKEN_REJECTED on 401/403 and NBPROV_SERVER when unreachable.
 */
export async function getKernelSpecs(settings: ServerConnection.ISettings): Promise<KernelSpecs> {
  const response = await request(settings, 'api/kernelspecs');
  if (response.status === 401 || response.status === 403) {
    throw new NbprovError('NBPROV_TOKEN_REJECTED', `token rejected by ${settings.baseUrl} (HTTP ${response.status})`, {
      hint: 'pass the server token through --token-file FILE or the JUPYTER_TOKEN environment variable',
    });
  }
  if (response.status !== 200) {
    throw new NbprovError('NBPROV_SERVER', `${settings.baseUrl}api/kernelspecs answered HTTP ${response.status}`, {
      hint: 'is this a Jupyter Server or Kernel/Enterprise Gateway URL?',
    });
  }
  const body = (await response.json()) as { default?: string; kernelspecs?: Record<string, unknown> };
  return { default: body.default, names: Object.keys(body.kernelspecs ?? {}).sort() };
}

async function request(settings: ServerConnection.ISettings, path: string): Promise<Response> {
  try {
    return await ServerConnection.makeRequest(settings.baseUrl + path, {}, settings);
  } catch (err) {
    throw new NbprovError('NBPROV_SERVER', `cannot reach Jupyter server at ${settings.baseUrl}: ${redact(String((err as Error).message ?? err), settings.token)}`, {
      hint: 'check the URL and that the server is running',
      cause: err,
    });
  }
}

async function serverVersion(settings: ServerConnection.ISettings): Promise<string | undefined> {
  try {
    const response = await ServerConnection.makeRequest(settings.baseUrl + 'api', {}, settings);
    if (response.status !== 200) return undefined;
    return ((await response.json()) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

function makeSettings(url: string, token: string, headers: Record<string, string>): ServerConnection.ISettings {
  // Proxies may need headers on the websocket upgrade too, which the browser-shaped API cannot pass: subclass ws.
  const WebSocketWithHeaders = class extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
  return ServerConnection.makeSettings({
    baseUrl: url + '/',
    wsUrl: url.replace(/^http/, 'ws') + '/',
    token,
    appendToken: true,
    init: { headers },
    WebSocket: WebSocketWithHeaders as unknown as typeof globalThis.WebSocket,
  });
}

async function waitUntilReady(
  settings: ServerConnection.ISettings,
  child: ChildProcess,
  hasExited: () => boolean,
  timeoutMs: number,
  log: LogTail,
  port: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited()) {
      // Jupyter Server says "[C ServerApp] ERROR: ... because port N is not available" (--port-retries=0).
      if (log.text().includes(`port ${port} is not available`)) {
        throw new PortTakenError('NBPROV_SERVER', `port ${port} on 127.0.0.1 is already in use`, { hint: 'pick another --port or omit it (nbprov then picks a free one)' });
      }
      throw new NbprovError('NBPROV_SERVER', `the Jupyter server exited during start-up (code ${child.exitCode}): ${log.lastLine()}`, {
        hint: 'check the jupyter installation and its configuration; its log follows',
      });
    }
    try {
      // Bounded: whatever else holds the port may accept the connection and never answer.
      const response = await ServerConnection.makeRequest(settings.baseUrl + 'api/kernelspecs', { signal: AbortSignal.timeout(READY_PROBE_TIMEOUT_MS) }, settings);
      if (response.status === 200) return;
      await response.body?.cancel();
    } catch {
      // not listening yet
    }
    await sleep(40);
  }
  throw new NbprovError('NBPROV_SERVER', `the Jupyter server did not start within ${timeoutMs / 1000} s: ${log.lastLine()}`);
}

async function stopProcess(child: ChildProcess, exit: Promise<void>, hasExited: () => boolean): Promise<void> {
  if (hasExited() || child.pid === undefined) return;
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    // SIGKILL the whole group so no kernel is orphaned.
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, 5000);
  await exit;
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

class PortTakenError extends NbprovError {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bounded, token-free tail of a server's log. */
class LogTail {
  #lines: string[] = [];
  #partial = '';
  readonly #token: string;
  constructor(token: string) {
    this.#token = token;
  }
  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) this.#lines.push(redact(line, this.#token));
    if (this.#lines.length > LOG_LINES_KEPT) this.#lines.splice(0, this.#lines.length - LOG_LINES_KEPT);
  }
  text(): string {
    return [...this.#lines, redact(this.#partial, this.#token)].filter(Boolean).join('\n');
  }
  /** The last lines under a heading, as an error's details; undefined while the server has said nothing. */
  details(): string | undefined {
    const text = this.text();
    return text ? `server log (last lines):\n${text.split('\n').slice(-8).join('\n')}` : undefined;
  }
  lastLine(): string {
    const lines = this.text().split('\n').filter((l) => l.trim());
    return lines.slice(-3).join(' | ') || '(no output)';
  }
}
