import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LineageIndex } from '../src/graph/lineage-index.js';
import { TrialLineage } from '../src/graph/trial-lineage.js';
import { nbprov, openDb, project, removeProject, writeNotebook } from './helpers/cli.js';

/** Compressed sparse rows of [dependent, dependency] pairs, as src/store/lineage-edges.ts stores them. */
function edges(pairs: [number, number][]) {
  const max = Math.max(0, ...pairs.map(([e]) => e));
  const offsets = new Int32Array(max + 2);
  for (const [e] of pairs) offsets[e + 1]++;
  for (let e = 1; e < offsets.length; e++) offsets[e] += offsets[e - 1];
  const fill = offsets.slice(0, max + 1);
  const dependencies = new Int32Array(pairs.length);
  for (const [e, d] of pairs) dependencies[fill[e]++] = d;
  return { offsets, dependencies };
}

const members = (ancestry: { has(e: number): boolean }, upTo: number) => Array.from({ length: upTo + 1 }, (_, e) => e).filter((e) => ancestry.has(e));

describe('TrialLineage: ancestor sets of many roots', () => {
  // Cells start at evaluations 10, 20 and 30; 11-13, 21-23 and 31-33 are their versions.
  const cells = [10, 20, 30];
  const recorded: [number, number][] = [
    [12, 11],
    [21, 12],
    [22, 11],
    [23, 21],
    [23, 22], // a diamond: 23 reads 21 and 22, both built from 11
    [31, 23],
    [32, 13],
  ];

  test('the one-sweep answer of recorded data: exact sets and cells, for 40 roots (two sweeps of 32)', () => {
    const lineage = new TrialLineage(edges(recorded), cells);
    const roots = Array.from({ length: 40 }, (_, i) => [31, 32, 23, 12, 33, 99][i % 6]);
    const found = lineage.ancestors(roots);
    assert.equal(found.length, 40);
    const expected: Record<number, { set: number[]; cells: number[] }> = {
      31: { set: [11, 12, 21, 22, 23, 31], cells: [10, 20, 30] },
      32: { set: [13, 32], cells: [10, 30] },
      23: { set: [11, 12, 21, 22, 23], cells: [10, 20] },
      12: { set: [11, 12], cells: [10] },
      33: { set: [33], cells: [30] },
      99: { set: [99], cells: [30] }, // past the last edge: only itself
    };
    found.forEach((ancestry, i) => {
      assert.deepEqual(members(ancestry, 120), expected[roots[i]].set, `root ${roots[i]} (#${i})`);
      assert.deepEqual([...ancestry.activations].sort((x, y) => x - y), expected[roots[i]].cells, `root ${roots[i]} (#${i})`);
    });
  });

  test('data with an edge to a newer evaluation, or a cycle, is walked root by root and ends', () => {
    const damaged = new TrialLineage(edges([...recorded, [11, 31]]), cells);
    const [fromNewer, from32] = damaged.ancestors([12, 32]);
    assert.deepEqual(members(fromNewer, 120), [11, 12, 21, 22, 23, 31]);
    assert.deepEqual(members(from32, 120), [13, 32]);
    const cyclic = new TrialLineage(edges([[2, 1], [1, 2], [3, 3]]), []);
    assert.deepEqual(cyclic.ancestors([2, 3]).map((a) => members(a, 5)), [[1, 2], [3]]);
  });
});

describe('LineageIndex: walks with depths, kinds and limits', () => {
  // 5 ← 4 ← 2 ← 1, 5 ← 3 (control) ← 1, 4 ← 3 (data and mutation), and a cycle 7 ↔ 8 in damaged data.
  const index = LineageIndex.fromRows([
    [5, 4, 'dependency'],
    [5, 3, 'condition'],
    [4, 2, 'dependency'],
    [4, 3, 'dependency'],
    [4, 3, 'bound'],
    [3, 1, 'dependency'],
    [2, 1, 'call'],
    [7, 8, 'dependency'],
    [8, 7, 'dependency'],
  ]);
  const depths = (walk: { depths: Map<number, number> }) => Object.fromEntries([...walk.depths].sort(([a], [b]) => a - b));

  test('backward: shortest distances, every edge followed with its kind', () => {
    const walk = index.walk([5], { direction: 'backward' });
    assert.deepEqual(depths(walk), { 1: 2, 2: 2, 3: 1, 4: 1, 5: 0 });
    assert.deepEqual(
      [...walk.edges].sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2].localeCompare(b[2])),
      [[2, 1, 'call'], [3, 1, 'data'], [4, 2, 'data'], [4, 3, 'data'], [4, 3, 'mutation'], [5, 3, 'control'], [5, 4, 'data']],
    );
    assert.deepEqual([...walk.truncated], []);
  });

  test('forward, without control, and cut by --depth where edges remain', () => {
    assert.deepEqual(depths(index.walk([1], { direction: 'forward' })), { 1: 0, 2: 1, 3: 1, 4: 2, 5: 2 });
    assert.deepEqual(depths(index.walk([3], { direction: 'forward', control: false })), { 3: 0, 4: 1, 5: 2 });
    const cut = index.walk([5], { direction: 'backward', depth: 1 });
    assert.deepEqual(depths(cut), { 3: 1, 4: 1, 5: 0 });
    assert.deepEqual([...cut.truncated].sort(), [3, 4]);
    assert.deepEqual([...index.walk([5], { direction: 'backward', depth: 1, control: false }).truncated], [4]);
  });

  test('a cycle ends the walk; ancestors include the roots', () => {
    assert.deepEqual([...index.ancestors([7])].sort(), [7, 8]);
    assert.deepEqual([...index.ancestors([99])], [99]);
  });
});

// store/trial-writer.ts numbers a trial's evaluations in recording order: a cell's activation, then the versions the
// cell made. The sweep above (and diff's cell attribution) relies on what follows, checked here on a real run.
describe('evaluation ids of a real trial: every edge points to an older evaluation', () => {
  const CELLS = [
    'scale = 2.0  # nbprov: param\nrows = []\nstats = {}',
    'def grow(x):\n    return x * scale\n\ndef fill(target, n):\n    for k in range(n):\n        target.append(grow(k))\n    return target',
    'total = 0\nfor i in range(40):\n    if i % 3 == 0:\n        total += grow(i)\n    else:\n        total -= 1\n    rows.append(total)',
    'n = 0\nwhile n < 25:\n    n += 1\n    stats[n] = fill([], n % 4)\nsquares = [grow(v) for v in rows if v > 0]',
    'class Box:\n    def __init__(self, v):\n        self.v = v\nbox = Box(total)\nbox.v = box.v + len(squares)\ndel n',
    'result = box.v + sum(rows)  # nbprov: metric:max',
    'raise ValueError("stop here")',
  ];
  let dir: string;

  before(async () => {
    dir = project();
    writeNotebook(dir, 'ids.ipynb', CELLS);
    const r = await nbprov(['run', 'ids.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
  });
  after(() => removeProject(dir));

  test('each dependency goes from a smaller evaluation id to a larger one, and a cell holds the ids up to the next cell', () => {
    const db = openDb(dir);
    try {
      const trial = db.prepare('SELECT trial_id FROM nbprov_trial').pluck().get() as string;
      const edges = db.prepare('SELECT dependent_id, dependency_id, type FROM dependency WHERE trial_id = ?').raw().all(trial) as [number, number, string][];
      const types = new Set(edges.map(([, , type]) => type));
      for (const type of ['dependency', 'condition', 'bound', 'call', 'argument', 'assign']) assert.ok(types.has(type), `no ${type} edge recorded`);
      const backwards = edges.filter(([dependent, dependency]) => dependency >= dependent);
      assert.deepEqual(backwards, []);
      const cells = db.prepare('SELECT activation_id FROM nbprov_cell WHERE trial_id = ? AND activation_id IS NOT NULL ORDER BY cell_index').pluck().all(trial) as number[];
      assert.equal(cells.length, CELLS.length);
      assert.deepEqual([...cells].sort((a, b) => a - b), cells);
      const evaluations = db.prepare('SELECT id, activation_id FROM evaluation WHERE trial_id = ? AND activation_id IN (SELECT activation_id FROM nbprov_cell WHERE trial_id = ?)').raw().all(trial, trial) as [number, number][];
      assert.ok(evaluations.length > 30, `${evaluations.length} versions`);
      const misplaced = evaluations.filter(([id, activation]) => {
        const c = cells.indexOf(activation);
        return id <= activation || (c + 1 < cells.length && id >= cells[c + 1]);
      });
      assert.deepEqual(misplaced, []);
    } finally {
      db.close();
    }
  });
});
