import type Database from 'better-sqlite3';
import { trialEnvironment, trialModules } from '../store/environment.js';
import { cellSource, decodeValue, trialCells, type CellRow, type TrialSummary } from '../store/queries.js';
import { trialCellStages, trialVariableTags } from '../store/stage-tags.js';

/** One trial as `nbprov show --json` prints it: header, environment, modules, tagged variables, cells. */
export interface TrialDetail {
  trial: TrialSummary;
  environment: Record<string, string>;
  modules: ReturnType<typeof trialModules>;
  variables: { name: string; kind: string; value: unknown; type: string | null; cell: number | null; stage: string | null }[];
  cells: (CellRow & { stage: string | null; source: string | undefined })[];
}

/** Reads what `show` prints; cell sources (from the content store beside the database) only when asked. */
export function trialDetail(db: Database.Database, dbDir: string, trial: TrialSummary, opts: { source: boolean }): TrialDetail {
  const stages = trialCellStages(db, trial.id);
  const cells = trialCells(db, trial.id).map((c) => ({
    ...c,
    stage: (c.activationId !== null && stages.get(c.activationId)) || null,
    source: opts.source ? cellSource(dbDir, c.codeHash) : undefined,
  }));
  const variables = trialVariableTags(db, trial.id).map((v) => ({ name: v.name, kind: v.kind, value: decodeValue(v.value), type: v.type, cell: v.cellIndex, stage: v.stage }));
  return { trial, environment: Object.fromEntries(trialEnvironment(db, trial.id)), modules: trialModules(db, trial.id), variables, cells };
}
