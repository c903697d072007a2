import { NbprovError } from '../errors.js';

/**
 * `--where`: a small expression language, parsed by hand and evaluated without eval.
 *
 *   expr    := and ('or' and)*
 *   and     := not ('and' not)*
 *   not     := 'not' not | compare
 *   compare := operand (('=' | '==' | '!=' | '<>' | '<' | '<=' | '>' | '>=') operand)?  |  '(' expr ')'
 *   operand := number | 'string' | "string" | name | true | false | none
 *
 * A name is a parameter, a metric or a trial column. A bare word that names nothing, compared with a name, is a
 * string (`status = finished`); anywhere else it is an error, so a misspelt name never silently matches nothing.
 */
export type Expr =
  | { kind: 'or' | 'and'; terms: Expr[] }
  | { kind: 'not'; operand: Expr }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand }
  | { kind: 'test'; operand: Operand };

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Operand = { kind: 'literal'; value: number | string | boolean | null } | { kind: 'name'; name: string; position: number };

export const WHERE_HINT = 'e.g. --where "n_trees >= 50 and status = finished"; comparisons = != < <= > >=, joined by and / or / not, strings in quotes';

/** Parses an expression over the given names. Throws NBPROV_USAGE with the 1-based position of the error. */
export function parseWhere(text: string, names: readonly string[]): Expr {
  return new Parser(text, names).parse();
}

/** True when the row satisfies the expression; `lookup` returns undefined for a value the row lacks. */
export function matches(expr: Expr, lookup: (name: string) => unknown): boolean {
  switch (expr.kind) {
    case 'or':
      return expr.terms.some((t) => matches(t, lookup));
    case 'and':
      return expr.terms.every((t) => matches(t, lookup));
    case 'not':
      return !matches(expr.operand, lookup);
    case 'test':
      return truthy(valueOf(expr.operand, lookup));
    case 'compare':
      return compare(expr.op, valueOf(expr.left, lookup), valueOf(expr.right, lookup));
  }
}

type Token =
  | { type: 'number'; value: number; position: number }
  | { type: 'string'; value: string; position: number }
  | { type: 'word'; value: string; position: number }
  | { type: 'op'; value: CompareOp; position: number }
  | { type: '(' | ')' | 'end'; position: number };

const KEYWORDS = new Set(['and', 'or', 'not']);
const MAX_NESTING = 100;
const LITERALS: Record<string, boolean | null> = { true: true, false: false, none: null, null: null };

class Parser {
  readonly #text: string;
  readonly #names: ReadonlySet<string>;
  readonly #tokens: Token[];
  #at = 0;
  #depth = 0;

  constructor(text: string, names: readonly string[]) {
    this.#text = text;
    this.#names = new Set(names);
    this.#tokens = this.#tokenize();
  }

  parse(): Expr {
    if (this.#peek().type === 'end') throw this.#error('the expression is empty', this.#peek().position);
    const expr = this.#or();
    const rest = this.#peek();
    if (rest.type !== 'end') throw this.#error(`expected 'and', 'or' or the end, found ${describe(rest)}`, rest.position);
    return expr;
  }

  // and/or chains are flat lists, so 20,000 terms cost no stack; nesting (parentheses, not) is bounded instead.
  #or(): Expr {
    const terms = [this.#and()];
    while (this.#keyword('or')) terms.push(this.#and());
    return terms.length === 1 ? terms[0] : { kind: 'or', terms };
  }

  #and(): Expr {
    const terms = [this.#not()];
    while (this.#keyword('and')) terms.push(this.#not());
    return terms.length === 1 ? terms[0] : { kind: 'and', terms };
  }

  #not(): Expr {
    const t = this.#peek();
    if (this.#keyword('not')) return { kind: 'not', operand: this.#nested(t, () => this.#not()) };
    return this.#compare();
  }

  #nested(at: Token, parse: () => Expr): Expr {
    if (++this.#depth > MAX_NESTING) throw this.#error(`nested more than ${MAX_NESTING} deep`, at.position);
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  #compare(): Expr {
    const open = this.#peek();
    if (open.type === '(') {
      this.#at++;
      const inner = this.#nested(open, () => this.#or());
      const close = this.#peek();
      if (close.type !== ')') throw this.#error(`expected ')' to close the '(' at position ${open.position}, found ${describe(close)}`, close.position);
      this.#at++;
      return inner;
    }
    const leftToken = this.#operandToken();
    const op = this.#peek();
    if (op.type !== 'op') return { kind: 'test', operand: this.#operand(leftToken, undefined) };
    this.#at++;
    const rightToken = this.#operandToken(op);
    return { kind: 'compare', op: op.value, left: this.#operand(leftToken, rightToken), right: this.#operand(rightToken, leftToken) };
  }

  #operandToken(after?: Token): Token {
    const t = this.#peek();
    if (t.type === 'number' || t.type === 'string' || (t.type === 'word' && !KEYWORDS.has(t.value.toLowerCase()))) {
      this.#at++;
      return t;
    }
    const where = after?.type === 'op' ? ` after '${after.value}'` : '';
    throw this.#error(`expected a number, a quoted string or a name${where}, found ${describe(t)}`, t.position);
  }

  /** The operand of a token; `other` is the token on the other side of the comparison, if any. */
  #operand(t: Token, other: Token | undefined): Operand {
    if (t.type === 'number' || t.type === 'string') return { kind: 'literal', value: t.value };
    if (t.type !== 'word') throw new Error('unreachable: operand tokens are numbers, strings or words');
    const lower = t.value.toLowerCase();
    if (lower in LITERALS && !this.#names.has(t.value)) return { kind: 'literal', value: LITERALS[lower] };
    if (this.#names.has(t.value)) return { kind: 'name', name: t.value, position: t.position };
    if (other?.type === 'word' && this.#names.has(other.value)) return { kind: 'literal', value: t.value };
    throw this.#error(`unknown name '${t.value}'`, t.position, `names here: ${[...this.#names].join(', ')}; quote a string: '${t.value}'`);
  }

  #keyword(word: string): boolean {
    const t = this.#peek();
    if (t.type === 'word' && t.value.toLowerCase() === word) {
      this.#at++;
      return true;
    }
    return false;
  }

  #peek(): Token {
    return this.#tokens[this.#at];
  }

  #tokenize(): Token[] {
    const text = this.#text;
    const tokens: Token[] = [];
    let i = 0;
    while (i < text.length) {
      const ch = text[i];
      const position = i + 1;
      if (/\s/.test(ch)) {
        i++;
      } else if (ch === '(' || ch === ')') {
        tokens.push({ type: ch, position });
        i++;
      } else if (ch === "'" || ch === '"') {
        let value = '';
        let j = i + 1;
        while (j < text.length && text[j] !== ch) {
          if (text[j] === '\\' && j + 1 < text.length) j++;
          value += text[j++];
        }
        if (j >= text.length) throw this.#error(`unclosed string`, position);
        tokens.push({ type: 'string', value, position });
        i = j + 1;
      } else if (/[0-9.]/.test(ch) || (ch === '-' && /[0-9.]/.test(text[i + 1] ?? ''))) {
        const m = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
        if (!m) throw this.#error(`'${ch}' does not start a number`, position);
        tokens.push({ type: 'number', value: Number(m[0]), position });
        i += m[0].length;
      } else if (/[A-Za-z_]/.test(ch)) {
        const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
        tokens.push({ type: 'word', value: m[0], position });
        i += m[0].length;
      } else {
        const m = /^(==|!=|<>|<=|>=|=|<|>)/.exec(text.slice(i));
        if (!m) throw this.#error(`unexpected character '${ch}'`, position);
        const op = ({ '==': '=', '<>': '!=' } as Record<string, CompareOp>)[m[1]] ?? (m[1] as CompareOp);
        tokens.push({ type: 'op', value: op, position });
        i += m[1].length;
      }
    }
    tokens.push({ type: 'end', position: text.length + 1 });
    return tokens;
  }

  /** The message names the position and shows it with ▸ in the expression. */
  #error(message: string, position: number, hint = WHERE_HINT): NbprovError {
    // Up to 40 characters of context each side: the message stays one line however long the expression is.
    const before = this.#text.slice(Math.max(0, position - 41), position - 1);
    const after = this.#text.slice(position - 1, position + 39);
    const clipped = `${position > 41 ? '…' : ''}${before}▸${after}${position + 39 < this.#text.length ? '…' : ''}`;
    return new NbprovError('NBPROV_USAGE', `--where: ${message} at position ${position}: ${clipped}`, { hint });
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'end':
      return 'the end';
    case 'number':
      return `the number ${t.value}`;
    case 'string':
      return `the string '${t.value}'`;
    case 'op':
      return `'${t.value}'`;
    case 'word':
      return `'${t.value}'`;
    default:
      return `'${t.type}'`;
  }
}

function valueOf(operand: Operand, lookup: (name: string) => unknown): unknown {
  return operand.kind === 'literal' ? operand.value : lookup(operand.name);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  return Boolean(v);
}

/** SQL-like: a missing value satisfies no comparison; a number and a numeric string compare as numbers. */
function compare(op: CompareOp, a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  if (a === null || b === null || typeof a === 'boolean' || typeof b === 'boolean') {
    if (op === '=') return a === b;
    if (op === '!=') return a !== b;
    return false;
  }
  const x = asNumber(a);
  const y = asNumber(b);
  if (x !== undefined && y !== undefined && (typeof a === 'number' || typeof b === 'number')) return order(op, x < y ? -1 : x > y ? 1 : 0);
  if (typeof a === 'string' && typeof b === 'string') return order(op, a < b ? -1 : a > b ? 1 : 0);
  if (op === '=') return false;
  if (op === '!=') return true;
  return false;
}

function order(op: CompareOp, c: number): boolean {
  switch (op) {
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
