import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NbprovError } from '../src/errors.js';
import { matches, parseWhere } from '../src/compare/where.js';

const NAMES = ['trial', 'status', 'n_trees', 'accuracy', 'lr', 'model', 'flag'];
const ROW: Record<string, unknown> = { trial: 3, status: 'finished', n_trees: 50, accuracy: 0.91, lr: '0.1', model: 'rf', flag: true };
const where = (text: string, row = ROW) => matches(parseWhere(text, NAMES), (name) => row[name]);

/** The error's message, which names the 1-based position. */
function error(text: string): string {
  try {
    parseWhere(text, NAMES);
  } catch (err) {
    assert.ok(err instanceof NbprovError);
    assert.equal(err.code, 'NBPROV_USAGE');
    assert.equal(err.exitCode, 2);
    return err.message;
  }
  assert.fail(`'${text}' parsed`);
}

describe('--where expressions', () => {
  test('comparisons of numbers, strings and bare words', () => {
    const cases: [string, boolean][] = [
      ['n_trees >= 50', true],
      ['n_trees > 50', false],
      ['n_trees=50', true],
      ['n_trees == 50.0', true],
      ['n_trees != 50', false],
      ['n_trees <> 49', true],
      ['accuracy < 0.95', true],
      ['accuracy <= .91', true],
      ['accuracy > 9.1e-1', false],
      ['n_trees > -1', true],
      ['status = finished', true],
      ['finished = status', true],
      ["status = 'failed'", false],
      ['status = "fin\\"ished"', false],
      ['status < "g"', true],
      ['lr > 0.05', true],
      ['lr = 0.1', true],
      ["model = 'rf'", true],
      ['model > 1', false],
      ['model != 1', true],
      ['flag = true', true],
      ['flag', true],
      ['not flag', false],
    ];
    for (const [text, expected] of cases) assert.equal(where(text), expected, text);
  });

  test('and binds tighter than or; not tighter than and; parentheses override', () => {
    assert.equal(where('n_trees > 100 or status = finished and accuracy > 0.9'), true);
    assert.equal(where('(n_trees > 100 or status = finished) and accuracy > 0.95'), false);
    assert.equal(where('not n_trees > 100 and accuracy > 0.9'), true);
    assert.equal(where('not (n_trees > 10 and accuracy > 0.9)'), false);
    assert.equal(where('NOT n_trees > 10 OR trial = 3'), true);
  });

  test('a value the row lacks satisfies no comparison', () => {
    const row = { status: 'finished' };
    assert.equal(where('n_trees > 1', row), false);
    assert.equal(where('n_trees != 1', row), false);
    assert.equal(where('not n_trees = 1', row), true);
    assert.equal(where('n_trees', row), false);
  });

  test('errors name the 1-based position and show it with ▸', () => {
    const cases: [string, string][] = [
      ['n_trees >=', "--where: expected a number, a quoted string or a name after '>=', found the end at position 11: n_trees >=▸"],
      ['n_tree >= 5', "--where: unknown name 'n_tree' at position 1: ▸n_tree >= 5"],
      ['n_trees >= 5 and', '--where: expected a number, a quoted string or a name, found the end at position 17: n_trees >= 5 and▸'],
      ["status = 'finished", "--where: unclosed string at position 10: status = ▸'finished"],
      ['(n_trees > 5', "--where: expected ')' to close the '(' at position 1, found the end at position 13: (n_trees > 5▸"],
      ['n_trees > 5)', "--where: expected 'and', 'or' or the end, found ')' at position 12: n_trees > 5▸)"],
      ['n_trees > 5 accuracy', "--where: expected 'and', 'or' or the end, found 'accuracy' at position 13: n_trees > 5 ▸accuracy"],
      ['n_trees $ 5', "--where: unexpected character '$' at position 9: n_trees ▸$ 5"],
      ['n_trees > > 5', "--where: expected a number, a quoted string or a name after '>', found '>' at position 11: n_trees > ▸> 5"],
      ['', '--where: the expression is empty at position 1: ▸'],
      ['and', "--where: expected a number, a quoted string or a name, found 'and' at position 1: ▸and"],
      ['__import__("os")', "--where: unknown name '__import__' at position 1: ▸__import__(\"os\")"],
    ];
    for (const [text, message] of cases) assert.equal(error(text), message, text);
  });

  test('an unknown name hints at the known ones', () => {
    try {
      parseWhere('acc > 1', NAMES);
      assert.fail('parsed');
    } catch (err) {
      assert.equal((err as NbprovError).hint, "names here: trial, status, n_trees, accuracy, lr, model, flag; quote a string: 'acc'");
    }
  });

  test('huge expressions: 20,000 and-terms evaluate without a stack overflow; nesting past 100 is a clipped one-line error', () => {
    assert.equal(where(Array(20_000).fill('n_trees > 1').join(' and ')), true);
    assert.equal(where(Array(20_000).fill('n_trees < 1').join(' or ')), false);
    assert.equal(
      error(`${'('.repeat(3000)}n_trees > 1${')'.repeat(3000)}`),
      `--where: nested more than 100 deep at position 101: …${'('.repeat(40)}▸${'('.repeat(40)}…`,
    );
    assert.match(error(`${'not '.repeat(3000)}flag`), /^--where: nested more than 100 deep at position 401: …(not ){10}▸(not ){10}…$/);
    assert.equal(where(`${'('.repeat(100)}n_trees > 1${')'.repeat(100)}`), true);
  });
});

