import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nbprov, project, removeProject, writeNotebook } from './helpers/cli.js';

// A parameter is what the parameters cell set: an accumulator it creates and later cells fill is the same
// parameter ({}) in every trial, not a changed one (found on the gallery's quantile-regression example).
describe('a parameter is recorded as its parameters cell set it', () => {
  let dir: string;
  before(async () => {
    dir = project();
    writeNotebook(dir, 'acc.ipynb', ['lr = 0.05\nmodels = {}', 'for a in (1, 2):\n    models[a] = a * lr\nscore = models[1]']);
    const nb = JSON.parse(readFileSync(join(dir, 'acc.ipynb'), 'utf8'));
    nb.cells[0].metadata.tags = ['parameters'];
    writeFileSync(join(dir, 'acc.ipynb'), JSON.stringify(nb));
    for (const args of [['tag', 'var', 'score', 'metric:max', 'acc.ipynb'], ['run', 'acc.ipynb', '-q'], ['run', 'acc.ipynb', '-q', '-p', 'lr', '0.5']]) {
      const r = await nbprov(args, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => removeProject(dir));

  test('list: models is {} in both trials', async () => {
    const list = JSON.parse((await nbprov(['list', '--json'], { cwd: dir })).stdout) as { params: Record<string, unknown> }[];
    assert.deepEqual(list.map((t) => t.params), [
      { lr: 0.05, models: { repr: '{}' } },
      { lr: 0.5, models: { repr: '{}' } },
    ]);
  });

  test('diff: only lr changed, and Why names only lr', async () => {
    const r = await nbprov(['diff', '--json'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const diff = JSON.parse(r.stdout);
    assert.deepEqual(diff.params.map((p: { name: string }) => p.name), ['lr']);
    assert.deepEqual(diff.why[0].params.map((p: { name: string }) => p.name), ['lr']);
  });
});
