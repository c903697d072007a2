// The filter box: a `compare --where` expression when it parses, else a plain substring.
import { matches, parseWhere } from '../../compare/where.js';
import { plainText } from '../../python-text.js';

export interface FilterRow {
  values: Record<string, unknown>;
  /** The row's text as shown, lower-cased, for the substring match. */
  text: string;
}

export interface Filter {
  accepts: (row: FilterRow) => boolean;
  /** The parse error, when the text looks like an expression but is not a valid one. */
  error: string | null;
}

// A comparison or and/or/not. Anything else is searched for as text: parsed, a lone name or number would be a
// truth test (`0.97` true for every row), not what someone typing it into a search box means.
const LOOKS_LIKE_EXPRESSION = /[=<>!]|\b(and|or|not)\b/i;

/** A filter for the box's text over the comparison's column names, evaluated as `compare --where` evaluates it. */
export function makeFilter(text: string, names: readonly string[]): Filter {
  if (text.trim() === '') return { accepts: () => true, error: null };
  const needle = text.trim().toLowerCase();
  if (!LOOKS_LIKE_EXPRESSION.test(text)) return { accepts: (row) => row.text.includes(needle), error: null };
  try {
    const expr = parseWhere(text, names);
    return { accepts: (row) => matches(expr, (name) => plainText(row.values[name] ?? undefined)), error: null };
  } catch (e) {
    const message = e instanceof Error ? e.message.replace(/^--where: /, '') : String(e);
    return { accepts: (row) => row.text.includes(needle), error: message };
  }
}
