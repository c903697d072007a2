import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { ExitCode, NbprovError } from '../errors.js';
import type { JupyterEndpoint } from '../jupyter/server.js';
import type { CodeCellRef } from '../notebook/load.js';
import type { CellSelection } from '../run/cell-selection.js';
import { ServerError } from '../jupyter/rest.js';
import { closeSweep, linkTrial, reopenSweep, type SweepStatus } from '../store/sweeps.js';
import { projectRoot, resolveDbPath, storageError } from '../store/db.js';
import { nameSweepRuns } from './names.js';
import { chooseKernel, openServer, startKernelOn, type RunningKernel } from '../run/kernel-start.js';
import { claimDatabase, loadRunInput, type RunInput } from '../run/prepare.js';
import { runTrial } from '../run/runner.js';
import { stopped, throwIfAborted } from '../run/stop.js';
import type { OutputLine, RunOptions, RunResult } from '../run/types.js';
import { combinationLabel, type GridSpec } from './grid.js';
import { planRuns, recordSweep, resumeSweep, type SweepRun } from './plan.js';
import { runPool } from './pool.js';

/** What `nbprov sweep` is asked to do: a new grid, or `--resume` of a recorded sweep; the rest as `run` takes it. */
export interface SweepOptions extends Omit<RunOptions, 'notebook' | 'parameters' | 'output' | 'events' | 'strictParameters'> {
  /** The notebook of a new sweep (a resumed one names its own). */
  notebook?: string;
  grid?: { spec: GridSpec; asGiven: unknown; outputTemplate?: string; nameTemplate?: string };
  resume?: string;
  jobs: number;
  failFast: boolean;
  /** Any warning about the values (not only an unknown name) refuses the sweep. */
  strict: boolean;
  /** The cells each run executes (`--only` / `--stage`); a resumed sweep keeps its own. */
  selection?: CellSelection;
  /** Turns a selection into the runs' selectCells for the notebook at `path` (the CLI's, which reads lineage). */
  selector?: (path: string, selection: CellSelection) => RunOptions['selectCells'];
  events?: SweepEvents;
}

export interface SweepEvents {
  onPlan?(info: { sweep: number; total: number; pending: number; jobs: number; server: string }): void;
  onRunStart?(run: SweepRun): void;
  onRunEnd?(outcome: RunOutcome): void;
  /** A line a run's cell showed (`--log-output`), as `run` gives it. */
  onOutput?(run: SweepRun, cell: CodeCellRef, line: OutputLine): void;
  onWarning?(message: string): void;
}

/** How one run ended: its trial's result, or what kept it from having a trial (its kernel never came up). */
export interface RunOutcome {
  run: SweepRun;
  result?: RunResult;
  error?: NbprovError;
}

export interface SweepResult {
  sweepId: number;
  status: Exclude<SweepStatus, 'running'>;
  /** Runs in the whole sweep, and those this invocation set out to run (fewer on --resume). */
  total: number;
  planned: number;
  outcomes: RunOutcome[];
  dbPath: string;
  seconds: number;
}

/**
 * The sweep's exit code: the signal that stopped it, else the worst of its trials' as `run` gives them (3 for a
 * kernel that died, timed out or never started, or a lost server; 1 for a cell that raised).
 */
export function sweepExitCode(outcomes: RunOutcome[], signal?: AbortSignal): number {
  if (signal?.aborted) return stopped(signal).exitCode;
  const codes = outcomes.map(({ result }) =>
    !result ? ExitCode.kernel : result.status === 'finished' ? ExitCode.ok : result.error?.exitCode ?? ExitCode.cellFailed,
  );
  if (codes.includes(ExitCode.kernel)) return ExitCode.kernel;
  return codes.some((code) => code !== ExitCode.ok) ? ExitCode.cellFailed : ExitCode.ok;
}

/**
 * Runs a sweep: every run checked and typed before anything starts, one server, `jobs` fresh kernels at once (the
 * next one starting while they work), every trial written by this one process into the one database.
 */
export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  throwIfAborted(opts.signal);
  const started = performance.now();
  const dbPath = resolveDbPath({ db: opts.db, notebook: opts.notebook && resolve(opts.notebook) });
  const database = claimDatabase(dbPath);
  let db: Database.Database | undefined;
  let endpoint: JupyterEndpoint | undefined;
  try {
    const resumed = opts.resume ? resumeOf((db = database.open()), dbPath, opts.resume) : undefined;
    const notebookPath = resumed?.notebookPath ?? resolve(opts.notebook!);
    const planned = resumed?.pending ?? planRuns(opts.grid!.spec, opts.grid!.outputTemplate);
    const selection = resumed ? resumed.selection : opts.selection;
    const selectCells = selection && opts.selector?.(notebookPath, selection);
    const inputs = checkRuns(notebookPath, planned, { ...opts, selectCells, injectAfter: resumed ? resumed.injectAfter : opts.injectAfter, db: dbPath });
    // Names another trial holds refuse the sweep here, before a server starts.
    if (existsSync(dbPath)) db ??= database.open();
    const runs = nameSweepRuns(db, relative(projectRoot(dbPath), notebookPath), planned, { template: opts.grid?.nameTemplate, resumedSweep: resumed?.id, onWarning: opts.events?.onWarning });
    const first = inputs.get(runs[0].position)!;
    endpoint = await openServer(first.cwd, opts);
    const kernelName = await chooseKernel(endpoint, first.nb, opts.kernel);
    db ??= database.open();
    // Recorded (or marked running again) once the server is up: a sweep refused before that leaves no trace.
    const sweepId = resumed ? reopenSweep(db, resumed.id) : recordSweep(db, dbPath, notebookPath, opts.grid!.asGiven, opts.command, runs);
    const total = resumed?.total ?? runs.length;
    opts.events?.onPlan?.({ sweep: sweepId, total, pending: runs.length, jobs: opts.jobs, server: endpoint.kind === 'private' ? 'private server' : endpoint.url });
    const outcomes = await runAll({ db, sweepId, endpoint, kernelName, inputs }, runs, opts);
    const status = sweepStatus(outcomes, opts.signal);
    closeSweep(db, sweepId, status);
    return { sweepId, status, total, planned: runs.length, outcomes, dbPath, seconds: (performance.now() - started) / 1000 };
  } catch (err) {
    throw storageError(err, dbPath) ?? err;
  } finally {
    db?.close();
    database.release();
    await endpoint?.close({ wait: false });
  }
}

function resumeOf(db: Database.Database, dbPath: string, ref: string) {
  const resumed = resumeSweep(db, dbPath, ref);
  if (resumed.pending.length === 0) throw new NbprovError('NBPROV_USAGE', `sweep ${resumed.id} has nothing left to run: every run has a finished or failed trial`, { hint: 'see it with `nbprov compare --sweep ' + resumed.id + '`' });
  return resumed;
}

/**
 * Loads and parameterizes the notebook for every run before anything starts, so that a value of the wrong type or
 * a name the notebook has no parameter for stops the sweep at once (exit 2), not at its 40th trial.
 */
function checkRuns(notebookPath: string, runs: SweepRun[], opts: SweepOptions & { db: string }): Map<number, RunInput> {
  const warnings = new Set<string>();
  const inputs = new Map<number, RunInput>();
  for (const run of runs) {
    inputs.set(run.position, loadRunInput({
      ...opts,
      notebook: notebookPath,
      parameters: run.parameters,
      strictParameters: true,
      output: run.output,
      events: { onWarning: (m) => warnings.add(m) },
    }));
  }
  if (opts.strict && warnings.size) throw new NbprovError('NBPROV_USAGE', [...warnings][0], { hint: 'drop --strict to run with warnings' });
  for (const warning of warnings) opts.events?.onWarning?.(warning);
  return inputs;
}

interface SweepContext {
  db: Database.Database;
  sweepId: number;
  endpoint: JupyterEndpoint;
  kernelName: string;
  inputs: Map<number, RunInput>;
}

async function runAll(ctx: SweepContext, runs: SweepRun[], opts: SweepOptions): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = [];
  const kernelOptions = { ...opts, notebook: '', events: { onWarning: opts.events?.onWarning } };
  await runPool<SweepRun, RunningKernel>(runs, {
    jobs: opts.jobs,
    acquire: () => startKernelWhenAllowed(ctx, kernelOptions),
    release: (kernel) => kernel.session.shutdown(),
    run: async (run, kernel) => {
      opts.events?.onRunStart?.(run);
      const outcome = await runOne(ctx, run, kernel, opts);
      outcomes.push(outcome);
      opts.events?.onRunEnd?.(outcome);
      const failed = outcome.error !== undefined || outcome.result?.status !== 'finished';
      return !opts.signal?.aborted && !(opts.failFast && failed) && outcome.result?.status !== 'server-lost';
    },
  });
  return outcomes.sort((a, b) => a.run.position - b.run.position);
}

/** One run on its own fresh kernel, linked to the sweep the moment its trial exists; the kernel is shut down after. */
async function runOne(ctx: SweepContext, run: SweepRun, kernelStarting: Promise<RunningKernel>, opts: SweepOptions): Promise<RunOutcome> {
  const started = performance.now();
  let kernel: RunningKernel;
  try {
    kernel = await kernelStarting;
  } catch (err) {
    if (err instanceof NbprovError) return { run, error: err };
    throw err;
  }
  let opened = false;
  try {
    const result = await runTrial(ctx.db, ctx.inputs.get(run.position)!, kernel, {
      ...opts,
      notebook: ctx.inputs.get(run.position)!.notebookPath,
      parameters: run.parameters,
      output: run.output,
      name: run.name,
      nameFrom: { sweepId: ctx.sweepId, position: run.position },
      events: {
        onStart: ({ trialId }) => {
          opened = true;
          linkTrial(ctx.db, ctx.sweepId, run.position, trialId);
        },
        onWarning: (message) => opts.events?.onWarning?.(`${combinationLabel(run.combination)}: ${message}`),
        onOutput: opts.events?.onOutput && ((cell, line) => opts.events?.onOutput?.(run, cell, line)),
      },
    }, started);
    return { run, result };
  } catch (err) {
    // A name that another process gave a trial after the sweep checked its names fails this run only.
    if (!opened && err instanceof NbprovError) return { run, error: err };
    throw err;
  } finally {
    // Frees its memory before the worker takes the next run (at most jobs + 1 kernels live); not waiting for it
    // measured no faster on 2 cores: the dying kernel only competes with the starting ones.
    await kernel.session.shutdown();
  }
}

/**
 * Starts a kernel, waiting while the server refuses one for lack of room (a gateway's kernel limit answers 403,
 * 429 or 503 to POST api/kernels): the sweep queues until one of its kernels is shut down, within --startup-timeout.
 */
async function startKernelWhenAllowed(ctx: SweepContext, opts: RunOptions): Promise<RunningKernel> {
  const deadline = performance.now() + opts.startupTimeoutSec * 1000;
  for (;;) {
    try {
      return await startKernelOn(ctx.endpoint, ctx.kernelName, opts);
    } catch (err) {
      if (!isNoRoom(err) || performance.now() > deadline || opts.signal?.aborted) throw err;
      await new Promise((r) => setTimeout(r, KERNEL_RETRY_MS));
    }
  }
}

const KERNEL_RETRY_MS = 500;

function isNoRoom(err: unknown): boolean {
  return err instanceof ServerError && err.method === 'POST' && /api\/kernels$/.test(err.path) && [403, 429, 503].includes(err.status ?? 0);
}

function sweepStatus(outcomes: RunOutcome[], signal?: AbortSignal): Exclude<SweepStatus, 'running'> {
  if (signal?.aborted) return 'interrupted';
  return outcomes.every((o) => o.result?.status === 'finished') ? 'finished' : 'failed';
}
