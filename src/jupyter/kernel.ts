import type { IOutput } from '@jupyterlab/nbformat';
import { KernelMessage, type Kernel, type ServerConnection } from '@jupyterlab/services';
import { KernelConnection } from '@jupyterlab/services/lib/kernel/default.js';
import * as restapi from '@jupyterlab/services/lib/kernel/restapi.js';
import { NbprovError } from '../errors.js';
import type { JupyterEndpoint } from './server.js';
import { DisplayRegistry, OutputCollector } from './outputs.js';
import { SERVER_SILENCE_LIMIT_MS, watchServer } from './server-watch.js';

// @jupyterlab/services reconnects after a server-side auto-restart in a fire-and-forget promise
// (`void Promise.resolve().then(... await this.reconnect())`); disposing the connection then rejects it
// with nobody listening. That rejection is expected on kernel death; any other still crashes the process.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof Error && reason.message === 'Kernel connection disconnected') return;
  throw reason;
});

export interface StartKernelOptions {
  name: string;
  /** Working directory relative to the server root (Jupyter Server), also sent as KERNEL_WORKING_DIR (gateways). */
  path?: string;
  startupTimeoutMs: number;
}

export interface ExecuteOptions {
  cellId?: string;
  timeoutMs?: number;
  silent?: boolean;
  storeHistory?: boolean;
  userExpressions?: Record<string, string>;
  /** Called whenever the cell's outputs change (live progress). */
  onOutput?: (outputs: IOutput[]) => void;
}

export interface ExecuteResult {
  status: 'ok' | 'error' | 'aborted';
  executionCount: number | null;
  outputs: IOutput[];
  userExpressions: Record<string, unknown>;
  error?: { ename: string; evalue: string; traceback: string[] };
  /** Timestamps as nbclient records them in `metadata.execution`. */
  timing: Record<string, string>;
}

/**
 * One kernel on a Jupyter endpoint. Any restart — the server silently auto-restarts a dead kernel — is treated
 * as death: the running execution fails with NBPROV_KERNEL_DIED and no later cell runs in a fresh kernel.
 */
export class KernelSession {
  readonly #kernel: Kernel.IKernelConnection;
  #death?: NbprovError;
  #onDeath: ((err: NbprovError) => void)[] = [];
  #onReconnect: (() => void)[] = [];
  /** display_id → outputs, across cells: an update from a later cell replaces them in every earlier one. */
  readonly #displays = new DisplayRegistry();
  readonly info: Promise<KernelMessage.IInfoReply>;

  private constructor(kernel: Kernel.IKernelConnection, settings: ServerConnection.ISettings) {
    this.#kernel = kernel;
    kernel.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'autorestarting' || status === 'dead') this.#die(`kernel ${status === 'dead' ? 'died' : 'died and the server restarted it'}`);
    });
    const lost = (why: string) =>
      this.fail(new NbprovError('NBPROV_SERVER', `lost the connection to the Jupyter server at ${settings.baseUrl} (${why})`, { hint: 'is the server still running and reachable?' }));
    let watching = false;
    let reconnecting = false;
    kernel.connectionStatusChanged.connect((_, status) => {
      if (status === 'connecting') reconnecting = true;
      if (status === 'connected' && reconnecting) {
        reconnecting = false;
        for (const listener of this.#onReconnect) listener();
      }
      // The websocket dropped and the library is reconnecting: find out whether the server is still there.
      if (status === 'connecting' && !watching) {
        watching = true;
        const done = () => this.#death !== undefined || kernel.isDisposed || kernel.connectionStatus === 'connected';
        void watchServer(settings, `api/kernels/${encodeURIComponent(kernel.id)}`, done, () => lost(`no answer for ${SERVER_SILENCE_LIMIT_MS / 1000} s`)).finally(() => (watching = false));
      }
      if (status === 'disconnected' && !kernel.isDisposed) lost('the websocket could not reconnect');
    });
    // @jupyterlab/services routes an update_display_data to the future of the cell that first showed the
    // display, which is gone once that cell finished: take every update from the connection instead.
    kernel.iopubMessage.connect((_, msg) => this.#displays.handle(msg));
    this.info = kernel.info;
  }

  /** Starts a kernel and waits for its kernel_info_reply; throws NBPROV_KERNEL_DIED on timeout. */
  static async start(endpoint: JupyterEndpoint, opts: StartKernelOptions): Promise<KernelSession> {
    const body: Record<string, unknown> = { name: opts.name };
    if (opts.path !== undefined) {
      body.path = opts.path;
      body.env = { KERNEL_WORKING_DIR: opts.path };
    }
    const model = await withTimeout(
      restapi.startNew(body as restapi.IKernelOptions, endpoint.settings),
      opts.startupTimeoutMs,
      `kernel '${opts.name}' did not start within ${opts.startupTimeoutMs / 1000} s`,
    );
    const kernel = new KernelConnection({ model, serverSettings: endpoint.settings, handleComms: false });
    const session = new KernelSession(kernel, endpoint.settings);
    try {
      await withTimeout(session.info, opts.startupTimeoutMs, `kernel '${opts.name}' started but did not answer within ${opts.startupTimeoutMs / 1000} s`);
    } catch (err) {
      if (err instanceof NbprovError) {
        const websocket = `the kernel's websocket ${kernel.connectionStatus === 'connected' ? 'was open' : 'never opened'}`;
        err.details = [websocket, endpoint.logDetails()].filter(Boolean).join('\n');
      }
      await session.shutdown();
      throw err;
    }
    return session;
  }

  get id(): string {
    return this.#kernel.id;
  }

  /** Executes code and resolves when both execute_reply and IOPub idle arrived. */
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.#death) throw this.#death;
    const timing: Record<string, string> = {};
    const collector = new OutputCollector(this.#displays);
    const future = this.#kernel.requestExecute(
      {
        code,
        silent: opts.silent ?? false,
        store_history: opts.storeHistory ?? !opts.silent,
        allow_stdin: false,
        stop_on_error: true,
        user_expressions: opts.userExpressions ?? {},
      },
      true,
      opts.cellId ? { cellId: opts.cellId } : undefined,
    );
    future.onIOPub = (msg) => {
      if (KernelMessage.isStatusMsg(msg)) timing[`iopub.status.${msg.content.execution_state}`] = msg.header.date;
      else if (KernelMessage.isExecuteInputMsg(msg)) timing['iopub.execute_input'] = msg.header.date;
      else if (collector.handle(msg)) opts.onOutput?.(collector.outputs);
    };
    future.onReply = (msg) => {
      timing['shell.execute_reply'] = msg.header.date;
    };

    let timer: NodeJS.Timeout | undefined;
    let removeDeath = () => {};
    let removeReconnect = () => {};
    const failure = new Promise<never>((_, reject) => {
      removeDeath = this.#whenDead(reject);
      // A new websocket gets new ZMQ sockets on the server: the reply to a request sent on the old one (or a
      // request the server refused, such as one over its websocket message size limit) can never arrive.
      removeReconnect = this.#whenReconnected(() =>
        reject(new NbprovError('NBPROV_SERVER', 'the websocket to the kernel dropped while the cell ran, so its reply is lost', {
          hint: 'a message over the server\'s websocket size limit (10 MiB by default) or a proxy that cuts idle connections drops it',
        })),
      );
      if (opts.timeoutMs) {
        timer = setTimeout(() => reject(new NbprovError('NBPROV_TIMEOUT', `cell exceeded the ${opts.timeoutMs! / 1000} s timeout`)), opts.timeoutMs);
      }
    });
    try {
      const reply = await Promise.race([future.done, failure]);
      const content = reply.content;
      const result: ExecuteResult = {
        status: content.status === 'ok' || content.status === 'error' ? content.status : 'aborted',
        executionCount: content.status === 'ok' || content.status === 'error' ? content.execution_count : null,
        outputs: collector.final(),
        userExpressions: content.status === 'ok' ? content.user_expressions : {},
        timing,
      };
      if (content.status === 'error') result.error = { ename: content.ename, evalue: content.evalue, traceback: content.traceback };
      return result;
    } catch (err) {
      if (err instanceof NbprovError) {
        (err as NbprovError & { partialOutputs?: IOutput[] }).partialOutputs = collector.final();
        throw err;
      }
      // The library cancels the future when the kernel restarts; report the death, not the cancellation.
      if (this.#death) throw Object.assign(this.#death, { partialOutputs: collector.final() });
      throw new NbprovError('NBPROV_KERNEL_DIED', `lost the kernel: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
      removeDeath();
      removeReconnect();
      future.dispose();
    }
  }

  /** Interrupts the running cell; resolves once the server accepted the request. */
  async interrupt(): Promise<void> {
    if (!this.#death) await this.#kernel.interrupt();
  }

  get dead(): boolean {
    return this.#death !== undefined;
  }

  /** Shuts the kernel down on the server, ignoring a kernel that is already gone. */
  async shutdown(): Promise<void> {
    // A lost server cannot be asked for anything; asking would only wait for the request to time out.
    if (this.#death?.code === 'NBPROV_SERVER') return this.dispose();
    try {
      await withTimeout(this.#kernel.shutdown(), 10_000, 'kernel shutdown timed out');
    } catch {
      // already dead or server gone: nothing left to stop from here
    } finally {
      this.#kernel.dispose();
    }
  }

  /** Drops the connection only: for a private server, which shuts its kernels down itself when stopped. */
  dispose(): void {
    this.#kernel.dispose();
  }

  /** Fails the running execution (and every later one) with `err`: the kernel or its server is gone. */
  fail(err: NbprovError): void {
    if (this.#death) return;
    this.#death = err;
    for (const listener of this.#onDeath) listener(err);
  }

  #die(message: string): void {
    this.fail(new NbprovError('NBPROV_KERNEL_DIED', message, { hint: 'the cell may have crashed the interpreter or run out of memory' }));
  }

  #whenReconnected(listener: () => void): () => void {
    this.#onReconnect.push(listener);
    return () => {
      this.#onReconnect = this.#onReconnect.filter((l) => l !== listener);
    };
  }

  #whenDead(listener: (err: NbprovError) => void): () => void {
    this.#onDeath.push(listener);
    return () => {
      this.#onDeath = this.#onDeath.filter((l) => l !== listener);
    };
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NbprovError('NBPROV_KERNEL_DIED', message, { hint: 'raise --startup-timeout for slow remote kernels' })), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
