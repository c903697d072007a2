import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';

/**
 * A parameters cell holding a dict (sklearn's gallery style), a tuple and a string that reads like it, and metrics
 * that are a tuple, a 10^6-element array changed in one element, an array over the (test-sized) fingerprint budget
 * and an array whose content never changes.
 */
function valuesNotebook(): string {
  const cells = [
    { source: 'params = {"n_estimators": 500, "max_depth": 4}\nshape = (3, 3)\nlabel = "(3, 3)"', tags: ['parameters'] },
    {
      source: [
        'import numpy as np',
        't = tuple(range(10)) + (params["n_estimators"],)  # nbprov: metric',
        'arr = np.arange(10**6, dtype=float)  # nbprov: metric',
        'arr[999_999] = params["n_estimators"]',
        'big = np.zeros(2 * 10**6)  # nbprov: metric',
        'same = np.arange(10**6) * 2  # nbprov: metric',
        'score = params["n_estimators"] / 1000  # nbprov: metric:max',
      ].join('\n'),
      tags: [],
    },
  ].map((c, i) => ({ cell_type: 'code', execution_count: null, id: `v${i}`, metadata: { tags: c.tags }, outputs: [], source: c.source }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 });
}

// 10 MB: the 8 MB `arr` is fingerprinted whole, the 16 MB `big` is over the budget.
const env = { NBPROV_FP_BUDGET: '10000000' };
const DICT_100 = '{"n_estimators": 100, "max_depth": 4}';
const hex = (text: string) => text.replace(/fp [0-9a-f]{8}/g, 'fp ########');

describe('values compared by content: real runs with a dict parameter changed by -p', () => {
  let dir: string;
  const run = async (...args: string[]) => {
    const r = await nbprov(args, { cwd: dir, env });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  before(async () => {
    dir = project();
    writeFileSync(join(dir, 'values.ipynb'), valuesNotebook());
    await run('run', 'values.ipynb', '-q');
    await run('run', 'values.ipynb', '-q', '-p', 'params', DICT_100);
    await run('run', 'values.ipynb', '-q', '-p', 'params', DICT_100);
  });
  after(() => removeProject(dir));

  test('diff: the dict entry that changed, key by key; a changed tuple element and array element; too large is not "unchanged"', async () => {
    const r = await run('diff', '1', '2', '--only', 'params,metrics,why');
    assert.equal(r.stderr, '');
    assert.equal(
      hex(r.stdout.slice(r.stdout.indexOf('\n') + 1)),
      `
Parameters
  params.n_estimators  500 → 100  -p in trial 2

Metrics
  arr    shape 1000000 float64 fp ######## → shape 1000000 float64 fp ########                      changed
  big    shape 2000000 float64 fp ######## (sampled) → shape 2000000 float64 fp ######## (sampled)  not compared (too large)
  same   shape 1000000 int64 fp ######## → shape 1000000 int64 fp ########                          unchanged
  score  0.5 → 0.1                                                                                  worse (metric:max)        -0.4 (-80%)
  t[10]  500 → 100                                                                                  changed

Why
  arr changed (shape 1000000 float64 fp ######## → shape 1000000 float64 fp ########)
    param  params.n_estimators  500 → 100
  big could not be compared (shape 2000000 float64 fp ######## (sampled) → shape 2000000 float64 fp ######## (sampled))
    no recorded ancestor changed (randomness, the clock or an input nbprov does not see)
  score got worse (0.5 → 0.1)
    param  params.n_estimators  500 → 100
  t changed ((0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 500) → (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100))
    param  params.n_estimators  500 → 100
`,
    );
  });

  test('diff --json: the dict change as structured entries, the uncompared metric with its reason', async () => {
    const diff = JSON.parse((await run('diff', '1', '2', '--json', '--only', 'params,metrics')).stdout);
    assert.equal(diff.params.length, 1);
    const [p] = diff.params;
    assert.deepEqual(Object.keys(p), ['name', 'a', 'b', 'injected', 'entries']);
    assert.equal(p.name, 'params');
    assert.deepEqual(p.injected, { a: false, b: true });
    assert.deepEqual(p.entries, [{ path: 'params.n_estimators', a: { value: 500, text: '500' }, b: { value: 100, text: '100' } }]);
    assert.equal(p.a.text, "{'n_estimators': 500, 'max_depth': 4}", "Python's repr: insertion order, every item");
    assert.deepEqual(p.b.value.items, [['.n_estimators', '100', 100], ['.max_depth', '4', 4]]);
    const metric = (name: string) => diff.metrics.find((m: { name: string }) => m.name === name);
    assert.deepEqual([metric('big').verdict, metric('big').notCompared, metric('big').a.value.sampled], ['uncompared', 'too large', true]);
    assert.deepEqual([metric('arr').verdict, metric('same').verdict], ['changed', 'unchanged']);
    assert.deepEqual(metric('t').entries, [{ path: 't[10]', a: { value: 500, text: '500' }, b: { value: 100, text: '100' } }]);
    assert.equal(metric('arr').entries, undefined);
  });

  test('equal content in two trials reads unchanged; the sampled value still reads not compared', async () => {
    const r = await run('diff', '2', '3', '--only', 'params,metrics');
    assert.equal(
      hex(r.stdout.slice(r.stdout.indexOf('\n') + 1)),
      `
Metrics
  arr    shape 1000000 float64 fp ######## → shape 1000000 float64 fp ########                      unchanged
  big    shape 2000000 float64 fp ######## (sampled) → shape 2000000 float64 fp ######## (sampled)  not compared (too large)
  same   shape 1000000 int64 fp ######## → shape 1000000 int64 fp ########                          unchanged
  score  0.1 → 0.1                                                                                  unchanged
  t      (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100) → (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100)                  unchanged
`,
    );
  });

  test('compare and list print values as Python does: the tuple (3, 3) is not the string \'(3, 3)\'', async () => {
    const compare = await run('compare', '--columns', 'trial,label,shape,params,score');
    assert.equal(
      compare.stdout,
      `trial  label     shape   params                                 score ↑
1      '(3, 3)'  (3, 3)  {'n_estimators': 500, 'max_depth': 4}  0.5*
2      '(3, 3)'  (3, 3)  {'n_estimators': 100, 'max_depth': 4}  0.1
3      '(3, 3)'  (3, 3)  {'n_estimators': 100, 'max_depth': 4}  0.1
* best value of each metric:max / metric:min column
`,
    );
    const json = JSON.parse((await run('compare', '--columns', 'label,shape', '--json')).stdout);
    assert.deepEqual(json.rows[0], { label: '(3, 3)', shape: { repr: '(3, 3)' } });
    const csv = await run('compare', '--columns', 'label,shape', '--csv');
    assert.equal(csv.stdout.split('\r\n')[1], '"(3, 3)","(3, 3)"');
    assert.deepEqual((await run('compare', '--where', "shape = '(3, 3)' and label = '(3, 3)'", '--columns', 'trial', '--json')).stdout.match(/"trial": \d/g), ['"trial": 1', '"trial": 2', '"trial": 3']);
    const list = await run('list');
    assert.match(list.stdout, /\n1 .* label='\(3, 3\)' params=\{'n_estimators': 500, 'ma… /);
    const listed = JSON.parse((await run('list', '--json')).stdout);
    assert.deepEqual([listed[0].params.label, listed[0].params.shape], ['(3, 3)', { repr: '(3, 3)' }]);
    const show = await run('show', '1');
    assert.match(show.stdout, /\nlabel +param +'\(3, 3\)' +1 *\n/);
    assert.match(show.stdout, /\nshape +param +\(3, 3\) +1 *\n/);
  });

  test('values recorded before content fingerprints: a differing length, sampled fp or repr reads changed, else not compared', async () => {
    const copy = join(dir, 'old.sqlite');
    const db = openDb(dir);
    try {
      db.exec(`VACUUM INTO '${copy}'`);
    } finally {
      db.close();
    }
    const old = new Database(copy);
    try {
      old.exec("UPDATE nbprov_value SET summary = json_remove(summary, '$.content', '$.items', '$.sampled') WHERE summary IS NOT NULL");
      old.exec("UPDATE nbprov_value SET summary = json_set(summary, '$.len', 12) WHERE name = 't' AND trial_id = (SELECT id FROM trial WHERE sequence_key = 3)");
    } finally {
      old.close();
    }
    const r = await run('diff', '1', '2', '--only', 'params,metrics', '--db', copy);
    assert.equal(
      hex(r.stdout.slice(r.stdout.indexOf('\n') + 1)),
      `
Parameters
  params  {'n_estimators': 500, 'max_depth': 4} → {'n_estimators': 100, 'max_depth': 4}  -p in trial 2
  shape   (3, 3) → (3, 3)                                                                not compared (no content fingerprint)

Metrics
  arr    shape 1000000 float64 fp ######## → shape 1000000 float64 fp ########      changed
  big    shape 2000000 float64 fp ######## → shape 2000000 float64 fp ########      not compared (no content fingerprint)
  same   shape 1000000 int64 fp ######## → shape 1000000 int64 fp ########          not compared (no content fingerprint)
  score  0.5 → 0.1                                                                  worse (metric:max)                     -0.4 (-80%)
  t      (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 500) → (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100)  changed
`,
    );
    const lengths = await run('diff', '2', '3', '--only', 'metrics', '--db', copy, '--json');
    assert.equal(JSON.parse(lengths.stdout).metrics.find((m: { name: string }) => m.name === 't').verdict, 'changed');
  });
});
