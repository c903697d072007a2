// Bundles the CLI with esbuild into one CommonJS file, dist/bundle/nbprov.cjs. Each command's modules stay behind
// lazily run module wrappers (main.ts imports them on demand), and CommonJS skips the ES-module loader: `nbprov
// deps` ran in about 75 ms over Node's own start-up, where tsc's ~200 ES modules took about 140 (about 50 now that
// bin/nbprov.cjs runs the bundle from a V8 code cache). tsc still type-checks and compiles dist/ for the tests.
import { readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'esbuild';

// commander requires node:child_process at load, for executable subcommands nbprov never has: ~9 ms of every
// command's start-up. It gets a stand-in that loads the real module on first use; nbprov's own imports are untouched.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: resolve('scripts/lazy-child-process.cjs') } : undefined,
    );
  },
};

rmSync('dist/bundle', { recursive: true, force: true });
await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/bundle/nbprov.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Everything bundled, the libraries only `run` and `sweep` use included (the Jupyter client, ws, YAML, the
  // progress bar): left to require() they took ~65 ms of `run`'s start-up to resolve and compile, all before the
  // server could be spawned, and bin/nbprov.cjs's code cache covers them once bundled. Every other command pays
  // ~2-4 ms for the larger file. Left out: ws's optional native add-ons, which it requires inside try/catch.
  // better-sqlite3's compiled addon is loaded from node_modules (src/store/db.ts says where).
  external: ['bufferutil', 'utf-8-validate'],
  // the sources locate files through import.meta.url, which CommonJS spells __filename
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [lazyChildProcess],
  // whitespace and syntax only: function names stay readable in --debug stack traces
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

// bin/nbprov.cjs runs the bundle through vm.Script (for its code cache), where import() of a module left to Node
// fails at run time ("A dynamic import callback was not specified"): externals must be imported statically.
const dynamic = /\bimport\(\s*["'`]([^"'`]+)/.exec(readFileSync('dist/bundle/nbprov.cjs', 'utf8'));
if (dynamic) throw new Error(`dist/bundle/nbprov.cjs imports '${dynamic[1]}' dynamically; import it statically`);

// The report page's browser code and stylesheet, which html.ts inlines into every report (under CSP hashes): one
// minified script with Chart.js and dagre inside (their licence comments kept at its end), so the page needs no network.
await build({
  entryPoints: { page: 'src/report/page/main.ts' },
  outdir: 'dist/bundle/report',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: true,
  logLevel: 'warning',
});
await build({
  entryPoints: { page: 'src/report/page/page.css' },
  outdir: 'dist/bundle/report',
  bundle: true,
  minify: true,
  logLevel: 'warning',
});
const pageScript = readFileSync('dist/bundle/report/page.js', 'utf8');
// The page runs under a CSP without 'unsafe-eval': a library that builds code from strings would fail in every report.
if (/\bnew Function\s*\(|\beval\s*\(/.test(pageScript)) throw new Error('dist/bundle/report/page.js uses eval or new Function, which the report CSP forbids');
// html.ts inlines both files as they are (their CSP hashes are of these exact bytes): nothing in them may end their element.
if (/<\/script|<!--/i.test(pageScript)) throw new Error('dist/bundle/report/page.js contains </script or <!--, which would break out of its inline <script>');
if (/<\/style/i.test(readFileSync('dist/bundle/report/page.css', 'utf8'))) throw new Error('dist/bundle/report/page.css contains </style');
