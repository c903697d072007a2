import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, writeNotebook } from './helpers/cli.js';
import { depsJson } from './helpers/deps.js';

// Issue #17, aliases: an object changed in place gets a new version under every notebook name that holds it (or holds
// it in a dict, list or tuple), from the change's inputs; names that merely hold an equal int, str or None never do.
const CELLS = [
  'orig = [1]\nv = 2\nalias = orig',
  'alias.append(v)',
  "d = {}\nview = d\nk = 'a'\nval = 3\nview[k] = val",
  'class Cfg:\n    pass\ncfg = Cfg()\ncfg2 = cfg\nlr = 0.1\ncfg2.lr = lr',
  'def put(xs, x):\n    xs[0] = x\nnums = [0, 0]\nsame = nums\nnew = 9\nput(same, new)',
  'n = 5\nfive = 5\nheld = [5]\nn.__init__()',
  "model = {'layers': [32]}\nlayers = model['layers']\nwidth = 64\nlayers.append(width)",
  'for i in range(10):\n    alias.append(i)',
];

describe('alias lineage through a real kernel', () => {
  let dir: string;
  /** The exact upstream of NAME's last version, as "name vN" labels, NAME's own included. */
  const upstream = async (name: string) => {
    const doc = await depsJson(dir, name);
    return [...new Set(doc.nodes.map((n) => `${n.name} v${n.version}`))].sort();
  };

  before(async () => {
    dir = project();
    writeNotebook(dir, 'aliases.ipynb', CELLS);
    const r = await nbprov(['run', 'aliases.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => removeProject(dir));

  test('alias.append(v), then a loop appending through the alias: orig is built from v and the loop variable', async () => {
    const tree = await nbprov(['deps', 'orig'], { cwd: dir });
    assert.match(tree.stdout, /^orig v6 \(loop, 10 iterations\) = list len 12 {2}cell 8/);
    assert.match(tree.stdout, /\[mutation\] orig v2 \(mutate\) = list len 2 {2}cell 2 · line 1\n/);
    assert.deepEqual(await upstream('orig'), ['i v1', 'i v2', 'i v3', 'orig v1', 'orig v2', 'orig v3', 'orig v4', 'orig v5', 'orig v6', 'v v1']);
  });

  test('view[k] = val: d is built from k and val', async () => {
    assert.deepEqual(await upstream('d'), ['d v1', 'd v2', 'k v1', 'val v1']);
  });

  test('cfg2.lr = lr: cfg is built from lr', async () => {
    assert.deepEqual(await upstream('cfg'), ['Cfg v1', 'cfg v1', 'cfg v2', 'lr v1']);
  });

  test('put(same, new) stores into its argument: nums is built from the call', async () => {
    assert.deepEqual(await upstream('nums'), ['new v1', 'nums v1', 'nums v2', 'put v1', 'same v1']);
  });

  test('two names holding 5 are not aliases', async () => {
    assert.deepEqual(await upstream('five'), ['five v1']);
    assert.deepEqual(await upstream('held'), ['held v1']);
  });

  test('a list inside a dict changed through another name: the dict is built from what was appended', async () => {
    assert.deepEqual(await upstream('model'), ['model v1', 'model v2', 'width v1']);
    assert.deepEqual(await upstream('layers'), ['layers v1', 'layers v2', 'model v1', 'width v1']);
  });
});
