import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openDatabase } from '../src/store/db.js';
import { tagRecordsOfTrials } from '../src/store/queries.js';

const dir = mkdtempSync(join(tmpdir(), 'nbprov-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test("each trial's tag record follows its stage_tags rows through inserts, updates and deletes", () => {
  const db = openDatabase(join(dir, '.noworkflow', 'db.sqlite'), { create: true });
  const insert = db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, NULL, ?, ?)');
  const records = () => Object.fromEntries(tagRecordsOfTrials(db).map((r) => [r[0], r.slice(1)]));

  insert.run('t1', 1, 'acc', 'metric:max', 'acc', '0.9');
  insert.run('t1', 2, 'n', 'param', 'n', '10');
  insert.run('t1', 3, 'model', 'other', 'model', 'RandomForestClassifier(n_estimators=10)');
  insert.run('t2', 1, 'acc', 'metric:max', 'acc', null);
  insert.run('t2', 2, '<cell>', 'data-reading', null, null); // a stage row: not a tagged variable
  assert.deepEqual(records(), {
    t1: ['acc', 'metric:max', 0.9, 'model', 'other', { repr: 'RandomForestClassifier(n_estimators=10)' }, 'n', 'param', 10],
    t2: ['acc', 'metric:max', null],
  });
  assert.deepEqual(tagRecordsOfTrials(db, ['t2']), [['t2', 'acc', 'metric:max', null]]);

  db.prepare("UPDATE stage_tags SET variable_value = '0.95' WHERE trial_id = 't1' AND variable_name = 'acc'").run();
  db.prepare("UPDATE stage_tags SET trial_id = 't3' WHERE trial_id = 't2' AND variable_name = 'acc'").run();
  db.prepare("DELETE FROM stage_tags WHERE trial_id = 't1' AND variable_name = 'model'").run();
  assert.deepEqual(records(), { t1: ['acc', 'metric:max', 0.95, 'n', 'param', 10], t3: ['acc', 'metric:max', null] });
  db.close();
});

test('a tag record tells a Python repr from a string, also after migration 9 rebuilds an older record', () => {
  const path = join(dir, 'reprs', 'db.sqlite');
  let db = openDatabase(path, { create: true });
  const insert = db.prepare('INSERT INTO stage_tags (trial_id, id, name, tag_name, activation_id, variable_name, variable_value) VALUES (?, ?, ?, ?, NULL, ?, ?)');
  const values = [['label', '"(3, 3)"'], ['shape', '(3, 3)'], ['sizes', '[1, 2]'], ['on', 'true'], ['none', 'None'], ['lr', '0.1']];
  values.forEach(([name, value], i) => insert.run('t1', i + 1, name, 'param', name, value));
  const expected = [['t1', 'label', 'param', '(3, 3)', 'lr', 'param', 0.1, 'none', 'param', { repr: 'None' }, 'on', 'param', true, 'shape', 'param', { repr: '(3, 3)' }, 'sizes', 'param', { repr: '[1, 2]' }]];
  assert.deepEqual(tagRecordsOfTrials(db), expected);
  // What migration 6's record held: the repr quoted like the string, the list's repr read as an array.
  db.prepare("UPDATE nbprov_trial_tags SET record = ? WHERE trial_id = 't1'").run('["t1","label","param","(3, 3)","shape","param","(3, 3)","sizes","param",[1, 2]]');
  // As a database from before migration 9: the later migrations' tables go too, they are made again.
  db.exec(`DELETE FROM nbprov_migration WHERE id >= 9; DROP TABLE nbprov_sweep_trial; DROP TABLE nbprov_sweep_run; DROP TABLE nbprov_sweep;
    DROP INDEX ix_nbprov_trial_name; DROP INDEX ix_nbprov_trial_name_lookup; ALTER TABLE nbprov_trial DROP COLUMN name`);
  db.close();
  db = openDatabase(path);
  assert.deepEqual(tagRecordsOfTrials(db), expected);
  db.close();
});
