import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { NBPROV_VERSION } from '../src/version.js';
import { nbprov, nbprovOk, project, removeProject, ROOT } from './helpers/cli.js';
import { depsJson } from './helpers/deps.js';

/** Runs a Python program with Debian's interpreter (python3-prov, pandas) and returns what it printed as JSON. */
function python(program: string, ...args: string[]): unknown {
  const r = spawnSync('/usr/bin/python3', ['-c', program, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

// The reference PROV library reads a document, finds a variable's versions by prov:label, and writes PROV-N back.
const READ_PROV = `
import json, sys, prov, prov.model as M
doc = prov.read(sys.argv[1], format='json')
label = {e.identifier: sorted(e.get_attribute('prov:label'))[0] for e in doc.get_records(M.ProvEntity)}
ids = lambda name: [str(i) for i, l in label.items() if l == name]
derivations = [d for d in doc.get_records(M.ProvDerivation)]
acc, = ids(sys.argv[2])
print(json.dumps({
  'accuracy': acc, 'pred': ids('pred'),
  'derivedFrom': sorted(label[d.args[1]] for d in derivations if str(d.args[0]) == acc),
  'derivationLines': [d.get_provn() for d in derivations if str(d.args[0]) == acc],
  'entityLine': [e.get_provn() for e in doc.get_records(M.ProvEntity) if str(e.identifier) == acc][0],
  'provn': doc.get_provn(),
}))`;

const MERGE_PROV = `
import json, sys, prov, prov.model as M
a, b = (prov.read(p, format='json') for p in sys.argv[1:3])
ids = lambda d: {r.identifier.uri for r in d.get_records() if r.identifier is not None}
merged = M.ProvDocument()
merged.update(a)
merged.update(b)
accuracy = sorted(e.identifier.uri for e in merged.get_records(M.ProvEntity) if e.get_attribute('prov:label') == {'accuracy'})
print(json.dumps({
  'shared': sorted(ids(a) & ids(b)), 'a': len(a.get_records()), 'b': len(b.get_records()),
  'merged': len(merged.get_records()), 'unified': len(merged.unified().get_records()), 'accuracy': accuracy,
}))`;

const READ_TABLE = `
import json, sys, pandas
exact = sys.argv[2:] == ['exact']
if sys.argv[1].endswith('.csv'):
    df = pandas.read_csv(sys.argv[1], float_precision='round_trip') if exact else pandas.read_csv(sys.argv[1])
else:
    df = pandas.read_json(sys.argv[1], precise_float=exact)
rows = df.drop(columns=['start', 'duration'])
rows = rows.astype(object).where(rows.notna(), None)  # NaN (an unnamed trial) is not JSON
print(json.dumps({'columns': list(df.columns), 'dtypes': {c: str(t) for c, t in df.dtypes.items()},
                  'rows': rows.to_dict('records')}, default=lambda v: v.item()))`;

/** A notebook that writes a file and reads it back, holding a secret. */
const FILES_NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
  cells: [
    "api_key = 'sk-live-5f3a9c'",
    "data = [3, 1, 2]\nwith open('out.txt', 'w') as f:\n    f.write(str(sorted(data)))",
    "with open('out.txt') as f:\n    back = f.read()",
    'total = len(back) + len(api_key)',
  ].map((source, i) => ({ cell_type: 'code', id: `f${i + 1}`, metadata: {}, execution_count: null, outputs: [], source })),
};

describe('nbprov export: two real wine trials and one that writes and reads a file', () => {
  let dir: string;
  let ids: string[];
  const ok = (...args: string[]) => nbprovOk(args, dir);
  before(async () => {
    dir = realpathSync(project('wine.ipynb'));
    writeFileSync(join(dir, 'files.ipynb'), JSON.stringify(FILES_NOTEBOOK));
    await ok('tag', 'var', 'accuracy', 'metric:max', 'wine.ipynb');
    await ok('tag', 'cell', '7', 'metrics-evaluation', 'wine.ipynb');
    await ok('run', 'wine.ipynb', '-q');
    await ok('run', 'wine.ipynb', '-q', '-p', 'n_trees', '3');
    await ok('run', 'files.ipynb', '-q');
    ids = (JSON.parse(await ok('list', '--json')) as { id: string }[]).map((t) => t.id);
  });
  after(() => removeProject(dir));

  test('PROV-JSON that python3-prov reads: accuracy wasDerivedFrom pred, and back to PROV-N as nbprov writes it', async () => {
    assert.equal(await ok('export', '1', '--format', 'prov-json', '-o', 'trial1.json'), 'wrote trial1.json (trial 1, PROV-JSON)\n');
    const read = python(READ_PROV, join(dir, 'trial1.json'), 'accuracy') as Record<string, unknown> & { accuracy: string; pred: string[]; provn: string };
    assert.deepEqual(read.pred, ['trial:version/27']);
    assert.equal(read.accuracy, 'trial:version/29');
    assert.deepEqual(read.derivedFrom, ['accuracy_score', 'pred', 'y_test']);
    assert.deepEqual(read.derivationLines, [
      'wasDerivedFrom(trial:version/29, trial:version/8, trial:cell/7, -, -, [nbprov:dependency="data"])',
      'wasDerivedFrom(trial:version/29, trial:version/23, trial:cell/7, -, -, [nbprov:dependency="data"])',
      'wasDerivedFrom(trial:version/29, trial:version/27, trial:cell/7, -, -, [nbprov:dependency="data"])',
    ]);
    assert.equal(
      read.entityLine,
      'entity(trial:version/29, [prov:type=\'nbprov:Version\', prov:label="accuracy", nbprov:version=1, nbprov:kind="assign", nbprov:type="numpy.float64", nbprov:value="1.0", nbprov:line=1, nbprov:tag="metric:max"])',
    );
    // The library writes times as Python's isoformat, pads the blank line and leaves a backslash unescaped.
    // Python's isoformat writes microseconds (or none at all when they are 0), nbprov milliseconds and Z.
    const reference = read.provn.replace(/(\.\d{3})000\+00:00/g, '$1Z').replace(/(T\d\d:\d\d:\d\d)\+00:00/g, '$1.000Z').replace(/^ {2}$/m, '');
    const ours = await ok('export', '1', '--format', 'prov-n');
    assert.equal(ours.replace(/\\\\/g, '\\'), reference.replace(/\n$/, '') + '\n');
    const lines = ours.split('\n');
    assert.deepEqual(lines.slice(0, 4), ['document', `  prefix trial <urn:nbprov:trial:${ids[0]}/>`, '  prefix nbprov <urn:nbprov:>', '']);
    assert.match(lines.find((l) => l.startsWith('  activity(trial:cell/7,'))!, /^ {2}activity\(trial:cell\/7, \S+Z, \S+Z, \[prov:type='nbprov:CellRun', prov:label="cell 7 · metrics-evaluation", nbprov:cell=7, nbprov:cellId="c7", nbprov:stage="metrics-evaluation", nbprov:status="ok", nbprov:codeHash="e07e6e378ca6d5d5480171dcac8e2bc0981e030d"\]\)$/);
    for (const line of [
      '  used(trial:cell/7, trial:version/27, -)',
      '  wasGeneratedBy(trial:version/29, trial:cell/7, -)',
      '  wasInformedBy(trial:cell/7, trial:cell/6)',
      '  wasDerivedFrom(trial:version/26, trial:version/25, trial:cell/6, -, -, [prov:type=\'prov:Revision\', nbprov:dependency="mutation"])',
      `  agent(nbprov:nbprov/${NBPROV_VERSION}, [prov:type='prov:SoftwareAgent', prov:label="nbprov ${NBPROV_VERSION}", nbprov:version="${NBPROV_VERSION}"])`,
      '  wasAssociatedWith(trial:run, trial:user, -)',
      `  wasAssociatedWith(trial:run, nbprov:nbprov/${NBPROV_VERSION}, trial:notebook)`,
    ]) {
      assert.ok(lines.includes(line), line);
    }
    const json = JSON.parse(readFileSync(join(dir, 'trial1.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(json), ['prefix', 'entity', 'activity', 'agent', 'used', 'wasGeneratedBy', 'wasDerivedFrom', 'wasInformedBy', 'wasStartedBy', 'wasAssociatedWith']);
    assert.deepEqual(json.entity['trial:version/29'], {
      'prov:type': { $: 'nbprov:Version', type: 'prov:QUALIFIED_NAME' },
      'prov:label': 'accuracy',
      'nbprov:version': 1,
      'nbprov:kind': 'assign',
      'nbprov:type': 'numpy.float64',
      'nbprov:value': '1.0',
      'nbprov:line': 1,
      'nbprov:tag': 'metric:max',
    });
  });

  test('two trials\' documents merge without clashing ids: only the nbprov agent is shared', async () => {
    await ok('export', '1', '-o', 'a.json');
    await ok('export', '2', '-o', 'b.json');
    assert.deepEqual(python(MERGE_PROV, join(dir, 'a.json'), join(dir, 'b.json')), {
      shared: [`urn:nbprov:nbprov/${NBPROV_VERSION}`],
      a: 129,
      b: 134,
      merged: 263,
      unified: 262,
      accuracy: [`urn:nbprov:trial:${ids[0]}/version/29`, `urn:nbprov:trial:${ids[1]}/version/31`].sort(),
    });
  });

  test('files are entities by path and sha1, generated by the cell that wrote them and used by the one that read them; secrets stay redacted', async () => {
    const provn = await ok('export', '3', '--format', 'prov-n');
    const path = join(dir, 'out.txt');
    const sha1 = createHash('sha1').update('[1, 2, 3]').digest('hex');
    const lines = provn.split('\n');
    for (const line of [
      `  entity(trial:file/1, [prov:type='nbprov:File', prov:label="${path}", nbprov:path="${path}", nbprov:sha1="${sha1}"])`,
      '  wasGeneratedBy(trial:file/1, trial:cell/2, -, [nbprov:mode="w"])',
      '  used(trial:cell/3, trial:file/1, -, [nbprov:mode="r"])',
      '  entity(trial:version/3, [prov:type=\'nbprov:Version\', prov:label="api_key", nbprov:version=1, nbprov:kind="assign", nbprov:type="str", nbprov:value="\'<redacted>\'", nbprov:line=1])',
      '  wasDerivedFrom(trial:version/11, trial:version/3, trial:cell/4, -, -, [nbprov:dependency="data"])',
    ]) {
      assert.ok(lines.includes(line), line);
    }
    assert.equal(lines.filter((l) => l.includes('trial:file/')).length, 3);
    for (const text of [provn, await ok('export', '3'), await ok('deps', 'total', '--format', 'prov-json')]) assert.ok(!text.includes('sk-live'));
  });

  test('deps VAR --format prov-json: the value\'s lineage only, as deps walks it', async () => {
    await ok('deps', 'accuracy', '--trial', '1', '--format', 'prov-json');
    writeFileSync(join(dir, 'deps.json'), await ok('deps', 'accuracy', '--trial', '1', '--format', 'prov-json'));
    const walked = await depsJson(dir, 'accuracy', '--trial', '1');
    const doc = JSON.parse(readFileSync(join(dir, 'deps.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>;
    const versions = Object.keys(doc.entity).filter((k) => k.startsWith('trial:version/'));
    assert.deepEqual(versions, walked.nodes.map((n) => `trial:version/${n.id}`));
    assert.equal(Object.keys(doc.wasDerivedFrom).length, walked.edges.length);
    assert.deepEqual(Object.keys(doc.activity), ['trial:run', 'trial:cell/2', 'trial:cell/3', 'trial:cell/4', 'trial:cell/5', 'trial:cell/6', 'trial:cell/7']);
    const read = python(READ_PROV, join(dir, 'deps.json'), 'accuracy') as { derivedFrom: string[] };
    assert.deepEqual(read.derivedFrom, ['accuracy_score', 'pred', 'y_test']);
    const provn = await ok('deps', 'accuracy', '--trial', '1', '--format', 'prov-n', '--depth', '1');
    assert.deepEqual(provn.split('\n').filter((l) => l.startsWith('  wasDerivedFrom(')), [
      '  wasDerivedFrom(trial:version/29, trial:version/8, trial:cell/7, -, -, [nbprov:dependency="data"])',
      '  wasDerivedFrom(trial:version/29, trial:version/23, trial:cell/7, -, -, [nbprov:dependency="data"])',
      '  wasDerivedFrom(trial:version/29, trial:version/27, trial:cell/7, -, -, [nbprov:dependency="data"])',
    ]);
  });

  test('--format csv | json: one row per trial with params and metrics, as pandas reads them', async () => {
    await ok('name', '1', 'baseline');
    assert.equal(await ok('export', '1', '2', '--format', 'csv', '-o', 'runs.csv'), 'wrote runs.csv (2 trials, CSV)\n');
    await ok('export', '1', '2', '--format', 'json', '-o', 'runs.json');
    const rows = [
      { trial: 1, id: ids[0], name: 'baseline', notebook: 'wine.ipynb', status: 'finished', n_trees: 20, seed: 7, test_size: 0.25, unused: 123, accuracy: 1.0 },
      { trial: 2, id: ids[1], name: null, notebook: 'wine.ipynb', status: 'finished', n_trees: 3, seed: 7, test_size: 0.25, unused: 123, accuracy: 0.9777777777777777 },
    ];
    const columns = ['trial', 'id', 'name', 'notebook', 'start', 'status', 'duration', 'n_trees', 'seed', 'test_size', 'unused', 'accuracy'];
    const dtypes = { trial: 'int64', id: 'object', name: 'object', notebook: 'object', start: 'object', status: 'object', duration: 'float64', n_trees: 'int64', seed: 'int64', test_size: 'float64', unused: 'int64', accuracy: 'float64' };
    // pandas' default float parsers may miss the last bit (0.9777777777777776); their round-trip options read exactly.
    const near = rows.map((r) => (r.trial === 2 ? { ...r, accuracy: 0.9777777777777776 } : r));
    assert.deepEqual(python(READ_TABLE, join(dir, 'runs.csv')), { columns, dtypes, rows: near });
    assert.deepEqual(python(READ_TABLE, join(dir, 'runs.csv'), 'exact'), { columns, dtypes, rows });
    assert.deepEqual(python(READ_TABLE, join(dir, 'runs.json'), 'exact'), { columns, dtypes, rows });
    const csv = await ok('export', '--format', 'csv', '--all');
    assert.deepEqual(csv.split('\r\n').map((l) => l.split(',').slice(0, 4).join(',')), ['trial,id,name,notebook', `1,${ids[0]},baseline,wine.ipynb`, `2,${ids[1]},,wine.ipynb`, `3,${ids[2]},,files.ipynb`, '']);
  });

  test('bad input: one line, exit 2, and an existing -o file left as it was', async () => {
    writeFileSync(join(dir, 'keep.json'), 'before\n');
    mkdirSync(join(dir, 'sub'));
    const cases: [string[], string][] = [
      [['export', '--format', 'xml'], "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are prov-json, prov-n, csv, json.\n(run with --help for usage)\n"],
      [['export', '9', '-o', 'keep.json'], "nbprov: trial '9' not found: 3 trials exist\n  hint: see `nbprov list`; selectors are a number, a name, an id prefix, last or last~N\n"],
      [['export', '1', '2'], 'nbprov: --format prov-json exports one trial at a time\n  hint: name one trial (e.g. `nbprov export 3 --format prov-json -o trial3.json`); the documents of several trials merge without clashes\n'],
      [['export', '--all', '--format', 'prov-n'], 'nbprov: --format prov-n exports one trial at a time\n  hint: name one trial (e.g. `nbprov export 3 --format prov-json -o trial3.json`); the documents of several trials merge without clashes\n'],
      [['export', '1', '-o', 'missing/x.json'], 'nbprov: cannot write missing/x.json: no directory missing\n'],
      [['export', '1', '-o', 'sub'], 'nbprov: --output sub is a directory\n  hint: name a file, e.g. trial.json\n'],
      [['export', '1', '-o', '/sys/x.json'], 'nbprov: cannot write /sys/x.json: EACCES (open)\n'],
      [['deps', 'accuracy', '--format', 'prov'], "error: option '--format <format>' argument 'prov' is invalid. Allowed choices are text, json, dot, mermaid, prov-json, prov-n.\n(run with --help for usage)\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await nbprov(args, { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stderr, stderr);
      assert.equal(r.stdout, '');
    }
    assert.equal(readFileSync(join(dir, 'keep.json'), 'utf8'), 'before\n');
  });

  test('--help lists the formats with examples', async () => {
    const help = await ok('export', '--help');
    for (const line of [
      '  --all                csv/json: every trial in the database',
      '  $ nbprov export last --format prov-json -o trial.json',
      '  $ nbprov export --format csv -o runs.csv         then: pandas.read_csv(\'runs.csv\')',
    ]) {
      assert.ok(help.split('\n').includes(line), line);
    }
  });
});

describe('a PROV document too large to build', () => {
  let dir: string;
  before(async () => {
    dir = project();
    const { generate } = await import(join(ROOT, 'bench/gen-lineage-db.mjs'));
    // One lane: every version is in the ancestry of the last lane0_* version, so deps walks them all too.
    generate(dir, { evaluations: 102_000, lanes: 1 });
  });
  after(() => removeProject(dir));

  test('exit 2 before it is built, for export and deps alike, naming the smaller document to ask for', async () => {
    for (const args of [['export', 'last', '--format', 'prov-json'], ['deps', 'lane0_4', '--format', 'prov-n']]) {
      const r = await nbprov(args, { cwd: dir });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      const m = /^nbprov: trial 1 has (\d+) variable versions; a PROV document holds at most 100000\n {2}hint: export the lineage of one value instead: `nbprov deps VAR --trial 1 --format prov-json --depth 3`\n$/.exec(r.stderr);
      assert.ok(m && Number(m[1]) > 100_000, r.stderr);
    }
    const small = await nbprov(['deps', 'lane0_4', '--format', 'prov-json', '--depth', '3'], { cwd: dir });
    assert.equal(small.code, 0, small.stderr);
    assert.ok(Object.keys(JSON.parse(small.stdout).entity).length > 1, 'the depth-cut lineage goes out');
  });
});
