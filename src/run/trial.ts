import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import type { NbprovError } from '../errors.js';
import { projectRoot } from '../store/db.js';
import { TrialWriter } from '../store/trial-writer.js';
import { NBPROV_VERSION } from '../version.js';
import { cellsToRun, type CellsProgress } from './cells.js';
import type { RunningKernel } from './kernel-start.js';
import type { RunInput } from './prepare.js';
import { trialStatusOf } from './stop.js';
import { recordTags } from './trial-tags.js';
import type { FinalStatus, RunOptions } from './types.js';

/** Inserts the trial (status running) with a pending row per code cell, and the kernel's environment. */
export function openTrial(db: Database.Database, input: RunInput, kernel: RunningKernel, opts: RunOptions): TrialWriter {
  const { endpoint, env, info } = kernel;
  const writer = TrialWriter.begin(db, input.dbPath, {
    notebook: trialNotebook(input),
    notebookBytes: readFileSync(input.notebookPath),
    command: opts.command,
    cwd: input.cwd,
    kernel: kernel.name,
    serverKind: endpoint.kind,
    serverUrl: endpoint.url,
    capture: opts.capture,
    parameters: input.parameters,
    name: opts.name,
    nameFrom: opts.nameFrom,
    cells: input.nb.codeCells.map((c) => ({ index: c.index, id: c.id, codeHash: c.codeHash, source: c.source, injected: c.tags.includes('injected-parameters') })),
  });
  writer.recordEnvironment({
    python_version: String(env.python ?? '').split(' ')[0] || undefined,
    ...env,
    kernel_name: kernel.name,
    kernel_implementation: `${info.implementation} ${info.implementation_version}`,
    language: `${info.language_info.name} ${info.language_info.version ?? ''}`.trim(),
    jupyter_server: endpoint.version,
    server_kind: endpoint.kind,
    nbprov: NBPROV_VERSION,
    node: process.version,
  });
  return writer;
}

/** The notebook as its trials record it: relative to the project root, the identity names are unique within. */
export function trialNotebook(input: RunInput): string {
  return relative(projectRoot(input.dbPath), input.notebookPath);
}

/** Tags the trial's variables and closes it with the status its cells came to, which it returns. */
export function closeTrial(db: Database.Database, writer: TrialWriter, input: RunInput, progress: CellsProgress, opts: RunOptions): FinalStatus {
  const untagged = recordTags(db, writer, input.nb, progress.executed, input.notebookPath);
  // Only a run that executed every cell a whole run does can tell a tag names nothing: a cell --only / --stage left
  // out, or one a failure never reached, may assign it. Cells tagged skip-execution no whole run executes.
  const everyCellRan = cellsToRun(input.nb).every((c) => progress.executed.has(c.index));
  if (untagged.length && everyCellRan && opts.capture !== 'cells') opts.events?.onWarning?.(`tagged variable${untagged.length > 1 ? 's' : ''} never assigned in this run: ${untagged.join(', ')}`);
  const { error } = progress;
  const status = trialStatusOf(error);
  writer.finish(status, { error: error ? `${error.code}: ${error.message}` : undefined, recorderErrors: progress.recorderErrors });
  return status;
}

/**
 * After SQLite rolled a cell back (`storage`): closes the trial and writes `-o` (up to the cell before) as far as
 * the disk lets us. A one-row status update often still fits where a cell's rows did not; if not, the trial reads
 * as unfinished.
 */
export function closeAfterStorageFailure(storage: NbprovError, writer: TrialWriter, progress: CellsProgress, output?: string): void {
  try {
    if (progress.recording !== undefined) writer.markCell(progress.recording, 'error', { name: storage.code, value: `ran, but could not be recorded: ${storage.message}` });
    writer.finish('failed', { error: `${storage.code}: ${storage.message}`, recorderErrors: progress.recorderErrors });
  } catch {
    // the disk took nothing more
  }
  if (!output) return;
  try {
    progress.executed.write(resolve(output), progress.mask);
  } catch {
    // on the same full disk, likely: the storage error the run throws already says what to do
  }
}
