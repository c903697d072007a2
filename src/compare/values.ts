import { formatNumber, isIntegralFloatText, pythonText } from '../python-text.js';

/**
 * What nbprov knows about one recorded value: the exact scalar when the collector kept one (JSON), else a summary
 * of a big object (shape, dtype, fingerprint...), else a bounded repr.
 */
export interface RecordedValue {
  /** Exact scalar as JSON text, or null. */
  json: string | null;
  summary: ValueSummary | null;
  repr: string | null;
}

export interface ValueSummary {
  shape?: number[];
  dtype?: string;
  /** A fingerprint of a fixed sample of elements: a different one proves a change, an equal one proves nothing. */
  fp?: string;
  len?: number;
  columns?: string[];
  /** A fingerprint of the whole content; absent when over the collector's budget, or recorded before content fingerprints. */
  content?: string;
  /** The value was too large to fingerprint whole. */
  sampled?: boolean;
  /** A small container's scalar entries: [path, Python repr] or [path, Python repr, JSON value]. */
  items?: SmallItem[];
}

/** `['.n_estimators', '500', 500]`: where in the container, the Python repr, and the value when JSON has it. */
export type SmallItem = [string, string] | [string, string, unknown];

/** A metric direction from its tag kind: `metric:max` (higher is better), `metric:min`, or none. */
export type Direction = 'max' | 'min' | null;

export type Verdict = 'better' | 'worse' | 'changed' | 'unchanged' | 'added' | 'removed' | 'uncompared';

/**
 * How two recorded values compare: the same content, a proven difference, or not comparable because a side was
 * too large to fingerprint whole, or has no content fingerprint (an object nbprov cannot fingerprint, or a value
 * recorded before content fingerprints: for those a differing shape, length or sampled fingerprint still proves a
 * change, and equal ones prove nothing).
 */
export type Sameness = 'same' | 'different' | 'too large' | 'no content fingerprint';

export function directionOf(kind: string): Direction {
  return kind === 'metric:max' ? 'max' : kind === 'metric:min' ? 'min' : null;
}

export function recordedValue(json: string | null, summary: string | null, repr: string | null): RecordedValue {
  return { json, summary: parseSummary(summary), repr };
}

/** The value as data: the decoded scalar, the summary, or the repr text. */
export function plainValue(v: RecordedValue | undefined): unknown {
  if (!v) return undefined;
  if (v.json !== null) return JSON.parse(v.json);
  return v.summary ?? v.repr;
}

/** Two recorded values are the same only when their exact scalars, content fingerprints or (objects) reprs agree. */
export function sameValue(a: RecordedValue | undefined, b: RecordedValue | undefined): boolean {
  return compareValues(a, b) === 'same';
}

/** Exact scalars compare as JSON, other values by content fingerprint, objects nbprov cannot fingerprint by repr. */
export function compareValues(a: RecordedValue | undefined, b: RecordedValue | undefined): Sameness {
  if (!a || !b) return a === b ? 'same' : 'different';
  if (a.json !== null || b.json !== null) return a.json !== null && b.json !== null && sameJson(a.json, b.json) ? 'same' : 'different';
  const sa = a.summary;
  const sb = b.summary;
  if (sa && sb) {
    if (sa.content !== undefined && sb.content !== undefined) return sa.content === sb.content ? 'same' : 'different';
    if (SHAPE_FIELDS.some((k) => sa[k] !== undefined && sb[k] !== undefined && JSON.stringify(sa[k]) !== JSON.stringify(sb[k]))) return 'different';
    // reprlib's reprs sort dicts and sets, so two reprs of one content agree: different ones prove a change.
    if (a.repr !== null && b.repr !== null && withoutAddresses(a.repr) !== withoutAddresses(b.repr)) return 'different';
    return sa.sampled || sb.sampled ? 'too large' : 'no content fingerprint';
  }
  // A long string or a bytes value has a content-only summary now and none in older trials.
  const only = sa ?? sb;
  if (only && SHAPE_FIELDS.some((k) => only[k] !== undefined)) return 'different';
  if (a.repr !== b.repr) return 'different';
  return only ? 'no content fingerprint' : 'same';
}

function withoutAddresses(repr: string): string {
  return repr.replace(/ at 0x[0-9a-fA-F]+/g, '');
}

const SHAPE_FIELDS = ['len', 'shape', 'dtype', 'columns', 'fp'] as const;

/** A short human text for a value: numbers to 6 significant digits, strings quoted, small containers as their Python
 *  repr, other summaries as shape/dtype/fp. */
export function describeValue(v: RecordedValue | undefined): string {
  if (!v) return '(absent)';
  if (v.json !== null) {
    if (isIntegralFloatText(v.json)) return v.json;
    const value = JSON.parse(v.json) as unknown;
    if (typeof value === 'number') return formatNumber(value);
    return value === null ? 'None' : pythonText(value);
  }
  const s = v.summary;
  // A list, tuple, dict or set reads better as its (bounded) repr than as its length.
  const container = s && (s.items !== undefined || (s.len !== undefined && s.dtype === undefined));
  if (s && !(container && v.repr) && SHAPE_FIELDS.some((k) => s[k] !== undefined)) return describeSummary(s);
  return v.repr ?? (s ? describeSummary(s) : '(no value recorded)');
}

/** One entry of a small container that differs between two values: `params.n_estimators  500 → 100`. */
export interface EntryChange {
  /** The variable name and the entry's path in it: `params.n_estimators`, `sizes[2]`, `grid['a b']`. */
  path: string;
  a: ValueView | null;
  b: ValueView | null;
}

/**
 * The entries that differ between two small containers (both recorded entry by entry), in the order of `a` then
 * of the entries only `b` has; undefined when either side is not such a container. A level whose entries were
 * added or removed is one change (see entryChanges).
 */
export function entryChangesOf(name: string, a: RecordedValue | undefined, b: RecordedValue | undefined): EntryChange[] | undefined {
  const ia = a?.json === null ? a.summary?.items : undefined;
  const ib = b?.json === null ? b.summary?.items : undefined;
  return ia && ib ? entryChanges(name, ia, ib, [a!.repr, b!.repr]) : undefined;
}

/**
 * The entries of two small containers' item lists that differ (see entryChangesOf). Where a level (the container
 * itself, or one inside it) gained or lost entries, a positional diff of what follows says nothing useful: that
 * level is one change, `params  [7 items] → [2 items]`, shown by the containers' reprs (`roots`) when short.
 */
export function entryChanges(name: string, ia: SmallItem[], ib: SmallItem[], roots: [string | null, string | null] = [null, null]): EntryChange[] {
  const byPath = (items: SmallItem[]) => new Map(items.map((item) => [item[0], item]));
  const ma = byPath(ia);
  const mb = byPath(ib);
  const la = new Levels(ia);
  const lb = new Levels(ib);
  const view = (item: SmallItem | undefined): ValueView | null => (item ? { value: item.length === 3 ? item[2] : item[1], text: item[1] } : null);
  const paths = [...new Set([...ma.keys(), ...mb.keys()])];
  const reshaped = new Set<string>();
  // Both reprs or neither: `[7 items] → [{'solver': 'adam'}]` would read as if the two were alike.
  const short = roots.every((r) => r !== null && r.length <= SHORT_REPR);
  return paths.flatMap((path) => {
    const x = ma.get(path);
    const y = mb.get(path);
    if (x && y && x[1] === y[1]) return [];
    const level = la.reshapedAbove(path, lb);
    if (level === undefined) return [{ path: `${name}${path}`, a: view(x), b: view(y) }];
    if (reshaped.has(level)) return [];
    reshaped.add(level);
    return [{ path: `${name}${level}`, a: la.view(level, level === '' ? roots[0] : null, short), b: lb.view(level, level === '' ? roots[1] : null, short) }];
  });
}

/** `.sizes[1]['a b']` → ['.sizes', '[1]', "['a b']"]: the steps of an entry's path (see entries.py). */
function pathSteps(path: string): string[] {
  return path.match(/\.[A-Za-z_]\w*|\[(?:'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|[^\]]*)\]/g) ?? [];
}

const SHORT_REPR = 60;

/** The levels of one small container: each level's entries (next steps), and the leaves' reprs. */
class Levels {
  readonly #children = new Map<string, Set<string>>();
  readonly #leaves = new Map<string, string>();

  constructor(items: SmallItem[]) {
    for (const [path, repr] of items) {
      const steps = pathSteps(path);
      let prefix = '';
      for (const step of steps) {
        const set = this.#children.get(prefix) ?? new Set<string>();
        set.add(step);
        this.#children.set(prefix, set);
        prefix += step;
      }
      this.#leaves.set(path, repr);
    }
  }

  /** The outermost level above (or at) `path` whose entries differ from `other`'s, or undefined. */
  reshapedAbove(path: string, other: Levels): string | undefined {
    let prefix = '';
    for (const step of [...pathSteps(path), undefined]) {
      if (!sameSet(this.#children.get(prefix), other.#children.get(prefix))) return prefix;
      if (step === undefined) return undefined;
      prefix += step;
    }
    return undefined;
  }

  /** A level as one value: its repr (known for the container itself) when `short`, else how many entries it holds. */
  view(level: string, repr: string | null, short: boolean): ValueView | null {
    const leaf = this.#leaves.get(level);
    if (leaf !== undefined && !this.#children.has(level)) return { value: leaf, text: leaf };
    const steps = this.#children.get(level);
    if (!steps) return null;
    if (repr !== null && short) return { value: { len: steps.size }, text: repr };
    // The container's own bracket when its repr says, else a list's for positions and a dict's for keys.
    const open = repr?.[0] && '[({'.includes(repr[0]) ? repr[0] : [...steps].every((s) => /^\[\d+\]$/.test(s)) ? '[' : '{';
    const close = { '[': ']', '(': ')', '{': '}' }[open];
    return { value: { len: steps.size }, text: `${open}${steps.size} item${steps.size === 1 ? '' : 's'}${close}` };
  }
}

function sameSet(a: Set<string> | undefined, b: Set<string> | undefined): boolean {
  if (!a || !b) return a === b;
  return a.size === b.size && [...a].every((x) => b.has(x));
}

export function describeSummary(s: ValueSummary): string {
  const parts = [
    s.shape ? `shape ${s.shape.join('×')}` : s.len !== undefined ? `len ${s.len}` : undefined,
    s.dtype,
    s.columns ? `${s.columns.length} columns` : undefined,
    // The whole-content fingerprint when there is one; a sampled one says so.
    s.content ? `fp ${s.content.slice(0, 8)}` : s.fp ? `fp ${s.fp}${s.sampled ? ' (sampled)' : ''}` : undefined,
  ];
  return parts.filter(Boolean).join(' ');
}

export interface NumericChange {
  delta: number;
  /** delta / |old|; null when old is 0. */
  relative: number | null;
}

/** The change between two numbers, or undefined when either side is not a finite number. */
export function numericChange(a: RecordedValue | undefined, b: RecordedValue | undefined): NumericChange | undefined {
  const x = plainValue(a);
  const y = plainValue(b);
  if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
  const delta = y - x;
  return { delta, relative: x === 0 ? null : delta / Math.abs(x) };
}

/** Better/worse for a directed metric whose numbers moved; changed/unchanged otherwise. */
export function verdictOf(a: RecordedValue | undefined, b: RecordedValue | undefined, direction: Direction): Verdict {
  if (!a) return 'added';
  if (!b) return 'removed';
  const sameness = compareValues(a, b);
  if (sameness === 'same') return 'unchanged';
  if (sameness !== 'different') return 'uncompared';
  const change = numericChange(a, b);
  if (!change || !direction || change.delta === 0) return 'changed';
  return (change.delta > 0) === (direction === 'max') ? 'better' : 'worse';
}

function sameJson(a: string, b: string): boolean {
  if (a === b) return true;
  // 1 and 1.0 are the same number written twice (an int param given as -p 1.0)
  const x = JSON.parse(a) as unknown;
  const y = JSON.parse(b) as unknown;
  return typeof x === 'number' && typeof y === 'number' && x === y;
}

function parseSummary(text: string | null): ValueSummary | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as ValueSummary;
  } catch {
    return null;
  }
}

/** A value for JSON output and display: the data and its short text. */
export interface ValueView {
  value: unknown;
  text: string;
}

export function valueView(v: RecordedValue | undefined): ValueView | null {
  return v ? { value: plainValue(v), text: describeValue(v) } : null;
}
