import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, waitNoProcesses } from './helpers/cli.js';

function notebook(dir: string, name: string, sources: string[]): void {
  const cells = sources.map((s, i) => ({ cell_type: 'code', execution_count: null, id: `f${i + 1}`, metadata: {}, outputs: [], source: s }));
  writeFileSync(join(dir, name), JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 }));
}

const statuses = (dir: string) => {
  const db = openDb(dir);
  try {
    return {
      trial: (db.prepare('SELECT status FROM nbprov_trial').get() as { status: string }).status,
      cells: (db.prepare('SELECT status FROM nbprov_cell ORDER BY cell_index').all() as { status: string }[]).map((c) => c.status),
    };
  } finally {
    db.close();
  }
};

describe('faults: the trial survives, marked', () => {
  test('a cell that kills the kernel: exit 3, kernel-died, no later cell runs in a restarted kernel', async () => {
    const dir = project();
    try {
      notebook(dir, 'die.ipynb', ['a = 1', 'import os\nos._exit(1)', "open('ran-after-death', 'w').write('x')"]);
      const r = await nbprov(['run', 'die.ipynb', '-o', 'out.ipynb'], { cwd: dir });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^nbprov: kernel died/m);
      assert.deepEqual(statuses(dir), { trial: 'kernel-died', cells: ['ok', 'error', 'not-run'] });
      assert.throws(() => readFileSync(join(dir, 'ran-after-death')), /ENOENT/);
      assert.equal(JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')).cells[0].execution_count, 1, 'executed notebook written up to the death');
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  test('--timeout interrupts the cell: exit 3, timed-out, earlier cells kept', async () => {
    const dir = project();
    try {
      notebook(dir, 'slow.ipynb', ['a = 1', 'import time\ntime.sleep(60)', 'b = 2']);
      const started = Date.now();
      const r = await nbprov(['run', 'slow.ipynb', '--timeout', '1'], { cwd: dir });
      assert.equal(r.code, 3, r.stderr);
      assert.ok(Date.now() - started < 20_000, 'did not wait for the sleep');
      assert.match(r.stderr, /^nbprov: cell exceeded the 1 s timeout$/m);
      assert.deepEqual(statuses(dir), { trial: 'timed-out', cells: ['ok', 'error', 'not-run'] });
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  test('SIGINT interrupts the kernel: exit 130, interrupted, finished cells kept', async () => {
    const dir = project();
    try {
      notebook(dir, 'long.ipynb', ['a = 1', "import time\nopen('started', 'w').close()\ntime.sleep(60)", 'b = 2']);
      const r = await nbprov(['run', 'long.ipynb'], {
        cwd: dir,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            try {
              readFileSync(join(dir, 'started'));
              clearInterval(poll);
              child.kill('SIGINT');
            } catch {
              /* cell not started yet */
            }
          }, 50);
          child.on('exit', () => clearInterval(poll));
        },
      });
      assert.equal(r.code, 130, r.stderr);
      assert.deepEqual(statuses(dir), { trial: 'interrupted', cells: ['ok', 'error', 'not-run'] });
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  test('kill -9 of nbprov: the trial stays with its finished cells, reads as unfinished, the server goes away', async () => {
    const dir = project();
    try {
      notebook(dir, 'long.ipynb', ['a = 1', "import time\nopen('started', 'w').close()\ntime.sleep(60)"]);
      const r = await nbprov(['run', 'long.ipynb'], {
        cwd: dir,
        onSpawn: (child) => {
          const poll = setInterval(() => {
            try {
              readFileSync(join(dir, 'started'));
              clearInterval(poll);
              child.kill('SIGKILL');
            } catch {
              /* not yet */
            }
          }, 50);
        },
      });
      assert.equal(r.signal, 'SIGKILL');
      assert.deepEqual(statuses(dir), { trial: 'running', cells: ['ok', 'pending'] });
      const list = await nbprov(['list', '--json'], { cwd: dir });
      assert.equal(JSON.parse(list.stdout)[0].status, 'unfinished');
      assert.deepEqual(await waitNoProcesses(dir, 10_000), [], 'the orphaned server and kernel exit by themselves');
    } finally {
      removeProject(dir);
    }
  });
});
