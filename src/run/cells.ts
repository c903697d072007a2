import { NbprovError } from '../errors.js';
import type { CodeCellRef, LoadedNotebook } from '../notebook/load.js';
import type { ExecutedNotebook } from '../notebook/executed-notebook.js';
import { cellStages } from '../notebook/tags.js';
import type { KernelSession } from '../jupyter/kernel.js';
import type { TrialWriter } from '../store/trial-writer.js';
import { CellRecorder, executedCell } from './cell-recorder.js';
import { OutputMask } from './output-summary.js';
import { captureOf, executeCell, type CellExecution } from './execute-cell.js';
import { trialStatusOf } from './stop.js';
import { kernelMs } from './timings.js';
import type { RunOptions } from './types.js';

/**
 * What the cells came to so far. The pipeline owns it, so when a commit fails half-way it still knows what ran
 * (and writes it with `-o`).
 */
export interface CellsProgress {
  readonly executed: ExecutedNotebook;
  /** The secrets found so far, masked in what is stored, the live lines and the executed notebook `-o` writes. */
  readonly mask: OutputMask;
  ok: number;
  failed: number;
  failedExpected: number;
  skipped: number;
  recorderErrors: number;
  /** What stopped the cells: a cell that raised (without --allow-errors), a timeout, Ctrl-C, the kernel's death. */
  error?: NbprovError;
  /** The cell running or being committed: when its commit fails, it ran but has no rows. */
  recording?: number;
}

export function newProgress(executed: ExecutedNotebook, redact: boolean): CellsProgress {
  return { executed, mask: new OutputMask(redact), ok: 0, failed: 0, failedExpected: 0, skipped: 0, recorderErrors: 0 };
}

/**
 * Runs the notebook's code cells in order, committing each into the trial, until one stops the run; a cell tagged
 * `skip-execution`, or left out of `selected` (`--only`, `--stage`), is recorded as skipped. Fills `progress`;
 * throws only what SQLite throws (the cell being committed rolled back) or a bug.
 */
export async function executeCells(
  { nb, kernel, writer, selected }: { nb: LoadedNotebook; kernel: KernelSession; writer: TrialWriter; selected?: Set<number> },
  opts: RunOptions,
  progress: CellsProgress,
): Promise<void> {
  const recorder = new CellRecorder(writer, progress.mask, cellStages(nb));
  const toRun = new Set(cellsToRun(nb, selected));
  let position = 0;
  for (const cell of nb.codeCells) {
    if (!toRun.has(cell)) {
      writer.markCell(cell.index, 'skipped');
      progress.skipped++;
      // Left out by --only / --stage: unexecuted in -o, as a cell that never ran; skip-execution keeps its outputs, as in nbclient.
      if (!cell.tags.includes('skip-execution')) progress.executed.clear(cell.index);
      continue;
    }
    opts.events?.onCellStart?.(cell, ++position, toRun.size);
    progress.recording = cell.index;
    const start = writer.checkpoint();
    const sent = performance.now();
    const execution = await executeCell(kernel, cell, opts, recorder.mask);
    const replied = performance.now();
    const end = writer.checkpoint();
    const capture = await captureOf(kernel, execution);
    progress.recorderErrors += (capture.drainFailed ? 1 : 0) + (capture.payload?.errors ?? 0);
    recorder.record(cell, execution, capture.payload, start, end);
    opts.timings?.cells.push({
      index: cell.index,
      roundTripMs: replied - sent,
      kernelMs: execution.kind === 'replied' ? kernelMs(execution.result.timing) : undefined,
      recordMs: performance.now() - replied,
    });
    progress.executed.set(cell.index, executedCell(execution));
    opts.events?.onCellEnd?.(cell, cellStatus(execution), end - start);
    if (!tally(progress, cell, execution, opts.allowErrors)) return;
  }
}

/** The code cells a run executes, in order: all but those tagged `skip-execution` and those `selected` leaves out. */
export function cellsToRun(nb: LoadedNotebook, selected?: Set<number>): CodeCellRef[] {
  return nb.codeCells.filter((c) => !c.tags.includes('skip-execution') && (!selected || selected.has(c.index)));
}

function cellStatus(execution: CellExecution): string {
  if (execution.kind === 'stopped') return trialStatusOf(execution.error);
  return execution.result.status === 'ok' ? 'ok' : 'failed';
}

/** Counts the cell's outcome; false when it ends the run, whose cause it sets as `progress.error`. */
function tally(progress: CellsProgress, cell: CodeCellRef, execution: CellExecution, allowErrors: boolean): boolean {
  if (execution.kind === 'stopped') {
    progress.failed++;
    progress.error = execution.error;
    return false;
  }
  const { result } = execution;
  if (result.status === 'ok') {
    progress.ok++;
    return true;
  }
  progress.failed++;
  if (cell.tags.includes('raises-exception')) {
    progress.failedExpected++;
    return true;
  }
  if (allowErrors) return true;
  progress.error = new NbprovError('NBPROV_CELL_FAILED', `cell ${cell.index} raised ${result.error?.ename}: ${firstErrorLine(result.error?.evalue)}`, {
    hint: 'fix the cell, or pass --allow-errors to run the remaining cells anyway',
  });
  return false;
}

function firstErrorLine(text?: string): string {
  return (text ?? '').split('\n')[0].slice(0, 200);
}
