import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';

interface NotebookJson {
  cells: { cell_type: string; source: string[] | string; outputs?: unknown[]; execution_count?: number | null }[];
}

/** `index:status` of each code cell of a trial, in notebook order. */
function cellStatuses(dir: string, sequence: number): string[] {
  const db = openDb(dir);
  try {
    return (db
      .prepare(`SELECT c.cell_index || ':' || c.status AS s FROM nbprov_cell c JOIN trial t ON t.id = c.trial_id WHERE t.sequence_key = ? ORDER BY c.cell_index`)
      .pluck()
      .all(sequence) as string[]);
  } finally {
    db.close();
  }
}

/** [type, value] of a name's last version in a trial. */
function finalValue(dir: string, sequence: number, name: string): unknown[] {
  const db = openDb(dir);
  try {
    const row = db
      .prepare(`SELECT v.type, v.value FROM nbprov_value v JOIN trial t ON t.id = v.trial_id WHERE t.sequence_key = ? AND v.name = ? ORDER BY v.evaluation_id DESC LIMIT 1`)
      .get(sequence, name) as { type: string; value: string } | undefined;
    return row ? [row.type, row.value] : [];
  } finally {
    db.close();
  }
}

function trialCount(dir: string): number {
  const db = openDb(dir);
  try {
    return db.prepare('SELECT COUNT(*) FROM trial').pluck().get() as number;
  } finally {
    db.close();
  }
}

const SUMMARY = (sequence: number, status: string, counts: string) => new RegExp(`^trial ${sequence} \\([0-9a-f]{8}\\) ${status}: ${counts.replace(/[()]/g, '\\$&')}, \\d+\\.\\d\\d s\\n$`);

// lineage.ipynb: 2 parameters (alpha, n) · 3 data-reading (X, y) · 4, 5 feature-engineering · 6 unused · 7 model-scoring
// (score from X, y, alpha) · 8 loop · 9 func · 10 redef (g from b) · 11 metrics-evaluation (accuracy from score) · 12 summary.
// Trials in order: 1 full · 2 --only accuracy · 3 --only g · 4 --stage data-reading,feature-engineering · 5 --stage
// model-scoring --force · 6 --only accuracy after a harmless edit · 7 --only accuracy --only g.
describe('run --only / --stage', () => {
  let dir: string;
  before(() => {
    dir = project('lineage.ipynb');
  });
  after(() => removeProject(dir));

  const editCell = (index: number, source: string) => {
    const nb = JSON.parse(readFileSync(join(dir, 'lineage.ipynb'), 'utf8')) as NotebookJson;
    nb.cells[index - 1].source = source;
    writeFileSync(join(dir, 'lineage.ipynb'), JSON.stringify(nb));
  };

  test('--only without a recorded trial of the notebook refuses before anything starts', async () => {
    const r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "nbprov: --only accuracy: no recorded trial of lineage.ipynb assigned accuracy\n  hint: run the whole notebook first (nbprov run lineage.ipynb), so that --only can follow accuracy's lineage\n");
    assert.equal(existsSync(join(dir, '.noworkflow')), false);
  });

  test('--only accuracy runs the cells slice keeps, the rest recorded as skipped, with the full run\'s value', async () => {
    let r = await nbprov(['run', 'lineage.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy', '-o', 'only.ipynb'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, SUMMARY(2, 'finished', '4/11 cells ok, 7 skipped'));
    assert.deepEqual(cellStatuses(dir, 2), ['2:ok', '3:ok', '4:skipped', '5:skipped', '6:skipped', '7:ok', '8:skipped', '9:skipped', '10:skipped', '11:ok', '12:skipped']);
    assert.deepEqual(finalValue(dir, 2, 'accuracy'), ['numpy.float64', '0.9995']);
    assert.deepEqual(finalValue(dir, 2, 'accuracy'), finalValue(dir, 1, 'accuracy'));
    r = await nbprov(['slice', 'accuracy', '--trial', '1', '-o', 'slice.ipynb'], { cwd: dir });
    assert.match(r.stdout, /\(2, 3, 7, 11\)/);

    // Skipped cells are in -o, unexecuted: no outputs (cell 6 prints in a full run), no execution count.
    const nb = JSON.parse(readFileSync(join(dir, 'only.ipynb'), 'utf8')) as NotebookJson;
    const code = nb.cells.filter((c) => c.cell_type === 'code');
    assert.deepEqual(code.map((c) => c.execution_count), [1, 2, null, null, null, 3, null, null, null, 4, null]);
    assert.deepEqual(code.map((c) => c.outputs?.length), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  test('show marks the skipped cells', async () => {
    const r = await nbprov(['show', '2'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[2], 'status    finished, 7 cells skipped');
    assert.match(r.stdout, /^4 +cda653dc25 +- +skipped +a = 1$/m);
    assert.match(r.stdout, /^7 +model-scoring +d07a2fcbc3 +\d+\.\d\d s +ok +from sklearn\.linear_model import Ridge$/m);
    assert.equal(lines.filter((l) => / skipped /.test(l)).length, 7);
  });

  test('diff against a full trial says which cells were skipped and compares no metric they make', async () => {
    let r = await nbprov(['diff', '1', '2', '--only', 'metrics'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').slice(1).join('\n'), 'trial 2 skipped cells 4, 5, 6, 8, 9, 10, 12: not compared\n\nMetrics\n  accuracy  0.9995 → 0.9995  unchanged\n');

    r = await nbprov(['run', 'lineage.ipynb', '--only', 'g', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warning for the tagged metric its skipped cells would assign');
    assert.deepEqual(cellStatuses(dir, 3), ['2:ok', '3:skipped', '4:ok', '5:skipped', '6:skipped', '7:skipped', '8:skipped', '9:skipped', '10:ok', '11:skipped', '12:skipped']);
    r = await nbprov(['diff', '1', '3'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const [head, skipped, blank, ...rest] = r.stdout.split('\n');
    assert.match(head, /^trial 1 \([0-9a-f]{8}\) → trial 3 \([0-9a-f]{8}\)   lineage\.ipynb$/);
    assert.deepEqual([skipped, blank, ...rest.slice(0, 3)], ['trial 3 skipped cells 3, 5, 6, 7, 8, 9, 11, 12: not compared', '', 'Metrics', '  accuracy  0.9995 → (absent)  not compared (cell 11 skipped in trial 3)', '']);
    // Not "removed", no Why, and the modules only the skipped cells import (numpy, sklearn) are no change.
    assert.doesNotMatch(r.stdout, /Why|is gone|module |Environment/);
    assert.match(r.stdout, /\nTime\n  stage +trial 1 +trial 3 +change\n  feature-engineering .*\n  \(no stage\) .*\n  total .*\n$/);

    r = await nbprov(['diff', '1', '3', '--json', '--only', 'metrics'], { cwd: dir });
    const json = JSON.parse(r.stdout) as { skipped: unknown; metrics: { verdict: string; skipped: unknown }[] };
    assert.deepEqual(json.skipped, [{ trial: 3, cells: [3, 5, 6, 7, 8, 9, 11, 12] }]);
    assert.deepEqual(json.metrics.map((m) => [m.verdict, m.skipped]), [['uncompared', { trial: 3, cell: 11 }]]);
  });

  test('--stage runs exactly the cells of those stages, plus the parameters cell', async () => {
    const r = await nbprov(['run', 'lineage.ipynb', '--stage', 'data-reading,features'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warning for the tagged metric its skipped cells would assign');
    assert.match(r.stdout, SUMMARY(4, 'finished', '4/11 cells ok, 7 skipped'));
    assert.deepEqual(cellStatuses(dir, 4), ['2:ok', '3:ok', '4:ok', '5:ok', '6:skipped', '7:skipped', '8:skipped', '9:skipped', '10:skipped', '11:skipped', '12:skipped']);
  });

  test('--stage refuses when a skipped cell sets a name a selected cell reads; --force runs anyway', async () => {
    let r = await nbprov(['run', 'lineage.ipynb', '--stage', 'model-scoring'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'nbprov: --stage model-scoring leaves out cell 3 (data-reading), which sets X, y that cell 7 reads\n  hint: select that stage too (--stage data-reading,model-scoring), or pass --force to run anyway\n');
    assert.equal(trialCount(dir), 3 + 1);

    r = await nbprov(['run', 'lineage.ipynb', '--stage', 'model-scoring', '--force'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, SUMMARY(5, 'failed', '1/11 cells ok, 1 failed, 4 skipped'));
    assert.equal(r.stderr, "nbprov: cell 7 raised NameError: name 'X' is not defined\n  hint: fix the cell, or pass --allow-errors to run the remaining cells anyway\n");
    assert.deepEqual(cellStatuses(dir, 5), ['2:ok', '3:skipped', '4:skipped', '5:skipped', '6:skipped', '7:error', '8:not-run', '9:not-run', '10:not-run', '11:not-run', '12:not-run']);
  });

  test('--only refuses when a cell the value needs was edited, or a left-out edited cell sets what it reads; a harmless edit runs', async () => {
    const original = readFileSync(join(dir, 'lineage.ipynb'), 'utf8');
    editCell(7, 'from sklearn.linear_model import Ridge\nmodel = Ridge(alpha=alpha * 2)\nmodel.fit(X, y)\nscore = model.score(X, y)');
    let r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "nbprov: --only accuracy: lineage.ipynb changed since trial 2 in a way that may change accuracy: cell 7, which accuracy needs, was edited\n  hint: run the whole notebook (nbprov run lineage.ipynb) to record accuracy's new lineage, or pass --force to run the recorded cells anyway\n");

    writeFileSync(join(dir, 'lineage.ipynb'), original);
    editCell(6, 'unused = 42\nX = X * 2');
    r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "nbprov: --only accuracy: lineage.ipynb changed since trial 2 in a way that may change accuracy: cell 6 (edited), which sets X that cell 7 reads\n  hint: run the whole notebook (nbprov run lineage.ipynb) to record accuracy's new lineage, or pass --force to run the recorded cells anyway\n");
    assert.equal(trialCount(dir), 5);

    // A left-out edited cell that binds nothing the value reads may still change it: a draw, a call on X.
    writeFileSync(join(dir, 'lineage.ipynb'), original);
    editCell(6, 'unused = 42\nnp.random.seed(1)\nX.sort(axis=0)\nprint(unused)');
    r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "nbprov: --only accuracy: lineage.ipynb changed since trial 2 in a way that may change accuracy: line 2 of cell 6 (edited) draws from a random state before cell 7; line 3 of cell 6 (edited) may change X, which cell 7 reads\n  hint: run the whole notebook (nbprov run lineage.ipynb) to record accuracy's new lineage, or pass --force to run the recorded cells anyway\n");

    writeFileSync(join(dir, 'lineage.ipynb'), original);
    editCell(6, 'unused = 43\nprint(unused)');
    r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cellStatuses(dir, 6), cellStatuses(dir, 2));
    assert.deepEqual(finalValue(dir, 6, 'accuracy'), ['numpy.float64', '0.9995']);

    // Repeated: the union of the cells each lineage needs (g's from trial 3: 2, 4, 10).
    r = await nbprov(['run', 'lineage.ipynb', '--only', 'accuracy', '--only', 'g', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cellStatuses(dir, 7), ['2:ok', '3:ok', '4:ok', '5:skipped', '6:skipped', '7:ok', '8:skipped', '9:skipped', '10:ok', '11:ok', '12:skipped']);
    assert.deepEqual(finalValue(dir, 7, 'g'), finalValue(dir, 1, 'g'));
  });

  test('options that do not go together exit 2', async () => {
    const cases: [string[], string][] = [
      [['--only', 'accuracy', '--stage', 'model'], 'nbprov: --only and --stage cannot be combined\n  hint: --only runs the cells a variable needs, --stage whole stages: pick one\n'],
      [['--force'], 'nbprov: --force goes with --only or --stage\n  hint: e.g. nbprov run NOTEBOOK --stage model-scoring --force\n'],
      [['--stage', 'training,nope'], 'nbprov: --stage nope: no cell of lineage.ipynb has this stage\n  hint: its stages: data-reading, feature-engineering, model-scoring, metrics-evaluation\n'],
      [['--only', 'x.y'], 'nbprov: --only x.y: not a variable name\n  hint: e.g. --only accuracy (repeatable)\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await nbprov(['run', 'lineage.ipynb', ...args], { cwd: dir });
      assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', stderr], args.join(' '));
    }
  });
});

describe('sweep --only / --stage', () => {
  let dir: string;
  before(() => {
    dir = project('lineage.ipynb');
  });
  after(() => removeProject(dir));

  test('every trial of the sweep runs the selection; --resume runs it again and takes no other', async () => {
    // Trial 1 records accuracy's lineage; the sweep's trials then run only what it needs, the injected cell included.
    assert.equal((await nbprov(['run', 'lineage.ipynb', '-q'], { cwd: dir })).code, 0);
    let r = await nbprov(['sweep', 'lineage.ipynb', '-p', 'alpha', '0.5,2', '--only', 'accuracy', '--jobs', '2', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const selected = ['2:ok', '3:ok', '4:ok', '5:skipped', '6:skipped', '7:skipped', '8:ok', '9:skipped', '10:skipped', '11:skipped', '12:ok', '13:skipped'];
    assert.deepEqual([cellStatuses(dir, 2), cellStatuses(dir, 3)], [selected, selected]);
    assert.notDeepEqual(finalValue(dir, 2, 'accuracy'), finalValue(dir, 3, 'accuracy'), 'alpha reached accuracy');

    r = await nbprov(['sweep', 'lineage.ipynb', '-p', 'alpha', '0.5,2', '--stage', 'data-reading', '--jobs', '2', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const staged = ['2:ok', '3:ok', '4:ok', '5:skipped', '6:skipped', '7:skipped', '8:skipped', '9:skipped', '10:skipped', '11:skipped', '12:skipped', '13:skipped'];
    assert.deepEqual(cellStatuses(dir, 5), staged);
    const db = new Database(join(dir, '.noworkflow/db.sqlite'));
    try {
      db.prepare("UPDATE nbprov_trial SET status = 'interrupted' WHERE trial_id = (SELECT id FROM trial WHERE sequence_key = 5)").run();
      db.prepare("UPDATE nbprov_sweep SET status = 'interrupted' WHERE id = 2").run();
    } finally {
      db.close();
    }
    r = await nbprov(['sweep', '--resume', '--stage', 'model-scoring'], { cwd: dir });
    assert.deepEqual([r.code, r.stderr], [2, 'nbprov: --resume runs the sweep as it was planned: --stage cannot change it\n  hint: start a new sweep for other values\n']);
    r = await nbprov(['sweep', '--resume', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(cellStatuses(dir, 6), staged, 'the resumed run keeps the sweep\'s --stage');
  });

  test('a selection that cannot run refuses the sweep before anything starts', async () => {
    const r = await nbprov(['sweep', 'lineage.ipynb', '-p', 'alpha', '0.5,2', '--stage', 'model-scoring'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'nbprov: --stage model-scoring leaves out cell 4 (data-reading), which sets X, y that cell 8 reads\n  hint: select that stage too (--stage data-reading,model-scoring), or pass --force to run anyway\n');
  });
});
