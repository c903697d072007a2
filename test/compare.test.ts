import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { renderColumns } from '../src/render/columns.js';
import { renderTable } from '../src/render/table.js';
import { renderComparisonText } from '../src/render/comparison-table.js';
import type { Comparison } from '../src/compare/comparison.js';
import { handler as compareHandler, type CompareFlags } from '../src/cli/compare.js';
import { nbprov, project, removeProject, nbprovOk } from './helpers/cli.js';

describe('nbprov compare: three real runs of wine.ipynb with different -p values, one failing run of fails.ipynb', () => {
  let dir: string;
  let ids: string[];
  const ok = (...args: string[]) => nbprovOk(args, dir);
  /** The command in this process: the read-only checks need no fresh CLI each. */
  const compare = (trials: string[], flags: CompareFlags) => compareHandler(trials, { db: join(dir, '.noworkflow', 'db.sqlite'), ...flags });
  /** The table's cells, header and legend left out. */
  const column = (out: string) => out.trimEnd().split('\n').slice(1).filter((l) => !l.startsWith('* ')).map((l) => l.split(/\s+/));
  before(async () => {
    dir = project('wine.ipynb', 'fails.ipynb');
    await ok('tag', 'var', 'accuracy', 'metric:max', 'wine.ipynb');
    await ok('tag', 'var', 'note', 'metric:min', 'wine.ipynb');
    for (const p of [['-p', 'n_trees', '5'], [], ['-p', 'n_trees', '2', '-p', 'unused', '7']]) {
      const r = await nbprov(['run', 'wine.ipynb', '-q', ...p], { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
    }
    assert.equal((await nbprov(['run', 'fails.ipynb', '-q'], { cwd: dir })).code, 1);
    ids = (JSON.parse(await ok('list', '--json')) as { id: string }[]).map((t) => t.id);
  });
  after(() => removeProject(dir));

  test('one row per trial of a notebook; ↑/↓ mark directed metrics, * their best values', async () => {
    assert.equal(
      await ok('compare', '--notebook', 'wine.ipynb', '--columns', 'trial,status,n_trees,unused,accuracy,note'),
      `trial  status    n_trees  unused  accuracy ↑  note ↓
1      finished  5        123     0.955556    246
2      finished  20       123     1.0*        246
3      finished  2        7       0.8         14*
* best value of each metric:max / metric:min column
`,
    );
  });

  test('default columns; without arguments the newest trial\'s notebook; --all adds the notebook column', async () => {
    const newest = await ok('compare');
    assert.match(newest, /^trial {2}id {8}start {16}status\n4 {6}[0-9a-f]{8} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}failed\n$/);
    const all = (await ok('compare', '--all')).split('\n');
    assert.equal(all[0], 'trial  id        notebook     start                status    n_trees  seed  test_size  unused  accuracy ↑  note ↓');
    assert.match(all[4], /^4 {6}[0-9a-f]{8} {2}fails\.ipynb {2}.{19} {2}failed {4}- {8}- {5}- {10}- {7}- {11}-$/);
    assert.equal(all.length, 7);
  });

  test('--sort: ascending or descending with -, missing values last, ties in trial order', async () => {
    const order = (sort: string) => column(compare([], { all: true, columns: 'trial', sort })).map((r) => r[0]);
    assert.deepEqual(order('-accuracy'), ['2', '1', '3', '4']);
    assert.deepEqual(order('accuracy'), ['3', '1', '2', '4']);
    assert.deepEqual(order('note'), ['3', '1', '2', '4']);
    assert.deepEqual(order('-note'), ['1', '2', '3', '4']);
    assert.deepEqual(order('status'), ['4', '1', '2', '3']);
  });

  test('--where filters on params, metrics and trial columns', async () => {
    const trials = (where: string) => column(compare([], { all: true, columns: 'trial', where })).map((r) => r[0]);
    assert.deepEqual(trials('n_trees >= 5 and status = finished'), ['1', '2']);
    assert.deepEqual(trials('status != finished'), ['4']);
    assert.deepEqual(trials('unused < 100 or accuracy = 1'), ['2', '3']);
    assert.deepEqual(trials("not (notebook = 'wine.ipynb')"), ['4']);
    assert.equal(await ok('compare', '--all', '--where', 'n_trees > 1000'), 'no trial matches --where "n_trees > 1000"\n');
  });

  test('--where errors exit 2 with the position', async () => {
    const cases: [string, string][] = [
      ['n_trees >=', "nbprov: --where: expected a number, a quoted string or a name after '>=', found the end at position 11: n_trees >=▸\n"],
      ['n_tree >= 5', "nbprov: --where: unknown name 'n_tree' at position 1: ▸n_tree >= 5\n"],
      ['accuracy > 0.9 and (status = finished', "nbprov: --where: expected ')' to close the '(' at position 20, found the end at position 38: accuracy > 0.9 and (status = finished▸\n"],
    ];
    for (const [expr, message] of cases) {
      const r = await nbprov(['compare', '--all', '--where', expr], { cwd: dir });
      assert.equal(r.code, 2, expr);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr.split('  hint: ')[0], message);
    }
  });

  test('--json and --csv: raw values, full ids and timestamps', async () => {
    const json = JSON.parse(compare([], { notebook: join(dir, 'wine.ipynb'), columns: 'trial,n_trees,accuracy', json: true }));
    assert.deepEqual(json, {
      columns: [
        { name: 'trial', kind: 'trial', direction: null },
        { name: 'n_trees', kind: 'param', direction: null },
        { name: 'accuracy', kind: 'metric', direction: 'max' },
      ],
      rows: [
        { trial: 1, n_trees: 5, accuracy: 0.9555555555555556 },
        { trial: 2, n_trees: 20, accuracy: 1 },
        { trial: 3, n_trees: 2, accuracy: 0.8 },
      ],
      best: { accuracy: { direction: 'max', value: 1, trials: [2] } },
    });
    assert.equal(
      await ok('compare', '--all', '--columns', 'trial,id,notebook,n_trees,note', '--csv', '--sort', '-trial'),
      `trial,id,notebook,n_trees,note\r\n4,${ids[3]},fails.ipynb,,\r\n3,${ids[2]},wine.ipynb,2,14\r\n2,${ids[1]},wine.ipynb,20,246\r\n1,${ids[0]},wine.ipynb,5,246\r\n`,
    );
  });

  test('trial selectors keep their order; an unknown one exits 2', async () => {
    assert.deepEqual(column(compare(['3', ids[0].slice(0, 8), 'last~2'], { columns: 'trial,n_trees' })), [['3', '2'], ['1', '5'], ['2', '20']]);
    const r = await nbprov(['compare', '1', '99'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "nbprov: trial '99' not found: 4 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n");
  });

  test('--fail-on-regression: exit 1 when the newest trial is worse than the one before in a directed metric', async () => {
    const r = await nbprov(['compare', '--notebook', 'wine.ipynb', '--fail-on-regression', '--columns', 'trial,accuracy'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^trial {2}accuracy ↑\n/);
    assert.equal(r.stderr, 'nbprov: regression: accuracy 1.0 → 0.8 in trial 3 (trial 2 before it), metric:max\n  hint: see `nbprov diff` for why a metric moved\n');
    assert.equal((await nbprov(['compare', '1', '2', '--fail-on-regression'], { cwd: dir })).code, 0);
  });

  test('bad options exit 2 and say what is valid', async () => {
    const cases: [string[], string][] = [
      [['--all', '--sort', 'speed'], "nbprov: --sort: unknown column 'speed'\n"],
      [['--all', '--columns', 'trial,speed'], "nbprov: --columns: unknown column 'speed'\n  hint: columns: trial, id, name, notebook, start, status, duration, accuracy, n_trees, note, seed, test_size, unused\n"],
      [['--json', '--csv'], 'nbprov: --json and --csv exclude each other\n'],
      [['1', '--all'], 'nbprov: TRIAL arguments and --all exclude each other\n'],
    ];
    for (const [args, stderr] of cases) {
      const r = await nbprov(['compare', ...args], { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr.startsWith(stderr), true, r.stderr);
    }
  });
});

describe('comparison rendering', () => {
  test('renderColumns lays out exactly as the cli-table3 renderTable of list and show', () => {
    const head = ['#', 'name', 'value', 'note'];
    const rows = [['1', 'n_trees', '20', ''], ['12', 'accuracy_of_model', '0.955556', 'é'], ['3', '-', '', 'last']];
    assert.equal(renderColumns(head, rows), renderTable(head, rows));
  });

  test('with colors the best values are bold green, without a marker', () => {
    const c: Comparison = {
      columns: [{ name: 'trial', kind: 'trial', direction: null }, { name: 'loss', kind: 'metric', direction: 'min' }],
      rows: [1, 2].map((trial) => ({ trial, id: `id${trial}`, notebook: 'nb', start: '', finish: null, status: 'finished', values: new Map([['loss', trial / 10]]) })),
      best: new Map([['loss', { direction: 'min' as const, value: 0.1, trials: [1] }]]),
    };
    assert.equal(renderComparisonText(c, { color: true }), '\u001b[1mtrial\u001b[22m  \u001b[1mloss ↓\u001b[22m\n1      \u001b[1m\u001b[32m0.1\u001b[39m\u001b[22m\n2      0.2\n');
  });
});
