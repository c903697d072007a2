import { randomBytes } from 'node:crypto';
import { NbprovError } from '../errors.js';
import { analyseCells, type CellFlow } from './cell-flow.js';
import { parseNotebook, type LoadedNotebook } from './load.js';
import { checkAssigned, checkNotOverwritten, deadInDefaultsCell, shown, type Placement } from './parameter-checks.js';
import { castParameter, conform, typeError, type Default } from './parameter-values.js';
import { parsePyLiteral, pyFromJson, pyRepr, pyToJson, type PyValue } from './py-literal.js';

/**
 * One `-p` / `-r` value (text) or `-f` / `--seed-param` value (data) before it meets the notebook's defaults; `from`
 * says where data came from, for messages (`-f grid.yaml`).
 */
export type RawParameter = { name: string; value: string; raw: boolean } | { name: string; value: unknown; from: string };

export interface InjectOptions {
  strict: boolean;
  /** `--inject-after CELL`: a cell index (as `nbprov cells` lists) or id; default: after the `parameters` cell. */
  injectAfter?: string;
  /** The interpreter whose `ast` checks the cells (`--python`). */
  python: string;
}

export interface Injection {
  notebook: LoadedNotebook;
  /** name → value as JSON data, recorded with the trial. */
  parameters: Record<string, unknown>;
  warnings: string[];
}

/**
 * Papermill-compatible injection: a cell tagged `injected-parameters` right after the cell tagged `parameters`
 * (or after `--inject-after`'s cell; first when there is neither), assigning each value as a Python literal. A value
 * takes the type of its default there (papermill reads `-p n 3` as an int even where the default is 3.0, and the
 * notebook then computes with a different type); without one it is read as papermill reads it.
 * Refuses (exit 2) a value the notebook would overwrite before reading it, which would make `-p` silently ignored,
 * and warns when the defaults cell computes with a name after assigning it (that computation keeps the default).
 */
export function injectParameters(executed: LoadedNotebook, raw: RawParameter[], opts: InjectOptions): Injection {
  const warnings: string[] = [];
  checkNames(raw);
  const names = [...new Set(raw.map((p) => p.name))];
  const at = placement(executed, opts.injectAfter);
  let flow: CellFlow | undefined;
  try {
    flow = analyseCells(opts.python, at.nb.codeCells, names, at.anchor);
  } catch (err) {
    warnings.push(`the cells could not be checked (${(err as Error).message}): the -p values are typed as papermill types them, and may be overwritten by the notebook`);
  }
  // A name's default: its last assignment up to the injection point (the defaults cell's own, normally).
  const defaults = new Map<string, Default>(
    (flow?.assignments ?? []).filter((a) => a.cell <= (at.anchor ?? 0)).map((a) => [a.name, { value: a.value === null ? undefined : parsePyLiteral(a.value), text: a.value, cell: a.cell }]),
  );
  if (at.anchor === undefined) {
    const message = `${shown(at.nb)} has no cell tagged 'parameters'; the parameters are injected as the first cell`;
    if (opts.strict) throw new NbprovError('NBPROV_USAGE', `${shown(at.nb)} has no cell tagged 'parameters' to inject the values after`, { hint: `tag the cell holding the defaults: nbprov tag cell N parameters (or pass --inject-after N)` });
    warnings.push(message);
  }
  const parameters: Record<string, unknown> = {};
  const assignments: string[] = [];
  for (const name of names) {
    if (flow) checkAssigned(at, name, flow, opts.strict, warnings);
    const value = typedValue(raw.filter((p) => p.name === name).pop()!, defaults.get(name));
    parameters[name] = pyToJson(value);
    assignments.push(`${name} = ${pyRepr(value)}`);
  }
  if (flow) {
    const skipped = new Set(at.nb.codeCells.filter((c) => c.tags.includes('skip-execution')).map((c) => c.index));
    const events = flow.events.filter((e) => !skipped.has(e.cell));
    for (const name of names) checkNotOverwritten(at, name, events);
    warnings.push(...deadInDefaultsCell(at, names, events));
  }
  return { notebook: withInjectedCell(at, assignments), parameters, warnings };
}

function checkNames(raw: RawParameter[]): void {
  for (const p of raw) {
    if (!/^[A-Za-z_]\w*$/.test(p.name)) throw new NbprovError('NBPROV_USAGE', `parameter name '${p.name}' is not a Python identifier`);
    if (PYTHON_KEYWORDS.has(p.name)) throw new NbprovError('NBPROV_USAGE', `parameter name '${p.name}' is a Python keyword, which cannot be assigned`);
  }
}

/**
 * Where the injected cell goes: after `--inject-after`'s cell, else after the `parameters` cell, else where an old
 * injected cell was. An executed notebook already holds an injected cell: the new one replaces it, as papermill does.
 */
function placement(executed: LoadedNotebook, injectAfter: string | undefined): Placement {
  const { nb, removed } = withoutInjectedCell(executed);
  const paramsCell = nb.codeCells.find((c) => c.tags.includes('parameters'))?.index;
  const anchor = injectAfter !== undefined ? shifted(cellIndex(executed, injectAfter), removed) : (paramsCell ?? (removed !== undefined && removed > 1 ? removed - 1 : undefined));
  return { nb, anchor, paramsCell };
}

/** The notebook with a cell tagged `injected-parameters` holding `assignments`, after the anchor. */
function withInjectedCell(at: Placement, assignments: string[]): LoadedNotebook {
  const source = ['# Parameters', ...assignments].join('\n') + '\n';
  const cell = { cell_type: 'code', execution_count: null, id: randomBytes(4).toString('hex'), metadata: { tags: ['injected-parameters'] }, outputs: [], source };
  const content = structuredClone(at.nb.content) as unknown as { cells: unknown[] };
  content.cells.splice(at.anchor ?? 0, 0, cell);
  return parseNotebook(at.nb.path, JSON.stringify(content));
}

function typedValue(p: RawParameter, def: Default | undefined): PyValue {
  if ('from' in p) {
    const value = pyFromJson(p.value);
    const typed = conform(value, def?.value, true);
    if (!typed) throw typeError(`${p.from}: ${p.name}`, def!, pyRepr(value), p.name, p.from);
    return typed;
  }
  return p.raw ? { t: 'str', v: p.value } : castParameter(p.name, p.value, def);
}

const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

/** The notebook without its `injected-parameters` cell, and that cell's 1-based index (undefined: it had none). */
function withoutInjectedCell(nb: LoadedNotebook): { nb: LoadedNotebook; removed?: number } {
  const old = nb.codeCells.find((c) => c.tags.includes('injected-parameters'));
  if (!old) return { nb };
  const content = structuredClone(nb.content) as unknown as { cells: unknown[] };
  content.cells.splice(old.index - 1, 1);
  return { nb: parseNotebook(nb.path, JSON.stringify(content)), removed: old.index };
}

/** A cell index of the file as given, in the notebook without its old injected cell. */
function shifted(index: number, removed?: number): number {
  return removed !== undefined && index >= removed ? index - 1 : index;
}

/** A cell index (1-based among all cells) or id, for --inject-after. */
function cellIndex(nb: LoadedNotebook, selector: string): number {
  const cells = nb.content.cells as { id?: unknown }[];
  const index = /^\d+$/.test(selector) ? Number(selector) : cells.findIndex((c) => c.id === selector) + 1;
  if (index < 1 || index > cells.length) {
    const what = /^\d+$/.test(selector) ? `cell ${selector} is out of range` : `no cell has id '${selector}'`;
    throw new NbprovError('NBPROV_USAGE', `--inject-after ${selector}: ${what}: ${shown(nb)} has ${cells.length} cells`, { hint: `see \`nbprov cells ${shown(nb)}\`` });
  }
  return index;
}
