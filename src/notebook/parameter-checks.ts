import { relative } from 'node:path';
import { NbprovError } from '../errors.js';
import type { CellFlow, FlowEvent } from './cell-flow.js';
import type { LoadedNotebook } from './load.js';
import { shorten } from './parameter-values.js';

// What the cells' flow of names (cell-flow.ts) says about the -p values: one the notebook would overwrite before
// reading it, or never read, makes `-p` silently ignored.

/** Where the values go: the notebook without its old injected cell, and the cells that place them. */
export interface Placement {
  nb: LoadedNotebook;
  /** The cell the injected one follows (undefined: it goes first). */
  anchor: number | undefined;
  /** The cell tagged `parameters`. */
  paramsCell: number | undefined;
}

/**
 * Warns (or with --strict refuses) a name the parameters cell does not assign, or, injecting elsewhere, that no cell
 * assigns.
 */
export function checkAssigned(at: Placement, name: string, flow: CellFlow, strict: boolean, warnings: string[]): void {
  const { nb, anchor, paramsCell } = at;
  const inParamsCell = anchor !== undefined && anchor === paramsCell;
  const assigned = flow.events.some((e) => e.name === name && e.kind !== 'read' && (!inParamsCell || e.cell === anchor));
  if (assigned) return;
  const message = inParamsCell ? `parameter '${name}' is not assigned in the parameters cell (cell ${anchor})` : `parameter '${name}' is not assigned anywhere in ${shown(nb)}`;
  const known = [...new Set(flow.assignments.filter((a) => a.cell === anchor).map((a) => a.name))];
  // Where nothing is assigned, naming no parameters helps no one: say where the values should come from.
  const where = anchor === undefined ? 'no cell is tagged parameters' : `cell ${anchor} assigns no variable`;
  const hint = known.length ? `known parameters: ${known.join(', ')}` : `${where}: tag the cell that assigns the defaults (nbprov tag cell N parameters) or pass --inject-after N`;
  if (strict) throw new NbprovError('NBPROV_USAGE', message, { hint });
  warnings.push(message);
}

/** Exit 2 when a cell after the injection point surely rebinds `name` before any cell reads it: `-p` would do nothing. */
export function checkNotOverwritten(at: Placement, name: string, events: FlowEvent[]): void {
  const { nb, anchor, paramsCell } = at;
  const first = events.find((e) => e.name === name && e.cell > (anchor ?? 0));
  if (first?.kind !== 'write') return;
  // injecting after that cell would leave its own reads with the cell's value: the cell must be split first
  const readBack = readAfter(events, first);
  let hint: string;
  if (paramsCell !== undefined && anchor === paramsCell) {
    hint = `move that assignment into the parameters cell (cell ${paramsCell})${readBack ? '' : `, or run with --inject-after ${first.cell}`}`;
  } else if (readBack?.top === first.top) {
    hint = boundForItsBody(first);
  } else if (readBack) {
    hint = `cell ${first.cell} also computes with ${name} after assigning it (line ${readBack.line}: ${quote(readBack)}), so split it: ${splitHint(nb, first)}`;
  } else {
    hint = `tag the cell that sets the defaults: \`nbprov tag cell ${first.cell} parameters\` (values are injected after it), or run with --inject-after ${first.cell}`;
  }
  throw new NbprovError('NBPROV_USAGE', `-p ${name} would be ignored: cell ${first.cell} assigns ${name} before any cell reads it (line ${first.line}: ${quote(first)})`, { hint });
}

/**
 * For names the defaults cell reads after assigning them (that code runs with the default, not the value): a
 * warning when a later cell reads the name too, else exit 2, since the injected value would never be read.
 */
export function deadInDefaultsCell(at: Placement, names: string[], events: FlowEvent[]): string[] {
  const { nb, anchor, paramsCell } = at;
  const warnings: string[] = [];
  if (anchor === undefined) return warnings;
  for (const name of names) {
    const assigned = events.find((e) => e.name === name && e.cell === anchor && e.kind !== 'read');
    const read = assigned && readAfter(events, assigned);
    if (!assigned || !read) continue;
    const computes = `cell ${anchor} computes with ${name} after assigning it (line ${read.line}: ${quote(read)})`;
    if (events.some((e) => e.name === name && e.cell > anchor && e.kind === 'read')) {
      warnings.push(`-p ${name}: ${computes}; that computation uses the default, not the injected value`);
      continue;
    }
    const hint =
      read.top === assigned.top
        ? boundForItsBody(assigned)
        : anchor === paramsCell
          ? `split cell ${anchor}: move the code from line ${read.line} (${quote(read)}) to a new cell after it, so that it computes with the injected value`
          : `split cell ${anchor}: ${splitHint(nb, assigned)}`;
    throw new NbprovError('NBPROV_USAGE', `-p ${name} would be ignored: ${computes}, and no later cell reads ${name}`, { hint });
  }
  return warnings;
}

/** The first read of `write`'s name in its cell after it. */
function readAfter(events: FlowEvent[], write: FlowEvent): FlowEvent | undefined {
  return events.slice(events.indexOf(write) + 1).find((e) => e.name === write.name && e.cell === write.cell && e.kind === 'read');
}

/** A `for` or `with` that binds the name for its own body: no cell boundary can let an injected value in. */
function boundForItsBody(write: FlowEvent): string {
  const loop = /^(async\s+)?for\b/.test(write.text);
  return (
    `the ${loop ? 'loop' : 'with statement'} at line ${write.line} of cell ${write.cell} (${quote(write)}) sets ${write.name} for its own body, where no injected value reaches: ` +
    `make a parameter of ${loop ? 'the values it loops over' : 'what it is built from'} instead`
  );
}

/** How to give an assignment a cell of its own to inject after: the exact tag command for the new cell's index. */
function splitHint(nb: LoadedNotebook, write: FlowEvent): string {
  const source = nb.codeCells.find((c) => c.index === write.cell)?.source ?? '';
  const codeBefore = source.split('\n').slice(0, write.line - 1).some((l) => l.trim() && !l.trim().startsWith('#'));
  const index = codeBefore ? write.cell + 1 : write.cell;
  return `put the statement at line ${write.line} (${quote(write)}) in a cell of its own and tag that cell: \`nbprov tag cell ${index} parameters\``;
}

/** The notebook's path as messages show it: relative to the working directory. */
export function shown(nb: LoadedNotebook): string {
  return relative(process.cwd(), nb.path) || nb.path;
}

function quote(e: FlowEvent): string {
  return shorten(e.text);
}
