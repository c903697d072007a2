import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';
import { ancestorNames, depsJson, depsText } from './helpers/deps.js';

// Issue #17, part 1: each module's random state is versioned (`numpy.random state`, `random state`); a seeding call
// makes a new version from the seed, a draw depends on the latest version and makes the next one, and a generator
// held in a variable is that variable. So the seed is in the lineage of every value drawn after it.
const CELLS = [
  'rs = 7\nn = 10\nimport random\nrandom.seed(42)',
  'import numpy as np\nnp.random.seed(rs)',
  'noise = np.random.normal(size=3)\nfor i in range(n):\n    x = np.random.rand()\nscale = 2.0',
  'after = np.random.rand() * scale\nmetric = float(after)  # nbprov: metric:max',
  'data = list(range(10))\nrandom.shuffle(data)\ntrain = data[:5]\npick = random.choice(train)',
  'rng = np.random.default_rng(rs)\nfirst = rng.normal()\nsecond = rng.integers(100)',
  'def jitter(k):\n    return np.random.uniform(size=k)\nj = jitter(4)',
];

function withParameters(dir: string, name: string, cells: string[]): void {
  writeNotebook(dir, name, cells);
  const nb = JSON.parse(readFileSync(join(dir, name), 'utf8'));
  nb.cells[0].metadata.tags = ['parameters'];
  writeFileSync(join(dir, name), JSON.stringify(nb));
}

describe('random state lineage through a real kernel', () => {
  let peeled: string;
  let full: string;

  before(async () => {
    peeled = project();
    full = project();
    for (const dir of [peeled, full]) withParameters(dir, 'rng.ipynb', CELLS);
    const runs = await Promise.all([
      nbprov(['run', 'rng.ipynb', '-q'], { cwd: peeled }),
      nbprov(['run', 'rng.ipynb', '-q', '--capture', 'full'], { cwd: full }),
    ]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    removeProject(peeled);
    removeProject(full);
  });

  test('a draw after a seed: the seed and its parameter are in the lineage, the state reads as such', async () => {
    assert.deepEqual(await ancestorNames(peeled, 'metric'), ['after', 'metric', 'n', 'np', 'numpy.random state', 'rs', 'scale']);
    const text = await depsText(peeled, 'after', '--depth', '2');
    assert.match(text, /^after v1 = [\d.e-]+ {2}cell 4 · line 1\n/);
    assert.match(text, /\n├─ numpy\.random state v6 \(loop, 10 iterations\) {2}cell 3 · line 2\n/);
    const doc = await depsJson(peeled, 'metric');
    const states = doc.nodes.filter((n) => n.name === 'numpy.random state');
    assert.deepEqual(states.map((n) => `v${n.version} ${n.kind}`), ['v1 seed', 'v2 draw', 'v3 draw', 'v4 draw', 'v5 draw', 'v6 loop']);
    assert.ok(states.every((n) => n.type === 'random state'));
    const seed = states.find((n) => n.kind === 'seed')!;
    const from = doc.edges.filter((e) => e.dependent === seed.id).map((e) => doc.nodes.find((n) => n.id === e.dependency)!.name);
    assert.deepEqual(from, ['rs']);
  });

  test('each module has its own state: the stdlib seed reaches the shuffled data, not numpy\'s values', async () => {
    assert.deepEqual(await ancestorNames(peeled, 'train'), ['data', 'random state', 'train']);
    assert.deepEqual(await ancestorNames(peeled, 'pick'), ['data', 'pick', 'random', 'random state', 'train']);
    assert.ok(!(await ancestorNames(peeled, 'noise')).includes('random state'));
    assert.deepEqual(await ancestorNames(peeled, 'noise'), ['noise', 'np', 'numpy.random state', 'rs']);
  });

  test('a generator in a variable: its draws are versions of it, each draw reading the one before', async () => {
    assert.deepEqual(await ancestorNames(peeled, 'second'), ['np', 'rng', 'rs', 'second']);
    const doc = await depsJson(peeled, 'second');
    assert.deepEqual(doc.nodes.filter((n) => n.name === 'rng').map((n) => `v${n.version} ${n.kind}`), ['v1 assign', 'v2 draw']);
    assert.deepEqual(await ancestorNames(peeled, 'first'), ['first', 'np', 'rng', 'rs']);
  });

  test('a notebook function that draws: its result depends on the state', async () => {
    assert.deepEqual(await ancestorNames(peeled, 'j'), ['j', 'jitter', 'n', 'np', 'numpy.random state', 'rs']);
  });

  test('past the peel budget, the draws have the ancestors --capture full records', async () => {
    for (const name of ['x', 'after', 'metric', 'noise', 'train', 'second']) {
      assert.deepEqual(await ancestorNames(peeled, name), await ancestorNames(full, name), name);
    }
  });

  test('the state is no user variable: no param, no tag, no compare column, not a deps argument', async () => {
    const tags = await nbprov(['list', '--json'], { cwd: peeled });
    assert.equal(tags.code, 0, tags.stderr);
    assert.doesNotMatch(tags.stdout, /state/);
    const db = openDb(peeled);
    try {
      const tagged = db.prepare("SELECT variable_name FROM stage_tags WHERE variable_name LIKE '% state'").all();
      assert.deepEqual(tagged, []);
      // noWorkflow's tables carry the edges: a drawn value depends on the state (`dependency`), a state on the seed
      const types = db
        .prepare(
          `SELECT DISTINCT c.name, d.type FROM dependency d JOIN evaluation b ON b.trial_id = d.trial_id AND b.id = d.dependency_id
           JOIN code_component c ON c.trial_id = b.trial_id AND c.id = b.code_component_id
           WHERE c.name IN ('numpy.random state', 'rs') AND d.type IN ('dependency', 'bound') ORDER BY 1, 2`,
        )
        .all();
      assert.deepEqual(types, [
        { name: 'numpy.random state', type: 'bound' },
        { name: 'numpy.random state', type: 'dependency' },
        { name: 'rs', type: 'dependency' },
      ]);
    } finally {
      db.close();
    }
    const r = await nbprov(['deps', 'numpy.random state'], { cwd: peeled });
    assert.equal(r.code, 2);
  });

  test('diff: a changed seed parameter is why the metric moved; a seed edited in the code names its cell', async () => {
    const second = await nbprov(['run', 'rng.ipynb', '-q', '-p', 'rs', '8'], { cwd: peeled });
    assert.equal(second.code, 0, second.stderr);
    const diff = await nbprov(['diff', '1', '2', '--only', 'why'], { cwd: peeled });
    assert.equal(diff.code, 0, diff.stderr);
    assert.match(diff.stdout, /\nWhy\n {2}metric got (better|worse) \([\d.]+ → [\d.]+\)\n {4}param {2}rs {2}7 → 8\n/);
    const edited = CELLS.map((c) => c.replace('np.random.seed(rs)', 'np.random.seed(rs + 1)'));
    withParameters(peeled, 'rng.ipynb', edited);
    const third = await nbprov(['run', 'rng.ipynb', '-q'], { cwd: peeled });
    assert.equal(third.code, 0, third.stderr);
    const why = await nbprov(['diff', '1', '3', '--only', 'why'], { cwd: peeled });
    assert.equal(why.code, 0, why.stderr);
    assert.match(why.stdout, /\nWhy\n {2}metric got (better|worse) \([\d.]+ → [\d.]+\)\n {4}cell {2}2 \(\S+\) {2}edited: import numpy as np\n/);
  });
});
