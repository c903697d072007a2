import type { IOutput } from '@jupyterlab/nbformat';
import { joinSource, splitLines, type LoadedNotebook } from '../notebook/load.js';
import { outputsForDisk, serializeNotebook, writeFileAtomic } from '../notebook/write.js';

export interface ExecutedCell {
  outputs: IOutput[];
  executionCount: number | null;
  timing: Record<string, string>;
}

/**
 * Writes the executed notebook as `jupyter nbconvert --to notebook --execute` would: outputs, execution counts,
 * nbclient's `metadata.execution` timings and the kernel's language_info. Cells that did not run keep their content.
 */
export function writeExecutedNotebook(nb: LoadedNotebook, executed: Map<number, ExecutedCell>, languageInfo: unknown, path: string): void {
  const content = structuredClone(nb.content) as unknown as { cells: Record<string, unknown>[]; metadata: Record<string, unknown> };
  content.cells.forEach((cell, i) => {
    cell.source = splitLines(joinSource(cell.source) ?? '');
    const run = executed.get(i + 1);
    if (!run) return;
    cell.outputs = outputsForDisk(run.outputs);
    cell.execution_count = run.executionCount;
    const metadata = (cell.metadata ?? {}) as Record<string, unknown>;
    metadata.execution = run.timing;
    cell.metadata = metadata;
  });
  content.metadata = { ...(content.metadata ?? {}), language_info: languageInfo };
  writeFileAtomic(path, serializeNotebook(content));
}
