// Wall-clock benchmark of `nbprov explain` on 10,000 generated trials of a 20-cell notebook with 5 tagged
// parameters (bench/gen-trials-db.mjs compare: grid, random and constant-per-trial values, lineage that reaches the
// metric in some trials only), target < 1 s wall. The database is bench/compare.mjs's, generated once into
// bench/out/ (about 20 s) and reused; --fresh regenerates it.
// Reports the min and median of N runs (default 7), `nbprov --version` as the CLI's fixed start-up cost, and the
// command's own work in process.
//   npm run build && node bench/explain.mjs [--reps 7] [--fresh]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './gen-trials-db.mjs';
import { inProcess, ms, wall } from './timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 7) || 7;
const dir = join(here, 'out', 'trials-compare');

if (args.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
if (!existsSync(join(dir, '.noworkflow', 'db.sqlite'))) {
  mkdirSync(dir, { recursive: true });
  const t = performance.now();
  generate('compare', dir);
  process.stderr.write(`generated the 10,000-trial database in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
}
// One untimed run applies pending migrations, warms the page cache and writes the code cache.
spawnSync(process.execPath, [bin, 'explain', 'accuracy', '--all'], { cwd: dir, stdio: 'ignore' });

const verdict = (value, limit) => (value < limit ? `ok (< ${limit} ms)` : `OVER ${limit} ms`);
const floor = wall(dir, ['-e', '0'], reps);
const startup = wall(dir, [bin, '--version'], reps);
const compare = wall(dir, [bin, 'compare', '--all', '--json'], reps);
const explain = wall(dir, [bin, 'explain', 'accuracy', '--all'], reps);
const explainJson = wall(dir, [bin, 'explain', 'loss', '--all', '--json'], reps);
const work = inProcess(dir, 'explain.js', "m.handler('accuracy', [], { all: true })", reps);
const cpu = cpuSeconds(dir, [bin, 'explain', 'accuracy', '--all']);

process.stdout.write(`node -e 0 (the machine's floor)                ${ms(floor)}
nbprov --version (start-up)                    ${ms(startup)}
compare --all --json (10,000 trials), wall     ${ms(compare)}
explain accuracy --all (5 params), wall        ${ms(explain)}   ${verdict(explain.median, 1000)}
explain loss --all --json, wall                ${ms(explainJson)}   ${verdict(explainJson.median, 1000)}
  explain's own work in process                ${ms(work)}
  CPU (user + sys) of one explain accuracy     ${cpu}
(${reps} runs each; load average now: ${loadAverage()})
`);

/** User + system CPU seconds of one run, which a loaded machine inflates less than wall time. */
function cpuSeconds(cwd, argv) {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', process.execPath, ...argv], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const [user, sys] = (r.stderr.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return r.status === 0 && Number.isFinite(user + sys) ? `${((user + sys) * 1000).toFixed(0)} ms` : 'unknown (no /usr/bin/time)';
}

function loadAverage() {
  const r = spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split(' ').slice(0, 3).join(' ') : 'unknown';
}
