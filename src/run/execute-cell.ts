import type { IOutput } from '@jupyterlab/nbformat';
import { NbprovError } from '../errors.js';
import type { CodeCellRef } from '../notebook/load.js';
import { outputsBeforeFailure, type ExecuteResult, type KernelSession } from '../jupyter/kernel.js';
import { DRAIN_EXPRESSION, decodeExpression, expressionError, type CapturePayload } from '../capture/collector.js';
import { LiveLines } from './live-lines.js';
import { OutputMask } from './output-summary.js';
import { stopped, throwIfAborted } from './stop.js';
import type { RunOptions } from './types.js';

type ExecuteOptions = Pick<RunOptions, 'timeoutSec' | 'signal' | 'events' | 'redact'>;

const INTERRUPT_GRACE_MS = 5_000;
const DRAIN_ATTEMPTS = 5;

/** How one cell's execution ended. */
export type CellExecution =
  /** The kernel replied: the cell ran to its end, or raised. */
  | { kind: 'replied'; result: ExecuteResult }
  /** The run stopped in the cell (timeout, Ctrl-C, kernel death, server lost): the outputs it showed until then. */
  | { kind: 'stopped'; error: NbprovError; outputs: IOutput[] };

/** What the collector captured during a cell; `drainFailed` when its drain raised (a recorder error). */
export interface CellCapture {
  payload?: CapturePayload;
  drainFailed: boolean;
}

/**
 * Executes one cell. On timeout or Ctrl-C it interrupts the kernel and gives it a grace period; the run's own
 * failures come back as `stopped`, anything else (a bug) is thrown. With `events.onOutput`, the cell's output goes
 * there line by line as it comes, masked by `mask` (the secrets the earlier cells' captures found).
 */
export async function executeCell(kernel: KernelSession, cell: CodeCellRef, opts: ExecuteOptions, mask?: OutputMask): Promise<CellExecution> {
  const { onOutput } = opts.events ?? {};
  const live = onOutput && new LiveLines((line) => onOutput(cell, line), mask ?? new OutputMask(opts.redact));
  try {
    throwIfAborted(opts.signal);
    const result = await executeInterruptibly(kernel, cell, opts, live);
    if (opts.signal?.aborted) return { kind: 'stopped', error: stopped(opts.signal), outputs: result.outputs };
    return { kind: 'replied', result };
  } catch (err) {
    if (!(err instanceof NbprovError)) throw err;
    return { kind: 'stopped', error: err, outputs: outputsBeforeFailure(err) };
  } finally {
    live?.end();
  }
}

/** The collector's capture of the cell: from the reply, or drained after a failure while the kernel lives. */
export async function captureOf(kernel: KernelSession, execution: CellExecution): Promise<CellCapture> {
  if (execution.kind === 'replied' && execution.result.status === 'ok') {
    const { userExpressions } = execution.result;
    return { payload: decodeExpression<CapturePayload>(userExpressions, 'nbprov'), drainFailed: expressionError(userExpressions, 'nbprov') !== undefined };
  }
  return { payload: kernel.dead ? undefined : await drainAfterFailure(kernel), drainFailed: false };
}

async function executeInterruptibly(kernel: KernelSession, cell: CodeCellRef, opts: ExecuteOptions, live?: LiveLines): Promise<ExecuteResult> {
  const running = kernel.execute(cell.source, {
    cellId: cell.id,
    timeoutMs: opts.timeoutSec ? opts.timeoutSec * 1000 : undefined,
    userExpressions: { nbprov: DRAIN_EXPRESSION },
    onOutput: live && ((output) => live.add(output)),
  });
  const onAbort = () => void kernel.interrupt().catch(() => {});
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await running;
  } catch (err) {
    if (err instanceof NbprovError && err.code === 'NBPROV_TIMEOUT' && !kernel.dead) {
      await kernel.interrupt().catch(() => {});
      await Promise.race([running.catch(() => {}), sleep(INTERRUPT_GRACE_MS)]);
    }
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** After a failing cell the kernel skips user_expressions: fetch the partial capture with a silent execute. */
async function drainAfterFailure(kernel: KernelSession): Promise<CapturePayload | undefined> {
  // After an error ipykernel aborts the execute requests that reach it until its abort flag is cleared on its next
  // loop turn (stop_on_error_timeout, 0 s): a drain sent at once can be aborted on a loaded machine. Ask again.
  for (let attempt = 0; attempt < DRAIN_ATTEMPTS; attempt++) {
    try {
      const r = await kernel.execute('', { silent: true, userExpressions: { nbprov: DRAIN_EXPRESSION }, timeoutMs: 10_000 });
      if (r.status !== 'aborted') return decodeExpression<CapturePayload>(r.userExpressions, 'nbprov');
    } catch {
      return undefined;
    }
    await sleep(20 * (attempt + 1));
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
