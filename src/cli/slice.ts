import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { LineageReader } from '../graph/lineage.js';
import { parseVariableSpec, requireVariableCapture, resolveVariable } from '../graph/variables.js';
import { loadNotebook } from '../notebook/load.js';
import { sliceNotebook } from '../notebook/slice.js';
import { keepStatements, topLevelStatements } from '../notebook/statements.js';
import { serializeNotebook, writeFileAtomic } from '../notebook/write.js';
import { projectRoot } from '../store/db.js';
import { cellSource, resolveTrial, trialCells, type CellRow } from '../store/queries.js';
import { openForReading } from './db-options.js';

export interface SliceFlags {
  db?: string;
  trial?: string;
  output?: string;
  /** Keep only the statements of a cell that made a needed version (`--statements`). */
  statements?: boolean;
  /** Where warnings go (a partial history, cells taken from the content store); the CLI writes them to stderr. */
  onWarning?: (message: string) => void;
}

export function registerSlice(program: Command): void {
  program
    .command('slice')
    .description('write the minimal notebook that recomputes a variable: the cells its value was built from, in order, plus the parameters cell')
    .argument('<variable>', 'NAME (its last version), NAME@CELL or NAME@vN')
    .option('-o, --output <path>', "where to write the notebook ('-' for stdout; default: NOTEBOOK.slice-NAME.ipynb beside the notebook)")
    .option('--statements', "keep only the top-level statements that made a needed version (bolder: code nbprov could not see, e.g. a bare call's side effects, goes)")
    .option('--trial <trial>', 'trial selector: number, id prefix, last, last~N', 'last')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
A kept cell runs whole, so the versions it makes pull in their own ancestry too (unless --statements). Cells
edited since the trial are taken from the content store as they ran. Outputs are cleared.

Examples:
  $ nbprov slice accuracy -o accuracy.ipynb
  $ nbprov slice accuracy --statements -o accuracy.ipynb
  $ nbprov run accuracy.ipynb
  $ nbprov slice model@6 --trial 3 -o - | jupyter nbconvert --stdin --to script --stdout`,
    )
    .action((variable: string, flags: SliceFlags) => {
      process.stdout.write(handler(variable, { ...flags, onWarning: (m) => process.stderr.write(`nbprov: warning: ${m}\n`) }));
    });
}

/** Writes the slice (or returns it for `-o -`); returns what was kept and dropped, or the notebook text. */
export function handler(variable: string, flags: SliceFlags): string {
  const { db, path: dbPath } = openForReading({ db: flags.db });
  try {
    const trial = resolveTrial(db, flags.trial ?? 'last');
    requireVariableCapture(trial);
    const spec = parseVariableSpec(variable);
    const root = resolveVariable(db, trial, spec);
    if (root.warning) flags.onWarning?.(root.warning);
    const reader = new LineageReader(db, trial.id);
    const cells = trialCells(db, trial.id);
    const sourceOf = (hash: string) => cellSource(dirname(dbPath), hash);
    const byStatement = flags.statements ? statementPlan(reader, root.evaluationId, cells, sourceOf, flags.onWarning) : undefined;
    const needed = byStatement?.activations ?? reader.neededActivations([root.evaluationId]);
    const notebookPath = join(projectRoot(dbPath), trial.notebook);
    const original = existsSync(notebookPath) ? loadNotebook(notebookPath).content : null;
    if (!original) flags.onWarning?.(`${notebookPath} is gone: the slice is rebuilt from the content store, with default metadata`);
    const keep = new Set(cells.filter((c) => c.activationId !== null && needed.has(c.activationId)).map((c) => c.index));
    const plan = sliceNotebook({
      original,
      trialCells: cells,
      keep,
      sourceOf,
      trim: byStatement?.trim,
      header: (kept) => `Slice of \`${trial.notebook}\` (trial ${trial.sequence}) recomputing \`${variable}\`: cells ${kept.join(', ')} of the original. Written by \`nbprov slice\`.`,
    });
    if (plan.fromStore.length) flags.onWarning?.(`cell${plan.fromStore.length === 1 ? '' : 's'} ${plan.fromStore.join(', ')} changed in ${trial.notebook} since trial ${trial.sequence}: taken as they ran`);
    const text = serializeNotebook(plan.notebook);
    if (flags.output === '-') return text;
    const output = flags.output ?? join(dirname(notebookPath), `${basename(notebookPath, '.ipynb')}.slice-${spec.name}.ipynb`);
    writeFileAtomic(output, text);
    const shown = relative(process.cwd(), output) || output;
    return `wrote ${shown}: ${plan.kept.length} of ${cells.length} code cells (${plan.kept.join(', ')}) recompute ${variable} as in trial ${trial.sequence}` +
      `${plan.trimmed.length ? ` (statements of ${plan.trimmed.join(', ')} only)` : ''}${plan.dropped.length ? `; dropped ${plan.dropped.join(', ')}` : ''}\n`;
  } finally {
    db.close();
  }
}

/**
 * For `--statements`: the activations holding a version `root` was built from, and a trimmer keeping the statements
 * of each cell on those versions' lines. Undefined (whole cells, with a warning) when a cell cannot be parsed.
 */
function statementPlan(reader: LineageReader, root: number, cells: CellRow[], sourceOf: (hash: string) => string | undefined, warn?: (m: string) => void) {
  const lines = new Map<number, Set<number>>();
  reader.walk([root], { direction: 'backward' }).forEachNode((_, n) => {
    if (n.activationId === null || n.line === null) return;
    const set = lines.get(n.activationId);
    if (set) set.add(n.line);
    else lines.set(n.activationId, new Set([n.line]));
  });
  const kept = cells.filter((c) => c.activationId !== null && lines.has(c.activationId));
  const sources = kept.map((c) => sourceOf(c.codeHash));
  const spans = sources.every((s) => s !== undefined) ? topLevelStatements(sources as string[]) : undefined;
  const unparsable = spans ? kept.filter((_, i) => spans[i] === null).map((c) => c.index) : [];
  if (!spans || unparsable.length) {
    warn?.(spans ? `cell${unparsable.length === 1 ? '' : 's'} ${unparsable.join(', ')} did not parse as Python (magics?): slicing whole cells` : 'cannot run python3 to split cells into statements: slicing whole cells');
    return undefined;
  }
  const byIndex = new Map(kept.map((c, i) => [c.index, { spans: spans[i]!, lines: lines.get(c.activationId!)! }]));
  return {
    activations: new Set(lines.keys()),
    trim: (index: number, source: string) => {
      const cell = byIndex.get(index);
      return cell ? keepStatements(source, cell.spans, cell.lines) : undefined;
    },
  };
}
