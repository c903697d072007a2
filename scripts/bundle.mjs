// Bundles the CLI into dist/bundle/ with esbuild: the entry plus one chunk per lazily imported command, so a query
// loads a handful of files instead of resolving ~200 ES modules (process start-up dominated `nbprov deps`).
// tsc still type-checks and compiles dist/ for the tests; bin/nbprov.js runs the bundle.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true }); // chunk names are content hashes: drop stale ones

await build({
  entryPoints: ['src/cli/main.ts'],
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // native (better-sqlite3) or only ever loaded by `run`, where start-up is not the cost
  external: ['better-sqlite3', '@jupyterlab/services', 'ws'],
  // the CommonJS dependencies (commander, graphology, cli-table3) require Node built-ins
  banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  logLevel: 'warning',
});
