import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fSurvival, fTest, oneWayAnova, ranks, spearman } from '../src/explain/stats.js';

// explain's statistics on crafted numbers (unequal groups, ties, tails), against Debian's python3-scipy on the
// same numbers: F and ρ to rounding, p-values to jstat's precision (its incomplete beta refines to a relative step
// of 3e-7, which leaves p within about 1e-9 of scipy's).

function scipy<T>(program: string, input: unknown): T {
  const r = spawnSync('/usr/bin/python3', ['-c', `import json, sys\nfrom scipy import stats\ndata = json.load(sys.stdin)\n${program}`], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

function close(actual: number | null, expected: number, what: string, tolerance = 1e-9): void {
  assert.ok(actual !== null && Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs scipy ${expected}`);
}

const GROUPS = [
  [[0.91, 0.93, 0.9], [0.95, 0.96], [0.97, 0.99, 0.98, 0.96]],
  [[1, 2, 3, 4], [2, 3, 4, 5], [3, 4, 5, 6.5]],
  [[10.5, 10.7], [10.6, 10.4], [10.55, 10.65], [10.5, 10.52]],
  [[1, 1.1, 0.9], [5, 5.2, 4.8], [3, 3.05]],
];

test('one-way ANOVA: F and p as scipy.stats.f_oneway, on unequal groups, weak effects and a huge F', () => {
  const ref = scipy<[number, number][]>('print(json.dumps([list(map(float, stats.f_oneway(*g))) for g in data]))', GROUPS);
  GROUPS.forEach((groups, i) => {
    const a = oneWayAnova(groups);
    close(a.f, ref[i][0], `groups ${i}: F`);
    close(a.p, ref[i][1], `groups ${i}: p`);
    close(a.eta2, a.ssBetween / (a.ssBetween + a.ssWithin), `groups ${i}: η²`);
  });
});

test('F tail probabilities as scipy.stats.f.sf, tiny ones keeping their digits', () => {
  const cases = [[3, 2, 12], [0.01, 1, 12], [1530, 2, 12], [50, 3, 20], [0.5, 4, 100], [8.2, 1, 3], [200, 5, 40]];
  const ref = scipy<number[]>('print(json.dumps([float(stats.f.sf(*c)) for c in data]))', cases);
  cases.forEach(([f, d1, d2], i) => {
    const p = fSurvival(f, d1, d2);
    assert.ok(Math.abs(p - ref[i]) <= 1e-8 * ref[i] || Math.abs(p - ref[i]) <= 3e-9, `F ${f} on ${d1}, ${d2}: ${p} vs scipy ${ref[i]}`);
  });
  assert.deepEqual(fTest(0, 1, 0, 5), { f: 0, df1: 1, df2: 5, p: 1 });
  assert.deepEqual(fTest(2, 1, 0, 5), { f: Infinity, df1: 1, df2: 5, p: 0 });
  assert.equal(fTest(2, 1, 0.5, 0), null);
});

test('Spearman ρ as scipy.stats.spearmanr, ties given their average rank; p exact over every pairing up to 10 pairs (scipy.stats.permutation_test), else from t', () => {
  const pairs = [
    [[1, 1, 2, 3], [2.28, 2.29, 4.28, 6.28]],
    [[0.3, 0.1, 0.7, 0.2, 0.9, 0.5, 0.4], [5, 3, 8, 3, 9, 6, 4]],
    [[1, 2, 3, 4, 5, 6, 7, 8], [8, 6, 7, 5, 4, 2, 3, 1]],
    [[1, 2, 3], [0.9, 0.8, 0.7]],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11]],
  ];
  const ref = scipy<[number, number, number][]>(
    `import numpy as np
def rho(x):
    rx = stats.rankdata(x)
    def statistic(y, axis=-1):
        ry = stats.rankdata(y, axis=axis)
        a, b = rx - rx.mean(), ry - ry.mean(axis=axis, keepdims=True)
        return (a * b).sum(axis=axis) / np.sqrt((a * a).sum() * (b * b).sum(axis=axis))
    return statistic
out = []
for x, y in data:
    r, p = stats.spearmanr(x, y)
    exact = stats.permutation_test((y,), rho(x), permutation_type='pairings', vectorized=True, n_resamples=np.inf).pvalue if len(x) <= 10 else None
    out.append([float(r), float(p), exact])
print(json.dumps(out))`,
    pairs,
  );
  pairs.forEach(([x, y], i) => {
    const s = spearman(x, y);
    close(s.rho, ref[i][0], `pair ${i}: ρ`);
    close(s.p, x.length <= 10 ? ref[i][2] : ref[i][1], `pair ${i}: p`);
  });
  // Three trials in perfect order: 2 of the 6 orders are as extreme; twelve: 2 of 12!, where t says 0.
  assert.equal(spearman([1, 2, 3], [0.9, 0.8, 0.7]).p, 1 / 3);
  assert.equal(spearman([...Array(12).keys()], [...Array(12).keys()]).p, 2 / 479001600);
  assert.deepEqual([3, 4, 5].map((n) => spearman([...Array(n).keys()], [...Array(n).keys()]).leastP), [1 / 3, 1 / 12, 1 / 60]);
  assert.deepEqual(ranks([3, 1, 3, 2, 3]), [4, 1, 4, 2, 4]);
});
