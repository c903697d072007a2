// `run --only NAME` and `run --stage S`: which cells a run executes, picked before anything starts. `--only` takes
// the cells `nbprov slice NAME` would keep, from the last trial of the notebook that recorded NAME.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { NbprovError } from '../errors.js';
import { codeChange, matchCells, type CellPair } from '../compare/cell-match.js';
import type { SnapshotCell } from '../compare/trial-snapshot.js';
import { SliceLineage } from '../graph/trial-lineage.js';
import type { CodeCellRef, LoadedNotebook } from '../notebook/load.js';
import { describeEffects, describeMissing, missingDefinitions, parameterCells, parseStageList, stageSelection, unseenEffects, type CellSelection } from '../run/cell-selection.js';
import type { RunOptions } from '../run/types.js';
import { openDatabase, projectRoot, resolveDbPath } from '../store/db.js';
import { cellSource, listTrials, trialCells, trialVersionSites, type CellRow, type TrialSummary } from '../store/queries.js';
import { lastVersionId } from '../store/versions.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import { choose } from './slice.js';

/** The selection, and where its lineage and its notebook's analyser come from. */
export interface SelectionSource extends CellSelection {
  db?: string;
  python?: string;
}

/**
 * The run's `selectCells` for `--only` / `--stage`, or undefined for a whole run. Throws NBPROV_USAGE for options
 * that do not go together; the function it returns throws NBPROV_USAGE to refuse a selection.
 */
export function cellSelector(notebook: string, flags: SelectionSource, warn?: (message: string) => void): RunOptions['selectCells'] {
  const python = flags.python ?? DEFAULT_SYSTEM_PYTHON;
  const force = flags.force === true;
  if (flags.only.length && flags.stage !== undefined) {
    throw new NbprovError('NBPROV_USAGE', '--only and --stage cannot be combined', { hint: '--only runs the cells a variable needs, --stage whole stages: pick one' });
  }
  if (flags.stage !== undefined) {
    const stages = parseStageList(flags.stage);
    return (nb) => stageSelection(nb, stages, { force, python });
  }
  if (flags.only.length) {
    const bad = flags.only.find((n) => !/^[A-Za-z_]\w*$/.test(n));
    if (bad !== undefined) throw new NbprovError('NBPROV_USAGE', `--only ${bad}: not a variable name`, { hint: 'e.g. --only accuracy (repeatable)' });
    return (nb) => onlySelection(nb, notebook, [...new Set(flags.only)], { db: flags.db, force, python, warn });
  }
  if (force) throw new NbprovError('NBPROV_USAGE', '--force goes with --only or --stage', { hint: 'e.g. nbprov run NOTEBOOK --stage model-scoring --force' });
  return undefined;
}

interface OnlyOptions {
  db?: string;
  force: boolean;
  python: string;
  warn?: (message: string) => void;
}

/** The cells the last recorded lineage of each name needs, mapped onto the notebook as it is now, plus its parameters cells. */
function onlySelection(nb: LoadedNotebook, shown: string, names: string[], opts: OnlyOptions): Set<number> {
  const dbPath = resolveDbPath({ db: opts.db, notebook: resolve(nb.path) });
  const db = existsSync(dbPath) ? openDatabase(dbPath) : undefined;
  try {
    const selected = new Set(parameterCells(nb));
    const changed: { name: string; trial: TrialSummary; problems: string[]; pairs: CellPair[] }[] = [];
    for (const name of names) {
      const trial = db && lastTrialWith(db, relative(projectRoot(dbPath), resolve(nb.path)), name);
      if (!db || !trial) {
        throw new NbprovError('NBPROV_USAGE', `--only ${name}: no recorded trial of ${shown} assigned ${name}`, {
          hint: `run the whole notebook first (nbprov run ${shown}), so that --only can follow ${name}'s lineage`,
        });
      }
      const { cells, needed } = neededCells(db, dbPath, trial, name, opts.warn);
      const pairs = matchCells(cells.map(snapshotCell), nb.codeCells.map(notebookCell));
      const problems: string[] = [];
      for (const p of pairs) {
        if (!p.a || !needed.has(p.a.index)) continue;
        if (!p.b) problems.push(`cell ${p.a.index} of trial ${trial.sequence}, which ${name} needs, is gone`);
        else {
          if (codeChange(p)) problems.push(`cell ${p.b.index}, which ${name} needs, was edited`);
          selected.add(p.b.index);
        }
      }
      changed.push({ name, trial, problems, pairs });
    }
    for (const c of changed) c.problems.push(...newDefinitions(nb, c.pairs, selected, opts.python));
    const refused = changed.find((c) => c.problems.length);
    if (refused && !opts.force) {
      throw new NbprovError('NBPROV_USAGE', `--only ${refused.name}: ${shown} changed since trial ${refused.trial.sequence} in a way that may change ${refused.name}: ${refused.problems.join('; ')}`, {
        hint: `run the whole notebook (nbprov run ${shown}) to record ${refused.name}'s new lineage, or pass --force to run the recorded cells anyway`,
      });
    }
    return selected;
  } finally {
    db?.close();
  }
}

/** The newest settled trial of the notebook with variable capture that recorded a version of `name`. */
function lastTrialWith(db: Database.Database, notebook: string, name: string): TrialSummary | undefined {
  return listTrials(db, { notebook })
    .reverse()
    .find((t) => t.nbprov && t.capture !== 'cells' && t.status !== 'running' && t.status !== 'unfinished' && lastVersionId(db, t.id, name) !== undefined);
}

/** The trial's cells and the indexes of those `nbprov slice NAME --trial T` keeps (its parameters cell aside). */
function neededCells(db: Database.Database, dbPath: string, trial: TrialSummary, name: string, warn?: (message: string) => void): { cells: CellRow[]; needed: Set<number> } {
  const cells = trialCells(db, trial.id);
  const sourceOf = (hash: string) => cellSource(dirname(dbPath), hash);
  const chosen = choose(new SliceLineage(db, trial.id), trialVersionSites(db, trial.id), lastVersionId(db, trial.id, name)!, cells, sourceOf, { onWarning: warn });
  for (const reason of chosen.mayDiffer) warn?.(`--only ${name} may not recompute ${name} as in trial ${trial.sequence}: ${reason}`);
  return { cells, needed: new Set(cells.filter((c) => c.activationId !== null && chosen.activations.has(c.activationId)).map((c) => c.index)) };
}

/**
 * Cells edited or added since the trial, left out, that set a name a selected cell reads, or may change it unseen
 * (see unseenEffects): why each may change the answer.
 */
function newDefinitions(nb: LoadedNotebook, pairs: CellPair[], selected: Set<number>, python: string): string[] {
  const fresh = new Map(pairs.flatMap((p) => (p.b && !selected.has(p.b.index) && codeChange(p) ? [[p.b.index, codeChange(p)!] as const] : [])));
  if (fresh.size === 0) return [];
  const about = (cell: number) => (fresh.get(cell) === 'added' ? 'new' : 'edited');
  const missing = missingDefinitions(nb, selected, python, new Set(fresh.keys()));
  const effects = unseenEffects(nb, selected, python, new Set(fresh.keys()));
  return [...(missing.length ? [describeMissing(missing, about)] : []), ...(effects.length ? [describeEffects(effects, about)] : [])];
}

function snapshotCell(c: CellRow): SnapshotCell {
  return { ...c, stage: null };
}

/** A cell of the notebook as it is now, in the shape cell matching takes. */
function notebookCell(c: CodeCellRef): SnapshotCell {
  return {
    index: c.index, cellId: c.id ?? null, codeHash: c.codeHash, firstLine: '', activationId: null, executionCount: null, status: 'pending',
    seconds: null, outputs: null, errorName: null, errorValue: null, injected: c.tags.includes('injected-parameters'), stage: null,
  };
}
