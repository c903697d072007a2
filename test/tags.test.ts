import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';

const read = (dir: string, file = 'wine.ipynb') => readFileSync(join(dir, file), 'utf8');
const stageRows = (dir: string) => {
  const db = openDb(dir);
  try {
    return db
      .prepare(
        `SELECT t.sequence_key AS trial, s.id, s.name, s.tag_name, c.cell_index AS cell, s.variable_name, s.variable_value
         FROM stage_tags s JOIN trial t ON t.id = s.trial_id LEFT JOIN nbprov_cell c ON c.trial_id = s.trial_id AND c.activation_id = s.activation_id
         ORDER BY t.sequence_key, s.id`,
      )
      .all();
  } finally {
    db.close();
  }
};

describe('stage and variable tags: notebook bytes, stage_tags rows, backfill', () => {
  let dir: string;
  let original: string;
  before(async () => {
    dir = project('wine.ipynb');
    original = read(dir);
    const r = await nbprov(['run', 'wine.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => removeProject(dir));

  test('nbprov cells lists index, id, stage and first line', async () => {
    const r = await nbprov(['cells'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^cell\s+id\s+stage\s+first line\n2\s+c2\s+-\s+import numpy as np\n3\s+c3\s+-\s+seed = 7\n/);
  });

  test('a trial records the parameters cell\'s assignments as param tags (papermill convention)', () => {
    assert.deepEqual(stageRows(dir), [
      { trial: 1, id: 1, name: 'n_trees', tag_name: 'param', cell: 3, variable_name: 'n_trees', variable_value: '20' },
      { trial: 1, id: 2, name: 'seed', tag_name: 'param', cell: 3, variable_name: 'seed', variable_value: '7' },
      { trial: 1, id: 3, name: 'test_size', tag_name: 'param', cell: 3, variable_name: 'test_size', variable_value: '0.25' },
      { trial: 1, id: 4, name: 'unused', tag_name: 'param', cell: 3, variable_name: 'unused', variable_value: '123' },
    ]);
  });

  test('tag cell: only the tag changes in the file, and earlier trials are backfilled', async () => {
    const r = await nbprov(['tag', 'cell', '6', 'model-scoring'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'cell 6 tagged model-scoring (and in 1 recorded activation)\n');
    const expected = original.replace(
      '"id": "c6",\n   "metadata": {},',
      '"id": "c6",\n   "metadata": {\n    "tags": [\n     "model-scoring"\n    ]\n   },',
    );
    assert.notEqual(expected, original);
    assert.equal(read(dir), expected);
    const rows = stageRows(dir) as { name: string; tag_name: string; cell: number }[];
    assert.deepEqual(rows.slice(4), [{ trial: 1, id: 5, name: '<ipython-input-5-5a1ffbb33eb1>', tag_name: 'model-scoring', cell: 6, variable_name: null, variable_value: null }]);
  });

  test('tag var: stored in metadata.nbprov, backfilled with the final value; aliases and custom stages work', async () => {
    let r = await nbprov(['tag', 'var', 'accuracy', 'metric:max', 'wine.ipynb'], { cwd: dir });
    assert.equal(r.stdout, 'variable accuracy tagged metric:max (and in 1 recorded trial)\n');
    r = await nbprov(['tag', 'cell', 'c7', 'metrics', '--notebook', 'wine.ipynb'], { cwd: dir });
    assert.equal(r.stdout, 'cell 7 tagged metrics-evaluation (and in 1 recorded activation)\n');
    r = await nbprov(['tag', 'cell', '4', 'data-prep'], { cwd: dir });
    assert.equal(r.stdout, 'cell 4 tagged data-prep (and in 1 recorded activation)\n');
    const nb = JSON.parse(read(dir));
    assert.deepEqual(nb.metadata.nbprov, { stages: ['data-prep'], variables: { accuracy: 'metric:max' } });
    const rows = stageRows(dir) as Record<string, unknown>[];
    assert.deepEqual(rows.slice(5), [
      { trial: 1, id: 6, name: 'accuracy', tag_name: 'metric:max', cell: 7, variable_name: 'accuracy', variable_value: '1.0' },
      { trial: 1, id: 7, name: '<ipython-input-6-e07e6e378ca6>', tag_name: 'metrics-evaluation', cell: 7, variable_name: null, variable_value: null },
      { trial: 1, id: 8, name: '<ipython-input-3-f37159744acd>', tag_name: 'data-prep', cell: 4, variable_name: null, variable_value: null },
    ]);
    r = await nbprov(['tags', '--json'], { cwd: dir });
    assert.deepEqual(JSON.parse(r.stdout), {
      cells: [
        { cell: 4, id: 'c4', stage: 'data-prep', firstLine: 'wine = load_wine(as_frame=True)' },
        { cell: 6, id: 'c6', stage: 'model-scoring', firstLine: 'model = RandomForestClassifier(n_estimators=n_trees, random_state=seed)' },
        { cell: 7, id: 'c7', stage: 'metrics-evaluation', firstLine: 'accuracy = accuracy_score(y_test, pred)' },
      ],
      parameters: { cell: 3, id: 'c3', names: ['seed', 'n_trees', 'test_size', 'unused'], firstLine: 'seed = 7' },
      variables: [{ name: 'accuracy', kind: 'metric:max' }],
    });
  });

  test('a new run records the stages and tags from the notebook; show and list report them', async () => {
    const r = await nbprov(['run', 'wine.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const rows = (stageRows(dir) as { trial: number }[]).filter((row) => row.trial === 2);
    assert.deepEqual(rows, [
      { trial: 2, id: 1, name: '<ipython-input-3-f37159744acd>', tag_name: 'data-prep', cell: 4, variable_name: null, variable_value: null },
      { trial: 2, id: 2, name: '<ipython-input-5-5a1ffbb33eb1>', tag_name: 'model-scoring', cell: 6, variable_name: null, variable_value: null },
      { trial: 2, id: 3, name: '<ipython-input-6-e07e6e378ca6>', tag_name: 'metrics-evaluation', cell: 7, variable_name: null, variable_value: null },
      { trial: 2, id: 4, name: 'accuracy', tag_name: 'metric:max', cell: 7, variable_name: 'accuracy', variable_value: '1.0' },
      { trial: 2, id: 5, name: 'n_trees', tag_name: 'param', cell: 3, variable_name: 'n_trees', variable_value: '20' },
      { trial: 2, id: 6, name: 'seed', tag_name: 'param', cell: 3, variable_name: 'seed', variable_value: '7' },
      { trial: 2, id: 7, name: 'test_size', tag_name: 'param', cell: 3, variable_name: 'test_size', variable_value: '0.25' },
      { trial: 2, id: 8, name: 'unused', tag_name: 'param', cell: 3, variable_name: 'unused', variable_value: '123' },
    ]);
    const show = JSON.parse((await nbprov(['show', 'last', '--json'], { cwd: dir })).stdout);
    assert.deepEqual(show.variables[0], { name: 'accuracy', kind: 'metric:max', value: 1, type: 'numpy.float64', cell: 7, stage: 'metrics-evaluation' });
    assert.deepEqual(show.cells.map((c: { stage: string | null }) => c.stage), [null, null, 'data-prep', null, 'model-scoring', 'metrics-evaluation']);
    const list = JSON.parse((await nbprov(['list', '--json'], { cwd: dir })).stdout);
    assert.deepEqual(list[1].params, { n_trees: 20, seed: 7, test_size: 0.25, unused: 123 });
    assert.deepEqual(list[1].metrics, { accuracy: 1 });
    const text = (await nbprov(['show'], { cwd: dir })).stdout;
    assert.match(text, /\nstages {4}model-scoring: 6 · metrics-evaluation: 7 · data-prep: 4\n/, 'standard stages in pipeline order, then custom ones');
  });

  test('untag removes the tag from the notebook and every trial; untagging everything restores the bytes', async () => {
    for (const args of [['untag', 'cell', '6'], ['untag', 'cell', '7'], ['untag', 'cell', '4'], ['untag', 'var', 'accuracy']]) {
      const r = await nbprov(args, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal(read(dir), original);
    const rows = stageRows(dir) as { tag_name: string }[];
    assert.deepEqual([...new Set(rows.map((r) => r.tag_name))], ['param']);
  });

  test('bad tag input: exit 2 with a clear message, notebook and database untouched', async () => {
    const before = read(dir);
    const rowsBefore = stageRows(dir);
    const cases: [string[], string][] = [
      [['tag', 'cell', '99', 'model'], 'nbprov: cell 99 is out of range: wine.ipynb has 7 cells\n'],
      [['tag', 'cell', 'nope', 'model'], "nbprov: no cell has id 'nope': wine.ipynb has 7 cells\n"],
      [['tag', 'cell', '1', 'model'], 'nbprov: cell 1 is a markdown cell; only code cells have stages\n'],
      [['tag', 'cell', '6', 'Model Scoring!'], "nbprov: stage 'Model Scoring!' may only hold lowercase letters, digits and '-'\n"],
      [['tag', 'cell', '6', 'injected-parameters'], "nbprov: 'injected-parameters' is a reserved cell tag, not a stage\n"],
      [['tag', 'cell', '6', 'parameters'], 'nbprov: cell 3 is already tagged parameters; a notebook has one parameters cell\n'],
      [['untag', 'cell', '6', 'parameters'], 'nbprov: cell 6 is not tagged parameters\n'],
      [['tag', 'var', 'accuracy', 'best'], ''],
      [['tag', 'var', '1x', 'metric'], "nbprov: '1x' is not a Python variable name\n"],
      [['tag', 'var', 'accuracy', 'metric:up'], "nbprov: variable tag 'metric:up' is not param, metric, metric:max, metric:min or a lowercase name\n"],
      [['untag', 'cell', '6'], 'nbprov: cell 6 has no stage\n'],
      [['untag', 'var', 'nothing'], "nbprov: variable 'nothing' has no tag in wine.ipynb\n"],
    ];
    for (const [args, message] of cases) {
      const r = await nbprov(args, { cwd: dir });
      if (message === '') {
        assert.equal(r.code, 0, 'a custom kind is fine');
        await nbprov(['untag', 'var', 'accuracy'], { cwd: dir });
        continue;
      }
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.split('  hint:')[0], message);
    }
    await nbprov(['tag', 'cell', '6', 'model'], { cwd: dir });
    const dup = await nbprov(['tag', 'cell', '6', 'metrics'], { cwd: dir });
    assert.equal(dup.code, 2);
    assert.equal(dup.stderr, "nbprov: cell 6 already has stage 'model-scoring'; a cell has at most one stage\n  hint: run `nbprov untag cell 6` first\n");
    await nbprov(['untag', 'cell', '6'], { cwd: dir });
    assert.equal(read(dir), before);
    assert.deepEqual(stageRows(dir), rowsBefore);
  });
});

describe('papermill-style parameters', () => {
  let dir: string;
  before(() => {
    dir = project('wine.ipynb');
  });
  after(() => removeProject(dir));

  const values = (trial: number) => {
    const db = openDb(dir);
    try {
      const id = (db.prepare('SELECT id FROM trial WHERE sequence_key = ?').get(trial) as { id: string }).id;
      const rows = db.prepare('SELECT name, type, value FROM nbprov_value WHERE trial_id = ? AND name IN (\'n_trees\', \'test_size\', \'seed\', \'run_name\', \'extra\') ORDER BY evaluation_id').all(id) as { name: string; type: string; value: string }[];
      const params = (db.prepare('SELECT parameters FROM nbprov_trial WHERE trial_id = ?').get(id) as { parameters: string | null }).parameters;
      return { rows, params: params && JSON.parse(params) };
    } finally {
      db.close();
    }
  };

  test('-p takes the type of the default; -r keeps a string; the injected cell follows the parameters cell', async () => {
    const r = await nbprov(['run', 'wine.ipynb', '-p', 'n_trees', '5', '-p', 'test_size', '.5', '-r', 'run_name', '42', '-o', 'out.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "nbprov: warning: parameter 'run_name' is not assigned in the parameters cell (cell 3)\n");
    const { rows, params } = values(1);
    assert.deepEqual(params, { n_trees: 5, test_size: 0.5, run_name: '42' });
    assert.deepEqual(rows, [
      { name: 'seed', type: 'int', value: '7' },
      { name: 'n_trees', type: 'int', value: '20' },
      { name: 'test_size', type: 'float', value: '0.25' },
      { name: 'n_trees', type: 'int', value: '5' },
      { name: 'test_size', type: 'float', value: '0.5' },
      { name: 'run_name', type: 'str', value: '"42"' },
    ]);
    const out = JSON.parse(read(dir, 'out.ipynb'));
    assert.deepEqual(out.cells[3].metadata.tags, ['injected-parameters']);
    assert.deepEqual(out.cells[3].source, ['# Parameters\n', 'n_trees = 5\n', 'test_size = 0.5\n', 'run_name = "42"\n']);
    assert.deepEqual(out.cells[2].source, ['seed = 7\n', 'n_trees = 20\n', 'test_size = 0.25\n', 'unused = 123'], 'defaults kept');
    const list = JSON.parse((await nbprov(['list', '--json'], { cwd: dir })).stdout);
    assert.deepEqual(list[0].params, { n_trees: 5, run_name: '42', seed: 7, test_size: 0.5, unused: 123 }, 'injected names are params too');
  });

  test("the injected cell is flagged by its tag, not its first line: a notebook's own '# Parameters' cell is not", async () => {
    const own = project();
    writeNotebook(own, 'own.ipynb', ['# Parameters\nfrom_notebook = 1', 'n = 2']);
    const json = JSON.parse(read(own, 'own.ipynb'));
    json.cells[1].metadata.tags = ['parameters'];
    writeFileSync(join(own, 'own.ipynb'), JSON.stringify(json));
    const r = await nbprov(['run', 'own.ipynb', '-p', 'n', '3', '-q'], { cwd: own });
    assert.equal(r.code, 0, r.stderr);
    const db = openDb(own);
    try {
      const cells = db.prepare('SELECT cell_index AS cell, first_line AS line, injected FROM nbprov_cell ORDER BY cell_index').all();
      assert.deepEqual(cells, [
        { cell: 1, line: '# Parameters', injected: 0 },
        { cell: 2, line: 'n = 2', injected: 0 },
        { cell: 3, line: '# Parameters', injected: 1 },
      ]);
    } finally {
      db.close();
      removeProject(own);
    }
  });

  test('-f reads YAML and JSON files', async () => {
    writeFileSync(join(dir, 'params.yaml'), 'n_trees: 7\ntest_size: 0.5\n');
    let r = await nbprov(['run', 'wine.ipynb', '-f', 'params.yaml', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(values(2).params, { n_trees: 7, test_size: 0.5 });
    writeFileSync(join(dir, 'params.json'), '{"seed": 3}');
    r = await nbprov(['run', 'wine.ipynb', '-f', 'params.json', '-p', 'n_trees', '9', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(values(3).params, { seed: 3, n_trees: 9 });
  });

  test('bad parameters: exit 2, nothing run, no trial written', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'n_trees: [1, 2\n');
    writeFileSync(join(dir, 'list.json'), '[1, 2]');
    const cases: [string[], RegExp][] = [
      [['-p', 'n_trees', 'many'], /^nbprov: -p n_trees: expected an int like the default 20, got 'many'\n {2}hint: use -r n_trees VALUE to pass a string instead\n$/],
      [['-p', 'test_size', 'x'], /^nbprov: -p test_size: expected a float like the default 0\.25, got 'x'\n/],
      [['-p', 'bogus', '1', '--strict'], /^nbprov: parameter 'bogus' is not assigned in the parameters cell \(cell 3\)\n {2}hint: known parameters: seed, n_trees, test_size, unused\n$/],
      [['-p', 'n_trees'], /^nbprov: -p 'n_trees' needs a name and a value: -p NAME VALUE\n$/],
      [['-p', '1x', '2'], /^nbprov: parameter name '1x' is not a Python identifier\n$/],
      [['-f', 'bad.yaml'], /^nbprov: parameters file bad\.yaml is not valid YAML: /],
      [['-f', 'list.json'], /^nbprov: parameters file list\.json must hold a mapping of names to values\n$/],
      [['-f', 'missing.yaml'], /^nbprov: cannot read parameters file missing\.yaml: ENOENT\n$/],
    ];
    for (const [args, message] of cases) {
      const r = await nbprov(['run', 'wine.ipynb', ...args], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    assert.equal(JSON.parse((await nbprov(['list', '--json'], { cwd: dir })).stdout).length, 3);
  });

  test('a notebook without a parameters cell gets the injected cell first, with a warning (--strict: exit 2)', async () => {
    const plain = project('fails.ipynb');
    try {
      let r = await nbprov(['run', 'fails.ipynb', '-p', 'w', '5', '--allow-errors', '-o', 'out.ipynb', '-q'], { cwd: plain });
      assert.equal(r.code, 0);
      assert.equal(r.stderr, "nbprov: warning: fails.ipynb has no cell tagged 'parameters'; the parameters are injected as the first cell\nnbprov: warning: parameter 'w' is not assigned anywhere in fails.ipynb\n");
      const out = JSON.parse(read(plain, 'out.ipynb'));
      assert.deepEqual(out.cells[0].source, ['# Parameters\n', 'w = 5\n']);
      r = await nbprov(['run', 'fails.ipynb', '-p', 'w', '5', '--strict'], { cwd: plain });
      assert.equal(r.code, 2);
    } finally {
      removeProject(plain);
    }
  });

  test('inline `# nbprov: KIND` comments tag variables; a tagged variable never assigned warns', async () => {
    const inline = project();
    try {
      writeNotebook(inline, 'inline.ipynb', ['x = 1  # nbprov: param', 'score = x * 2  # nbprov: metric:max\nscore', 'unused = 0'], { nbprov: { variables: { ghost: 'metric' } } });
      // A cell no whole run executes does not keep the warning from a complete run.
      const nb = JSON.parse(readFileSync(join(inline, 'inline.ipynb'), 'utf8'));
      nb.cells[2].metadata.tags = ['skip-execution'];
      writeFileSync(join(inline, 'inline.ipynb'), JSON.stringify(nb));
      const r = await nbprov(['run', 'inline.ipynb', '-q'], { cwd: inline });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'nbprov: warning: tagged variable never assigned in this run: ghost\n');
      const db = openDb(inline);
      assert.deepEqual(db.prepare('SELECT variable_name, tag_name, variable_value FROM stage_tags ORDER BY id').all(), [
        { variable_name: 'x', tag_name: 'param', variable_value: '1' },
        { variable_name: 'score', tag_name: 'metric:max', variable_value: '2' },
      ]);
      db.close();
    } finally {
      removeProject(inline);
    }
  });
});

describe('tagging a notebook that cannot be written', () => {
  test('a read-only file system: exit 2 saying so, the file unchanged', async (t) => {
    const { spawnSync } = await import('node:child_process');
    const { mkdirSync } = await import('node:fs');
    const dir = project();
    const mnt = join(dir, 'ro');
    mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status !== 0) {
      removeProject(dir);
      return t.skip('cannot mount a tmpfs here (needs root): read-only notebook NOT checked');
    }
    try {
      writeNotebook(mnt, 'nb.ipynb', ['x = 1']);
      const before = readFileSync(join(mnt, 'nb.ipynb'));
      assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
      const r = await nbprov(['tag', 'cell', '1', 'model'], { cwd: mnt });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `nbprov: cannot write nb.ipynb: EROFS\n  hint: check the file and directory permissions\n`);
      assert.deepEqual(readFileSync(join(mnt, 'nb.ipynb')), before);
    } finally {
      spawnSync('umount', ['-l', mnt]);
      removeProject(dir);
    }
  });
});
