import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, waitNoProcesses, whenExists, writeNotebook } from './helpers/cli.js';

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
  const KILLERS: [string, string][] = [
    ['os._exit', 'import os\nos._exit(1)'],
    ['a segfault', 'import ctypes\nctypes.string_at(0)'],
    ['running out of memory (an address-space limit)', "import resource\nresource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\nhog = [bytearray(1 << 20) for _ in range(4096)]"],
  ];
  for (const [how, killer] of KILLERS) {
    test(`a cell that kills the kernel (${how}): exit 3 or 1, no later cell runs in a restarted kernel`, async () => {
      const dir = project();
      try {
        writeNotebook(dir, 'die.ipynb', ['a = 1', killer, "open('ran-after-death', 'w').write('x')"]);
        const r = await nbprov(['run', 'die.ipynb', '-o', 'out.ipynb'], { cwd: dir });
        if (how.startsWith('running out')) {
          // Python turns a refused allocation into MemoryError: the cell fails, the kernel lives.
          assert.equal(r.code, 1, r.stderr);
          assert.match(r.stderr, /^nbprov: cell 2 raised MemoryError/m);
          assert.deepEqual(statuses(dir), { trial: 'failed', cells: ['ok', 'error', 'not-run'] });
        } else {
          assert.equal(r.code, 3, r.stderr);
          assert.match(r.stderr, /^nbprov: kernel died/m);
          assert.deepEqual(statuses(dir), { trial: 'kernel-died', cells: ['ok', 'error', 'not-run'] });
        }
        assert.throws(() => readFileSync(join(dir, 'ran-after-death')), /ENOENT/);
        assert.equal(JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8')).cells[0].execution_count, 1, 'executed notebook written up to the death');
        assert.deepEqual(await waitNoProcesses(dir), []);
      } finally {
        removeProject(dir);
      }
    });
  }

  test('--timeout interrupts the cell: exit 3, timed-out, earlier cells kept', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 'slow.ipynb', ['a = 1', 'import time\ntime.sleep(60)', 'b = 2']);
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
      writeNotebook(dir, 'long.ipynb', ['a = 1', "import time\nopen('started', 'w').close()\ntime.sleep(60)", 'b = 2']);
      const r = await nbprov(['run', 'long.ipynb'], {
        cwd: dir,
        env: { TMPDIR: tempDir(dir) },
        onSpawn: (child) => child.on('exit', whenExists(join(dir, 'started'), () => child.kill('SIGINT'))),
      });
      assert.equal(r.code, 130, r.stderr);
      assert.deepEqual(statuses(dir), { trial: 'interrupted', cells: ['ok', 'error', 'not-run'] });
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  for (const [signal, code, message] of [['SIGTERM', 143, 'terminated (SIGTERM)'], ['SIGHUP', 129, 'hung up (SIGHUP)']] as const) {
    test(`${signal} stops the run as Ctrl-C does: exit ${code}, interrupted, finished cells and -o kept, temp dir removed`, async () => {
      const dir = project();
      try {
        writeNotebook(dir, 'long.ipynb', ['a = 1', "import time\nopen('started', 'w').close()\ntime.sleep(60)", 'b = 2']);
        const r = await nbprov(['run', 'long.ipynb', '-o', 'out.ipynb'], {
          cwd: dir,
          env: { TMPDIR: tempDir(dir) },
          onSpawn: (child) => child.on('exit', whenExists(join(dir, 'started'), () => child.kill(signal))),
        });
        assert.equal(r.code, code, r.stderr);
        assert.match(r.stderr, new RegExp(`interrupting the kernel \\(${signal} again to quit at once\\)\nnbprov: ${message.replace(/[()]/g, '\\$&')}\n`));
        assert.deepEqual(statuses(dir), { trial: 'interrupted', cells: ['ok', 'error', 'not-run'] });
        const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
        assert.equal(out.cells[0].execution_count, 1);
        assert.deepEqual(await waitNoProcesses(dir), []);
        assert.deepEqual(await waitEmpty(tempDir(dir)), []);
      } finally {
        removeProject(dir);
      }
    });
  }

  test('temp dirs left by dead nbprov processes are removed by the next run; a live one\'s are not', async () => {
    const dir = project();
    try {
      const tmp = tempDir(dir);
      for (const [name, owner] of [['nbprov-jupyter-dead01', '999999999'], ['nbprov-jupyter-live01', String(process.pid)]]) {
        mkdirSync(join(tmp, name, 'runtime'), { recursive: true });
        writeFileSync(join(tmp, name, 'nbprov.pid'), owner);
      }
      writeNotebook(dir, 'quick.ipynb', ['a = 1']);
      const r = await nbprov(['run', 'quick.ipynb', '-q'], { cwd: dir, env: { TMPDIR: tmp } });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(await waitEmpty(tmp, 5000, 1), ['nbprov-jupyter-live01']);
    } finally {
      removeProject(dir);
    }
  });

  test('a second Ctrl-C quits at once: exit 130, the server and kernel go away by themselves', async () => {
    const dir = project();
    try {
      // The first SIGINT interrupts the kernel; this cell ignores KeyboardInterrupt, so only the second ends the run.
      writeNotebook(dir, 'stubborn.ipynb', ["import time\nopen('started', 'w').close()\nfor _ in range(600):\n    try:\n        time.sleep(0.1)\n    except KeyboardInterrupt:\n        pass"]);
      const started = Date.now();
      const r = await nbprov(['run', 'stubborn.ipynb'], {
        cwd: dir,
        env: { TMPDIR: tempDir(dir) },
        onSpawn: (child) =>
          child.on(
            'exit',
            whenExists(join(dir, 'started'), () => {
              child.kill('SIGINT');
              setTimeout(() => child.kill('SIGINT'), 500);
            }),
          ),
      });
      assert.equal(r.code, 130, r.stderr);
      assert.ok(Date.now() - started < 30_000);
      assert.match(r.stderr, /interrupting the kernel \(Ctrl-C again to quit at once\)/);
      assert.deepEqual(statuses(dir), { trial: 'running', cells: ['pending'] });
      assert.deepEqual(await waitNoProcesses(dir, 10_000), [], 'the orphaned server and kernel exit by themselves');
      assert.deepEqual(await waitEmpty(tempDir(dir)), [], 'and remove their temp dir');
    } finally {
      removeProject(dir);
    }
  });

  test('kill -9 of nbprov: the trial stays with its finished cells, reads as unfinished, the server goes away', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 'long.ipynb', ['a = 1', "import time\nopen('started', 'w').close()\ntime.sleep(60)"]);
      const r = await nbprov(['run', 'long.ipynb'], {
        cwd: dir,
        env: { TMPDIR: tempDir(dir) },
        onSpawn: (child) => child.on('exit', whenExists(join(dir, 'started'), () => child.kill('SIGKILL'))),
      });
      assert.equal(r.signal, 'SIGKILL');
      assert.deepEqual(statuses(dir), { trial: 'running', cells: ['ok', 'pending'] });
      const list = await nbprov(['list', '--json'], { cwd: dir });
      assert.equal(JSON.parse(list.stdout)[0].status, 'unfinished');
      assert.deepEqual(await waitNoProcesses(dir, 10_000), [], 'the orphaned server and kernel exit by themselves');
      assert.deepEqual(await waitEmpty(tempDir(dir)), [], 'and remove their temp dir');
    } finally {
      removeProject(dir);
    }
  });
});

/** A TMPDIR inside the project, to see what the private server leaves there. */
function tempDir(dir: string): string {
  const path = join(dir, 'tmp');
  mkdirSync(path, { recursive: true });
  return path;
}

/** Waits until `path` holds at most `leftAtMost` entries (default: empty), up to `ms`; returns what is left. */
async function waitEmpty(path: string, ms = 5000, leftAtMost = 0): Promise<string[]> {
  const deadline = Date.now() + ms;
  while (readdirSync(path).length > leftAtMost && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return readdirSync(path);
}
