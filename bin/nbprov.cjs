#!/usr/bin/env node
'use strict';
// Runs the esbuild bundle of src/cli/main.ts (scripts/bundle.mjs), from a V8 code cache when there is one:
// compiling the 1 MB bundle and the functions a command calls is 20-30 ms of each command's start-up.
// One cache per command, written when its first run exits 0 (replacing earlier builds' caches), in the user's
// own cache directory ($XDG_CACHE_HOME or ~/.cache, mode 0700: not a shared temp directory someone else could
// write to). Its name carries the sha1 of the bundle's path and of its content, because V8 checks only the source's
// length, and Node's version;
// V8 rejects data from other flags or builds, which is then rewritten. A cache in use is touched once a day, and a
// write removes caches untouched for STALE_DAYS: those of checkouts, builds and Node versions gone since (a temp
// clone per test run left hundreds). NBPROV_NO_CODE_CACHE=1 runs without it.
const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { homedir } = require('node:os');
const { dirname, join, resolve } = require('node:path');
const { Script } = require('node:vm');

const bundle = resolve(__dirname, '../dist/bundle/nbprov.cjs');
const DAY_MS = 86_400_000;
const STALE_DAYS = 14;

if (process.env.NBPROV_NO_CODE_CACHE) {
  require(bundle);
} else {
  const source = readFileSync(bundle, 'utf8');
  const command = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
  const sha1 = (text) => require('node:crypto').createHash('sha1').update(text).digest('hex');
  // Keyed by the bundle's path too: a cache carries the file name that stack traces (--debug) show, and two
  // checkouts keep a cache each.
  const where = sha1(bundle).slice(0, 8);
  const hash = sha1(source).slice(0, 16);
  const dir = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'nbprov');
  const name = /^[a-z]{1,16}$/.test(command) ? command : 'other';
  const file = join(dir, `${name}-${where}-${hash}-${process.version}-${process.arch}.v8`);
  let cachedData;
  try {
    cachedData = readFileSync(file);
  } catch {
    // first run of this command with this build
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, { filename: bundle, cachedData });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', (code) => {
      if (code !== 0) return;
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const temp = `${file}.${process.pid}`;
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, file);
        // one file per command and checkout: the caches of its earlier builds go, and any cache long unused
        for (const old of readdirSync(dir)) {
          const path = join(dir, old);
          if (path === file || !/\.v8(\.\d+)?$/.test(old)) continue;
          const touched = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
          if (old.startsWith(`${name}-${where}-`) || Date.now() - touched > STALE_DAYS * DAY_MS) rmSync(path, { force: true });
        }
      } catch {
        // an unwritable cache directory only means no cache: the next run compiles again
      }
    });
  } else {
    try {
      const now = Date.now();
      if (now - statSync(file).mtimeMs > DAY_MS) utimesSync(file, now / 1000, now / 1000);
    } catch {
      // a read-only cache stays as it is
    }
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}
