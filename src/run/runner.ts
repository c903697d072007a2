import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { ExecutedNotebook } from '../notebook/executed-notebook.js';
import { storageError } from '../store/db.js';
import { cellsToRun, executeCells, newProgress, type CellsProgress } from './cells.js';
import { startKernel, stopKernel, type RunningKernel } from './kernel-start.js';
import { claimDatabase, loadRunInput, type DatabaseClaim, type RunInput } from './prepare.js';
import { checkTrialName, nameTaken, trialNamed } from '../store/trial-names.js';
import { throwIfAborted } from './stop.js';
import { timed } from './timings.js';
import { closeAfterStorageFailure, closeTrial, openTrial, trialNotebook } from './trial.js';
import type { RunOptions, RunResult } from './types.js';

/**
 * Runs a notebook as one trial: load → parameterize → start the kernel → execute and record each cell → close the
 * trial → write the executed notebook; the kernel and a private server are stopped on every path. Returns how the
 * trial ended (a failing cell, a timeout or Ctrl-C included); throws what stopped it from being recorded at all.
 */
export async function runNotebook(opts: RunOptions): Promise<RunResult> {
  throwIfAborted(opts.signal);
  if (opts.name !== undefined) checkTrialName(opts.name, '--name');
  const input = timed(opts.timings, 'notebook load and parameters', () => loadRunInput(opts));
  const database = timed(opts.timings, 'database claim', () => claimDatabase(input.dbPath));
  const started = performance.now();
  let kernel: RunningKernel | undefined;
  try {
    // A name another trial holds stops the run before a server starts; opening the trial checks again, atomically.
    if (opts.name !== undefined && existsSync(input.dbPath)) refuseTakenName(database, input, opts.name);
    kernel = await startKernel(input, opts);
    const db = timed(opts.timings, 'database open', () => database.open());
    try {
      return await runTrial(db, input, kernel, opts, started);
    } catch (err) {
      throw storageError(err, input.dbPath) ?? err;
    } finally {
      db.close();
    }
  } finally {
    database.release();
    if (kernel) await timed(opts.timings, 'kernel and server stop', () => stopKernel(kernel!));
  }
}

/**
 * Opens the trial, runs every cell into it, closes it with its status, and writes `-o`: the part of a run that a
 * sweep repeats on each of its kernels.
 */
export async function runTrial(db: Database.Database, input: RunInput, kernel: RunningKernel, opts: RunOptions, started: number): Promise<RunResult> {
  const writer = timed(opts.timings, 'trial open', () => openTrial(db, input, kernel, opts));
  const { endpoint } = kernel;
  opts.events?.onStart?.({ trial: writer.sequence, trialId: writer.id, cells: cellsToRun(input.nb, input.selected).length, kernel: kernel.name, server: endpoint.kind === 'private' ? 'private server' : endpoint.url });
  const progress = newProgress(new ExecutedNotebook(input.nb, kernel.info.language_info), opts.redact);
  try {
    await executeCells({ nb: input.nb, kernel: kernel.session, writer, selected: input.selected }, opts, progress);
  } catch (err) {
    const storage = storageError(err, input.dbPath);
    if (storage) closeAfterStorageFailure(storage, writer, progress, opts.output);
    throw storage ?? err;
  }
  const status = timed(opts.timings, 'trial close', () => closeTrial(db, writer, input, progress, opts));
  if (opts.output) timed(opts.timings, 'executed notebook write', () => writeOutput(progress, opts.output!, writer.sequence));
  return {
    trialId: writer.id,
    sequence: writer.sequence,
    name: opts.name,
    status,
    cellsOk: progress.ok,
    cellsFailed: progress.failed,
    cellsFailedExpected: progress.failedExpected,
    cellsSkipped: progress.skipped,
    cellsTotal: input.nb.codeCells.length,
    seconds: (performance.now() - started) / 1000,
    dbPath: input.dbPath,
    error: progress.error,
    recorderErrors: progress.recorderErrors,
  };
}

function refuseTakenName(database: DatabaseClaim, input: RunInput, name: string): void {
  const db = database.open();
  try {
    const holder = trialNamed(db, trialNotebook(input), name);
    if (holder) throw nameTaken(name, holder);
  } finally {
    db.close();
  }
}

/** Writes `-o`; the trial is recorded already, which the error says. */
function writeOutput(progress: CellsProgress, output: string, sequence: number): void {
  try {
    progress.executed.write(resolve(output), progress.mask);
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `trial ${sequence} is recorded, but the executed notebook could not be written to ${output}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}
