import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BIN, nbprov, project, removeProject } from './helpers/cli.js';
import { startJupyterServer, type TestServer } from './helpers/jupyter.js';
import { LiveLines } from '../src/run/live-lines.js';
import { OutputMask } from '../src/run/output-summary.js';
import type { OutputLine } from '../src/run/types.js';
import { trialPrefix } from '../src/cli/live-output.js';
import type { CodeCellRef } from '../src/notebook/load.js';

// `--log-output` (issue #18): cell output on the console as the kernel sends it, each line prefixed with its cell.

/** A notebook of these code cells (the first tagged `parameters` when `parameters` is set). */
function writeNotebook(dir: string, name: string, sources: string[], parameters = false): void {
  const cells = sources.map((source, i) => ({
    cell_type: 'code', id: `c${i}`, metadata: parameters && i === 0 ? { tags: ['parameters'] } : {}, outputs: [], execution_count: null, source,
  }));
  writeFileSync(join(dir, name), JSON.stringify({ cells, metadata: { kernelspec: { display_name: 'Python 3', name: 'python3' } }, nbformat: 4, nbformat_minor: 5 }));
}

// A 640×480 PNG made with the standard library: its size is read from the header nbprov sees.
const PNG_CELL = `import struct, zlib
from IPython.display import Image, display
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
png = b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', 640, 480, 8, 0, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b'\\x00' * 641 * 480)) + chunk(b'IEND', b'')
display(Image(data=png))`;

const OUTPUTS = [
  "import sys\nprint('one')\nprint('warn', file=sys.stderr)",
  "print('a', end='', flush=True)\nprint('b')",
  PNG_CELL,
  '6 * 7',
  "for i in range(3):\n    print(f'\\r{i + 1}/3', end='', flush=True)\nprint()",
  "dsn = 'postgres://admin:hunter22@db/prod'\nprint(dsn)\napi_key = 'k-12345'",
  "print('key', api_key)",
  "raise ValueError('bad value')",
];

const STDOUT_LINES = [
  '[1] one\n',
  '[2] ab\n',
  '[3] [display: image/png 640×480]\n',
  '[4] 42\n',
  '[5] 3/3\n',
  '[6] postgres://admin:<redacted>@db/prod\n',
  '[7] key <redacted>\n',
];
const ERROR_LINE = '[8] [error: ValueError: bad value]\n';
const CELL_FAILED = 'nbprov: cell 8 raised ValueError: bad value\n  hint: fix the cell, or pass --allow-errors to run the remaining cells anyway\n';

/** Runs the CLI and notes when each line of its stdout arrived (ms from the start). */
function runTimed(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string; arrivals: [string, number][] }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const arrivals: [string, number][] = [];
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const before = stdout.split('\n').length - 1;
      stdout += chunk;
      for (const line of stdout.split('\n').slice(before, -1)) arrivals.push([line, performance.now() - started]);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr, arrivals: [...arrivals, ['(exit)', performance.now() - started]] }));
  });
}

test('the lines of outputs: streams cut at newlines, \\r keeps the last state, displays and errors in one line, masked', () => {
  const lines: OutputLine[] = [];
  const mask = new OutputMask(true);
  mask.learn(['hunter22']);
  const live = new LiveLines((line) => lines.push(line), mask);
  live.add({ output_type: 'stream', name: 'stdout', text: 'ab\ncd' });
  live.add({ output_type: 'stream', name: 'stderr', text: '10%\r20%' });
  live.add({ output_type: 'stream', name: 'stdout', text: 'e pw=hunter22\nfg\r\n' });
  live.add({ output_type: 'stream', name: 'stderr', text: '\r100%\n' });
  live.add({ output_type: 'stream', name: 'stdout', text: 'unfinished' });
  live.add({ output_type: 'display_data', data: { 'text/html': '<b>x</b>', 'text/plain': 'x', 'image/png': 'not a png' }, metadata: {} });
  live.add({ output_type: 'execute_result', data: { 'text/plain': 'array([1,\n       2])' }, metadata: {}, execution_count: 3 });
  live.add({ output_type: 'execute_result', data: {}, metadata: {}, execution_count: 4 });
  live.add({ output_type: 'error', ename: 'KeyboardInterrupt', evalue: '', traceback: [] });
  live.add({ output_type: 'stream', name: 'stdout', text: 'last' });
  live.end();
  live.end();
  assert.deepEqual(lines.map((l) => `${l.stream}: ${l.text}`), [
    'stdout: ab',
    'stdout: cde pw=<redacted>',
    'stdout: fg',
    'stderr: 100%',
    'stdout: unfinished',
    'stdout: [display: text/html, image/png]',
    'stdout: array([1,',
    'stdout:        2])',
    'stderr: [error: KeyboardInterrupt]',
    'stdout: last',
  ]);
});

test('a sweep line names the repeat after the first', () => {
  const cell = { index: 4 } as CodeCellRef;
  const run = { position: 0, repeat: 0, combination: { n_trees: 3, label: 'a b' }, parameters: [] };
  assert.equal(trialPrefix(run, cell), '[n_trees=3 label=a b · 4] ');
  assert.equal(trialPrefix({ ...run, repeat: 2 }, cell), '[n_trees=3 label=a b repeat 2 · 4] ');
});

describe('nbprov run --log-output', () => {
  let dir: string;
  before(() => {
    dir = project();
    writeNotebook(dir, 'outputs.ipynb', OUTPUTS);
    writeNotebook(dir, 'slow.ipynb', [
      "import time\nprint('started', flush=True)\ntime.sleep(2)\nprint('slept')",
      "print('waiting', end='', flush=True)\ntime.sleep(2)\nprint(' done')",
    ]);
    writeNotebook(dir, 'tty.ipynb', ["import sys, time\nfor i in range(10):\n    print('line', i, flush=True)\n    time.sleep(0.15)\nprint('warn', file=sys.stderr)"]);
    writeNotebook(dir, 'sweep.ipynb', ['n_trees = 1\ntest_size = 0.1', "import sys\nprint('trees', n_trees)\nprint('size', test_size, file=sys.stderr)"], true);
  });
  after(() => removeProject(dir));

  test('each stream to its own, prefixed by cell: partial lines joined, \\r progress, a PNG display, a result, secrets masked, the error', async () => {
    const r = await nbprov(['run', 'outputs.ipynb', '--log-output', '-q'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, STDOUT_LINES.join(''));
    assert.equal(r.stderr, `[1] warn\n${ERROR_LINE}${CELL_FAILED}`);
  });

  test('--help of run and sweep: the option and an example', async () => {
    const run = await nbprov(['run', '--help'], { cwd: dir });
    assert.match(run.stdout, /\n {2}--log-output {22}print each cell's stdout and stderr as the\n {36}kernel sends it, each line prefixed with the\n {36}cell's number \(displays and errors in one\n {36}line each\)\n/);
    assert.ok(run.stdout.includes('\n  $ nbprov run experiment.ipynb --log-output 2>&1 | tee run.log\n'));
    const sweep = await nbprov(['sweep', '--help'], { cwd: dir });
    assert.ok(sweep.stdout.includes('\n  $ nbprov sweep experiment.ipynb -p n_trees 3,20 --log-output --jobs 2\n'));
  });

  test('off by default: nothing of the cells on the console', async () => {
    const r = await nbprov(['run', 'outputs.ipynb', '-q'], { cwd: dir });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, CELL_FAILED);
  });

  test('lines arrive as the cell runs; an unfinished line shows after a second without its newline', async () => {
    const r = await runTimed(['run', 'slow.ipynb', '--log-output'], dir);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.arrivals.map(([line]) => line);
    assert.deepEqual(lines.slice(0, 4), ['[1] started', '[1] slept', '[2] waiting', '[2]  done']);
    assert.match(lines[4], /^trial \d+ \([0-9a-f]{8}\) finished: 2\/2 cells ok, [\d.]+ s$/);
    const at = Object.fromEntries(r.arrivals);
    assert.ok(at['[1] slept'] - at['[1] started'] > 1500, `started at ${at['[1] started']} ms, slept at ${at['[1] slept']} ms`);
    assert.ok(at['[2]  done'] - at['[2] waiting'] > 500, `waiting at ${at['[2] waiting']} ms, done at ${at['[2]  done']} ms`);
    assert.equal(r.stderr, '');
  });

  // A pseudo-terminal from util-linux's `script` (node-pty is not installed), 8 rows high so that the lines scroll.
  const script = spawnSync('script', ['--version']).status === 0;
  test('on a terminal the progress bar is drawn below the lines and leaves none of them mangled', { skip: !script && 'no `script` command' }, async () => {
    const command = `stty cols 100 rows 8; exec "${process.execPath}" "${BIN}" run tty.ipynb --log-output`;
    const raw = await new Promise<string>((resolve) => {
      const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      child.on('close', () => resolve(out));
    });
    const shown = terminalText(raw, 8);
    assert.deepEqual(shown.slice(0, -1), [...Array.from({ length: 10 }, (_, i) => `[1] line ${i}`), '[1] warn']);
    assert.match(shown[shown.length - 1], /^trial \d+ \([0-9a-f]{8}\) finished: 1\/1 cells ok, [\d.]+ s$/);
    // The bar was on the screen between the lines, not only before the first.
    assert.match(raw, /\[1\] line 4\r\n\x1b7(\x1b\[1G)? \S+ 0\/1 cells \| /);
  });

  describe('--server', () => {
    let server: TestServer;
    before(async () => {
      server = await startJupyterServer();
    });
    after(() => server.stop());

    test('the same lines through a separately started server; with --json all of them on stderr, in order', async () => {
      const r = await nbprov(['run', 'outputs.ipynb', '--log-output', '--server', server.url], { cwd: dir, env: { JUPYTER_TOKEN: server.token } });
      assert.equal(r.code, 1);
      const summary = r.stdout.lastIndexOf('trial ');
      assert.equal(r.stdout.slice(0, summary), STDOUT_LINES.join(''));
      assert.match(r.stdout.slice(summary), /^trial \d+ \([0-9a-f]{8}\) failed: 7\/8 cells ok, 1 failed, [\d.]+ s\n$/);
      assert.equal(r.stderr, `[1] warn\n${ERROR_LINE}${CELL_FAILED}`);
      const json = await nbprov(['run', 'outputs.ipynb', '--log-output', '--json', '--server', server.url], { cwd: dir, env: { JUPYTER_TOKEN: server.token } });
      assert.equal(json.code, 1);
      assert.equal(JSON.parse(json.stdout).status, 'failed');
      assert.equal(json.stderr, [STDOUT_LINES[0], '[1] warn\n', ...STDOUT_LINES.slice(1), ERROR_LINE].join(''));
    });
  });

  test('sweep: each line prefixed with its trial\'s values and its cell', async () => {
    const r = await nbprov(['sweep', 'sweep.ipynb', '-p', 'n_trees', '3,20', '-p', 'test_size', '0.5', '--jobs', '1', '--log-output', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '[n_trees=3 test_size=0.5 · 3] trees 3\n[n_trees=20 test_size=0.5 · 3] trees 20\n');
    assert.equal(r.stderr, '[n_trees=3 test_size=0.5 · 3] size 0.5\n[n_trees=20 test_size=0.5 · 3] size 0.5\n');
  });
});

/**
 * What a terminal `rows` high shows of `raw` at the end, scrolled-off lines included: the few controls cli-progress
 * and --log-output write (CR, LF, erase in line, cursor column, save and restore), as an xterm treats them.
 */
function terminalText(raw: string, rows: number): string[] {
  const history: string[] = [];
  const screen: string[] = Array(rows).fill('');
  let row = 0;
  let col = 0;
  let saved = [0, 0];
  for (const [, params, final, escape, other] of raw.matchAll(/\x1b\[([?\d;]*)([A-Za-z])|\x1b([78])|([\s\S])/g)) {
    if (final === 'K') screen[row] = params === '2' ? '' : screen[row].slice(0, col);
    else if (final === 'G') col = Number(params || 1) - 1;
    else if (escape === '7') saved = [row, col];
    else if (escape === '8') [row, col] = saved;
    else if (other === '\r') col = 0;
    else if (other === '\n') {
      if (row < rows - 1) row++;
      else {
        history.push(screen.shift()!);
        screen.push('');
      }
    } else if (other !== undefined) {
      screen[row] = screen[row].padEnd(col).slice(0, col) + other + screen[row].slice(col + 1);
      col++;
    }
  }
  const all = [...history, ...screen];
  while (all.length && all[all.length - 1].trim() === '') all.pop();
  return all.map((line) => line.trimEnd());
}
