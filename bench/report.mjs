// Wall-clock benchmark of `nbprov report` on the synthetic trial databases of bench/gen-trials-db.mjs (20-cell
// notebook, 3 metrics, 5 params): generation for 1,000 trials (target ≤ 1 s) and 10,000 trials (≤ 5 s), and the
// file's size for 1,000 trials (≤ 3 MB). Databases are generated once into bench/out/ and reused (the 10,000-trial
// one is bench/compare.mjs's); --fresh regenerates them. Reports the min and median of N runs (default 5), wall (a
// fresh CLI, as a user runs it) and the command's own work in process.
//   npm run build && node bench/report.mjs [--reps 5] [--fresh]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './gen-trials-db.mjs';
import { inProcess as inProcessOf, ms, stats, wall as wallOf } from './timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 5) || 5;
const out = join(here, 'out');

function database(name, trials) {
  const dir = join(out, name);
  if (args.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
  if (!existsSync(join(dir, '.noworkflow', 'db.sqlite'))) {
    mkdirSync(dir, { recursive: true });
    const t = performance.now();
    generate('compare', dir, { trials });
    process.stderr.write(`generated ${trials} trials in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  // One untimed run applies pending migrations and warms the page cache.
  spawnSync(process.execPath, [bin, 'list', '--json'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

const wall = (cwd, argv) => wallOf(cwd, argv, reps);
const inProcess = (cwd, call) => inProcessOf(cwd, 'report.js', call, reps);
const verdict = (value, limit, unit = 'ms') => (value <= limit ? `ok (≤ ${limit} ${unit})` : `OVER ${limit} ${unit}`);

const small = database('trials-report-1000', 1_000);
const large = database('trials-compare', 10_000);
const reportTo = (file) => [bin, 'report', '--all', '-o', file];
const wall1k = wall(small, reportTo('report.html'));
const work1k = inProcess(small, "m.handler([], { all: true, output: 'report-work.html' })");
const size1k = statSync(join(small, 'report.html')).size / 1e6;
const wall10k = wall(large, reportTo('report.html'));
const work10k = inProcess(large, "m.handler([], { all: true, output: 'report-work.html' })");
const size10k = statSync(join(large, 'report.html')).size / 1e6;

const load1k = await pageLoad(join(small, 'report.html'));

process.stdout.write(`report --all, 1,000 trials, wall       ${ms(wall1k)}   ${verdict(wall1k.median, 1000)}
  its own work in process              ${ms(work1k)}
  file                                 ${size1k.toFixed(2)} MB   ${verdict(size1k, 3, 'MB')}
  Chromium: open to \`load\`              ${load1k ? `${ms(load1k)}   ${verdict(load1k.median, 2000)}` : 'skipped: no /usr/bin/chromium'}
report --all, 10,000 trials, wall      ${ms(wall10k)}   ${verdict(wall10k.median, 5000)}
  its own work in process              ${ms(work10k)}
  file                                 ${size10k.toFixed(2)} MB
(${reps} runs each; page assets as built in dist/bundle/report/; CPU pressure now: ${cpuPressure()})
`);

function cpuPressure() {
  const r = spawnSync('cat', ['/proc/pressure/cpu'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : 'unknown';
}

/** Time from navigation to the `load` event of the page in Debian's Chromium, headless (min and median of reps). */
async function pageLoad(file) {
  if (!existsSync('/usr/bin/chromium')) return undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    const times = [];
    for (let i = 0; i < reps; i++) {
      const page = await browser.newPage();
      const t = performance.now();
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      times.push(performance.now() - t);
      await page.close();
    }
    return stats(times);
  } finally {
    await browser.close();
  }
}
