import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, ROOT } from './helpers/cli.js';

// `nbprov explain` on real sweeps of fixtures/explain.ipynb, where score = 2*a + b_small*0.01 + noise(seed), c never
// reaches score and d (fixed) only where a == 3, and of fixtures/wine.ipynb. Every statistic is checked against Debian's python3-scipy run
// on the numbers `nbprov compare --json` gives for the same trials.

interface CompareJson {
  rows: Record<string, number>[];
}

interface ExplainJson {
  metric: string;
  trials: number[];
  noise: { ss: number; df: number; ms: number; sd: number; factors: string[]; combinations: number; repeated: number } | null;
  parameters: {
    name: string;
    role: string;
    inLineage: number;
    trials: number;
    measured: number;
    best: { value: unknown; tiedWith: unknown[] } | string | null;
    effectRange: number | null;
    values: { value: unknown; trials: number; mean: number; effect: number }[];
    anova: { f: number | null; p: number | null; eta2: number; ssBetween: number; ssWithin: number; dfBetween: number; dfWithin: number } | null;
    noise: { f: number; df1: number; df2: number; p: number; standsOut: boolean } | null;
    spearman: { rho: number; p: number | null; n: number } | null;
    sentence: string;
  }[];
  interactions: { a: string; b: string; ss: number; df: number; eta2: number; test: { f: number; p: number; df1: number; df2: number; against: string } | null }[];
}

async function ok(dir: string, ...args: string[]): Promise<string> {
  const r = await nbprov(args, { cwd: dir });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Runs a Python program under Debian's python3 (numpy, scipy) with `input` as JSON on stdin; returns its JSON. */
function python<T>(program: string, input: unknown): T {
  const r = spawnSync('/usr/bin/python3', ['-c', program], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
}

/** |x - y| within 1e-9 of the larger's size (or absolutely, near zero). */
function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(typeof actual === 'number', `${what}: ${actual}`);
  const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs scipy ${expected} (diff ${Math.abs(actual - expected)})`);
}

/** scipy's f_oneway per parameter, the within-combination mean square and each F test against it, the interaction. */
const REFERENCE = `
import json, sys
import numpy as np
from scipy import stats
data = json.load(sys.stdin)
rows, metric, factors, params = data['rows'], data['metric'], data['factors'], data['params']
y = np.array([r[metric] for r in rows], dtype=float)
def groups(name):
    keys = sorted(set(r[name] for r in rows))
    return [y[np.array([r[name] == k for r in rows])] for k in keys]
combos = {}
for r, v in zip(rows, y):
    combos.setdefault(tuple(r[f] for f in factors), []).append(v)
df_w = sum(len(v) - 1 for v in combos.values())
ss_w = sum(float(((np.array(v) - np.mean(v)) ** 2).sum()) for v in combos.values())
out = {'noise': {'ss': ss_w, 'df': df_w}}
for name in params:
    g = groups(name)
    res = stats.f_oneway(*g)
    ss_b = sum(len(x) * (x.mean() - y.mean()) ** 2 for x in g)
    out[name] = {'f': float(res.statistic), 'p': float(res.pvalue), 'eta2': ss_b / float(((y - y.mean()) ** 2).sum())}
    if df_w:
        f = ss_b / (len(g) - 1) / (ss_w / df_w)
        out[name]['noiseF'] = f
        out[name]['noiseP'] = float(stats.f.sf(f, len(g) - 1, df_w))
if len(params) == 2:
    a, b = params
    la, lb = sorted(set(r[a] for r in rows)), sorted(set(r[b] for r in rows))
    cell = np.array([[y[np.array([r[a] == i and r[b] == j for r in rows])].mean() for j in lb] for i in la])
    per = len(rows) // (len(la) * len(lb))
    inter = cell - cell.mean(axis=1, keepdims=True) - cell.mean(axis=0, keepdims=True) + cell.mean()
    ss_ab = float(per * (inter ** 2).sum())
    out['interaction'] = {'ss': ss_ab, 'df': (len(la) - 1) * (len(lb) - 1)}
    if df_w:
        f = ss_ab / out['interaction']['df'] / (ss_w / df_w)
        out['interaction']['f'] = f
        out['interaction']['p'] = float(stats.f.sf(f, out['interaction']['df'], df_w))
print(json.dumps(out))
`;

const SWEEP_TEXT = `score (metric:max) over 24 trials, mean 4.34

parameter  in lineage  best value  effect range  η²       p
a          24/24       3           4             0.999    < 1e-16
b_small    24/24       1           0.01          < 0.001  0.99
seed       24/24       (repeats)   —             —        —
d          8/24        0.5         —             —        —
c          0/24        —           —             —        —

a: 1 → 3 raises score by 4 on average (η² 0.999, p < 1e-16); stands out of the noise (F 8890 on 2 and 18 df, p < 1e-16).
b_small: 0 → 1 raises score by 0.01 on average (η² < 0.001, p 0.99); within the noise (F 0.167 on 1 and 18 df, p 0.69).
seed numbers the repeats of a sweep (--seed-param), so it is no factor: the spread of score among the repeats is the noise.
d is 0.5 in the 8 of 24 trials where it reaches score, so its effect cannot be measured.
c cannot affect score (not in its lineage in any of 24 trials).

Mean score per value (and its difference to the mean of the trials measured):
  a        1: 2.34 (-2)   2: 4.34 (0)   3: 6.34 (+2)
  b_small  0: 4.33 (-0.005)   1: 4.34 (+0.005)

Noise: 6 of 6 combinations of a, b_small ran 4 times (trials that differ only in c, which cannot affect score, count as repeats); within them score varies by sd 0.06 (18 df). An effect stands out of the noise when the F test of its mean square against the within-combination mean square gives p < 0.05.

Interactions (pairs of grid parameters that cross completely):
  a × b_small: η² 0; within the noise (F 0 on 2 and 18 df, p 1)
`;

describe('nbprov explain: a sweep of score = 2*a + b_small*0.01 + noise(seed), c never reaching score, d only when a == 3, 2 repeats', () => {
  let dir: string;
  let rows: Record<string, number>[];
  const param = (e: ExplainJson, name: string) => e.parameters.find((p) => p.name === name)!;
  /** Trial numbers of the sweep's trials with these values. */
  const trialsWhere = (match: (r: Record<string, number>) => boolean) => rows.filter(match).map((r) => String(r.trial));

  before(async () => {
    dir = project('explain.ipynb');
    await ok(dir, 'sweep', 'explain.ipynb', '-p', 'a', '1,2,3', '-p', 'b_small', '0,1', '-p', 'c', '0,1', '--repeat', '2', '--seed-param', 'seed', '--jobs', '2');
    rows = (JSON.parse(await ok(dir, 'compare', '--sweep', 'last', '--json')) as CompareJson).rows;
  });
  after(() => removeProject(dir));

  test('the table, one sentence per parameter, the noise and the interaction, exactly', async () => {
    assert.equal(await ok(dir, 'explain', 'score', '--sweep', 'last'), SWEEP_TEXT);
  });

  test('--all and --notebook select the same trials as --sweep last here', async () => {
    assert.equal(await ok(dir, 'explain', 'score', '--all'), SWEEP_TEXT);
    assert.equal(await ok(dir, 'explain', 'score', '--notebook', 'explain.ipynb'), SWEEP_TEXT);
    assert.equal(await ok(dir, 'explain', 'score'), SWEEP_TEXT);
  });

  test('c is in no trial\'s lineage; a explains ~all variance; b_small\'s effect is within the noise; as scipy computes them', async () => {
    const e = JSON.parse(await ok(dir, 'explain', 'score', '--sweep', 'last', '--json')) as ExplainJson;
    assert.deepEqual(e.parameters.map((p) => [p.name, p.role, p.inLineage, p.trials]), [['a', 'grouped', 24, 24], ['b_small', 'grouped', 24, 24], ['seed', 'repeat', 24, 24], ['d', 'constant', 8, 24], ['c', 'unreached', 0, 24]]);
    assert.equal(param(e, 'c').anova, null);
    assert.deepEqual([param(e, 'd').inLineage, param(e, 'd').measured, param(e, 'd').values.map((v) => [v.value, v.trials])], [8, 8, [[0.5, 8]]]);
    assert.equal(param(e, 'c').sentence, 'c cannot affect score (not in its lineage in any of 24 trials).');
    assert.ok(param(e, 'a').anova!.eta2 > 0.998, `a: η² ${param(e, 'a').anova!.eta2}`);
    assert.deepEqual(param(e, 'a').best, { value: 3, tiedWith: [] });
    assert.deepEqual(param(e, 'a').values.map((v) => [v.value, v.trials]), [[1, 8], [2, 8], [3, 8]]);
    close(param(e, 'a').effectRange, 4, 'a: 1 → 3');
    close(param(e, 'b_small').effectRange, 0.01, 'b_small: 0 → 1');
    assert.equal(param(e, 'a').noise!.standsOut, true);
    assert.equal(param(e, 'b_small').noise!.standsOut, false);
    assert.deepEqual([e.noise!.factors, e.noise!.combinations, e.noise!.repeated, e.noise!.df], [['a', 'b_small'], 6, 6, 18]);

    const ref = python<Record<string, Record<string, number>>>(REFERENCE, { rows, metric: 'score', factors: ['a', 'b_small'], params: ['a', 'b_small'] });
    close(e.noise!.ss, ref.noise.ss, 'within-combination sum of squares');
    for (const name of ['a', 'b_small']) {
      const p = param(e, name);
      close(p.anova!.f, ref[name].f, `${name}: f_oneway F`);
      close(p.anova!.p, ref[name].p, `${name}: f_oneway p`);
      close(p.anova!.eta2, ref[name].eta2, `${name}: η²`);
      close(p.noise!.f, ref[name].noiseF, `${name}: F against the noise`);
      close(p.noise!.p, ref[name].noiseP, `${name}: p against the noise`);
    }
    const [interaction] = e.interactions;
    assert.deepEqual([interaction.a, interaction.b, interaction.df, interaction.test!.against], ['a', 'b_small', 2, 'noise']);
    close(interaction.ss, ref.interaction.ss, 'interaction sum of squares');
    close(interaction.test!.p, ref.interaction.p, 'interaction p');
  });

  test('one repeat of one value of c: no noise estimate, and the interaction has no degrees of freedom left', async () => {
    const selected = trialsWhere((r) => r.seed === 0 && r.c === 0);
    assert.equal(selected.length, 6);
    const text = await ok(dir, 'explain', 'score', ...selected);
    assert.match(text, /^Noise: no combination of a, b_small was run twice, so these effects carry no noise estimate \(`nbprov sweep --repeat N` runs each N times\)\.$/m);
    assert.match(text, /^seed numbers the repeats of a sweep \(--seed-param\), so it is no factor: no combination was repeated here\.$/m);
    assert.match(text, /^ {2}a × b_small: η² 0 \(no degrees of freedom left to test it\)$/m);
    const e = JSON.parse(await ok(dir, 'explain', 'score', ...selected, '--json')) as ExplainJson;
    assert.equal(e.noise, null);
    assert.equal(param(e, 'a').noise, null);
    const ref = python<Record<string, Record<string, number>>>(REFERENCE, { rows: rows.filter((r) => selected.includes(String(r.trial))), metric: 'score', factors: ['a', 'b_small'], params: ['a', 'b_small'] });
    for (const name of ['a', 'b_small']) close(param(e, name).anova!.f, ref[name].f, `${name}: f_oneway F`);
    for (const name of ['a', 'b_small']) close(param(e, name).anova!.p, ref[name].p, `${name}: f_oneway p`);
  });

  test('values that do not all repeat get Spearman\'s ρ, ties averaged, as scipy.stats.spearmanr, and its exact p over every pairing (scipy.stats.permutation_test)', async () => {
    // a = 1, 1, 2, 3 and b_small = 0, 1, 0, 0: numbers with a value seen once
    const selected = [
      ...trialsWhere((r) => r.seed === 0 && r.c === 0 && r.a === 1),
      ...trialsWhere((r) => r.seed === 0 && r.c === 0 && r.a > 1 && r.b_small === 0),
    ];
    const e = JSON.parse(await ok(dir, 'explain', 'score', ...selected, '--json')) as ExplainJson;
    assert.deepEqual(e.parameters.map((p) => [p.name, p.role]), [['a', 'ranked'], ['b_small', 'ranked'], ['seed', 'repeat'], ['d', 'constant'], ['c', 'unreached']]);
    const chosen = rows.filter((r) => selected.includes(String(r.trial)));
    const ref = python<Record<string, [number, number]>>(
      `import json, sys
import numpy as np
from scipy import stats
rows = json.load(sys.stdin)
y = [r['score'] for r in rows]
def exact(x):
    return stats.permutation_test((x,), lambda x: stats.spearmanr(x, y)[0], permutation_type='pairings', n_resamples=np.inf).pvalue
print(json.dumps({n: [float(stats.spearmanr([r[n] for r in rows], y)[0]), float(exact([r[n] for r in rows]))] for n in ['a', 'b_small']}))`,
      chosen,
    );
    for (const name of ['a', 'b_small']) {
      close(param(e, name).spearman!.rho, ref[name][0], `${name}: ρ`);
      close(param(e, name).spearman!.p, ref[name][1], `${name}: p`);
    }
    assert.deepEqual([param(e, 'a').best, param(e, 'b_small').best], ['higher', 'lower']);
    assert.match(param(e, 'a').sentence, /^a: higher values go with higher score \(Spearman ρ \+0\.949, p 0\.17 over 4 trials; 4 trials in any order cannot reach p < 0\.05\)\.$/);
  });

  test('refusals: exit 2 and a hint for fewer than 3 trials, a metric that is not tagged, a parameter', async () => {
    const cases: [string[], string][] = [
      [['explain', 'score', rows[0].trial.toString(), rows[1].trial.toString()], 'nbprov: only 2 trials of this selection have a number for score: explain needs 3 or more\n  hint: run more trials, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select more (--all)\n'],
      [['explain', 'c_note'], 'nbprov: c_note is not a tagged metric of these trials\n  hint: tagged metrics here: score; or tag it: `nbprov tag var c_note metric:max` (or metric:min)\n'],
      [['explain', 'a', '--sweep', 'last'], 'nbprov: a is a parameter, not a metric\n  hint: tagged metrics here: score; or tag it: `nbprov tag var a metric:max` (or metric:min)\n'],
      [['explain', 'score', '--all', '--sweep', 'last'], 'nbprov: --all and --sweep exclude each other\n  hint: name trials, or one notebook, or one sweep, or --all\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await nbprov(args, { cwd: dir });
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, { code: 2, stdout: '', stderr }, args.join(' '));
    }
  });
});

test('explain --help: usage, the selection options and examples', async () => {
  const r = await nbprov(['explain', '--help'], { cwd: ROOT });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: nbprov explain \[options\] <metric> \[trials\.\.\.\]\n/);
  for (const option of ['--notebook <path>', '--all', '--sweep <sweep>', '--json', '--db <path>']) assert.match(r.stdout, new RegExp(`^ {2}${option} `, 'm'));
  assert.match(r.stdout, /\nExamples:\n {2}\$ nbprov explain accuracy --sweep last\n {2}\$ nbprov explain loss --all --json\n {2}\$ nbprov explain accuracy 3 7 9 12\n$/);
});

describe('nbprov explain: three runs of one combination', () => {
  test('no parameter varies: exit 2 with a hint', async () => {
    const dir = project('explain.ipynb');
    try {
      await ok(dir, 'sweep', 'explain.ipynb', '--repeat', '3', '--jobs', '2');
      const r = await nbprov(['explain', 'score', '--sweep', 'last'], { cwd: dir });
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, {
        code: 2,
        stdout: '',
        stderr: 'nbprov: no parameter varies among the 3 trials with score\n  hint: sweep one, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select other trials\n',
      });
    } finally {
      removeProject(dir);
    }
  });
});

describe('nbprov explain: trials recorded with --capture cells', () => {
  test('says they keep no values, all of them or some, instead of suggesting to tag the metric', async () => {
    const dir = project('explain.ipynb');
    try {
      await ok(dir, 'sweep', 'explain.ipynb', '-p', 'a', '1,2,3', '--capture', 'cells', '--jobs', '2');
      let r = await nbprov(['explain', 'score', '--sweep', 'last'], { cwd: dir });
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, {
        code: 2,
        stdout: '',
        stderr: 'nbprov: all 3 trials were recorded with --capture cells, which keeps no variable values: explain has no score to read\n  hint: record trials with --capture vars (the default), e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`\n',
      });
      await ok(dir, 'sweep', 'explain.ipynb', '-p', 'a', '1,2', '--jobs', '2');
      r = await nbprov(['explain', 'score', '--all'], { cwd: dir });
      assert.deepEqual({ code: r.code, stdout: r.stdout, stderr: r.stderr }, {
        code: 2,
        stdout: '',
        stderr: 'nbprov: only 2 trials of this selection have a number for score (3 of the 5 were recorded with --capture cells, which keeps no values): explain needs 3 or more\n  hint: run more trials, e.g. `nbprov sweep NOTEBOOK -p NAME V1,V2,V3`, or select more (--all)\n',
      });
    } finally {
      removeProject(dir);
    }
  });
});

describe('nbprov explain: wine.ipynb over n_trees × test_size, with unused varying too', () => {
  let dir: string;
  before(async () => {
    dir = project('wine.ipynb');
    await ok(dir, 'tag', 'var', 'accuracy', 'metric:max', 'wine.ipynb');
    // The four corners of n_trees × test_size, unused alternating: a complete grid, four trials.
    const grid = [[3, 0.25, 1], [3, 0.5, 2], [20, 0.25, 2], [20, 0.5, 1]].map(([n_trees, test_size, unused]) => ({ n_trees, test_size, unused }));
    writeFileSync(join(dir, 'grid.json'), JSON.stringify(grid));
    await ok(dir, 'sweep', 'wine.ipynb', '-f', 'grid.json', '--jobs', '2');
  });
  after(() => removeProject(dir));

  test('n_trees and test_size reach accuracy and move it, seed is fixed, unused cannot affect it', async () => {
    const text = await ok(dir, 'explain', 'accuracy', '--sweep', 'last');
    assert.equal(text, WINE_TEXT);
    const e = JSON.parse(await ok(dir, 'explain', 'accuracy', '--sweep', 'last', '--json')) as ExplainJson;
    const rows = (JSON.parse(await ok(dir, 'compare', '--sweep', 'last', '--json')) as CompareJson).rows;
    const ref = python<Record<string, Record<string, number>>>(REFERENCE, { rows, metric: 'accuracy', factors: ['n_trees', 'test_size', 'seed'], params: ['n_trees', 'test_size'] });
    for (const name of ['n_trees', 'test_size']) {
      const p = e.parameters.find((x) => x.name === name)!;
      close(p.anova!.f, ref[name].f, `${name}: f_oneway F`);
      close(p.anova!.p, ref[name].p, `${name}: f_oneway p`);
    }
    close(e.interactions[0].ss, ref.interaction.ss, 'interaction sum of squares');
  });
});

const WINE_TEXT = `accuracy (metric:max) over 4 trials, mean 0.98

parameter  in lineage  best value  effect range  η²     p
n_trees    4/4         20          0.028         0.709  0.16
test_size  4/4         0.25        0.017         0.261  0.49
seed       4/4         7           —             —      —
unused     0/4         —           —             —      —

n_trees: 3 → 20 raises accuracy by 0.028 on average (η² 0.709, p 0.16).
test_size: 0.5 → 0.25 raises accuracy by 0.017 on average (η² 0.261, p 0.49).
seed is 7 in all 4 trials where it reaches accuracy, so its effect cannot be measured.
unused cannot affect accuracy (not in its lineage in any of 4 trials).

Mean accuracy per value (and its difference to the mean of the trials measured):
  n_trees    3: 0.966 (-0.014)   20: 0.994 (+0.014)
  test_size  0.25: 0.989 (+0.00849)   0.5: 0.972 (-0.00849)

Noise: no combination of n_trees, test_size was run twice, so these effects carry no noise estimate (\`nbprov sweep --repeat N\` runs each N times).

Interactions (pairs of grid parameters that cross completely):
  n_trees × test_size: η² 0.03 (no degrees of freedom left to test it)
`;
