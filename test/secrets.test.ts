import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, writeNotebook } from './helpers/cli.js';

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
});
