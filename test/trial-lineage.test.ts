import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TrialLineage } from '../src/compare/lineage.js';

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
