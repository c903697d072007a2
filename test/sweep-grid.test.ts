import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expandGrid, gridFromFile, splitValues, type GridSpec } from '../src/sweep/grid.js';
import { outputPaths } from '../src/sweep/output-template.js';
import { openDatabase } from '../src/store/db.js';
import { closeSweep, createSweep, findSweep, linkTrial, sweepRuns, sweepTrialIds, unsettledPositions } from '../src/store/sweeps.js';

const text = (...values: string[]) => values.map((t) => ({ text: t, raw: false }));
const spec = (over: Partial<GridSpec>): GridSpec => ({ axes: [], listed: [], zip: false, repeat: 1, ...over });

test('values split at the commas outside brackets and quotes', () => {
  assert.deepEqual(splitValues('3,20,100'), ['3', '20', '100']);
  assert.deepEqual(splitValues('(3, 3),(5, 5)'), ['(3, 3)', '(5, 5)']);
  assert.deepEqual(splitValues("'a,b', 'c'"), ["'a,b'", "'c'"]);
  assert.deepEqual(splitValues('[1, 2], {"x": 1}'), ['[1, 2]', '{"x": 1}']);
  assert.deepEqual(splitValues('0.5'), ['0.5']);
  assert.throws(() => splitValues('1,,2'), /empty value in '1,,2'/);
});

test('a grid crosses its axes in the order given, the last varying fastest', () => {
  const runs = expandGrid(spec({ axes: [['n', text('3', '20')], ['t', text('0.25', '0.5')]] }));
  assert.deepEqual(runs.map((r) => r.combination), [{ n: '3', t: '0.25' }, { n: '3', t: '0.5' }, { n: '20', t: '0.25' }, { n: '20', t: '0.5' }]);
  assert.deepEqual(runs.map((r) => r.position), [0, 1, 2, 3]);
  assert.deepEqual(runs[1].parameters, [{ name: 'n', value: '3', raw: false }, { name: 't', value: '0.5', raw: false }]);
});

test('--zip pairs the lists and refuses lists of different lengths', () => {
  const runs = expandGrid(spec({ zip: true, axes: [['n', text('3', '20')], ['t', text('0.25', '0.5')]] }));
  assert.deepEqual(runs.map((r) => r.combination), [{ n: '3', t: '0.25' }, { n: '20', t: '0.5' }]);
  assert.throws(() => expandGrid(spec({ zip: true, axes: [['n', text('3', '20')], ['t', text('0.25')]] })), /--zip needs lists of one length; got n: 2, t: 1/);
});

test('--repeat runs each combination N times and --seed-param numbers the repeats', () => {
  const runs = expandGrid(spec({ repeat: 2, seedParam: 'seed', axes: [['n', text('3', '20')]] }));
  assert.deepEqual(runs.map((r) => [r.position, r.repeat, r.combination]), [
    [0, 0, { n: '3', seed: 0 }], [1, 1, { n: '3', seed: 1 }], [2, 0, { n: '20', seed: 0 }], [3, 1, { n: '20', seed: 1 }],
  ]);
  assert.deepEqual(runs[3].parameters, [{ name: 'n', value: '20', raw: false }, { name: 'seed', value: 1, from: '--seed-param' }]);
});

test('a grid file is a mapping of lists, or a list of mappings each one combination', () => {
  assert.deepEqual(expandGrid(spec(gridFromFile({ n: [3, 20], solver: 'lbfgs' }, 'g.yaml'))).map((r) => r.combination), [
    { n: 3, solver: 'lbfgs' }, { n: 20, solver: 'lbfgs' },
  ]);
  assert.deepEqual(expandGrid(spec(gridFromFile([{ n: 3 }, { n: 20, t: 0.5 }], 'g.yaml'))).map((r) => r.parameters), [
    [{ name: 'n', value: 3, from: '-f g.yaml' }], [{ name: 'n', value: 20, from: '-f g.yaml' }, { name: 't', value: 0.5, from: '-f g.yaml' }],
  ]);
  assert.throws(() => gridFromFile([{ n: 3 }, 4], 'g.yaml'), /-f g.yaml: a list of mappings \(one per combination\) must hold only mappings/);
  assert.throws(() => gridFromFile({ n: [] }, 'g.yaml'), /-f g.yaml: 'n' has no values/);
  assert.throws(() => gridFromFile('n', 'g.yaml'), /must hold a mapping/);
});

test('output templates name each run and refuse two runs on one file', () => {
  const runs = expandGrid(spec({ repeat: 2, axes: [['n', text('3', '20')], ['solver', [{ text: 'a/b', raw: true }]]] }));
  assert.deepEqual(outputPaths('out/{n}-{solver}-{repeat}.ipynb', runs), [
    'out/3-a_b-0.ipynb', 'out/3-a_b-1.ipynb', 'out/20-a_b-0.ipynb', 'out/20-a_b-1.ipynb',
  ]);
  assert.throws(() => outputPaths('out/{n}.ipynb', runs), /runs 1 and 2 would both write out\/3.ipynb/);
  assert.throws(() => outputPaths('out/{depth}.ipynb', runs), /no parameter 'depth' in the sweep/);
});

test('a sweep records its planned runs; its trials and unsettled runs are read back per run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nbprov-sweep-'));
  const db = openDatabase(join(dir, 'db.sqlite'), { create: true });
  const runs = [0, 1, 2].map((position) => ({ position, repeat: 0, combination: JSON.stringify({ n: position }), parameters: '[]', output: null }));
  const id = createSweep(db, { notebook: 'nb.ipynb', grid: { n: [0, 1, 2] }, command: 'nbprov sweep nb.ipynb' }, runs);
  assert.equal(findSweep(db, 'last').id, id);
  assert.equal(findSweep(db, String(id)).status, 'running');
  assert.throws(() => findSweep(db, '99'), /no sweep '99' in this database/);
  assert.deepEqual(sweepRuns(db, id).map((r) => r.combination), ['{"n":0}', '{"n":1}', '{"n":2}']);
  const trial = (n: number, status: string) => {
    const tid = `t${n}`;
    db.prepare("INSERT INTO trial (id, script, start, status, sequence_key) VALUES (?, 'nb.ipynb', '2026-11-29 10:00:00', 'finished', ?)").run(tid, n);
    db.prepare("INSERT INTO nbprov_trial (trial_id, notebook, notebook_hash, status, cells_total) VALUES (?, 'nb.ipynb', 'h', ?, 1)").run(tid, status);
    return tid;
  };
  linkTrial(db, id, 0, trial(1, 'finished'));
  linkTrial(db, id, 1, trial(2, 'interrupted'));
  assert.deepEqual(unsettledPositions(db, id), [1, 2]);
  linkTrial(db, id, 1, trial(3, 'failed'));
  assert.deepEqual(unsettledPositions(db, id), [2]);
  assert.deepEqual(sweepTrialIds(db, id), ['t1', 't3']);
  closeSweep(db, id, 'interrupted');
  assert.equal(findSweep(db, 'last').status, 'interrupted');
  db.close();
});

test('the pool runs jobs tasks at once on resources made one ahead, never more than jobs + 1 alive', async () => {
  const { runPool } = await import('../src/sweep/pool.js');
  let alive = 0;
  let peakAlive = 0;
  let running = 0;
  let peakRunning = 0;
  let made = 0;
  const released: number[] = [];
  const done: string[] = [];
  const tick = () => new Promise((r) => setTimeout(r, 5));
  await runPool(['a', 'b', 'c', 'd', 'e'], {
    jobs: 2,
    acquire: async () => {
      const id = ++made;
      if (id === 3) throw new Error('no kernel');
      alive++;
      peakAlive = Math.max(peakAlive, alive);
      await tick();
      return id;
    },
    run: async (item, resource) => {
      running++;
      peakRunning = Math.max(peakRunning, running);
      try {
        await resource;
        await tick();
        alive--;
        done.push(item);
      } catch (err) {
        done.push(`${item}:${(err as Error).message}`);
      }
      running--;
      return true;
    },
    release: (r) => void released.push(r),
  });
  assert.deepEqual(done.sort(), ['a', 'b', 'c:no kernel', 'd', 'e']);
  assert.equal(peakRunning, 2);
  assert.ok(peakAlive <= 3, `peak ${peakAlive}`);
  assert.equal(made, 5);
  assert.deepEqual(released, []);
});

test('a pool told to stop starts nothing more and frees the resource it made ahead', async () => {
  const { runPool } = await import('../src/sweep/pool.js');
  const ran: string[] = [];
  const released: number[] = [];
  let made = 0;
  await runPool(['a', 'b', 'c', 'd'], {
    jobs: 1,
    acquire: async () => ++made,
    run: async (item, resource) => {
      await resource;
      ran.push(item);
      return item !== 'b';
    },
    release: (r) => void released.push(r),
  });
  assert.deepEqual(ran, ['a', 'b']);
  assert.deepEqual(released, [3]);
});
