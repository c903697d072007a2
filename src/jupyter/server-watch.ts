import type { ServerConnection } from '@jupyterlab/services';
import { probeServer } from './rest.js';

/** How long a server may stay silent, once its websocket dropped, before the run gives it up. */
export const SERVER_SILENCE_LIMIT_MS = 4_000;
const PROBE_INTERVAL_MS = 250;
const PROBE_TIMEOUT_MS = 1_500;

/**
 * Watches a server whose kernel websocket dropped. @jupyterlab/services alone never gives up on an unreachable
 * server: its reconnect asks the REST API for the kernel's model and, on a network error, asks again every
 * 10–30 s forever. So: probe the REST API, and call `onLost` once nothing has answered for
 * SERVER_SILENCE_LIMIT_MS. Any HTTP answer counts (the library handles a 404 as a dead kernel itself); the
 * watch ends when `stop()` turns true (reconnected, failed, disposed).
 */
export async function watchServer(settings: ServerConnection.ISettings, path: string, stop: () => boolean, onLost: () => void): Promise<void> {
  let lastAnswer = Date.now();
  while (!stop()) {
    if ((await probeServer(settings, path, PROBE_TIMEOUT_MS)) !== undefined) lastAnswer = Date.now();
    else if (Date.now() - lastAnswer >= SERVER_SILENCE_LIMIT_MS) {
      if (!stop()) onLost();
      return;
    }
    await new Promise((r) => setTimeout(r, PROBE_INTERVAL_MS));
  }
}
