import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, waitNoProcesses, writeNotebook } from '../helpers/cli.js';

const RUNS = 8;

describe('8 concurrent runs on one notebook and one database', () => {
  let dir: string;
  let results: Awaited<ReturnType<typeof nbprov>>[];
  let readerCodes: (number | null)[] = [];
  before(async () => {
    dir = project();
    writeNotebook(dir, 'c.ipynb', ['import time\nx = 1', 'y = x + 1\ntime.sleep(0.5)', 'z = y * 2\nz']);
    let running = true;
    const runs = Promise.all(Array.from({ length: RUNS }, () => nbprov(['run', 'c.ipynb', '-q'], { cwd: dir })));
    // Readers while the writers write: every answer must be a consistent list (or "no database yet").
    const readers = (async () => {
      while (running) {
        const r = await nbprov(['list', '--json'], { cwd: dir });
        readerCodes.push(r.code);
        if (r.code === 0) JSON.parse(r.stdout);
        else assert.match(r.stderr, /no nbprov database/);
      }
    })();
    results = await runs;
    running = false;
    await readers;
  });
  after(() => removeProject(dir));

  test('every run finishes: exit 0, no "database is locked"', () => {
    for (const r of results) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /locked|busy/i);
    }
  });

  test('8 complete trials with distinct sequence numbers', () => {
    const db = openDb(dir);
    const trials = db.prepare('SELECT t.sequence_key AS seq, n.status, (SELECT COUNT(*) FROM nbprov_cell c WHERE c.trial_id = t.id AND c.status = \'ok\') AS ok FROM trial t JOIN nbprov_trial n ON n.trial_id = t.id ORDER BY seq').all();
    assert.deepEqual(trials, Array.from({ length: RUNS }, (_, i) => ({ seq: i + 1, status: 'finished', ok: 3 })));
    const versions = db.prepare("SELECT COUNT(*) AS n FROM nbprov_value WHERE name = 'z'").get();
    assert.deepEqual(versions, { n: RUNS });
    assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM nbprov_migration').get(), { n: 2 + (db.prepare("SELECT COUNT(*) AS n FROM nbprov_migration WHERE id > 2").get() as { n: number }).n });
    db.close();
  });

  test('readers during the writes saw consistent data', () => {
    assert.ok(readerCodes.length > 0);
    assert.ok(readerCodes.every((c) => c === 0 || c === 2));
  });

  test('each run had its own private server, all gone', async () => {
    assert.deepEqual(await waitNoProcesses(dir, 10_000), []);
  });
});
