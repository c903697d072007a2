import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { describe, test } from 'node:test';
import { nbprov, project, removeProject, writeNotebook } from '../helpers/cli.js';
import { startJupyterServer } from '../helpers/jupyter.js';

/** An IPv4 address of this machine that is not loopback, if it has one. */
function outsideAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

describe('--server over plain http', () => {
  test('warns that the token travels in clear text for another host, never for this machine\'s loopback; never prints the token', async (t) => {
    const address = outsideAddress();
    if (!address) return t.skip('this machine has no non-loopback IPv4 address: the non-TLS warning is NOT checked');
    const [outside, local] = await Promise.all([startJupyterServer({ ip: address }), startJupyterServer()]);
    const dir = project();
    try {
      writeNotebook(dir, 'w.ipynb', ['x = 1']);
      const run = (url: string, token: string) => nbprov(['run', 'w.ipynb', '--server', url, '-q'], { cwd: dir, env: { JUPYTER_TOKEN: token } });
      const localUrl = `http://localhost:${local.port}`;
      const [far, loopback, named] = await Promise.all([run(outside.url, outside.token), run(local.url, local.token), run(localUrl, local.token)]);

      assert.equal(far.code, 0, far.stderr);
      assert.equal(far.stderr, `nbprov: warning: ${outside.url} is not TLS; the token travels in clear text\n`);
      assert.ok(!(far.stdout + far.stderr).includes(outside.token), 'the token is not printed');
      for (const [r, url] of [[loopback, local.url], [named, localUrl]] as const) {
        assert.equal(r.code, 0, `${url}: ${r.stderr}`);
        assert.equal(r.stderr, '', `no warning for ${url}`);
        assert.ok(!r.stdout.includes(local.token));
      }

      // A host name that merely starts like a loopback address is somebody else's machine.
      const lookalike = `http://127.0.0.1.invalid:${local.port}`;
      const r = await run(lookalike, local.token);
      assert.equal(r.code, 3);
      assert.match(r.stderr, new RegExp(`^nbprov: warning: http://127\\.0\\.0\\.1\\.invalid:${local.port} is not TLS; the token travels in clear text\\nnbprov: cannot reach Jupyter server at `));
      assert.ok(!r.stderr.includes(local.token));
    } finally {
      await Promise.all([outside.stop(), local.stop()]);
      removeProject(dir);
    }
  });
});
