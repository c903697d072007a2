import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServerConnection } from '@jupyterlab/services';
import { NbprovError } from '../errors.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import { launchPrivateServer, type PrivateServerOptions } from './private-server.js';
import { callServer, isObject, makeSettings } from './rest.js';
import { removeStaleServerDirs } from './server-dirs.js';

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
  const endpoint = await launchPrivateServer(jupyter, opts);
  await cleaning;
  endpoint.version = await serverVersion(endpoint.settings);
  return endpoint;
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
 * Throws a ServerError: NBPROV_TOKEN_REJECTED on 401/403, NBPROV_SERVER when unreachable or not a Jupyter API.
 */
export function getKernelSpecs(settings: ServerConnection.ISettings): Promise<KernelSpecs> {
  return callServer(settings, {
    path: 'api/kernelspecs',
    expect: 200,
    validate: (body) => {
      if (!isObject(body)) return 'not a JSON object';
      if (!isObject(body.kernelspecs ?? {})) return 'its kernelspecs is not an object';
      const names = Object.keys(body.kernelspecs ?? {}).sort();
      return { default: typeof body.default === 'string' ? body.default : undefined, names };
    },
    hint: 'is this a Jupyter Server or Kernel/Enterprise Gateway URL?',
  });
}

/** The server's version from GET /api; undefined when it does not tell (gateways) or cannot be asked. */
async function serverVersion(settings: ServerConnection.ISettings): Promise<string | undefined> {
  try {
    const about = await callServer(settings, { path: 'api', expect: 200, validate: (body) => (isObject(body) ? body : 'not an object') });
    return typeof about.version === 'string' ? about.version : undefined;
  } catch {
    return undefined;
  }
}
