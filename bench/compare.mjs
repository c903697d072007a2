// Wall-clock benchmark of `nbprov compare` and `nbprov diff` on synthetic databases (bench/gen-trials-db.mjs):
//   compare --all --sort accuracy and list over 10,000 trials of a 20-cell notebook (target < 500 ms wall);
//   diff of two trials with 10^5 evaluations each (target < 200 ms for the command's own work).
// Databases are generated once into bench/out/ (about a minute) and reused; --fresh regenerates them.
// Reports the min and median of N runs (default 7), and `nbprov --version` as the CLI's fixed start-up cost.
//   npm run build && node bench/compare.mjs [--reps 7] [--fresh]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from './gen-trials-db.mjs';
import { inProcess as inProcessOf, ms, wall as wallOf } from './timing.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 7) || 7;
const out = join(here, 'out');

function database(kind) {
  const dir = join(out, `trials-${kind}`);
  if (args.includes('--fresh')) rmSync(dir, { recursive: true, force: true });
  if (!existsSync(join(dir, '.noworkflow', 'db.sqlite'))) {
    mkdirSync(dir, { recursive: true });
    const t = performance.now();
    generate(kind, dir);
    process.stderr.write(`generated the ${kind} database in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  // One untimed run applies pending migrations and warms the page cache.
  spawnSync(process.execPath, [bin, 'list', '--json'], { cwd: dir, stdio: 'ignore' });
  return dir;
}

const wall = (cwd, argv) => wallOf(cwd, argv, reps);
const inProcess = (cwd, module, call) => inProcessOf(cwd, module, call, reps);
const verdict = (value, limit) => (value < limit ? `ok (< ${limit} ms)` : `OVER ${limit} ms`);

const compareDir = database('compare');
const diffDir = database('diff');
const floor = wall(compareDir, ['-e', '0']);
const startup = wall(compareDir, [bin, '--version']);
const list = wall(compareDir, [bin, 'list']);
const compare = wall(compareDir, [bin, 'compare', '--all', '--sort', 'accuracy']);
const compareWork = inProcess(compareDir, 'compare.js', "m.runCompare([], { all: true, sort: 'accuracy' })");
const diff = wall(diffDir, [bin, 'diff', '1', '2']);
const diffWork = inProcess(diffDir, 'diff.js', "m.runDiff('1', '2', {})");

process.stdout.write(`node -e 0 (the machine's floor)        ${ms(floor)}
nbprov --version (start-up)            ${ms(startup)}
list (10,000 trials), wall             ${ms(list)}
compare --all --sort accuracy, wall    ${ms(compare)}   ${verdict(compare.median, 500)}
  its own work in process              ${ms(compareWork)}
diff 1 2 (10^5 evaluations each), wall ${ms(diff)}
  its own work in process              ${ms(diffWork)}   ${verdict(diffWork.median, 200)}
(${reps} runs each; CPU pressure now: ${cpuPressure()})
`);

function cpuPressure() {
  const r = spawnSync('cat', ['/proc/pressure/cpu'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : 'unknown';
}
