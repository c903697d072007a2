import { existsSync } from 'node:fs';
import { basename, dirname, relative } from 'node:path';
import type { Command } from 'commander';
import { planSlice, type KeptStatement, type RanCell } from '../graph/slice-plan.js';
import { SliceLineage } from '../graph/trial-lineage.js';
import { parseVariableSpec, requireVariableCapture, resolveVariable } from '../graph/variables.js';
import { loadNotebook } from '../notebook/load.js';
import { sliceNotebook } from '../notebook/slice.js';
import { keepStatements, topLevelStatements } from '../notebook/statements.js';
import { serializeNotebook, writeFileAtomic } from '../notebook/write.js';
import { recordedNotebookPath } from '../store/db.js';
import { cellSource, resolveTrial, trialCells, trialVersionSites, type CellRow, type VersionSite } from '../store/queries.js';
import { openForReading } from './db-options.js';
import type { CommandContext } from './command-context.js';

export interface SliceFlags {
  db?: string;
  trial?: string;
  output?: string;
  /** Keep only the statements of a cell that made a needed version (`--statements`). */
  statements?: boolean;
  /** Where warnings go (a partial history, cells taken from the content store); the CLI writes them to stderr. */
  onWarning?: (message: string) => void;
}

export function registerSlice(program: Command, context: CommandContext): void {
  program
    .command('slice')
    .description('write the minimal notebook that recomputes a variable: the cells its value was built from, in order, plus the parameters cell')
    .argument('<variable>', 'NAME (its last version), NAME@CELL or NAME@vN')
    .option('-o, --output <path>', "where to write the notebook ('-' for stdout; default: NOTEBOOK.slice-NAME.ipynb in the current directory)")
    .option('--statements', 'keep only the top-level statements that made a needed version, and those that may change it unseen')
    .option('--trial <trial>', 'trial selector: number, name, id prefix, last, last~N', 'last')
    .option('--db <path>', 'database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB)')
    .addHelpText(
      'after',
      `
A kept cell runs whole, so the versions it makes pull in their own ancestry too (unless --statements). Statements
that ran before the value and may change it without a recorded version are kept too, with what they read: calls
into a module's random state (np.random.seed(42)), bare calls that recorded nothing (np.fill_diagonal(X, 0)), and
calls on an object the value was built from (rng.normal()); displays (print, df.head(), plt.*) are not. When
something stands in the way (a cell Python cannot parse), the output says the value may differ. Cells edited since
the trial are taken from the content store as they ran. Outputs are cleared.

Examples:
  $ nbprov slice accuracy -o accuracy.ipynb
  $ nbprov slice accuracy --statements -o accuracy.ipynb
  $ nbprov run accuracy.ipynb
  $ nbprov slice model@6 --trial 3 -o - | jupyter nbconvert --stdin --to script --stdout`,
    )
    .action((variable: string, flags: SliceFlags) => {
      context.reply({ stdout: handler(variable, { ...flags, onWarning: context.warn }) });
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
    const lineage = new SliceLineage(db, trial.id);
    const cells = trialCells(db, trial.id);
    const sourceOf = (hash: string) => cellSource(dirname(dbPath), hash);
    const chosen = choose(lineage, trialVersionSites(db, trial.id), root.evaluationId, cells, sourceOf, flags);
    const notebookPath = recordedNotebookPath(dbPath, trial.notebook);
    const original = notebookPath && existsSync(notebookPath) ? loadNotebook(notebookPath).content : null;
    if (!original) flags.onWarning?.(`${notebookPath ?? trial.notebook} is ${notebookPath ? 'gone' : 'outside the project'}: the slice is rebuilt from the content store, with default metadata`);
    const keep = new Set(cells.filter((c) => c.activationId !== null && chosen.activations.has(c.activationId)).map((c) => c.index));
    const mayDiffer = chosen.mayDiffer.length ? ` The value may differ from the trial's: ${chosen.mayDiffer.join('; ')}.` : '';
    const plan = sliceNotebook({
      original,
      trialCells: cells,
      keep,
      sourceOf,
      trim: chosen.trim,
      header: (kept) => `Slice of \`${trial.notebook}\` (trial ${trial.sequence}) recomputing \`${variable}\`: cells ${kept.join(', ')} of the original.${mayDiffer} Written by \`nbprov slice\`.`,
    });
    if (plan.fromStore.length) flags.onWarning?.(`cell${plan.fromStore.length === 1 ? '' : 's'} ${plan.fromStore.join(', ')} changed in ${trial.notebook} since trial ${trial.sequence}: taken as they ran`);
    for (const reason of chosen.mayDiffer) flags.onWarning?.(`the slice may not recompute ${variable} as in trial ${trial.sequence}: ${reason}`);
    const text = serializeNotebook(plan.notebook);
    if (flags.output === '-') return text;
    // In the current directory: a path recorded in the database never chooses where nbprov writes.
    const output = flags.output ?? `${basename(trial.notebook, '.ipynb')}.slice-${spec.name}.ipynb`;
    writeFileAtomic(output, text);
    const shown = relative(process.cwd(), output) || output;
    const claim = chosen.mayDiffer.length ? `recompute ${variable}, which may differ from trial ${trial.sequence} (see the warning)` : `recompute ${variable} as in trial ${trial.sequence}`;
    return `wrote ${shown}: ${plan.kept.length} of ${cells.length} code cells (${plan.kept.join(', ')}) ${claim}` +
      `${plan.trimmed.length ? ` (statements of ${plan.trimmed.join(', ')} only)` : ''}` +
      `${chosen.sideEffects ? `; kept for side effects nbprov cannot see: ${chosen.sideEffects}` : ''}${plan.dropped.length ? `; dropped ${plan.dropped.join(', ')}` : ''}\n`;
  } finally {
    db.close();
  }
}

export interface Chosen {
  /** The cell runs to keep. */
  activations: Set<number>;
  /** For `--statements`: the part of a kept cell to keep. */
  trim?: (index: number, source: string) => string | undefined;
  /** What was kept only for its side effects, as text (`lines 1, 5 of cell 2`, `cells 2, 3`), or '' for nothing. */
  sideEffects: string;
  /** Why the slice may not give the trial's value; empty when nothing is known to stand in the way. */
  mayDiffer: string[];
}

/**
 * The cells (or, with --statements, the statements) that recompute `root`: its ancestry plus what may change it
 * unseen (see planSlice). Falls back to whole cells, with a warning, when a needed cell cannot be parsed.
 */
export function choose(lineage: SliceLineage, versions: VersionSite[], root: number, cells: CellRow[], sourceOf: (hash: string) => string | undefined, flags: SliceFlags): Chosen {
  const ran = cells.filter((c) => c.activationId !== null);
  const rootActivation = versions.find((v) => v.evaluationId === root)?.activationId;
  const analysed = ran.slice(0, ran.findIndex((c) => c.activationId === rootActivation) + 1);
  const sources = analysed.map((c) => sourceOf(c.codeHash));
  const parsed = topLevelStatements(sources.map((s) => s ?? ''));
  if (!parsed) {
    flags.onWarning?.(`cannot run python3 to read the cells' statements: ${flags.statements ? 'slicing whole cells; ' : ''}side effects nbprov cannot see were not looked for`);
    return { activations: lineage.neededActivations([root]), sideEffects: '', mayDiffer: ['python3 could not be run to look for side effects nbprov cannot see'] };
  }
  const ranCells: RanCell[] = ran.map((c, i) => ({ index: c.index, activationId: c.activationId!, statements: i < analysed.length && sources[i] !== undefined ? parsed[i] : null }));
  const plan = planSlice(lineage, root, ranCells, versions);
  const unchecked = (kept: Set<number>) => {
    const unknown = ranCells.filter((c) => plan.unchecked.includes(c.index) && !kept.has(c.activationId)).map((c) => c.index);
    return unknown.length ? [`cell${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')} did not parse as Python (magics?), so what ${unknown.length === 1 ? 'it changes' : 'they change'} is unknown`] : [];
  };
  if (flags.statements) {
    const unparsable = ranCells.filter((c) => plan.lines.has(c.activationId) && c.statements === null).map((c) => c.index);
    if (unparsable.length === 0) {
      const byIndex = new Map(ranCells.filter((c) => plan.lines.has(c.activationId)).map((c) => [c.index, { statements: c.statements!, lines: plan.lines.get(c.activationId)! }]));
      const activations = new Set(plan.lines.keys());
      return {
        activations,
        trim: (index, source) => {
          const cell = byIndex.get(index);
          return cell ? keepStatements(source, cell.statements.map((s) => [s.first, s.last]), cell.lines) : undefined;
        },
        sideEffects: describeLines(plan.hidden),
        mayDiffer: unchecked(activations),
      };
    }
    flags.onWarning?.(`cell${unparsable.length === 1 ? '' : 's'} ${unparsable.join(', ')} did not parse as Python (magics?): slicing whole cells`);
  }
  // A cell kept for a side effect runs whole: the versions it makes pull in their own ancestry too.
  const inHidden = versions.filter((v) => v.activationId !== null && plan.hiddenActivations.has(v.activationId)).map((v) => v.evaluationId);
  const activations = lineage.neededActivations([...plan.roots, ...inHidden]);
  for (const a of plan.hiddenActivations) activations.add(a);
  const withoutEffects = lineage.neededActivations([root]);
  const added = ranCells.filter((c) => activations.has(c.activationId) && !withoutEffects.has(c.activationId)).map((c) => c.index);
  return { activations, sideEffects: added.length ? `cell${added.length === 1 ? '' : 's'} ${added.join(', ')}` : '', mayDiffer: unchecked(activations) };
}

/** `lines 1, 5 of cell 2 and line 3 of cell 4`: statements kept for their side effects, by cell. */
function describeLines(kept: KeptStatement[]): string {
  const byCell = new Map<number, number[]>();
  for (const k of kept) {
    const lines = byCell.get(k.index);
    if (lines) lines.push(k.first);
    else byCell.set(k.index, [k.first]);
  }
  return [...byCell].map(([cell, lines]) => `line${lines.length === 1 ? '' : 's'} ${lines.join(', ')} of cell ${cell}`).join(' and ');
}
