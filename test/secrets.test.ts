import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';

// What a notebook can learn or leave behind (issue #13): the private server's token, the history file, and
// terminal control sequences in notebook text.
describe('secrets and the terminal', () => {
  let dir: string;
  before(() => {
    dir = project();
  });
  after(() => removeProject(dir));

  test("the kernel's environment has no JUPYTER_TOKEN, and cell sources stay out of IPython's history file", async () => {
    writeNotebook(dir, 'peek.ipynb', [
      "import os\nprint('JUPYTER_TOKEN' in os.environ)",
      "marker = 'pasted-secret-8c1f'\nprint(get_ipython().history_manager.hist_file)",
    ]);
    const ipython = join(dir, 'ipython');
    const r = await nbprov(['run', 'peek.ipynb', '-q', '-o', 'out.ipynb'], { cwd: dir, env: { IPYTHONDIR: ipython } });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
    assert.deepEqual(out.cells.map((c: { outputs: { text: string[] }[] }) => c.outputs.map((o) => o.text.join(''))), [['False\n'], [':memory:\n']]);
    const history = join(ipython, 'profile_default', 'history.sqlite');
    assert.ok(!existsSync(history) || !readFileSync(history).includes('pasted-secret-8c1f'));
  });

  test('cells and show print notebook text without its terminal control sequences', async () => {
    writeNotebook(dir, 'ansi.ipynb', ['x = 1  # \u001b]0;retitled\u0007\u001b[31mred\u001b[0m\u0008over']);
    const cells = await nbprov(['cells', 'ansi.ipynb'], { cwd: dir });
    assert.equal(cells.code, 0, cells.stderr);
    assert.equal(cells.stdout.split('\n')[1].replace(/^1\s+\S+\s+-\s+/, ''), 'x = 1  # redover');
    const run = await nbprov(['run', 'ansi.ipynb', '-q', '--db', 'ansi.sqlite'], { cwd: dir });
    assert.equal(run.code, 0, run.stderr);
    const show = await nbprov(['show', 'last', '--code', '--db', 'ansi.sqlite'], { cwd: dir });
    assert.equal(show.code, 0, show.stderr);
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(show.stdout), JSON.stringify(show.stdout));
    assert.match(show.stdout, /\nx = 1 {2}# redover\n/);
  });

  test('secret values, their aliases, secret dict entries and URL passwords stay out of the database (but for the sources)', async () => {
    writeNotebook(dir, 'leak.ipynb', [
      "dsn = 'postgres://admin:hunter22@db/prod'\nprint(dsn)",
      "api_key = 'k-12345'\ntok = api_key\nprint(tok)\ncfg = {'secret_key': 's3cr3t!', 'n': 1}\ncfg",
    ]);
    const r = await nbprov(['run', 'leak.ipynb', '-q', '--db', 'leak.sqlite'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const db = openDb(dir, 'leak.sqlite');
    const found: string[] = [];
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
        for (const { name: column } of db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]) {
          if (name === 'nbprov_cell' && column === 'first_line') continue; // the source's first line, as the notebook holds it
          for (const secret of ['hunter22', 'k-12345', 's3cr3t!']) {
            if ((db.prepare(`SELECT COUNT(*) AS n FROM "${name}" WHERE CAST("${column}" AS TEXT) LIKE ?`).get(`%${secret}%`) as { n: number }).n) found.push(`${name}.${column}: ${secret}`);
          }
        }
      }
      assert.deepEqual(db.prepare('SELECT outputs FROM nbprov_cell ORDER BY cell_index').pluck().all(), [
        'stdout: postgres://admin:<redacted>@db/prod',
        "stdout: <redacted> | {'secret_key': '<redacted>', 'n': 1}",
      ]);
    } finally {
      db.close();
    }
    assert.deepEqual(found, []);
  });
});

