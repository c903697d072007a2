import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { openNotebookDocument, saveNotebookDocument, type NotebookDocument } from '../notebook/edit.js';
import { sha1, joinSource, loadNotebook } from '../notebook/load.js';
import {
  PARAMETERS_TAG, cellHasStage, cellStages, findCell, removeCellStage, removeParametersCell, removeVariableTag, setCellStage, setParametersCell, setVariableTag, variableTags,
} from '../notebook/tags.js';
import { openDatabase, projectRoot, resolveDbPath } from '../store/db.js';
import {
  backfillCellStage, backfillParametersCell, backfillVariableTag, removeCellStageRows, removeParametersCellRows, removeVariableTagRows,
} from '../store/stage-tags.js';
import { renderTable } from '../render/table.js';
import { printable } from '../render/terminal.js';
import { resolveNotebookArg } from './notebook-arg.js';
import type { CommandContext } from './command-context.js';

interface TagFlags {
  notebook?: string;
  db?: string;
}

export function registerTag(program: Command, context: CommandContext): void {
  const reply = (stdout: string) => context.reply({ stdout });
  registerTagCommand(program, reply);
  registerUntagCommand(program, reply);
  program
    .command('tags')
    .description("list a notebook's stage and variable tags")
    .argument('[notebook]', 'the notebook (default: the only .ipynb here)')
    .option('--json', 'print JSON')
    .action((notebook: string | undefined, flags: { json?: boolean }) => {
      reply(listTags(resolveNotebookArg(notebook), flags));
    });
}

function registerTagCommand(program: Command, reply: (stdout: string) => void): void {
  const tag = program.command('tag').description('tag a cell with a stage, or a variable as a hyperparameter or metric (in the notebook, and in recorded trials)');
  tag
    .command('cell')
    .description('give a code cell a stage (data-reading, feature-engineering, model-scoring, metrics-evaluation, or a custom name), or mark it as the parameters cell')
    .argument('<cell>', '1-based cell index (see `nbprov cells`) or cell id')
    .argument('<stage>', "stage name (aliases: data, features, model, metrics), or 'parameters' (papermill's tag: -p values are injected after this cell)")
    .argument('[notebook]', 'the notebook (default: --notebook, else the only .ipynb here)')
    .option('--notebook <path>', 'the notebook')
    .option('--db <path>', 'database whose earlier trials get the tag too (default: beside the notebook)')
    .addHelpText('after', '\nExamples:\n  $ nbprov tag cell 3 model-scoring\n  $ nbprov tag cell 2 parameters\n  $ nbprov tag cell 5 metrics experiment.ipynb\n  $ nbprov tag cell a1b2c3 hyperparameter-search --notebook experiment.ipynb')
    .action((cell: string, stage: string, notebook: string | undefined, flags: TagFlags) => {
      reply(tagCell(cell, stage, resolveNotebookArg(notebook, flags.notebook), flags));
    });
  tag
    .command('var')
    .description('tag a variable: param (hyperparameter), metric, metric:max / metric:min (higher / lower is better), or a custom kind')
    .argument('<name>', 'variable name')
    .argument('<kind>', 'param, metric, metric:max, metric:min, or a lowercase name')
    .argument('[notebook]', 'the notebook (default: --notebook, else the only .ipynb here)')
    .option('--notebook <path>', 'the notebook')
    .option('--db <path>', 'database whose earlier trials get the tag too (default: beside the notebook)')
    .addHelpText('after', '\nExamples:\n  $ nbprov tag var accuracy metric:max\n  $ nbprov tag var n_trees param\n\nOr in the notebook: accuracy = accuracy_score(y_test, pred)  # nbprov: metric:max')
    .action((name: string, kind: string, notebook: string | undefined, flags: TagFlags) => {
      reply(tagVar(name, kind, resolveNotebookArg(notebook, flags.notebook), flags));
    });
}

function registerUntagCommand(program: Command, reply: (stdout: string) => void): void {
  const untag = program.command('untag').description('remove a stage or variable tag (from the notebook and recorded trials)');
  untag
    .command('cell')
    .argument('<cell>', '1-based cell index or cell id')
    .argument('[tag]', "the stage, or 'parameters' (default: the cell's stage, else its parameters tag)")
    .argument('[notebook]', 'the notebook')
    .option('--notebook <path>', 'the notebook')
    .option('--db <path>', 'database file')
    .addHelpText('after', '\nExamples:\n  $ nbprov untag cell 6\n  $ nbprov untag cell 2 parameters\n  $ nbprov untag cell 6 experiment.ipynb')
    .action((cell: string, tagName: string | undefined, notebook: string | undefined, flags: TagFlags) => {
      // `untag cell 6 experiment.ipynb`: the one optional argument is the notebook
      if (tagName?.endsWith('.ipynb') && notebook === undefined) [tagName, notebook] = [undefined, tagName];
      reply(untagCell(cell, resolveNotebookArg(notebook, flags.notebook), flags, tagName));
    });
  untag
    .command('var')
    .argument('<name>', 'variable name')
    .argument('[notebook]', 'the notebook')
    .option('--notebook <path>', 'the notebook')
    .option('--db <path>', 'database file')
    .action((name: string, notebook: string | undefined, flags: TagFlags) => {
      reply(untagVar(name, resolveNotebookArg(notebook, flags.notebook), flags));
    });
}

/**
 * Tags a cell with a stage or as the parameters cell, then backfills the recorded trials that ran its code. Tagging
 * again what is tagged changes nothing in the file but still backfills (trials recorded since, or running then).
 */
export function tagCell(selector: string, stage: string, notebook: string, flags: TagFlags): string {
  const doc = openNotebookDocument(notebook);
  if (stage === PARAMETERS_TAG) {
    const tagged = setParametersCell(doc, selector);
    const codeHash = cellCodeHash(doc, tagged.index);
    const trials = saveAndBackfill(doc, notebook, flags, (db, key) => backfillParametersCell(db, key, codeHash));
    return `cell ${tagged.index} ${tagged.already ? 'already tagged' : 'tagged'} ${PARAMETERS_TAG}${backfilled(trials, 'trial')}\n`;
  }
  const tagged = setCellStage(doc, selector, stage);
  const codeHash = cellCodeHash(doc, tagged.index);
  const trials = saveAndBackfill(doc, notebook, flags, (db, key) => backfillCellStage(db, key, codeHash, tagged.stage));
  return `cell ${tagged.index} ${tagged.already ? 'already tagged' : 'tagged'} ${tagged.stage}${backfilled(trials, 'activation')}\n`;
}

/** Removes a cell's stage or parameters tag (`tagName`; default: its stage, else its parameters tag). */
export function untagCell(selector: string, notebook: string, flags: TagFlags, tagName?: string): string {
  const doc = openNotebookDocument(notebook);
  if (tagName === PARAMETERS_TAG || (tagName === undefined && !cellHasStage(doc, selector) && cellTagsOf(doc, selector).includes(PARAMETERS_TAG))) {
    const removed = removeParametersCell(doc, selector);
    const codeHash = cellCodeHash(doc, removed.index);
    const keep = Object.keys(variableTags(doc.notebook));
    const rows = saveAndBackfill(doc, notebook, flags, (db, key) => removeParametersCellRows(db, key, codeHash, keep));
    return `cell ${removed.index}: tag ${PARAMETERS_TAG} removed${rows ? ` (and ${rows} param tag${rows === 1 ? '' : 's'} from recorded trials)` : ''}\n`;
  }
  const removed = removeCellStage(doc, selector, tagName);
  const codeHash = sha1(joinSource(doc.json.cells[removed.index - 1].source) ?? '');
  const rows = saveAndBackfill(doc, notebook, flags, (db, key) => removeCellStageRows(db, key, codeHash, removed.stage));
  return `cell ${removed.index}: stage ${removed.stage} removed${rows ? ` (and from ${rows} recorded activation${rows === 1 ? '' : 's'})` : ''}\n`;
}

export function tagVar(name: string, kind: string, notebook: string, flags: TagFlags): string {
  const doc = openNotebookDocument(notebook);
  const tagged = setVariableTag(doc, name, kind);
  const trials = saveAndBackfill(doc, notebook, flags, (db, key) => backfillVariableTag(db, key, name, tagged.kind));
  return `variable ${name} ${tagged.already ? 'already tagged' : 'tagged'} ${tagged.kind}${backfilled(trials, 'trial')}\n`;
}

export function untagVar(name: string, notebook: string, flags: TagFlags): string {
  const doc = openNotebookDocument(notebook);
  const kind = removeVariableTag(doc, name);
  const rows = saveAndBackfill(doc, notebook, flags, (db, key) => removeVariableTagRows(db, key, name));
  return `variable ${name}: tag ${kind} removed${rows ? ` (and from ${rows} recorded trial${rows === 1 ? '' : 's'})` : ''}\n`;
}

export function listTags(notebook: string, flags: { json?: boolean }): string {
  const nb = loadNotebook(notebook);
  const stages = cellStages(nb);
  const cells = nb.codeCells.filter((c) => stages.has(c.index)).map((c) => ({ cell: c.index, id: c.id ?? null, stage: stages.get(c.index)!, firstLine: c.source.split('\n')[0] }));
  const variables = Object.entries(variableTags(nb)).map(([name, kind]) => ({ name, kind }));
  const paramsCell = nb.codeCells.find((c) => c.tags.includes(PARAMETERS_TAG));
  const parameters = paramsCell ? { cell: paramsCell.index, id: paramsCell.id ?? null, names: assignedNames(paramsCell.source), firstLine: paramsCell.source.split('\n')[0] } : null;
  if (flags.json) return JSON.stringify({ cells, parameters, variables }, null, 2) + '\n';
  const parts: string[] = [];
  const assigns = parameters && (parameters.names.length ? parameters.names.join(', ') : printable(parameters.firstLine).slice(0, 60));
  parts.push(parameters ? `parameters cell ${parameters.cell}: ${assigns}` : 'no parameters cell (tag one: nbprov tag cell N parameters)');
  parts.push(cells.length ? renderTable(['cell', 'stage', 'first line'], cells.map((c) => [c.cell, c.stage, printable(c.firstLine).slice(0, 60)])) : 'no cell stages (tag one: nbprov tag cell N STAGE)');
  parts.push(variables.length ? renderTable(['variable', 'tag'], variables.map((v) => [v.name, v.kind])) : 'no variable tags (tag one: nbprov tag var NAME metric:max)');
  return parts.join('\n\n') + '\n';
}

/**
 * The names a cell's top-level `name = …`, `a, b = …` and `name: T = …` lines bind, in order, each once: what a
 * parameters cell sets, read without running Python (an import or a comment says less).
 */
export function assignedNames(source: string): string[] {
  const names = new Set<string>();
  for (const line of source.split('\n')) {
    const m = /^\(?([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*,?\s*\)?\s*(?::[^=]*)?=(?!=)/.exec(line);
    if (m) for (const name of m[1].split(',')) names.add(name.trim());
  }
  return [...names];
}

/**
 * Saves the edited notebook, then backfills its database when one exists (tagging works before any run). The
 * database is opened first: one that cannot be read (`--db notsqlite`) refuses before the notebook is touched.
 */
function saveAndBackfill(doc: NotebookDocument, notebook: string, flags: TagFlags, fn: (db: ReturnType<typeof openDatabase>, notebookKey: string) => number): number {
  const path = resolveDbPath({ db: flags.db, notebook: resolve(notebook) });
  const db = existsSync(path) ? openDatabase(path) : undefined;
  try {
    saveNotebookDocument(doc);
    return db ? fn(db, relative(projectRoot(path), resolve(notebook))) : 0;
  } finally {
    db?.close();
  }
}

function cellCodeHash(doc: NotebookDocument, index: number): string {
  return sha1(joinSource(doc.json.cells[index - 1].source) ?? '');
}

function cellTagsOf(doc: NotebookDocument, selector: string): string[] {
  const cell = doc.json.cells[findCell(doc, selector).index - 1];
  const tags = (cell.metadata as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags : [];
}

function backfilled(count: number, what: string): string {
  return count ? ` (and in ${count} recorded ${what}${count === 1 ? '' : 's'})` : '';
}
