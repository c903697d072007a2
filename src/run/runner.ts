import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { ExecutedNotebook } from '../notebook/executed-notebook.js';
import { storageError } from '../store/db.js';
import { cellsToRun, executeCells, newProgress } from './cells.js';
import { startKernel, stopKernel, type RunningKernel } from './kernel-start.js';
import { claimDatabase, loadRunInput, type DatabaseClaim, type RunInput } from './prepare.js';
import { checkTrialName, nameTaken, trialNamed } from '../store/trial-names.js';
import { throwIfAborted } from './stop.js';
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
  const input = loadRunInput(opts);
  const database = claimDatabase(input.dbPath);
  const started = performance.now();
  let kernel: RunningKernel | undefined;
  try {
    // A name another trial holds stops the run before a server starts; opening the trial checks again, atomically.
    if (opts.name !== undefined && existsSync(input.dbPath)) refuseTakenName(database, input, opts.name);
    kernel = await startKernel(input, opts);
    const db = database.open();
    try {
      return await runTrial(db, input, kernel, opts, started);
    } catch (err) {
      throw storageError(err, input.dbPath) ?? err;
    } finally {
      db.close();
    }
  } finally {
    database.release();
    if (kernel) await stopKernel(kernel);
  }
}

/**
 * Opens the trial, runs every cell into it, closes it with its status, and writes `-o`: the part of a run that a
 * sweep repeats on each of its kernels.
 */
export async function runTrial(db: Database.Database, input: RunInput, kernel: RunningKernel, opts: RunOptions, started: number): Promise<RunResult> {
  const writer = openTrial(db, input, kernel, opts);
  const { endpoint } = kernel;
  opts.events?.onStart?.({ trial: writer.sequence, trialId: writer.id, cells: cellsToRun(input.nb, input.selected).length, kernel: kernel.name, server: endpoint.kind === 'private' ? 'private server' : endpoint.url });
  const progress = newProgress(new ExecutedNotebook(input.nb, kernel.info.language_info));
  try {
    await executeCells({ nb: input.nb, kernel: kernel.session, writer, selected: input.selected }, opts, progress);
  } catch (err) {
    const storage = storageError(err, input.dbPath);
    if (storage) closeAfterStorageFailure(storage, writer, progress, opts.output);
    throw storage ?? err;
  }
  const status = closeTrial(db, writer, input, progress, opts);
  if (opts.output) writeOutput(progress.executed, opts.output, writer.sequence);
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
function writeOutput(executed: ExecutedNotebook, output: string, sequence: number): void {
  try {
    executed.write(resolve(output));
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `trial ${sequence} is recorded, but the executed notebook could not be written to ${output}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}
