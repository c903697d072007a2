import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';

interface NotebookJson {
  cells: { cell_type: string; id?: string; metadata: { tags?: string[] }; source: string[]; outputs?: unknown[]; execution_count?: unknown }[];
  metadata: Record<string, unknown>;
}

/** name → [kind, type, value, summary] of the name's last version in a trial. */
function finalValues(dir: string, sequence: number): Map<string, unknown[]> {
  const db = openDb(dir);
  try {
    const rows = db
      .prepare(
        `SELECT v.name, v.kind, v.type, v.value, v.summary FROM nbprov_value v JOIN trial t ON t.id = v.trial_id
         WHERE t.sequence_key = ? AND v.evaluation_id = (SELECT MAX(evaluation_id) FROM nbprov_value w WHERE w.trial_id = v.trial_id AND w.name = v.name)`,
      )
      .all(sequence) as { name: string; kind: string; type: string; value: string | null; summary: string | null }[];
    return new Map(rows.map((r) => [r.name, [r.kind, r.type, r.value, r.summary]]));
  } finally {
    db.close();
  }
}

// Trial 1 = the full lineage.ipynb; trial 2 = the slice of accuracy; trial 3 = the slice of a; trial 4 = its --statements slice.
describe('nbprov slice', () => {
  let dir: string;
  before(async () => {
    dir = project('lineage.ipynb');
    const r = await nbprov(['run', 'lineage.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => removeProject(dir));

  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as NotebookJson;

  test('the cells a metric needs, plus the parameters cell; re-running it gives the same values', async () => {
    let r = await nbprov(['slice', 'accuracy', '-o', 'accuracy.ipynb', '--trial', '1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'wrote accuracy.ipynb: 4 of 11 code cells (2, 3, 7, 11) recompute accuracy as in trial 1; dropped 4, 5, 6, 8, 9, 10, 12\n');
    const nb = read('accuracy.ipynb');
    assert.deepEqual(nb.cells.map((c) => c.id ?? c.cell_type).slice(1), ['params', 'read', 'model', 'metric']);
    assert.equal(nb.cells[0].cell_type, 'markdown');
    assert.equal(nb.cells[0].source.join(''), 'Slice of `lineage.ipynb` (trial 1) recomputing `accuracy`: cells 2, 3, 7, 11 of the original. Written by `nbprov slice`.');
    assert.deepEqual(nb.cells[1].metadata.tags, ['parameters']);
    assert.ok(nb.cells.slice(1).every((c) => Array.isArray(c.outputs) && c.outputs.length === 0 && c.execution_count === null));
    assert.deepEqual(nb.metadata, read('lineage.ipynb').metadata);

    r = await nbprov(['run', 'accuracy.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const full = finalValues(dir, 1);
    const sliced = finalValues(dir, 2);
    assert.deepEqual([...sliced.keys()].sort(), ['Ridge', 'X', 'accuracy', 'alpha', 'model', 'n', 'np', 'rng', 'score', 'y']);
    for (const [name, value] of sliced) assert.deepEqual(value, full.get(name), name);
    assert.deepEqual(sliced.get('accuracy'), ['assign', 'numpy.float64', '0.9995', null]);
  });

  test('a kept cell runs whole: slicing a (cell 10) brings in b (cell 4), which g there reads', async () => {
    let r = await nbprov(['slice', 'a', '-o', 'a.ipynb', '--trial', '1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'wrote a.ipynb: 3 of 11 code cells (2, 4, 10) recompute a as in trial 1; dropped 3, 5, 6, 7, 8, 9, 11, 12\n');
    r = await nbprov(['run', 'a.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const sliced = finalValues(dir, 3);
    assert.deepEqual([...sliced.keys()].sort(), ['a', 'alpha', 'b', 'c', 'g', 'n']);
    const full = finalValues(dir, 1);
    for (const [name, value] of sliced) assert.deepEqual(value, full.get(name), name);
  });

  test('--statements: only the statements that made a needed version; the rest of the cell and its ancestry go', async () => {
    let r = await nbprov(['slice', 'a', '--statements', '-o', 'a-statements.ipynb', '--trial', '1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'wrote a-statements.ipynb: 2 of 11 code cells (2, 10) recompute a as in trial 1 (statements of 10 only); dropped 3, 4, 5, 6, 7, 8, 9, 11, 12\n');
    const nb = read('a-statements.ipynb');
    assert.deepEqual(nb.cells.slice(1).map((c) => [c.id, c.source.join('')]), [['params', 'alpha = 0.5\nn = 4'], ['redef', 'a = 100']]);
    r = await nbprov(['run', 'a-statements.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const byName = (a: [string, unknown], b: [string, unknown]) => a[0].localeCompare(b[0]);
    assert.deepEqual([...finalValues(dir, 4)].sort(byName), [...finalValues(dir, 1)].filter(([name]) => ['a', 'alpha', 'n'].includes(name)).sort(byName));
    r = await nbprov(['slice', 'summary', '--statements', '-o', '-', '--trial', '1'], { cwd: dir });
    const kept = (JSON.parse(r.stdout) as NotebookJson).cells.slice(1);
    assert.deepEqual(kept.map((c) => c.id), ['params', 'read', 'chain', 'diamond', 'model', 'loop', 'func', 'redef', 'metric', 'summary']);
    assert.equal(kept.find((c) => c.id === 'func')!.source.join(''), 'def scale(v):\n    return v * alpha\n\nscaled = scale(f)');
  });

  test('-o - prints the notebook; the default path is beside the notebook', async () => {
    let r = await nbprov(['slice', 'g', '-o', '-', '--trial', '1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as NotebookJson;
    assert.deepEqual(printed.cells.slice(1).map((c) => c.id), ['params', 'chain', 'redef']);
    r = await nbprov(['slice', 'g', '--trial', '1'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^wrote lineage\.slice-g\.ipynb: 3 of 11 code cells \(2, 4, 10\)/);
    assert.deepEqual(read('lineage.slice-g.ipynb').cells.slice(1), printed.cells.slice(1));
  });

  describe('a notebook changed or gone since the trial', () => {
    let copy: string;
    before(() => {
      copy = mkdtempSync(join(tmpdir(), 'nbprov-slice-'));
      cpSync(join(dir, '.noworkflow'), join(copy, '.noworkflow'), { recursive: true });
    });
    after(() => removeProject(copy));

    test('an edited cell is taken from the content store as it ran, with a warning', async () => {
      const nb = read('lineage.ipynb');
      const model = nb.cells.find((c) => c.id === 'model')!;
      const ran = model.source.join('');
      model.source = ['model = None'];
      writeFileSync(join(copy, 'lineage.ipynb'), JSON.stringify(nb));
      const r = await nbprov(['slice', 'accuracy', '-o', '-', '--trial', '1'], { cwd: copy });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, 'nbprov: warning: cell 7 changed in lineage.ipynb since trial 1: taken as they ran\n');
      const cells = (JSON.parse(r.stdout) as NotebookJson).cells;
      assert.deepEqual(cells.map((c) => c.id).slice(1), ['params', 'read', 'model', 'metric']);
      assert.equal(cells[3].source.join(''), ran);
    });

    test('without the notebook, the slice is rebuilt from the content store (no tags: no parameters cell)', async () => {
      cpSync(join(copy, '.noworkflow'), join(copy, 'gone/.noworkflow'), { recursive: true });
      const r = await nbprov(['slice', 'g', '-o', '-', '--trial', '1'], { cwd: join(copy, 'gone') });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^nbprov: warning: \S+\/gone\/lineage\.ipynb is gone: the slice is rebuilt from the content store, with default metadata\n/);
      const nb = JSON.parse(r.stdout) as NotebookJson;
      assert.deepEqual(nb.cells.slice(1).map((c) => c.source.join('')), ['a = 1\nb = a + 1\nc = b * 2', 'a = 100\ng = b + a']);
    });

    test('an unknown variable: exit 2 with a suggestion', async () => {
      const r = await nbprov(['slice', 'scor', '--trial', '1'], { cwd: copy });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, "nbprov: no variable 'scor' in trial 1\n  hint: did you mean 'score'?\n");
    });
  });
});
