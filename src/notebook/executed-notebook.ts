import type { IOutput } from '@jupyterlab/nbformat';
import { joinSource, splitLines, type LoadedNotebook } from './load.js';
import { outputsForDisk, serializeNotebook, writeFileAtomic, type TextMask } from './write.js';

export interface ExecutedCell {
  outputs: IOutput[];
  executionCount: number | null;
  timing: Record<string, string>;
}

/**
 * The executed notebook a run fills in cell by cell: a run that stops early still holds, and writes, what ran.
 * Cells that did not run keep their content.
 */
export class ExecutedNotebook {
  readonly #nb: LoadedNotebook;
  readonly #languageInfo: unknown;
  readonly #cells = new Map<number, ExecutedCell>();
  readonly #cleared = new Set<number>();

  constructor(nb: LoadedNotebook, languageInfo: unknown) {
    this.#nb = nb;
    this.#languageInfo = languageInfo;
  }

  /** Records what the cell at 1-based `index` produced. */
  set(index: number, cell: ExecutedCell): void {
    this.#cells.set(index, cell);
  }

  /** Writes the cell at 1-based `index` unexecuted (no outputs, no execution count): a run chose not to run it. */
  clear(index: number): void {
    this.#cleared.add(index);
  }

  /** Whether the cell at 1-based `index` ran. */
  has(index: number): boolean {
    return this.#cells.has(index);
  }

  /**
   * Writes the notebook as `jupyter nbconvert --to notebook --execute` would: outputs, execution counts, nbclient's
   * `metadata.execution` timings and the kernel's language_info, every output text passed through `mask` (the run's
   * secrets). Throws what the file system throws.
   */
  write(path: string, mask?: TextMask): void {
    const content = structuredClone(this.#nb.content) as unknown as { cells: Record<string, unknown>[]; metadata: Record<string, unknown> };
    content.cells.forEach((cell, i) => {
      cell.source = splitLines(joinSource(cell.source) ?? '');
      const run = this.#cells.get(i + 1);
      if (this.#cleared.has(i + 1)) Object.assign(cell, { outputs: [], execution_count: null });
      if (!run) return;
      cell.outputs = outputsForDisk(run.outputs, mask);
      cell.execution_count = run.executionCount;
      const metadata = (cell.metadata ?? {}) as Record<string, unknown>;
      metadata.execution = run.timing;
      cell.metadata = metadata;
    });
    content.metadata = { ...(content.metadata ?? {}), language_info: this.#languageInfo };
    writeFileAtomic(path, serializeNotebook(content));
  }
}
