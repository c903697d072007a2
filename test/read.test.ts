import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject } from './helpers/cli.js';

describe('list and show', () => {
  let dir: string;
  before(async () => {
    dir = project('fails.ipynb', 'outputs.ipynb');
    for (const args of [['run', 'outputs.ipynb', '-q'], ['run', 'fails.ipynb', '-q'], ['run', 'fails.ipynb', '-q', '--allow-errors']]) {
      const r = await nbprov(args, { cwd: dir });
      assert.notEqual(r.code, null, r.stderr);
    }
  });
  after(() => removeProject(dir));

  test('list: a table, newest last', async () => {
    const r = await nbprov(['list'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^#\s+id\s+notebook\s+start\s+duration\s+status\s+cells ok\/failed$/);
    assert.match(lines[1], /^1\s+[0-9a-f]{8}\s+outputs\.ipynb\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\d+\.\d\d s\s+finished\s+5\/1$/);
    assert.match(lines[2], /^2\s+[0-9a-f]{8}\s+fails\.ipynb\s+.*\s+failed\s+1\/1$/);
    assert.match(lines[3], /^3\s+[0-9a-f]{8}\s+fails\.ipynb\s+.*\s+finished\s+2\/1$/);
    assert.equal(lines.length, 4);
  });

  test('list NOTEBOOK --json: only that notebook', async () => {
    const r = await nbprov(['list', 'fails.ipynb', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const trials = JSON.parse(r.stdout);
    assert.deepEqual(trials.map((t: { sequence: number; status: string }) => [t.sequence, t.status]), [[2, 'failed'], [3, 'finished']]);
    assert.deepEqual(Object.keys(trials[0]).sort(), [
      'capture', 'cellsFailed', 'cellsOk', 'cellsTotal', 'command', 'error', 'finish', 'id', 'kernel', 'metrics', 'name', 'nbprov', 'notebook', 'params', 'seconds', 'sequence', 'start', 'status', 'tag',
    ]);
  });

  test('selectors: number, last, last~N, id prefix resolve to the same trials', async () => {
    const all = JSON.parse((await nbprov(['list', '--json'], { cwd: dir })).stdout) as { id: string; sequence: number }[];
    for (const [selector, sequence] of [['2', 2], ['last', 3], ['last~2', 1], [all[1].id.slice(0, 8), 2], [all[0].id, 1]] as const) {
      const r = await nbprov(['show', selector, '--json'], { cwd: dir });
      assert.equal(r.code, 0, `${selector}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).trial.sequence, sequence, selector);
    }
  });

  test('show: header and one row per cell; --code prints the sources', async () => {
    const r = await nbprov(['show', '2', '--code'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^trial 2 {2}[0-9a-f-]{36} {2}\(1\.1\.1\)\nnotebook {2}fails\.ipynb\nstatus {4}failed — NBPROV_CELL_FAILED: cell 2 raised RuntimeError: boom\n/);
    assert.match(r.stdout, /\ncommand {3}nbprov run fails\.ipynb -q\n/);
    assert.match(r.stdout, /\npython {4}3\.\d+\.\d+ {3}kernel python3 \(ipython \d/);
    assert.match(r.stdout, /\n1\s+[0-9a-f]{10}\s+\d+\.\d\d s\s+ok\s+stdout: one\s+x = 1\n/);
    assert.match(r.stdout, /\n2\s+[0-9a-f]{10}\s+\d+\.\d\d s\s+error\s+RuntimeError: boom\s+y = x \+ 1\n/);
    assert.match(r.stdout, /\n3\s+[0-9a-f]{10}\s+-\s+not-run\s+z = y \* 2\n/);
    assert.match(r.stdout, /── cell 3 \(not-run\) ─+\nz = y \* 2\nprint\(z\)\n/);
  });

  test('unknown, ambiguous and malformed selectors: exit 2 saying what exists', async () => {
    let r = await nbprov(['show', '99'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "nbprov: trial '99' not found: 3 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n");
    r = await nbprov(['show', 'last~7'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nbprov: trial 'last~7' not found: 3 trials exist\n/);
    r = await nbprov(['show', 'yesterday'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nbprov: trial 'yesterday' not found/);
    // past 2^53: exit 2, not SQLite's datatype mismatch (exit 70)
    for (const selector of ['last~99999999999999999999', '99999999999999999999']) {
      r = await nbprov(['show', selector], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^nbprov: trial '${selector}' not found: 3 trials exist\n`));
    }
    for (const variable of ['x@v99999999999999999999', 'x@99999999999999999999']) {
      r = await nbprov(['deps', variable], { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^nbprov: '${variable}' is not NAME, NAME@CELL or NAME@vN\n`));
    }
  });

  test('outside a project: list says there is no database (exit 2)', async () => {
    const empty = project();
    try {
      const r = await nbprov(['list'], { cwd: empty });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^nbprov: no nbprov database at .*\.noworkflow\/db\.sqlite\n {2}hint: record a trial first with `nbprov run NOTEBOOK\.ipynb`/);
    } finally {
      removeProject(empty);
    }
  });

  test('--help shows examples and exit codes', async () => {
    const r = await nbprov(['run', '--help'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Examples:\n {2}\$ nbprov run experiment\.ipynb\n/);
    assert.match(r.stdout, /Exit codes: 0 all cells ok \(or --allow-errors\) · 1 a cell raised · 2 bad notebook\/options · 3 kernel died, timed out or server failed · 130 Ctrl-C/);
    const top = spawnSync(process.execPath, ['bin/nbprov.cjs', 'nope'], { encoding: 'utf8' });
    assert.equal(top.status, 2);
  });
});
