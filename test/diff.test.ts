import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** A notebook whose metric `total` is computed from data.csv, and `side` from the parameter alone. */
function readerNotebook(): string {
  const cells = [
    { source: 'scale = 2', tags: ['parameters'] },
    { source: "text = open('data.csv').read()", tags: [] },
    { source: 'total = sum(int(x) for x in text.split()) * scale  # nbprov: metric:max', tags: [] },
    { source: 'side = scale + 1  # nbprov: metric', tags: [] },
  ].map((c, i) => ({ cell_type: 'code', execution_count: null, id: `r${i + 1}`, metadata: { tags: c.tags }, outputs: [], source: c.source }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 });
}

describe('nbprov diff: two real runs of wine.ipynb (-p values and a code edit), two of a notebook reading a file', () => {
  let dir: string;
  const run = async (...args: string[]) => {
    const r = await nbprov(args, { cwd: dir });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  before(async () => {
    dir = project('wine.ipynb');
    await run('tag', 'var', 'accuracy', 'metric:max');
    await run('tag', 'var', 'note', 'metric:min');
    await run('tag', 'cell', '6', 'model');
    await run('tag', 'cell', '7', 'metrics');
    await run('run', 'wine.ipynb', '-q');
    const path = join(dir, 'wine.ipynb');
    const edited = readFileSync(path, 'utf8').replace('n_estimators=n_trees, random_state=seed)', 'n_estimators=n_trees, random_state=seed, max_depth=2)');
    writeFileSync(path, edited);
    await run('run', 'wine.ipynb', '-q', '-p', 'n_trees', '5', '-p', 'unused', '1');
    writeFileSync(join(dir, 'reader.ipynb'), readerNotebook());
    writeFileSync(join(dir, 'data.csv'), '1 2 3\n');
    await run('run', 'reader.ipynb', '-q');
    writeFileSync(join(dir, 'data.csv'), '1 2 3 4\n');
    await run('run', 'reader.ipynb', '-q');
  });
  after(() => removeProject(dir));

  test('text: exactly the sections that differ; why lists the changed param and the edited cell, nothing untouched', async () => {
    const r = await run('diff', '1', '2');
    const [head, time] = r.stdout.split('\nTime\n');
    const ids = (await nbprov(['list', '--json'], { cwd: dir })).stdout;
    const [a, b] = (JSON.parse(ids) as { id: string }[]).map((t) => t.id.slice(0, 8));
    assert.equal(
      head,
      `trial 1 (${a}) → trial 2 (${b})   wine.ipynb

Parameters
  n_trees  20 → 5   -p in trial 2
  unused   123 → 1  -p in trial 2

Metrics
  accuracy  1.0 → 0.933333  worse (metric:max)   -0.0666667 (-6.67%)
  note      246 → 2         better (metric:min)  -244 (-99.19%)

Why
  accuracy got worse (1.0 → 0.933333)
    param  n_trees                    20 → 5
    cell   6 → 7 (c6, model-scoring)  edited: model = RandomForestClassifier(n_estimators=n_trees, random_state=seed, max_depth=2)
  note got better (246 → 2)
    param  unused  123 → 1

Code
  cell 6 → 7 (c6, model-scoring) edited
    --- trial 1 cell 6
    +++ trial 2 cell 7
    @@ -1,3 +1,3 @@
    -model = RandomForestClassifier(n_estimators=n_trees, random_state=seed)
    +model = RandomForestClassifier(n_estimators=n_trees, random_state=seed, max_depth=2)
     model.fit(X_train, y_train)
     pred = model.predict(X_test)
`,
    );
    assert.match(time, /^ {2}stage {15}trial 1 {2}trial 2 {2}change\n {2}model-scoring {7}\d+\.\d\d s +\d+\.\d\d s +[+-]\d+\.\d\d s\n {2}metrics-evaluation .+\n {2}\(no stage\) .+\n {2}total .+\n$/);
    assert.equal(r.stderr, '');
  });

  test('--json: the same content, values as {value, text}', async () => {
    const diff = JSON.parse((await run('diff', '1', '2', '--json')).stdout);
    assert.deepEqual(Object.keys(diff), ['a', 'b', 'warnings', 'params', 'metrics', 'why', 'code', 'environment', 'files', 'time']);
    assert.deepEqual(Object.keys(diff.a), ['sequence', 'id', 'notebook', 'start', 'status']);
    assert.deepEqual(diff.warnings, []);
    assert.deepEqual(diff.params, [
      { name: 'n_trees', a: { value: 20, text: '20' }, b: { value: 5, text: '5' }, injected: { a: false, b: true } },
      { name: 'unused', a: { value: 123, text: '123' }, b: { value: 1, text: '1' }, injected: { a: false, b: true } },
    ]);
    assert.deepEqual(diff.metrics[1], {
      name: 'note', kind: 'metric:min', direction: 'min', a: { value: 246, text: '246' }, b: { value: 2, text: '2' }, delta: -244, relative: -244 / 246, verdict: 'better',
    });
    assert.equal(diff.metrics[0].verdict, 'worse');
    assert.deepEqual(
      diff.why.map((w: { metric: string; params: { name: string }[]; cells: unknown[]; files: unknown[]; modules: unknown[] }) => [w.metric, w.params.map((p) => p.name), w.cells, w.files, w.modules]),
      [
        ['accuracy', ['n_trees'], [{ a: { index: 6, id: 'c6' }, b: { index: 7, id: 'c6' }, stage: 'model-scoring', change: 'edited', firstLine: 'model = RandomForestClassifier(n_estimators=n_trees, random_state=seed, max_depth=2)' }], [], []],
        ['note', ['unused'], [], [], []],
      ],
    );
    assert.equal(diff.code.length, 1);
    assert.match(diff.code[0].patch, /^--- trial 1 cell 6\n\+\+\+ trial 2 cell 7\n@@ -1,3 \+1,3 @@\n-model = /);
    assert.deepEqual(diff.environment, { attributes: [], modules: [] });
    assert.deepEqual(diff.files, []);
    assert.deepEqual(diff.time.map((t: { stage: string }) => t.stage), ['model-scoring', 'metrics-evaluation', '(no stage)', 'total']);
  });

  test('a finished trial keeps exactly its lineage edges packed; a trial without them (killed, older) gives the same report', async () => {
    const db = openDb(dir);
    const copy = join(dir, 'unpacked.sqlite');
    try {
      const trials = db.prepare('SELECT trial_id FROM nbprov_trial ORDER BY rowid').pluck().all() as string[];
      assert.equal(trials.length, 4);
      for (const trial of trials) {
        const [offsets, dependencies] = (db.prepare('SELECT offsets, dependencies FROM nbprov_lineage WHERE trial_id = ?').raw().get(trial) as Buffer[]).map(
          (b) => new Int32Array(Uint8Array.from(b).buffer),
        );
        const packed: number[][] = [];
        for (let e = 0; e + 1 < offsets.length; e++) for (let k = offsets[e]; k < offsets[e + 1]; k++) packed.push([e, dependencies[k]]);
        packed.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        const rows = db
          .prepare("SELECT dependent_id, dependency_id FROM dependency WHERE trial_id = ? AND type NOT IN ('argument', 'assign') ORDER BY dependent_id, dependency_id")
          .raw()
          .all(trial);
        assert.ok(rows.length > 0);
        assert.deepEqual(packed, rows);
      }
      db.exec(`VACUUM INTO '${copy}'`);
    } finally {
      db.close();
    }
    const unpacked = new Database(copy);
    try {
      unpacked.exec('DELETE FROM nbprov_lineage');
    } finally {
      unpacked.close();
    }
    for (const pair of [['1', '2'], ['3', '4']]) {
      const withPacked = await run('diff', ...pair, '--json');
      const fromRows = await run('diff', ...pair, '--json', '--db', copy);
      assert.deepEqual(JSON.parse(fromRows.stdout).why, JSON.parse(withPacked.stdout).why);
    }
  });

  test('why follows files: a changed input file explains the metric computed from it, not the one beside it', async () => {
    const r = await run('diff', '3', '4', '--only', 'metrics,why,files');
    const before = sha1('1 2 3\n');
    const after = sha1('1 2 3 4\n');
    assert.match(r.stdout, /^trial 3 \(\w{8}\) → trial 4 \(\w{8}\) {3}reader\.ipynb\n/);
    assert.equal(
      r.stdout.slice(r.stdout.indexOf('\n') + 1),
      `
Metrics
  side   3 → 3    unchanged
  total  12 → 20  better (metric:max)  +8 (+66.67%)

Why
  total got better (12 → 20)
    file  ${join(dir, 'data.csv')}  ${before.slice(0, 10)} → ${after.slice(0, 10)}

Files
  input  ${join(dir, 'data.csv')}  ${before.slice(0, 10)} → ${after.slice(0, 10)}
`,
    );
    const json = JSON.parse((await run('diff', '3', '4', '--json', '--only', 'why')).stdout);
    assert.deepEqual(Object.keys(json), ['a', 'b', 'warnings', 'why']);
    assert.deepEqual(json.why[0].files, [{ name: join(dir, 'data.csv'), a: before, b: after }]);
  });

  test('--fail-on-regression exits 1 naming the metric; a trial against itself has nothing to report', async () => {
    const r = await nbprov(['diff', '1', '2', '--only', 'params', '--fail-on-regression'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /\nParameters\n/);
    assert.doesNotMatch(r.stdout, /Metrics/);
    assert.equal(r.stderr, "nbprov: regression: accuracy 1.0 → 0.933333 (-0.0666667), metric:max\n  hint: the Why section lists what changed in each metric's lineage\n");
    const same = await nbprov(['diff', '2', '2', '--fail-on-regression', '--only', 'params,metrics,why,code'], { cwd: dir });
    assert.equal(same.code, 0, same.stderr);
    assert.match(same.stdout, /\nMetrics\n {2}accuracy {2}0\.933333 → 0\.933333 {2}unchanged\n {2}note {6}2 → 2 {16}unchanged\n$/);
  });

  test('different notebooks: compared anyway, with a warning', async () => {
    const r = await run('diff', '2', '3', '--only', 'metrics');
    assert.equal(r.stderr, 'nbprov: warning: trials 2 and 3 ran different notebooks (wine.ipynb, reader.ipynb); cells are paired by id, source and position\n');
    assert.match(r.stdout, /\n {2}accuracy {2}0\.933333 → \(absent\) {2}removed/);
  });

  test('bad input exits 2: unknown trials, unknown sections', async () => {
    const cases: [string[], string][] = [
      [['diff', '1', '9'], "nbprov: trial '9' not found: 4 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n"],
      [['diff', 'nope', 'last'], "nbprov: trial 'nope' not found: 4 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n"],
      [['diff', '1', '2', '--only', 'params,colour'], "nbprov: --only: unknown section 'colour'\n  hint: sections are params, metrics, why, code, environment, files, time\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await nbprov(args, { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr, stderr);
      assert.equal(r.stdout, '');
    }
  });

  test('a metric that is not a scalar compares by its summary (shape, dtype, fingerprint)', async () => {
    await run('tag', 'var', 'pred', 'metric', 'wine.ipynb');
    const diff = JSON.parse((await run('diff', '1', '2', '--json', '--only', 'metrics,why')).stdout);
    const pred = diff.metrics.find((m: { name: string }) => m.name === 'pred');
    assert.equal(pred.verdict, 'changed');
    assert.equal(pred.delta, null);
    assert.match(pred.a.text, /^shape 45 int64 fp [0-9a-f]{8}$/);
    assert.notEqual(pred.a.text, pred.b.text);
    assert.deepEqual(pred.a.value.shape, [45]);
    const why = diff.why.find((w: { metric: string }) => w.metric === 'pred');
    assert.deepEqual([why.params.map((p: { name: string }) => p.name), why.cells.map((c: { b: { id: string } }) => c.b.id)], [['n_trees'], ['c6']]);
    await run('untag', 'var', 'pred', 'wine.ipynb');
  });

  const now = findNow();
  test('noWorkflow\'s own `now diff` still reads the database', { skip: now ? false : 'the noWorkflow `now` CLI is not on PATH (or $NBPROV_NOW): not checked' }, () => {
    for (const flags of [[], ['-e', '-f', '-m']]) {
      const r = spawnSync(now!, ['diff', '1', '2', ...flags], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /Traceback/);
      assert.match(r.stdout, /Command changed from nbprov run wine\.ipynb -q to nbprov run wine\.ipynb -q -p n_trees 5 -p unused 1/);
    }
  });
});

function findNow(): string | undefined {
  if (process.env.NBPROV_NOW) return process.env.NBPROV_NOW;
  return (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'now')).find((p) => existsSync(p));
}
