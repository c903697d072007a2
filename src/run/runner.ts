import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { IOutput } from '@jupyterlab/nbformat';
import { ExitCode, NbprovError } from '../errors.js';
import { assertCellsSendable, loadNotebook, notebookKernelName, type CodeCellRef, type LoadedNotebook } from '../notebook/load.js';
import { connectServer, getKernelSpecs, startPrivateServer, type JupyterEndpoint } from '../jupyter/server.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import { KernelSession, type ExecuteResult } from '../jupyter/kernel.js';
import type { KernelMessage } from '@jupyterlab/services';
import type Database from 'better-sqlite3';
import { openDatabase, prepareDatabaseDirectory, projectRoot, resolveDbPath, storageError } from '../store/db.js';
import { TrialWriter, type TrialStatus } from '../store/trial-writer.js';
import { CaptureWriter } from '../store/capture-writer.js';
import {
  DRAIN_EXPRESSION, ENVIRONMENT_EXPRESSION, decodeExpression, expressionError, installCode,
  type CaptureMode, type CapturePayload,
} from '../capture/collector.js';
import { writeExecutedNotebook, type ExecutedCell } from './executed-notebook.js';
import { injectParameters, type RawParameter } from '../notebook/parameters.js';
import { cellStages } from '../notebook/tags.js';
import { recordTags } from './trial-tags.js';
import { OutputMask, summarizeOutputs } from './output-summary.js';
import { NBPROV_VERSION } from '../version.js';

export interface RunOptions {
  notebook: string;
  /** `-p` / `-r` / `-f` values, injected papermill-style. */
  parameters?: RawParameter[];
  strictParameters?: boolean;
  /** `--inject-after CELL`: where the injected cell goes when it is not after the `parameters` cell. */
  injectAfter?: string;
  /** The `-f` file the file parameters came from, for messages. */
  parameterFile?: string;
  db?: string;
  kernel?: string;
  server?: string;
  token?: string;
  headers?: Record<string, string>;
  jupyter?: string;
  python?: string;
  /** Port of the private server (default: a free one). */
  port?: number;
  cwd?: string;
  output?: string;
  timeoutSec?: number;
  startupTimeoutSec: number;
  allowErrors: boolean;
  capture: CaptureMode;
  loopBudget: number;
  redact: boolean;
  /** The command line as recorded in `trial.command` (never holds a token). */
  command: string;
  events?: RunEvents;
  /** Aborted on Ctrl-C, SIGTERM or SIGHUP (the abort's reason): the running cell is interrupted and the trial closes as `interrupted`. */
  signal?: AbortSignal;
}

export interface RunEvents {
  onStart?(info: { trial: number; cells: number; kernel: string; server: string }): void;
  onCellStart?(cell: CodeCellRef, position: number, total: number): void;
  onCellEnd?(cell: CodeCellRef, status: string, seconds: number): void;
  onWarning?(message: string): void;
}

export interface RunResult {
  trialId: string;
  sequence: number;
  status: Exclude<TrialStatus, 'running'>;
  cellsOk: number;
  cellsFailed: number;
  /** Failures of cells tagged `raises-exception`: expected, so they do not fail the run (as in nbclient). */
  cellsFailedExpected: number;
  cellsSkipped: number;
  cellsTotal: number;
  seconds: number;
  dbPath: string;
  /** Set when the trial did not finish: what stopped it. */
  error?: NbprovError;
  recorderErrors: number;
}

const STATUS_BY_ERROR: Partial<Record<string, Exclude<TrialStatus, 'running'>>> = {
  NBPROV_KERNEL_DIED: 'kernel-died',
  NBPROV_TIMEOUT: 'timed-out',
  NBPROV_INTERRUPTED: 'interrupted',
  NBPROV_SERVER: 'server-lost',
};
const INTERRUPT_GRACE_MS = 5_000;
const DRAIN_ATTEMPTS = 5;

/**
 * Runs a notebook as one trial: validate → server → kernel → collector → each cell executed and committed →
 * trial closed → executed notebook written → kernel and (private) server stopped, on every path.
 */
export async function runNotebook(opts: RunOptions): Promise<RunResult> {
  const notebookPath = resolve(opts.notebook);
  if (opts.injectAfter !== undefined && !opts.parameters?.length) throw new NbprovError('NBPROV_USAGE', '--inject-after places the -p values: pass some with -p, -r or -f');
  const injection = opts.parameters?.length
    ? injectParameters(loadNotebook(notebookPath), opts.parameters, {
        strict: opts.strictParameters === true,
        injectAfter: opts.injectAfter,
        python: opts.python ?? DEFAULT_SYSTEM_PYTHON,
        parameterFile: opts.parameterFile,
      })
    : undefined;
  for (const warning of injection?.warnings ?? []) opts.events?.onWarning?.(warning);
  const nb = injection?.notebook ?? loadNotebook(notebookPath);
  assertCellsSendable(nb);
  const cwd = resolve(opts.cwd ?? dirname(notebookPath));
  if (opts.output && !existsSync(dirname(resolve(opts.output)))) {
    throw new NbprovError('NBPROV_USAGE', `-o ${opts.output}: directory ${dirname(resolve(opts.output))} does not exist`);
  }
  if (!existsSync(cwd)) throw new NbprovError('NBPROV_USAGE', `--cwd ${cwd} does not exist`);
  const dbPath = resolveDbPath({ db: opts.db, notebook: notebookPath });
  // A database that is not SQLite or comes from a newer nbprov, or a place where none can be created, is refused
  // before a server starts; directories made for a trial that never gets written are removed again.
  const dbExisted = existsSync(dbPath);
  let undoDirectory: (() => void) | undefined = prepareDatabaseDirectory(dbPath);
  if (dbExisted) openDatabase(dbPath, { create: true }).close();
  const started = performance.now();
  let endpoint: JupyterEndpoint | undefined;
  let kernel: KernelSession | undefined;
  try {
    endpoint = opts.server
      ? await connectServer({ url: opts.server, token: opts.token, headers: opts.headers })
      : await startPrivateServer({ jupyter: opts.jupyter, python: opts.python, port: opts.port, rootDir: cwd });
    const kernelName = await chooseKernel(endpoint, nb, opts.kernel);
    throwIfAborted(opts.signal);
    kernel = await KernelSession.start(endpoint, {
      name: kernelName,
      path: endpoint.kind === 'remote' && opts.cwd ? opts.cwd : endpoint.kind === 'private' ? '' : undefined,
      startupTimeoutMs: opts.startupTimeoutSec * 1000,
    });
    const session = kernel;
    let kernelPid: number | undefined;
    endpoint.onUnexpectedExit((err) => {
      session.fail(err);
      // A kernel runs in its own session, so the dead server's process group does not take it along.
      if (kernelPid) killQuietly(kernelPid);
    });
    const install = await kernel.execute(installCode({ capture: opts.capture, loopBudget: opts.loopBudget, redact: opts.redact }), {
      silent: true,
      userExpressions: { env: ENVIRONMENT_EXPRESSION },
      timeoutMs: 60_000,
    });
    if (install.status !== 'ok') {
      // A SyntaxError is in nbprov's own sources (an install or build caught half-way); else the kernel is the cause.
      const ours = install.error?.ename === 'SyntaxError';
      throw new NbprovError('NBPROV_KERNEL_DIED', `the kernel could not load nbprov's collector: ${install.error?.ename}: ${install.error?.evalue}`, {
        hint: ours ? "nbprov's collector sources are damaged or were being rebuilt: run `npm run build` (or reinstall) and retry" : 'the kernel must be an IPython kernel (python3)',
      });
    }
    const kernelEnv = decodeExpression<Record<string, unknown>>(install.userExpressions, 'env') ?? {};
    if (endpoint.kind === 'private' && typeof kernelEnv.pid === 'number') kernelPid = kernelEnv.pid;
    const info = await kernel.info;

    const db = openDatabase(dbPath, { create: true });
    undoDirectory = undefined;
    try {
      return await recordTrial({ db, dbPath, notebookPath, nb, cwd, kernel, kernelName, kernelEnv, info, endpoint, parameters: injection?.parameters, started }, opts);
    } catch (err) {
      throw storageError(err, dbPath) ?? err;
    } finally {
      db.close();
    }
  } finally {
    undoDirectory?.();
    // A private server stops its kernels as it exits: one step instead of a DELETE then a SIGTERM, and nothing
    // in it is left to wait for once the trial is committed.
    if (endpoint?.kind === 'private') kernel?.dispose();
    else await kernel?.shutdown();
    await endpoint?.close({ wait: false });
  }
}

interface TrialContext {
  db: Database.Database;
  dbPath: string;
  notebookPath: string;
  nb: LoadedNotebook;
  cwd: string;
  kernel: KernelSession;
  kernelName: string;
  kernelEnv: Record<string, unknown>;
  info: KernelMessage.IInfoReply;
  endpoint: JupyterEndpoint;
  parameters?: Record<string, unknown>;
  started: number;
}

/** Opens the trial, runs every cell into it, tags its variables, writes `-o`, and closes it with its status. */
async function recordTrial(ctx: TrialContext, opts: RunOptions): Promise<RunResult> {
  const { db, dbPath, nb, kernel, kernelName, kernelEnv, info, endpoint } = ctx;
  const writer = TrialWriter.begin(db, dbPath, {
    notebook: relative(projectRoot(dbPath), ctx.notebookPath),
    notebookBytes: readFileSync(ctx.notebookPath),
    command: opts.command,
    cwd: ctx.cwd,
    kernel: kernelName,
    serverKind: endpoint.kind,
    serverUrl: endpoint.url,
    capture: opts.capture,
    parameters: ctx.parameters,
    cells: nb.codeCells.map((c) => ({ index: c.index, id: c.id, codeHash: c.codeHash, source: c.source, injected: c.tags.includes('injected-parameters') })),
  });
  writer.recordEnvironment({
    python_version: String(kernelEnv.python ?? '').split(' ')[0] || undefined,
    ...kernelEnv,
    kernel_name: kernelName,
    kernel_implementation: `${info.implementation} ${info.implementation_version}`,
    language: `${info.language_info.name} ${info.language_info.version ?? ''}`.trim(),
    jupyter_server: endpoint.version,
    server_kind: endpoint.kind,
    nbprov: NBPROV_VERSION,
    node: process.version,
  });
  opts.events?.onStart?.({ trial: writer.sequence, cells: nb.codeCells.length, kernel: kernelName, server: endpoint.kind === 'private' ? 'private server' : endpoint.url });
  const outcome: CellsOutcome = { executed: new Map(), ok: 0, failed: 0, failedExpected: 0, skipped: 0, recorderErrors: 0 };
  try {
    await executeCells(nb, kernel, writer, opts, outcome);
  } catch (err) {
    const storage = storageError(err, ctx.dbPath);
    if (!storage) throw err;
    // SQLite rolled the cell back. Close the trial and write -o (up to the cell before) as far as the disk lets us:
    // a one-row status update often still fits where a cell's rows did not; if not, the trial reads as unfinished.
    try {
      if (outcome.recording !== undefined) writer.markCell(outcome.recording, 'error', { name: storage.code, value: `ran, but could not be recorded: ${storage.message}` });
      writer.finish('failed', { error: `${storage.code}: ${storage.message}`, recorderErrors: outcome.recorderErrors });
    } catch {
      // the disk took nothing more
    }
    if (opts.output) {
      try {
        writeExecutedNotebook(nb, outcome.executed, info.language_info, resolve(opts.output));
      } catch {
        // on the same full disk, likely: the error below already says what to do
      }
    }
    throw storage;
  }
  const untagged = recordTags(ctx.db, writer, nb, outcome.executed, ctx.notebookPath);
  if (untagged.length && opts.capture !== 'cells') opts.events?.onWarning?.(`tagged variable${untagged.length > 1 ? 's' : ''} never assigned in this run: ${untagged.join(', ')}`);
  const error = outcome.error;
  const status = error ? STATUS_BY_ERROR[error.code] ?? 'failed' : 'finished';
  writer.finish(status, { error: error ? `${error.code}: ${error.message}` : undefined, recorderErrors: outcome.recorderErrors });
  if (opts.output) {
    try {
      writeExecutedNotebook(nb, outcome.executed, info.language_info, resolve(opts.output));
    } catch (err) {
      throw new NbprovError('NBPROV_USAGE', `trial ${writer.sequence} is recorded, but the executed notebook could not be written to ${opts.output}: ${(err as NodeJS.ErrnoException).code ?? err}`);
    }
  }
  return {
    trialId: writer.id,
    sequence: writer.sequence,
    status,
    cellsOk: outcome.ok,
    cellsFailed: outcome.failed,
    cellsFailedExpected: outcome.failedExpected,
    cellsSkipped: outcome.skipped,
    cellsTotal: nb.codeCells.length,
    seconds: (performance.now() - ctx.started) / 1000,
    dbPath,
    error,
    recorderErrors: outcome.recorderErrors,
  };
}

interface CellsOutcome {
  executed: Map<number, ExecutedCell>;
  ok: number;
  failed: number;
  failedExpected: number;
  skipped: number;
  error?: NbprovError;
  recorderErrors: number;
  /** The cell running or being committed: when its commit fails, it ran but has no rows. */
  recording?: number;
}

/** Runs the cells into `outcome`, which keeps what ran so far when a commit fails. */
async function executeCells(nb: LoadedNotebook, kernel: KernelSession, writer: TrialWriter, opts: RunOptions, outcome: CellsOutcome): Promise<CellsOutcome> {
  const capture = new CaptureWriter();
  const mask = new OutputMask(opts.redact);
  const stages = cellStages(nb);
  const total = nb.codeCells.length;
  for (const [position, cell] of nb.codeCells.entries()) {
    if (cell.tags.includes('skip-execution')) {
      writer.markCell(cell.index, 'skipped');
      outcome.skipped++;
      continue;
    }
    opts.events?.onCellStart?.(cell, position + 1, total);
    outcome.recording = cell.index;
    const start = writer.checkpoint();
    let result: ExecuteResult;
    try {
      throwIfAborted(opts.signal);
      result = await executeInterruptibly(kernel, cell, opts);
    } catch (err) {
      if (!(err instanceof NbprovError)) throw err;
      const partial = (err as { partialOutputs?: IOutput[] }).partialOutputs ?? [];
      outcome.executed.set(cell.index, { outputs: partial, executionCount: null, timing: {} });
      outcome.failed++;
      outcome.error = err;
      const stopped = { ename: err.code, evalue: err.message };
      const payload = kernel.dead ? undefined : await drainAfterFailure(kernel);
      mask.learn(payload?.secrets);
      writer.recordCell(
        { index: cell.index, status: 'error', executionCount: null, start, end: writer.checkpoint(), outputsSummary: mask.apply(summarizeOutputs(partial)), error: stopped, stage: stages.get(cell.index) },
        cell.source, cell.codeHash, payload ? capture.extras(payload, start) : undefined,
      );
      opts.events?.onCellEnd?.(cell, STATUS_BY_ERROR[err.code] ?? 'failed', writer.checkpoint() - start);
      return outcome;
    }
    const end = writer.checkpoint();
    let payload = decodeExpression<CapturePayload>(result.userExpressions, 'nbprov');
    const drainError = expressionError(result.userExpressions, 'nbprov');
    if (drainError) outcome.recorderErrors++;
    if (result.status !== 'ok') payload = await drainAfterFailure(kernel);
    mask.learn(payload?.secrets);
    if (payload) {
      outcome.recorderErrors += payload.errors;
      if (payload.modules.length) writer.recordModules(payload.modules);
    }
    const failed = result.status !== 'ok';
    writer.recordCell(
      {
        index: cell.index,
        status: failed ? 'error' : 'ok',
        executionCount: result.executionCount,
        start,
        end,
        outputsSummary: mask.apply(summarizeOutputs(result.outputs)),
        error: result.error && { ename: result.error.ename, evalue: mask.apply(result.error.evalue) },
        stage: stages.get(cell.index),
      },
      cell.source, cell.codeHash, payload ? capture.extras(payload, start) : undefined,
    );
    outcome.executed.set(cell.index, { outputs: result.outputs, executionCount: result.executionCount, timing: result.timing });
    opts.events?.onCellEnd?.(cell, failed ? 'failed' : 'ok', end - start);
    if (!failed) {
      outcome.ok++;
      continue;
    }
    outcome.failed++;
    if (cell.tags.includes('raises-exception')) {
      outcome.failedExpected++;
      continue;
    }
    if (opts.allowErrors) continue;
    outcome.error = new NbprovError('NBPROV_CELL_FAILED', `cell ${cell.index} raised ${result.error?.ename}: ${firstErrorLine(result.error?.evalue)}`, {
      hint: 'fix the cell, or pass --allow-errors to run the remaining cells anyway',
    });
    return outcome;
  }
  return outcome;
}

/** Executes one cell; on timeout or Ctrl-C interrupts the kernel and gives it a grace period before failing. */
async function executeInterruptibly(kernel: KernelSession, cell: CodeCellRef, opts: RunOptions): Promise<ExecuteResult> {
  const running = kernel.execute(cell.source, {
    cellId: cell.id,
    timeoutMs: opts.timeoutSec ? opts.timeoutSec * 1000 : undefined,
    userExpressions: { nbprov: DRAIN_EXPRESSION },
  });
  const onAbort = () => void kernel.interrupt().catch(() => {});
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const result = await running;
    if (opts.signal?.aborted) throw interrupted(opts.signal, result.outputs);
    return result;
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

async function chooseKernel(endpoint: JupyterEndpoint, nb: LoadedNotebook, requested?: string): Promise<string> {
  const specs = await getKernelSpecs(endpoint.settings);
  const name = requested ?? notebookKernelName(nb) ?? specs.default;
  if (!name || !specs.names.includes(name)) {
    throw new NbprovError('NBPROV_UNKNOWN_KERNEL', `unknown kernel '${name ?? '(none)'}'; the server has: ${specs.names.join(', ') || '(no kernels)'}`, {
      hint: 'pick one with --kernel NAME',
    });
  }
  return name;
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** What stopped the run, from the signal the abort carries as its reason (SIGINT when none). */
function stopped(signal?: AbortSignal): NbprovError {
  const reason: unknown = signal?.reason;
  if (reason === 'SIGTERM') return new NbprovError('NBPROV_INTERRUPTED', 'terminated (SIGTERM)', { exitCode: ExitCode.terminated });
  if (reason === 'SIGHUP') return new NbprovError('NBPROV_INTERRUPTED', 'hung up (SIGHUP)', { exitCode: ExitCode.hangup });
  return new NbprovError('NBPROV_INTERRUPTED', 'interrupted (Ctrl-C)');
}

function interrupted(signal: AbortSignal | undefined, outputs: IOutput[]): NbprovError {
  return Object.assign(stopped(signal), { partialOutputs: outputs });
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw stopped(signal);
}

function firstErrorLine(text?: string): string {
  return (text ?? '').split('\n')[0].slice(0, 200);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
