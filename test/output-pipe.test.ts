import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, project, removeProject, ROOT } from './helpers/cli.js';

// A pipe takes 64 KiB at a time: output beyond that must survive a reader that is slow to start (issue #13).
let dir: string;

before(async () => {
  dir = project();
  const trials = await import(join(ROOT, 'bench/gen-trials-db.mjs'));
  const lineage = await import(join(ROOT, 'bench/gen-lineage-db.mjs'));
  for (const d of ['trials', 'lineage', 'notebook']) mkdirSync(join(dir, d));
  const cells = Array.from({ length: 12_000 }, (_, i) => ({ cell_type: 'code', id: `c${i}`, metadata: {}, outputs: [], execution_count: null, source: `value_${i} = ${i}  # a cell of a long notebook` }));
  writeFileSync(join(dir, 'notebook', 'long.ipynb'), JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }));
  trials.generate('compare', join(dir, 'trials'), { trials: 3200 });
  lineage.generate(join(dir, 'lineage'), { evaluations: 30_000, lanes: 2 });
});

after(() => removeProject(dir));

const COMMANDS: [string, string, number][] = [
  ['trials', 'list --json', 1 << 20],
  ['trials', 'compare --all --json', 1 << 20],
  ['lineage', 'deps lane0_4 --json', 1 << 20],
  ['lineage', 'deps lane0_4', 1 << 20],
  ['lineage', 'show last --json', 1 << 16],
  ['lineage', 'export last --format prov-json', 1 << 20],
  ['notebook', 'cells long.ipynb --json', 1 << 20],
];

for (const [db, command, atLeast] of COMMANDS) {
  test(`nbprov ${command} | slow reader gets every byte`, () => {
    const cwd = join(dir, db);
    const sh = (pipe: string) =>
      spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" ${command} ${pipe}`], {
        cwd,
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const toFile = sh('> whole.out');
    assert.equal(toFile.status, 0, toFile.stderr);
    const size = statSync(join(cwd, 'whole.out')).size;
    assert.ok(size > atLeast, `${command} printed only ${size} bytes`);
    const slow = sh('| (sleep 1; wc -c)');
    assert.equal(slow.status, 0, slow.stderr);
    assert.equal(Number(slow.stdout.trim()), size);
  });
}

test('a reader that stops early (| head -c 10) is no error: exit 0, nothing on stderr', () => {
  const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" deps lane0_4 --json | (sleep 1; head -c 10 >/dev/null)`], {
    cwd: join(dir, 'lineage'),
    encoding: 'utf8',
  });
  assert.equal(r.stderr, '');
  assert.equal(r.status, 0);
});
