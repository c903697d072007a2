import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, waitNoProcesses, whenExists, writeNotebook } from '../helpers/cli.js';
import { startJupyterServer } from '../helpers/jupyter.js';

describe('a --server that becomes unreachable mid-run', () => {
  test('exit 3, server-lost, cell 1 and its variable kept, one line naming the server, no kernel left', { timeout: 60_000 }, async () => {
    const server = await startJupyterServer({ ownProcessGroup: true });
    const dir = project();
    try {
      const ready = join(dir, 'ready');
      // The remote kernel runs in the server's root, so the marker path is absolute.
      writeNotebook(dir, 'r.ipynb', ['a = 41 + 1', `import time\nopen(${JSON.stringify(ready)}, 'w').close()\ntime.sleep(30)`, 'b = 2']);
      writeFileSync(join(dir, 'token'), server.token + '\n');
      let killedAt = 0;
      const r = await nbprov(['run', 'r.ipynb', '--server', server.url, '--token-file', 'token'], {
        cwd: dir,
        env: { JUPYTER_TOKEN: undefined },
        // Without its own watch nbprov would wait for ever: end it so the test fails instead of hanging.
        killAfterMs: 40_000,
        onSpawn: (child) =>
          child.on(
            'exit',
            whenExists(ready, () => {
              killedAt = Date.now();
              process.kill(-server.process.pid!, 'SIGKILL');
            }),
          ),
      });
      const afterKill = (Date.now() - killedAt) / 1000;
      assert.ok(killedAt > 0, 'the server was killed while cell 2 ran');
      assert.equal(r.code, 3, `${r.signal ?? ''} ${r.stderr}`);
      // @jupyterlab/services alone would retry for ever (every 10-30 s); nbprov gives the server 4 s of silence.
      assert.ok(afterKill < 10, `gave up ${afterKill.toFixed(1)} s after the kill`);
      assert.equal(
        r.stderr,
        `nbprov: lost the connection to the Jupyter server at ${server.url}/ (no answer for 4 s)\n  hint: is the server still running and reachable?\n`,
      );
      assert.match(r.stdout, /^trial 1 \([0-9a-f]{8}\) server-lost: 1\/3 cells ok, 1 failed, [\d.]+ s\n$/);
      assert.ok(!(r.stdout + r.stderr).includes(server.token), 'the token is not printed');

      const db = openDb(dir);
      assert.deepEqual(db.prepare('SELECT status, server_kind, server_url FROM nbprov_trial').get(), { status: 'server-lost', server_kind: 'remote', server_url: server.url });
      assert.deepEqual(db.prepare('SELECT cell_index, status FROM nbprov_cell ORDER BY cell_index').all(), [
        { cell_index: 1, status: 'ok' },
        { cell_index: 2, status: 'error' },
        { cell_index: 3, status: 'not-run' },
      ]);
      assert.deepEqual(db.prepare('SELECT name, value FROM nbprov_value ORDER BY evaluation_id').all(), [{ name: 'a', value: '42' }]);
      db.close();

      const show = await nbprov(['show', 'last'], { cwd: dir });
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, new RegExp(`^status {4}server-lost — NBPROV_SERVER: lost the connection to the Jupyter server at ${server.url.replace(/\./g, '\\.')}/ \\(no answer for 4 s\\)$`, 'm'));
      // The kernel lives in its own session, outside the killed group: it notices its parent is gone and exits.
      assert.deepEqual(await waitNoProcesses(server.root, 5000), []);
    } finally {
      await server.stop();
      removeProject(dir);
    }
  });
});
