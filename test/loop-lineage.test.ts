import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, writeNotebook } from './helpers/cli.js';
import { ancestorNames, depsJson, depsText } from './helpers/deps.js';

// Issue #12, loop lineage: a loop summary depends only on what flows into each name, a re-bound name is no
// mutation, and a chained fit(...).predict(...) does not make the test data an ancestor of the fitted model.
const CELLS = [
  'm0 = 1.0\nscale0 = 2.0',
  'm = m0\nscale = scale0\nfinal = 0',
  'for i in range(10):\n    m = m * 0.9\n    scale = scale * 1.1\n    final = m + 1',
  'result = round(final, 6)  # nbprov: metric:max',
  'from sklearn.linear_model import LinearRegression\nimport numpy as np\nX_train = np.ones((5, 2))\ny_train = np.arange(5.0)\n' +
    'X_test = np.zeros((3, 2))\nreg = LinearRegression()\npred = reg.fit(X_train, y_train).predict(X_test)',
];

describe('loop lineage through a real kernel', () => {
  let peeled: string;
  let full: string;

  before(async () => {
    peeled = project();
    full = project();
    for (const dir of [peeled, full]) {
      writeNotebook(dir, 'loops.ipynb', CELLS);
      const nb = JSON.parse(readFileSync(join(dir, 'loops.ipynb'), 'utf8'));
      nb.cells[0].metadata.tags = ['parameters'];
      writeFileSync(join(dir, 'loops.ipynb'), JSON.stringify(nb));
    }
    const runs = await Promise.all([
      nbprov(['run', 'loops.ipynb', '-q'], { cwd: peeled }),
      nbprov(['run', 'loops.ipynb', '-q', '--capture', 'full'], { cwd: full }),
    ]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    removeProject(peeled);
    removeProject(full);
  });

  test('final is built from m alone, not from scale, which the same loop updates', async () => {
    assert.equal(
      await depsText(peeled, 'final'),
      `final v5 (loop, 10 iterations) = 1.3486784401  cell 3 · line 1
└─ m v4 = 0.7290000000000001  cell 3 · line 2
   └─ m v3 = 0.81  cell 3 · line 2
      └─ m v2 = 0.9  cell 3 · line 2
         └─ m v1 = 1.0  cell 2 · line 1
            └─ m0 v1 = 1.0  cell 1 · line 1
`,
    );
  });

  test('a name re-bound in a loop: its summary is a new version with a data edge, no [mutation]', async () => {
    const doc = await depsJson(peeled, 'scale');
    const label = (id: number) => {
      const n = doc.nodes.find((x) => x.id === id)!;
      return `${n.name} v${n.version} ${n.kind}`;
    };
    assert.deepEqual(
      doc.edges.map((e) => `${label(e.dependent)} <-${e.type}- ${label(e.dependency)}`),
      ['scale v1 assign <-data- scale0 v1 assign', 'scale v2 assign <-data- scale v1 assign', 'scale v3 assign <-data- scale v2 assign', 'scale v4 assign <-data- scale v3 assign', 'scale v5 loop <-data- scale v4 assign'],
    );
  });

  test('past the peel budget, each loop name has the ancestors --capture full records', async () => {
    for (const name of ['final', 'm', 'scale', 'i']) assert.deepEqual(await ancestorNames(peeled, name), await ancestorNames(full, name), name);
    assert.deepEqual(await ancestorNames(peeled, 'final'), ['final', 'm', 'm0']);
  });

  test('diff: "Why" names the parameter final is built from, not the one the same loop also updates', async () => {
    const second = await nbprov(['run', 'loops.ipynb', '-q', '-p', 'm0', '2.0', '-p', 'scale0', '3.0'], { cwd: peeled });
    assert.equal(second.code, 0, second.stderr);
    const diff = await nbprov(['diff', '1', '2'], { cwd: peeled });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /\nWhy\n {2}result got better \(1\.34868 → 1\.69736\)\n {4}param {2}m0 {2}1\.0 → 2\.0\n\n/);
  });

  test('reg.fit(X_train, y_train).predict(X_test): the fitted model is built without X_test, pred with it', async () => {
    assert.deepEqual(await ancestorNames(peeled, 'reg'), ['LinearRegression', 'X_train', 'np', 'reg', 'y_train']);
    assert.deepEqual(await ancestorNames(peeled, 'pred'), ['LinearRegression', 'X_test', 'X_train', 'np', 'pred', 'reg', 'y_train']);
  });
});

// Gallery case K: x is re-bound later in the loop body; only its second binding reads scale, and only b gets it.
describe('loop lineage: a name re-bound later in the body', () => {
  let dir: string;

  before(async () => {
    dir = project();
    writeNotebook(dir, 'rebind.ipynb', [
      'scale = 10',
      'import random\na = []\nb = []\nfor i in range(6):\n    x = random.random()\n    a.append(x)\n    x = i * scale\n' +
        '    b.append(x)\ntotal_a = sum(a)  # nbprov: metric:max',
    ]);
    const nb = JSON.parse(readFileSync(join(dir, 'rebind.ipynb'), 'utf8'));
    nb.cells[0].metadata.tags = ['parameters'];
    writeFileSync(join(dir, 'rebind.ipynb'), JSON.stringify(nb));
    const first = await nbprov(['run', 'rebind.ipynb', '-q'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
  });
  after(() => removeProject(dir));

  test('total_a comes from random (and its state) through the first x; scale reaches b only', async () => {
    assert.deepEqual(await ancestorNames(dir, 'total_a'), ['a', 'random', 'random state', 'total_a', 'x']);
    assert.deepEqual(await ancestorNames(dir, 'b'), ['b', 'i', 'scale', 'x']);
  });

  test('diff after -p scale 20: Why blames no recorded ancestor, not scale', async () => {
    const second = await nbprov(['run', 'rebind.ipynb', '-q', '-p', 'scale', '20'], { cwd: dir });
    assert.equal(second.code, 0, second.stderr);
    const diff = await nbprov(['diff', '1', '2', '--only', 'why'], { cwd: dir });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(
      diff.stdout,
      /\nWhy\n {2}total_a got (better|worse) \([-\d.]+ → [-\d.]+\)\n {4}no recorded ancestor changed \(randomness, the clock or an input nbprov does not see\)\n/,
    );
    assert.doesNotMatch(diff.stdout, /param {2}scale/);
  });
});
