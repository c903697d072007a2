// Cost of variable capture inside a real kernel: the same cells run with `--capture vars` (default) and
// `--capture cells` (no variable capture), side by side, interleaved, min of N. Cell times come from the
// trial's own per-cell durations (execute_request to reply, drain included), then bench/fingerprint.py (the content
// fingerprint alone). Usage: node bench/capture.mjs [--reps 5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 5) || 5;
const work = mkdtempSync(join(tmpdir(), 'nbprov-capture-bench-'));
const RSS = "import resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)";

const notebooks = {
  loop: ['x = 0', 'total = 0\nfor i in range(1_000_000):\n    total += i % 7', RSS],
  calls: ['def f(x):\n    return x * 2 + 1', 'acc = 0\nfor i in range(300_000):\n    acc += f(i)', RSS],
  draws: ['import numpy as np, random\nnp.random.seed(0)\nrandom.seed(0)', 'acc = 0.0\nfor i in range(300_000):\n    acc += np.random.rand() + random.random()', RSS],
  array: ['import numpy as np\nbig = np.ones(1 << 27)', 'big2 = big', RSS],
  frame: ['import numpy as np, pandas as pd\ncols = {f"c{i}": np.random.default_rng(i).random(1_250_000) for i in range(10)}', 'df = pd.DataFrame(cols)', 'df2 = df', RSS],
  small: [...Array.from({ length: 50 }, (_, i) => `v${i} = ${i} + 1`), RSS],
};

function write(name, sources) {
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `b${i}`, metadata: {}, outputs: [], source }));
  writeFileSync(join(work, `${name}.ipynb`), JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' } }, nbformat: 4, nbformat_minor: 5 }));
}

/** Runs once into a fresh database; returns per-cell seconds, kernel max RSS (KiB) and the database size. */
function run(name, mode) {
  const db = join(work, `${name}-${mode}.sqlite`);
  rmSync(db, { force: true });
  const r = spawnSync(process.execPath, [bin, 'run', `${name}.ipynb`, '-q', '--capture', mode, '--db', db, '-o', join(work, 'out.ipynb')], { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} ${mode}: ${r.stderr}`);
  const conn = new Database(db);
  conn.pragma('wal_checkpoint(TRUNCATE)');
  const cells = conn.prepare('SELECT duration FROM nbprov_cell ORDER BY cell_index').all().map((c) => c.duration);
  const rss = Number(conn.prepare("SELECT outputs FROM nbprov_cell ORDER BY cell_index DESC LIMIT 1").get().outputs.replace('stdout: ', ''));
  conn.close();
  return { cells, rss, bytes: statSync(db).size };
}

for (const [name, sources] of Object.entries(notebooks)) write(name, sources);
const results = {};
for (const name of Object.keys(notebooks)) {
  const samples = { vars: [], cells: [] };
  for (let i = 0; i < reps; i++) for (const mode of i % 2 ? ['cells', 'vars'] : ['vars', 'cells']) samples[mode].push(run(name, mode));
  const minCell = (mode, index) => Math.min(...samples[mode].map((s) => s.cells[index]));
  results[name] = { samples, minCell, rss: (mode) => Math.min(...samples[mode].map((s) => s.rss)), bytes: (mode) => samples[mode][0].bytes };
}

const ms = (s) => `${(s * 1000).toFixed(1)} ms`;
console.log(`nbprov capture bench: --capture vars vs cells, real kernel, min of ${reps} interleaved runs, ${new Date().toISOString()}`);
for (const [name, label] of [['loop', '10^6-iteration loop cell'], ['calls', 'notebook function called 300,000 times'], ['draws', '300,000 draws from two random states']]) {
  const r = results[name];
  const v = r.minCell('vars', 1);
  const c = r.minCell('cells', 1);
  console.log(`${label.padEnd(40)} vars ${ms(v).padStart(9)}  cells ${ms(c).padStart(9)}  ratio ${(v / c).toFixed(3)}×`);
  console.log(`${''.padEnd(40)} kernel max RSS ratio ${(r.rss('vars') / r.rss('cells')).toFixed(3)}×   DB growth vs cells ${((r.bytes('vars') - r.bytes('cells')) / 1024).toFixed(0)} KiB`);
}
const a = results.array;
console.log(`${'1 GiB array: big = np.ones(1 << 27)'.padEnd(40)} vars ${ms(a.minCell('vars', 1 - 1))}  cells ${ms(a.minCell('cells', 0))}  added ${ms(a.minCell('vars', 0) - a.minCell('cells', 0))}`);
console.log(`${'1 GiB array alias: big2 = big'.padEnd(40)} vars ${ms(a.minCell('vars', 1))}  cells ${ms(a.minCell('cells', 1))}  added ${ms(a.minCell('vars', 1) - a.minCell('cells', 1))}`);
const f = results.frame;
console.log(`${'100 MB DataFrame: df = pd.DataFrame(cols)'.padEnd(40)} vars ${ms(f.minCell('vars', 1))}  cells ${ms(f.minCell('cells', 1))}  added ${ms(f.minCell('vars', 1) - f.minCell('cells', 1))}`);
console.log(`${'100 MB DataFrame alias: df2 = df'.padEnd(40)} vars ${ms(f.minCell('vars', 2))}  cells ${ms(f.minCell('cells', 2))}  added ${ms(f.minCell('vars', 2) - f.minCell('cells', 2))}`);
const s = results.small;
const perCell = (mode) => {
  const per = Array.from({ length: 50 }, (_, i) => s.minCell(mode, i));
  return per.reduce((x, y) => x + y, 0) / per.length;
};
console.log(`${'small cell (v = i + 1), mean of 50'.padEnd(40)} vars ${ms(perCell('vars'))}  cells ${ms(perCell('cells'))}  added ${ms(perCell('vars') - perCell('cells'))}`);
rmSync(work, { recursive: true, force: true });
// The fingerprint alone, outside a kernel: the numbers behind the "added" times above.
const fingerprints = spawnSync('/usr/bin/python3', [join(dirname(fileURLToPath(import.meta.url)), 'fingerprint.py'), String(reps)], { encoding: 'utf8' });
process.stdout.write(fingerprints.status === 0 ? fingerprints.stdout : `bench/fingerprint.py failed: ${fingerprints.stderr}`);
