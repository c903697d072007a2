import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ROOT, nbprov, openDb, project, removeProject, waitNoProcesses, writeNotebook } from '../helpers/cli.js';

/** A tiny tmpfs to fill up; undefined where mounting is not allowed (not root, no CAP_SYS_ADMIN). */
function tinyDisk(dir: string, size: string): string | undefined {
  const mnt = join(dir, 'disk');
  mkdirSync(mnt);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]);
  return r.status === 0 ? mnt : undefined;
}

describe('storage failures and foreign databases', () => {
  test('the disk fills up mid-run: exit 3, finished cells kept, no half-written cell, notebook untouched', async (t) => {
    const dir = project();
    const disk = tinyDisk(dir, '1200k');
    if (!disk) return t.skip('cannot mount a tmpfs here (needs root): disk-full NOT checked');
    try {
      writeNotebook(disk, 'd.ipynb', ['a = 1', 'for i in range(3000):\n    b = i * 2', 'c = 3']);
      const before = readFileSync(join(disk, 'd.ipynb'));
      const r = await nbprov(['run', 'd.ipynb', '--capture', 'full', '-q', '-o', join(dir, 'out.ipynb')], { cwd: disk });
      assert.equal(r.code, 3);
      assert.equal(r.stderr, `nbprov: cannot write the trial to ${disk}/.noworkflow/db.sqlite: the disk is full\n  hint: free some space or choose a writable place with --db PATH; finished cells stay recorded\n`);
      assert.deepEqual(readFileSync(join(disk, 'd.ipynb')), before);
      const db = new Database(join(disk, '.noworkflow/db.sqlite'), { readonly: true });
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      assert.deepEqual(db.prepare('SELECT cell_index, status, error_value FROM nbprov_cell ORDER BY cell_index').all(), [
        { cell_index: 1, status: 'ok', error_value: null },
        { cell_index: 2, status: 'error', error_value: `ran, but could not be recorded: cannot write the trial to ${disk}/.noworkflow/db.sqlite: the disk is full` },
        { cell_index: 3, status: 'not-run', error_value: null },
      ]);
      assert.deepEqual(db.prepare("SELECT COUNT(*) AS n FROM nbprov_value WHERE name = 'b'").get(), { n: 0 }, 'the failed cell left no rows');
      db.close();
      const list = await nbprov(['list', '--json'], { cwd: disk });
      assert.equal(JSON.parse(list.stdout)[0].status, 'failed', 'a one-row status update still fits');
      const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
      assert.deepEqual(out.cells.map((c: { execution_count: number | null }) => c.execution_count), [1, null, null], '-o up to the cell before');
    } finally {
      await new Promise((r) => setTimeout(r, 1500)); // the private server leaves the mount
      spawnSync('umount', ['-l', disk]);
      removeProject(dir);
    }
  });

  test('a database directory that cannot be created: exit 2 before anything is recorded', async () => {
    const dir = project('fails.ipynb');
    try {
      writeFileSync(join(dir, 'plain-file'), '');
      const r = await nbprov(['run', 'fails.ipynb', '--db', 'plain-file/db.sqlite'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `nbprov: cannot create the database directory ${dir}/plain-file: ENOTDIR (${dir}/plain-file/content, the content store, or a directory above it is a file)\n  hint: move that file away, or choose another place with --db PATH\n`);
    } finally {
      removeProject(dir);
    }
  });

  test('--db under /proc (where mkdir says ENOENT and a recursive mkdir spins for ever): exit 2 at once, no server', async () => {
    const dir = project('fails.ipynb');
    try {
      const started = Date.now();
      const run = await nbprov(['run', 'fails.ipynb', '--db', '/proc/1/nope/db.sqlite'], { cwd: dir, killAfterMs: 20_000 });
      assert.equal(run.code, 2, `${run.signal ?? ''} ${run.stderr}`);
      assert.equal(run.stderr, 'nbprov: cannot create the database directory /proc/1/nope: ENOENT (this file system does not take new directories)\n  hint: choose a writable place with --db PATH\n');
      const list = await nbprov(['list', '--db', '/proc/1/nope/db.sqlite'], { cwd: dir, killAfterMs: 20_000 });
      assert.equal(list.code, 2, `${list.signal ?? ''} ${list.stderr}`);
      assert.match(list.stderr, /^nbprov: no nbprov database at \/proc\/1\/nope\/db\.sqlite\n/);
      assert.ok(Date.now() - started < 5000, `both answered in ${Date.now() - started} ms: no server was started`);
      assert.deepEqual(await waitNoProcesses(dir, 0), []);
    } finally {
      removeProject(dir);
    }
  });

  test('a database from a newer nbprov: exit 2, untouched', async () => {
    const dir = project('fails.ipynb');
    try {
      assert.equal((await nbprov(['run', 'fails.ipynb', '-q'], { cwd: dir })).code, 1);
      const file = join(dir, '.noworkflow/db.sqlite');
      const db = new Database(file);
      db.prepare("INSERT INTO nbprov_migration (id, name, applied_at) VALUES (99, 'from-the-future', 'x')").run();
      db.close();
      const before = readFileSync(file);
      for (const args of [['list'], ['run', 'fails.ipynb']]) {
        const r = await nbprov(args, { cwd: dir });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^nbprov: database schema version 99 is newer than this nbprov supports \(\d+\)\n {2}hint: upgrade nbprov to read it\n$/);
      }
      assert.deepEqual(readFileSync(file), before);
    } finally {
      removeProject(dir);
    }
  });

  test('a database written by noWorkflow itself is read, its own rows never rewritten', async (t) => {
    const sample = join(ROOT, '..', 'shared', 'peers', 'noworkflow', 'sample', '.noworkflow');
    if (!existsSync(sample)) return t.skip(`no noWorkflow sample database at ${sample}: NOT checked`);
    const dir = project();
    try {
      cpSync(sample, join(dir, '.noworkflow'), { recursive: true });
      const snapshot = () => {
        const db = new Database(join(dir, '.noworkflow/db.sqlite'), { readonly: true });
        try {
          return ['trial', 'evaluation', 'dependency', 'activation', 'code_component', 'stage_tags'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM "${t}" ORDER BY 1, 2`).all()));
        } finally {
          db.close();
        }
      };
      const before = snapshot();
      const list = await nbprov(['list', '--json'], { cwd: dir });
      assert.equal(list.code, 0, list.stderr);
      const trials = JSON.parse(list.stdout);
      assert.deepEqual(trials.map((x: { sequence: number; notebook: string; nbprov: boolean; status: string }) => [x.sequence, x.notebook, x.nbprov, x.status]), [
        [1, 'mean.py', false, 'finished'],
        [2, 'mean.py', false, 'finished'],
      ]);
      const show = await nbprov(['show', '2'], { cwd: dir });
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /\(no nbprov cell rows: this trial was recorded by noWorkflow itself\)/);
      assert.deepEqual(snapshot(), before);
    } finally {
      removeProject(dir);
    }
  });

  test('unusual but valid notebooks run: nbformat 4.0 without cell ids, 50 MB of old outputs', async () => {
    const dir = project();
    try {
      writeFileSync(join(dir, 'v40.ipynb'), JSON.stringify({ cells: [{ cell_type: 'code', execution_count: 3, metadata: {}, outputs: [], source: ['x = 1\n', 'x'] }], metadata: {}, nbformat: 4, nbformat_minor: 0 }));
      let r = await nbprov(['run', 'v40.ipynb', '-q'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      const big = 'y'.repeat(50 * 1024 * 1024);
      const cells = [{ cell_type: 'code', execution_count: 1, id: 'big', metadata: {}, outputs: [{ name: 'stdout', output_type: 'stream', text: big }], source: 'z = 2\nprint(z)' }];
      writeFileSync(join(dir, 'big.ipynb'), JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'P' } }, nbformat: 4, nbformat_minor: 5 }));
      r = await nbprov(['run', 'big.ipynb', '-q', '-o', 'big.out.ipynb'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(readFileSync(join(dir, 'big.out.ipynb'), 'utf8')).cells[0].outputs, [{ name: 'stdout', output_type: 'stream', text: ['2\n'] }]);
      const db = openDb(dir);
      assert.deepEqual(db.prepare("SELECT COUNT(*) AS n FROM trial").get(), { n: 2 });
      db.close();
      copyFileSync(join(dir, 'big.ipynb'), join(dir, 'copy.ipynb'));
    } finally {
      removeProject(dir);
    }
  });
});
