import type Database from 'better-sqlite3';
import { trialEnvironment, trialModules } from '../store/environment.js';
import { trialCells, trialFileAccesses, trialParameters, type CellRow, type FileAccess, type TrialSummary } from '../store/queries.js';
import { trialCellStages, trialTagVersions, type TagVersionRow } from '../store/stage-tags.js';
import { isEnvironmentPath } from './file-reads.js';
import { recordedValue, type RecordedValue } from './values.js';

/** One executed (or planned) cell of a trial, with its stage. */
export interface SnapshotCell extends CellRow {
  stage: string | null;
}

export interface TaggedVariable {
  name: string;
  kind: string;
  value: RecordedValue;
  /** The final version's evaluation; null when the trial recorded no versions (noWorkflow's own trials). */
  evaluationId: number | null;
  activationId: number | null;
}

export type { FileAccess };

/** Everything `nbprov diff` compares about one trial except its lineage. */
export interface TrialSnapshot {
  trial: TrialSummary;
  /** -p / -r / -f values injected into this run, or null. */
  parameters: Record<string, unknown> | null;
  cells: SnapshotCell[];
  tags: Map<string, TaggedVariable>;
  environment: Map<string, string>;
  modules: Map<string, string | null>;
  /** The notebook's file accesses, in order; reads of /proc, /sys, /dev and the Python installation left out. */
  files: FileAccess[];
}

/** Reads what `diff` compares about one trial. */
export function readSnapshot(db: Database.Database, trial: TrialSummary): TrialSnapshot {
  const stages = trialCellStages(db, trial.id);
  const cells = trialCells(db, trial.id).map((c) => ({ ...c, stage: (c.activationId !== null && stages.get(c.activationId)) || null }));
  const tags = new Map<string, TaggedVariable>();
  for (const r of trialTagVersions(db, trial.id)) {
    tags.set(r.name, { name: r.name, kind: r.kind, value: tagValue(r), evaluationId: r.evaluationId, activationId: r.activationId });
  }
  const environment = trialEnvironment(db, trial.id);
  return {
    trial,
    parameters: trialParameters(db, trial.id),
    cells,
    tags,
    environment,
    modules: new Map(trialModules(db, trial.id).map((m) => [m.name, m.version])),
    files: trialFileAccesses(db, trial.id).filter((f) => !isEnvironmentPath(f.name, environment)),
  };
}

/**
 * Whether a module's absence from one trial is no change: that trial stopped early (failed, interrupted, ...) or
 * skipped cells (`run --only/--stage`), and may never have reached the import. A finished trial that ran every
 * cell and lacks a module really ran without it.
 */
export function unreachedModule(name: string, a: TrialSnapshot, b: TrialSnapshot): boolean {
  return [a, b].some((s) => !s.modules.has(name) && (s.trial.status !== 'finished' || s.cells.some((c) => c.status === 'skipped')));
}

function tagValue(r: TagVersionRow): RecordedValue {
  if (r.evaluationId !== null) return recordedValue(r.json, r.summary, r.json === null ? r.tagValue : null);
  // No version row (a tag written by noWorkflow itself): the tag's text is all there is.
  return isJson(r.tagValue) ? recordedValue(r.tagValue, null, null) : recordedValue(null, null, r.tagValue);
}

function isJson(text: string | null): text is string {
  if (text === null) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
