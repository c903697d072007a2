import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';

// papermill conformance of -p (issue #13): an executed notebook is re-parameterised by replacing its injected cell.
describe('-p on an executed notebook, and names that cannot be parameters', () => {
  let dir: string;
  before(() => {
    dir = project('wine.ipynb');
  });
  after(() => removeProject(dir));

  test('the injected-parameters cell of an executed notebook is replaced, and the new value wins', async () => {
    let r = await nbprov(['run', 'wine.ipynb', '-q', '-p', 'seed', '3', '-o', 'out.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    r = await nbprov(['run', 'out.ipynb', '-q', '-p', 'seed', '5', '-o', 'out2.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const cells = JSON.parse(readFileSync(join(dir, 'out2.ipynb'), 'utf8')).cells as { metadata: { tags?: string[] }; source: string[] }[];
    const injected = cells.filter((c) => c.metadata.tags?.includes('injected-parameters'));
    assert.deepEqual(injected.map((c) => c.source.join('')), ['# Parameters\nseed = 5\n']);
    assert.deepEqual(cells[3].metadata.tags, ['injected-parameters'], 'right after the parameters cell, where the old one was');
    const db = openDb(dir);
    try {
      const row = db.prepare('SELECT parameters FROM nbprov_trial ORDER BY rowid DESC LIMIT 1').get() as { parameters: string };
      assert.deepEqual(JSON.parse(row.parameters), { seed: 5 });
    } finally {
      db.close();
    }
  });

  for (const name of ['None', 'def']) {
    test(`-p ${name} 1: a Python keyword is exit 2 before anything starts`, async () => {
      const r = await nbprov(['run', 'wine.ipynb', '-p', name, '1', '--db', `${name}.sqlite`], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `nbprov: parameter name '${name}' is a Python keyword, which cannot be assigned\n`);
      assert.equal(existsSync(join(dir, `${name}.sqlite`)), false);
    });
  }

  test('values nested past 100 deep (-p or -f) are exit 2 with a one-line message, not a stack overflow', async () => {
    let r = await nbprov(['run', 'wine.ipynb', '-p', 'seed', `${'['.repeat(20_000)}${']'.repeat(20_000)}`, '--db', 'deep.sqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'nbprov: a parameter value nests more than 100 deep\n  hint: parameters are literals a cell can hold: flatten the value\n');
    writeFileSync(join(dir, 'deep.json'), `{"seed": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    r = await nbprov(['run', 'wine.ipynb', '-f', 'deep.json', '--db', 'deep.sqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'nbprov: parameters file deep.json nests values more than 100 deep\n  hint: parameters are literals a cell can hold: flatten the value\n');
    assert.equal(existsSync(join(dir, 'deep.sqlite')), false);
  });

  test('a .noworkflow/content that is a file: exit 2 before any server starts', async () => {
    mkdirSync(join(dir, 'store', '.noworkflow'), { recursive: true });
    writeFileSync(join(dir, 'store', '.noworkflow', 'content'), '');
    const r = await nbprov(['run', 'wine.ipynb', '--db', 'store/.noworkflow/db.sqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    const store = join(dir, 'store', '.noworkflow');
    assert.equal(
      r.stderr,
      `nbprov: cannot create the database directory ${store}: ENOTDIR (${join(store, 'content')}, the content store, or a directory above it is a file)\n` +
        '  hint: move that file away, or choose another place with --db PATH\n',
    );
  });

  test('-p of an integer past 2^53 keeps every digit: injected, recorded, listed', async () => {
    writeFileSync(join(dir, 'big.ipynb'), JSON.stringify({
      cells: [
        { cell_type: 'code', metadata: { tags: ['parameters'] }, source: 'big = 0', outputs: [], execution_count: null },
        { cell_type: 'code', metadata: {}, source: 'digits = len(str(big))', outputs: [], execution_count: null },
      ],
      metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, nbformat: 4, nbformat_minor: 4,
    }));
    const r = await nbprov(['run', 'big.ipynb', '-q', '-p', 'big', '12345678901234567891', '--db', 'big.sqlite'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const list = await nbprov(['list', '--json', '--db', 'big.sqlite'], { cwd: dir });
    assert.deepEqual(JSON.parse(list.stdout)[0].params, { big: { repr: '12345678901234567891' } });
    const deps = await nbprov(['deps', 'digits', '--db', 'big.sqlite'], { cwd: dir });
    assert.match(deps.stdout, /^digits v1 = 20 .*\n└─ big v2 = 12345678901234567891 /);
  });
});

