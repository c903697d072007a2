// `nbprov report`, the file it writes (the browser side is test/report.test.ts): the model is exactly what compare,
// deps, diff and show print as JSON, the page's inline code runs under a CSP of its own hashes, and nothing from a
// notebook reaches the markup as markup.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject } from './helpers/cli.js';

interface Page {
  html: string;
  model: Record<string, any>;
  data: string;
  script: string;
  style: string;
  csp: string;
}

/** The written page taken apart: its data block (parsed), inline script and style, and CSP. */
function readPage(path: string): Page {
  const html = readFileSync(path, 'utf8');
  const data = /<script type="application\/json" id="nbprov-data">([^]*?)<\/script>/.exec(html)?.[1];
  const script = /<script>([^]*?)<\/script>/.exec(html)?.[1];
  const style = /<style>([^]*?)<\/style>/.exec(html)?.[1];
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
  assert.ok(data !== undefined && script !== undefined && style !== undefined && csp !== undefined, 'the page has its data, script, style and CSP');
  return { html, model: JSON.parse(data), data, script, style, csp };
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** A notebook whose output, values, parameter, and its own name carry markup. */
function xssNotebook(): string {
  const cells = [
    { source: "label = '</script><script>alert(1)</script>'", tags: ['parameters'] },
    { source: "note = '\"><img src=x onerror=alert(3)>&amp;\\u2028'\nprint('<script>alert(2)</script></pre><!--' + note)", tags: [] },
    { source: 'score = len(label) + len(note)  # nbprov: metric:max\nscore', tags: [] },
  ].map((c, i) => ({ cell_type: 'code', execution_count: null, id: `x${i + 1}`, metadata: { tags: c.tags }, outputs: [], source: c.source }));
  return JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 });
}

describe('nbprov report: three real runs of wine.ipynb, then a notebook full of markup', () => {
  let dir: string;
  const run = async (...args: string[]) => {
    const r = await nbprov(args, { cwd: dir });
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr, '');
    return r.stdout;
  };
  const json = async (...args: string[]) => JSON.parse(await run(...args, '--json'));
  before(async () => {
    dir = project('wine.ipynb');
    await run('tag', 'var', 'accuracy', 'metric:max', 'wine.ipynb');
    await run('tag', 'cell', '6', 'model-scoring', 'wine.ipynb');
    for (const p of [['-p', 'n_trees', '5'], [], ['-p', 'n_trees', '2']]) await run('run', 'wine.ipynb', '-q', ...p);
  });
  after(() => removeProject(dir));

  test('writes report.html here by default and says how big, of how many trials', async () => {
    assert.match(await run('report'), /^wrote report\.html \(\d+ KB, 3 trials\)\n$/);
    assert.ok(existsSync(join(dir, 'report.html')));
  });

  test('the model: the trials, and exactly the JSON of compare, deps, show and diff', async () => {
    await run('report', '-o', 'model.html');
    const { model } = readPage(join(dir, 'model.html'));
    assert.equal(model.title, 'wine.ipynb');
    assert.equal(model.trials, 3);
    assert.equal(model.nbprov, (await run('--version')).trim());
    assert.ok(Date.now() - Date.parse(model.generated) < 60_000);
    assert.deepEqual(model.lineageTrials, [1, 2, 3]);
    const compare = await json('compare', '--columns', 'trial,id,start,status,duration,n_trees,seed,test_size,unused,accuracy');
    // As compare --json, but a float with an integral value keeps its Python text, as `compare` shows it.
    const floatText = (rows: { accuracy: unknown }[]) => rows.map((r) => ({ ...r, accuracy: r.accuracy === 1 ? { repr: '1.0' } : r.accuracy }));
    assert.deepEqual(model.comparison, { ...compare, rows: floatText(compare.rows) });
    assert.deepEqual(model.comparison.rows.map((r: { accuracy: unknown }) => r.accuracy), [0.9555555555555556, { repr: '1.0' }, 0.8]);
    assert.deepEqual(model.comparison.best, { accuracy: { direction: 'max', value: 1, trials: [2] } });
    const starts = compare.rows.map((r: { start: string }) => r.start);
    assert.deepEqual(model.dateRange, [starts[0], starts[2]]);
    for (const seq of ['1', '2', '3']) {
      assert.deepEqual(Object.keys(model.lineage[seq]), ['accuracy']);
      assert.deepEqual(model.lineage[seq].accuracy, await json('deps', 'accuracy', '--trial', seq));
      assert.deepEqual(model.details[seq], await json('show', seq));
    }
    const names = model.lineage['3'].accuracy.nodes.map((n: { name: string }) => n.name);
    assert.deepEqual([...new Set(names)].sort(), [
      'RandomForestClassifier', 'X_test', 'X_train', 'accuracy', 'accuracy_score', 'features', 'load_wine', 'model', 'n_trees', 'pred',
      'seed', 'target', 'test_size', 'train_test_split', 'wine', 'y_test', 'y_train',
    ]);
    // Trial 2 holds the best accuracy and 3 is the latest: that pair is adjacent already, so no best-vs-latest.
    assert.deepEqual(model.diffs.map((d: { a: number; b: number; why: string }) => [d.a, d.b, d.why]), [[1, 2, 'adjacent'], [2, 3, 'adjacent']]);
    for (const d of model.diffs) assert.deepEqual(d.diff, await json('diff', String(d.a), String(d.b)));
    assert.equal(model.diffs[0].diff.why[0].params[0].name, 'n_trees');
  });

  test('timings: seconds per stage of every trial, as show has them per cell', async () => {
    await run('report', '-o', 'timings.html');
    const { model } = readPage(join(dir, 'timings.html'));
    assert.deepEqual(model.timings.map((t: { trial: number }) => t.trial), [1, 2, 3]);
    for (const { trial, stages } of model.timings) {
      assert.deepEqual(Object.keys(stages), ['model-scoring', '(no stage)']);
      const cells = (await json('show', String(trial))).cells as { stage: string | null; seconds: number }[];
      const sum = (stage: string | null) => cells.filter((c) => c.stage === stage).reduce((s, c) => s + c.seconds, 0);
      assert.ok(Math.abs(stages['model-scoring'] - sum('model-scoring')) < 1e-6);
      assert.ok(Math.abs(stages['(no stage)'] - sum(null)) < 1e-6);
    }
  });

  test('a CSP of default-src none and the sha256 of the exact inline script and style; the data block has no raw <', async () => {
    await run('report', '-o', 'csp.html');
    const page = readPage(join(dir, 'csp.html'));
    assert.equal(
      page.csp,
      `default-src 'none'; script-src ${sha256(page.script)}; style-src ${sha256(page.style)}; img-src data:; font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'`,
    );
    assert.doesNotMatch(page.data, /[<>&\u2028\u2029]/);
    assert.match(page.html, /<script>[^]*<\/script>\n<\/body>\n<\/html>\n$/);
  });

  test('trial selectors, a notebook, and --all choose the trials', async () => {
    assert.match(await run('report', '2', '3', 'last', '-o', 'two.html'), /, 2 trials\)\n$/);
    assert.deepEqual(readPage(join(dir, 'two.html')).model.comparison.rows.map((r: { trial: number }) => r.trial), [2, 3]);
    assert.match(await run('report', 'wine.ipynb', '-o', 'nb.html'), /, 3 trials\)\n$/);
    assert.match(await run('report', '--all', '-o', 'all.html'), /, 3 trials\)\n$/);
  });

  test('replaces an existing file whole and leaves no temp file', async () => {
    writeFileSync(join(dir, 'old.html'), 'x'.repeat(10_000_000));
    await run('report', '-o', 'old.html');
    assert.match(readFileSync(join(dir, 'old.html'), 'utf8'), /^<!DOCTYPE html>[^]*<\/html>\n$/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('nbprov-tmp')), []);
  });

  test('bad input: one line, exit 2', async () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [['99'], /^nbprov: .*99/],
      [['-o', 'adir'], /^nbprov: --output adir is a directory/],
      [['-o', 'missing/dir/r.html'], /^nbprov: cannot write missing\/dir\/r\.html: no directory missing\/dir/],
      [['-o', '/proc/r.html'], /^nbprov: cannot write \/proc\/r\.html: E[A-Z]+ \(open\)\n/],
      [['wine.ipynb', '3'], /^nbprov: name one notebook, or trials, not both/],
      [['--all', '--sweep', 'last'], /^nbprov: --all and --sweep exclude each other/],
      [['other.ipynb'], /^nbprov: no trials of other\.ipynb to report/],
      [['--sweep', 'last'], /^nbprov: /],
    ];
    for (const [args, message] of cases) {
      const r = await nbprov(['report', ...args], { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    }
    const empty = project();
    try {
      await nbprov(['tag', 'var', 'x', 'metric'], { cwd: empty });
      const r = await nbprov(['report'], { cwd: empty });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^nbprov: [^\n]+\n(  hint: [^\n]+\n)?$/);
      assert.ok(!existsSync(join(empty, 'report.html')));
    } finally {
      removeProject(empty);
    }
  });

  test('a metric with more ancestors than the page draws comes as `deps METRIC --depth N --json` within the budget', async () => {
    const chain = ['x0 = 0', ...Array.from({ length: 200 }, (_, i) => `x${i + 1} = x${i} + 1`), 'm = x200  # nbprov: metric:max'].join('\n');
    const cells = [{ cell_type: 'code', execution_count: null, id: 'c1', metadata: {}, outputs: [], source: chain }];
    writeFileSync(join(dir, 'chain.ipynb'), JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 }));
    await run('run', 'chain.ipynb', '-q');
    await run('report', 'chain.ipynb', '-o', 'chain.html');
    const { model } = readPage(join(dir, 'chain.html'));
    const seq = String(model.comparison.rows[0].trial);
    assert.equal(model.lineage[seq].m.nodes.length, 150);
    assert.deepEqual(model.lineage[seq].m, await json('deps', 'm', '--trial', seq, '--depth', '149'));
  });

  test('markup in cell output, values, a parameter and the notebook name stays data: the only <script tags are ours', async () => {
    const name = '"><img src=x onerror=alert(4)><script>alert(5)<\\script>.ipynb';
    writeFileSync(join(dir, name), xssNotebook());
    await run('run', name, '-q', '-p', 'label', '</script><b onmouseover=alert(6)>');
    await run('report', name, '-o', 'xss.html');
    const page = readPage(join(dir, 'xss.html'));
    assert.equal(page.html.match(/<script/gi)?.length, 2);
    assert.equal(page.html.match(/<\/script/gi)?.length, 2);
    assert.doesNotMatch(page.html, /<img|<b |<!--|<\/pre/i);
    assert.doesNotMatch(page.data, /[<>&\u2028\u2029]/);
    assert.match(page.html, /<title>&#34;&#62;&#60;img src=x onerror=alert\(4\)&#62;&#60;script&#62;alert\(5\)&#60;\\script&#62;\.ipynb · nbprov report<\/title>/);
    // The payloads are all there, as data.
    const { model } = page;
    assert.equal(model.title, name);
    assert.equal(model.comparison.rows[0].label, '</script><b onmouseover=alert(6)>');
    const seq = String(model.comparison.rows[0].trial);
    const cell2 = model.details[seq].cells.find((c: { cellId: string }) => c.cellId === 'x2');
    assert.match(cell2.outputs, /<script>alert\(2\)<\/script><\/pre><!--"><img src=x onerror=alert\(3\)>&amp;/);
    assert.ok(JSON.stringify(model).includes('\u2028'), 'a raw U+2028 went in, escaped');
    const note = model.lineage[seq].score.nodes.find((n: { name: string }) => n.name === 'note');
    assert.match(note.repr, /"><img src=x onerror=alert\(3\)>/);
  });
});
