// Bundles the CLI with esbuild into one CommonJS file, dist/bundle/nbprov.cjs. Each command's modules stay behind
// lazily run module wrappers (main.ts imports them on demand), and CommonJS skips the ES-module loader: `nbprov
// deps` starts in about 70 ms over Node's own start-up instead of ~100 from tsc's ~200 ES modules.
// tsc still type-checks and compiles dist/ for the tests; bin/nbprov.cjs runs the bundle.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/bundle/nbprov.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Left to require(): native (better-sqlite3), or used by a few commands only (the Jupyter client, YAML and the
  // progress bar by `run`, cli-table3 by show/cells/tags, diff by `diff`), so the start-up of every query does not
  // parse them. Bundled: commander, chalk and graphology, which the queries need.
  external: ['better-sqlite3', '@jupyterlab/services', 'ws', 'yaml', 'cli-progress', 'cli-table3', 'diff'],
  // the sources locate files through import.meta.url, which CommonJS spells __filename
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
