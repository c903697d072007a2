import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parse as parseYaml, parseDocument, visit } from 'yaml';
import { NbprovError } from '../errors.js';
import { analyseCells, type CellFlow, type FlowEvent } from './cell-flow.js';
import { parseNotebook, type LoadedNotebook } from './load.js';
import { FloatLiteral, parsePyLiteral, pyFromJson, pyRepr, pyToJson, typePhrase, type PyValue } from './py-literal.js';

/** One `-p` / `-r` / `-f` value before it meets the notebook's defaults. */
export type RawParameter = { name: string; value: string; raw: boolean } | { name: string; value: unknown; fromFile: true };

export interface InjectOptions {
  strict: boolean;
  /** `--inject-after CELL`: a cell index (as `nbprov cells` lists) or id; default: after the `parameters` cell. */
  injectAfter?: string;
  /** The interpreter whose `ast` checks the cells (`--python`). */
  python: string;
  /** The `-f` file, for messages. */
  parameterFile?: string;
}

export interface Injection {
  notebook: LoadedNotebook;
  /** name → value as JSON data, recorded with the trial. */
  parameters: Record<string, unknown>;
  warnings: string[];
}

interface Default {
  value: PyValue | undefined;
  text: string | null;
  cell: number;
}

/** Reads a `-f` parameters file: JSON, or YAML for .yaml/.yml. Exit 2 when it is neither or not a mapping. */
export function readParametersFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `cannot read parameters file ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let data: unknown;
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new NbprovError('NBPROV_USAGE', `parameters file ${path} is not valid ${yaml ? 'YAML' : 'JSON'}: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'write a mapping of names to values, e.g. {"n_trees": 100}',
    });
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new NbprovError('NBPROV_USAGE', `parameters file ${path} must hold a mapping of names to values`);
  }
  if (nestingDepth(data) > MAX_VALUE_NESTING) {
    throw new NbprovError('NBPROV_USAGE', `parameters file ${path} nests values more than ${MAX_VALUE_NESTING} deep`, { hint: 'parameters are literals a cell can hold: flatten the value' });
  }
  return withFloatLiterals(text, yaml) ?? (data as Record<string, unknown>);
}

/**
 * The file's data with whole numbers written as floats (`100.0`, `1e3`) kept as FloatLiterals, which parsed data
 * cannot tell from ints: a number keeps the type it is written in, as with -p. Undefined when the YAML parser reads
 * the file differently from the JSON one (duplicate keys): then it is read as papermill reads it.
 */
function withFloatLiterals(text: string, yaml: boolean): Record<string, unknown> | undefined {
  const doc = parseDocument(text, yaml ? {} : { schema: 'json' });
  if (doc.errors.length) return undefined;
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'number' && Number.isInteger(node.value) && /[.eE]/.test(node.source ?? '') && !/^[-+]?0[xXoO]/.test(node.source ?? '')) {
        node.value = new FloatLiteral(node.value);
      }
    },
  });
  return doc.toJS() as Record<string, unknown>;
}

/**
 * Papermill-compatible injection: a cell tagged `injected-parameters` right after the cell tagged `parameters`
 * (or after `--inject-after`'s cell; first when there is neither), assigning each value as a Python literal. A value
 * takes the type of its default there (papermill#55); without one it is read as papermill reads it.
 * Refuses (exit 2) a value the notebook would overwrite before reading it, which would make `-p` silently ignored,
 * and warns when the defaults cell computes with a name after assigning it (that computation keeps the default).
 */
export function injectParameters(executed: LoadedNotebook, raw: RawParameter[], opts: InjectOptions): Injection {
  const warnings: string[] = [];
  for (const p of raw) {
    if (!/^[A-Za-z_]\w*$/.test(p.name)) throw new NbprovError('NBPROV_USAGE', `parameter name '${p.name}' is not a Python identifier`);
    if (PYTHON_KEYWORDS.has(p.name)) throw new NbprovError('NBPROV_USAGE', `parameter name '${p.name}' is a Python keyword, which cannot be assigned`);
  }
  const names = [...new Set(raw.map((p) => p.name))];
  // An executed notebook already holds an injected cell: the new one replaces it, as papermill does.
  const { nb, removed } = withoutInjectedCell(executed);
  const paramsCell = nb.codeCells.find((c) => c.tags.includes('parameters'));
  const anchor = opts.injectAfter !== undefined ? shifted(cellIndex(executed, opts.injectAfter), removed) : (paramsCell?.index ?? (removed !== undefined && removed > 1 ? removed - 1 : undefined));
  let flow: CellFlow | undefined;
  try {
    flow = analyseCells(opts.python, nb.codeCells, names, anchor);
  } catch (err) {
    warnings.push(`the cells could not be checked (${(err as Error).message}): the -p values are typed as papermill types them, and may be overwritten by the notebook`);
  }
  // A name's default: its last assignment up to the injection point (the defaults cell's own, normally).
  const defaults = new Map<string, Default>(
    (flow?.assignments ?? []).filter((a) => a.cell <= (anchor ?? 0)).map((a) => [a.name, { value: a.value === null ? undefined : parsePyLiteral(a.value), text: a.value, cell: a.cell }]),
  );
  if (anchor === undefined) {
    const message = `${shown(nb)} has no cell tagged 'parameters'; the parameters are injected as the first cell`;
    if (opts.strict) throw new NbprovError('NBPROV_USAGE', message, { hint: `tag the cell holding the defaults: nbprov tag cell N parameters (or pass --inject-after N)` });
    warnings.push(message);
  }
  const parameters: Record<string, unknown> = {};
  const assignments: string[] = [];
  for (const name of names) {
    const def = defaults.get(name);
    if (flow) unassigned(name, nb, anchor, paramsCell?.index, flow, opts.strict, warnings);
    const value = typedValue(raw.filter((p) => p.name === name).pop()!, def, opts.parameterFile);
    parameters[name] = pyToJson(value);
    assignments.push(`${name} = ${pyRepr(value)}`);
  }
  if (flow) {
    const skipped = new Set(nb.codeCells.filter((c) => c.tags.includes('skip-execution')).map((c) => c.index));
    const events = flow.events.filter((e) => !skipped.has(e.cell));
    for (const name of names) checkNotOverwritten(nb, name, anchor, paramsCell?.index, events);
    if (anchor !== undefined) warnings.push(...deadInDefaultsCell(nb, names, anchor, paramsCell?.index, events));
  }
  const source = ['# Parameters', ...assignments].join('\n') + '\n';
  const cell = { cell_type: 'code', execution_count: null, id: randomBytes(4).toString('hex'), metadata: { tags: ['injected-parameters'] }, outputs: [], source };
  const content = structuredClone(nb.content) as unknown as { cells: unknown[] };
  content.cells.splice(anchor ?? 0, 0, cell);
  return { notebook: parseNotebook(nb.path, JSON.stringify(content)), parameters, warnings };
}

/**
 * A `-p` value as Python will see it: typed like the default (a tuple default makes `(3, 3)` and `[3, 3]` tuples, a
 * str default keeps `3` a string; a number default takes an int or a float as written), else papermill's reading. A
 * value that cannot be the default's type is exit 2.
 */
export function castParameter(name: string, text: string, def?: Default): PyValue {
  const value = fromText(text, def?.value);
  const typed = value && conform(value, def?.value, false);
  if (!typed) throw typeError(`-p ${name}`, def!, `'${shorten(text)}'`, name);
  return typed;
}

/** papermill's `_resolve_type` (True/False/None, int, float, else str), plus list, dict and set literals. */
export function papermillValue(text: string): PyValue {
  if (text === 'True' || text === 'False') return { t: 'bool', v: text === 'True' };
  if (text === 'None') return { t: 'none' };
  if (/^[-+]?\d+$/.test(text)) return { t: 'int', v: BigInt(text) };
  if (/^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$/.test(text) || /^[-+]?(inf|nan)$/i.test(text)) return { t: 'float', v: Number(text.replace(/inf/i, 'Infinity')) };
  if (/^\s*[[{]/.test(text)) {
    const literal = parsePyLiteral(text);
    if (literal) return literal;
  }
  return { t: 'str', v: text };
}

function typedValue(p: RawParameter, def: Default | undefined, file?: string): PyValue {
  if ('fromFile' in p) {
    const value = pyFromJson(p.value);
    const typed = conform(value, def?.value, true);
    if (!typed) throw typeError(`-f ${file}: ${p.name}`, def!, pyRepr(value), p.name);
    return typed;
  }
  return p.raw ? { t: 'str', v: p.value } : castParameter(p.name, p.value, def);
}

function fromText(text: string, def?: PyValue): PyValue | undefined {
  switch (def?.t) {
    case undefined:
    case 'none':
      return papermillValue(text);
    case 'str':
      return { t: 'str', v: text };
    case 'bool': {
      const v = text.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return { t: 'bool', v: true };
      if (['false', '0', 'no'].includes(v)) return { t: 'bool', v: false };
      return undefined;
    }
    default:
      return parsePyLiteral(text.trim());
  }
}

/**
 * The value in the default's type, or undefined when it cannot be one. A number keeps its own type for a number
 * default: Python takes an int where a float is expected, and sklearn reads them differently (`test_size=100` is
 * 100 samples, `0.25` a fraction; `max_features=10` is 10 features, `0.5` half). A file's numbers may become a str
 * default.
 */
function conform(value: PyValue, def: PyValue | undefined, fromFile: boolean): PyValue | undefined {
  if (!def || def.t === 'none' || value.t === def.t) return value;
  if ((def.t === 'int' || def.t === 'float') && (value.t === 'int' || value.t === 'float')) return value;
  if (def.t === 'str' && fromFile && (value.t === 'int' || value.t === 'float' || value.t === 'bool')) return { t: 'str', v: String(value.v) };
  if ((def.t === 'tuple' || def.t === 'list' || def.t === 'set') && (value.t === 'tuple' || value.t === 'list' || value.t === 'set')) return { t: def.t, items: value.items };
  return undefined;
}

function typeError(what: string, def: Default, got: string, name: string): NbprovError {
  const container = ['tuple', 'list', 'set', 'dict'].includes(def.value!.t);
  return new NbprovError('NBPROV_USAGE', `${what}: expected ${typePhrase(def.value!.t)} like the default ${shorten(def.text ?? pyRepr(def.value!))}, got ${got}`, {
    hint: container ? `write a Python literal, e.g. -p ${name} "${pyRepr(def.value!).replace(/"/g, "'")}"` : `use -r ${name} VALUE to pass a string instead`,
  });
}

/**
 * Warns (or with --strict refuses) a name the parameters cell does not assign, or, injecting elsewhere, that no cell
 * assigns.
 */
function unassigned(name: string, nb: LoadedNotebook, anchor: number | undefined, paramsCell: number | undefined, flow: CellFlow, strict: boolean, warnings: string[]): void {
  const inParamsCell = anchor !== undefined && anchor === paramsCell;
  const assigned = flow.events.some((e) => e.name === name && e.kind !== 'read' && (!inParamsCell || e.cell === anchor));
  if (assigned) return;
  const message = inParamsCell ? `parameter '${name}' is not assigned in the parameters cell (cell ${anchor})` : `parameter '${name}' is not assigned anywhere in ${shown(nb)}`;
  const known = [...new Set(flow.assignments.filter((a) => a.cell === anchor).map((a) => a.name))];
  if (strict) throw new NbprovError('NBPROV_USAGE', message, { hint: `known parameters: ${known.join(', ') || '(none)'}` });
  warnings.push(message);
}

/** Exit 2 when a cell after the injection point surely rebinds `name` before any cell reads it: `-p` would do nothing. */
function checkNotOverwritten(nb: LoadedNotebook, name: string, anchor: number | undefined, paramsCell: number | undefined, events: FlowEvent[]): void {
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
function deadInDefaultsCell(nb: LoadedNotebook, names: string[], anchor: number, paramsCell: number | undefined, events: FlowEvent[]): string[] {
  const warnings: string[] = [];
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

/** Deeper values would overflow the stack of the code that types and writes them (a crafted -f file). */
const MAX_VALUE_NESTING = 100;

/** How deep lists and mappings nest in parsed JSON/YAML data, counted without recursion. */
function nestingDepth(data: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[data, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (!value || typeof value !== 'object') continue;
    deepest = Math.max(deepest, depth);
    if (deepest > MAX_VALUE_NESTING) return deepest;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return deepest;
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

/** The notebook's path as messages show it: relative to the working directory. */
function shown(nb: LoadedNotebook): string {
  return relative(process.cwd(), nb.path) || nb.path;
}

function quote(e: FlowEvent): string {
  return shorten(e.text);
}

/** At most 60 characters, cut between words with an ellipsis. */
function shorten(text: string): string {
  if (text.length <= 60) return text;
  const cut = text.slice(0, 59);
  // never end inside a name or a number: back up to the last word boundary when the cut splits one
  const whole = /\w/.test(text[59]) ? cut.replace(/\w+$/, '') : cut;
  return `${(whole.trimEnd() || cut).trimEnd()}…`;
}
