import type Database from 'better-sqlite3';
import { TrialLineage, type Ancestry } from '../graph/trial-lineage.js';
import { cellSource } from '../store/queries.js';
import { importVersions, lastVersionsBefore, versionsOfNames } from '../store/versions.js';
import { codeChange, pairIndex, type CellPair } from './cell-match.js';
import { changedFiles, firstReads, type FileTouch, type Reach } from './file-reads.js';
import { unreachedModule, type SnapshotCell, type TrialSnapshot } from './trial-snapshot.js';
import { recordedValue, sameValue, valueView, type RecordedValue, type ValueView, type Verdict } from './values.js';

export interface CellRef {
  index: number;
  id: string | null;
}

export interface CellCause {
  a: CellRef | null;
  b: CellRef | null;
  stage: string | null;
  change: 'edited' | 'added' | 'removed';
  firstLine: string;
}

/**
 * Why a metric one trial made is missing from the other: the cell that made it raised there, was skipped, or did
 * not run because the trial stopped before it.
 */
export interface Absence {
  /** The sequence number of the trial without the metric. */
  trial: number;
  /** The cell that made the metric in the other trial, numbered as in the trial without it. */
  cell: CellRef;
  stage: string | null;
  reason: 'raised' | 'skipped' | 'did not run';
  /** `ValueError: boom` when the cell raised. */
  error: string | null;
  /** The cell that raised, when the trial stopped before this one. */
  stoppedAt: CellRef | null;
}

/** The changed ancestors of one changed metric; unchanged ancestors are not listed. */
export interface WhyReport {
  metric: string;
  verdict: Verdict;
  a: ValueView | null;
  b: ValueView | null;
  /** For a metric only one trial has, when the other trial did not run the cell that makes it to its end. */
  absent?: Absence;
  params: { name: string; a: ValueView | null; b: ValueView | null }[];
  cells: CellCause[];
  files: { name: string; a: string | null; b: string | null }[];
  modules: { name: string; a: string | null; b: string | null }[];
}

/** One trial's side of the analysis: its snapshot plus its lineage, parameter versions and imports. */
export interface WhySide {
  snapshot: TrialSnapshot;
  lineage: TrialLineage;
  /** Every version of each parameter name, oldest first. */
  paramVersions: Map<string, { evaluationId: number; value: RecordedValue }[]>;
  /** Import versions and the top-level module each imported from. */
  imports: { evaluationId: number; module: string }[];
  /** The last versions, before the cell ran, of the names its source reads. */
  cellInputs: (cell: SnapshotCell) => number[];
}

/** Reads the lineage-side facts of one trial: `paramNames`' versions, its imports, what a cell could read. */
export function readWhySide(db: Database.Database, dbDir: string, snapshot: TrialSnapshot, paramNames: string[]): WhySide {
  const id = snapshot.trial.id;
  const activations = snapshot.cells.flatMap((c) => (c.activationId === null ? [] : [c.activationId]));
  const paramVersions = new Map<string, { evaluationId: number; value: RecordedValue }[]>();
  for (const r of versionsOfNames(db, id, paramNames).sort((x, y) => x.evaluationId - y.evaluationId)) {
    const list = paramVersions.get(r.name) ?? [];
    list.push({ evaluationId: r.evaluationId, value: recordedValue(r.json, r.summary, r.json === null ? r.repr : null) });
    paramVersions.set(r.name, list);
  }
  const cellByActivation = new Map(snapshot.cells.map((c) => [c.activationId, c]));
  const sources = new Map<number, string | undefined>();
  const imports: WhySide['imports'] = [];
  for (const r of importVersions(db, id)) {
    const cell = cellByActivation.get(r.activationId);
    if (!cell || r.line === null) continue;
    if (!sources.has(r.activationId)) sources.set(r.activationId, cellSource(dbDir, cell.codeHash));
    const module = importedModule(sources.get(r.activationId), r.line, r.name);
    if (module) imports.push({ evaluationId: r.evaluationId, module });
  }
  // A cell that raised may have recorded nothing: what it read is what its source names (a cell's activation is
  // numbered before its versions, so versions older than it are the ones it could read).
  const cellInputs = (cell: SnapshotCell) => {
    const names = namesRead(cellSource(dbDir, cell.codeHash) ?? '');
    return lastVersionsBefore(db, id, cell.activationId ?? Number.MAX_SAFE_INTEGER, names);
  };
  return { snapshot, lineage: TrialLineage.read(db, id, activations), paramVersions, imports, cellInputs };
}

/**
 * Why each metric moved: walks its final version's ancestors in both trials and keeps the parameters whose values
 * differ, the ancestor cells whose code differs (paired across trials), the files those cells read whose content
 * differs (a file read on one side only counts when the other side ran that cell to its end: see changedFiles),
 * and the imported modules whose version differs.
 */
export function explainMetrics(
  changes: { name: string; verdict: Verdict; a: ValueView | null; b: ValueView | null }[],
  a: WhySide,
  b: WhySide,
  pairs: CellPair[],
  paramNames: string[],
  reach: Reach,
): WhyReport[] {
  const elsewhere = { a: firstReads(a.snapshot.files), b: firstReads(b.snapshot.files) };
  const ancestriesA = ancestriesOf(a, changes.map((c) => c.name));
  const ancestriesB = ancestriesOf(b, changes.map((c) => c.name));
  const index = pairIndex(pairs);
  return changes.map((change, i) => {
    let ancestryA = ancestriesA[i];
    let ancestryB = ancestriesB[i];
    // A metric gone because its cell raised or never ran: that side's causes are what the blocking cell read.
    const found = change.verdict === 'removed' ? absence(change.name, a, b, (c) => index.a.get(c)?.b) : change.verdict === 'added' ? absence(change.name, b, a, (c) => index.b.get(c)?.a) : undefined;
    if (found?.blocker && change.verdict === 'removed') ancestryB = blockerAncestry(b, found.blocker);
    if (found?.blocker && change.verdict === 'added') ancestryA = blockerAncestry(a, found.blocker);
    return {
      metric: change.name,
      verdict: change.verdict,
      a: change.a,
      b: change.b,
      ...(found ? { absent: found.absence } : {}),
      params: changedParams(paramNames, a, ancestryA, b, ancestryB),
      cells: changedCells(pairs, a, ancestryA, b, ancestryB),
      files: changedFiles(readFiles(a, ancestryA), readFiles(b, ancestryB), reach, elsewhere),
      modules: changedModules(a, ancestryA, b, ancestryB),
    };
  });
}

/**
 * Why trial `lacking` has no version of a metric trial `present` made: the counterpart of the cell that made it
 * raised, was skipped, or did not run; with the cell that raised (it, or the one the trial stopped at). Undefined
 * when that cell has no counterpart (the Code rows say so) or ran to its end.
 */
function absence(metric: string, present: WhySide, lacking: WhySide, counterpart: (c: SnapshotCell) => SnapshotCell | undefined): { absence: Absence; blocker: SnapshotCell | undefined } | undefined {
  const activation = present.snapshot.tags.get(metric)?.activationId;
  const made = activation === undefined || activation === null ? undefined : present.snapshot.cells.find((c) => c.activationId === activation);
  const cell = made && counterpart(made);
  if (!cell) return undefined;
  const stopper = lacking.snapshot.cells.find((c) => c.status === 'error');
  const reason = cell.status === 'error' ? 'raised' : cell.status === 'skipped' ? 'skipped' : cell.status === 'ok' ? undefined : 'did not run';
  if (!reason) return undefined;
  const error = reason === 'raised' ? [cell.errorName, cell.errorValue].filter(Boolean).join(': ') || null : null;
  const stoppedAt = reason === 'did not run' && stopper ? stopper : undefined;
  return {
    absence: { trial: lacking.snapshot.trial.sequence, cell: cellRef(cell)!, stage: cell.stage, reason, error, stoppedAt: cellRef(stoppedAt) },
    blocker: reason === 'raised' ? cell : stoppedAt,
  };
}

/** The ancestry of what a blocking cell read, with the cell itself (an edit to it is a cause too). */
function blockerAncestry(side: WhySide, cell: SnapshotCell): Ancestry {
  const found = side.lineage.ancestors(side.cellInputs(cell));
  const activations = new Set(found.flatMap((f) => [...f.activations]));
  if (cell.activationId !== null) activations.add(cell.activationId);
  return { has: (e) => found.some((f) => f.has(e)), activations };
}

/** Each metric's ancestry in one trial; undefined where the trial has no version of it. */
function ancestriesOf(side: WhySide, metrics: string[]): (Ancestry | undefined)[] {
  const tags = metrics.map((m) => side.snapshot.tags.get(m)).map((t) => (t && t.evaluationId !== null ? t : undefined));
  const found = side.lineage.ancestors(tags.flatMap((t) => (t ? [t.evaluationId!] : [])));
  let next = 0;
  return tags.map((tag) => {
    if (!tag) return undefined;
    const ancestry = found[next++];
    if (tag.activationId !== null) ancestry.activations.add(tag.activationId);
    return ancestry;
  });
}

function changedParams(names: string[], a: WhySide, ancestryA: Ancestry | undefined, b: WhySide, ancestryB: Ancestry | undefined): WhyReport['params'] {
  const out: WhyReport['params'] = [];
  for (const name of names) {
    const inA = ancestorVersion(a, ancestryA, name);
    const inB = ancestorVersion(b, ancestryB, name);
    if (!inA && !inB) continue;
    // A parameter on only one side's lineage is compared with the other side's final value.
    const va = inA ?? finalValue(a, name);
    const vb = inB ?? finalValue(b, name);
    if (!sameValue(va, vb)) out.push({ name, a: valueView(va), b: valueView(vb) });
  }
  return out;
}

/**
 * The parameter's value when one of its versions is an ancestor: the value its parameters cell set (the tagged
 * version), since later versions are built from it and other things (a dict the notebook fills with models).
 */
function ancestorVersion(side: WhySide, ancestry: Ancestry | undefined, name: string): RecordedValue | undefined {
  if (!ancestry) return undefined;
  const versions = side.paramVersions.get(name) ?? [];
  for (let i = versions.length - 1; i >= 0; i--) if (ancestry.has(versions[i].evaluationId)) return side.snapshot.tags.get(name)?.value ?? versions[i].value;
  return undefined;
}

function finalValue(side: WhySide, name: string): RecordedValue | undefined {
  const versions = side.paramVersions.get(name);
  return side.snapshot.tags.get(name)?.value ?? versions?.[versions.length - 1]?.value;
}

function changedCells(pairs: CellPair[], a: WhySide, ancestryA: Ancestry | undefined, b: WhySide, ancestryB: Ancestry | undefined): CellCause[] {
  const index = pairIndex(pairs);
  const touched = new Set<CellPair>();
  for (const c of ancestorCells(a, ancestryA)) touched.add(index.a.get(c)!);
  for (const c of ancestorCells(b, ancestryB)) touched.add(index.b.get(c)!);
  const out: CellCause[] = [];
  for (const p of pairs) {
    const change = touched.has(p) ? codeChange(p) : undefined;
    if (!change) continue;
    const cell = (p.b ?? p.a)!;
    out.push({ a: cellRef(p.a), b: cellRef(p.b), stage: p.b?.stage ?? p.a?.stage ?? null, change, firstLine: cell.firstLine });
  }
  return out;
}

function ancestorCells(side: WhySide, ancestry: Ancestry | undefined): SnapshotCell[] {
  if (!ancestry) return [];
  return side.snapshot.cells.filter((c) => !c.injected && c.activationId !== null && ancestry.activations.has(c.activationId));
}

export function cellRef(c: SnapshotCell | undefined): CellRef | null {
  return c ? { index: c.index, id: c.cellId } : null;
}

/** Files read by the ancestor cells: name → content hash when first read. */
function readFiles(side: WhySide, ancestry: Ancestry | undefined): Map<string, FileTouch> {
  if (!ancestry) return new Map();
  return firstReads(side.snapshot.files.filter((f) => f.activationId !== null && ancestry.activations.has(f.activationId)));
}

function changedModules(a: WhySide, ancestryA: Ancestry | undefined, b: WhySide, ancestryB: Ancestry | undefined): WhyReport['modules'] {
  const names = new Set([...importedBy(a, ancestryA), ...importedBy(b, ancestryB)].filter((n) => !unreachedModule(n, a.snapshot, b.snapshot)));
  const versions = (side: WhySide) => new Map([...names].map((n) => [n, side.snapshot.modules.get(n) ?? null]));
  return changedEntries(versions(a), versions(b));
}

function importedBy(side: WhySide, ancestry: Ancestry | undefined): string[] {
  return ancestry ? side.imports.filter((i) => ancestry.has(i.evaluationId)).map((i) => i.module) : [];
}

/** Keys whose values differ between two maps (a key missing on one side counts as null), in sorted order. */
export function changedEntries(a: Map<string, string | null>, b: Map<string, string | null>): { name: string; a: string | null; b: string | null }[] {
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.flatMap((name) => {
    const x = a.get(name) ?? null;
    const y = b.get(name) ?? null;
    return x === y ? [] : [{ name, a: x, b: y }];
  });
}

/**
 * The top-level module an import bound `name` from, read off the cell's source at the name's line (or the
 * statement that line continues): `from sklearn.metrics import f` → sklearn, `import numpy as np` → numpy.
 */
export function importedModule(source: string | undefined, line: number, name: string): string | undefined {
  if (!source) return undefined;
  const lines = source.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0 && i >= line - 20; i--) {
    const from = /^\s*from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(lines[i]);
    if (from) return from[1].split('.')[0];
    const plain = /^\s*import\s+(.+)$/.exec(lines[i]);
    if (plain) {
      for (const part of plain[1].split(',')) {
        const m = /^\s*([A-Za-z_][\w.]*)(?:\s+as\s+(\w+))?/.exec(part);
        if (m && (m[2] ?? m[1].split('.')[0]) === name) return m[1].split('.')[0];
      }
      return undefined;
    }
  }
  return undefined;
}

/**
 * The names a cell's source may read: identifiers outside strings and comments, not after a dot. Extra names
 * (those it only assigns, keywords) do no harm: only names with versions before the cell are looked up.
 */
export function namesRead(source: string): string[] {
  const code = source.replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'/g, '""').replace(/#.*$/gm, '');
  return [...new Set(code.match(/(?<![.\w])[A-Za-z_]\w*/g) ?? [])];
}
