// `run --stage` picks cells by stage tag, and both `--stage` and `--only` check, with Python's own parser, that the
// cells they leave out set nothing the cells they run read.
import { basename } from 'node:path';
import { NbprovError } from '../errors.js';
import { analyseCells, type CellFlow, type FlowEvent } from '../notebook/cell-flow.js';
import type { CodeCellRef, LoadedNotebook } from '../notebook/load.js';
import { parseStage } from '../notebook/stages.js';
import { cellStages } from '../notebook/tags.js';
import { topLevelStatements } from '../notebook/statements.js';
import { stageOrder } from '../stages.js';

/** Which cells a run executes, as `--only` / `--stage` / `--force` ask (a sweep records it for its --resume). */
export interface CellSelection {
  only: string[];
  stage?: string;
  force?: boolean;
}

/** A name a selected cell reads whose value a left-out cell before it may set. */
export interface MissingDefinition {
  /** The left-out cell that sets it (the last one before the reader). */
  definer: number;
  name: string;
  reader: number;
}

/** The cells a selective run executes whatever it selects: the `parameters` cell and the injected one. */
export function parameterCells(nb: LoadedNotebook): number[] {
  return nb.codeCells.filter((c) => c.tags.includes('parameters') || c.tags.includes('injected-parameters')).map((c) => c.index);
}

/** Parses `--stage a,b` (aliases as `nbprov tag` takes them); throws NBPROV_USAGE for an empty or malformed list. */
export function parseStageList(text: string): string[] {
  const stages = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (stages.length === 0) throw new NbprovError('NBPROV_USAGE', '--stage needs stage names', { hint: 'e.g. --stage data-reading,feature-engineering' });
  return [...new Set(stages.map(parseStage))];
}

/**
 * The cells `--stage` runs: those tagged with one of `stages`, plus the parameters cells. Throws NBPROV_USAGE when
 * a stage tags no cell, and (unless `force`) when a left-out cell sets a name a selected cell reads.
 */
export function stageSelection(nb: LoadedNotebook, stages: string[], opts: { force: boolean; python: string }): Set<number> {
  const tagged = cellStages(nb);
  const absent = stages.filter((s) => ![...tagged.values()].includes(s));
  if (absent.length) {
    const have = [...new Set(tagged.values())].sort((a, b) => stageOrder(a) - stageOrder(b));
    throw new NbprovError('NBPROV_USAGE', `--stage ${absent.join(',')}: no cell of ${basename(nb.path)} has ${absent.length === 1 ? 'this stage' : 'these stages'}`, {
      hint: have.length ? `its stages: ${have.join(', ')}` : 'tag cells with `nbprov tag cell N STAGE` first',
    });
  }
  const selected = new Set([...nb.codeCells.filter((c) => stages.includes(tagged.get(c.index) ?? '')).map((c) => c.index), ...parameterCells(nb)]);
  if (opts.force) return selected;
  const missing = missingDefinitions(nb, selected, opts.python);
  if (missing.length) {
    const definers = [...new Set(missing.map((m) => m.definer))];
    const unstaged = definers.filter((d) => !tagged.has(d));
    const wanted = [...new Set([...stages, ...definers.flatMap((d) => tagged.get(d) ?? [])])].sort((a, b) => stageOrder(a) - stageOrder(b));
    throw new NbprovError('NBPROV_USAGE', `--stage ${stages.join(',')} leaves out ${describeMissing(missing, (d) => tagged.get(d) ?? 'no stage')}`, {
      hint: unstaged.length
        ? `tag cell${unstaged.length === 1 ? '' : 's'} ${unstaged.join(', ')} with a stage and select it too, or pass --force to run anyway`
        : `select ${definers.length === 1 ? 'that stage' : 'those stages'} too (--stage ${wanted.join(',')}), or pass --force to run anyway`,
    });
  }
  return selected;
}

/**
 * The names the `selected` cells read whose value, in notebook order, a left-out cell may set (surely or on some
 * path) after the last selected cell that surely sets them; only left-out cells in `definers` when given. Cells
 * tagged `skip-execution` count as absent: a full run skips them too. Throws NBPROV_USAGE when Python cannot parse
 * the cells.
 */
export function missingDefinitions(nb: LoadedNotebook, selected: Set<number>, python: string, definers?: Set<number>): MissingDefinition[] {
  const cells = nb.codeCells.filter((c) => !c.tags.includes('skip-execution'));
  const { byCell, binds } = selectedFlow(cells, selected, python);
  const missing: MissingDefinition[] = [];
  cells.forEach((reader, at) => {
    if (!selected.has(reader.index)) return;
    for (const name of incomingReads(byCell.get(reader.index) ?? [])) {
      const definer = lastDefiner(cells.slice(0, at), (cell) => ({ surely: (byCell.get(cell) ?? []).some((e) => e.name === name && e.kind === 'write'), maybe: binds.get(cell)?.has(name) === true }), selected);
      if (definer !== undefined && (!definers || definers.has(definer))) missing.push({ definer, name, reader: reader.index });
    }
  });
  return missing;
}

/** A statement of a left-out cell that may change what a later selected cell reads without binding a name. */
export interface UnseenEffect {
  cell: number;
  line: number;
  /** `random`: it draws from (or seeds) a module's random state; `call`: a bare call on or with `names`. */
  effect: 'random' | 'call';
  names: string[];
  /** The first selected cell after it that it may affect. */
  reader: number;
}

/**
 * The statements of the left-out cells in `among` that `nbprov slice` would keep for their hidden effects, had
 * they run before the value: draws from a module's random state before a selected cell, and bare calls on or
 * with a name a later selected cell reads (`np.fill_diagonal(X, 0)`). Throws NBPROV_USAGE when Python cannot
 * parse the cells.
 */
export function unseenEffects(nb: LoadedNotebook, selected: Set<number>, python: string, among: Set<number>): UnseenEffect[] {
  const cells = nb.codeCells.filter((c) => !c.tags.includes('skip-execution'));
  const statements = topLevelStatements(cells.map((c) => c.source), python);
  if (!statements) throw new NbprovError('NBPROV_USAGE', `cannot check what the left-out cells change: ${python} could not be run`, { hint: 'pass --force to run the selected cells anyway' });
  const reads = selectedReads(cells, selected, python);
  const found: UnseenEffect[] = [];
  cells.forEach((cell, at) => {
    if (!among.has(cell.index) || selected.has(cell.index)) return;
    const later = cells.slice(at + 1).filter((c) => selected.has(c.index));
    for (const s of statements[at] ?? []) {
      if (s.effect === 'random' && later.length) found.push({ cell: cell.index, line: s.first, effect: 'random', names: [], reader: later[0].index });
      if (s.effect !== 'call') continue;
      const touched = [...new Set([...s.loads, ...s.receivers])];
      const reader = later.find((c) => touched.some((n) => reads.get(c.index)?.has(n)));
      if (reader) found.push({ cell: cell.index, line: s.first, effect: 'call', names: touched.filter((n) => reads.get(reader.index)?.has(n)), reader: reader.index });
    }
  });
  return found;
}

/** `line 2 of cell 6 (edited) draws from a random state before cell 7`, `line 1 of cell 6 (new) may change X, which cell 7 reads`. */
export function describeEffects(effects: UnseenEffect[], about: (cell: number) => string): string {
  return effects.map((e) => `line ${e.line} of cell ${e.cell} (${about(e.cell)}) ${e.effect === 'random' ? `draws from a random state before cell ${e.reader}` : `may change ${e.names.join(', ')}, which cell ${e.reader} reads`}`).join('; ');
}

/** `cell 3 (data-reading), which sets X, y that cell 7 reads`, grouped by the cell that sets them. */
export function describeMissing(missing: MissingDefinition[], about: (cell: number) => string): string {
  const byDefiner = new Map<number, MissingDefinition[]>();
  for (const m of missing) byDefiner.set(m.definer, [...(byDefiner.get(m.definer) ?? []), m]);
  return [...byDefiner].map(([definer, ms]) => {
    const names = [...new Set(ms.map((m) => m.name))];
    const readers = [...new Set(ms.map((m) => m.reader))];
    return `cell ${definer} (${about(definer)}), which sets ${names.join(', ')} that cell${readers.length === 1 ? '' : 's'} ${readers.join(', ')} read${readers.length === 1 ? 's' : ''}`;
  }).join('; ');
}

/** Selected cell → the names it reads before it surely sets them itself. */
function selectedReads(cells: CodeCellRef[], selected: Set<number>, python: string): Map<number, Set<string>> {
  const { byCell } = selectedFlow(cells, selected, python);
  return new Map(cells.filter((c) => selected.has(c.index)).map((c) => [c.index, new Set(incomingReads(byCell.get(c.index) ?? []))]));
}

/** Where each cell reads and binds the names the selected cells mention (every identifier in their source). */
function selectedFlow(cells: CodeCellRef[], selected: Set<number>, python: string): { byCell: Map<number, FlowEvent[]>; binds: CellFlow['binds'] } {
  const names = [...new Set(cells.filter((c) => selected.has(c.index)).flatMap((c) => c.source.match(/[A-Za-z_]\w*/g) ?? []))];
  const byCell = new Map<number, FlowEvent[]>();
  if (names.length === 0) return { byCell, binds: new Map() };
  let flow: CellFlow;
  try {
    flow = analyseCells(python, cells, names, undefined);
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `cannot check which names the selected cells read: ${(err as Error).message}`, { hint: 'pass --force to run them anyway' });
  }
  for (const e of flow.events) byCell.set(e.cell, [...(byCell.get(e.cell) ?? []), e]);
  return { byCell, binds: flow.binds };
}

/** The names a cell reads before it surely sets them itself. */
function incomingReads(events: FlowEvent[]): string[] {
  const set = new Set<string>();
  const read = new Set<string>();
  for (const e of events) {
    if (e.kind === 'read' && !set.has(e.name)) read.add(e.name);
    if (e.kind === 'write') set.add(e.name);
  }
  return [...read];
}

/** The last left-out cell before a reader that may set the name, unless a selected cell surely sets it after. */
function lastDefiner(before: CodeCellRef[], sets: (cell: number) => { surely: boolean; maybe: boolean }, selected: Set<number>): number | undefined {
  for (let i = before.length - 1; i >= 0; i--) {
    const { surely, maybe } = sets(before[i].index);
    if (selected.has(before[i].index)) {
      if (surely) return undefined;
    } else if (surely || maybe) {
      return before[i].index;
    }
  }
  return undefined;
}
