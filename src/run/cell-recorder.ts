import type { CodeCellRef } from '../notebook/load.js';
import type { ExecutedCell } from '../notebook/executed-notebook.js';
import type { CapturePayload } from '../capture/collector.js';
import { CaptureWriter } from '../store/capture-writer.js';
import type { CellRecord, TrialWriter } from '../store/trial-writer.js';
import type { CellExecution } from './execute-cell.js';
import { summarizeOutputs, type OutputMask } from './output-summary.js';

/**
 * Writes each executed cell into the trial: its activation, the collector's capture and an outputs summary, in one
 * transaction per cell, with the secrets the collector found masked in what is stored.
 */
export class CellRecorder {
  readonly #writer: TrialWriter;
  readonly #capture = new CaptureWriter();
  /** What the stored (and the live, `--log-output`) output text is masked with; learns each cell's secrets. */
  readonly mask: OutputMask;
  readonly #stages: Map<number, string>;

  constructor(writer: TrialWriter, mask: OutputMask, stages: Map<number, string>) {
    this.#writer = writer;
    this.mask = mask;
    this.#stages = stages;
  }

  /** Records `cell`, which ran from checkpoint `start` to `end`; throws what SQLite throws (the cell rolled back). */
  record(cell: CodeCellRef, execution: CellExecution, payload: CapturePayload | undefined, start: number, end: number): void {
    this.mask.learn(payload?.secrets);
    if (payload?.modules.length) this.#writer.recordModules(payload.modules);
    const reply = execution.kind === 'replied' ? execution.result : undefined;
    const record: CellRecord = {
      index: cell.index,
      status: reply?.status === 'ok' ? 'ok' : 'error',
      executionCount: reply?.executionCount ?? null,
      start,
      end,
      outputsSummary: this.mask.apply(summarizeOutputs(executedCell(execution).outputs)),
      error: this.#error(execution),
      stage: this.#stages.get(cell.index),
    };
    this.#writer.recordCell(record, cell.source, cell.codeHash, payload ? this.#capture.extras(payload, start) : undefined);
  }

  #error(execution: CellExecution): CellRecord['error'] {
    if (execution.kind === 'stopped') return { ename: execution.error.code, evalue: execution.error.message };
    const { error } = execution.result;
    return error && { ename: error.ename, evalue: this.mask.apply(error.evalue) };
  }
}

/** The cell as the executed notebook shows it; a stopped cell keeps the outputs it showed, without a count. */
export function executedCell(execution: CellExecution): ExecutedCell {
  if (execution.kind === 'stopped') return { outputs: execution.outputs, executionCount: null, timing: {} };
  const { outputs, executionCount, timing } = execution.result;
  return { outputs, executionCount, timing };
}
