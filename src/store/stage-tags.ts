import type Database from 'better-sqlite3';
import { REPR_LIMIT } from '../limits.js';
import { preparedOnce } from './db.js';

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

/** A variable tag with the version it names (noWorkflow's own tags name none: evaluationId and json null). */
export interface TagVersionRow {
  name: string;
  kind: string;
  /** The tag's own text: the exact scalar, or a repr cut at REPR_LIMIT chars. */
  tagValue: string | null;
  activationId: number | null;
  evaluationId: number | null;
  json: string | null;
  summary: string | null;
}

const SMALL_CONTAINER = 20;

/**
 * Whether an nbprov_value row `v` is worth a `param` column: a scalar (numpy's too), a string, None, or a
 * container of at most SMALL_CONTAINER items; never an array, a frame or another object.
 */
const PARAM_WORTHY = `json_extract(CASE WHEN json_valid(v.summary) THEN v.summary ELSE '{}' END, '$.shape') IS NULL AND (
  v.type IN ('int', 'float', 'bool', 'str', 'NoneType', 'complex', 'bytes') OR (v.type LIKE 'numpy.%' AND v.type <> 'numpy.ndarray')
  OR (v.type IN ('tuple', 'list', 'dict', 'set', 'frozenset')
      AND COALESCE(json_extract(CASE WHEN json_valid(v.summary) THEN v.summary ELSE '{}' END, '$.len'), 0) <= ${SMALL_CONTAINER}))`;

/** The cells of `notebook`'s trials that ran this code (`@notebook`, `@codeHash`). */
const CELLS_WITH_CODE = `SELECT c.trial_id AS trialId, c.cell_index AS cellIndex, c.activation_id AS activationId
  FROM nbprov_cell c JOIN nbprov_trial t ON t.trial_id = c.trial_id
  WHERE t.notebook = @notebook AND c.code_hash = @codeHash AND c.activation_id IS NOT NULL`;

/** What tagging, backfilling and auto-tagging run; prepared once per connection. */
const statements = preparedOnce((db) => ({
  stageExists: db.prepare('SELECT 1 FROM stage_tags WHERE trial_id = ? AND activation_id = ? AND variable_name IS NULL AND tag_name = ?'),
  activationName: db.prepare('SELECT name FROM activation WHERE trial_id = ? AND id = ?').pluck(),
  insertStage: db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, ?, NULL, NULL)'),
  lastVersion: db.prepare(
    'SELECT evaluation_id AS evaluationId, activation_id AS activationId, value, kind, type FROM nbprov_value WHERE trial_id = ? AND name = ? ORDER BY evaluation_id DESC LIMIT 1',
  ),
  lastVersionInCells: db.prepare(
    `SELECT v.evaluation_id AS evaluationId, v.activation_id AS activationId, v.value, v.kind, v.type
     FROM nbprov_value v JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id
     WHERE v.trial_id = @trialId AND v.name = @name AND (c.injected = 1 OR c.cell_index IN (SELECT value FROM json_each(@cells)))
     ORDER BY v.evaluation_id DESC LIMIT 1`,
  ),
  evaluationRepr: db.prepare('SELECT repr FROM evaluation WHERE trial_id = ? AND id = ?').pluck(),
  deleteVariableTag: db.prepare('DELETE FROM stage_tags WHERE trial_id = ? AND variable_name = ?'),
  insertVariableTag: db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
  variableTagged: db.prepare('SELECT 1 FROM stage_tags WHERE trial_id = ? AND variable_name = ?'),
  nextId: db.prepare('SELECT COALESCE(MAX(id), 0) + 1 FROM stage_tags WHERE trial_id = ?').pluck(),
  parameterNames: db
    .prepare(
      `SELECT v.name FROM nbprov_value v WHERE v.trial_id = @trialId AND v.evaluation_id IN (
         SELECT MAX(w.evaluation_id) FROM nbprov_value w JOIN nbprov_cell c ON c.trial_id = w.trial_id AND c.activation_id = w.activation_id
         WHERE w.trial_id = @trialId AND c.cell_index IN (SELECT value FROM json_each(@cells)) AND w.kind NOT IN ('import', 'def', 'class', 'del')
         GROUP BY w.name)
       AND ${PARAM_WORTHY} ORDER BY v.name`,
    )
    .pluck(),
  cellsWithCode: db.prepare(CELLS_WITH_CODE),
  trialActivationsWithCode: db.prepare('SELECT activation_id FROM nbprov_cell WHERE trial_id = ? AND code_hash = ? AND activation_id IS NOT NULL').pluck(),
  removeParametersCellRows: db.prepare(
    `DELETE FROM stage_tags WHERE tag_name = 'param' AND variable_name IS NOT NULL AND variable_name NOT IN (SELECT value FROM json_each(@keep))
     AND EXISTS (
       SELECT 1 FROM nbprov_value v JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id
       JOIN nbprov_trial t ON t.trial_id = c.trial_id
       WHERE t.notebook = @notebook AND c.code_hash = @codeHash AND v.trial_id = stage_tags.trial_id AND v.name = stage_tags.variable_name)
     AND NOT EXISTS (
       SELECT 1 FROM nbprov_value v JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id
       WHERE c.injected = 1 AND v.trial_id = stage_tags.trial_id AND v.name = stage_tags.variable_name)`,
  ),
  removeCellStageRows: db.prepare(
    `DELETE FROM stage_tags WHERE variable_name IS NULL AND tag_name = @stage AND EXISTS (
       SELECT 1 FROM (${CELLS_WITH_CODE}) c WHERE c.trialId = stage_tags.trial_id AND c.activationId = stage_tags.activation_id)`,
  ),
  trialsWithoutVariableTag: db
    .prepare(
      `SELECT t.trial_id FROM nbprov_trial t WHERE t.notebook = ?
       AND NOT EXISTS (SELECT 1 FROM stage_tags s WHERE s.trial_id = t.trial_id AND s.variable_name = ? AND s.tag_name = ?)`,
    )
    .pluck(),
  removeVariableTagRows: db.prepare('DELETE FROM stage_tags WHERE variable_name = ? AND trial_id IN (SELECT trial_id FROM nbprov_trial WHERE notebook = ?)'),
}));

/**
 * What `show`, `deps` and `diff` read, each prepared apart: a read-only command prepares neither the writes nor the
 * reads it does not make.
 */
const variableTagsStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT s.variable_name AS name, s.tag_name AS kind, s.variable_value AS value, v.type, v.evaluation_id AS evaluationId,
            s.activation_id AS activationId, c.cell_index AS cellIndex,
            (SELECT st.tag_name FROM stage_tags st WHERE st.trial_id = s.trial_id AND st.activation_id = s.activation_id AND st.variable_name IS NULL LIMIT 1) AS stage
     FROM stage_tags s
     LEFT JOIN nbprov_value v ON v.trial_id = s.trial_id AND v.evaluation_id = (
       SELECT MAX(evaluation_id) FROM nbprov_value WHERE trial_id = s.trial_id AND name = s.variable_name AND activation_id = s.activation_id)
     LEFT JOIN nbprov_cell c ON c.trial_id = s.trial_id AND c.activation_id = s.activation_id
     WHERE s.trial_id = ? AND s.variable_name IS NOT NULL ORDER BY s.tag_name, s.variable_name`,
  ),
);

// In id order: of two stages of one activation, the later tag wins (the primary key's order, so no sort).
const cellStagesStatement = preparedOnce((db) =>
  db.prepare('SELECT activation_id AS activationId, tag_name AS stage FROM stage_tags WHERE trial_id = ? AND variable_name IS NULL AND activation_id IS NOT NULL ORDER BY id'),
);

// The tag's own value is the exact scalar or a repr cut at REPR_LIMIT chars; nbprov_value keeps the summary too: of the
// version the tag names (its cell's last one), which for a parameter is the one its parameters cell set.
const tagVersionsStatement = preparedOnce((db) =>
  db.prepare(
    `SELECT s.variable_name AS name, s.tag_name AS kind, s.variable_value AS tagValue, s.activation_id AS activationId,
            v.evaluation_id AS evaluationId, v.value AS json, v.summary
     FROM stage_tags s
     LEFT JOIN nbprov_value v ON v.trial_id = s.trial_id
       AND v.evaluation_id = (SELECT MAX(evaluation_id) FROM nbprov_value WHERE trial_id = s.trial_id AND name = s.variable_name AND activation_id = s.activation_id)
     WHERE s.trial_id = ? AND s.variable_name IS NOT NULL ORDER BY s.variable_name`,
  ),
);

const NON_FINITE = new Set(['"nan"', '"inf"', '"-inf"']);

/** Adds a stage row for one cell activation; false when it was there already. */
export function insertCellStage(db: Database.Database, trialId: string, activationId: number, stage: string): boolean {
  const st = statements(db);
  if (st.stageExists.get(trialId, activationId, stage)) return false;
  const name = (st.activationName.get(trialId, activationId) as string | undefined) ?? null;
  st.insertStage.run(trialId, nextId(db, trialId), name, stage, activationId);
  return true;
}

/**
 * Tags the final version of `name` in a trial; returns false when the trial never assigned it (or recorded no
 * variables). An existing tag of the same variable is replaced.
 */
export function insertVariableTag(db: Database.Database, trialId: string, name: string, kind: string, parameterCells?: number[]): boolean {
  const st = statements(db);
  type Version = { evaluationId: number; activationId: number; value: string | null; kind: string; type: string | null };
  // A parameter is what the parameters (or injected) cell set: a dict it creates and later cells fill is not a
  // different parameter in each trial. Anything else, and a param those cells did not assign, is its final version.
  const inCells = parameterCells && kind === 'param' ? (st.lastVersionInCells.get({ trialId, name, cells: JSON.stringify(parameterCells) }) as Version | undefined) : undefined;
  const last = inCells ?? (st.lastVersion.get(trialId, name) as Version | undefined);
  if (!last || last.kind === 'del') return false;
  const repr = (st.evaluationRepr.get(trialId, last.evaluationId) as string | undefined) ?? null;
  // The collector writes a float nan or inf as the JSON string "nan": the repr keeps it apart from the string 'nan'.
  const nonFinite = NON_FINITE.has(last.value ?? '') && last.type !== 'str' && last.type !== 'numpy.str_';
  const value = last.value !== null && !nonFinite ? last.value : repr;
  st.deleteVariableTag.run(trialId, name);
  st.insertVariableTag.run(trialId, nextId(db, trialId), name, kind, last.activationId, name, value?.slice(0, REPR_LIMIT) ?? null);
  return true;
}

/**
 * The names a trial's given cells (1-based indices) assigned whose final version there is worth a `param` tag (see
 * PARAM_WORTHY): what a parameters cell's auto-tagging tags.
 */
export function parameterNamesAssigned(db: Database.Database, trialId: string, cellIndices: number[]): string[] {
  if (cellIndices.length === 0) return [];
  return statements(db).parameterNames.all({ trialId, cells: JSON.stringify(cellIndices) }) as string[];
}

/**
 * `param` tags for what a newly tagged parameters cell assigned, in every trial of `notebook` that ran its code; a
 * variable the trial tagged already keeps its tag. Returns how many trials got a tag.
 */
export function backfillParametersCell(db: Database.Database, notebook: string, codeHash: string): number {
  const st = statements(db);
  const cells = st.cellsWithCode.all({ notebook, codeHash }) as { trialId: string; cellIndex: number }[];
  const trials = new Set<string>();
  db.transaction(() => {
    for (const c of cells) {
      for (const name of parameterNamesAssigned(db, c.trialId, [c.cellIndex])) {
        if (!st.variableTagged.get(c.trialId, name) && insertVariableTag(db, c.trialId, name, 'param', [c.cellIndex])) trials.add(c.trialId);
      }
    }
  }).immediate();
  return trials.size;
}

/**
 * Removes the `param` tags a parameters cell's code gave: of the names it assigned, except those in `keep` (tagged
 * in the notebook) and those an injected cell of the trial assigned. Returns how many rows went.
 */
export function removeParametersCellRows(db: Database.Database, notebook: string, codeHash: string, keep: string[]): number {
  return statements(db).removeParametersCellRows.run({ keep: JSON.stringify(keep), notebook, codeHash }).changes;
}

/** Stage rows for one trial's activations of cells with these code hashes (hash → stage); returns how many were added. */
export function addTrialCellStages(db: Database.Database, trialId: string, stages: Map<string, string>): number {
  const st = statements(db);
  let added = 0;
  db.transaction(() => {
    for (const [codeHash, stage] of stages) {
      for (const activationId of st.trialActivationsWithCode.all(trialId, codeHash) as number[]) if (insertCellStage(db, trialId, activationId, stage)) added++;
    }
  }).immediate();
  return added;
}

/** Stage rows for every earlier trial of `notebook` that ran a cell with this code hash; returns how many were added. */
export function backfillCellStage(db: Database.Database, notebook: string, codeHash: string, stage: string): number {
  const activations = statements(db).cellsWithCode.all({ notebook, codeHash }) as { trialId: string; activationId: number }[];
  let added = 0;
  db.transaction(() => {
    for (const a of activations) if (insertCellStage(db, a.trialId, a.activationId, stage)) added++;
  }).immediate();
  return added;
}

/** Removes a stage from every trial's activations of cells with this code hash; returns how many rows went. */
export function removeCellStageRows(db: Database.Database, notebook: string, codeHash: string, stage: string): number {
  return statements(db).removeCellStageRows.run({ stage, notebook, codeHash }).changes;
}

/**
 * Tags `name` in every trial of `notebook` that assigned it and does not have the tag yet (so tagging again only
 * reaches trials recorded since); returns how many trials got the tag.
 */
export function backfillVariableTag(db: Database.Database, notebook: string, name: string, kind: string): number {
  const trials = statements(db).trialsWithoutVariableTag.all(notebook, name, kind) as string[];
  let tagged = 0;
  db.transaction(() => {
    for (const trialId of trials) if (insertVariableTag(db, trialId, name, kind)) tagged++;
  }).immediate();
  return tagged;
}

export function removeVariableTagRows(db: Database.Database, notebook: string, name: string): number {
  return statements(db).removeVariableTagRows.run(name, notebook).changes;
}

/** A trial's tagged variables with their final values, cells and stages. */
export function trialVariableTags(db: Database.Database, trialId: string): VariableTagRow[] {
  return variableTagsStatement(db).all(trialId) as VariableTagRow[];
}

/** A trial's cell stages: activation id → stage (the newest row's, should a cell run have two). */
export function trialCellStages(db: Database.Database, trialId: string): Map<number, string> {
  return new Map(trialCellStageRows(db, trialId).map((r) => [r.activationId, r.stage]));
}

/**
 * A trial's cell stage rows, oldest first: for a reader that wants a few activations' stages and need not index
 * them all (a trial of 10^4 tagged cell runs has as many rows).
 */
export function trialCellStageRows(db: Database.Database, trialId: string): { activationId: number; stage: string }[] {
  return cellStagesStatement(db).all(trialId) as { activationId: number; stage: string }[];
}

/** A trial's tagged variables by name, each with the version its tag names; evaluationId null when there is none. */
export function trialTagVersions(db: Database.Database, trialId: string): TagVersionRow[] {
  return tagVersionsStatement(db).all(trialId) as TagVersionRow[];
}

function nextId(db: Database.Database, trialId: string): number {
  return statements(db).nextId.get(trialId) as number;
}
