// What the command benchmarks share: wall time of a fresh CLI, a command's own work in process, min and median.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** Wall time of `node ARGV` in `cwd`, `reps` times (a failing run throws). */
export function wall(cwd, argv, reps) {
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    times.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return stats(times);
}

/**
 * The command's own work in a fresh process (cold, as the CLI runs it), without Node's and the CLI's start-up:
 * `call` runs with `m` the compiled dist/src/cli/MODULE.
 */
export function inProcess(cwd, module, call, reps) {
  const script = `const m = await import(${JSON.stringify(join(here, '..', 'dist', 'src', 'cli', module))}); const t = performance.now(); ${call}; process.stdout.write(String(performance.now() - t));`;
  const times = [];
  for (let i = 0; i < reps; i++) {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(Number(r.stdout));
  }
  return stats(times);
}

export function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
}

export const ms = (s) => `min ${s.min.toFixed(0)} ms, median ${s.median.toFixed(0)} ms`;
