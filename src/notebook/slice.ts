import { randomBytes } from 'node:crypto';
import type { INotebookContent } from '@jupyterlab/nbformat';
import { NbprovError } from '../errors.js';
import { joinSource, sha1, splitLines } from './load.js';

/** A code cell as a trial ran it. */
export interface TrialCell {
  index: number;
  cellId: string | null;
  codeHash: string;
  /** The `injected-parameters` cell of a run with -p values. */
  injected: boolean;
}

export interface SliceInput {
  /** The notebook as it is on disk now, or null when it is gone. */
  original: INotebookContent | null;
  trialCells: TrialCell[];
  /** Indexes of the trial cells to keep; the `parameters` cell is kept in any case. */
  keep: Set<number>;
  /** A cell source from the content store, for cells the notebook no longer holds. */
  sourceOf: (codeHash: string) => string | undefined;
  /** Statement-level slicing: the part of a kept cell's source to keep, or undefined for all of it. */
  trim?: (index: number, source: string) => string | undefined;
  /** The text of the first (markdown) cell, saying what this slice is, given the kept trial cell indexes. */
  header: (kept: number[]) => string;
}

export interface SlicePlan {
  notebook: Record<string, unknown>;
  /** Trial cell indexes kept, in order. */
  kept: number[];
  dropped: number[];
  /** Kept cells whose source came from the content store (the notebook changed since the trial); never the injected cell. */
  fromStore: number[];
  /** Kept cells reduced to some of their statements. */
  trimmed: number[];
}

const DEFAULT_METADATA = { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' } };

/**
 * The notebook holding only the kept cells of a trial, in trial order, with cleared outputs. Each trial cell is
 * matched to the notebook's cell with the same source hash (the same cell id first), so metadata and tags survive;
 * a cell edited since the trial is taken from the content store, as it ran. Throws NBPROV_NOT_FOUND when a kept
 * cell's source is in neither.
 */
export function sliceNotebook(input: SliceInput): SlicePlan {
  const { original } = input;
  const withIds = !original || (original.nbformat_minor ?? 0) >= 5;
  const candidates = (original?.cells ?? [])
    .filter((c) => c.cell_type === 'code')
    .map((c) => ({ cell: c as unknown as Record<string, unknown>, hash: sha1(joinSource(c.source) ?? ''), used: false }));
  const cells: Record<string, unknown>[] = [];
  const plan: SlicePlan = { notebook: {}, kept: [], dropped: [], fromStore: [], trimmed: [] };
  for (const tc of input.trialCells) {
    const same = candidates.filter((c) => !c.used && c.hash === tc.codeHash);
    const match = same.find((c) => tc.cellId !== null && c.cell.id === tc.cellId) ?? same[0];
    if (match) match.used = true;
    const tags = (match?.cell.metadata as { tags?: unknown } | undefined)?.tags;
    const isParameters = Array.isArray(tags) && tags.includes('parameters');
    if (!input.keep.has(tc.index) && !isParameters) {
      plan.dropped.push(tc.index);
      continue;
    }
    plan.kept.push(tc.index);
    const source = match ? joinSource(match.cell.source) ?? '' : input.sourceOf(tc.codeHash);
    if (source === undefined) {
      throw new NbprovError('NBPROV_NOT_FOUND', `the source of cell ${tc.index} is neither in the notebook nor in the content store`, {
        hint: 'the notebook changed since this trial and .noworkflow/content lost the cell; re-run the notebook and slice the new trial',
      });
    }
    const trimmed = isParameters ? undefined : input.trim?.(tc.index, source);
    if (trimmed !== undefined && trimmed !== source) plan.trimmed.push(tc.index);
    const body = trimmed === undefined ? {} : { source: splitLines(trimmed) };
    if (match) {
      cells.push({ ...match.cell, ...body, outputs: [], execution_count: null });
      continue;
    }
    // The injected cell is never on disk: taking it as it ran is no change to warn about.
    const injected = tc.injected;
    if (!injected) plan.fromStore.push(tc.index);
    // keeping the injected cell's tag lets a later -p replace it, as papermill does
    cells.push({
      cell_type: 'code',
      ...(withIds ? { id: tc.cellId ?? randomBytes(4).toString('hex') } : {}),
      metadata: injected ? { tags: ['injected-parameters'] } : {},
      source: splitLines(trimmed ?? source),
      outputs: [],
      execution_count: null,
    });
  }
  cells.unshift(markdown(input.header(plan.kept), withIds));
  plan.notebook = original
    ? { ...original, cells }
    : { cells, metadata: DEFAULT_METADATA, nbformat: 4, nbformat_minor: 5 };
  return plan;
}

function markdown(text: string, withId: boolean): Record<string, unknown> {
  return { cell_type: 'markdown', ...(withId ? { id: randomBytes(4).toString('hex') } : {}), metadata: {}, source: splitLines(text) };
}
