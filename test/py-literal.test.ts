import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePyLiteral, pyRepr, pyToJson } from '../src/notebook/py-literal.js';
import { castParameter } from '../src/notebook/parameter-values.js';

test('Python literals parse to their own types and are written back as Python source', () => {
  const cases: [string, string][] = [
    ['(3, 3)', '(3, 3)'],
    ['3, 3', '(3, 3)'],
    ['(3,)', '(3,)'],
    ['(3)', '3'],
    ['[1, -2.5, "a"]', '[1, -2.5, "a"]'],
    ["{'lr': 0.1, \"warm\": true, 'n': None}", '{"lr": 0.1, "warm": True, "n": None}'],
    ['{1, 2}', '{1, 2}'],
    ['{}', '{}'],
    ['1_000', '1000'],
    ['0x10', '16'],
    ['123456789012345678901234567890', '123456789012345678901234567890'],
    ['1e3', '1000.0'],
    ['1e16', '10000000000000000.0'],
    ['1e22', '1e+22'],
    ['-0.5e-7', '-5e-8'],
    ['.5', '0.5'],
    ["'it\\'s'", '"it\'s"'],
    ["'a' 'b'", '"ab"'],
    ['"tab\\there"', '"tab\\there"'],
    ["r'\\d+'", '"\\\\d+"'],
    ['None', 'None'],
    ['False', 'False'],
  ];
  for (const [text, repr] of cases) assert.equal(pyRepr(parsePyLiteral(text)!), repr, text);
  for (const text of ['3x3', 'np.zeros(3)', 'a', '[1, 2', '{1: 2, 3}', "b'x'", '1 + 2', '']) assert.equal(parsePyLiteral(text), undefined, text);
  assert.deepEqual(pyToJson(parsePyLiteral('((1, 2), {"a": [None]})')!), [[1, 2], { a: [null] }]);
});

test('a -p value takes the type of its default; a number the type it is written in when the default is a number', () => {
  const def = (text: string) => ({ value: parsePyLiteral(text), text, cell: 1 });
  const cases: [string, string, string][] = [
    ['(3, 3)', '(2, 2)', '(3, 3)'],
    ['[3, 3]', '(2, 2)', '(3, 3)'],
    ['(1, 2)', '[0]', '[1, 2]'],
    ['3', '"a"', '"3"'],
    ['(3, 3)', '"a"', '"(3, 3)"'],
    ['3', '1.5', '3'],
    ['0.5', '10', '0.5'],
    ['100', '0.25', '100'],
    ['1e3', '10', '1000.0'],
    ['-2', '0.5', '-2'],
    ['yes', 'False', 'True'],
    ['3', 'None', '3'],
    ['None', '5', ''],
    ['{"a": 1}', '{}', '{"a": 1}'],
  ];
  for (const [text, d, repr] of cases) {
    if (repr === '') assert.throws(() => castParameter('x', text, def(d)), { message: "-p x: expected an int like the default 5, got 'None'" });
    else assert.equal(pyRepr(castParameter('x', text, def(d))), repr, `${text} with default ${d}`);
  }
  assert.throws(() => castParameter('x', 'True', def('10')), { message: "-p x: expected an int like the default 10, got 'True'" });
  assert.throws(() => castParameter('x', 'sqrt', def('0.5')), { message: "-p x: expected a float like the default 0.5, got 'sqrt'" });
  assert.equal(pyRepr(castParameter('x', '(3, 3)')), '"(3, 3)"', 'no default: papermill reads a string');
  assert.equal(pyRepr(castParameter('x', '[3, 3]')), '[3, 3]');
  assert.equal(pyRepr(castParameter('x', '2.0')), '2.0');
});
