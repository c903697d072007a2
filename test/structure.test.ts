// The layering rules of the README's architecture section, checked on the source so they cannot drift:
// SQL only in store/, imports only downwards, short modules and functions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..', '..');
const SRC = join(ROOT, 'src');
const MAX_MODULE_LINES = 350;
const MAX_FUNCTION_LINES = 60;

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, ext);
    return name.endsWith(ext) ? [path] : [];
  });
}

const tsFiles = files(SRC, '.ts').map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }));
const pyFiles = files(SRC, '.py').map((path) => relative(SRC, path));
const folderOf = (path: string) => (path.includes('/') ? path.split('/')[0] : '.');

test('no SQL statement and no prepare() outside src/store/', () => {
  const sql = /\.prepare\(|\b(SELECT\s[\s\S]*?\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)\b/;
  const offenders = tsFiles.filter((f) => folderOf(f.path) !== 'store' && sql.test(f.text)).map((f) => f.path);
  assert.deepEqual(offenders, []);
});

// Which folders each folder may import from (besides itself and the top-level helpers in src/).
const ALLOWED: Record<string, string[]> = {
  store: [],
  capture: ['store'],
  graph: ['store'],
  notebook: ['graph'],
  compare: ['store', 'graph'],
  explain: ['store', 'graph', 'compare'],
  render: ['store', 'graph', 'compare', 'explain'],
  jupyter: [],
  run: ['store', 'capture', 'notebook', 'jupyter', 'render'],
  sweep: ['store', 'capture', 'notebook', 'compare', 'render', 'jupyter', 'run'],
  report: ['store', 'graph', 'compare', 'explain', 'render'],
  cli: ['store', 'capture', 'graph', 'notebook', 'compare', 'render', 'jupyter', 'run', 'sweep', 'explain', 'report'],
};

test('each folder imports only from the folders below it', () => {
  const offenders: string[] = [];
  for (const file of tsFiles) {
    const from = folderOf(file.path);
    for (const match of file.text.matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
      const target = relative(SRC, join(SRC, file.path, '..', match[1]));
      const to = folderOf(target);
      if (to === from || to === '.' || target.startsWith('..')) continue;
      if (!(ALLOWED[from] ?? []).includes(to)) offenders.push(`${file.path} -> ${target}`);
    }
  }
  assert.deepEqual(offenders, []);
});

test(`no module over ${MAX_MODULE_LINES} lines`, () => {
  const lineCount = (path: string) => readFileSync(join(SRC, path), 'utf8').split('\n').length - 1;
  const all = [...tsFiles.map((f) => f.path), ...pyFiles];
  const offenders = all.filter((path) => lineCount(path) > MAX_MODULE_LINES);
  assert.deepEqual(offenders, []);
});

function longTsFunctions(): string[] {
  const found: string[] = [];
  for (const file of tsFiles) {
    const source = ts.createSourceFile(file.path, file.text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node) => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart()).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        if (end - start + 1 > MAX_FUNCTION_LINES) found.push(`${file.path}:${start + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function longPyFunctions(): string[] {
  const script = `
import ast, sys
for path in sys.argv[2:]:
    tree = ast.parse(open(sys.argv[1] + '/' + path).read())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            if node.end_lineno - start + 1 > ${MAX_FUNCTION_LINES}:
                print(f'{path}:{start}')
`;
  const result = spawnSync('/usr/bin/python3', ['-c', script, SRC, ...pyFiles], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.split('\n').filter(Boolean);
}

test(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
  assert.deepEqual([...longTsFunctions(), ...longPyFunctions()], []);
});
