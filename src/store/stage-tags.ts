import type Database from 'better-sqlite3';

/**
 * noWorkflow's `stage_tags` table, filled completely (upstream leaves activation_id and the variable columns NULL):
 * - a cell stage: name = the activation's name, tag_name = the stage, activation_id = the cell's activation;
 * - a variable tag: name = variable_name = the variable, tag_name = its kind (param, metric:max, ...),
 *   activation_id = the activation of the evaluation that produced its final value, variable_value = that value.
 */

export interface VariableTagRow {
  name: string;
  kind: string;
  value: string | null;
  type: string | null;
  evaluationId: number;
  activationId: number;
  cellIndex: number | null;
  stage: string | null;
}

const VALUE_LIMIT = 256;
const NON_FINITE = new Set(['"nan"', '"inf"', '"-inf"']);

/** Adds a stage row for one cell activation; false when it was there already. */
export function insertCellStage(db: Database.Database, trialId: string, activationId: number, stage: string): boolean {
  const exists = db.prepare('SELECT 1 FROM stage_tags WHERE trial_id = ? AND activation_id = ? AND variable_name IS NULL AND tag_name = ?').get(trialId, activationId, stage);
  if (exists) return false;
  const name = (db.prepare('SELECT name FROM activation WHERE trial_id = ? AND id = ?').get(trialId, activationId) as { name: string } | undefined)?.name ?? null;
  db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, ?, NULL, NULL)').run(
    trialId, nextId(db, trialId), name, stage, activationId,
  );
  return true;
}

/**
 * Tags the final version of `name` in a trial; returns false when the trial never assigned it (or recorded no
 * variables). An existing tag of the same variable is replaced.
 */
export function insertVariableTag(db: Database.Database, trialId: string, name: string, kind: string): boolean {
  const last = db
    .prepare('SELECT evaluation_id AS evaluationId, activation_id AS activationId, value, kind, type FROM nbprov_value WHERE trial_id = ? AND name = ? ORDER BY evaluation_id DESC LIMIT 1')
    .get(trialId, name) as { evaluationId: number; activationId: number; value: string | null; kind: string; type: string | null } | undefined;
  if (!last || last.kind === 'del') return false;
  const repr = (db.prepare('SELECT repr FROM evaluation WHERE trial_id = ? AND id = ?').get(trialId, last.evaluationId) as { repr: string } | undefined)?.repr ?? null;
  // The collector writes a float nan or inf as the JSON string "nan": the repr keeps it apart from the string 'nan'.
  const nonFinite = NON_FINITE.has(last.value ?? '') && last.type !== 'str' && last.type !== 'numpy.str_';
  const value = last.value !== null && !nonFinite ? last.value : repr;
  db.prepare('DELETE FROM stage_tags WHERE trial_id = ? AND variable_name = ?').run(trialId, name);
  db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    trialId, nextId(db, trialId), name, kind, last.activationId, name, value?.slice(0, VALUE_LIMIT) ?? null,
  );
  return true;
}

/** Stage rows for every earlier trial of `notebook` that ran a cell with this code hash; returns how many were added. */
export function backfillCellStage(db: Database.Database, notebook: string, codeHash: string, stage: string): number {
  const activations = db
    .prepare(
      `SELECT c.trial_id AS trialId, c.activation_id AS activationId FROM nbprov_cell c JOIN nbprov_trial t ON t.trial_id = c.trial_id
       WHERE t.notebook = ? AND c.code_hash = ? AND c.activation_id IS NOT NULL`,
    )
    .all(notebook, codeHash) as { trialId: string; activationId: number }[];
  let added = 0;
  db.transaction(() => {
    for (const a of activations) if (insertCellStage(db, a.trialId, a.activationId, stage)) added++;
  }).immediate();
  return added;
}

/** Removes a stage from every trial's activations of cells with this code hash; returns how many rows went. */
export function removeCellStageRows(db: Database.Database, notebook: string, codeHash: string, stage: string): number {
  return db
    .prepare(
      `DELETE FROM stage_tags WHERE variable_name IS NULL AND tag_name = ? AND EXISTS (
         SELECT 1 FROM nbprov_cell c JOIN nbprov_trial t ON t.trial_id = c.trial_id
         WHERE t.notebook = ? AND c.code_hash = ? AND c.trial_id = stage_tags.trial_id AND c.activation_id = stage_tags.activation_id)`,
    )
    .run(stage, notebook, codeHash).changes;
}

/** Tags `name` in every trial of `notebook` that assigned it; returns how many trials got the tag. */
export function backfillVariableTag(db: Database.Database, notebook: string, name: string, kind: string): number {
  const trials = db.prepare('SELECT trial_id AS id FROM nbprov_trial WHERE notebook = ?').all(notebook) as { id: string }[];
  let tagged = 0;
  db.transaction(() => {
    for (const t of trials) if (insertVariableTag(db, t.id, name, kind)) tagged++;
  }).immediate();
  return tagged;
}

export function removeVariableTagRows(db: Database.Database, notebook: string, name: string): number {
  return db
    .prepare('DELETE FROM stage_tags WHERE variable_name = ? AND trial_id IN (SELECT trial_id FROM nbprov_trial WHERE notebook = ?)')
    .run(name, notebook).changes;
}

/** A trial's tagged variables with their final values, cells and stages. */
export function trialVariableTags(db: Database.Database, trialId: string): VariableTagRow[] {
  return db
    .prepare(
      `SELECT s.variable_name AS name, s.tag_name AS kind, s.variable_value AS value, v.type, v.evaluation_id AS evaluationId,
              s.activation_id AS activationId, c.cell_index AS cellIndex,
              (SELECT st.tag_name FROM stage_tags st WHERE st.trial_id = s.trial_id AND st.activation_id = s.activation_id AND st.variable_name IS NULL LIMIT 1) AS stage
       FROM stage_tags s
       LEFT JOIN nbprov_value v ON v.trial_id = s.trial_id AND v.evaluation_id = (
         SELECT MAX(evaluation_id) FROM nbprov_value WHERE trial_id = s.trial_id AND name = s.variable_name)
       LEFT JOIN nbprov_cell c ON c.trial_id = s.trial_id AND c.activation_id = s.activation_id
       WHERE s.trial_id = ? AND s.variable_name IS NOT NULL ORDER BY s.tag_name, s.variable_name`,
    )
    .all(trialId) as VariableTagRow[];
}

/** A trial's cell stages: activation id → stage. */
export function trialCellStages(db: Database.Database, trialId: string): Map<number, string> {
  const rows = db.prepare('SELECT activation_id AS activationId, tag_name AS stage FROM stage_tags WHERE trial_id = ? AND variable_name IS NULL AND activation_id IS NOT NULL').all(trialId) as {
    activationId: number;
    stage: string;
  }[];
  return new Map(rows.map((r) => [r.activationId, r.stage]));
}

function nextId(db: Database.Database, trialId: string): number {
  return (db.prepare('SELECT COALESCE(MAX(id), 0) + 1 AS id FROM stage_tags WHERE trial_id = ?').get(trialId) as { id: number }).id;
}
