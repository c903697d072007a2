import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type Database from 'better-sqlite3';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';

/** Names of every version upstream of `name`'s last version (data, control, mutation and call edges). */
function upstream(db: Database.Database, name: string, types = ['dependency', 'condition', 'bound', 'call']): string[] {
  const rows = db
    .prepare(
      `WITH RECURSIVE up(id) AS (
         SELECT MAX(evaluation_id) FROM nbprov_value WHERE name = ?
         UNION SELECT d.dependency_id FROM dependency d JOIN up ON d.dependent_id = up.id
         WHERE d.type IN (SELECT value FROM json_each(?)))
       SELECT DISTINCT v.name FROM up JOIN nbprov_value v ON v.evaluation_id = up.id ORDER BY v.name`,
    )
    .all(name, JSON.stringify(types)) as { name: string }[];
  return rows.map((r) => r.name).filter((n) => n !== name);
}

function versions(db: Database.Database, name: string): { kind: string; cell: number; value: string | null; iterations: number | null }[] {
  return db
    .prepare(
      `SELECT v.kind, c.cell_index AS cell, v.value, v.iterations FROM nbprov_value v
       JOIN nbprov_cell c ON c.trial_id = v.trial_id AND c.activation_id = v.activation_id WHERE v.name = ? ORDER BY v.evaluation_id`,
    )
    .all(name) as { kind: string; cell: number; value: string | null; iterations: number | null }[];
}

describe('variable capture through a real kernel: exact lineage in noWorkflow tables', () => {
  let wine: string;
  let capture: string;
  before(async () => {
    wine = project('wine.ipynb');
    capture = project('capture.ipynb');
    const runs = await Promise.all([nbprov(['run', 'wine.ipynb', '-q'], { cwd: wine }), nbprov(['run', 'capture.ipynb', '-q', '-o', 'vars.ipynb'], { cwd: capture })]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
  });
  after(() => {
    removeProject(wine);
    removeProject(capture);
  });

  test('wine: upstream of accuracy is exactly the modelling chain, training data included', () => {
    const db = openDb(wine);
    assert.deepEqual(upstream(db, 'accuracy'), [
      'RandomForestClassifier', 'X_test', 'X_train', 'accuracy_score', 'features', 'load_wine', 'model', 'n_trees', 'pred',
      'seed', 'target', 'test_size', 'train_test_split', 'wine', 'y_test', 'y_train',
    ]);
    assert.deepEqual(versions(db, 'model').map((v) => v.kind), ['assign', 'mutate'], 'model.fit(...) is a new version of model');
    const pred = db.prepare(
      `SELECT m.kind FROM dependency d JOIN nbprov_value p ON p.evaluation_id = d.dependent_id JOIN nbprov_value m ON m.evaluation_id = d.dependency_id
       WHERE p.name = 'pred' AND m.name = 'model'`,
    ).all();
    assert.deepEqual(pred, [{ kind: 'mutate' }], 'pred uses the fitted model');
    assert.deepEqual(versions(db, 'accuracy'), [{ kind: 'assign', cell: 7, value: '1.0', iterations: null }]);
    db.close();
  });

  test('redefinition across cells does not rewire earlier versions', () => {
    const db = openDb(capture);
    assert.deepEqual(versions(db, 'a').map((v) => [v.cell, v.value]), [[2, '1'], [3, '10']]);
    const cDeps = db.prepare(
      `SELECT v.name, v.value FROM dependency d JOIN nbprov_value c ON c.evaluation_id = d.dependent_id JOIN nbprov_value v ON v.evaluation_id = d.dependency_id WHERE c.name = 'c'`,
    ).all();
    assert.deepEqual(cDeps, [{ name: 'b', value: '2' }]);
    assert.deepEqual(upstream(db, 'c'), ['a', 'b']);
    const aVersionsUpstream = db.prepare(
      `SELECT v.value FROM dependency d JOIN nbprov_value b ON b.evaluation_id = d.dependent_id JOIN nbprov_value v ON v.evaluation_id = d.dependency_id WHERE b.name = 'b'`,
    ).all();
    assert.deepEqual(aVersionsUpstream, [{ value: '1' }], 'b points at a = 1, not the later a = 10');
    db.close();
  });

  test('loops: the first iterations in detail, then one summary version with the iteration count', () => {
    const db = openDb(capture);
    assert.deepEqual(versions(db, 'total'), [
      { kind: 'assign', cell: 4, value: '0', iterations: null },
      { kind: 'augassign', cell: 4, value: '0', iterations: null },
      { kind: 'augassign', cell: 4, value: '1', iterations: null },
      { kind: 'augassign', cell: 4, value: '3', iterations: null },
      { kind: 'loop', cell: 4, value: '2997', iterations: 1000 },
    ]);
    assert.deepEqual(versions(db, 'rows').map((v) => [v.kind, v.iterations]), [['assign', null], ['mutate', null], ['mutate', null], ['mutate', null], ['loop', 5]]);
    assert.deepEqual(upstream(db, 'rows'), ['data', 'rng', 'np', 'scale', 'x'].sort());
    db.close();
  });

  test('functions, mutation by subscript, f-strings, comprehensions, walrus, del', () => {
    const db = openDb(capture);
    assert.deepEqual(upstream(db, 'z'), ['data', 'normalize', 'np', 'rng']);
    assert.deepEqual(versions(db, 'cfg').map((v) => v.kind), ['assign', 'mutate', 'del']);
    assert.deepEqual(upstream(db, 'label'), ['cfg', 'scale']);
    assert.deepEqual(upstream(db, 'squares'), ['scale']);
    assert.deepEqual(versions(db, 'n').map((v) => [v.kind, v.value]), [['walrus', '5']]);
    assert.deepEqual(upstream(db, 'big', ['condition']), ['rows'], 'control edges only: big ← if len(rows)');
    assert.deepEqual(upstream(db, 'rows', ['dependency', 'bound']), ['data', 'np', 'rng', 'scale', 'x'], 'rows holds values of data: data edges');
    assert.deepEqual(upstream(db, 'big', ['dependency', 'bound', 'call']), [], 'and on nothing else');
    db.close();
  });

  test("stores into a subscript or attribute: noWorkflow member rows from the new version to the stored part", () => {
    const db = openDb(capture);
    const rows = db.prepare(
      `SELECT m."key", m.type, cc.name, cc.type AS component, c.name AS collection, c.kind, e.repr, e.member_container_id = m.collection_id AS contained
       FROM member m JOIN evaluation e ON e.trial_id = m.trial_id AND e.id = m.member_id
       JOIN code_component cc ON cc.trial_id = e.trial_id AND cc.id = e.code_component_id
       JOIN nbprov_value c ON c.trial_id = m.trial_id AND c.evaluation_id = m.collection_id ORDER BY m.id`,
    ).all();
    assert.deepEqual(rows, [{ key: "['lr']", type: 'Put', name: "cfg['lr']", component: 'subscript', collection: 'cfg', kind: 'mutate', repr: null, contained: 1 }]);
    db.close();
  });

  test('each cell links to the versions it read from other cells and to its final versions, outside the lineage', () => {
    const db = openDb(capture);
    const links = db.prepare(
      `SELECT d.type, v.name FROM dependency d
       JOIN nbprov_cell c ON c.trial_id = d.trial_id AND c.activation_id = CASE d.type WHEN 'argument' THEN d.dependent_id ELSE d.dependency_id END
       JOIN nbprov_value v ON v.trial_id = d.trial_id AND v.evaluation_id = CASE d.type WHEN 'argument' THEN d.dependency_id ELSE d.dependent_id END
       WHERE c.cell_index = 3 AND d.type IN ('argument', 'assign') ORDER BY d.type, v.name`,
    ).all();
    // cell 3 is `a = 10; c = b * 2`: it reads b of cell 2 and leaves a and c
    assert.deepEqual(links, [{ type: 'argument', name: 'b' }, { type: 'assign', name: 'a' }, { type: 'assign', name: 'c' }]);
    db.close();
  });

  test('files: writes and reads with content hashes, in noWorkflow\'s file_access', () => {
    const db = openDb(capture);
    const hash = createHash('sha1').update(readFileSync(join(capture, 'out.txt'))).digest('hex');
    assert.deepEqual(db.prepare('SELECT name, mode, content_hash_before AS before, content_hash_after AS after FROM file_access ORDER BY id').all(), [
      { name: join(capture, 'out.txt'), mode: 'w', before: null, after: hash },
      { name: join(capture, 'out.txt'), mode: 'r', before: hash, after: null },
    ]);
    db.close();
  });

  test('magics and shell escapes keep working', () => {
    const nb = JSON.parse(readFileSync(join(capture, 'vars.ipynb'), 'utf8'));
    const text = nb.cells[8].outputs.map((o: { text?: string[] }) => (o.text ?? []).join('')).join('');
    assert.match(text, /Wall time: /);
    assert.match(text, /shell-ok\r?\n/);
    const db = openDb(capture);
    assert.deepEqual(versions(db, 't').map((v) => v.value), ['45']);
    db.close();
  });

  test('the collector never changes what the notebook computes: --capture cells, vars and full give the same outputs', async () => {
    for (const mode of ['cells', 'full']) {
      const r = await nbprov(['run', 'capture.ipynb', '-q', '--capture', mode, '-o', `${mode}.ipynb`], { cwd: capture });
      assert.equal(r.code, 0, r.stderr);
    }
    const outputs = (file: string) =>
      JSON.parse(readFileSync(join(capture, file), 'utf8')).cells.map((c: { outputs: { text?: string[] }[] }) =>
        // %time's wall-clock line differs run to run; everything else must be identical.
        c.outputs.map((o) => ({ ...o, text: o.text?.filter((l) => !/^(CPU times|Wall time)/.test(l)) })),
      );
    assert.deepEqual(outputs('cells.ipynb'), outputs('vars.ipynb'));
    assert.deepEqual(outputs('full.ipynb'), outputs('vars.ipynb'));
    const db = openDb(capture);
    const counts = db.prepare('SELECT n.capture, COUNT(v.evaluation_id) AS versions FROM nbprov_trial n LEFT JOIN nbprov_value v ON v.trial_id = n.trial_id GROUP BY n.trial_id ORDER BY n.rowid').all();
    db.close();
    const [vars, cells, full] = counts as { capture: string; versions: number }[];
    assert.deepEqual([vars.capture, cells.capture, full.capture], ['vars', 'cells', 'full']);
    assert.equal(cells.versions, 0);
    assert.ok(full.versions > vars.versions + 1900, `full records every iteration (${full.versions} vs ${vars.versions})`);
  });

  test('a syntax error fails the cell as in Jupyter: exit 1, earlier cells kept', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 's.ipynb', ['x = 1', 'def broken(:\n    pass', 'y = 2']);
      const r = await nbprov(['run', 's.ipynb', '-q'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /^nbprov: cell 2 raised SyntaxError: /);
      const db = openDb(dir);
      assert.deepEqual(db.prepare('SELECT name, kind FROM nbprov_value').all(), [{ name: 'x', kind: 'assign' }]);
      db.close();
    } finally {
      removeProject(dir);
    }
  });
});
