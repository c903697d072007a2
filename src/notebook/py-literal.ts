import { NbprovError } from '../errors.js';
/**
 * Python literals as `ast.literal_eval` reads them (numbers, strings, True/False/None, tuples, lists, sets, dicts,
 * unary minus), plus JSON's true/false/null, so that `-p params '{"warm": true}'` works. Values keep the Python type:
 * ints are bigints, a tuple is not a list, so `repr` writes back what was read.
 */
export type PyValue =
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'none' }
  | { t: 'str'; v: string }
  | { t: 'tuple' | 'list' | 'set'; items: PyValue[] }
  | { t: 'dict'; entries: [PyValue, PyValue][] };

export type PyType = PyValue['t'];

/** Parses one literal; undefined when the text is not one (a call, a name, an expression). */
export function parsePyLiteral(text: string): PyValue | undefined {
  try {
    const parser = new Parser(text);
    const value = parser.expression(true);
    parser.skipSpace();
    return parser.done() ? value : undefined;
  } catch (err) {
    if (err instanceof NbprovError) throw err;
    return undefined;
  }
}

/** Python's own parser stops near 200 levels; past this the recursive parser here would overflow the stack. */
const MAX_NESTING = 100;

/** Python source for a value, as `repr` writes it, except strings: double quotes, as papermill writes them. */
export function pyRepr(value: PyValue): string {
  switch (value.t) {
    case 'int':
      return value.v.toString();
    case 'float':
      if (Number.isNaN(value.v)) return "float('nan')";
      if (!Number.isFinite(value.v)) return value.v > 0 ? "float('inf')" : "float('-inf')";
      // an integral float keeps a point: `3.0`, `1e+21`, never `3`
      return /[.e]/.test(String(value.v)) ? String(value.v) : `${value.v}.0`;
    case 'bool':
      return value.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'str':
      // JSON's escapes (\" \\ \n \t \uXXXX ...) are Python's too
      return JSON.stringify(value.v);
    case 'tuple':
      return value.items.length === 1 ? `(${pyRepr(value.items[0])},)` : `(${value.items.map(pyRepr).join(', ')})`;
    case 'list':
      return `[${value.items.map(pyRepr).join(', ')}]`;
    case 'set':
      return value.items.length ? `{${value.items.map(pyRepr).join(', ')}}` : 'set()';
    case 'dict':
      return `{${value.entries.map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
  }
}

/** The value as JSON data (tuples and sets become arrays, big ints strings), for the trial's recorded parameters. */
export function pyToJson(value: PyValue): unknown {
  switch (value.t) {
    case 'int':
      return value.v >= BigInt(Number.MIN_SAFE_INTEGER) && value.v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.v) : value.v.toString();
    case 'float':
    case 'bool':
    case 'str':
      return value.v;
    case 'none':
      return null;
    case 'tuple':
    case 'list':
    case 'set':
      return value.items.map(pyToJson);
    case 'dict':
      return Object.fromEntries(value.entries.map(([k, v]) => [k.t === 'str' ? k.v : pyRepr(k), pyToJson(v)]));
  }
}

/** A whole number a YAML / JSON file writes as a float (`100.0`), which its parsed data would make an int. */
export class FloatLiteral {
  constructor(readonly value: number) {}
}

/** A YAML / JSON value as Python sees it (papermill's translation): integral numbers are ints, but FloatLiterals. */
export function pyFromJson(value: unknown): PyValue {
  if (value === null || value === undefined) return { t: 'none' };
  if (value instanceof FloatLiteral) return { t: 'float', v: value.value };
  if (typeof value === 'boolean') return { t: 'bool', v: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { t: 'int', v: BigInt(value) } : { t: 'float', v: value };
  if (typeof value === 'bigint') return { t: 'int', v: value };
  if (typeof value === 'string') return { t: 'str', v: value };
  if (Array.isArray(value)) return { t: 'list', items: value.map(pyFromJson) };
  if (typeof value === 'object') return { t: 'dict', entries: Object.entries(value).map(([k, v]) => [{ t: 'str', v: k }, pyFromJson(v)]) };
  return { t: 'str', v: String(value) };
}

/** "an int", "a tuple", "None": the type as an error message names it. */
export function typePhrase(type: PyType): string {
  if (type === 'none') return 'None';
  return `${type === 'int' ? 'an' : 'a'} ${type}`;
}

const NAMED: Record<string, PyValue> = {
  True: { t: 'bool', v: true },
  False: { t: 'bool', v: false },
  None: { t: 'none' },
  true: { t: 'bool', v: true },
  false: { t: 'bool', v: false },
  null: { t: 'none' },
};
const NUMBER = /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*)?\.?\d[\d_]*([eE][-+]?\d[\d_]*)?\.?)(?![\w.])/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '\n': '' };

class Parser {
  #pos = 0;
  #depth = 0;
  constructor(readonly text: string) {}

  done(): boolean {
    return this.#pos === this.text.length;
  }

  skipSpace(): void {
    while (this.#pos < this.text.length && /\s/.test(this.text[this.#pos])) this.#pos++;
  }

  /** A literal, or at top level `1, 2` (a tuple without parentheses, as Python reads it). */
  expression(topLevel = false): PyValue {
    const first = this.atom();
    if (!topLevel) return first;
    this.skipSpace();
    if (this.text[this.#pos] !== ',') return first;
    const items = [first];
    while (this.eat(',')) {
      this.skipSpace();
      if (this.done()) break;
      items.push(this.atom());
    }
    return { t: 'tuple', items };
  }

  atom(): PyValue {
    if (++this.#depth > MAX_NESTING) {
      throw new NbprovError('NBPROV_USAGE', `a parameter value nests more than ${MAX_NESTING} deep`, { hint: 'parameters are literals a cell can hold: flatten the value' });
    }
    try {
      return this.#atom();
    } finally {
      this.#depth--;
    }
  }

  #atom(): PyValue {
    this.skipSpace();
    const c = this.text[this.#pos];
    if (c === '(') return this.sequence('(', ')', 'tuple');
    if (c === '[') return this.sequence('[', ']', 'list');
    if (c === '{') return this.braces();
    if (c === '-' || c === '+') {
      this.#pos++;
      const operand = this.atom();
      if (operand.t === 'int') return c === '-' ? { t: 'int', v: -operand.v } : operand;
      if (operand.t === 'float') return c === '-' ? { t: 'float', v: -operand.v } : operand;
      throw new Error('sign before a non-number');
    }
    const strings: string[] = [];
    while (/^[rRbBuU]{0,2}['"]/.test(this.text.slice(this.#pos, this.#pos + 3))) {
      strings.push(this.string());
      this.skipSpace();
    }
    if (strings.length) return { t: 'str', v: strings.join('') };
    const word = /^[A-Za-z_]\w*/.exec(this.text.slice(this.#pos))?.[0];
    if (word && word in NAMED) {
      this.#pos += word.length;
      return NAMED[word];
    }
    if (word === 'inf' || word === 'nan') {
      this.#pos += word.length;
      return { t: 'float', v: word === 'inf' ? Infinity : NaN };
    }
    const number = NUMBER.exec(this.text.slice(this.#pos))?.[0];
    if (!number) throw new Error('not a literal');
    this.#pos += number.length;
    const digits = number.replace(/_/g, '');
    if (/^0[xXoObB]/.test(digits) || /^\d+$/.test(digits)) return { t: 'int', v: BigInt(digits) };
    return { t: 'float', v: Number(digits) };
  }

  sequence(open: string, close: string, t: 'tuple' | 'list' | 'set'): PyValue {
    this.#pos++;
    const items: PyValue[] = [];
    let sawComma = false;
    for (;;) {
      this.skipSpace();
      if (this.eat(close)) break;
      items.push(this.atom());
      this.skipSpace();
      if (this.eat(',')) sawComma = true;
      else if (!this.eat(close)) throw new Error(`expected ${close}`);
      else break;
    }
    // `(3)` is 3, `(3,)` a tuple
    if (t === 'tuple' && items.length === 1 && !sawComma) return items[0];
    return { t, items };
  }

  braces(): PyValue {
    this.#pos++;
    const entries: [PyValue, PyValue][] = [];
    const items: PyValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.eat('}')) break;
      const key = this.atom();
      this.skipSpace();
      if (this.eat(':')) entries.push([key, this.atom()]);
      else items.push(key);
      if (entries.length && items.length) throw new Error('dict and set items mixed');
      this.skipSpace();
      if (this.eat('}')) break;
      if (!this.eat(',')) throw new Error('expected }');
    }
    return items.length ? { t: 'set', items } : { t: 'dict', entries };
  }

  string(): string {
    const prefix = /^[rRbBuU]*/.exec(this.text.slice(this.#pos))![0];
    if (/[bB]/.test(prefix)) throw new Error('bytes are not supported');
    const raw = /[rR]/.test(prefix);
    this.#pos += prefix.length;
    const quote = this.text.startsWith(this.text[this.#pos].repeat(3), this.#pos) ? this.text[this.#pos].repeat(3) : this.text[this.#pos];
    this.#pos += quote.length;
    let out = '';
    for (;;) {
      if (this.done()) throw new Error('unterminated string');
      if (this.text.startsWith(quote, this.#pos)) {
        this.#pos += quote.length;
        return out;
      }
      const c = this.text[this.#pos++];
      if (c === '\n' && quote.length === 1) throw new Error('newline in string');
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.#pos++];
      if (raw) out += '\\' + e;
      else if (e in ESCAPES) out += ESCAPES[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.text.slice(this.#pos, this.#pos + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) throw new Error('bad escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        this.#pos += n;
      } else out += '\\' + e;
    }
  }

  eat(c: string): boolean {
    if (this.text[this.#pos] !== c) return false;
    this.#pos++;
    return true;
  }
}
