import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { matchCells } from '../src/compare/cell-match.js';
import { changedFiles, firstReads, isEnvironmentPath, Reach } from '../src/compare/file-reads.js';
import type { SnapshotCell, TrialSnapshot } from '../src/compare/trial-snapshot.js';
import type { TrialSummary } from '../src/store/queries.js';
import { nbprov, openDb, removeProject } from './helpers/cli.js';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

/** A notebook of code cells (ids h0, h1, ...), the first tagged `parameters` when `parameters` is set. */
function notebook(sources: string[], parameters = false): string {
  const cells = sources.map((source, i) => ({
    cell_type: 'code', execution_count: null, id: `h${i}`, metadata: { tags: parameters && i === 0 ? ['parameters'] : [] }, outputs: [], source,
  }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 }, null, 1);
}

/** The recorded value (JSON text) of a name's last version in a trial. */
function finalValue(dir: string, sequence: number, name: string): string | null {
  const db = openDb(dir);
  try {
    return db
      .prepare(
        `SELECT v.value FROM nbprov_value v JOIN trial t ON t.id = v.trial_id WHERE t.sequence_key = ? AND v.name = ?
         ORDER BY v.evaluation_id DESC LIMIT 1`,
      )
      .pluck()
      .get(sequence, name) as string | null;
  } finally {
    db.close();
  }
}

const sources = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { cells: { source: string[] }[] }).cells.slice(1).map((c) => c.source.join(''));

// A parameter (n > 10) makes cell 3 raise: the failing trial never reaches the cells reading data.csv, importing
// sklearn and reading iris.csv. Cell 2 reads /proc/self/status (and the cgroup's cpu.max where there is one), which
// differ on every run.
const FAILS = [
  'n = 3\nwhich = 0',
  "import os\nsystem = [open(p).read() for p in ('/proc/self/status', '/sys/fs/cgroup/cpu.max') if os.path.exists(p)]",
  "if n > 10:\n    raise ValueError('n must be at most 10')\nscaled = n * 2",
  "text = open(['data.csv', 'other.csv'][which]).read()",
  'from sklearn.datasets import load_iris\niris = load_iris()',
  'total = len(text.split()) * scaled + len(iris.data) + 0 * len(system)  # nbprov: metric:max',
];

describe('diff of a failed trial: only files both trials reached, never /proc, /sys or the Python installation', () => {
  let dir: string;
  const run = async (args: string[], code = 0) => {
    const r = await nbprov(args, { cwd: dir });
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nbprov-test-'));
    writeFileSync(join(dir, 'fails.ipynb'), notebook(FAILS, true));
    writeFileSync(join(dir, 'data.csv'), '1 2 3\n');
    writeFileSync(join(dir, 'other.csv'), '1 2 3 4 5\n');
    await run(['run', 'fails.ipynb', '-q', '-o', 'out.ipynb']);
    await run(['run', 'fails.ipynb', '-q', '-p', 'n', '20'], 1);
    await run(['run', 'fails.ipynb', '-q', '-p', 'which', '1']);
  });
  after(() => removeProject(dir));

  test('the trials did read /proc, iris.csv in the installation, and data.csv only before the failure', () => {
    const db = openDb(dir);
    try {
      const reads = (sequence: number) =>
        db.prepare('SELECT f.name FROM file_access f JOIN trial t ON t.id = f.trial_id WHERE t.sequence_key = ? ORDER BY f.id').pluck().all(sequence) as string[];
      const [first, failed] = [reads(1), reads(2)];
      assert.ok(first.includes('/proc/self/status') && failed.includes('/proc/self/status'), `${first} / ${failed}`);
      assert.ok(first.some((f) => /\/(site|dist)-packages\/sklearn\/datasets\/data\/iris\.csv$/.test(f)), first.join(', '));
      assert.ok(first.includes(join(dir, 'data.csv')));
      assert.ok(failed.every((f) => f.startsWith('/proc/') || f.startsWith('/sys/')), failed.join(', '));
    } finally {
      db.close();
    }
  });

  test('finished → failed: Why names the cell that did not run and the parameter; no Files section', async () => {
    const r = await run(['diff', '1', '2']);
    const [head] = r.stdout.split('\nTime\n');
    assert.equal(
      head.slice(head.indexOf('\n') + 1),
      `
Parameters
  n  3 → 20  -p in trial 2

Metrics
  total  168 → (absent)  removed

Why
  total is gone (168 → (absent)): cell 7 (h5) did not run in trial 2 (the trial stopped at cell 4 (h2))
    param  n  3 → 20
`,
    );
    assert.equal(r.stderr, '');
    const json = JSON.parse((await run(['diff', '1', '2', '--json', '--only', 'why,files'])).stdout);
    assert.deepEqual(json.why.map((w: { files: unknown[]; modules: unknown[] }) => [w.files, w.modules]), [[[], []]]);
    assert.deepEqual(json.files, []);
  });

  test('failed → finished: the same, the other way round', async () => {
    const r = await run(['diff', '2', '1', '--only', 'why,files']);
    assert.equal(r.stdout.slice(r.stdout.indexOf('\n') + 1), '\nWhy\n  total is new ((absent) → 168): cell 7 (h5) did not run in trial 2 (the trial stopped at cell 4 (h2))\n    param  n  20 → 3\n');
  });

  test('finished → finished reading another file: both files are changes, in Why and in Files', async () => {
    const r = await run(['diff', '1', '3', '--only', 'why,files']);
    const data = join(dir, 'data.csv');
    const other = join(dir, 'other.csv');
    const [h1, h2] = [sha1('1 2 3\n'), sha1('1 2 3 4 5\n')].map((h) => h.slice(0, 10));
    assert.equal(
      r.stdout.slice(r.stdout.indexOf('\n') + 1),
      `
Why
  total got better (168 → 180)
    param  ${'which'.padEnd(other.length)}  0 → 1
    file   ${data}   ${h1} → -
    file   ${other}  - → ${h2}

Files
  input  ${data}   ${h1} → -
  input  ${other}  - → ${h2}
`,
    );
  });

  test('run -o out.ipynb left two notebooks: cells, tags and tag use the last trial\'s and say so', async () => {
    const note = 'nbprov: using fails.ipynb, the notebook of the last trial (3) in .noworkflow/db.sqlite; this directory also has out.ipynb\n';
    let r = await run(['cells']);
    assert.equal(r.stderr, note);
    assert.match(r.stdout, /^cell +id +stage +first line\n1 +h0 +- +n = 3\n/);
    r = await run(['tag', 'cell', '2', 'data-reading']);
    assert.equal(r.stderr, note);
    assert.equal(r.stdout, 'cell 2 tagged data-reading (and in 3 recorded activations)\n');
    const tags = (file: string) => (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { cells: { metadata: { tags?: string[] } }[] }).cells[1].metadata.tags;
    assert.deepEqual(tags('fails.ipynb'), ['data-reading']);
    assert.deepEqual(tags('out.ipynb'), []);
    r = await run(['tags']);
    assert.equal(r.stderr, note);
    assert.match(r.stdout, /^parameters cell 1: n, which\n\ncell +stage +first line\n2 +data-reading +import os\n/);
  });
});

describe('notebook argument without a database', () => {
  test('two notebooks and no database: the usage error, exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nbprov-test-'));
    try {
      for (const name of ['a.ipynb', 'b.ipynb']) writeFileSync(join(dir, name), notebook(['x = 1']));
      for (const args of [['cells'], ['tags'], ['tag', 'cell', '1', 'data-reading']]) {
        const r = await nbprov(args, { cwd: dir });
        assert.equal(r.code, 2, args.join(' '));
        assert.equal(r.stderr, 'nbprov: no notebook given and this directory has 2: a.ipynb, b.ipynb\n  hint: name it, or pass --notebook NOTEBOOK.ipynb\n');
      }
    } finally {
      removeProject(dir);
    }
  });
});

describe('isEnvironmentPath: what diff leaves out of Why and Files', () => {
  test('system and Python installation paths by layout and by the trial\'s recorded prefix', () => {
    const env = (prefix: string, cwd: string) => new Map([['prefix', prefix], ['base_prefix', '/usr'], ['cwd', cwd]]);
    const system = env('/usr', '/home/u/project');
    const cases: [string, Map<string, string>, boolean][] = [
      ['/proc/self/status', system, true],
      ['/sys/fs/cgroup/cpu.max', system, true],
      ['/dev/urandom', system, true],
      ['/usr/lib/python3/dist-packages/sklearn/datasets/data/iris.csv', system, true],
      ['/usr/lib/python3.11/json/__init__.py', system, true],
      ['/usr/local/lib/python3.11/dist-packages/pkg/data.txt', system, true],
      ['/home/u/.local/lib/python3.11/site-packages/pkg/data.txt', system, true],
      ['/usr/share/dict/words', system, false],
      ['/home/u/project/data.csv', system, false],
      ['/tmp/proc/data.csv', system, false],
      ['/opt/venv/share/pkg/data.txt', env('/opt/venv', '/home/u/project'), true],
      // a virtualenv made in the project directory itself is not taken as the installation
      ['/home/u/project/data.csv', env('/home/u/project', '/home/u/project'), false],
      ['/home/u/project/data.csv', new Map(), false],
    ];
    for (const [path, environment, expected] of cases) assert.equal(isEnvironmentPath(path, environment), expected, path);
  });
});

/** A trial of cells c1..cN with the given statuses (activation = 10 × index) and file reads `[name, hash, cell]`. */
function snapshot(status: string, cells: string[], reads: [string, string, number][]): TrialSnapshot {
  const cellRows: SnapshotCell[] = cells.map((s, i) => ({
    index: i + 1, cellId: `c${i + 1}`, codeHash: `h${i + 1}`, firstLine: '', activationId: s === 'not-run' ? null : 10 * (i + 1), executionCount: null,
    status: s, seconds: null, outputs: null, errorName: null, errorValue: null, injected: false, stage: null,
  }));
  return {
    trial: { status } as TrialSummary, parameters: null, cells: cellRows, tags: new Map(), environment: new Map(), modules: new Map(),
    files: reads.map(([name, hash, cell]) => ({ name, mode: 'r', before: hash, after: hash, activationId: 10 * cell })),
  };
}

describe('changedFiles: only what both trials reached', () => {
  const compare = (a: TrialSnapshot, b: TrialSnapshot, elsewhere = false) => {
    const reach = new Reach(a, b, matchCells(a.cells, b.cells));
    const [fa, fb] = [firstReads(a.files), firstReads(b.files)];
    return elsewhere ? changedFiles(new Map([...fa].filter(([n]) => n === 'x')), new Map(), reach, { a: fa, b: fb }) : changedFiles(fa, fb, reach);
  };
  test('same content: nothing; other content: a change; read on one side only: a change when the other ran that cell to its end', () => {
    const a = snapshot('finished', ['ok', 'ok', 'ok'], [['same', 's', 1], ['x', 'x1', 2], ['only-a', 'o', 3]]);
    assert.deepEqual(compare(a, snapshot('finished', ['ok', 'ok', 'ok'], [['same', 's', 1], ['x', 'x2', 2]])), [
      { name: 'only-a', a: 'o', b: null },
      { name: 'x', a: 'x1', b: 'x2' },
    ]);
    // cell 2 raised, cell 3 never ran: neither read counts, though the trial read `same` before failing
    assert.deepEqual(compare(a, snapshot('failed', ['ok', 'error', 'not-run'], [['same', 's', 1]])), []);
    assert.deepEqual(compare(snapshot('failed', ['ok', 'error', 'not-run'], [['same', 's2', 1]]), a), [{ name: 'same', a: 's2', b: 's' }]);
  });
  test('a cell the other trial has no counterpart of counts as reached when that trial finished', () => {
    const a = snapshot('finished', ['ok', 'ok', 'ok'], [['only-a', 'o', 3]]);
    assert.deepEqual(compare(a, snapshot('finished', ['ok', 'ok'], [])), [{ name: 'only-a', a: 'o', b: null }]);
    assert.deepEqual(compare(a, snapshot('failed', ['ok', 'ok'], [])), []);
  });
  test('Why compares a file read by the ancestor cells with the other trial\'s read of it elsewhere', () => {
    const a = snapshot('finished', ['ok', 'ok', 'ok'], [['x', 'x1', 2]]);
    assert.deepEqual(compare(a, snapshot('failed', ['ok', 'ok', 'error'], [['x', 'x2', 2]]), true), [{ name: 'x', a: 'x1', b: 'x2' }]);
    assert.deepEqual(compare(a, snapshot('failed', ['ok', 'ok', 'error'], [['x', 'x1', 2]]), true), []);
  });
});

// Modelled on scikit-learn's "Non-negative least squares" example (plot_nnls.py), plus np.fill_diagonal.
const NNLS = [
  'import numpy as np\nfrom sklearn.linear_model import LinearRegression\nfrom sklearn.metrics import r2_score\nfrom sklearn.model_selection import train_test_split',
  'np.random.seed(42)\n\nn_samples, n_features = 200, 50\nX = np.random.randn(n_samples, n_features)\nnp.fill_diagonal(X, 0)\n' +
    'true_coef = 3 * np.random.randn(n_features)\ntrue_coef[true_coef < 0] = 0\ny = np.dot(X, true_coef)\ny += 5 * np.random.normal(size=(n_samples,))',
  'X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.5)',
  'reg_nnls = LinearRegression(positive=True)\ny_pred_nnls = reg_nnls.fit(X_train, y_train).predict(X_test)\nr2_score_nnls = r2_score(y_test, y_pred_nnls)\nprint("NNLS R2 score", r2_score_nnls)',
  'reg_ols = LinearRegression()\ny_pred_ols = reg_ols.fit(X_train, y_train).predict(X_test)\nr2_score_ols = r2_score(y_test, y_pred_ols)\nprint("OLS R2 score", r2_score_ols)',
];

// np.random.seed alone in a cell; a draw from rng whose result is not needed but which advances rng; a magic.
const HIDDEN = [
  'import numpy as np',
  'np.random.seed(0)',
  'rng = np.random.default_rng(1)\nbase = np.random.rand(3)',
  'skipped = rng.normal(size=2)\nnoise = rng.normal(size=3)',
  '%time x = 1',
  'total = float((base + noise).sum())',
];

describe('slice keeps what may change the value unseen, or says the value may differ', () => {
  let dir: string;
  const run = async (args: string[]) => {
    const r = await nbprov(args, { cwd: dir });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nbprov-test-'));
    writeFileSync(join(dir, 'nnls.ipynb'), notebook(NNLS));
    writeFileSync(join(dir, 'hidden.ipynb'), notebook(HIDDEN));
    await run(['run', 'nnls.ipynb', '-q']);
    await run(['run', 'hidden.ipynb', '-q']);
  });
  after(() => removeProject(dir));

  test('--statements of the nnls notebook keeps np.random.seed and np.fill_diagonal; running it gives the same r2', async () => {
    const r = await run(['slice', 'r2_score_nnls', '--statements', '-o', 's.ipynb', '--trial', '1']);
    assert.equal(r.stdout, 'wrote s.ipynb: 4 of 5 code cells (1, 2, 3, 4) recompute r2_score_nnls as in trial 1 (statements of 4 only); kept for side effects nbprov cannot see: line 5 of cell 2; dropped 5\n');
    assert.equal(r.stderr, '');
    assert.deepEqual(sources(join(dir, 's.ipynb')), [NNLS[0], NNLS[1], NNLS[2], NNLS[3].split('\nprint')[0]]);
    await run(['run', 's.ipynb', '-q']);
    const trial = finalValue(dir, 1, 'r2_score_nnls');
    assert.match(trial ?? '', /^0\.\d+$/);
    assert.equal(finalValue(dir, 3, 'r2_score_nnls'), trial);
  });

  test('a seed-only cell and a draw that advances the generator, both in the lineage now, and a magic that may do anything', async () => {
    const warning = 'nbprov: warning: the slice may not recompute total as in trial 2: cell 5 did not parse as Python (magics?), so what it changes is unknown\n';
    let r = await run(['slice', 'total', '-o', 'w.ipynb', '--trial', '2']);
    assert.equal(r.stdout, 'wrote w.ipynb: 5 of 6 code cells (1, 2, 3, 4, 6) recompute total, which may differ from trial 2 (see the warning); dropped 5\n');
    assert.equal(r.stderr, warning);
    r = await run(['slice', 'total', '--statements', '-o', 's-hidden.ipynb', '--trial', '2']);
    assert.equal(
      r.stdout,
      'wrote s-hidden.ipynb: 5 of 6 code cells (1, 2, 3, 4, 6) recompute total, which may differ from trial 2 (see the warning); dropped 5\n',
    );
    assert.equal(r.stderr, warning);
    const header = (JSON.parse(readFileSync(join(dir, 's-hidden.ipynb'), 'utf8')) as { cells: { source: string[] }[] }).cells[0].source.join('');
    assert.equal(
      header,
      "Slice of `hidden.ipynb` (trial 2) recomputing `total`: cells 1, 2, 3, 4, 6 of the original. The value may differ from the trial's: cell 5 did not parse as Python (magics?), so what it changes is unknown. Written by `nbprov slice`.",
    );
    assert.deepEqual(sources(join(dir, 's-hidden.ipynb')), [HIDDEN[0], HIDDEN[1], HIDDEN[2], HIDDEN[3], HIDDEN[5]]);
    await run(['run', 's-hidden.ipynb', '-q']);
    const trial = finalValue(dir, 2, 'total');
    assert.match(trial ?? '', /^\d+\.\d+$/);
    assert.equal(finalValue(dir, 4, 'total'), trial);
  });
});
