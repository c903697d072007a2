// Times `nbprov deps` on the synthetic lineage trial of bench/gen-lineage-db.mjs (generated first when DIR has no
// database: about 3 minutes). For ancestries of growing size and depth it reports the wall time of the real CLI
// (process start included, best and median of N), its max RSS and the time of the command's handler alone, beside
// `node -e 0`, the start-up floor of the machine at that moment.
//   npm run build && node bench/deps.mjs [DIR] [--reps 5]
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { generate, TRIAL_ID } from './gen-lineage-db.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'nbprov.cjs');
const args = process.argv.slice(2);
const reps = Number(args[args.indexOf('--reps') + 1] || 5) || 5;
const given = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--reps');
const dir = given ? resolve(given) : mkdtempSync(join(tmpdir(), 'nbprov-lineage-'));
const dbPath = join(dir, '.noworkflow', 'db.sqlite');
if (!existsSync(dbPath)) {
  console.log(`generating ${dbPath} …`);
  const out = generate(dir);
  console.log(`  ${out.evaluations} evaluations, ${out.dependencies} dependencies`);
}

const cases = pickCases(dbPath);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const rows = [['case', 'versions', 'edges', 'cli best', 'cli median', 'max RSS', 'handler']];
// Node's own start-up on this machine, at the same moment: the floor under every row.
rows.push(['node -e 0', '', '', ...wall(['-e', '0']), '']);
rows.push(['nbprov --version', '', '', ...wall([bin, '--version']), '']);
for (const c of cases) {
  const cli = wall([bin, 'deps', ...c.args, '--db', dbPath]);
  const handlerMs = inProcess(c.args);
  rows.push([c.label, String(c.versions), String(c.edges), cli[0], cli[1], cli[2], `${handlerMs.toFixed(0)} ms`]);
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
for (const r of rows) console.log(r.map((cell, i) => String(cell ?? '').padEnd(widths[i])).join('  '));
console.log(`\n${reps} repetitions each; machine load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);

/** Wall time (best, median) and max RSS of `node ARGS` over `reps` runs. */
function wall(argv) {
  const times = [];
  let rss = 0;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const r = TIME
      ? spawnSync(TIME, ['-f', '%M', process.execPath, ...argv], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(process.execPath, argv, { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30 });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`node ${argv.join(' ')} failed: ${r.stderr}`);
    if (TIME) rss = Math.max(rss, Number(r.stderr.trim().split('\n').pop()));
  }
  times.sort((a, b) => a - b);
  return [`${times[0].toFixed(0)} ms`, `${times[Math.floor(times.length / 2)].toFixed(0)} ms`, TIME ? `${(rss / 1024).toFixed(0)} MB` : '?'];
}

function inProcess(argv) {
  const script = `
    const { handler } = await import(${JSON.stringify(join(root, 'dist/src/cli/deps.js'))});
    const [variable, ...rest] = ${JSON.stringify(argv)};
    const flags = { db: ${JSON.stringify(dbPath)}, depth: rest.includes('--depth') ? Number(rest[rest.indexOf('--depth') + 1]) : undefined, json: rest.includes('--json') };
    let best = Infinity;
    for (let i = 0; i < ${reps}; i++) { const t = performance.now(); handler(variable, flags); best = Math.min(best, performance.now() - t); }
    console.log(best);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return Number(r.stdout.trim());
}

/** Versions of lane 0 (one pipeline of the 100) at growing positions: their ancestries are that long. */
function pickCases(path) {
  const db = new Database(path, { readonly: true });
  const lane = db
    .prepare("SELECT evaluation_id AS id, name FROM nbprov_value WHERE trial_id = ? AND name LIKE 'lane0\\_%' ESCAPE '\\' ORDER BY evaluation_id")
    .all(TRIAL_ID);
  const versionOf = db.prepare('SELECT COUNT(*) FROM nbprov_value WHERE trial_id = ? AND name = ? AND evaluation_id <= ?').pluck();
  const out = [];
  for (const position of [100, 1000, lane.length - 1]) {
    const { id, name } = lane[position];
    const spec = `${name}@v${versionOf.get(TRIAL_ID, name, id)}`;
    const size = db
      .prepare(
        `WITH RECURSIVE reach(id) AS (SELECT ? UNION SELECT d.dependency_id FROM reach CROSS JOIN dependency d ON d.trial_id = ? AND d.dependent_id = reach.id)
         SELECT (SELECT COUNT(*) FROM reach) AS versions, (SELECT COUNT(*) FROM reach CROSS JOIN dependency d ON d.trial_id = ? AND d.dependent_id = reach.id) AS edges`,
      )
      .get(id, TRIAL_ID, TRIAL_ID);
    out.push({ label: `deps ${spec}`, args: [spec], ...size });
    if (position === lane.length - 1) {
      out.push({ label: `deps ${spec} --json`, args: [spec, '--json'], ...size });
      out.push({ label: `deps ${spec} --depth 10`, args: [spec, '--depth', '10'], versions: '≤', edges: '' });
    }
  }
  db.close();
  return out;
}
