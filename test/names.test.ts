import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openDatabase } from '../src/store/db.js';
import { freeRunNames, planRunNames } from '../src/sweep/names.js';
import { nbprov, project, removeProject, waitNoProcesses, query } from './helpers/cli.js';

/** Parameters x, y (and seed, pause); score = x * 10 + y, tagged metric:max. */
function writeScoreNotebook(dir: string, name = 'score.ipynb'): void {
  const cells = [
    { source: 'x = 1\ny = 2\nseed = 0\npause = 0.0', tags: ['parameters'] },
    { source: 'import time\ntime.sleep(pause)', tags: [] },
    { source: 'score = x * 10 + y  # nbprov: metric:max', tags: [] },
  ].map((c, i) => ({ cell_type: 'code', execution_count: null, id: `c${i}`, metadata: { tags: c.tags }, outputs: [], source: c.source }));
  writeFileSync(join(dir, name), JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 }));
}

/** Trial number, short id and name of every trial, oldest first. */
function trials(dir: string): { n: number; id: string; name: string | null }[] {
  return query<{ n: number; id: string; name: string | null }>(dir, 'SELECT t.sequence_key AS n, substr(t.id, 1, 8) AS id, n.name FROM trial t JOIN nbprov_trial n ON n.trial_id = t.id ORDER BY t.sequence_key');
}

const HINT = '  hint: a name is text such as baseline or lr-0.1: not a number, last, last~N or an id prefix\n';

describe('named trials: run --name, names as selectors, nbprov name', () => {
  let dir: string;
  const cli = (...args: string[]) => nbprov(args, { cwd: dir });
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  before(async () => {
    dir = project();
    writeScoreNotebook(dir);
    assert.equal(await ok('run', 'score.ipynb', '--name', 'baseline', '-q'), '');
    assert.match(await ok('run', 'score.ipynb', '--name', 'tuned', '-p', 'x', '3'), /^trial 2 'tuned' \([0-9a-f]{8}\) finished: 4\/4 cells ok, [\d.]+ s\n$/);
  });
  after(() => removeProject(dir));

  test('a name selects its trial in diff, deps and show; show --json, list --json and compare --json carry it', async () => {
    assert.equal(await ok('diff', 'baseline', 'tuned', '--only', 'params,metrics'), await ok('diff', '1', '2', '--only', 'params,metrics'));
    const [a, b] = trials(dir);
    assert.equal(await ok('diff', 'baseline', 'tuned', '--only', 'params,metrics'), `trial 1 'baseline' (${a.id}) → trial 2 'tuned' (${b.id})   score.ipynb

Parameters
  x  1 → 3  -p in trial 2

Metrics
  score  12 → 32  better (metric:max)  +20 (+166.67%)
`);
    const diffJson = JSON.parse(await ok('diff', 'baseline', 'tuned', '--json')) as { a: { name?: string }; b: { name?: string } };
    assert.deepEqual([diffJson.a.name, diffJson.b.name], ['baseline', 'tuned']);
    assert.equal(await ok('deps', 'score', '--trial', 'baseline'), 'score v1 = 12  cell 3 · line 1\n├─ x v1 = 1  cell 1 · line 1\n└─ y v1 = 2  cell 1 · line 2\n');
    assert.equal(await ok('deps', 'score', '--trial', 'tuned'), 'score v1 = 32  cell 4 · line 1\n├─ y v1 = 2  cell 1 · line 2\n└─ x v2 = 3  cell 2 · line 2\n');
    const shown = JSON.parse(await ok('show', 'baseline', '--json')) as { trial: { sequence: number; name: string } };
    assert.deepEqual([shown.trial.sequence, shown.trial.name], [1, 'baseline']);
    assert.deepEqual((await ok('show', 'tuned')).split('\n').slice(0, 3).map((l) => l.replace(/ {2}[0-9a-f-]{36} {2}/, '  ID  ')), ['trial 2  ID  (1.2.1)', 'name      tuned', 'notebook  score.ipynb']);
    const listed = JSON.parse(await ok('list', '--json')) as { sequence: number; name: string | null }[];
    assert.deepEqual(listed.map((t) => [t.sequence, t.name]), [[1, 'baseline'], [2, 'tuned']]);
    const compared = JSON.parse(await ok('compare', '--json')) as { columns: { name: string }[]; rows: Record<string, unknown>[] };
    assert.deepEqual(compared.columns.map((c) => c.name), ['trial', 'id', 'name', 'start', 'status', 'pause', 'seed', 'x', 'y', 'score']);
    assert.deepEqual(compared.rows.map((r) => [r.trial, r.name]), [[1, 'baseline'], [2, 'tuned']]);
  });

  test('list and compare show a name column (only when a trial has a name); compare filters and sorts by it', async () => {
    const [a, b] = trials(dir);
    const list = (await ok('list')).split('\n');
    assert.equal(list[0], '#  id        name      notebook     start                duration  status    cells ok/failed  params                    metrics');
    assert.deepEqual(list.slice(1, 3).map((l) => l.split(/ {2,}/).slice(0, 4)), [['1', a.id, 'baseline', 'score.ipynb'], ['2', b.id, 'tuned', 'score.ipynb']]);
    const table = (await ok('compare')).split('\n');
    assert.equal(table[0], 'trial  id        name      start                status    pause  seed  x  y  score ↑');
    assert.deepEqual(table.slice(1, 3).map((l) => l.split(/ {2,}/).filter((_, i) => i !== 3)), [['1', a.id, 'baseline', 'finished', '0.0', '0', '1', '2', '12'], ['2', b.id, 'tuned', 'finished', '0.0', '0', '3', '2', '32*']]);
    assert.equal(await ok('compare', '--where', 'name = tuned', '--columns', 'trial,name,score'), 'trial  name   score ↑\n2      tuned  32*\n* best value of each metric:max / metric:min column\n');
    assert.equal(await ok('compare', '--columns', 'name,x', '--sort', 'name'), 'name      x\nbaseline  1\ntuned     3\n');
    assert.equal(await ok('compare', 'tuned', 'baseline', '--columns', 'trial,name'), 'trial  name\n2      tuned\n1      baseline\n');
  });

  test('a name another trial of the notebook holds: exit 2 naming that trial, before anything starts', async () => {
    const [a] = trials(dir);
    const r = await cli('run', 'score.ipynb', '--name', 'baseline');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `nbprov: name 'baseline' is taken by trial 1 (${a.id}) of score.ipynb\n  hint: choose another name, or rename that trial first: nbprov name 1 NEW (or --clear)\n`);
    assert.equal(trials(dir).length, 2);
  });

  test('nbprov name renames, clears and refuses a name another trial holds', async () => {
    const [a, b] = trials(dir);
    assert.equal(await ok('name', 'tuned', 'tuned-v2'), `trial 2 (${b.id}) renamed 'tuned' → 'tuned-v2'\n`);
    const gone = await cli('show', 'tuned');
    assert.deepEqual([gone.code, gone.stderr], [2, "nbprov: trial 'tuned' not found: 2 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n"]);
    assert.equal(await ok('name', 'tuned-v2', 'tuned-v2'), `trial 2 (${b.id}) is already named 'tuned-v2'\n`);
    const taken = await cli('name', '2', 'baseline');
    assert.deepEqual([taken.code, taken.stderr], [2, `nbprov: name 'baseline' is taken by trial 1 (${a.id}) of score.ipynb\n  hint: choose another name, or rename that trial first: nbprov name 1 NEW (or --clear)\n`]);
    assert.equal(await ok('name', 'tuned-v2', '--clear'), `trial 2 (${b.id}) is no longer named 'tuned-v2'\n`);
    assert.equal(await ok('name', '2', '--clear'), `trial 2 (${b.id}) has no name\n`);
    assert.equal(await ok('compare', '--columns', 'trial,name'), 'trial  name\n1      baseline\n2      -\n');
    assert.equal(await ok('name', 'last', 'tuned'), `trial 2 (${b.id}) is named 'tuned'\n`);
    const neither = await cli('name', '2');
    assert.deepEqual([neither.code, neither.stderr], [2, 'nbprov: give the new name, or --clear to remove the name\n  hint: nbprov name TRIAL NEW-NAME\n']);
    const both = await cli('name', '2', 'x', '--clear');
    assert.deepEqual([both.code, both.stderr], [2, 'nbprov: give a new name or --clear, not both\n']);
  });

  test('names that read as a number, last, last~N, an id prefix, an option or a notebook, or are blank or hold control characters, are refused', async () => {
    const cases: [string, string][] = [
      ['3', "'3': it looks like a number (selectors read numbers as trial numbers)"],
      ['0.5', "'0.5': it looks like a number (selectors read numbers as trial numbers)"],
      ['last', "'last': it reads as the selector last or last~N"],
      ['last~2', "'last~2': it reads as the selector last or last~N"],
      ['beef', "'beef': it reads as an id prefix (4 or more hex digits)"],
      ['-v1', "'-v1': it starts with '-' and would read as an option"],
      ['a.ipynb', "'a.ipynb': it ends in .ipynb and would read as a notebook"],
      ['', '"": it is empty'],
      ['   ', '"   ": it is empty'],
      [' base', '" base": it starts or ends with a space'],
      ['a\tb', '"a\\tb": it holds a control character'],
      ['a\u202eb', '"a\u202eb": it holds a control character'],
      ['x'.repeat(257), `'${'x'.repeat(257)}': it is longer than 256 characters`],
    ];
    for (const [name, why] of cases) {
      const r = await cli('name', '1', '--', name);
      assert.deepEqual([r.code, r.stderr], [2, `nbprov: name ${why}\n${HINT}`], JSON.stringify(name));
    }
    const run = await cli('run', 'score.ipynb', '--name', 'last~1');
    assert.deepEqual([run.code, run.stderr], [2, `nbprov: --name 'last~1': it reads as the selector last or last~N\n${HINT}`]);
    assert.equal(trials(dir).length, 2);
  });

  test('names are unique per notebook: one held in two notebooks is an ambiguous selector', async () => {
    writeScoreNotebook(dir, 'other.ipynb');
    assert.equal(await ok('run', 'other.ipynb', '--name', 'baseline', '-q'), '');
    const r = await cli('show', 'baseline');
    assert.deepEqual([r.code, r.stderr], [2, "nbprov: trial name 'baseline' is ambiguous: #1 of score.ipynb, #3 of other.ipynb\n  hint: give the trial number instead\n"]);
    assert.equal(await ok('compare', '--notebook', 'other.ipynb', '--columns', 'trial,name,notebook'), 'trial  name      notebook\n3      baseline  other.ipynb\n');
  });
});

describe('named trials in sweeps', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeProject));
  const sweepProject = () => {
    const dir = project();
    writeScoreNotebook(dir);
    dirs.push(dir);
    return dir;
  };
  /** Each run's newest trial's name, in run order. */
  const runNames = (dir: string, sweep: number) => query<{ name: string | null }>(dir, `
    SELECT n.name FROM nbprov_sweep_run r JOIN nbprov_sweep_trial s ON s.sweep_id = r.sweep_id AND s.position = r.position
    JOIN nbprov_trial n ON n.trial_id = s.trial_id JOIN trial t ON t.id = s.trial_id
    WHERE r.sweep_id = ? AND t.sequence_key = (SELECT MAX(t2.sequence_key) FROM nbprov_sweep_trial s2 JOIN trial t2 ON t2.id = s2.trial_id WHERE s2.sweep_id = r.sweep_id AND s2.position = r.position)
    ORDER BY r.position`, sweep).map((r) => r.name);

  test('each trial is named from its combination, in the order the parameters were given; a sweep of the same values again gets @2', async () => {
    const dir = sweepProject();
    const cli = (...args: string[]) => nbprov(args, { cwd: dir });
    const first = await cli('sweep', 'score.ipynb', '-p', 'y', '0,5', '-p', 'x', '1,2', '--jobs', '2', '-q');
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(runNames(dir, 1), ['y=0,x=1', 'y=0,x=2', 'y=5,x=1', 'y=5,x=2']);
    const compared = await cli('compare', '--sweep', 'last', '--columns', 'name,x,y,score');
    assert.equal(compared.stdout, 'name     x  y  score ↑\ny=0,x=1  1  0  10\ny=0,x=2  2  0  20\ny=5,x=1  1  5  15\ny=5,x=2  2  5  25*\n* best value of each metric:max / metric:min column\n');
    const diff = await cli('diff', 'y=0,x=1', 'y=5,x=2', '--only', 'params');
    assert.match(diff.stdout, /\nParameters\n {2}x {2}1 → 2 {2}-p in both\n {2}y {2}0 → 5 {2}-p in both\n$/);
    const again = await cli('sweep', 'score.ipynb', '-p', 'y', '0', '-p', 'x', '1,2', '--jobs', '2', '-q');
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(runNames(dir, 2), ['y=0,x=1@2', 'y=0,x=2@2']);
    const json = JSON.parse((await cli('sweep', 'score.ipynb', '-p', 'x', '7', '--repeat', '2', '--json')).stdout) as { trials: { name: string }[] };
    assert.deepEqual(json.trials.map((t) => t.name), ['x=7#1', 'x=7#2']);
    const seeded = await cli('sweep', 'score.ipynb', '-p', 'x', '7', '--repeat', '2', '--seed-param', 'seed', '-q');
    assert.equal(seeded.code, 0, seeded.stderr);
    assert.deepEqual(runNames(dir, 4), ['x=7,seed=0', 'x=7,seed=1']);
  });

  test('--name TEMPLATE names the trials from their values; a name taken, a collision or a name that cannot be one exits 2 before anything starts', async () => {
    const dir = sweepProject();
    const cli = (...args: string[]) => nbprov(args, { cwd: dir });
    const r = await cli('sweep', 'score.ipynb', '-p', 'x', '1,2', '--repeat', '2', '--name', 'x{x}-r{repeat}', '--jobs', '2', '-q');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(runNames(dir, 1), ['x1-r0', 'x1-r1', 'x2-r0', 'x2-r1']);
    const holder = trials(dir).find((t) => t.name === 'x2-r0')!;
    const refusals: [string[], string][] = [
      [['-p', 'x', '2,3', '--name', 'x{x}-r{repeat}'], `nbprov: name 'x2-r0' is taken by trial ${holder.n} (${holder.id}) of score.ipynb\n  hint: choose another name, or rename that trial first: nbprov name ${holder.n} NEW (or --clear)\n`],
      [['-p', 'x', '2,3', '--name', '{x}'], `nbprov: --name {x}: run 1's name '2': it looks like a number (selectors read numbers as trial numbers)\n${HINT}`],
      [['-p', 'x', '2,3', '-p', 'y', '4,5', '--name', 'x{x}'], 'nbprov: --name x{x}: runs 1 and 2 would both be named x2\n  hint: add the parameters that differ to the template\n'],
      [['-p', 'x', '2,3', '--name', 'x{z}'], 'nbprov: --name x{z}: no parameter \'z\' in the sweep\n  hint: fields: {repeat} {position} {x}\n'],
    ];
    for (const [args, stderr] of refusals) {
      const refused = await cli('sweep', 'score.ipynb', ...args);
      assert.deepEqual([refused.code, refused.stderr], [2, stderr], args.join(' '));
    }
    assert.deepEqual(query(dir, 'SELECT COUNT(*) AS n FROM nbprov_sweep'), [{ n: 1 }]);
    const resume = await cli('sweep', '--resume', '--name', 'x{x}');
    assert.deepEqual([resume.code, resume.stderr], [2, 'nbprov: --resume runs the sweep as it was planned: --name cannot change it\n  hint: start a new sweep for other values\n']);
  });

  test('a name given to another trial while the sweep runs fails only the run that would take it', async () => {
    const dir = sweepProject();
    let renamed: Promise<unknown> | undefined;
    const r = await nbprov(['sweep', 'score.ipynb', '-p', 'x', '1,2,3', '-p', 'pause', '1.5', '--jobs', '1', '-q'], {
      cwd: dir,
      onSpawn: () => {
        const poll = setInterval(() => {
          if (!existsSync(join(dir, '.noworkflow/db.sqlite')) || trials(dir).length === 0) return;
          clearInterval(poll);
          renamed = nbprov(['name', '1', 'x=2,pause=1.5'], { cwd: dir });
        }, 50);
      },
    });
    await renamed;
    const [first] = trials(dir);
    assert.equal(r.code, 3);
    assert.equal(r.stderr, `x=2 pause=1.5: nbprov: name 'x=2,pause=1.5' is taken by trial 1 (${first.id}) of score.ipynb\n  hint: choose another name, or rename that trial first: nbprov name 1 NEW (or --clear)\n`);
    assert.deepEqual(trials(dir).map((t) => t.name), ['x=2,pause=1.5', 'x=3,pause=1.5']);
  });

  test('--resume names the re-run trials as the sweep planned them; the trial cut short hands its name over', async () => {
    const dir = sweepProject();
    const killed = await nbprov(['sweep', 'score.ipynb', '-p', 'x', '1,2,3,4', '-p', 'pause', '0.8', '--jobs', '1', '--name', 'run-{x}'], {
      cwd: dir,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (!existsSync(join(dir, '.noworkflow/db.sqlite'))) return;
          const [{ finished, total }] = query<{ finished: number; total: number }>(dir, "SELECT SUM(status = 'finished') AS finished, COUNT(*) AS total FROM nbprov_trial");
          // Two finished and the third opened: the kill cuts that one short, holding its name.
          if (finished >= 2 && total >= 3) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 50);
      },
    });
    assert.equal(killed.signal, 'SIGKILL');
    assert.deepEqual(await waitNoProcesses(dir, 10_000), []);
    const cut = trials(dir).filter((t) => query<{ status: string }>(dir, 'SELECT n.status FROM nbprov_trial n JOIN trial t ON t.id = n.trial_id WHERE t.sequence_key = ?', t.n)[0].status !== 'finished');
    assert.ok(cut.length >= 1 && cut.every((t) => t.name === `run-${t.n}`), JSON.stringify(cut));
    const resumed = await nbprov(['sweep', '--resume'], { cwd: dir });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.deepEqual(runNames(dir, 1), ['run-1', 'run-2', 'run-3', 'run-4']);
    for (const t of cut) assert.equal(trials(dir).find((u) => u.n === t.n)!.name, null, `trial ${t.n}, cut short, keeps no name`);
    assert.deepEqual(JSON.parse((await nbprov(['show', 'run-4', '--json'], { cwd: dir })).stdout).trial.status, 'finished');
  });
});

describe('named trials in the schema', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nbprov-names-'));
  after(() => removeProject(dir));

  test('migration 11: a name is unique per notebook (any number of trials unnamed), and a database from before it gets the column', () => {
    const path = join(dir, '.noworkflow', 'db.sqlite');
    let db = openDatabase(path, { create: true });
    const insert = db.prepare("INSERT INTO nbprov_trial (trial_id, notebook, notebook_hash, status, cells_total, name) VALUES (?, ?, 'h', 'finished', 0, ?)");
    insert.run('t1', 'a.ipynb', 'baseline');
    insert.run('t2', 'b.ipynb', 'baseline');
    insert.run('t3', 'a.ipynb', null);
    insert.run('t4', 'a.ipynb', null);
    assert.throws(() => insert.run('t5', 'a.ipynb', 'baseline'), { code: 'SQLITE_CONSTRAINT_UNIQUE' });
    db.exec(`DELETE FROM nbprov_migration WHERE id = 11; DROP INDEX ix_nbprov_trial_name; DROP INDEX ix_nbprov_trial_name_lookup;
      ALTER TABLE nbprov_trial DROP COLUMN name; ALTER TABLE nbprov_sweep_run DROP COLUMN name`);
    db.close();
    db = openDatabase(path);
    try {
      assert.deepEqual(db.prepare('SELECT id, name FROM nbprov_migration WHERE id >= 10 ORDER BY id').all(), [{ id: 10, name: 'sweeps' }, { id: 11, name: 'trial-names' }]);
      assert.deepEqual(db.prepare('SELECT trial_id, name FROM nbprov_trial ORDER BY trial_id').all().map((r) => Object.values(r as object)), [['t1', null], ['t2', null], ['t3', null], ['t4', null]]);
      assert.deepEqual(db.prepare('SELECT name FROM pragma_table_info(?) WHERE name = ?').all('nbprov_sweep_run', 'name'), [{ name: 'name' }]);
    } finally {
      db.close();
    }
  });

  test("a combination's name that cannot be a name leaves its run unnamed; repeats of values swept before take @2 before #N", () => {
    const run = (position: number, repeat: number, combination: Record<string, unknown>) => ({ position, repeat, combination, parameters: [] });
    const odd = planRunNames([run(0, 0, { label: 'a\tb' }), run(1, 0, { label: 'ok', n: 3 })]);
    assert.deepEqual(odd, { names: [undefined, 'label=ok,n=3'], byDefault: true, unnamed: ['run 1 is left unnamed: "label=a\\tb": it holds a control character'] });
    const db = openDatabase(join(dir, 'free', 'db.sqlite'), { create: true });
    try {
      const runs = [run(0, 0, { x: 1 }), run(1, 1, { x: 1 })];
      const planned = planRunNames(runs);
      assert.deepEqual(planned.names, ['x=1#1', 'x=1#2']);
      assert.deepEqual(freeRunNames(db, 'a.ipynb', runs, planned), ['x=1#1', 'x=1#2']);
      const insert = (id: string, notebook: string, name: string) => {
        db.prepare("INSERT INTO trial (id, script, start, command, path, status, main_id) VALUES (?, ?, '2026-01-01 00:00:00.000000', 'nbprov run', '.', 'finished', 1)").run(id, notebook);
        db.prepare("INSERT INTO nbprov_trial (trial_id, notebook, notebook_hash, status, cells_total, name) VALUES (?, ?, 'h', 'finished', 0, ?)").run(id, notebook, name);
      };
      insert('t1', 'a.ipynb', 'x=1#2');
      insert('t2', 'a.ipynb', 'x=1@2#1');
      insert('t3', 'b.ipynb', 'x=1@3#1');
      assert.deepEqual(freeRunNames(db, 'a.ipynb', runs, planned), ['x=1@3#1', 'x=1@3#2']);
      assert.deepEqual(freeRunNames(db, 'b.ipynb', runs, planned), ['x=1#1', 'x=1#2']);
    } finally {
      db.close();
    }
  });

  test("a trial noWorkflow recorded itself (no nbprov row) takes no name", async () => {
    const path = join(dir, 'free', 'db.sqlite');
    const db = openDatabase(path);
    db.prepare("INSERT INTO trial (id, script, start, command, path, status, main_id) VALUES ('now-1', 'x.py', '2026-01-01 00:00:00.000000', 'now run x.py', '.', 'finished', 1)").run();
    db.close();
    const r = await nbprov(['name', '4', 'mine', '--db', path], { cwd: dir });
    assert.deepEqual([r.code, r.stderr], [2, "nbprov: trial 4 was recorded by noWorkflow, not nbprov: only nbprov's trials take names\n"]);
  });

  test('--help: run and sweep list --name with an example, and nbprov name has its own', async () => {
    const flat = async (...args: string[]) => (await nbprov(args, { cwd: dir })).stdout.replace(/\s+/g, ' ');
    const run = await flat('run', '--help');
    assert.ok(run.includes(" --name <name> name the trial (unique among the notebook's trials), to select it by: nbprov diff baseline last "), run);
    assert.ok(run.includes(' $ nbprov run experiment.ipynb --name baseline '), run);
    const sweep = await flat('sweep', '--help');
    assert.ok(sweep.includes(" --name <template> name each trial from its values: 'trees-{n_trees}' ({repeat} and {position} too); default: its combination, n_trees=3,test_size=0.5 "), sweep);
    assert.ok(sweep.includes(" $ nbprov sweep experiment.ipynb -p n_trees 3,20 --name 'trees-{n_trees}' # then: nbprov diff trees-3 trees-20 "), sweep);
    assert.equal(await flat('name', '--help'), "Usage: nbprov name [options] <trial> [new-name] name a recorded trial (or rename it), unique among its notebook's trials; the name then selects it Arguments: trial trial selector: number, name, id prefix, last, last~N new-name the name, e.g. baseline: not a number, last, last~N or an id prefix Options: --clear remove the trial's name --db <path> database file (default: .noworkflow/db.sqlite here, or $NBPROV_DB) -h, --help display help for command Examples: $ nbprov name last baseline $ nbprov name 7 tuned $ nbprov name baseline baseline-v1 $ nbprov name tuned --clear $ nbprov diff baseline tuned ");
  });
});
