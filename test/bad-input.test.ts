import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, openDb, project, removeProject } from './helpers/cli.js';

const nb = (cells: unknown[], extra: Record<string, unknown> = {}) =>
  JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'P' } }, nbformat: 4, nbformat_minor: 5, ...extra });
const code = (source: unknown) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source });

/** [name, file content (or a directory), expected stderr first line] */
const CASES: [string, string | null, RegExp][] = [
  ['empty file', '', /^nbprov: \S+ is empty$/],
  ['not JSON', 'hello', /^nbprov: \S+ is not valid JSON \(/],
  ['truncated JSON', nb([code('x = 1')]).slice(0, 40), /^nbprov: \S+ is not valid JSON \(/],
  ['a JSON list', '[1, 2]', /^nbprov: \S+ is not a notebook \(top level is not a JSON object\)$/],
  ['nbformat 3', JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [] }), /^nbprov: \S+ has nbformat 3; nbprov reads nbformat 4$/],
  ['no nbformat', JSON.stringify({ cells: [] }), /^nbprov: \S+ has no nbformat field; nbprov reads nbformat 4$/],
  ['missing cells', JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {} }), /^nbprov: \S+ has no "cells" list$/],
  ['no cells', nb([]), /^nbprov: \S+ has no code cells$/],
  ['only markdown', nb([{ cell_type: 'markdown', metadata: {}, source: '# hi' }]), /^nbprov: \S+ has no code cells$/],
  ['non-string source', nb([code(42)]), /^nbprov: \S+ cell 1 has a source that is not a string or a list of strings$/],
  ['cell not an object', nb(['x = 1']), /^nbprov: \S+ cell 1 is not an object$/],
  ['metadata not an object', nb([code('x')], { metadata: 'x' }), /^nbprov: \S+ "metadata" is not an object$/],
  ['binary garbage', '\u0000\u0001\u00ff\u00fe garbage', /^nbprov: \S+ is not valid JSON \(/],
  ['nbformat 5', JSON.stringify({ nbformat: 5, nbformat_minor: 0, cells: [] }), /^nbprov: \S+ has nbformat 5; nbprov reads nbformat 4$/],
  ['nbformat as a string', JSON.stringify({ nbformat: '4', nbformat_minor: 5, cells: [] }), /^nbprov: \S+ has nbformat "4"; nbprov reads nbformat 4$/],
  ['cells not a list', JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: {} }), /^nbprov: \S+ has no "cells" list$/],
  ['a cell without cell_type', nb([{ source: 'x = 1', metadata: {} }]), /^nbprov: \S+ cell 1 has no cell_type$/],
  ['a source list holding a number', nb([code(['x = 1\n', 2])]), /^nbprov: \S+ cell 1 has a source that is not a string or a list of strings$/],
  ['JSON null', 'null', /^nbprov: \S+ is not a notebook \(top level is not a JSON object\)$/],
  ['a bare number', '42', /^nbprov: \S+ is not a notebook \(top level is not a JSON object\)$/],
  ['a directory', null, /^nbprov: \S+ is a directory, not a notebook file$/],
];

describe('bad notebooks: one line, exit 2, nothing started, no database', () => {
  test('the table holds the cases it claims', () => assert.ok(CASES.length >= 21));

  for (const [name, content, message] of CASES) {
    test(name, async () => {
      const dir = project();
      try {
        const file = join(dir, 'bad.ipynb');
        if (content === null) mkdirSync(file);
        else writeFileSync(file, content, 'latin1');
        const r = await nbprov(['run', 'bad.ipynb'], { cwd: dir });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr.split('\n')[0], message);
        assert.equal(r.stdout, '');
        assert.equal(existsSync(join(dir, '.noworkflow')), false, 'database untouched');
      } finally {
        removeProject(dir);
      }
    });
  }

  test('a missing notebook', async () => {
    const dir = project();
    try {
      const r = await nbprov(['run', 'nope.ipynb'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `nbprov: notebook not found: ${join(dir, 'nope.ipynb')}\n  hint: check the path\n`);
    } finally {
      removeProject(dir);
    }
  });

  test('an unknown kernel in the notebook metadata', async () => {
    const dir = project();
    try {
      writeFileSync(join(dir, 'k.ipynb'), JSON.stringify({ cells: [code('1')], metadata: { kernelspec: { name: 'nonexistent-kernel' } }, nbformat: 4, nbformat_minor: 5 }));
      const r = await nbprov(['run', 'k.ipynb'], { cwd: dir });
      assert.equal(r.code, 2);
      assert.match(r.stderr, /^nbprov: unknown kernel 'nonexistent-kernel'; the server has: .*python3/);
      assert.equal(existsSync(join(dir, '.noworkflow')), false);
    } finally {
      removeProject(dir);
    }
  });

  test('bad option values are usage errors (exit 2)', async () => {
    const dir = project('fails.ipynb');
    try {
      for (const args of [['--timeout', 'soon'], ['--capture', 'everything'], ['--loop-budget', '-1'], ['--header', 'no colon here']]) {
        const r = await nbprov(['run', 'fails.ipynb', ...args], { cwd: dir });
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
        assert.equal(existsSync(join(dir, '.noworkflow')), false);
      }
    } finally {
      removeProject(dir);
    }
  });

  test('a database file that is not SQLite: exit 2, file untouched', async () => {
    const dir = project('fails.ipynb');
    try {
      mkdirSync(join(dir, '.noworkflow'));
      writeFileSync(join(dir, '.noworkflow/db.sqlite'), 'not a database');
      for (const args of [['run', 'fails.ipynb'], ['list'], ['show']]) {
        const r = await nbprov(args, { cwd: dir });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /^nbprov: \S+db\.sqlite is not an SQLite database$/m);
      }
    } finally {
      removeProject(dir);
    }
  });
});

/** Bad selectors, tags and parameters on a project with one recorded trial: [args, files to write, stderr]. */
const COMMAND_CASES: [string[], Record<string, string>, RegExp][] = [
  [['show', '99'], {}, /^nbprov: trial '99' not found: 1 trial exists\n/],
  [['show', 'last~9'], {}, /^nbprov: trial 'last~9' not found: 1 trial exists\n/],
  [['show', 'tomorrow'], {}, /^nbprov: trial 'tomorrow' not found: 1 trial exists\n/],
  [['show', 'ffffffff'], {}, /^nbprov: trial 'ffffffff' not found: 1 trial exists\n/],
  [['tag', 'cell', '9', 'model'], {}, /^nbprov: cell 9 is out of range: fails\.ipynb has 3 cells\n/],
  [['tag', 'cell', '2', 'Bad Stage'], {}, /^nbprov: stage 'Bad Stage' may only hold lowercase letters, digits and '-'\n/],
  [['tag', 'var', 'x', 'metric:up'], {}, /^nbprov: variable tag 'metric:up' is not param, metric, metric:max, metric:min or a lowercase name\n/],
  [['untag', 'var', 'nope'], {}, /^nbprov: variable 'nope' has no tag in fails\.ipynb\n/],
  [['run', 'fails.ipynb', '-p', 'x'], {}, /^nbprov: -p 'x' needs a name and a value: -p NAME VALUE\n/],
  [['run', 'fails.ipynb', '-f', 'p.yaml'], { 'p.yaml': 'x: [1, 2\n' }, /^nbprov: parameters file p\.yaml is not valid YAML: /],
  [['run', 'fails.ipynb', '-f', 'p.json'], { 'p.json': '{"x": ' }, /^nbprov: parameters file p\.json is not valid JSON: /],
  [['run', 'fails.ipynb', '-f', 'p.txt'], { 'p.txt': 'x = 1' }, /^nbprov: parameters file p\.txt is not valid JSON: /],
  [['run', 'fails.ipynb', '--server', 'ftp://example'], {}, /^nbprov: --server must be an http\(s\) URL, got 'ftp:\/\/example'\n/],
  [['run', 'fails.ipynb', '-o', 'missing-dir/out.ipynb'], {}, /^nbprov: -o missing-dir\/out\.ipynb: directory \S+missing-dir does not exist\n/],
  [['run', 'fails.ipynb', '--cwd', 'nowhere'], {}, /^nbprov: --cwd \S+nowhere does not exist\n/],
  [['cells', 'nope.ipynb'], {}, /^nbprov: notebook not found: nope\.ipynb\n/],
];

describe('bad selectors, tags and parameters: one line, exit 2, notebook and database untouched', () => {
  let dir: string;
  let notebookBytes: Buffer;
  let dbBytes: () => string;
  before(async () => {
    dir = project('fails.ipynb');
    const r = await nbprov(['run', 'fails.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    notebookBytes = readFileSync(join(dir, 'fails.ipynb'));
    dbBytes = () => {
      const db = openDb(dir);
      try {
        return ['trial', 'nbprov_cell', 'stage_tags', 'nbprov_value'].map((t) => JSON.stringify(db.prepare(`SELECT * FROM ${t}`).all())).join();
      } finally {
        db.close();
      }
    };
  });
  after(() => removeProject(dir));

  test('the table holds the cases it claims', () => assert.ok(COMMAND_CASES.length >= 16));
  for (const [args, files, message] of COMMAND_CASES) {
    test(args.join(' '), async () => {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      const before = dbBytes();
      const r = await nbprov(args, { cwd: dir });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.deepEqual(readFileSync(join(dir, 'fails.ipynb')), notebookBytes);
      assert.equal(dbBytes(), before);
    });
  }
});
