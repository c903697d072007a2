import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { nbprov, project, removeProject, ROOT } from './helpers/cli.js';

describe("bin/nbprov.cjs: the bundle's V8 code cache", () => {
  test('one file per command after a run that exits 0, private to the user, reused; a corrupt one is replaced', async () => {
    const dir = project();
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    const cache = join(dir, 'cache', 'nbprov');
    try {
      const first = await nbprov(['--version'], { cwd: dir, env });
      assert.equal(first.code, 0, first.stderr);
      const failed = await nbprov(['list'], { cwd: dir, env });
      assert.equal(failed.code, 2, 'no database here');
      const files = readdirSync(cache);
      assert.equal(files.length, 1, 'only the command that succeeded');
      assert.match(files[0], new RegExp(`^other-[0-9a-f]{8}-[0-9a-f]{16}-${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8$`));
      assert.equal(statSync(cache).mode & 0o777, 0o700);
      assert.equal(statSync(join(cache, files[0])).mode & 0o777, 0o600);
      const written = readFileSync(join(cache, files[0]));
      assert.ok(written.length > 10_000);

      const again = await nbprov(['--version'], { cwd: dir, env });
      assert.deepEqual([again.code, again.stdout, again.stderr], [0, first.stdout, '']);
      assert.deepEqual(readFileSync(join(cache, files[0])), written, 'accepted, so not rewritten');

      writeFileSync(join(cache, files[0]), 'not V8 code cache data');
      const corrupt = await nbprov(['--version'], { cwd: dir, env });
      assert.deepEqual([corrupt.code, corrupt.stdout, corrupt.stderr], [0, first.stdout, '']);
      assert.ok(readFileSync(join(cache, files[0])).length > 10_000, 'rejected by V8, then rewritten');
      assert.deepEqual(readdirSync(cache), files, 'no temp file left');

      const earlierBuild = files[0].replace(/^(other-[0-9a-f]{8})-[0-9a-f]{16}/, '$1-0123456789abcdef');
      writeFileSync(join(cache, earlierBuild), 'an earlier build');
      writeFileSync(join(cache, files[0]), 'not V8 code cache data');
      await nbprov(['--version'], { cwd: dir, env });
      assert.deepEqual(readdirSync(cache), files, "a rewrite drops earlier builds' caches of the command");
    } finally {
      removeProject(dir);
    }
  });

  test('another checkout (same bundle, another path) gets its own cache, naming its own files, and keeps the first', async () => {
    const dir = project();
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    const cache = join(dir, 'cache', 'nbprov');
    try {
      const copy = join(dir, 'checkout');
      for (const part of ['package.json', 'bin', 'dist/bundle', 'node_modules/better-sqlite3']) cpSync(join(ROOT, part), join(copy, part), { recursive: true, dereference: true });
      assert.equal((await nbprov(['--version'], { cwd: dir, env })).code, 0);
      const first = readdirSync(cache);
      const r = spawnSync(process.execPath, [join(copy, 'bin/nbprov.cjs'), '--version'], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const both = readdirSync(cache);
      assert.equal(both.length, 2);
      assert.ok(first.every((f) => both.includes(f)));
    } finally {
      removeProject(dir);
    }
  });

  test("a write removes other checkouts' caches untouched for 14 days; a cache in use is touched daily", async () => {
    const dir = project();
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    const cache = join(dir, 'cache', 'nbprov');
    try {
      mkdirSync(cache, { recursive: true });
      const daysAgo = (days: number) => (Date.now() - days * 86_400_000) / 1000;
      const gone = 'list-0badc0de-0123456789abcdef-v18.0.0-x64.v8';
      const recent = 'list-0badc0de-0123456789abcdef-v18.1.0-x64.v8';
      const leftover = `${recent}.4242`;
      const foreign = 'notes.txt';
      for (const [file, days] of [[gone, 15], [recent, 13], [leftover, 15], [foreign, 30]] as const) {
        writeFileSync(join(cache, file), 'x');
        utimesSync(join(cache, file), daysAgo(days), daysAgo(days));
      }
      assert.equal((await nbprov(['--version'], { cwd: dir, env })).code, 0);
      const own = readdirSync(cache).filter((f) => f.startsWith('other-'));
      assert.equal(own.length, 1);
      assert.deepEqual(readdirSync(cache).sort(), [foreign, recent, own[0]].sort());

      utimesSync(join(cache, own[0]), daysAgo(2), daysAgo(2));
      assert.equal((await nbprov(['--version'], { cwd: dir, env })).code, 0);
      assert.ok(Date.now() - statSync(join(cache, own[0])).mtimeMs < 60_000, 'touched on use');
    } finally {
      removeProject(dir);
    }
  });

  test('NBPROV_NO_CODE_CACHE=1 runs the bundle directly and writes nothing', async () => {
    const dir = project();
    try {
      const r = await nbprov(['--version'], { cwd: dir, env: { XDG_CACHE_HOME: join(dir, 'cache'), NBPROV_NO_CODE_CACHE: '1' } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
      assert.deepEqual(readdirSync(dir), []);
    } finally {
      removeProject(dir);
    }
  });
});
