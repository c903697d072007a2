import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, whenExists, query } from './helpers/cli.js';

/** A notebook of code cells c1, c2, ... (`tags`: cell number → its tags), written with nbformat's one-space indent. */
function writeCells(dir: string, name: string, sources: string[], tags: Record<number, string[]> = {}): string {
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${i + 1}`, metadata: tags[i + 1] ? { tags: tags[i + 1] } : {}, outputs: [], source }));
  const text = JSON.stringify({ cells, metadata: { kernelspec: { display_name: 'Python 3', name: 'python3' } }, nbformat: 4, nbformat_minor: 5 }, null, 1) + '\n';
  writeFileSync(join(dir, name), text);
  return text;
}

const lastValue = (dir: string, trial: number, name: string) =>
  query<{ type: string; value: string }>(
    dir,
    `SELECT v.type, v.value FROM nbprov_value v JOIN trial t ON t.id = v.trial_id WHERE t.sequence_key = ? AND v.name = ? ORDER BY v.evaluation_id DESC LIMIT 1`,
    trial, name,
  )[0];

const paramTags = (dir: string, trial: number) =>
  query<{ name: string; value: string }>(
    dir,
    `SELECT s.variable_name AS name, s.variable_value AS value FROM stage_tags s JOIN trial t ON t.id = s.trial_id
     WHERE t.sequence_key = ? AND s.tag_name = 'param' ORDER BY s.variable_name`,
    trial,
  );

describe('-p on a notebook without a parameters cell: refused when the notebook overwrites it, --inject-after, tag cell N parameters', () => {
  let dir: string;
  let original: string;
  before(() => {
    dir = project();
    original = writeCells(dir, 'seeded.ipynb', ['%time import math', 'seed = 7\nscale = 2', 'result = seed * scale']);
  });
  after(() => removeProject(dir));

  test('a value the notebook reassigns before reading it: exit 2 naming the cell, nothing started or written', async () => {
    const r = await nbprov(['run', 'seeded.ipynb', '-p', 'seed', '3'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      'nbprov: -p seed would be ignored: cell 2 assigns seed before any cell reads it (line 1: seed = 7)\n' +
        '  hint: tag the cell that sets the defaults: `nbprov tag cell 2 parameters` (values are injected after it), or run with --inject-after 2\n',
    );
    assert.equal(r.stdout, '');
    assert.equal(existsSync(join(dir, '.noworkflow')), false, 'no database, no directory');
  });

  test('--inject-after 2: the value takes effect, typed like the default in cell 2', async () => {
    const r = await nbprov(['run', 'seeded.ipynb', '-p', 'seed', '3', '--inject-after', '2', '-o', 'out.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(lastValue(dir, 1, 'result'), { type: 'int', value: '6' });
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
    assert.deepEqual(out.cells.map((c: { source: string[] }) => c.source.join('')), ['%time import math', 'seed = 7\nscale = 2', '# Parameters\nseed = 3\n', 'result = seed * scale']);
    assert.deepEqual(paramTags(dir, 1), [{ name: 'seed', value: '3' }], 'the injected name is a param');
  });

  test('--inject-after a cell that does not exist, or without -p: exit 2', async () => {
    const r = await nbprov(['run', 'seeded.ipynb', '-p', 'seed', '3', '--inject-after', '9'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'nbprov: --inject-after 9: cell 9 is out of range: seeded.ipynb has 3 cells\n  hint: see `nbprov cells seeded.ipynb`\n');
    const alone = await nbprov(['run', 'seeded.ipynb', '--inject-after', '2'], { cwd: dir });
    assert.equal(alone.code, 2);
    assert.equal(alone.stderr, 'nbprov: --inject-after places the -p values: pass some with -p, -r or -f\n');
  });

  test('tag cell 2 parameters: only the tag changes in the file; recorded trials get param tags; tagging again is a no-op', async () => {
    let r = await nbprov(['tag', 'cell', '2', 'parameters', 'seeded.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'cell 2 tagged parameters (and in 1 recorded trial)\n');
    const tagged = original.replace('"id": "c2",\n   "metadata": {},', '"id": "c2",\n   "metadata": {\n    "tags": [\n     "parameters"\n    ]\n   },');
    assert.notEqual(tagged, original);
    assert.equal(readFileSync(join(dir, 'seeded.ipynb'), 'utf8'), tagged);
    assert.deepEqual(paramTags(dir, 1), [{ name: 'scale', value: '2' }, { name: 'seed', value: '3' }]);
    r = await nbprov(['tag', 'cell', 'c2', 'parameters', '--notebook', 'seeded.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'cell 2 already tagged parameters\n');
    assert.equal(readFileSync(join(dir, 'seeded.ipynb'), 'utf8'), tagged);
    r = await nbprov(['tags', 'seeded.ipynb'], { cwd: dir });
    assert.equal(r.stdout.split('\n')[0], 'parameters cell 2: seed, scale');
  });

  test('with the parameters tag, -p seed takes effect without --inject-after, and no warning', async () => {
    const r = await nbprov(['run', 'seeded.ipynb', '-p', 'seed', '4', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(lastValue(dir, 2, 'result'), { type: 'int', value: '8' });
    assert.deepEqual(paramTags(dir, 2), [{ name: 'scale', value: '2' }, { name: 'seed', value: '4' }]);
  });

  test('untag cell 2 parameters restores the bytes and removes the param tags the cell gave (not the injected ones)', async () => {
    const r = await nbprov(['untag', 'cell', '2', 'parameters', 'seeded.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'cell 2: tag parameters removed (and 2 param tags from recorded trials)\n');
    assert.equal(readFileSync(join(dir, 'seeded.ipynb'), 'utf8'), original);
    assert.deepEqual(paramTags(dir, 1), [{ name: 'seed', value: '3' }]);
    assert.deepEqual(paramTags(dir, 2), [{ name: 'seed', value: '4' }]);
  });
});

describe('-p typed like the default: tuples, lists, dicts, None, bool, strings that look like numbers', () => {
  let dir: string;
  const defaults = [
    'import numpy as np\nimport pandas as pd',
    [
      'a = 1',
      'b = a * 2',
      'n_samples, n_features = 200, 50',
      'n_clusters = (2, 2)',
      'names = ["x"]',
      'cfg = {"lr": 0.1}',
      'flag = None',
      'ok = False',
      'label = "3"',
      'dims = (1, 1)',
      'run_name = "base"',
      'X = np.zeros((50, 3))',
      'frame = pd.DataFrame({"v": [1, 2]})',
      'big = list(range(30))',
    ].join('\n'),
    'out = (a, b, n_samples, n_features, n_clusters, names, cfg, flag, ok, label, dims, run_name)\nprint(repr(out))',
    'threshold = 0.5\nprint(threshold)',
  ];
  before(() => {
    dir = project();
    writeCells(dir, 'typed.ipynb', defaults, { 2: ['parameters'] });
  });
  after(() => removeProject(dir));

  test('the injected cell holds Python literals of the defaults\' types; the defaults cell computing with `a` is warned about', async () => {
    writeFileSync(join(dir, 'more.yaml'), 'dims: [4, 4]\nrun_name: 5\n');
    const r = await nbprov(
      [
        'run', 'typed.ipynb', '-f', 'more.yaml', '-p', 'a', '5', '-p', 'n_clusters', '(3, 3)', '-p', 'names', '["y", "z"]', '-p', 'cfg', '{"lr": 0.5, "warm": true}',
        '-p', 'flag', '3', '-p', 'ok', 'true', '-p', 'label', '4', '-p', 'n_features', '10', '-o', 'out.ipynb', '-q',
      ],
      { cwd: dir },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'nbprov: warning: -p a: cell 2 computes with a after assigning it (line 2: b = a * 2); that computation uses the default, not the injected value\n');
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
    assert.deepEqual(out.cells[2].metadata.tags, ['injected-parameters']);
    assert.equal(
      out.cells[2].source.join(''),
      '# Parameters\ndims = (4, 4)\nrun_name = "5"\na = 5\nn_clusters = (3, 3)\nnames = ["y", "z"]\ncfg = {"lr": 0.5, "warm": True}\nflag = 3\nok = True\nlabel = "4"\nn_features = 10\n',
    );
    assert.deepEqual(out.cells[3].outputs[0].text, ["(5, 2, 200, 10, (3, 3), ['y', 'z'], {'lr': 0.5, 'warm': True}, 3, True, '4', (4, 4), '5')\n"]);
    assert.equal(lastValue(dir, 1, 'n_clusters').type, 'tuple');
    assert.deepEqual(lastValue(dir, 1, 'label'), { type: 'str', value: '"4"' });
    const params = query<{ parameters: string }>(dir, 'SELECT parameters FROM nbprov_trial')[0].parameters;
    assert.deepEqual(JSON.parse(params), {
      dims: [4, 4], run_name: '5', a: 5, n_clusters: [3, 3], names: ['y', 'z'], cfg: { lr: 0.5, warm: true }, flag: 3, ok: true, label: '4', n_features: 10,
    });
  });

  test('auto-tagging the parameters cell: scalars, strings and small containers are params; arrays, frames and long lists are not', () => {
    assert.deepEqual(
      paramTags(dir, 1).map((t) => t.name),
      ['a', 'b', 'cfg', 'dims', 'flag', 'label', 'n_clusters', 'n_features', 'n_samples', 'names', 'ok', 'run_name'],
    );
  });

  test('a value that cannot be the default\'s type, or that a later cell overwrites: exit 2, no trial written', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'n_clusters: 3\n');
    writeFileSync(join(dir, 'bad.json'), '{"cfg": "lr=0.5"}');
    const cases: [string[], string][] = [
      [['-p', 'n_clusters', '3x3'], 'nbprov: -p n_clusters: expected a tuple like the default (2, 2), got \'3x3\'\n  hint: write a Python literal, e.g. -p n_clusters "(2, 2)"\n'],
      [['-p', 'ok', 'maybe'], "nbprov: -p ok: expected a bool like the default False, got 'maybe'\n  hint: use -r ok VALUE to pass a string instead\n"],
      [['-p', 'cfg', '[1]'], 'nbprov: -p cfg: expected a dict like the default {"lr": 0.1}, got \'[1]\'\n  hint: write a Python literal, e.g. -p cfg "{\'lr\': 0.1}"\n'],
      [['-p', 'n_samples', 'all'], "nbprov: -p n_samples: expected an int like the default 200, got 'all'\n  hint: use -r n_samples VALUE to pass a string instead\n"],
      [['-f', 'bad.yaml'], 'nbprov: -f bad.yaml: n_clusters: expected a tuple like the default (2, 2), got 3\n  hint: in bad.yaml, write a tuple as a list, e.g. n_clusters: [2, 2]\n'],
      [['-f', 'bad.json'], 'nbprov: -f bad.json: cfg: expected a dict like the default {"lr": 0.1}, got "lr=0.5"\n  hint: in bad.json, write a dict as a mapping, e.g. cfg: {"lr": 0.1}\n'],
      [
        ['-p', 'threshold', '0.9'],
        'nbprov: -p threshold would be ignored: cell 4 assigns threshold before any cell reads it (line 1: threshold = 0.5)\n' +
          '  hint: move that assignment into the parameters cell (cell 2)\n',
      ],
    ];
    for (const [args, message] of cases) {
      const r = await nbprov(['run', 'typed.ipynb', ...args], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr, message, args.join(' '));
    }
    assert.deepEqual(query(dir, 'SELECT COUNT(*) AS n FROM trial'), [{ n: 1 }]);
  });
});

describe('-p refused when the value would never be read: the defaults cell reads it back, a for-loop target; statements quoted whole', () => {
  let dir: string;
  before(() => {
    dir = project();
    writeCells(dir, 'noise.ipynb', ['noise = 0.1\nresult = noise * 10']);
    writeCells(dir, 'loop.ipynb', ['for k in range(3):\n    pass\nres = k']);
    writeCells(dir, 'body.ipynb', ['alphas = [0.1, 1.0]', 'for alpha in alphas:\n    print(alpha)']);
    writeCells(dir, 'tagged.ipynb', ['a = 1\nb = a * 2', 'print(b)'], { 1: ['parameters'] });
    writeCells(dir, 'quoted.ipynb', [
      'import math\nestimator = dict(\n    depth=3,  # the tree\n    n=2,\n)\nprint(estimator)',
      'n_estimators = math.floor(estimator_count_for_the_gallery_example_with_long_names * 2)\nprint(n_estimators)',
    ]);
  });
  after(() => removeProject(dir));

  const refused = async (args: string[], stderr: string) => {
    const r = await nbprov(['run', ...args], { cwd: dir });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, stderr);
    assert.equal(r.stdout, '');
  };

  test('a cell that reads the name after assigning it: the hint is to split it, never --inject-after it', async () => {
    const split = 'put the statement at line 1 (noise = 0.1) in a cell of its own and tag that cell: `nbprov tag cell 1 parameters`';
    await refused(
      ['noise.ipynb', '-p', 'noise', '0.5'],
      'nbprov: -p noise would be ignored: cell 1 assigns noise before any cell reads it (line 1: noise = 0.1)\n' +
        `  hint: cell 1 also computes with noise after assigning it (line 2: result = noise * 10), so split it: ${split}\n`,
    );
    await refused(
      ['noise.ipynb', '-p', 'noise', '0.5', '--inject-after', '1'],
      'nbprov: -p noise would be ignored: cell 1 computes with noise after assigning it (line 2: result = noise * 10), and no later cell reads noise\n' +
        `  hint: split cell 1: ${split}\n`,
    );
    await refused(
      ['tagged.ipynb', '-p', 'a', '5'],
      'nbprov: -p a would be ignored: cell 1 computes with a after assigning it (line 2: b = a * 2), and no later cell reads a\n' +
        '  hint: split cell 1: move the code from line 2 (b = a * 2) to a new cell after it, so that it computes with the injected value\n',
    );
    assert.equal(existsSync(join(dir, '.noworkflow')), false, 'nothing started');
  });

  test('a for-loop target is refused like an assignment; when the loop body reads it, the hint is to set what it loops over', async () => {
    await refused(
      ['loop.ipynb', '-p', 'k', '0.01'],
      'nbprov: -p k would be ignored: cell 1 assigns k before any cell reads it (line 1: for k in range(3):)\n' +
        '  hint: cell 1 also computes with k after assigning it (line 3: res = k), so split it: put the statement at line 1 (for k in range(3):) in a cell of its own and tag that cell: `nbprov tag cell 1 parameters`\n',
    );
    const hint =
      '  hint: the loop at line 1 of cell 2 (for alpha in alphas:) sets alpha for its own body, where no injected value reaches: make a parameter of the values it loops over instead\n';
    await refused(['body.ipynb', '-p', 'alpha', '0.5'], `nbprov: -p alpha would be ignored: cell 2 assigns alpha before any cell reads it (line 1: for alpha in alphas:)\n${hint}`);
    await refused(
      ['body.ipynb', '-p', 'alpha', '0.5', '--inject-after', '2'],
      `nbprov: -p alpha would be ignored: cell 2 computes with alpha after assigning it (line 2: print(alpha)), and no later cell reads alpha\n${hint}`,
    );
  });

  test('a statement over several lines is quoted whole without its comments; a long one is cut between words', async () => {
    await refused(
      ['quoted.ipynb', '-p', 'estimator', '{}', '-p', 'n_estimators', '5'],
      'nbprov: -p estimator would be ignored: cell 1 assigns estimator before any cell reads it (line 2: estimator = dict(depth=3, n=2,))\n' +
        '  hint: cell 1 also computes with estimator after assigning it (line 6: print(estimator)), so split it: put the statement at line 2 (estimator = dict(depth=3, n=2,)) in a cell of its own and tag that cell: `nbprov tag cell 2 parameters`\n',
    );
    await refused(
      ['quoted.ipynb', '-p', 'n_estimators', '5'],
      'nbprov: -p n_estimators would be ignored: cell 2 assigns n_estimators before any cell reads it (line 1: n_estimators = math.floor(…)\n' +
        '  hint: cell 2 also computes with n_estimators after assigning it (line 2: print(n_estimators)), so split it: put the statement at line 1 (n_estimators = math.floor(…) in a cell of its own and tag that cell: `nbprov tag cell 2 parameters`\n',
    );
  });

  test('after the split the hint asks for, the tag command it gives makes -p take effect', async () => {
    writeCells(dir, 'noise.ipynb', ['noise = 0.1', 'result = noise * 10']);
    const tag = await nbprov(['tag', 'cell', '1', 'parameters', 'noise.ipynb'], { cwd: dir });
    assert.equal(tag.code, 0, tag.stderr);
    const r = await nbprov(['run', 'noise.ipynb', '-p', 'noise', '0.5', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(lastValue(dir, 1, 'result'), { type: 'float', value: '5.0' });
    assert.deepEqual(paramTags(dir, 1), [{ name: 'noise', value: '0.5' }]);
  });
});

describe('-p numbers keep the type they are written in for a number default (sklearn reads 100 and 100.0 differently)', () => {
  let dir: string;
  before(() => {
    dir = project();
    // the function's own `test_size` parameter is not a read of the global: no warning about the defaults cell
    writeCells(dir, 'split.ipynb', ['max_features = 10\ntest_size = 0.25\ndef held_out(n, test_size):\n    return n * test_size', 'print(repr(max_features), repr(test_size))'], { 1: ['parameters'] });
  });
  after(() => removeProject(dir));

  const printed = () => JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')).cells[2].outputs[0].text.join('');

  test('-p max_features 0.5 is a float and -p test_size 100 an int; no warning', async () => {
    const r = await nbprov(['run', 'split.ipynb', '-p', 'max_features', '0.5', '-p', 'test_size', '100', '-o', 'out.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(printed(), '0.5 100\n');
    assert.deepEqual(JSON.parse(query<{ parameters: string }>(dir, 'SELECT parameters FROM nbprov_trial')[0].parameters), { max_features: 0.5, test_size: 100 });
  });

  test('-f: a number is typed as the file writes it, 100.0 and 1e1 floats too', async () => {
    writeFileSync(join(dir, 'p.json'), '{"max_features": 1e1, "test_size": 100.0}\n');
    writeFileSync(join(dir, 'p.yaml'), 'max_features: 0.5\ntest_size: 100\n');
    for (const [file, out] of [['p.json', '10.0 100.0\n'], ['p.yaml', '0.5 100\n']]) {
      const r = await nbprov(['run', 'split.ipynb', '-f', file, '-o', 'out.ipynb', '-q'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      assert.equal(printed(), out, file);
    }
  });
});

describe('tags reach trials recorded or running when they are added', () => {
  let dir: string;
  before(() => {
    dir = project();
  });
  after(() => removeProject(dir));

  const stageRows = (trial: number) =>
    query<{ cell: number; tag: string }>(
      dir,
      `SELECT c.cell_index AS cell, s.tag_name AS tag FROM stage_tags s JOIN trial t ON t.id = s.trial_id
       JOIN nbprov_cell c ON c.trial_id = s.trial_id AND c.activation_id = s.activation_id
       WHERE t.sequence_key = ? AND s.variable_name IS NULL ORDER BY c.cell_index`,
      trial,
    );
  const varRows = (trial: number) =>
    query<{ name: string; tag: string; value: string }>(
      dir,
      `SELECT s.variable_name AS name, s.tag_name AS tag, s.variable_value AS value FROM stage_tags s JOIN trial t ON t.id = s.trial_id
       WHERE t.sequence_key = ? AND s.variable_name IS NOT NULL ORDER BY s.variable_name`,
      trial,
    );

  test('tagging while a run is in progress: the trial has the stage and the variable tag when it finishes', async () => {
    writeCells(dir, 'slow.ipynb', [
      'x = 1',
      "import os, time\nopen('running', 'w').close()\nwhile not os.path.exists('go'):\n    time.sleep(0.05)",
      'y = x + 1',
    ]);
    const tagged: Promise<string[]> = new Promise((resolve) => {
      whenExists(join(dir, 'running'), () => {
        void (async () => {
          const outputs: string[] = [];
          for (const args of [['tag', 'cell', '1', 'data'], ['tag', 'cell', '3', 'model'], ['tag', 'var', 'y', 'metric']]) {
            const r = await nbprov(args, { cwd: dir });
            outputs.push(r.stdout + r.stderr);
          }
          writeFileSync(join(dir, 'go'), '');
          resolve(outputs);
        })();
      });
    });
    const r = await nbprov(['run', 'slow.ipynb', '-q'], { cwd: dir, killAfterMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await tagged, [
      'cell 1 tagged data-reading (and in 1 recorded activation)\n',
      'cell 3 tagged model-scoring\n',
      'variable y tagged metric\n',
    ]);
    assert.deepEqual(stageRows(1), [{ cell: 1, tag: 'data-reading' }, { cell: 3, tag: 'model-scoring' }]);
    assert.deepEqual(varRows(1), [{ name: 'y', tag: 'metric', value: '2' }]);
  });

  test('`already tagged` still backfills a trial recorded since without the tag, once', async () => {
    const path = join(dir, 'slow.ipynb');
    const tagged = readFileSync(path, 'utf8');
    // a trial of the same code recorded from a copy of the notebook without the tags (another checkout, an old save)
    writeCells(dir, 'slow.ipynb', ['x = 1', "import os\nopen('running', 'w').close()", 'y = x + 1']);
    const r = await nbprov(['run', 'slow.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(stageRows(2), []);
    assert.deepEqual(varRows(2), []);
    writeFileSync(path, tagged);
    const again = async (args: string[]) => {
      const t = await nbprov(args, { cwd: dir });
      assert.equal(t.code, 0, t.stderr);
      return t.stdout;
    };
    assert.equal(await again(['tag', 'cell', '1', 'data']), 'cell 1 already tagged data-reading (and in 1 recorded activation)\n');
    assert.equal(await again(['tag', 'var', 'y', 'metric']), 'variable y already tagged metric (and in 1 recorded trial)\n');
    assert.equal(await again(['tag', 'cell', '1', 'data']), 'cell 1 already tagged data-reading\n');
    assert.equal(await again(['tag', 'var', 'y', 'metric']), 'variable y already tagged metric\n');
    assert.equal(readFileSync(path, 'utf8'), tagged, 'the file is left alone');
    assert.deepEqual(stageRows(2), [{ cell: 1, tag: 'data-reading' }]);
    assert.deepEqual(varRows(2), [{ name: 'y', tag: 'metric', value: '2' }]);
  });
});
