import { ServerConnection } from '@jupyterlab/services';
import { get } from 'node:http';
import WebSocket from 'ws';
import { NbprovError, redact, type ErrorCode } from '../errors.js';

/**
 * A REST call to a Jupyter server that failed: no answer, an unexpected status, or a body not of the expected
 * shape. Carries the request (method, path) and the status, and says in one line what to do.
 */
export class ServerError extends NbprovError {
  readonly method: string;
  readonly path: string;
  /** Undefined when the server could not be reached at all. */
  readonly status?: number;

  constructor(request: { method: string; path: string; status?: number }, code: ErrorCode, message: string, opts: { hint?: string; cause?: unknown } = {}) {
    super(code, message, opts);
    this.name = 'ServerError';
    this.method = request.method;
    this.path = request.path;
    this.status = request.status;
  }
}

/** One REST call: what to send, the status that means success, and how to tell a well-formed body. */
export interface RestCall<T> {
  method?: 'GET' | 'POST';
  path: string;
  body?: unknown;
  expect: number;
  /** The parsed JSON body as T, or a few words saying what is wrong with it. */
  validate: (body: unknown) => T | string;
  /** What the user should check when the server answers something other than `expect`. */
  hint?: string;
}

const TOKEN_HINT = 'pass the server token through --token-file FILE or the JUPYTER_TOKEN environment variable';
const SERVER_MESSAGE_CHARS = 200;

/**
 * Makes a REST call the way @jupyterlab/services' restapi.ts does (expected status, then a validated model),
 * but every failure is a ServerError users can act on, never the library's ResponseError or NetworkError.
 */
export async function callServer<T>(settings: ServerConnection.ISettings, call: RestCall<T>): Promise<T> {
  const method = call.method ?? 'GET';
  const request = { method, path: call.path };
  const response = await send(settings, request, call.body === undefined ? {} : { body: JSON.stringify(call.body) });
  const status = { ...request, status: response.status };
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new ServerError(status, 'NBPROV_TOKEN_REJECTED', `token rejected by ${settings.baseUrl} (HTTP ${response.status})`, { hint: TOKEN_HINT });
  }
  const where = `${method === 'GET' ? '' : `${method} `}${settings.baseUrl}${call.path}`;
  if (response.status !== call.expect) {
    const said = serverMessage(text, settings.token);
    throw new ServerError(status, 'NBPROV_SERVER', `${where} answered HTTP ${response.status}${said ? `: ${said}` : ''}`, { hint: call.hint });
  }
  const checked = parseBody(text, call.validate);
  if (typeof checked === 'string') throw new ServerError(status, 'NBPROV_SERVER', `${where} answered an unexpected body: ${checked}`, { hint: call.hint });
  return checked.value;
}

/**
 * Asks `path` once, within `timeoutMs`: the status of any HTTP answer, or undefined when none came. For
 * liveness probes, where any answer counts and the body does not matter.
 */
export async function probeServer(settings: ServerConnection.ISettings, path: string, timeoutMs: number): Promise<number | undefined> {
  try {
    const response = await ServerConnection.makeRequest(settings.baseUrl + path, { signal: AbortSignal.timeout(timeoutMs) }, settings);
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

/**
 * The status of one token-authenticated GET of `path` on a local http server, or undefined when none came within
 * `timeoutMs`. Over node:http rather than fetch: Node compiles its fetch (undici) on first use, ~45 ms of CPU that
 * a private server's start-up would otherwise compete with for the same cores.
 */
export function probeLocalServer(url: string, token: string, path: string, timeoutMs: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const request = get(`${url}/${path}`, { headers: { Authorization: `token ${token}` }, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.once('timeout', () => request.destroy());
    request.once('error', () => resolve(undefined));
  });
}

/** Connection settings for a server at `url` (no trailing slash), with the token and extra headers for REST and websockets. */
export function makeSettings(url: string, token: string, headers: Record<string, string>): ServerConnection.ISettings {
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

async function send(settings: ServerConnection.ISettings, request: { method: string; path: string }, init: RequestInit): Promise<Response> {
  try {
    return await ServerConnection.makeRequest(settings.baseUrl + request.path, { ...init, method: request.method }, settings);
  } catch (err) {
    throw new ServerError(request, 'NBPROV_SERVER', `cannot reach Jupyter server at ${settings.baseUrl}: ${redact(String((err as Error).message ?? err), settings.token)}`, {
      hint: 'check the URL and that the server is running',
      cause: err,
    });
  }
}

function parseBody<T>(text: string, validate: (body: unknown) => T | string): { value: T } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  const value = validate(body);
  return typeof value === 'string' ? value : { value };
}

/** The first line of the `message` a Jupyter server puts in an error body, bounded and without the token. */
function serverMessage(text: string, token: string): string | undefined {
  try {
    const message = (JSON.parse(text) as { message?: unknown }).message;
    if (typeof message !== 'string' || !message.trim()) return undefined;
    return redact(message.trim().split('\n')[0], token).slice(0, SERVER_MESSAGE_CHARS);
  } catch {
    return undefined;
  }
}

/** True for a JSON object (not an array or null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
