import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { nbprov, project, removeProject, ROOT } from './helpers/cli.js';
import { screenshotElement, screenshotPage, TestBrowser, type OpenedPage } from './helpers/browser.js';

// `nbprov report` opened from file:// in Debian's Chromium, checked through the page's DOM contract
// (ids, classes and data-* attributes; /work/briefs/report-contract.md, issue #16). One browser for the file, one
// report per fixture, every test reusing it in order: sort, filter, select and diff change the page's state.

const SECTIONS = ['report-header', 'trials', 'charts', 'explain', 'lineage', 'timings', 'diff', 'details'];
/** `nbprov deps accuracy` of wine.ipynb, every trial: the names the lineage figure must hold, no more. */
const ACCURACY_LINEAGE = [
  'RandomForestClassifier', 'X_test', 'X_train', 'accuracy', 'accuracy_score', 'features', 'load_wine', 'model', 'n_trees',
  'pred', 'seed', 'target', 'test_size', 'train_test_split', 'wine', 'y_test', 'y_train',
];

let browser: TestBrowser;
before(async () => {
  browser = await TestBrowser.launch();
});
after(async () => {
  await browser.close();
});

/** Runs the CLI in `dir`, asserting success; returns stdout. */
async function ok(dir: string, ...args: string[]): Promise<string> {
  const r = await nbprov(args, { cwd: dir });
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Writes report.html in `dir` and opens it once the page has drawn its table. */
async function reportAndOpen(dir: string, trials: number): Promise<OpenedPage> {
  const out = await ok(dir, 'report', '-o', 'report.html');
  assert.match(out, new RegExp(`^wrote report\\.html \\(\\d+(\\.\\d+)? (B|kB|KB|MB), ${trials} trials?\\)\\n$`));
  const opened = await browser.open(join(dir, 'report.html'));
  await opened.page.waitForSelector('#trials-table tbody tr[data-trial]', { state: 'attached' });
  return opened;
}

/** Polls `read` until it equals `expected` (the page may redraw on the next frame); asserts on the last value. */
async function eventually<T>(read: () => Promise<T>, expected: T, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!isDeepEqual(value, expected) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    value = await read();
  }
  assert.deepEqual(value, expected);
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

const rowOrder = (page: Page) => page.$$eval('#trials-table tbody tr[data-trial]', (rows) => rows.map((r) => r.getAttribute('data-trial')));
const visibleRows = (page: Page) =>
  page.$$eval('#trials-table tbody tr[data-trial]', (rows) => rows.filter((r) => !r.hasAttribute('hidden')).map((r) => r.getAttribute('data-trial')));
const selectedRows = (page: Page) =>
  page.$$eval('#trials-table tbody tr[aria-selected="true"]', (rows) => rows.map((r) => r.getAttribute('data-trial')).sort());
const row = (page: Page, trial: number) => page.locator(`#trials-table tbody tr[data-trial="${trial}"]`);

/** The text of row `trial`'s cell under the column `name` (by the header's position). */
async function cellText(page: Page, trial: number, name: string): Promise<string> {
  return page.evaluate(
    ([trial, name]) => {
      const headers = [...document.querySelectorAll('#trials-table thead th')];
      const index = headers.findIndex((th) => th.getAttribute('data-column') === name);
      const row = document.querySelector(`#trials-table tbody tr[data-trial="${trial}"]`);
      return index < 0 || !row ? `(no column ${name} or row ${trial})` : (row.children[index]?.textContent ?? '');
    },
    [String(trial), name] as const,
  );
}

describe('nbprov report in Chromium: three real runs of wine.ipynb (-p n_trees 3, 20, 100)', () => {
  let dir: string;
  let opened: OpenedPage;
  let page: Page;
  let shots: string;
  before(async () => {
    dir = project('wine.ipynb');
    shots = join(dir, 'screenshots');
    await ok(dir, 'tag', 'var', 'accuracy', 'metric:max', 'wine.ipynb');
    for (const n of ['3', '20', '100']) await ok(dir, 'run', 'wine.ipynb', '-q', '-p', 'n_trees', n);
    await ok(dir, 'name', '2', 'forest-20');
    opened = await reportAndOpen(dir, 3);
    page = opened.page;
  });
  after(async () => {
    await opened?.close();
    if (process.env.NBPROV_KEEP_SCREENSHOTS === '1') console.log(`# report screenshots kept in ${shots}`);
    else removeProject(dir);
  });

  test('loads from file:// offline: no console error, no request but the page itself, the header filled in', async () => {
    assert.deepEqual(opened.errors, []);
    assert.deepEqual(opened.requests, [opened.url]);
    assert.deepEqual(opened.foreign, []);
    const header = await page.$eval('#report-header', (h) =>
      ['.notebook', '.trial-count', '.date-range', '.nbprov-version'].map((c) => h.querySelector(c)?.textContent?.trim() ?? null),
    );
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.match(header[0] ?? '', /wine\.ipynb/);
    assert.match(header[1] ?? '', /\b3\b/);
    assert.ok(header[2], 'date range shown');
    assert.match(header[3] ?? '', new RegExp(version.replace(/\./g, '\\.')));
    const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.getAttribute('content') ?? '');
    for (const directive of ["default-src 'none'", "connect-src 'none'", "base-uri 'none'", "form-action 'none'"]) assert.ok(csp.includes(directive), csp);
    assert.match(csp, /script-src 'sha256-[A-Za-z0-9+/=]+'/);
    assert.deepEqual(await eventHandlerAttributes(page), []);
  });

  test('one row per trial; the best accuracy cells are marked', async () => {
    assert.deepEqual(await rowOrder(page), ['1', '2', '3']);
    const columns = await page.$$eval('#trials-table thead th[data-column]', (ths) => ths.map((th) => th.getAttribute('data-column')));
    for (const c of ['trial', 'status', 'n_trees', 'seed', 'accuracy']) assert.ok(columns.includes(c), `column ${c} in ${columns}`);
    // trial 1 (3 trees) scores 0.977778, trials 2 and 3 both 1.0
    const best = await page.evaluate(() => {
      const index = [...document.querySelectorAll('#trials-table thead th')].findIndex((th) => th.getAttribute('data-column') === 'accuracy');
      return [...document.querySelectorAll('#trials-table tbody tr')].filter((r) => r.children[index]?.classList.contains('best')).map((r) => r.getAttribute('data-trial'));
    });
    assert.deepEqual(best.sort(), ['2', '3']);
    assert.equal(await cellText(page, 2, 'n_trees'), '20');
  });

  test('clicking the accuracy header sorts by it, clicking again reverses', async () => {
    const header = page.locator('#trials-table thead th[data-column="accuracy"]');
    const firstAndLast = async () => {
      const sort = await header.getAttribute('aria-sort');
      const order = await rowOrder(page);
      return { sort, first: order[0], last: order[order.length - 1] };
    };
    await header.click();
    const once = await firstAndLast();
    await header.click();
    const twice = await firstAndLast();
    // 0.977778 (trial 1) is the lowest, trials 2 and 3 tie at 1.0
    const ascending = { sort: 'ascending', first: '1' };
    const descending = { sort: 'descending', last: '1' };
    const [up, down] = once.sort === 'ascending' ? [once, twice] : [twice, once];
    assert.deepEqual({ sort: up.sort, first: up.first }, ascending, `first click ${JSON.stringify(once)}, second ${JSON.stringify(twice)}`);
    assert.deepEqual({ sort: down.sort, last: down.last }, descending);
    assert.ok(['2', '3'].includes(down.first ?? ''), `descending starts with a best trial: ${JSON.stringify(down)}`);
    assert.equal(await page.locator('#trials-table thead th[aria-sort]').count(), 1);
    await page.locator('#trials-table thead th[data-column="trial"]').click();
    if ((await page.locator('#trials-table thead th[data-column="trial"]').getAttribute('aria-sort')) !== 'ascending') {
      await page.locator('#trials-table thead th[data-column="trial"]').click();
    }
    assert.deepEqual(await rowOrder(page), ['1', '2', '3']);
  });

  test('the filter box takes a --where expression, or a plain substring', async () => {
    const filter = page.locator('#filter');
    assert.equal(await filter.getAttribute('type'), 'search');
    await filter.fill('n_trees >= 20');
    await eventually(() => visibleRows(page), ['2', '3']);
    assert.equal(await filterError(page), '');
    await filter.fill('n_trees < 20 or accuracy = 1');
    await eventually(() => visibleRows(page), ['1', '2', '3']);
    await filter.fill('n_trees = 100 and status = finished');
    await eventually(() => visibleRows(page), ['3']);
    // not an expression: trial 2's id as the table shows it, found as text in its row only (not its start time:
    // trials started within one second show the same one)
    const id = (await cellText(page, 2, 'id')).trim();
    assert.match(id, /^[0-9a-f]{8}$/);
    await filter.fill(id.toUpperCase());
    await eventually(() => visibleRows(page), ['2']);
    await filter.fill('');
    await eventually(() => visibleRows(page), ['1', '2', '3']);
    assert.equal(await filterError(page), '');
  });

  test('charts: one point per trial in every accuracy chart (each numeric param, and trial order); timings of every trial', async () => {
    await page.waitForSelector('#charts canvas.chart[data-points]', { state: 'attached' });
    const charts = await page.$$eval('#charts canvas.chart', (cs) =>
      cs.map((c) => ({ metric: c.getAttribute('data-metric'), param: c.getAttribute('data-param'), points: c.getAttribute('data-points') })),
    );
    const accuracy = charts.filter((c) => c.metric === 'accuracy');
    const params = accuracy.map((c) => c.param).sort();
    for (const p of ['n_trees', 'trial']) assert.ok(params.includes(p), `accuracy × ${p} in ${params}`);
    for (const c of accuracy) assert.equal(c.points, '3', `accuracy × ${c.param}`);
    assert.equal(accuracy.filter((c) => c.param === 'n_trees').length, 1);
    const timings = await page.$eval('#timings-chart', (c) => ({ tag: c.tagName, trials: c.getAttribute('data-trials'), stages: c.getAttribute('data-stages') }));
    assert.deepEqual({ tag: timings.tag, trials: timings.trials }, { tag: 'CANVAS', trials: '3' });
    assert.ok(Number(timings.stages) >= 1, `stages: ${timings.stages}`);
  });

  test('explain: one bar per parameter, unused (never in the lineage of accuracy) greyed, the sentences `nbprov explain accuracy` prints', async () => {
    const figure = page.locator('#explain figure.explain[data-metric="accuracy"]');
    await figure.waitFor({ state: 'attached' });
    const canvas = figure.locator('canvas.explain-chart');
    assert.deepEqual([await canvas.getAttribute('data-bars'), await canvas.getAttribute('data-greyed')], ['4', 'unused']);
    const rows = await figure.locator('table.explain-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.getAttribute('data-parameter'), tr.getAttribute('data-role'), tr.classList.contains('unreached'), tr.children[1]?.textContent, tr.children[4]?.textContent]),
    );
    assert.deepEqual(rows, [
      ['n_trees', 'ranked', false, '3/3', 'n_trees: higher values go with higher accuracy (Spearman ρ +0.866, p 0.67 over 3 trials; 3 trials in any order cannot reach p < 0.05).'],
      ['seed', 'constant', false, '3/3', 'seed is 7 in all 3 trials where it reaches accuracy, so its effect cannot be measured.'],
      ['test_size', 'constant', false, '3/3', 'test_size is 0.25 in all 3 trials where it reaches accuracy, so its effect cannot be measured.'],
      ['unused', 'unreached', true, '0/3', 'unused cannot affect accuracy (not in its lineage in any of 3 trials).'],
    ]);
    const explained = JSON.parse(await ok(dir, 'explain', 'accuracy', '--json')) as { parameters: { name: string; sentence: string }[]; noiseSentence: string };
    assert.deepEqual(rows.map((r) => [r[0], r[4]]), explained.parameters.map((p) => [p.name, p.sentence]));
    assert.equal(await figure.locator('p.explain-noise').textContent(), explained.noiseSentence.replaceAll('`', ''));
    assert.equal(await figure.locator('p.explain-noise code').textContent(), 'nbprov sweep --repeat N');
    // the bars themselves: the grey one is drawn in the chart's grey, the others in its blue
    const colors = await canvas.evaluate((c: HTMLCanvasElement) => {
      const ctx = c.getContext('2d')!;
      const box = c.getBoundingClientRect();
      const scale = c.width / box.width;
      // each bar starts at the x axis' 0, just right of the labels; sample a pixel 2 CSS px into each bar's row
      const rowsAt = [0, 1, 2, 3].map((i) => ((i + 0.5) / 4) * (c.height - 50 * scale));
      const zero = [...Array(c.width).keys()].find((x) => rowsAt.every((y) => ctx.getImageData(x, Math.round(y), 1, 1).data[3] > 200 && ctx.getImageData(x, Math.round(y), 1, 1).data[0] < 250));
      return rowsAt.map((y) => Array.from(ctx.getImageData((zero ?? 0) + Math.round(1 * scale), Math.round(y), 1, 1).data.slice(0, 3)));
    });
    assert.deepEqual(colors[3], [0xb4, 0xba, 0xc3], `unused's bar: ${JSON.stringify(colors)}`);
    assert.deepEqual(colors[0], [0x4e, 0x79, 0xa7], `n_trees' bar: ${JSON.stringify(colors)}`);
  });

  test('lineage of accuracy for the newest trial: exactly the variables `nbprov deps accuracy` names, a mutation edge, wheel zoom', async () => {
    const figure = page.locator('#lineage figure.lineage[data-metric="accuracy"]');
    await figure.locator('svg g.node').first().waitFor({ state: 'attached' });
    assert.equal(await figure.count(), 1);
    assert.equal(await figure.getAttribute('data-trial'), '3');
    const nodes = await lineageNodes(page, 'accuracy');
    assert.deepEqual([...new Set(nodes.map((n) => n.name))].sort(), ACCURACY_LINEAGE);
    const deps = JSON.parse(await ok(dir, 'deps', 'accuracy', '--trial', '3', '--json')) as { nodes: { name: string; version: number }[] };
    assert.deepEqual(nodes.map((n) => `${n.name} v${n.version}`).sort(), deps.nodes.map((n) => `${n.name} v${n.version}`).sort());
    const accuracyNode = nodes.find((n) => n.name === 'accuracy');
    // the tooltip: value, cell and line, as `nbprov deps accuracy` prints `accuracy v1 = 1.0  cell 8 · line 1`
    assert.match(accuracyNode?.title ?? '', /1\.0|\b1\b/);
    assert.match(accuracyNode?.title ?? '', /\bcell 8\b/);
    assert.match(accuracyNode?.title ?? '', /\bline 1\b/);
    assert.ok(nodes.every((n) => n.label.includes(n.name)), 'every node labelled with its name');
    assert.ok(nodes.every((n) => n.stage !== null), 'every node has data-stage');
    assert.ok((await figure.locator('svg path.edge').count()) >= ACCURACY_LINEAGE.length - 1);
    assert.ok((await figure.locator('svg path.edge.mutation').count()) >= 1, 'model v1 → model v2 is a mutation');
    const svg = figure.locator('svg').first();
    const viewBox = await svg.getAttribute('viewBox');
    await svg.hover();
    await page.mouse.wheel(0, -300);
    await eventually(async () => (await svg.getAttribute('viewBox')) !== viewBox, true);
  });

  test('selecting two rows shows their diff: n_trees 3 → 20 and a why line naming it; a third click replaces the oldest', async () => {
    await row(page, 1).click();
    await row(page, 2).click();
    await eventually(() => selectedRows(page), ['1', '2']);
    const diff = page.locator('#diff div.diff');
    await diff.waitFor({ state: 'attached' });
    assert.deepEqual([await diff.getAttribute('data-a'), await diff.getAttribute('data-b')].sort(), ['1', '2']);
    const param = await diff.locator('table.diff-params tr[data-name="n_trees"]').evaluate((tr) => [...tr.children].map((c) => c.textContent?.trim()));
    assert.deepEqual(param.slice(0, 3), ['n_trees', '3', '20']);
    assert.equal(await diff.locator('table.diff-params tr[data-name]').count(), 1, 'only n_trees changed');
    assert.match(await diff.locator('table.diff-metrics').innerText(), /accuracy/);
    const why = await diff.locator('ul.why li').allTextContents();
    assert.ok(why.some((line) => /n_trees/.test(line) && /\b3\b/.test(line) && /\b20\b/.test(line)), `why: ${JSON.stringify(why)}`);
    assert.ok(why.some((line) => /accuracy/.test(line)), `why: ${JSON.stringify(why)}`);
    assert.equal(await page.locator('#lineage figure.lineage[data-metric="accuracy"]').getAttribute('data-trial'), '2');
    assert.match((await page.locator('#details table.cells').textContent()) ?? '', /accuracy_score/);
    assert.ok((await page.locator('#details table.modules').count()) === 1 && (await page.locator('#details table.environment').count()) === 1);
    const facts = await page.$$eval('#details dl.trial-facts > *', (items) => items.slice(0, 4).map((i) => i.textContent));
    assert.deepEqual([facts[0], facts[2], facts[3]], ['trial', 'name', 'forest-20'], 'the selected trial 2 shows its name');

    await row(page, 3).click();
    await eventually(() => selectedRows(page), ['2', '3']);
    await eventually(async () => [await diff.getAttribute('data-a'), await diff.getAttribute('data-b')].sort(), ['2', '3']);
    await row(page, 3).click();
    await row(page, 1).click();
    await eventually(() => selectedRows(page), ['1', '2']);
    assert.deepEqual(opened.errors, []);
  });

  test('a screenshot of each section (and the whole page into docs/report.png with NBPROV_UPDATE_SCREENSHOT=1)', async () => {
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
    for (const id of SECTIONS) {
      const path = await screenshotElement(page, `#${id}`, shots, id);
      assert.ok(isPng(path), `${path} holds an image`);
    }
    const full = await screenshotPage(page, join(shots, 'report.png'));
    assert.ok(isPng(full) && statSync(full).size > 10_000, `${full} holds the page`);
    if (process.env.NBPROV_UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(ROOT, 'docs'), { recursive: true });
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.removeAttribute('open')));
      await screenshotPage(page, join(ROOT, 'docs', 'report.png'));
    }
    assert.deepEqual(opened.errors, []);
    assert.deepEqual(opened.foreign, []);
  });
});

const SCRIPT = '<script>window.__xss=1</script>';
const ATTRIBUTE = '"><img src=x onerror="window.__xss=1">';
const IMG = '<img src=x onerror=window.__xss=1>';
const CLOSERS = `</pre>${SCRIPT}`;
const NOTEBOOK = '"><img src=x onerror=window.__xss=1>.ipynb';

describe('nbprov report in Chromium: markup in a file name, cell sources, outputs, values and parameters stays text', () => {
  let dir: string;
  let opened: OpenedPage;
  let page: Page;
  before(async () => {
    dir = project();
    writeParameterisedNotebook(dir, NOTEBOOK, [
      "label = 'plain'\nsize = 1",
      `title = ${JSON.stringify(SCRIPT)}  # nbprov: metric\nshout = ${JSON.stringify(ATTRIBUTE)}\nprint(${JSON.stringify(CLOSERS)})\nprint(${JSON.stringify(`</script>${ATTRIBUTE}`)})`,
      `score = len(label) + size  # nbprov: metric:max\n# </script>${SCRIPT}`,
    ]);
    await ok(dir, 'run', NOTEBOOK, '-q', '-r', 'label', IMG);
    await ok(dir, 'run', NOTEBOOK, '-q', '-r', 'label', `</script>${SCRIPT}`);
    opened = await reportAndOpen(dir, 2);
    page = opened.page;
    await row(page, 1).click();
    await row(page, 2).click();
    await page.locator('#diff div.diff').waitFor({ state: 'attached' });
  });
  after(async () => {
    await opened?.close();
    removeProject(dir);
  });

  test('no script ran: no global flag, no console error, no request (an injected <img src=x> would ask for x)', async () => {
    await page.waitForTimeout(200);
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss), undefined);
    assert.deepEqual(opened.errors, []);
    assert.deepEqual(opened.foreign, []);
  });

  test('no element added beyond the page\'s own: its two scripts, no img/iframe/object/embed, no event-handler attribute', async () => {
    const scripts = await page.$$eval('script', (ss) => ss.map((s) => ({ id: s.id, type: s.getAttribute('type'), src: s.getAttribute('src') })));
    assert.deepEqual(scripts.filter((s) => s.id === 'nbprov-data'), [{ id: 'nbprov-data', type: 'application/json', src: null }]);
    assert.equal(scripts.length, 2, JSON.stringify(scripts));
    assert.ok(scripts.every((s) => s.src === null));
    assert.equal(await page.locator('img, iframe, object, embed, frame, base, form, a[href^="javascript:" i]').count(), 0);
    const links = await page.$$eval('link', (ls) => ls.map((l) => l.getAttribute('href') ?? ''));
    assert.ok(links.every((href) => href.startsWith('data:')), `links: ${links}`);
    assert.deepEqual(await eventHandlerAttributes(page), []);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const data = /<script type="application\/json" id="nbprov-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? /id="nbprov-data"[^>]*>([\s\S]*?)<\/script>/.exec(html)?.[1];
    assert.ok(data, 'the model is inline');
    assert.doesNotMatch(data, /[<>]/, 'the model has every < and > escaped');
  });

  test('explain refuses both metrics (two trials), saying so as text', async () => {
    const refused = await page.$$eval('#explain p.explain-refused', (ps) => ps.map((p) => [p.getAttribute('data-metric'), p.textContent]));
    assert.deepEqual(refused, [
      ['score', 'score: only 2 trials of this selection have a number for score: explain needs 3 or more'],
      ['title', 'title: no trials of this selection have a number for title: explain needs 3 or more'],
    ]);
  });

  test('the payloads show as text where they belong', async () => {
    assert.ok(((await page.locator('#report-header .notebook').textContent()) ?? '').includes(NOTEBOOK.replace(/\.ipynb$/, '')));
    assert.ok((await cellText(page, 1, 'label')).includes(IMG), await cellText(page, 1, 'label'));
    assert.ok((await cellText(page, 2, 'label')).includes(`</script>${SCRIPT}`));
    assert.ok((await cellText(page, 1, 'title')).includes(SCRIPT));
    const params = await page.locator('#diff table.diff-params tr[data-name="label"]').textContent();
    assert.ok(params?.includes(IMG) && params.includes(`</script>${SCRIPT}`), params ?? '');
    const why = (await page.locator('#diff ul.why').textContent()) ?? '';
    assert.ok(why.includes(IMG), why);
    const cells = (await page.locator('#details table.cells').textContent()) ?? '';
    assert.ok(cells.includes(`title = ${JSON.stringify(SCRIPT)}`), 'the cell source as text');
    assert.ok(cells.includes(CLOSERS), 'the printed output as text');
    const titleNodes = await lineageNodes(page, 'title');
    assert.ok(titleNodes.some((n) => n.name === 'title' && n.title.includes(SCRIPT)), JSON.stringify(titleNodes));
    assert.ok((await lineageNodes(page, 'score')).some((n) => n.name === 'label'), 'the param in the lineage of score');
  });
});

const isPng = (path: string) => readFileSync(path).subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));

/** A notebook of code cells, the first tagged parameters. */
function writeParameterisedNotebook(dir: string, name: string, sources: string[]): void {
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `x${i}`, metadata: { tags: i ? [] : ['parameters'] }, outputs: [], source }));
  const notebook = { cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 };
  writeFileSync(join(dir, name), JSON.stringify(notebook));
}

/** Elements carrying an on* attribute: the page adds its listeners from script, never as markup. */
function eventHandlerAttributes(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('*')].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)),
  );
}

function filterError(page: Page): Promise<string> {
  return page.$eval('#filter-error', (p) => (p.hasAttribute('hidden') ? '' : (p.textContent ?? '').trim()));
}

/** The nodes of metric `metric`'s lineage figure: name, version, stage, label and tooltip. */
function lineageNodes(page: Page, metric: string) {
  return page.$$eval(`#lineage figure.lineage[data-metric="${metric}"] svg g.node`, (gs) =>
    gs.map((g) => ({
      name: g.getAttribute('data-name') ?? '',
      version: g.getAttribute('data-version') ?? '',
      stage: g.getAttribute('data-stage'),
      label: g.querySelector('text')?.textContent ?? '',
      title: g.querySelector('title')?.textContent ?? '',
    })),
  );
}
