import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { nbprov, project, removeProject, writeNotebook } from './helpers/cli.js';

const PHASES = [
  'nbprov start-up (Node, modules, options)',
  'notebook load and parameters',
  'database claim',
  'server start → ready',
  'kernel specs',
  'kernel start → kernel_info',
  'collector install',
  'database open',
  'trial open',
  'trial close',
  'kernel and server stop',
];

/** The phases' rows as [start, end, duration, name]. */
function phases(stderr: string): [number, number, number, string][] {
  return [...stderr.matchAll(/^ +(\d+) → +(\d+) +(\d+)  (.+)$/gm)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3]), m[4]]);
}

describe('run --timings', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeProject));

  test('prints each phase in order, the cells split into kernel, messaging and recording, and the slowest cells', async () => {
    const dir = project();
    dirs.push(dir);
    writeNotebook(dir, 'three.ipynb', ['import time', 'time.sleep(0.3)', 'x = 1']);
    const r = await nbprov(['run', 'three.ipynb', '--timings'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^trial 1 \([0-9a-f]{8}\) finished: 3\/3 cells ok, [\d.]+ s\n$/);
    const rows = phases(r.stderr);
    assert.deepEqual(rows.map((row) => row[3]), PHASES);
    let previousEnd = 0;
    for (const [start, end, duration] of rows) {
      assert.ok(start >= previousEnd - 1 && end >= start && Math.abs(end - start - duration) <= 1, r.stderr);
      previousEnd = end;
    }
    const lines = r.stderr.split('\n');
    assert.equal(lines[0], 'timings (ms since nbprov started):');
    const cells = lines.slice(lines.findIndex((l) => l.startsWith('cells: ')), lines.findIndex((l) => l.startsWith('total ')));
    assert.match(cells[0], /^cells: 3 run, \d+ ms round trip \+ \d+ ms recording; [\d.]+ ms per cell$/);
    assert.match(cells[1], /^  kernel [\d.]+ · messaging -?[\d.]+ · recording [\d.]+ ms$/);
    // The slowest first: the cell that sleeps 0.3 s, in the kernel.
    const [, , slowest, ...others] = cells;
    const kernelOf = (line: string) => Number(/kernel ([\d.]+)/.exec(line)![1]);
    assert.match(slowest, /^  cell 2    kernel [\d.]+ · messaging -?[\d.]+ · recording [\d.]+ ms$/);
    assert.ok(kernelOf(slowest) >= 300, slowest);
    assert.deepEqual(others.map((l) => /cell (\d+)/.exec(l)![1]).sort(), ['1', '3']);
    assert.match(lines.at(-2)!, /^total \d+ ms$/);
  });

  test('NBPROV_TIMINGS=1 prints them too; without either, nothing', async () => {
    const dir = project();
    dirs.push(dir);
    writeNotebook(dir, 'one.ipynb', ['x = 1']);
    const byEnv = await nbprov(['run', 'one.ipynb', '-q'], { cwd: dir, env: { NBPROV_TIMINGS: '1' } });
    assert.equal(byEnv.code, 0, byEnv.stderr);
    assert.deepEqual(phases(byEnv.stderr).map((row) => row[3]), PHASES);
    const plain = await nbprov(['run', 'one.ipynb', '-q'], { cwd: dir });
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stderr, '');
  });
});
