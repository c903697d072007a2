import type Database from 'better-sqlite3';
import { trialCells, trialFileAccesses, type CellRow, type FileAccess, type TrialSummary } from '../store/queries.js';
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

/** Reads trial snapshots; statements are prepared once per database. */
export class SnapshotReader {
  readonly #parameters: Database.Statement;
  readonly #db: Database.Database;
  readonly #stages: Database.Statement;
  readonly #tags: Database.Statement;
  readonly #environment: Database.Statement;
  readonly #modules: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#parameters = db.prepare('SELECT parameters FROM nbprov_trial WHERE trial_id = ?').pluck();
    this.#stages = db.prepare('SELECT activation_id AS activationId, tag_name AS stage FROM stage_tags WHERE trial_id = ? AND variable_name IS NULL AND activation_id IS NOT NULL ORDER BY id');
    // The tag's own value is the exact scalar or a repr cut at 256 chars; nbprov_value keeps the summary too: of the
    // version the tag names (its cell's last one), which for a parameter is the one its parameters cell set.
    this.#tags = db.prepare(
      `SELECT s.variable_name AS name, s.tag_name AS kind, s.variable_value AS tagValue, s.activation_id AS activationId,
              v.evaluation_id AS evaluationId, v.value AS json, v.summary
       FROM stage_tags s
       LEFT JOIN nbprov_value v ON v.trial_id = s.trial_id
         AND v.evaluation_id = (SELECT MAX(evaluation_id) FROM nbprov_value WHERE trial_id = s.trial_id AND name = s.variable_name AND activation_id = s.activation_id)
       WHERE s.trial_id = ? AND s.variable_name IS NOT NULL ORDER BY s.variable_name`,
    );
    this.#environment = db.prepare('SELECT name, value FROM environment_attr WHERE trial_id = ? ORDER BY id').raw();
    this.#modules = db.prepare('SELECT name, version FROM module WHERE trial_id = ? ORDER BY name').raw();
  }

  read(trial: TrialSummary): TrialSnapshot {
    const parametersText = this.#parameters.get(trial.id) as string | null | undefined;
    const parameters = parametersText ? (JSON.parse(parametersText) as Record<string, unknown>) : null;
    const stages = new Map((this.#stages.all(trial.id) as { activationId: number; stage: string }[]).map((r) => [r.activationId, r.stage]));
    const cells = trialCells(this.#db, trial.id).map((c) => ({ ...c, stage: (c.activationId !== null && stages.get(c.activationId)) || null }));
    const tags = new Map<string, TaggedVariable>();
    for (const r of this.#tags.all(trial.id) as TagRow[]) {
      tags.set(r.name, { name: r.name, kind: r.kind, value: tagValue(r), evaluationId: r.evaluationId, activationId: r.activationId });
    }
    const environment = new Map(this.#environment.all(trial.id) as [string, string][]);
    return {
      trial,
      parameters,
      cells,
      tags,
      environment,
      modules: new Map(this.#modules.all(trial.id) as [string, string | null][]),
      files: trialFileAccesses(this.#db, trial.id).filter((f) => !isEnvironmentPath(f.name, environment)),
    };
  }
}

/**
 * Whether a module's absence from one trial is no change: that trial stopped early (failed, interrupted, ...) and
 * may never have reached the import. A finished trial that lacks a module really ran without it.
 */
export function unreachedModule(name: string, a: TrialSnapshot, b: TrialSnapshot): boolean {
  return [a, b].some((s) => !s.modules.has(name) && s.trial.status !== 'finished');
}

interface TagRow {
  name: string;
  kind: string;
  tagValue: string | null;
  activationId: number | null;
  evaluationId: number | null;
  json: string | null;
  summary: string | null;
}

function tagValue(r: TagRow): RecordedValue {
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
