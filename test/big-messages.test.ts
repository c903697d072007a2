import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';
import { startJupyterServer, type TestServer } from './helpers/jupyter.js';

// Messages too big for the defaults of a Jupyter server: output over its IOPub rate limit, cells over its
// websocket message limit (issue #13).
function notebook(dir: string, name: string, sources: string[]): void {
  const cells = sources.map((source) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null }));
  const nb = { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } }, cells };
  writeFileSync(join(dir, name), JSON.stringify(nb));
}

describe('big messages', () => {
  let dir: string;
  before(() => {
    dir = project();
  });
  after(() => removeProject(dir));

  test('a cell printing 4 MB keeps every byte in -o, as nbconvert does (no IOPub data rate limit)', async () => {
    notebook(dir, 'loud.ipynb', ["print('x' * 4_000_000)", 'y = 1']);
    const r = await nbprov(['run', 'loud.ipynb', '-q', '-o', 'loud.out.ipynb', '--db', 'loud.sqlite'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(readFileSync(join(dir, 'loud.out.ipynb'), 'utf8'));
    assert.deepEqual(out.cells[0].outputs.map((o: { text: string[] }) => o.text.join('')), [`${'x'.repeat(4_000_000)}\n`]);
  });

  test('a cell over the 10 MiB websocket limit is refused before anything starts (exit 2, no database)', async () => {
    notebook(dir, 'huge.ipynb', ['a = 1', `s = '${'x'.repeat(11 << 20)}'`]);
    const r = await nbprov(['run', 'huge.ipynb', '--db', 'huge.sqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(
      r.stderr,
      `nbprov: ${join(dir, 'huge.ipynb')} cell 2 is 11.0 MiB: over the 10 MiB a Jupyter server accepts in one websocket message\n` +
        '  hint: load big data from a file in the cell instead of pasting it (a -p value counts too)\n',
    );
    assert.equal(existsSync(join(dir, 'huge.sqlite')), false);
  });

  test('a cell source with a NUL byte is refused at validation (exit 2)', async () => {
    notebook(dir, 'nul.ipynb', ['a = 1', 'b = "\u0000"']);
    const r = await nbprov(['run', 'nul.ipynb', '--db', 'nul.sqlite'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `nbprov: ${join(dir, 'nul.ipynb')} cell 2 contains a NUL byte\n  hint: remove it from the cell source\n`);
    assert.equal(existsSync(join(dir, 'nul.sqlite')), false);
  });
});

describe('a server that drops a message', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    // A server whose websocket limit is far below the default: it closes the websocket on the cell's request.
    server = await startJupyterServer({ args: ['--ServerApp.tornado_settings={"websocket_max_message_size": 400000}'] });
    dir = project();
  });
  after(async () => {
    await server.stop();
    removeProject(dir);
  });

  test('never waits for ever: the cell fails as server-lost (exit 3) and earlier cells are kept', async () => {
    notebook(dir, 'dropped.ipynb', ['a = 1', `s = '${'x'.repeat(500_000)}'`, 'b = 2']);
    const r = await nbprov(['run', 'dropped.ipynb', '-q', '--server', server.url], { cwd: dir, env: { JUPYTER_TOKEN: server.token }, killAfterMs: 60_000 });
    assert.equal(r.signal, null, 'nbprov hung');
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^nbprov: the websocket to the kernel dropped while the cell ran, so its reply is lost\n/);
    const db = openDb(dir);
    try {
      assert.equal((db.prepare('SELECT status FROM nbprov_trial').get() as { status: string }).status, 'server-lost');
      assert.deepEqual(db.prepare('SELECT cell_index, status FROM nbprov_cell ORDER BY cell_index').all(), [
        { cell_index: 1, status: 'ok' },
        { cell_index: 2, status: 'error' },
        { cell_index: 3, status: 'not-run' },
      ]);
    } finally {
      db.close();
    }
  });
});
