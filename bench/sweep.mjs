// A 12-trial sweep of the DS bench notebook (`nbprov sweep --jobs 2`) against 12 sequential `nbprov run -p`s and
// 12 sequential `jupyter nbconvert --execute`s of the same notebooks with the values written in, side by side in one
// run; plus the physical limit: 12 × plain python's CPU time for the same code ÷ the cores. While the sweep runs,
// the kernels alive are counted every 100 ms (the pool keeps at most jobs + 1). Usage:
//   node bench/sweep.mjs [--jobs 2]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const jobs = Number(args[args.indexOf('--jobs') + 1] || 2) || 2;
const work = mkdtempSync(join(tmpdir(), 'nbprov-bench-sweep-'));

// The grid: 3 × 2 × 2 = 12 trials.
const grid = { n_trees: [10, 50, 100], test_size: [0.25, 0.3], seed: [0, 1] };
const combos = grid.n_trees.flatMap((n) => grid.test_size.flatMap((t) => grid.seed.map((s) => ({ n_trees: n, test_size: t, seed: s }))));

const nb = JSON.parse(readFileSync(join(here, 'ds.ipynb'), 'utf8'));
const paramsCell = nb.cells.find((c) => c.cell_type === 'code' && [].concat(c.source).join('').startsWith('seed = '));
paramsCell.metadata = { ...paramsCell.metadata, tags: ['parameters'] };
writeFileSync(join(work, 'ds.ipynb'), JSON.stringify(nb));
const code = (values) => nb.cells.filter((c) => c.cell_type === 'code').map((c) => (c === paramsCell ? Object.entries(values).map(([k, v]) => `${k} = ${v}`).join('\n') : [].concat(c.source).join(''))).join('\n\n') + '\n';
combos.forEach((values, i) => {
  const copy = structuredClone(nb);
  copy.cells[nb.cells.indexOf(paramsCell)].source = Object.entries(values).map(([k, v]) => `${k} = ${v}`).join('\n');
  writeFileSync(join(work, `nb-${i}.ipynb`), JSON.stringify(copy));
  writeFileSync(join(work, `plain-${i}.py`), code(values));
});

function timed(cmd, argv) {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return performance.now() - t;
}

// Read from /proc in this process: spawning pgrep ten times a second would itself take CPU from the sweep.
// A kernel is a `python -m ipykernel_launcher`, or a child of the private server's kernel fork server (which
// shares its command line).
function kernelsAlive() {
  const forkServer = 'kernel_fork/forkserver.py';
  const cmdline = (pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  let n = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const command = cmdline(pid);
      const parent = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1];
      if (command.includes('ipykernel_launcher') || (command.includes(forkServer) && cmdline(parent).includes(forkServer))) n++;
    } catch {
      // gone while we looked
    }
  }
  return n;
}

async function sweep() {
  const t = performance.now();
  const child = spawn(process.execPath, [bin, 'sweep', 'ds.ipynb', '-q', '--db', 'sweep.sqlite', '--jobs', String(jobs),
    '-p', 'n_trees', grid.n_trees.join(','), '-p', 'test_size', grid.test_size.join(','), '-p', 'seed', grid.seed.join(',')],
  { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, kernelsAlive())), 200);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`nbprov sweep failed (${code}): ${stderr}`);
  return { ms: performance.now() - t, peak };
}

// Plain python's CPU time (user + system) for each combination, the whole process's from start-up to exit (its
// last garbage collection included): what 2 cores cannot beat.
let cpu = 0;
for (let i = 0; i < combos.length; i++) {
  const measure = 'import resource, subprocess, sys\nsubprocess.run([sys.executable, sys.argv[1]], check=True, stdout=subprocess.DEVNULL)\nu = resource.getrusage(resource.RUSAGE_CHILDREN)\nprint(u.ru_utime + u.ru_stime)';
  const r = spawnSync('/usr/bin/python3', ['-c', measure, `plain-${i}.py`], { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  cpu += Number(r.stdout.trim()) * 1000;
}
const limit = cpu / availableParallelism();

timed(process.execPath, [bin, 'run', 'ds.ipynb', '-q', '--db', 'warm.sqlite']); // warm-up: page cache, code cache, .pyc
const swept = await sweep();
let runs = 0;
combos.forEach((values) => {
  runs += timed(process.execPath, [bin, 'run', 'ds.ipynb', '-q', '--db', 'runs.sqlite', ...Object.entries(values).flatMap(([k, v]) => ['-p', k, String(v)])]);
});
let nbconvert = 0;
combos.forEach((_, i) => {
  nbconvert += timed('/usr/bin/jupyter', ['nbconvert', '--to', 'notebook', '--execute', `nb-${i}.ipynb`, '--output', `out-${i}.ipynb`]);
});

const perMinute = (ms) => ((combos.length * 60_000) / ms).toFixed(1);
const row = (name, ms) => `  ${name.padEnd(34)} ${(ms / 1000).toFixed(2).padStart(7)} s  ${perMinute(ms).padStart(6)} trials/min  ${(ms / runs).toFixed(2)}× runs  ${(ms / limit).toFixed(2)}× limit`;
console.log(`nbprov sweep bench: ${combos.length} trials of ds.ipynb, ${availableParallelism()} cores, ${new Date().toISOString()}`);
console.log(row(`nbprov sweep --jobs ${jobs}`, swept.ms));
console.log(row('12 × nbprov run (sequential)', runs));
console.log(row('12 × nbconvert --execute (seq.)', nbconvert));
console.log(row('limit: plain python CPU ÷ cores', limit));
console.log(`  kernels alive during the sweep, at most: ${swept.peak} (jobs + 1 = ${jobs + 1})`);
rmSync(work, { recursive: true, force: true });
