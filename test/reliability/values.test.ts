import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, writeNotebook } from '../helpers/cli.js';

const SOURCES = [
  'import time, os\nclass Slow:\n    def __repr__(self):\n        time.sleep(30)\n        return "slow"\nclass Bad:\n    def __repr__(self):\n        raise RuntimeError("no repr")\nslow = Slow()\nbad = Bad()',
  'selfref = [1, 2]\nselfref.append(selfref)\nhuge = list(range(10**6))\ntext = "x" * 10**6',
  'def gen():\n    yield 1\n    raise AssertionError("consumed")\ng = gen()\nlazy = map(lambda v: 1 / 0, [1, 2])',
  'api_token = "s3cr3t-value"\ndb_password = "hunter2"\nhome = os.environ["HOME"]\nservice = os.environ["SERVICE_TOKEN"]\nfirst = next(g)\nfirst',
];

describe('hostile values: bounded summaries, the run goes on; secrets redacted', () => {
  let dir: string;
  let seconds: number;
  let code: number | null;
  before(async () => {
    dir = project();
    writeNotebook(dir, 'v.ipynb', SOURCES);
    const started = Date.now();
    const r = await nbprov(['run', 'v.ipynb', '-q'], { cwd: dir, env: { SERVICE_TOKEN: 'svc-4321' } });
    seconds = (Date.now() - started) / 1000;
    code = r.code;
    assert.equal(r.stderr, '');
  });
  after(() => removeProject(dir));

  const reprs = (trial = 1) => {
    const db = openDb(dir);
    try {
      const rows = db
        .prepare(
          `SELECT v.name, e.repr, v.value, v.summary FROM nbprov_value v JOIN evaluation e ON e.trial_id = v.trial_id AND e.id = v.evaluation_id
           JOIN trial t ON t.id = v.trial_id WHERE t.sequence_key = ? ORDER BY v.evaluation_id`,
        )
        .all(trial) as { name: string; repr: string; value: string | null; summary: string | null }[];
      return Object.fromEntries(rows.map((r) => [r.name, r]));
    } finally {
      db.close();
    }
  };

  test('a __repr__ that sleeps is cut short, one that raises is <unreprable T>', () => {
    assert.equal(code, 0);
    assert.ok(seconds < 20, `the 30 s repr did not run to the end (${seconds} s)`);
    const r = reprs();
    assert.equal(r.slow.repr, '<unreprable __main__.Slow>');
    assert.equal(r.bad.repr, '<unreprable __main__.Bad>');
  });

  test('self-referencing and huge values get bounded reprs and summaries', () => {
    const r = reprs();
    assert.equal(r.selfref.repr, '[1, 2, [1, 2, [1, 2, [...]]]]');
    assert.equal(r.huge.repr, '[0, 1, 2, 3, 4, 5, ...]');
    const huge = JSON.parse(r.huge.summary!);
    assert.deepEqual(Object.keys(huge), ['len', 'content'], 'a million ints are fingerprinted whole');
    assert.equal(huge.len, 1000000);
    assert.match(huge.content, /^[0-9a-f]{16}$/);
    assert.ok(r.text.repr.length <= 256);
    assert.equal(r.text.value, null, 'a long string is not stored whole');
  });

  test('generators are not consumed and lazy objects not evaluated', () => {
    const r = reprs();
    assert.match(r.g.repr, /^<generator object gen at 0x[0-9a-f]+>$/);
    assert.match(r.lazy.repr, /^<map object at 0x[0-9a-f]+>$/);
    assert.equal(r.first.value, '1', 'the notebook still got the first item');
  });

  test('secret-looking names and the values of secret-named environment variables are redacted, not other environment values; --no-redact keeps them', async () => {
    let r = reprs();
    for (const name of ['api_token', 'db_password', 'service']) assert.deepEqual([r[name].repr, r[name].value], ["'<redacted>'", '"<redacted>"'], name);
    assert.equal(r.home.value, JSON.stringify(process.env.HOME));
    const run = await nbprov(['run', 'v.ipynb', '-q', '--no-redact'], { cwd: dir, env: { SERVICE_TOKEN: 'svc-4321' } });
    assert.equal(run.code, 0, run.stderr);
    r = reprs(2);
    assert.equal(r.api_token.value, '"s3cr3t-value"');
    assert.equal(r.service.value, '"svc-4321"');
  });
});
