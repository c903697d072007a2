import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, waitNoProcesses, whenExists, writeNotebook } from '../helpers/cli.js';
import { freePort } from '../helpers/jupyter.js';

/** Local addresses (hex `ADDR:PORT` as in /proc/net/tcp*) of listening TCP sockets on `port`. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
      .map((f) => f[1]),
  );
}

describe('--port for the private server', () => {
  test('a port already in use: exit 3, one line saying so and what to do, the server\'s log under it, nothing recorded', async () => {
    const dir = project('fails.ipynb');
    // A listener that accepts and never answers: nbprov must not wait on it.
    const holder: Server = createServer(() => {});
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const started = Date.now();
      const r = await nbprov(['run', 'fails.ipynb', '--port', String(port)], { cwd: dir, killAfterMs: 30_000 });
      assert.equal(r.code, 3, `${r.signal ?? ''} ${r.stderr}`);
      assert.ok(Date.now() - started < 15_000, 'failed fast');
      const lines = r.stderr.split('\n');
      assert.deepEqual(lines.slice(0, 3), [
        `nbprov: port ${port} on 127.0.0.1 is already in use`,
        '  hint: pick another --port or omit it (nbprov then picks a free one)',
        '    server log (last lines):',
      ]);
      assert.match(r.stderr, new RegExp(`\\n {4}\\[C [^\\]]*ServerApp\\] ERROR: the Jupyter server could not be started because port ${port} is not available\\.\\n`));
      assert.equal(r.stdout, '');
      // As for every other start-up failure: the database is opened only once a kernel runs.
      assert.equal(existsSync(join(dir, '.noworkflow')), false, 'no trial, no database');
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      holder.close();
      removeProject(dir);
    }
  });

  test('a free port: the private server listens there, on 127.0.0.1 only', async () => {
    const dir = project();
    try {
      writeNotebook(dir, 'p.ipynb', ["import time\nopen('ready', 'w').close()\ntime.sleep(1.5)", 'x = 1']);
      const port = await freePort();
      let seen: string[] = [];
      const r = await nbprov(['run', 'p.ipynb', '--port', String(port), '-q'], {
        cwd: dir,
        onSpawn: (child) => child.on('exit', whenExists(join(dir, 'ready'), () => void (seen = listeners(port)))),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(seen, [`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`], 'one listener, 127.0.0.1, no IPv6 or wildcard');
      const db = openDb(dir);
      assert.deepEqual(db.prepare('SELECT server_kind, server_url FROM nbprov_trial').get(), { server_kind: 'private', server_url: `http://127.0.0.1:${port}` });
      db.close();
      assert.deepEqual(await waitNoProcesses(dir), []);
    } finally {
      removeProject(dir);
    }
  });

  test('bad values and --port with --server are usage errors (exit 2), nothing started', async () => {
    const dir = project('fails.ipynb');
    try {
      const values = ['0', '65536', 'http', '80.5', '-1'];
      const results = await Promise.all(values.map((value) => nbprov(['run', 'fails.ipynb', '--port', value], { cwd: dir })));
      values.forEach((value, i) => {
        assert.equal(results[i].code, 2, results[i].stderr);
        assert.equal(results[i].stderr, `error: option '--port <n>' argument '${value}' is invalid. --port needs an integer from 1 to 65535, got '${value}'.\n(run with --help for usage)\n`);
      });
      const r = await nbprov(['run', 'fails.ipynb', '--port', '8888', '--server', 'http://127.0.0.1:8888'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "nbprov: --port is the private server's port; it cannot be used with --server\n  hint: put the port in the --server URL\n");
      assert.equal(existsSync(join(dir, '.noworkflow')), false);
    } finally {
      removeProject(dir);
    }
  });
});
