import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { entryChanges, type SmallItem } from '../src/compare/values.js';
import { assignedNames } from '../src/cli/tag.js';
import { namesRead } from '../src/compare/why.js';
import Database from 'better-sqlite3';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';
import { asBeforeMigration9 } from './helpers/old-database.js';

/**
 * A parameters cell with a flag that makes cell 3 raise, an integral float, a list of dicts and a dict; metrics made
 * by the cell that raises (m), by a cell after it (k), and by a cell that moves by a hair with lr (score).
 */
function failingNotebook(): string {
  const sources = [
    'fail = False\nlr = 1.0\ngrid = [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 3, "b": "z"}, {"a": 4, "b": "w"}]\nsizes = {"n": 500, "depth": 3}',
    'data = "1,2,3"\nscore = 0.85 + lr * 0.0000145 + 0 * len(grid) * sizes["n"]  # nbprov: metric:max',
    'if fail:\n    raise ValueError("boom")\nm = len(data)  # nbprov: metric:max',
    'k = m * 2  # nbprov: metric:max',
  ];
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${i}`, metadata: { tags: i === 0 ? ['parameters'] : [] }, outputs: [], source }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 });
}

const body = (stdout: string) => stdout.slice(stdout.indexOf('\n') + 1);

describe('a metric gone because its cell raised or never ran; containers that changed length; floats as Python writes them', () => {
  let dir: string;
  before(async () => {
    dir = project();
    writeFileSync(join(dir, 'nb.ipynb'), failingNotebook());
    let r = await nbprov(['run', 'nb.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    r = await nbprov(['run', 'nb.ipynb', '-q', '-p', 'fail', 'True', '-p', 'lr', '0.0', '-p', 'grid', '[{"a": 1, "b": "x"}]', '-p', 'sizes', '{"n": 100, "depth": 3}'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
  });
  after(() => removeProject(dir));

  test('diff: Why names the cell that raised (or the one the trial stopped at) and the parameter it read', async () => {
    const r = await nbprov(['diff', '--only', 'params,metrics,why'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      body(r.stdout),
      `
Parameters
  fail     False → True          -p in trial 2
  grid     [4 items] → [1 item]  -p in trial 2
  lr       1.0 → 0.0             -p in trial 2
  sizes.n  500 → 100             -p in trial 2

Metrics
  k      10 → (absent)    removed
  m      5 → (absent)     removed
  score  0.850015 → 0.85  worse (metric:max)  -0.0000145 (-0.0017%)

Why
  k is gone (10 → (absent)): cell 5 (c3) did not run in trial 2 (the trial stopped at cell 4 (c2))
    param  fail  False → True
  m is gone (5 → (absent)): cell 4 (c2) raised ValueError: boom in trial 2
    param  fail  False → True
  score got worse (0.850015 → 0.85)
    param  grid     [4 items] → [1 item]
    param  lr       1.0 → 0.0
    param  sizes.n  500 → 100
`,
    );
  });

  test('diff --json: the absence, and a list that changed length as one entry', async () => {
    const r = await nbprov(['diff', '--only', 'params,why', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const diff = JSON.parse(r.stdout);
    const why = (name: string) => diff.why.find((w: { metric: string }) => w.metric === name);
    assert.deepEqual(why('m').absent, { trial: 2, cell: { index: 4, id: 'c2' }, stage: null, reason: 'raised', error: 'ValueError: boom', stoppedAt: null });
    assert.deepEqual(why('k').absent, { trial: 2, cell: { index: 5, id: 'c3' }, stage: null, reason: 'did not run', error: null, stoppedAt: { index: 4, id: 'c2' } });
    assert.deepEqual(why('m').params, [{ name: 'fail', a: { value: false, text: 'False' }, b: { value: true, text: 'True' } }]);
    assert.equal(why('score').absent, undefined);
    const grid = diff.params.find((p: { name: string }) => p.name === 'grid');
    assert.deepEqual(grid.entries, [{ path: 'grid', a: { value: { len: 4 }, text: '[4 items]' }, b: { value: { len: 1 }, text: '[1 item]' } }]);
  });

  test('show, list, compare and deps write 1.0 as Python does; --where and --sort still compare it as a number', async () => {
    const show = await nbprov(['show', '1'], { cwd: dir });
    assert.match(show.stdout, /\nlr +param +1\.0 +1 *\n/);
    const list = await nbprov(['list', '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(list.stdout).map((t: { params: { lr: unknown } }) => t.params.lr), [1, 0]);
    const text = await nbprov(['list'], { cwd: dir });
    assert.match(text.stdout, /\n2 .* lr=0\.0 size/);
    const where = await nbprov(['compare', '--where', 'lr > 0.5', '--columns', 'trial,lr'], { cwd: dir });
    assert.equal(where.code, 0, where.stderr);
    assert.equal(where.stdout, 'trial  lr\n1      1.0\n');
    const sorted = await nbprov(['compare', '--sort', 'lr', '--columns', 'trial,lr'], { cwd: dir });
    assert.equal(sorted.stdout, 'trial  lr\n2      0.0\n1      1.0\n');
    const deps = await nbprov(['deps', 'score', '--trial', '1'], { cwd: dir });
    assert.match(deps.stdout, /\n(├|└)─ lr v\d+ = 1\.0 /);
  });

  test('migration 9 gives floats that older versions stored as integers their text back, from the reprs', async () => {
    let db = new Database(join(dir, '.noworkflow', 'db.sqlite'));
    db.prepare("UPDATE nbprov_value SET value = '1' WHERE name = 'lr' AND value = '1.0'").run();
    db.prepare("UPDATE stage_tags SET variable_value = '1' WHERE variable_name = 'lr' AND variable_value = '1.0'").run();
      asBeforeMigration9(db);
    db.close();
    const show = await nbprov(['show', '1'], { cwd: dir });
    assert.match(show.stdout, /\nlr +param +1\.0 +1 *\n/);
    db = openDb(dir);
    const lr = db.prepare("SELECT v.value, s.variable_value AS tag FROM nbprov_value v JOIN stage_tags s ON s.trial_id = v.trial_id AND s.variable_name = v.name WHERE v.name = 'lr' ORDER BY v.trial_id, v.evaluation_id").all();
    db.close();
    assert.equal(lr.length, 3);
    assert.deepEqual(new Set(lr.map((r) => (r as { value: string }).value)), new Set(['1.0', '0.0']));
    assert.deepEqual(new Set(lr.map((r) => (r as { tag: string }).tag)), new Set(['1.0', '0.0']));
  });

  test('tags: the names the parameters cell assigns', async () => {
    const r = await nbprov(['tags', 'nb.ipynb'], { cwd: dir });
    assert.equal(r.stdout.split('\n')[0], 'parameters cell 1: fail, lr, grid, sizes');
  });

  test('slice of a -p trial: the injected cell as it ran, without a "changed" warning', async () => {
    const r = await nbprov(['slice', 'score', '--trial', '2', '-o', 's.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const cells = JSON.parse(readFileSync(join(dir, 's.ipynb'), 'utf8')).cells.slice(1);
    assert.deepEqual(cells.map((c: { metadata: { tags?: string[] } }) => c.metadata.tags ?? []), [['parameters'], ['injected-parameters'], []]);
    assert.equal(cells[1].source.join(''), '# Parameters\nfail = True\nlr = 0.0\ngrid = [{"a": 1, "b": "x"}]\nsizes = {"n": 100, "depth": 3}\n');
  });
});

describe('entry changes of small containers', () => {
  const items = (...pairs: [string, number][]): SmallItem[] => pairs.map(([path, v]) => [path, String(v), v]);

  test('same shape: key by key; a level that gained or lost entries: that level whole, by repr when both are short', () => {
    const a = items(['.n_estimators', 500], ['.sizes[0]', 64], ['.sizes[1]', 32]);
    const b = items(['.n_estimators', 100], ['.sizes[0]', 100]);
    assert.deepEqual(entryChanges('params', a, b), [
      { path: 'params.n_estimators', a: { value: 500, text: '500' }, b: { value: 100, text: '100' } },
      { path: 'params.sizes', a: { value: { len: 2 }, text: '[2 items]' }, b: { value: { len: 1 }, text: '[1 item]' } },
    ]);
    assert.deepEqual(entryChanges('t', items(['[0]', 1], ['[1]', 2]), items(['[0]', 1]), ['(1, 2)', '(1,)']), [
      { path: 't', a: { value: { len: 2 }, text: '(1, 2)' }, b: { value: { len: 1 }, text: '(1,)' } },
    ]);
    assert.deepEqual(entryChanges('d', items(['.a', 1], ['.b', 2]), items(['.a', 1], ['.c', 2])), [
      { path: 'd', a: { value: { len: 2 }, text: '{2 items}' }, b: { value: { len: 2 }, text: '{2 items}' } },
    ]);
    // A long repr on one side: counts on both, in the container's own brackets.
    assert.deepEqual(entryChanges('t', items(['[0]', 1], ['[1]', 2]), items(['[0]', 1]), [`(1, 2${' '.repeat(60)})`, '(1,)']), [
      { path: 't', a: { value: { len: 2 }, text: '(2 items)' }, b: { value: { len: 1 }, text: '(1 item)' } },
    ]);
    // An empty list inside is a leaf on one side and a level on the other.
    assert.deepEqual(entryChanges('p', [['.layers', '[]']], items(['.layers[0]', 64])), [
      { path: 'p.layers', a: { value: '[]', text: '[]' }, b: { value: { len: 1 }, text: '[1 item]' } },
    ]);
  });

  test('names a cell reads and a parameters cell assigns, read without Python', () => {
    assert.deepEqual(namesRead('if fail:  # fail or not\n    raise ValueError("boom: " + msg)\nm = np.len(data)'), ['if', 'fail', 'raise', 'ValueError', 'msg', 'm', 'np', 'data']);
    assert.deepEqual(assignedNames('import numpy as np\nseed = 7\na, b = 1, 2\n(c, d) = 3, 4\nlr: float = 0.1\nx == 1\ny += 1\nparams["k"] = 2\n  z = 9'), ['seed', 'a', 'b', 'c', 'd', 'lr']);
  });
});
