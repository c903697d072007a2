// Side-by-side wall-clock benchmark of `nbprov run` against `jupyter nbconvert --to notebook --execute` and plain
// /usr/bin/python3 on the same code. Interleaved repetitions, min of N (default 5). Usage:
//   npm run bench [-- --reps 7 --only ds]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 5) || 5;
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const work = mkdtempSync(join(tmpdir(), 'nbprov-bench-'));
function time(cmd, argv, env = {}) {
  const t = performance.now();
  const r = spawnSync(cmd, argv, { cwd: work, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return ms;
}
function plainScript(nb) {
  const cells = JSON.parse(readFileSync(join(work, nb), 'utf8')).cells.filter((c) => c.cell_type === 'code');
  const py = nb.replace('.ipynb', '.py');
  writeFileSync(join(work, py), cells.map((c) => [].concat(c.source).join('')).join('\n\n') + '\n');
  return py;
}

const variants = {
  'nbprov (vars)': (nb) => time(process.execPath, [bin, 'run', nb, '-q', '--db', 'bench.sqlite']),
  'nbprov (cells)': (nb) => time(process.execPath, [bin, 'run', nb, '-q', '--capture', 'cells', '--db', 'bench.sqlite']),
  'nbconvert --execute': (nb) => time('/usr/bin/jupyter', ['nbconvert', '--to', 'notebook', '--execute', nb, '--output', 'nbconvert-out.ipynb']),
  'plain python': (nb, py) => time('/usr/bin/python3', [py]),
};

const notebooks = ['ds.ipynb', 'trivial50.ipynb', 'trivial1.ipynb'].filter((n) => !only || n.includes(only));
const results = {};
for (const nb of notebooks) {
  copyFileSync(join(here, nb), join(work, nb));
  const py = plainScript(nb);
  const times = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const fn of Object.values(variants)) fn(nb, py); // warm-up: page cache, .pyc files
  for (let i = 0; i < reps; i++) {
    const order = i % 2 ? Object.keys(variants).reverse() : Object.keys(variants);
    for (const k of order) times[k].push(variants[k](nb, py));
  }
  results[nb] = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.min(...v)]));
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
console.log(`nbprov bench: min of ${reps} interleaved runs, wall clock, ${new Date().toISOString()}`);
for (const [nb, r] of Object.entries(results)) {
  const base = r['nbconvert --execute'];
  const plain = r['plain python'];
  console.log(`\n${nb}`);
  for (const [k, ms] of Object.entries(r)) {
    console.log(`  ${k.padEnd(22)} ${fmt(ms).padStart(8)}   ${(ms / base).toFixed(2)}× nbconvert   ${(ms / plain).toFixed(2)}× plain`);
  }
}
if (results['trivial50.ipynb'] && results['trivial1.ipynb']) {
  for (const k of ['nbprov (vars)', 'nbprov (cells)', 'nbconvert --execute']) {
    const perCell = (results['trivial50.ipynb'][k] - results['trivial1.ipynb'][k]) / 49;
    console.log(`\nper trivial cell, ${k}: ${perCell.toFixed(1)} ms`);
  }
}
rmSync(work, { recursive: true, force: true });
