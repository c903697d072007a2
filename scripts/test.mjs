// Runs the suite with node's test runner: the compiled TypeScript tests, then the collector's Python tests
// (wrapped in test/capture/python.test.ts). Test files run two at a time: each starts its own Jupyter servers.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return name.endsWith('.test.js') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = find('dist/test').filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
