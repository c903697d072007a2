import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { handler as depsHandler, type DepsFlags } from '../src/cli/deps.js';
import { nbprov, project, removeProject } from './helpers/cli.js';

// One run of each fixture: trial 1 = lineage.ipynb (every dependency shape), trial 2 = fails.ipynb (cell 2 raises).
describe('nbprov deps', () => {
  let dir: string;
  const deps = (...args: string[]) => nbprov(['deps', ...args], { cwd: dir });
  const ok = async (...args: string[]) => {
    const r = await deps(...args);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    return r.stdout;
  };
  // In-process, for checks of the rendering alone; the CLI path is exercised by the exact trees and the errors.
  const show = (variable: string | undefined, flags: Partial<DepsFlags> = {}) => depsHandler(variable, { db: join(dir, '.noworkflow/db.sqlite'), trial: '1', ...flags });
  const json = (variable: string | undefined, flags: Partial<DepsFlags> = {}) =>
    JSON.parse(show(variable, { ...flags, format: 'json' })) as { nodes: { id: number; name: string; version: number; depth: number; truncated: boolean }[]; edges: unknown[]; tags?: Record<string, string> };
  const versions = (doc: { nodes: { name: string; version: number }[] }) => doc.nodes.map((n) => `${n.name} v${n.version}`).sort();

  before(async () => {
    dir = project('lineage.ipynb', 'fails.ipynb');
    const first = await nbprov(['run', 'lineage.ipynb', '-q'], { cwd: dir });
    assert.equal(first.code, 0, first.stderr);
    const second = await nbprov(['run', 'fails.ipynb', '-q'], { cwd: dir });
    assert.equal(second.code, 1, second.stderr);
  });
  after(() => removeProject(dir));

  test('a metric: mutation chain (model fit, then used), shared ancestors printed once', async () => {
    assert.equal(
      await ok('accuracy', '--trial', '1'),
      `accuracy v1 = 0.9995  cell 11 · metrics-evaluation · line 1
└─ score v1 = 0.9994879517347833  cell 7 · model-scoring · line 4
   ├─ X v1 = ndarray float64 (30, 3)  cell 3 · data-reading · line 3
   │  └─ rng v1 = Generator(PCG64)  cell 3 · data-reading · line 2
   │     └─ np v1 (import)  cell 3 · data-reading · line 1
   ├─ y v1 = ndarray float64 (30,)  cell 3 · data-reading · line 4
   │  ├─ np v1 (import) (see above)
   │  └─ X v1 (see above)
   └─ model v2 (mutate) = Ridge(alpha=0.5)  cell 7 · model-scoring · line 3
      ├─ X v1 (see above)
      ├─ y v1 (see above)
      └─ [mutation] model v1 = Ridge(alpha=0.5)  cell 7 · model-scoring · line 2
         ├─ alpha v1 = 0.5  cell 2 · line 1
         └─ Ridge v1 (import)  cell 7 · model-scoring · line 1
`,
    );
  });

  test('linear chain and diamond: c is reached twice, drawn once', async () => {
    assert.equal(
      await ok('f', '--trial', '1'),
      `f v1 = 11  cell 5 · feature-engineering · line 3
├─ d v1 = 5  cell 5 · feature-engineering · line 1
│  └─ c v1 = 4  cell 4 · feature-engineering · line 3
│     └─ b v1 = 2  cell 4 · feature-engineering · line 2
│        └─ a v1 = 1  cell 4 · feature-engineering · line 1
└─ e v1 = 6  cell 5 · feature-engineering · line 2
   └─ c v1 (see above)
`,
    );
  });

  test('a redefined name: g points to the a that b used (v1) and to the a it read itself (v2)', async () => {
    assert.equal(
      await ok('g', '--trial', '1'),
      `g v1 = 102  cell 10 · line 2
├─ b v1 = 2  cell 4 · feature-engineering · line 2
│  └─ a v1 = 1  cell 4 · feature-engineering · line 1
└─ a v2 = 100  cell 10 · line 1
`,
    );
    assert.equal(show('a'), 'a v2 = 100  cell 10 · line 1\n');
    assert.equal(show('a@4'), 'a v1 = 1  cell 4 · feature-engineering · line 1\n');
    assert.equal(show('a@v1'), 'a v1 = 1  cell 4 · feature-engineering · line 1\n');
    assert.equal(await ok('a', '--version', '1', '--trial', '1', '--debug'), 'a v1 = 1  cell 4 · feature-engineering · line 1\n');
  });

  test('a loop: iterations with control on the bound, then the summary, which re-binds total (no [mutation]) from i and so from n; --no-control drops control', async () => {
    assert.equal(
      await ok('total', '--trial', '1'),
      `total v5 (loop, 4 iterations) = 6  cell 8 · line 2
├─ n v1 = 4  cell 2 · line 2
├─ i v3 (for) = 2  cell 8 · line 2
│  └─ n v1 (see above)
└─ total v4 (augassign) = 3  cell 8 · line 3
   ├─ [control] n v1 (see above)
   ├─ total v3 (augassign) = 1  cell 8 · line 3
   │  ├─ [control] n v1 (see above)
   │  ├─ total v2 (augassign) = 0  cell 8 · line 3
   │  │  ├─ [control] n v1 (see above)
   │  │  ├─ total v1 = 0  cell 8 · line 1
   │  │  └─ i v1 (for) = 0  cell 8 · line 2
   │  │     └─ n v1 (see above)
   │  └─ i v2 (for) = 1  cell 8 · line 2
   │     └─ n v1 (see above)
   └─ i v3 (for) (see above)
`,
    );
    const text = show('total', { control: false });
    assert.doesNotMatch(text, /\[control\]/);
    assert.match(text, /^└─ total v4 \(augassign\) = 3 {2}cell 8 · line 3\n {3}├─ total v3 \(augassign\) = 1 {2}cell 8 · line 3\n {3}│ {2}├─ total v2 /m);
  });

  test('a function reading a global: the call edge points to alpha', async () => {
    assert.equal(
      show('scaled', { depth: 1 }),
      `scaled v1 = 5.5  cell 9 · line 4
├─ [call] alpha v1 = 0.5  cell 2 · line 1
├─ f v1 = 11  cell 5 · feature-engineering · line 3 …
└─ scale v1 (def)  cell 9 · line 1
`,
    );
  });

  test('--json: the documented shape, exact for the redefined name', async () => {
    const doc = JSON.parse(await ok('g', '--trial', '1', '--format', 'json'));
    assert.deepEqual(Object.keys(doc), ['trial', 'direction', 'roots', 'nodes', 'edges']);
    assert.equal(doc.trial.sequence, 1);
    assert.equal(doc.direction, 'backward');
    const node = (id: number, name: string, version: number, value: number, cell: number, cellId: string, stage: string | null, line: number, depth: number) => ({
      id, name, version, kind: 'assign', type: 'int', value, summary: null, repr: String(value), display: String(value), iterations: null,
      cell, cellId, cellStatus: 'ok', stage, line, depth, truncated: false,
    });
    const [a1, b1, a2, g1] = doc.nodes.map((n: { id: number }) => n.id);
    assert.deepEqual(doc.roots, [g1]);
    assert.deepEqual(doc.nodes, [
      node(a1, 'a', 1, 1, 4, 'chain', 'feature-engineering', 1, 2),
      node(b1, 'b', 1, 2, 4, 'chain', 'feature-engineering', 2, 1),
      node(a2, 'a', 2, 100, 10, 'redef', null, 1, 1),
      node(g1, 'g', 1, 102, 10, 'redef', null, 2, 0),
    ]);
    assert.deepEqual(doc.edges, [
      { dependent: b1, dependency: a1, type: 'data' },
      { dependent: g1, dependency: b1, type: 'data' },
      { dependent: g1, dependency: a2, type: 'data' },
    ]);
  });

  test('--json: summaries, kinds and edge types of the metric', async () => {
    const doc = json('accuracy');
    const byName = new Map(doc.nodes.map((n) => [`${n.name} v${n.version}`, n as Record<string, unknown>]));
    const summary = byName.get('X v1')!.summary as { fp: string; content: string };
    assert.deepEqual(summary, { shape: [30, 3], dtype: 'float64', fp: summary.fp, content: summary.content });
    assert.match(summary.content, /^[0-9a-f]{16}$/);
    assert.equal(byName.get('X v1')!.value, null);
    assert.equal(byName.get('model v2')!.kind, 'mutate');
    const types = (doc.edges as { type: string }[]).map((e) => e.type).sort();
    assert.deepEqual([...new Set(types)], ['data', 'mutation']);
    assert.equal(doc.edges.length, 13);
  });

  test('--forward: exactly what was built from a value', async () => {
    assert.deepEqual(versions(json('alpha', { forward: true })), ['accuracy v1', 'alpha v1', 'model v1', 'model v2', 'scaled v1', 'score v1', 'summary v1']);
    assert.deepEqual(versions(json('c', { forward: true })), ['c v1', 'd v1', 'e v1', 'f v1', 'scaled v1', 'summary v1']);
    assert.deepEqual(versions(json('unused', { forward: true })), ['unused v1']);
    assert.deepEqual(versions(json('n', { forward: true, control: false })), [
      'i v1', 'i v2', 'i v3', 'i v4', 'n v1', 'summary v1', 'total v2', 'total v3', 'total v4', 'total v5',
    ]);
    assert.equal(
      show('c', { forward: true }),
      `c v1 = 4  cell 4 · feature-engineering · line 3
├─ d v1 = 5  cell 5 · feature-engineering · line 1
│  └─ f v1 = 11  cell 5 · feature-engineering · line 3
│     └─ scaled v1 = 5.5  cell 9 · line 4
│        └─ summary v1 = 114.4995  cell 12 · line 1
└─ e v1 = 6  cell 5 · feature-engineering · line 2
   └─ f v1 (see above)
`,
    );
  });

  test('--depth: levels from the root; cut nodes end in …', async () => {
    assert.equal(
      show('summary', { depth: 1 }),
      `summary v1 = 114.4995  cell 12 · line 1
├─ total v5 (loop, 4 iterations) = 6  cell 8 · line 2 …
├─ scaled v1 = 5.5  cell 9 · line 4 …
├─ g v1 = 102  cell 10 · line 2 …
└─ accuracy v1 = 0.9995  cell 11 · metrics-evaluation · line 1 …
`,
    );
    const doc = json('summary', { depth: 1 });
    assert.deepEqual(doc.nodes.map((n) => [n.depth, n.truncated]), [[1, true], [1, true], [1, true], [1, true], [0, false]]);
  });

  test('--stages: grouped in pipeline order', async () => {
    assert.equal(
      show('accuracy', { stages: true }),
      `accuracy v1: 10 versions across 3 stages (data-reading → model-scoring → metrics-evaluation)

data-reading
  np v1 (import)  cell 3 · line 1
  rng v1 = Generator(PCG64)  cell 3 · line 2  ← np v1
  X v1 = ndarray float64 (30, 3)  cell 3 · line 3  ← rng v1
  y v1 = ndarray float64 (30,)  cell 3 · line 4  ← np v1, X v1

model-scoring
  Ridge v1 (import)  cell 7 · line 1
  model v1 = Ridge(alpha=0.5)  cell 7 · line 2  ← alpha v1, Ridge v1
  model v2 (mutate) = Ridge(alpha=0.5)  cell 7 · line 3  ← X v1, y v1, model v1
  score v1 = 0.9994879517347833  cell 7 · line 4  ← X v1, y v1, model v2

metrics-evaluation
  accuracy v1 = 0.9995  cell 11 · line 1  ← score v1

(no stage)
  alpha v1 = 0.5  cell 2 · line 1
`,
    );
  });

  test('--tagged: every metric (forward: every param), tag after the root', async () => {
    const text = await ok('--tagged', '--trial', '1');
    assert.equal(text, show('accuracy').replace('line 1\n', 'line 1  metric:max\n'));
    const forward = show(undefined, { tagged: true, forward: true });
    assert.match(forward, /^alpha v1 = 0\.5 {2}cell 2 · line 1 {2}param\n/);
    assert.match(forward, /\n\nn v1 = 4 {2}cell 2 · line 2 {2}param\n/);
    assert.match(forward, /\n[├└]─ total v5 \(loop, 4 iterations\) \(see above\)\n/);
    const doc = json(undefined, { tagged: true });
    assert.deepEqual(Object.values(doc.tags!), ['metric:max']);
  });

  test('--format dot: graphviz renders it', async () => {
    for (const [variable, flags] of [['accuracy', {}], ['total', {}], ['alpha', { forward: true }]] as const) {
      const dot = show(variable, { ...flags, format: 'dot' });
      const doc = json(variable, flags);
      const svg = spawnSync('dot', ['-Tsvg'], { input: dot, encoding: 'utf8' });
      assert.equal(svg.status, 0, svg.stderr);
      assert.equal(svg.stderr, '');
      assert.equal(svg.stdout.match(/class="node"/g)?.length, doc.nodes.length);
      assert.equal(svg.stdout.match(/class="edge"/g)?.length, doc.edges.length);
    }
    assert.match(show('model', { format: 'dot' }), /\n {2}subgraph cluster_cell_7 \{\n {4}label="cell 7 · model-scoring";\n/);
  });

  test('--format mermaid: a flowchart with declared nodes, balanced subgraphs and known arrows', async () => {
    const text = show('summary', { format: 'mermaid' });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines[0], 'flowchart TD');
    const declared = new Set<string>();
    let open = 0;
    let edges = 0;
    for (const line of lines.slice(1)) {
      let m: RegExpExecArray | null;
      if ((m = /^ {2}subgraph (cell\d+)\["[^"]*"\]$/.exec(line))) open++;
      else if (line === '  end') open--;
      else if ((m = /^ {2,4}(e\d+)\["[^"]*"\]$/.exec(line))) declared.add(m[1]);
      else if ((m = /^ {2}(e\d+) (-->|-\. control \.->|== mutation ==>|-\. call \.->) (e\d+)$/.exec(line))) {
        assert.ok(declared.has(m[1]) && declared.has(m[3]), line);
        edges++;
      } else assert.fail(`not mermaid flowchart syntax: ${line}`);
      assert.ok(open === 0 || open === 1, 'subgraphs do not nest');
    }
    assert.equal(open, 0);
    const doc = json('summary');
    assert.equal(declared.size, doc.nodes.length);
    assert.equal(edges, doc.edges.length);
  });

  test('colors only when asked: none through a pipe even without NO_COLOR', async () => {
    const piped = await nbprov(['deps', 'f', '--trial', '1'], { cwd: dir, env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
    assert.doesNotMatch(piped.stdout, /\x1b\[/);
    const colored = show('f', { color: true });
    assert.match(colored, /\x1b\[1mf\x1b\[22m v1 = \x1b\[32m11\x1b\[39m/);
  });

  test('unknown variable: exit 2 with the closest recorded names', async () => {
    let r = await deps('acuracy', '--trial', '1');
    assert.equal(r.code, 2);
    assert.equal(r.stderr, "nbprov: no variable 'acuracy' in trial 1\n  hint: did you mean 'accuracy'?\n");
    r = await deps('Totl', '--trial', '1');
    assert.equal(r.stderr, "nbprov: no variable 'Totl' in trial 1\n  hint: did you mean 'total'?\n");
    r = await deps('zzzzzzzz', '--trial', '1');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^nbprov: no variable 'zzzzzzzz' in trial 1\n {2}hint: recorded names include Ridge, X, a, accuracy, /);
  });

  test('bad selectors: exit 2 saying what exists', async () => {
    const cases: [string[], string][] = [
      [['a@3', '--trial', '1'], "nbprov: cell 3 of trial 1 does not assign 'a'\n  hint: its versions come from cells 4, 10\n"],
      [['a@v3', '--trial', '1'], "nbprov: 'a' has 2 versions in trial 1, not 3\n  hint: pick a@v1 to a@v2\n"],
      [['a-b'], "nbprov: 'a-b' is not NAME, NAME@CELL or NAME@vN\n  hint: e.g. `nbprov deps accuracy`, `nbprov deps model@6` (its last version in cell 6), `nbprov deps total@v2`\n"],
      [[], 'nbprov: name a variable, or pass --tagged\n  hint: e.g. `nbprov deps accuracy`\n'],
      [['x', '--tagged'], 'nbprov: --tagged draws every tagged variable: do not name one too\n'],
      [['a@4', '--version', '1'], "nbprov: 'a@4' already picks a version: drop --version or the @ part\n"],
      [['--tagged', '--version', '1'], 'nbprov: --version picks a version of a named variable\n  hint: e.g. `nbprov deps total --version 3`\n'],
      [['a', '--version', '0'], "error: option '--version <n>' argument '0' is invalid. --version needs a version number from 1, got '0'.\n(run with --help for usage)\n"],
      [['--tagged', '--trial', '2'], 'nbprov: trial 2 has no variable tagged metric\n  hint: tag one with `nbprov tag var NAME metric:max` or a `# nbprov: metric` comment, then re-run\n'],
      [['x', '--trial', '9'], "nbprov: trial '9' not found: 2 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await deps(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr, stderr, args.join(' '));
      assert.equal(r.stdout, '');
    }
    const r = await deps('a', '--depth', '-1');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--depth needs a whole number of levels, got '-1'/);
  });

  test('a variable seen only in a failed cell: its partial history and a warning', async () => {
    const r = await deps('y', '--trial', '2');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'y v1 = 2  cell 2 · line 1  (cell raised)\n└─ x v1 = 1  cell 1 · line 1\n');
    assert.equal(r.stderr, "nbprov: warning: 'y' was only assigned in cell 2 of trial 2, which raised: its history stops where the cell failed\n");
  });

  describe('hand-made databases', () => {
    let copy: string;
    let db: string;
    before(() => {
      copy = mkdtempSync(join(tmpdir(), 'nbprov-deps-db-'));
      cpSync(join(dir, '.noworkflow'), join(copy, '.noworkflow'), { recursive: true });
      db = join(copy, '.noworkflow/db.sqlite');
    });
    after(() => removeProject(copy));

    test('a cycle in bad data ends the walk: each version once, the loop edge as (see above)', async () => {
      const sql = new Database(db);
      sql.pragma('foreign_keys = OFF'); // noWorkflow's composite keys point at non-unique columns
      const trial = (sql.prepare('SELECT trial_id AS id FROM nbprov_trial ORDER BY rowid LIMIT 1').get() as { id: string }).id;
      const id = (name: string) => (sql.prepare('SELECT evaluation_id AS id, activation_id AS act FROM nbprov_value WHERE trial_id = ? AND name = ? ORDER BY evaluation_id LIMIT 1').get(trial, name) as { id: number; act: number });
      const [a, c, f] = [id('a'), id('c'), id('f')];
      const insert = sql.prepare("INSERT INTO dependency (trial_id, id, dependent_activation_id, dependent_id, dependency_activation_id, dependency_id, type) VALUES (?, (SELECT MAX(id) + 1 FROM dependency), ?, ?, ?, ?, 'dependency')");
      insert.run(trial, a.act, a.id, c.act, c.id); // a ← c closes a → b → c → a
      insert.run(trial, f.act, f.id, f.act, f.id); // f ← f
      sql.close();
      const run = (...args: string[]) => nbprov(['deps', ...args, '--db', db, '--trial', '1'], { cwd: copy });
      let r = await run('c');
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        r.stdout,
        `c v1 = 4  cell 4 · feature-engineering · line 3
└─ b v1 = 2  cell 4 · feature-engineering · line 2
   └─ a v1 = 1  cell 4 · feature-engineering · line 1
      └─ c v1 (see above)
`,
      );
      r = await run('f', '--forward', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.ok(JSON.parse(r.stdout).edges.some((e: { dependent: number; dependency: number }) => e.dependent === f.id && e.dependency === f.id));
      for (const format of ['dot', 'mermaid']) assert.equal((await run('f', '--format', format)).code, 0);
      assert.equal((await run('a', '--stages')).code, 0);
      r = await nbprov(['slice', 'c', '--db', db, '--trial', '1', '-o', '-'], { cwd: copy });
      assert.equal(r.code, 0, r.stderr);
    });

    test('a trial recorded with --capture cells: exit 2 saying to re-run with variable capture', async () => {
      const sql = new Database(db);
      sql.prepare("UPDATE nbprov_trial SET capture = 'cells'").run();
      sql.close();
      for (const command of ['deps', 'slice']) {
        const r = await nbprov([command, 'accuracy', '--db', db, '--trial', '1'], { cwd: copy });
        assert.equal(r.code, 2);
        assert.equal(r.stderr, 'nbprov: trial 1 was recorded with --capture cells: it holds no variable versions\n  hint: re-run with variable capture: `nbprov run lineage.ipynb --capture vars`\n');
      }
    });
  });
});
