import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';

/** The real noWorkflow CLI, from $NBPROV_NOW or PATH; absent on a machine where nobody built it by hand. */
function findNow(): string | undefined {
  if (process.env.NBPROV_NOW) return process.env.NBPROV_NOW;
  return (process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'now')).find((p) => existsSync(p));
}

const NOW = findNow();
const skip = NOW ? false : 'the noWorkflow `now` CLI is not installed here (set NBPROV_NOW or put `now` on PATH): noWorkflow conformance NOT checked';
if (skip) process.stdout.write(`# SKIP ${skip}\n`);

describe('noWorkflow 2.x reads what nbprov writes', { skip }, () => {
  let dir: string;
  let ids: string[];
  before(async () => {
    dir = project('wine.ipynb', 'fails.ipynb');
    writeNotebook(dir, 'stores.ipynb', ['import types\ncfg = types.SimpleNamespace()\nd = {}', "lr = 0.1\ncfg.lr = lr\nd['k'] = lr * 2", "out = d['k'] + cfg.lr"]);
    writeNotebook(dir, 'seeded.ipynb', ['import numpy as np\nrs = 7\nnp.random.seed(rs)', 'x = np.random.rand()']);
    for (const nb of ['wine.ipynb', 'fails.ipynb', 'stores.ipynb', 'seeded.ipynb']) {
      const r = await nbprov(['run', nb, '-q'], { cwd: dir });
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
    }
    const db = openDb(dir);
    ids = (db.prepare('SELECT id FROM trial ORDER BY sequence_key').all() as { id: string }[]).map((r) => r.id);
    db.close();
  });
  after(() => removeProject(dir));

  const now = (...args: string[]) => {
    const r = spawnSync(NOW!, args, { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `now ${args.join(' ')} failed:\n${r.stderr}`);
    assert.doesNotMatch(r.stderr, /Traceback/);
    return r.stdout;
  };

  test('now list shows both trials', () => {
    const out = now('list');
    assert.match(out, new RegExp(`\\[\\*\\]Trial ${ids[0]}: nbprov run wine\\.ipynb -q`));
    assert.match(out, new RegExp(`\\[f\\]Trial ${ids[1]}: nbprov run fails\\.ipynb -q`));
    assert.match(out, /Sequence Key: 2/);
  });

  test('now show 1', () => {
    const out = now('show', '1');
    assert.match(out, new RegExp(`Id: ${ids[0]}`));
    assert.match(out, /Script: wine\.ipynb/);
    assert.match(out, /Status: Finished/);
  });

  test('now show 1 -a -f lists the cell activations', () => {
    const out = now('show', '1', '-a', '-f');
    const activations = new Set(out.match(/<ipython-input-\d+-[0-9a-f]{12}>/g) ?? []);
    assert.equal(activations.size, 6);
    assert.match(out, /Name: \S+wine_data\.csv\n\s+Mode: r\n/, 'file accesses of load_wine are listed');
  });

  const dataflow = (...args: string[]) => {
    const out = now('export', 'dataflow', ...args);
    const node = (name: string, nth = 0) => {
      const ids = [...out.matchAll(new RegExp(`(e_\\d+) \\[label="\\d+ ${name.replace(/[[\]]/g, '\\$&')}"`, 'g'))].map((m) => m[1]);
      assert.ok(ids[nth], `node ${name} #${nth} in the dataflow`);
      return ids[nth];
    };
    const edges = new Set([...out.matchAll(/(e_\d+) -> (e_\d+)(?: \[label="([^"]*)"\])?/g)].map((m) => `${m[1]}->${m[2]}${m[3] ? ` ${m[3]}` : ''}`));
    return { out, node, edges };
  };

  test('now export dataflow 1 (its default, coarseGrain): cells with the variables they pass on, pred -> accuracy among them', () => {
    const { node, edges } = dataflow('1');
    assert.ok(edges.has(`${node('accuracy')}->${node('pred')}`));
    // only the fitted model leaves its cell, and it was built from the training data
    assert.ok(edges.has(`${node('pred')}->${node('model')}`), 'pred uses the fitted model');
    assert.ok(edges.has(`${node('model')}->${node('X_train')}`), 'fit(X_train, y_train) changed model');
    assert.throws(() => node('model', 1), /node model #1/);
  });

  test('now export dataflow 1 -m fineGrain: every version, model.fit(X_train, y_train) among them', () => {
    const { node, edges } = dataflow('1', '-m', 'fineGrain');
    assert.ok(edges.has(`${node('accuracy')}->${node('pred')}`));
    assert.ok(edges.has(`${node('pred')}->${node('model', 1)}`), 'pred uses the fitted model');
    assert.ok(edges.has(`${node('model', 1)}->${node('X_train')}`), 'fit(X_train, y_train) changed model');
    assert.ok(!edges.has(`${node('accuracy')}->${node('unused')}`));
  });

  test('now export dataflow 3 -m fineGrain: subscript and attribute stores as member edges labelled with their keys', () => {
    const { out, node, edges } = dataflow('3', '-m', 'fineGrain');
    assert.ok(edges.has(`${node('cfg', 1)}->${node('cfg.lr')} .lr`), out);
    assert.ok(edges.has(`${node('d', 1)}->${node("d['k']")} ['k']`), out);
    assert.ok(edges.has(`${node('out')}->${node('d', 1)}`));
  });

  test('now export dataflow 4 -m fineGrain: the seed reaches the draw through the random state', () => {
    const { out, node, edges } = dataflow('4', '-m', 'fineGrain');
    const states = [...out.matchAll(/(e_\d+) \[label="\d+ numpy\.random state"/g)].map((m) => m[1]);
    const via = states.filter((state) => edges.has(`${node('x')}->${state}`) && edges.has(`${state}->${node('rs')}`));
    assert.equal(via.length, 1, out);
  });

  test('now diff 1 2', () => {
    const out = now('diff', '1', '2');
    assert.match(out, /Script changed from wine\.ipynb to fails\.ipynb/);
    assert.match(out, /Status changed from finished to unfinished/);
  });
});
