import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, waitNoProcesses, type CliResult } from '../helpers/cli.js';

const WRITERS = 4;

/** A parameter, a slow cell, a metric: enough for deps to walk and diff to compare. */
function notebook(): string {
  const cells = [
    { source: 'n = 3', tags: ['parameters'] },
    { source: 'import time\ndata = [i * i for i in range(n)]\ntime.sleep(0.5)', tags: [] },
    { source: 'total = sum(data)  # nbprov: metric:max', tags: [] },
  ].map((c, i) => ({ cell_type: 'code', execution_count: null, id: `q${i + 1}`, metadata: { tags: c.tags }, outputs: [], source: c.source }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 });
}

describe(`deps and diff while ${WRITERS} runs write to the same database`, () => {
  let dir: string;
  let writers: CliResult[];
  const reads: Record<'deps' | 'diff', CliResult[]> = { deps: [], diff: [] };
  const baseline: Record<'deps' | 'diff', string> = { deps: '', diff: '' };
  const ARGS = { deps: ['deps', 'total', '--json', '--trial', '1'], diff: ['diff', '1', '2', '--json'] };

  before(async () => {
    dir = project();
    writeFileSync(join(dir, 'q.ipynb'), notebook());
    // Together, to save a few seconds: which of n = 3 and n = 5 becomes trial 1 is up to the race.
    for (const r of await Promise.all(['3', '5'].map((n) => nbprov(['run', 'q.ipynb', '-q', '-p', 'n', n], { cwd: dir })))) assert.equal(r.code, 0, r.stderr);
    for (const kind of ['deps', 'diff'] as const) {
      const r = await nbprov(ARGS[kind], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      baseline[kind] = r.stdout;
    }
    let writing = true;
    const runs = Promise.all(Array.from({ length: WRITERS }, (_, i) => nbprov(['run', 'q.ipynb', '-q', '-p', 'n', String(10 + i)], { cwd: dir, killAfterMs: 60_000 })));
    const reader = async (kind: 'deps' | 'diff') => {
      while (writing) reads[kind].push(await nbprov(ARGS[kind], { cwd: dir, killAfterMs: 60_000 }));
    };
    const readers = Promise.all([reader('deps'), reader('diff')]);
    writers = await runs;
    writing = false;
    await readers;
  });
  after(() => removeProject(dir));

  test('the readers ran while the writers wrote', () => {
    assert.ok(reads.deps.length >= 3, `${reads.deps.length} deps calls`);
    assert.ok(reads.diff.length >= 3, `${reads.diff.length} diff calls`);
  });

  test('every deps and diff call: exit 0, nothing on stderr, the same JSON as before the writers started', () => {
    for (const kind of ['deps', 'diff'] as const) {
      for (const r of reads[kind]) {
        assert.deepEqual([r.code, r.stderr], [0, ''], kind);
        assert.equal(r.stdout, baseline[kind], `${kind} output changed while runs were writing`);
      }
    }
  });

  test('the answers are right: total built from n in trial 1; n 3 ↔ 5 changed total 5 ↔ 30', () => {
    const AS = { 3: { data: '[0, 1, 4]', total: 5 }, 5: { data: '[0, 1, 4, 9, 16]', total: 30 } } as const;
    const deps = JSON.parse(baseline.deps) as { trial: { sequence: number }; nodes: { id: number; name: string; repr: string }[]; edges: { dependent: number; dependency: number; type: string }[] };
    assert.equal(deps.trial.sequence, 1);
    const first = Number(deps.nodes.find((n) => n.name === 'n')?.repr) as 3 | 5;
    assert.ok(first === 3 || first === 5, `n in trial 1 is ${first}`);
    const second = first === 3 ? 5 : 3;
    const name = new Map(deps.nodes.map((n) => [n.id, n.name]));
    assert.deepEqual(deps.nodes.map((n) => [n.name, n.repr]), [['n', String(first)], ['data', AS[first].data], ['total', String(AS[first].total)]]);
    assert.deepEqual(deps.edges.map((e) => [name.get(e.dependent), name.get(e.dependency), e.type]), [['data', 'n', 'data'], ['total', 'data', 'data']]);
    const diff = JSON.parse(baseline.diff) as { a: { sequence: number }; b: { sequence: number }; params: { name: string; a: { value: unknown }; b: { value: unknown } }[]; metrics: { name: string; a: { value: unknown }; b: { value: unknown }; verdict: string }[] };
    assert.deepEqual([diff.a.sequence, diff.b.sequence], [1, 2]);
    assert.deepEqual(diff.params.map((p) => [p.name, p.a.value, p.b.value]), [['n', first, second]]);
    assert.deepEqual(diff.metrics.map((m) => [m.name, m.a.value, m.b.value, m.verdict]), [['total', AS[first].total, AS[second].total, first === 3 ? 'better' : 'worse']]);
  });

  test('every writer finished, no "database is locked", distinct trials 3..6, no process left', async () => {
    for (const r of writers) {
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stderr, /locked|busy/i);
    }
    const list = await nbprov(['list', '--json'], { cwd: dir });
    const trials = JSON.parse(list.stdout) as { sequence: number; status: string }[];
    assert.deepEqual(trials.map((t) => [t.sequence, t.status]), [1, 2, 3, 4, 5, 6].map((s) => [s, 'finished']));
    // four private servers and kernels wind down at once, on two cores shared with another test file
    assert.deepEqual(await waitNoProcesses(dir, 20_000), []);
  });
});
