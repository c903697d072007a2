import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, writeNotebook } from './helpers/cli.js';
import { ancestorNames, depsJson } from './helpers/deps.js';

// Issue #17, files: a value read from a file the same trial wrote depends on what was written there (the last write
// of that path); a file no cell of the trial wrote (an input, or one a previous trial left) links to nothing.
const CELLS = [
  "import os\nprev = open('a.txt').read() if os.path.exists('a.txt') else ''",
  'import pickle\nimport joblib\nimport numpy as np\nimport pandas as pd',
  "s = 'hello'\nwith open('a.txt', 'w') as f:\n    f.write(s)",
  "s2 = 'bye'\nother = 'elsewhere'\nwith open('a.txt', 'w') as f:\n    f.write(s2)\nopen('b.txt', 'w').write(other)",
  "with open('a.txt') as g:\n    t = g.read()",
  "df = pd.DataFrame({'a': [1, 2]})\ndf.to_csv('df.csv', index=False)\ndf['b'] = df['a'] * 2",
  "df2 = pd.read_csv('df.csv')",
  "arr = np.arange(3)\nnp.save('a.npy', arr)\nback = np.load('a.npy')",
  "m = {'w': [1, 2]}\nwith open('m.pkl', 'wb') as fh:\n    pickle.dump(m, fh)",
  "with open('m.pkl', 'rb') as fh2:\n    m2 = pickle.load(fh2)",
  "model = {'k': 3}\njoblib.dump(model, 'model.joblib')\nmodel2 = joblib.load('model.joblib')",
  "u = open('input.txt').read()",
];

describe('file lineage through a real kernel', () => {
  let dir: string;

  before(async () => {
    dir = project();
    writeNotebook(dir, 'files.ipynb', CELLS);
    writeFileSync(join(dir, 'input.txt'), 'from outside');
    // the second trial finds the files of the first: what it reads before writing them links to nothing
    for (let i = 0; i < 2; i++) {
      const r = await nbprov(['run', 'files.ipynb', '-q'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => removeProject(dir));

  test('open / write, then open / read: the last write of the path, not the other path', async () => {
    assert.deepEqual(await ancestorNames(dir, 't'), ['g', 's2', 't']);
  });

  test('to_csv / read_csv: the DataFrame version written, not its later mutation', async () => {
    const doc = await depsJson(dir, 'df2');
    assert.deepEqual([...new Set(doc.nodes.map((n) => n.name))].sort(), ['df', 'df2', 'pd']);
    assert.deepEqual(doc.nodes.filter((n) => n.name === 'df').map((n) => n.version), [1]);
    const df2 = doc.nodes.find((n) => n.name === 'df2')!;
    const df = doc.nodes.find((n) => n.name === 'df')!;
    assert.deepEqual(doc.edges.filter((e) => e.dependent === df2.id && e.dependency === df.id).map((e) => e.type), ['data']);
  });

  test('np.save / np.load', async () => {
    assert.deepEqual(await ancestorNames(dir, 'back'), ['arr', 'back', 'np']);
  });

  test('pickle.dump / pickle.load through handles', async () => {
    assert.deepEqual(await ancestorNames(dir, 'm2'), ['fh2', 'm', 'm2', 'pickle']);
  });

  test('joblib.dump / joblib.load', async () => {
    assert.deepEqual(await ancestorNames(dir, 'model2'), ['joblib', 'model', 'model2']);
  });

  test('a file written outside the notebook, or by the previous trial, links to nothing', async () => {
    assert.deepEqual(await ancestorNames(dir, 'u'), ['u']);
    assert.deepEqual(await ancestorNames(dir, 'prev'), ['os', 'prev']);
  });
});
