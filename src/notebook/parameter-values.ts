import { NbprovError } from '../errors.js';
import { parsePyLiteral, pyRepr, pyToJson, typePhrase, type PyValue } from './py-literal.js';

/** A name's default: its last assignment up to the injection point, as a literal (undefined: not one) and as written. */
export interface Default {
  value: PyValue | undefined;
  text: string | null;
  cell: number;
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
export function conform(value: PyValue, def: PyValue | undefined, fromFile: boolean): PyValue | undefined {
  if (!def || def.t === 'none' || value.t === def.t) return value;
  if ((def.t === 'int' || def.t === 'float') && (value.t === 'int' || value.t === 'float')) return value;
  if (def.t === 'str' && fromFile && (value.t === 'int' || value.t === 'float' || value.t === 'bool')) return { t: 'str', v: String(value.v) };
  if ((def.t === 'tuple' || def.t === 'list' || def.t === 'set') && (value.t === 'tuple' || value.t === 'list' || value.t === 'set')) return { t: def.t, items: value.items };
  return undefined;
}

/** `from`: where a data value came from (`-f grid.yaml`, `--seed-param`); absent for `-p` text. */
export function typeError(what: string, def: Default, got: string, name: string, from?: string): NbprovError {
  const container = ['tuple', 'list', 'set', 'dict'].includes(def.value!.t);
  const hint = from?.startsWith('-f ')
    ? `in ${from.slice(3)}, write ${typePhrase(def.value!.t)}${container ? ` as a ${def.value!.t === 'dict' ? 'mapping' : 'list'}` : ''}, e.g. ${name}: ${flowText(pyToJson(def.value!))}`
    : container ? `write a Python literal, e.g. -p ${name} "${pyRepr(def.value!).replace(/"/g, "'")}"` : `use -r ${name} VALUE to pass a string instead`;
  return new NbprovError('NBPROV_USAGE', `${what}: expected ${typePhrase(def.value!.t)} like the default ${shorten(def.text ?? pyRepr(def.value!))}, got ${got}`, { hint });
}

/** JSON data as both a JSON and a YAML file write it inline: `[2, 2]`, `{"lr": 0.1}`. */
function flowText(data: unknown): string {
  if (Array.isArray(data)) return `[${data.map(flowText).join(', ')}]`;
  if (data && typeof data === 'object') return `{${Object.entries(data).map(([k, v]) => `${JSON.stringify(k)}: ${flowText(v)}`).join(', ')}}`;
  return JSON.stringify(data);
}

/** At most 60 characters, cut between words with an ellipsis. */
export function shorten(text: string): string {
  if (text.length <= 60) return text;
  const cut = text.slice(0, 59);
  // never end inside a name or a number: back up to the last word boundary when the cut splits one
  const whole = /\w/.test(text[59]) ? cut.replace(/\w+$/, '') : cut;
  return `${(whole.trimEnd() || cut).trimEnd()}…`;
}
