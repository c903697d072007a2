import type Database from 'better-sqlite3';
import { loadNotebook, type LoadedNotebook } from '../notebook/load.js';
import { cellStages, variableTags } from '../notebook/tags.js';
import { addTrialCellStages } from '../store/stage-tags.js';
import type { TrialWriter } from '../store/trial-writer.js';
import type { ExecutedNotebook } from '../notebook/executed-notebook.js';

/**
 * Tags the variables of a finished trial: the notebook's own tags at their final versions, then `param` for the
 * scalars, strings and small containers the `parameters` / `injected-parameters` cells assigned (papermill's
 * convention), at the versions those cells made. Tags added to
 * the notebook file while the trial ran count too (cells matched by code hash): `nbprov tag` backfills only what
 * is recorded when it runs. Returns the tagged names never assigned.
 */
export function recordTags(db: Database.Database, writer: TrialWriter, nb: LoadedNotebook, executed: ExecutedNotebook, notebookPath: string): string[] {
  const now = notebookNow(notebookPath);
  const tags = { ...variableTags(nb), ...(now ? variableTags(now) : {}) };
  const paramHashes = new Set(now?.codeCells.filter((c) => c.tags.includes('parameters')).map((c) => c.codeHash));
  const paramCells = nb.codeCells.filter((c) => executed.has(c.index) && (c.tags.includes('parameters') || c.tags.includes('injected-parameters') || paramHashes.has(c.codeHash)));
  for (const name of writer.namesAssignedIn(paramCells.map((c) => c.index))) tags[name] ??= 'param';
  if (now) {
    const staged = cellStages(nb);
    const stagedAtStart = new Set(nb.codeCells.filter((c) => staged.has(c.index)).map((c) => c.codeHash));
    const stages = cellStages(now);
    const added = now.codeCells.filter((c) => stages.has(c.index) && !stagedAtStart.has(c.codeHash));
    addTrialCellStages(db, writer.id, new Map(added.map((c) => [c.codeHash, stages.get(c.index)!])));
  }
  return writer.tagVariables(tags, paramCells.map((c) => c.index));
}

/** The notebook file as it is now, or undefined when it no longer reads as a notebook. */
function notebookNow(path: string): LoadedNotebook | undefined {
  try {
    return loadNotebook(path);
  } catch {
    return undefined;
  }
}
