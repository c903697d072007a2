// How values read to a Python user: shared by compare/ (sorting, sentences) and render/ and cli/ (tables, JSON text).

/** A tagged value that is not a JSON scalar, as list and compare read it: its Python repr. */
export interface ReprValue {
  repr: string;
}

export function isRepr(v: unknown): v is ReprValue {
  return typeof v === 'object' && v !== null && typeof (v as ReprValue).repr === 'string' && Object.keys(v).length === 1;
}

export function formatNumber(n: number): string {
  const text = String(n);
  // Up to 6 digits and a point is already what toPrecision(6) would give, at a fraction of its cost (10^5 cells).
  return Number.isInteger(n) || text.length <= 7 ? text : String(Number(n.toPrecision(6)));
}

export function formatSigned(n: number): string {
  return n > 0 ? `+${formatNumber(n)}` : formatNumber(n);
}

/**
 * A tagged value as Python writes it, so that the tuple `(3, 3)` and the string `'(3, 3)'` look different:
 * strings quoted, True/False/None, numbers to 6 significant digits, a repr as recorded.
 */
export function pythonText(v: unknown): string {
  // None is recorded by its repr: a null is a value nbprov has no text for.
  if (v === undefined || v === null) return '-';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') return pythonString(v);
  if (isRepr(v)) return v.repr;
  return JSON.stringify(v);
}

/** The value compared and sorted on: a repr's text, a float's repr (1.0) as its number. */
export function plainText(v: unknown): unknown {
  if (!isRepr(v)) return v;
  return isIntegralFloatText(v.repr) ? Number(v.repr) : v.repr;
}

/** Python's repr of a str: single quotes unless the text has one and no double quote; escapes as Python's. */
export function pythonString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/**
 * Python's text of a float with an integral value (`1.0`, `1e+16`), which JSON.parse would make the integer 1: the
 * value column keeps that text (the capture writer), and display keeps it as {repr} (sklearn tells 1 from 1.0).
 */
export function isIntegralFloatText(text: string): boolean {
  return /^-?\d+(?:\.\d+(?:e[+-]\d+)?|e[+-]\d+)$/.test(text) && Number.isInteger(Number(text));
}
