import { NbprovError } from '../errors.js';
import type { RawParameter } from '../notebook/parameters.js';

/** One parameter's values as the command line or the grid file gave them, before typing against the defaults. */
export type GridValue = { text: string; raw: boolean } | { data: unknown };

/** What `nbprov sweep` was asked to run, as given: recorded with the sweep, expanded into runs. */
export interface GridSpec {
  /** name → values, crossed (or zipped) into combinations. */
  axes: [name: string, values: GridValue[]][];
  /** `-f` holding a list of mappings: each mapping one combination, besides the axes. */
  listed: Record<string, unknown>[];
  zip: boolean;
  repeat: number;
  /** `--seed-param NAME`: set to the repeat number 0..repeat-1 in each run. */
  seedParam?: string;
  /** The `-f` grid file the data values came from, for messages. */
  file?: string;
}

/** One trial to run: its parameters, its combination (name → value, for labels and templates), its repeat. */
export interface PlannedRun {
  position: number;
  repeat: number;
  combination: Record<string, unknown>;
  parameters: RawParameter[];
}

/**
 * Splits `3,20,100` into its values at the commas outside brackets and quotes, so that `(3, 3),(5, 5)` is two
 * tuples and `'a,b'` one string.
 */
export function splitValues(text: string): string[] {
  const values: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      values.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  values.push(text.slice(start).trim());
  if (values.some((v) => v === '')) throw new NbprovError('NBPROV_USAGE', `empty value in '${text}'`, { hint: 'separate values with single commas: -p n_trees 3,20,100' });
  return values;
}

/** The grid file's content: a mapping of name → list (or one value), or a list of mappings (one per combination). */
export function gridFromFile(content: unknown, file: string): Pick<GridSpec, 'axes' | 'listed' | 'file'> {
  if (Array.isArray(content)) {
    if (content.length === 0 || !content.every(isMapping)) throw badFile(file, 'a list of mappings (one per combination) must hold only mappings');
    return { axes: [], listed: content, file };
  }
  if (!isMapping(content)) throw badFile(file, 'must hold a mapping of name → list of values, or a list of mappings');
  const axes = Object.entries(content).map(([name, values]): [string, GridValue[]] => {
    const list = Array.isArray(values) ? values : [values];
    if (list.length === 0) throw badFile(file, `'${name}' has no values`);
    return [name, list.map((data) => ({ data }))];
  });
  return { axes, listed: [], file };
}

/** The runs of a grid, in order: every combination (crossed, or zipped), listed ones after, each repeated. */
export function expandGrid(spec: GridSpec): PlannedRun[] {
  const combinations = [...axisCombinations(spec), ...spec.listed.map((m) => Object.entries(m).map(([name, data]): [string, GridValue] => [name, { data }]))];
  // `--repeat 5` alone runs the notebook as it is five times (with --seed-param, five seeds).
  if (combinations.length === 0 && spec.repeat > 1) combinations.push([]);
  if (combinations.length === 0) throw new NbprovError('NBPROV_USAGE', 'the sweep has no combination to run', { hint: 'give values with -p NAME V1,V2 or -f grid.yaml' });
  const runs: PlannedRun[] = [];
  for (const combination of combinations) {
    for (let repeat = 0; repeat < spec.repeat; repeat++) {
      const entries = spec.seedParam ? [...combination.filter(([n]) => n !== spec.seedParam), [spec.seedParam, { data: repeat }] as [string, GridValue]] : combination;
      runs.push({
        position: runs.length,
        repeat,
        combination: Object.fromEntries(entries.map(([name, v]) => [name, 'data' in v ? v.data : v.text])),
        parameters: entries.map(([name, v]) => ('data' in v ? { name, value: v.data, from: name === spec.seedParam ? '--seed-param' : `-f ${spec.file ?? '(grid file)'}` } : { name, value: v.text, raw: v.raw })),
      });
    }
  }
  return runs;
}

function axisCombinations(spec: GridSpec): [string, GridValue][][] {
  if (spec.axes.length === 0) return [];
  if (spec.zip) {
    const lengths = new Set(spec.axes.map(([, values]) => values.length));
    if (lengths.size > 1) {
      throw new NbprovError('NBPROV_USAGE', `--zip needs lists of one length; got ${spec.axes.map(([n, v]) => `${n}: ${v.length}`).join(', ')}`, { hint: 'drop --zip to cross the lists instead' });
    }
    return spec.axes[0][1].map((_, i) => spec.axes.map(([name, values]): [string, GridValue] => [name, values[i]]));
  }
  let combinations: [string, GridValue][][] = [[]];
  for (const [name, values] of spec.axes) {
    combinations = combinations.flatMap((c) => values.map((v): [string, GridValue][] => [...c, [name, v]]));
  }
  return combinations;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function badFile(file: string, what: string): NbprovError {
  return new NbprovError('NBPROV_USAGE', `-f ${file}: ${what}`, { hint: 'e.g. {n_trees: [3, 20, 100], test_size: [0.25, 0.5]}' });
}

/** `n_trees=3 test_size=0.25`: a run by its values. */
export function combinationLabel(combination: Record<string, unknown>): string {
  return Object.entries(combination).map(([k, v]) => `${k}=${valueText(v)}`).join(' ') || '(defaults)';
}

/** A value as the command line or grid file wrote it: a string as it is, anything else as JSON. */
export function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'None';
}
