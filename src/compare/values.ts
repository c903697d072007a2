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
  fp?: string;
  len?: number;
  columns?: string[];
}

/** A metric direction from its tag kind: `metric:max` (higher is better), `metric:min`, or none. */
export type Direction = 'max' | 'min' | null;

export type Verdict = 'better' | 'worse' | 'changed' | 'unchanged' | 'added' | 'removed';

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

/** Two recorded values are the same when their exact scalars, else their summaries, else their reprs agree. */
export function sameValue(a: RecordedValue | undefined, b: RecordedValue | undefined): boolean {
  if (!a || !b) return a === b;
  if (a.json !== null || b.json !== null) return a.json !== null && b.json !== null && sameJson(a.json, b.json);
  if (a.summary || b.summary) return JSON.stringify(a.summary) === JSON.stringify(b.summary);
  return a.repr === b.repr;
}

/** A short human text for a value: numbers to 6 significant digits, strings quoted, summaries as shape/dtype/fp. */
export function describeValue(v: RecordedValue | undefined): string {
  if (!v) return '(absent)';
  if (v.json !== null) {
    const value = JSON.parse(v.json) as unknown;
    return typeof value === 'number' ? formatNumber(value) : JSON.stringify(value);
  }
  if (v.summary) return describeSummary(v.summary);
  return v.repr ?? '(no value recorded)';
}

export function describeSummary(s: ValueSummary): string {
  const parts = [
    s.shape ? `shape ${s.shape.join('×')}` : s.len !== undefined ? `len ${s.len}` : undefined,
    s.dtype,
    s.columns ? `${s.columns.length} columns` : undefined,
    s.fp ? `fp ${s.fp}` : undefined,
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
  if (sameValue(a, b)) return 'unchanged';
  const change = numericChange(a, b);
  if (!change || !direction || change.delta === 0) return 'changed';
  return (change.delta > 0) === (direction === 'max') ? 'better' : 'worse';
}

export function formatNumber(n: number): string {
  const text = String(n);
  // Up to 6 digits and a point is already what toPrecision(6) would give, at a fraction of its cost (10^5 cells).
  return Number.isInteger(n) || text.length <= 7 ? text : String(Number(n.toPrecision(6)));
}

export function formatSigned(n: number): string {
  return n > 0 ? `+${formatNumber(n)}` : formatNumber(n);
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
