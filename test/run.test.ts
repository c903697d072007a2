import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TIMESTAMP, nbprov, openDb, project, removeProject, waitNoProcesses } from './helpers/cli.js';

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const cellSources = (dir: string, file: string) =>
  (JSON.parse(readFileSync(join(dir, file), 'utf8')).cells as { cell_type: string; source: string[] }[])
    .map((c, i) => ({ index: i + 1, type: c.cell_type, source: c.source.join('') }))
    .filter((c) => c.type === 'code');

describe('nbprov run: the wine notebook, end to end', () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof nbprov>>;
  before(async () => {
    dir = project('wine.ipynb');
    result = await nbprov(['run', 'wine.ipynb', '-o', 'executed.ipynb'], { cwd: dir });
  });
  after(() => removeProject(dir));

  test('exits 0 with a one-line summary', () => {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^trial 1 \([0-9a-f]{8}\) finished: 6\/6 cells ok, \d+\.\d\d s\n$/);
  });

  test('writes a noWorkflow trial row with local timestamps and the command', () => {
    const db = openDb(dir);
    const trial = db.prepare('SELECT * FROM trial').get() as Record<string, unknown>;
    assert.equal(trial.sequence_key, 1);
    assert.match(String(trial.id), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(trial.script, 'wine.ipynb');
    assert.equal(trial.status, 'finished');
    assert.equal(trial.command, 'nbprov run wine.ipynb -o executed.ipynb');
    assert.equal(trial.main_id, 1);
    assert.equal(trial.parent_id, null);
    assert.match(String(trial.start), TIMESTAMP);
    assert.match(String(trial.finish), TIMESTAMP);
    const main = db.prepare('SELECT code_hash FROM code_block WHERE trial_id = ? AND id = 1').get(trial.id) as { code_hash: string };
    assert.equal(main.code_hash, sha1(readFileSync(join(dir, 'wine.ipynb', ), 'utf8')));
    db.close();
  });

  test('one activation per cell, code hash = sha1 of its source, sources in the content store', () => {
    const db = openDb(dir);
    const cells = db
      .prepare(
        `SELECT c.cell_index, c.cell_id, c.status, c.execution_count, b.code_hash, a.name, a.code_block_id, e.code_component_id, e.activation_id
         FROM nbprov_cell c JOIN activation a ON a.trial_id = c.trial_id AND a.id = c.activation_id
         JOIN code_block b ON b.trial_id = a.trial_id AND b.id = a.code_block_id
         JOIN evaluation e ON e.trial_id = a.trial_id AND e.id = a.id ORDER BY c.cell_index`,
      )
      .all() as Record<string, unknown>[];
    const sources = cellSources(dir, 'wine.ipynb');
    assert.deepEqual(cells.map((c) => c.cell_index), [2, 3, 4, 5, 6, 7]);
    assert.deepEqual(cells.map((c) => c.cell_id), ['c2', 'c3', 'c4', 'c5', 'c6', 'c7']);
    assert.deepEqual(cells.map((c) => c.status), ['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    assert.deepEqual(cells.map((c) => c.execution_count), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(cells.map((c) => c.code_hash), sources.map((s) => sha1(s.source)));
    for (const c of cells) {
      assert.equal(c.code_component_id, c.code_block_id);
      assert.equal(c.activation_id, 1, 'cell evaluations belong to the main activation');
      assert.equal(c.name, `<ipython-input-${c.execution_count}-${String(c.code_hash).slice(0, 12)}>`);
      const stored = join(dir, '.noworkflow/content', String(c.code_hash).slice(0, 2), String(c.code_hash).slice(2));
      assert.equal(sha1(readFileSync(stored, 'utf8')), c.code_hash);
    }
    db.close();
  });

  test('records the environment and the modules the notebook imported', () => {
    const db = openDb(dir);
    const env = Object.fromEntries((db.prepare('SELECT name, value FROM environment_attr').all() as { name: string; value: string }[]).map((r) => [r.name, r.value]));
    assert.match(env.python_version, /^3\.\d+\.\d+$/);
    assert.equal(env.kernel_name, 'python3');
    assert.match(env.jupyter_server, /^\d+\.\d+/);
    assert.match(env.nbprov, /^\d+\.\d+\.\d+$/);
    const modules = (db.prepare('SELECT name FROM module').all() as { name: string }[]).map((m) => m.name);
    for (const m of ['numpy', 'pandas', 'sklearn']) assert.ok(modules.includes(m), `module ${m} recorded (got ${modules.join(',')})`);
    db.close();
  });

  test('writes the executed notebook with outputs and counts', () => {
    const nb = JSON.parse(readFileSync(join(dir, 'executed.ipynb'), 'utf8'));
    const last = nb.cells[6];
    assert.equal(last.execution_count, 6);
    assert.deepEqual(last.outputs[0].data['text/plain'], ['1.0']);
    assert.deepEqual(nb.cells[3].outputs, [{ name: 'stdout', output_type: 'stream', text: ['(178, 13)\n'] }]);
    assert.equal(nb.metadata.language_info.name, 'python');
  });

  test('leaves no Jupyter server or kernel behind', async () => {
    assert.deepEqual(await waitNoProcesses(dir), []);
  });

  test('a second run links to the first (parent_id) and gets the next sequence number and tag', async () => {
    const second = await nbprov(['run', 'wine.ipynb', '-q'], { cwd: dir });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, '');
    const db = openDb(dir);
    const rows = db.prepare('SELECT t.sequence_key, t.id, t.parent_id, g.name AS tag FROM trial t JOIN tag g ON g.trial_id = t.id ORDER BY sequence_key').all() as Record<string, unknown>[];
    assert.equal(rows.length, 2);
    assert.equal(rows[1].parent_id, rows[0].id);
    assert.equal(rows[0].tag, '1.1.1');
    assert.equal(rows[1].tag, '1.2.1', 'same code, different command: minor+1');
    db.close();
  });
});

test('nbprov run -q -- -dash.ipynb: a notebook whose name starts with a dash, as cells takes it', async () => {
  const dir = project('fails.ipynb');
  try {
    renameSync(join(dir, 'fails.ipynb'), join(dir, '-dash.ipynb'));
    const r = await nbprov(['run', '-q', '--allow-errors', '--', '-dash.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const list = await nbprov(['list', '--json'], { cwd: dir });
    assert.equal(JSON.parse(list.stdout)[0].notebook, '-dash.ipynb');
  } finally {
    removeProject(dir);
  }
});

describe('nbprov run: failures', () => {
  test('a raising cell stops the run: exit 1, earlier cells kept, later ones not run', async () => {
    const dir = project('fails.ipynb');
    try {
      const r = await nbprov(['run', 'fails.ipynb', '-o', 'out.ipynb'], { cwd: dir });
      assert.equal(r.code, 1);
      assert.equal(r.stderr, "nbprov: cell 2 raised RuntimeError: boom\n  hint: fix the cell, or pass --allow-errors to run the remaining cells anyway\n");
      assert.match(r.stdout, /^trial 1 \([0-9a-f]{8}\) failed: 1\/3 cells ok, 1 failed, /);
      const db = openDb(dir);
      assert.deepEqual(db.prepare('SELECT cell_index, status, error_name, error_value FROM nbprov_cell ORDER BY cell_index').all(), [
        { cell_index: 1, status: 'ok', error_name: null, error_value: null },
        { cell_index: 2, status: 'error', error_name: 'RuntimeError', error_value: 'boom' },
        { cell_index: 3, status: 'not-run', error_name: null, error_value: null },
      ]);
      assert.deepEqual(db.prepare('SELECT status FROM trial').get(), { status: 'unfinished' });
      assert.deepEqual(db.prepare('SELECT status FROM nbprov_trial').get(), { status: 'failed' });
      db.close();
      const out = JSON.parse(readFileSync(join(dir, 'out.ipynb'), 'utf8'));
      assert.equal(out.cells[1].outputs[0].ename, 'RuntimeError', 'the executed notebook keeps the error, like papermill');
      assert.deepEqual(out.cells[2].outputs, []);
    } finally {
      removeProject(dir);
    }
  });

  test('--allow-errors runs every cell and exits 0, as nbconvert does; list and show count the failed cell', async () => {
    const dir = project('fails.ipynb');
    try {
      const r = await nbprov(['run', 'fails.ipynb', '--allow-errors'], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, / finished: 2\/3 cells ok, 1 failed, /);
      const db = openDb(dir);
      assert.deepEqual(db.prepare('SELECT status FROM nbprov_cell ORDER BY cell_index').all().map((r) => (r as { status: string }).status), ['ok', 'error', 'ok'], 'cell 2 assigned y before raising');
      db.close();
      const list = await nbprov(['list'], { cwd: dir });
      assert.match(list.stdout.split('\n')[1], /\sfinished\s+2\/1$/);
      const show = await nbprov(['show', 'last'], { cwd: dir });
      assert.equal(show.stdout.split('\n')[2], 'status    finished, 1 cell raised');
    } finally {
      removeProject(dir);
    }
  });

  const conformance: [string, string, RegExp][] = [
    ['outputs.ipynb', 'streams, display updates, clear_output, tags', / finished: 5\/7 cells ok, 1 failed \(1 expected\), 1 skipped, /],
    ['displays.ipynb', 'display_id updates reaching earlier cells, raw update_display_data, clear then update', / finished: 6\/6 cells ok, /],
  ];
  for (const [fixture, what, summary] of conformance) {
    test(`the executed notebook matches jupyter nbconvert --execute: ${what}`, async () => {
      const dir = project(fixture);
      try {
        const r = await nbprov(['run', fixture, '-o', 'nbprov.ipynb'], { cwd: dir });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, summary);
        const { spawnSync } = await import('node:child_process');
        const nbc = spawnSync('/usr/bin/jupyter', ['nbconvert', '--to', 'notebook', '--execute', fixture, '--output', 'nbconvert.ipynb'], { cwd: dir });
        assert.equal(nbc.status, 0, String(nbc.stderr));
        const strip = (nb: { cells: { metadata: Record<string, unknown>; outputs?: Record<string, unknown>[] }[] }) => {
          for (const c of nb.cells) {
            delete c.metadata.execution;
            for (const o of c.outputs ?? []) delete o.traceback; // colored tracebacks differ in frame names only
          }
          return nb;
        };
        const ours = strip(JSON.parse(readFileSync(join(dir, 'nbprov.ipynb'), 'utf8')));
        const theirs = strip(JSON.parse(readFileSync(join(dir, 'nbconvert.ipynb'), 'utf8')));
        assert.deepEqual(ours, theirs);
      } finally {
        removeProject(dir);
      }
    });
  }
});
