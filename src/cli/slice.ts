import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Command } from 'commander';
import { LineageReader } from '../graph/lineage.js';
import { parseVariableSpec, requireVariableCapture, resolveVariable } from '../graph/variables.js';
import { loadNotebook } from '../notebook/load.js';
import { sliceNotebook } from '../notebook/slice.js';
import { serializeNotebook, writeFileAtomic } from '../notebook/write.js';
import { projectRoot } from '../store/db.js';
import { cellSource, resolveTrial, trialCells } from '../store/queries.js';
import { openForReading } from './db-options.js';

export interface SliceFlags {
  db?: string;
  trial?: string;
  output?: string;
  /** Where warnings go (a partial history, cells taken from the content store); the CLI writes them to stderr. */
  onWarning?: (message: string) => void;
}

export function registerSlice(program: Command): void {
  program
    .command('slice')
    .description('write the minimal notebook that recomputes a variable: the cells its value was built from, in order, plus the parameters cell')
    .argument('<variable>', 'NAME (its last version), NAME@CELL or NAME@vN')
    .option('-o, --output <path>', "where to write the notebook ('-' for stdout; default: NOTEBOOK.slice-NAME.ipynb beside the notebook)")
    .option('--trial <trial>', 'trial selector: number, id prefix, last, last~N', 'last')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
A kept cell runs whole, so the versions it makes pull in their own ancestry too. Cells edited since the trial
are taken from the content store as they ran. Outputs are cleared.

Examples:
  $ nbprov slice accuracy -o accuracy.ipynb
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
    const needed = new LineageReader(db, trial.id).neededActivations([root.evaluationId]);
    const cells = trialCells(db, trial.id);
    const notebookPath = join(projectRoot(dbPath), trial.notebook);
    const original = existsSync(notebookPath) ? loadNotebook(notebookPath).content : null;
    if (!original) flags.onWarning?.(`${notebookPath} is gone: the slice is rebuilt from the content store, with default metadata`);
    const keep = new Set(cells.filter((c) => c.activationId !== null && needed.has(c.activationId)).map((c) => c.index));
    const plan = sliceNotebook({
      original,
      trialCells: cells,
      keep,
      sourceOf: (hash) => cellSource(dirname(dbPath), hash),
      header: (kept) => `Slice of \`${trial.notebook}\` (trial ${trial.sequence}) recomputing \`${variable}\`: cells ${kept.join(', ')} of the original. Written by \`nbprov slice\`.`,
    });
    if (plan.fromStore.length) flags.onWarning?.(`cell${plan.fromStore.length === 1 ? '' : 's'} ${plan.fromStore.join(', ')} changed in ${trial.notebook} since trial ${trial.sequence}: taken as they ran`);
    const text = serializeNotebook(plan.notebook);
    if (flags.output === '-') return text;
    const output = flags.output ?? join(dirname(notebookPath), `${basename(notebookPath, '.ipynb')}.slice-${spec.name}.ipynb`);
    writeFileAtomic(output, text);
    const shown = relative(process.cwd(), output) || output;
    return `wrote ${shown}: ${plan.kept.length} of ${cells.length} code cells (${plan.kept.join(', ')}) recompute ${variable} as in trial ${trial.sequence}` +
      `${plan.dropped.length ? `; dropped ${plan.dropped.join(', ')}` : ''}\n`;
  } finally {
    db.close();
  }
}
