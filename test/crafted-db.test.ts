import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { FIXTURES, nbprov, project, removeProject, ROOT } from './helpers/cli.js';

// Read commands never write into a file they did not create, and a crafted database cannot make them read
// outside its content store (issue #13).
describe('databases read commands are pointed at', () => {
  let dir: string;
  before(() => {
    dir = project();
  });
  after(() => removeProject(dir));

  test('list --db on an empty file: exit 2, and the file stays empty', async () => {
    writeFileSync(join(dir, 'empty.sqlite'), '');
    const r = await nbprov(['list', '--db', 'empty.sqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `nbprov: ${join(dir, 'empty.sqlite')} is not an nbprov or noWorkflow database (it has no trial table)\n` +
        '  hint: pass --db PATH of a database that `nbprov run` wrote; only `nbprov run` creates one\n',
    );
    assert.equal(statSync(join(dir, 'empty.sqlite')).size, 0);
  });

  test("another program's SQLite database gets no nbprov tables", async () => {
    const other = new Database(join(dir, 'other.sqlite'));
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    const before = readFileSync(join(dir, 'other.sqlite'));
    for (const command of [['list'], ['show', 'last'], ['compare'], ['deps', 'x']]) {
      const r = await nbprov([...command, '--db', 'other.sqlite'], { cwd: dir });
      assert.equal(r.code, 2, `${command.join(' ')}: ${r.stderr}`);
    }
    assert.deepEqual(readFileSync(join(dir, 'other.sqlite')), before);
  });

  test('a code_hash that is not a sha1 is never turned into a path (show --code)', async () => {
    const crafted = join(dir, 'crafted');
    mkdirSync(crafted);
    const { generate } = await import(join(ROOT, 'bench/gen-trials-db.mjs'));
    generate('compare', crafted, { trials: 1 });
    writeFileSync(join(crafted, 'secret'), 'SECRET CONTENT\n');
    const db = new Database(join(crafted, '.noworkflow/db.sqlite'));
    // content/<hash[:2]>/<hash[2:]> = content/../../secret, which is crafted/secret
    db.prepare('UPDATE nbprov_cell SET code_hash = ?').run('..' + '/../secret');
    db.close();
    const r = await nbprov(['show', 'last', '--code'], { cwd: crafted });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes('SECRET CONTENT'), 'read outside the content store');
    assert.match(r.stdout, /\(source not in the content store\)/);
  });

  test('tag --db notsqlite refuses before touching the notebook', async () => {
    const nb = join(dir, 'wine.ipynb');
    copyFileSync(join(FIXTURES, 'wine.ipynb'), nb);
    writeFileSync(join(dir, 'notsqlite'), 'not a database\n');
    const before = readFileSync(nb);
    const r = await nbprov(['tag', 'cell', '4', 'data-reading', 'wine.ipynb', '--db', 'notsqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `nbprov: ${join(dir, 'notsqlite')} is not an SQLite database\n  hint: move it away or pass --db PATH\n`);
    assert.deepEqual(readFileSync(nb), before);
  });

  test('a recorded notebook path outside the project neither is read nor chooses where slice writes', async () => {
    const crafted = join(dir, 'escape');
    mkdirSync(crafted);
    const { generate } = await import(join(ROOT, 'bench/gen-trials-db.mjs'));
    generate('compare', crafted, { trials: 1 });
    const db = new Database(join(crafted, '.noworkflow/db.sqlite'));
    db.prepare('UPDATE nbprov_trial SET notebook = ?').run('../outside/evil.ipynb');
    db.close();
    const r = await nbprov(['slice', 'accuracy'], { cwd: crafted });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^nbprov: warning: \.\.\/outside\/evil\.ipynb is outside the project: the slice is rebuilt from the content store, with default metadata\n/);
    assert.match(r.stdout, /^wrote evil\.slice-accuracy\.ipynb: /);
    assert.ok(existsSync(join(crafted, 'evil.slice-accuracy.ipynb')));
    assert.equal(existsSync(join(dir, 'outside')), false);
  });
});
