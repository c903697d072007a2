import { NbprovError } from '../errors.js';
import { setKey, type NotebookDocument } from './edit.js';
import type { LoadedNotebook } from './load.js';
import { STANDARD_STAGES, parseStage, stageOf } from './stages.js';

/** What nbprov keeps in notebook-level metadata: custom stage names and variable tags. */
interface NbprovMetadata {
  stages?: string[];
  variables?: Record<string, string>;
}

const VARIABLE_KIND = /^[a-z][a-z0-9-]*(:(max|min))?$/;
const INLINE_TAG = /^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=).*#\s*nbprov:\s*([a-z][a-z0-9-]*(?::(?:max|min))?)\s*$/;

/** Validates a variable tag kind: `param`, `metric`, `metric:max`, `metric:min` or a custom `[a-z0-9-]+`. */
export function parseVariableKind(kind: string): string {
  if (!VARIABLE_KIND.test(kind)) {
    throw new NbprovError('NBPROV_USAGE', `variable tag '${kind}' is not param, metric, metric:max, metric:min or a lowercase name`);
  }
  return kind;
}

export function customStages(metadata: unknown): string[] {
  const stages = nbprovMetadata(metadata).stages;
  return Array.isArray(stages) ? stages.filter((s) => typeof s === 'string') : [];
}

/** The stage of each code cell (1-based index among all cells), from its tags. */
export function cellStages(nb: LoadedNotebook): Map<number, string> {
  const custom = customStages(nb.content.metadata);
  const stages = new Map<number, string>();
  for (const cell of nb.codeCells) {
    const stage = stageOf(cell.tags, custom);
    if (stage) stages.set(cell.index, stage);
  }
  return stages;
}

/**
 * The notebook's variable tags: `metadata.nbprov.variables`, then trailing `# nbprov: KIND` comments on
 * assignments (a comment wins over metadata for its variable).
 */
export function variableTags(nb: LoadedNotebook): Record<string, string> {
  const tags: Record<string, string> = { ...(nbprovMetadata(nb.content.metadata).variables ?? {}) };
  for (const cell of nb.codeCells) {
    for (const line of cell.source.split('\n')) {
      const m = INLINE_TAG.exec(line);
      if (m) tags[m[1]] = m[2];
    }
  }
  return tags;
}

/** Finds a code cell by 1-based index (as `nbprov cells` lists) or by cell id. */
export function findCell(doc: NotebookDocument, selector: string): { index: number; cell: Record<string, unknown> } {
  const cells = doc.json.cells;
  let index = /^\d+$/.test(selector) ? Number(selector) : cells.findIndex((c) => c.id === selector) + 1;
  if (index < 1 || index > cells.length) {
    const what = /^\d+$/.test(selector) ? `cell ${selector} is out of range` : `no cell has id '${selector}'`;
    throw new NbprovError('NBPROV_USAGE', `${what}: ${doc.path} has ${cells.length} cells`, { hint: `see \`nbprov cells ${doc.path}\`` });
  }
  const cell = cells[index - 1];
  if (cell.cell_type !== 'code') throw new NbprovError('NBPROV_USAGE', `cell ${index} is a ${cell.cell_type} cell; only code cells have stages`);
  return { index, cell };
}

/** The papermill tag of the cell holding the defaults, after which `-p` values are injected. */
export const PARAMETERS_TAG = 'parameters';

/**
 * Tags a code cell with a stage (at most one per cell); custom stages are registered in the notebook metadata.
 * `already`: the cell had that stage, nothing changed.
 */
export function setCellStage(doc: NotebookDocument, selector: string, stageInput: string): { index: number; stage: string; already: boolean } {
  const stage = parseStage(stageInput);
  const { index, cell } = findCell(doc, selector);
  const tags = cellTags(cell);
  const custom = customStages(doc.json.metadata);
  const current = stageOf(tags, custom);
  if (current === stage) return { index, stage, already: true };
  if (current) {
    throw new NbprovError('NBPROV_USAGE', `cell ${index} already has stage '${current}'; a cell has at most one stage`, {
      hint: `run \`nbprov untag cell ${index}\` first`,
    });
  }
  if (!(STANDARD_STAGES as readonly string[]).includes(stage) && !custom.includes(stage)) {
    if (tags.includes(stage)) throw new NbprovError('NBPROV_USAGE', `cell ${index} already has a plain tag '${stage}'`);
    updateNbprovMetadata(doc, 'stages', [...custom, stage]);
  }
  setTags(cell, [...tags, stage]);
  return { index, stage, already: false };
}

/** Tags a code cell `parameters` (papermill's tag; one cell per notebook). `already`: it had the tag. */
export function setParametersCell(doc: NotebookDocument, selector: string): { index: number; already: boolean } {
  const { index, cell } = findCell(doc, selector);
  const tags = cellTags(cell);
  if (tags.includes(PARAMETERS_TAG)) return { index, already: true };
  const other = doc.json.cells.findIndex((c) => c.cell_type === 'code' && cellTags(c).includes(PARAMETERS_TAG)) + 1;
  if (other) {
    throw new NbprovError('NBPROV_USAGE', `cell ${other} is already tagged ${PARAMETERS_TAG}; a notebook has one parameters cell`, {
      hint: `run \`nbprov untag cell ${other} ${PARAMETERS_TAG}\` first`,
    });
  }
  setTags(cell, [...tags, PARAMETERS_TAG]);
  return { index, already: false };
}

/** Removes a cell's `parameters` tag. */
export function removeParametersCell(doc: NotebookDocument, selector: string): { index: number } {
  const { index, cell } = findCell(doc, selector);
  const tags = cellTags(cell);
  if (!tags.includes(PARAMETERS_TAG)) throw new NbprovError('NBPROV_USAGE', `cell ${index} is not tagged ${PARAMETERS_TAG}`, { hint: 'see `nbprov tags`' });
  setTags(cell, tags.filter((t) => t !== PARAMETERS_TAG));
  return { index };
}

/** Whether a cell (by index or id) has a stage; false for a cell that is not a code cell or out of range. */
export function cellHasStage(doc: NotebookDocument, selector: string): boolean {
  const { cell } = findCell(doc, selector);
  return stageOf(cellTags(cell), customStages(doc.json.metadata)) !== undefined;
}

/** Removes a cell's stage tag (which must be `expected` when given); returns the stage removed. */
export function removeCellStage(doc: NotebookDocument, selector: string, expected?: string): { index: number; stage: string } {
  const { index, cell } = findCell(doc, selector);
  const tags = cellTags(cell);
  const stage = stageOf(tags, customStages(doc.json.metadata));
  if (!stage) throw new NbprovError('NBPROV_USAGE', `cell ${index} has no stage`, { hint: 'see `nbprov tags`' });
  if (expected !== undefined && parseStage(expected) !== stage) throw new NbprovError('NBPROV_USAGE', `cell ${index} has stage '${stage}', not '${parseStage(expected)}'`);
  setTags(cell, tags.filter((t) => t !== stage));
  const custom = customStages(doc.json.metadata);
  const stillUsed = doc.json.cells.some((c) => cellTags(c).includes(stage));
  if (custom.includes(stage) && !stillUsed) updateNbprovMetadata(doc, 'stages', custom.filter((s) => s !== stage));
  return { index, stage };
}

/** Tags a variable in the notebook metadata. `already`: it had that tag, nothing changed. */
export function setVariableTag(doc: NotebookDocument, name: string, kindInput: string): { kind: string; already: boolean } {
  const kind = parseVariableKind(kindInput);
  if (!/^[A-Za-z_]\w*$/.test(name)) throw new NbprovError('NBPROV_USAGE', `'${name}' is not a Python variable name`);
  const variables = { ...(nbprovMetadata(doc.json.metadata).variables ?? {}) };
  if (variables[name] === kind) return { kind, already: true };
  variables[name] = kind;
  updateNbprovMetadata(doc, 'variables', sortedObject(variables));
  return { kind, already: false };
}

export function removeVariableTag(doc: NotebookDocument, name: string): string {
  const variables = { ...(nbprovMetadata(doc.json.metadata).variables ?? {}) };
  const kind = variables[name];
  if (!kind) throw new NbprovError('NBPROV_USAGE', `variable '${name}' has no tag in ${doc.path}`, { hint: 'see `nbprov tags`' });
  delete variables[name];
  updateNbprovMetadata(doc, 'variables', sortedObject(variables));
  return kind;
}

function nbprovMetadata(metadata: unknown): NbprovMetadata {
  const value = (metadata as { nbprov?: unknown } | undefined)?.nbprov;
  return value && typeof value === 'object' ? (value as NbprovMetadata) : {};
}

function updateNbprovMetadata(doc: NotebookDocument, key: keyof NbprovMetadata, value: unknown): void {
  const current = (doc.json.metadata.nbprov && typeof doc.json.metadata.nbprov === 'object' ? doc.json.metadata.nbprov : {}) as Record<string, unknown>;
  // Empty entries are dropped, so untagging everything gives back the original bytes.
  const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0;
  if (empty) delete current[key];
  else setKey(current, key, value);
  if (Object.keys(current).length) setKey(doc.json.metadata, 'nbprov', current);
  else delete doc.json.metadata.nbprov;
}

function cellTags(cell: Record<string, unknown>): string[] {
  const tags = (cell.metadata as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

function setTags(cell: Record<string, unknown>, tags: string[]): void {
  const metadata = (cell.metadata && typeof cell.metadata === 'object' ? cell.metadata : {}) as Record<string, unknown>;
  // Drop an emptied list, so tagging then untagging gives back the original bytes.
  if (tags.length) setKey(metadata, 'tags', tags);
  else delete metadata.tags;
  setKey(cell, 'metadata', metadata);
}

function sortedObject(obj: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(obj).sort(([a], [b]) => (a < b ? -1 : 1)));
}

