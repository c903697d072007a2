import type { IOutput } from '@jupyterlab/nbformat';
import { KernelConnection, KernelMessage, type Kernel, type ServerConnection } from '@jupyterlab/services';
import { NbprovError } from '../errors.js';
import type { JupyterEndpoint } from './server.js';
import { DisplayRegistry, OutputCollector } from './outputs.js';
import { callServer, isObject, probeServer } from './rest.js';
import { SERVER_SILENCE_LIMIT_MS, watchServer } from './server-watch.js';

// @jupyterlab/services reconnects after a server-side auto-restart in a fire-and-forget promise
// (`void Promise.resolve().then(... await this.reconnect())`); disposing the connection then rejects it
// with nobody listening. That rejection is expected on kernel death; any other still crashes the process.
process.on('unhandledRejection', (reason) => {
  if (reason instanceof Error && reason.message === 'Kernel connection disconnected') return;
  throw reason;
});

/** How long a kernel start waits for a kernel_info reply before asking again. */
const KERNEL_INFO_RETRY_MS = 2_000;

export interface StartKernelOptions {
  name: string;
  /** Working directory relative to the server root (Jupyter Server), also sent as KERNEL_WORKING_DIR (gateways). */
  path?: string;
  /** `KERNEL_*` variables for the start request, which Enterprise Gateway reads to place the kernel. */
  env?: Record<string, string>;
  startupTimeoutMs: number;
}

export interface ExecuteOptions {
  cellId?: string;
  timeoutMs?: number;
  silent?: boolean;
  userExpressions?: Record<string, string>;
  /** Hears each output (stream chunk, display, result, error) the moment the kernel sends it. */
  onOutput?: (output: IOutput) => void;
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
    this.#watchConnection(settings);
    // @jupyterlab/services routes an update_display_data to the future of the cell that first showed the
    // display, which is gone once that cell finished: take every update from the connection instead.
    kernel.iopubMessage.connect((_, msg) => this.#displays.handle(msg));
    this.info = kernel.info;
  }

  /** Starts a kernel and waits for its kernel_info_reply; throws NBPROV_KERNEL_DIED on timeout. */
  static async start(endpoint: JupyterEndpoint, opts: StartKernelOptions): Promise<KernelSession> {
    const model = await withTimeout(
      startKernel(endpoint, opts),
      opts.startupTimeoutMs,
      `kernel '${opts.name}' did not start within ${opts.startupTimeoutMs / 1000} s`,
    );
    const kernel = new KernelConnection({ model, serverSettings: endpoint.settings, handleComms: false });
    const session = new KernelSession(kernel, endpoint.settings);
    // @jupyterlab/services asks for kernel_info once, when the websocket opens; a request that reaches the kernel
    // before its sockets are all connected can go unanswered, and the start then waited out the whole timeout
    // (seen once in ~60 runs on a loaded machine). Ask again while no reply came, as jupyter_client's
    // wait_for_ready does: any reply settles `info`.
    // A kernel whose process never comes up leaves the websocket unopened, so no status tells of its death: the
    // server restarts it a few times, then drops it from its kernels (~18 s), which GET api/kernels/ID shows.
    let asking = false;
    const nudge = setInterval(() => {
      if (kernel.connectionStatus === 'connected') kernel.requestKernelInfo().catch(() => {});
      if (asking) return;
      asking = true;
      void probeServer(endpoint.settings, `api/kernels/${encodeURIComponent(model.id)}`, KERNEL_INFO_RETRY_MS).then((status) => {
        asking = false;
        if (status === 404) session.fail(new NbprovError('NBPROV_KERNEL_DIED', `kernel '${opts.name}' died while starting, and the server gave up restarting it`, { hint: 'start the kernel outside nbprov to see why (its command is in its kernel.json)' }));
      });
    }, KERNEL_INFO_RETRY_MS);
    // A kernel that dies (or is restarted) before it answers will not answer: say so now, not after the timeout.
    let stopWatching = () => {};
    const died = new Promise<never>((_, reject) => (stopWatching = session.#whenDead(reject)));
    died.catch(() => {});
    try {
      await withTimeout(Promise.race([session.info, died]), opts.startupTimeoutMs, `kernel '${opts.name}' started but did not answer within ${opts.startupTimeoutMs / 1000} s`);
    } catch (err) {
      if (err instanceof NbprovError) {
        const websocket = `the kernel's websocket ${kernel.connectionStatus === 'connected' ? 'was open' : 'never opened'}`;
        err.details = [websocket, endpoint.logDetails()].filter(Boolean).join('\n');
      }
      await session.shutdown();
      throw err;
    } finally {
      clearInterval(nudge);
      stopWatching();
    }
    return session;
  }

  /** Executes code and resolves when both execute_reply and IOPub idle arrived. */
  async execute(code: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (this.#death) throw this.#death;
    const timing: Record<string, string> = {};
    const collector = new OutputCollector(this.#displays);
    const future = this.#request(code, opts, collector, timing);
    const failure = this.#failureOf(opts.timeoutMs);
    try {
      const reply = await Promise.race([future.done, failure.promise]);
      return toResult(reply.content, collector.final(), timing);
    } catch (err) {
      throw this.#withPartialOutputs(err, collector.final());
    } finally {
      failure.stop();
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

  /** Sends an execute_request; its IOPub messages feed `collector` and its timestamps `timing`. */
  #request(code: string, opts: ExecuteOptions, collector: OutputCollector, timing: Record<string, string>): Kernel.IShellFuture<KernelMessage.IExecuteRequestMsg, KernelMessage.IExecuteReplyMsg> {
    const future = this.#kernel.requestExecute(
      {
        code,
        silent: opts.silent ?? false,
        store_history: !opts.silent,
        allow_stdin: false,
        stop_on_error: true,
        user_expressions: opts.userExpressions ?? {},
      },
      true,
      opts.cellId ? { cellId: opts.cellId } : undefined,
    );
    const { onOutput } = opts;
    future.onIOPub = (msg) => {
      if (KernelMessage.isStatusMsg(msg)) timing[`iopub.status.${msg.content.execution_state}`] = msg.header.date;
      else if (KernelMessage.isExecuteInputMsg(msg)) timing['iopub.execute_input'] = msg.header.date;
      else if (!onOutput) collector.handle(msg);
      else {
        const output = collector.handle(msg);
        if (output) onOutput(output);
      }
    };
    future.onReply = (msg) => {
      timing['shell.execute_reply'] = msg.header.date;
    };
    return future;
  }

  /** What can end an execution before its reply: the kernel's death, a new websocket, the cell's timeout. */
  #failureOf(timeoutMs?: number): { promise: Promise<never>; stop(): void } {
    let timer: NodeJS.Timeout | undefined;
    let removeDeath = () => {};
    let removeReconnect = () => {};
    const promise = new Promise<never>((_, reject) => {
      removeDeath = this.#whenDead(reject);
      // A new websocket gets new ZMQ sockets on the server: the reply to a request sent on the old one (or a
      // request the server refused, such as one over its websocket message size limit) can never arrive.
      removeReconnect = this.#whenReconnected(() =>
        reject(new NbprovError('NBPROV_SERVER', 'the websocket to the kernel dropped while the cell ran, so its reply is lost', {
          hint: 'a message over the server\'s websocket size limit (10 MiB by default) or a proxy that cuts idle connections drops it',
        })),
      );
      if (timeoutMs) timer = setTimeout(() => reject(new NbprovError('NBPROV_TIMEOUT', `cell exceeded the ${timeoutMs / 1000} s timeout`)), timeoutMs);
    });
    const stop = () => {
      clearTimeout(timer);
      removeDeath();
      removeReconnect();
    };
    return { promise, stop };
  }

  /** The error an execution fails with; the outputs the cell showed until then stay readable by outputsBeforeFailure. */
  #withPartialOutputs(err: unknown, partialOutputs: IOutput[]): NbprovError {
    // The library cancels the future when the kernel restarts; report the death, not the cancellation.
    const failure = err instanceof NbprovError ? err : this.#death;
    if (!failure) return new NbprovError('NBPROV_KERNEL_DIED', `lost the kernel: ${(err as Error).message}`, { cause: err });
    OUTPUTS_BEFORE_FAILURE.set(failure, partialOutputs);
    return failure;
  }

  /**
   * Fails the session when the kernel's websocket is lost for good, or its server stops answering while the
   * library reconnects; tells #whenReconnected listeners when a new websocket opened.
   */
  #watchConnection(settings: ServerConnection.ISettings): void {
    const kernel = this.#kernel;
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

/**
 * Asks the server for a new kernel (POST /api/kernels). Not KernelManager.startNew: its options carry only the
 * kernel's name, and a gateway needs the working directory in the kernel's environment too.
 */
async function startKernel(endpoint: JupyterEndpoint, opts: StartKernelOptions): Promise<Kernel.IModel> {
  const body: Record<string, unknown> = { name: opts.name };
  const env: Record<string, string> = { ...opts.env };
  if (opts.path !== undefined) {
    body.path = opts.path;
    env.KERNEL_WORKING_DIR = opts.path;
  }
  if (Object.keys(env).length) body.env = env;
  try {
    return await callServer(endpoint.settings, {
      method: 'POST',
      path: 'api/kernels',
      body,
      expect: 201,
      validate: (model) => (isObject(model) && typeof model.id === 'string' && typeof model.name === 'string' ? (model as unknown as Kernel.IModel) : 'no kernel id and name'),
      hint: `the server could not start kernel '${opts.name}': check its kernelspec and the server's log`,
    });
  } catch (err) {
    if (err instanceof NbprovError && !err.details) err.details = endpoint.logDetails();
    throw err;
  }
}

function toResult(content: KernelMessage.IExecuteReplyMsg['content'], outputs: IOutput[], timing: Record<string, string>): ExecuteResult {
  const finished = content.status === 'ok' || content.status === 'error';
  const result: ExecuteResult = {
    status: finished ? content.status : 'aborted',
    executionCount: finished ? content.execution_count : null,
    outputs,
    userExpressions: content.status === 'ok' ? content.user_expressions : {},
    timing,
  };
  if (content.status === 'error') result.error = { ename: content.ename, evalue: content.evalue, traceback: content.traceback };
  return result;
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

const OUTPUTS_BEFORE_FAILURE = new WeakMap<NbprovError, IOutput[]>();

/** What a cell showed before its execution failed with `err` (a timeout, an interrupt, the kernel's death). */
export function outputsBeforeFailure(err: NbprovError): IOutput[] {
  return OUTPUTS_BEFORE_FAILURE.get(err) ?? [];
}
