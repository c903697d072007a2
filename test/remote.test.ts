import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';
import { startJupyterServer, type TestServer } from './helpers/jupyter.js';

describe('--server: a separately started Jupyter server', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startJupyterServer();
    dir = project('fails.ipynb');
  });
  after(async () => {
    await server.stop();
    removeProject(dir);
  });

  test('runs through the remote server with the token from JUPYTER_TOKEN, never on argv', async () => {
    let cmdline = '';
    const r = await nbprov(['run', 'fails.ipynb', '--allow-errors', '--server', server.url], {
      cwd: dir,
      env: { JUPYTER_TOKEN: server.token },
      onSpawn: (child) => {
        setTimeout(() => {
          try {
            cmdline = readFileSync(`/proc/${child.pid}/cmdline`, 'utf8');
          } catch {
            /* already done */
          }
        }, 200);
      },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, / finished: 2\/3 cells ok, 1 failed, /);
    assert.ok(cmdline.includes('--server'), 'read the command line while running');
    assert.ok(!cmdline.includes(server.token));
    const db = openDb(dir);
    const row = db.prepare('SELECT server_kind, server_url FROM nbprov_trial').get();
    assert.deepEqual(row, { server_kind: 'remote', server_url: server.url });
    const everything = JSON.stringify(db.prepare('SELECT * FROM trial').all()) + JSON.stringify(db.prepare('SELECT * FROM environment_attr').all());
    assert.ok(!everything.includes(server.token), 'the token is not stored');
    db.close();
  });

  test('the token can come from --token-file', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, server.token + '\n');
    const r = await nbprov(['run', 'fails.ipynb', '--server', server.url, '--token-file', tokenFile, '-q'], { cwd: dir, env: { JUPYTER_TOKEN: undefined } });
    assert.equal(r.code, 1, r.stderr);
  });

  test('a wrong token says "token rejected" (exit 3), not the server\'s xsrf message, and is not echoed', async () => {
    const r = await nbprov(['run', 'fails.ipynb', '--server', server.url], { cwd: dir, env: { JUPYTER_TOKEN: 'wrong-token-value' } });
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `nbprov: token rejected by ${server.url}/ (HTTP 403)\n  hint: pass the server token through --token-file FILE or the JUPYTER_TOKEN environment variable\n`);
  });

  test('an unreachable server: exit 3 with what to check', async () => {
    const r = await nbprov(['run', 'fails.ipynb', '--server', 'http://127.0.0.1:9'], { cwd: dir });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^nbprov: cannot reach Jupyter server at http:\/\/127\.0\.0\.1:9\/: /);
  });

  test('unknown kernel: exit 2 listing the server\'s kernelspecs, no trial written', async () => {
    const fresh = project('fails.ipynb');
    try {
      const r = await nbprov(['run', 'fails.ipynb', '--server', server.url, '--kernel', 'julia-1.9'], { cwd: fresh, env: { JUPYTER_TOKEN: server.token } });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "nbprov: unknown kernel 'julia-1.9'; the server has: python3\n  hint: pick one with --kernel NAME\n");
      assert.throws(() => readFileSync(join(fresh, '.noworkflow/db.sqlite')), /ENOENT/);
    } finally {
      removeProject(fresh);
    }
  });
});
