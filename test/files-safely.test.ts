import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { nbprov, project, removeProject, ROOT } from './helpers/cli.js';

// Files nbprov writes (-o, tag/untag, slice) replace only what they are meant to, keep mode, owner and links,
// and cannot be redirected by a planted symlink (issue #13).
const { writeFileAtomic } = (await import(join(ROOT, 'dist/src/notebook/write.js'))) as { writeFileAtomic: (path: string, text: string) => void };
const isRoot = process.getuid?.() === 0;

describe('writeFileAtomic', () => {
  let dir: string;
  before(() => {
    dir = project();
  });
  after(() => removeProject(dir));

  test('a symlinked target: the file it names is replaced, the link stays a link', () => {
    writeFileSync(join(dir, 'real.txt'), 'old');
    symlinkSync('real.txt', join(dir, 'link.txt'));
    writeFileAtomic(join(dir, 'link.txt'), 'new');
    assert.equal(readlinkSync(join(dir, 'link.txt')), 'real.txt');
    assert.equal(readFileSync(join(dir, 'real.txt'), 'utf8'), 'new');
  });

  // A null device of the test's own (mknod), never /dev/null itself: a regression would replace it with a file.
  test('a target that is not a regular file is written in place: a null device stays a character device', { skip: !isRoot && 'mknod needs root' }, () => {
    const devNull = join(dir, 'null');
    assert.equal(spawnSync('mknod', ['-m', '666', devNull, 'c', '1', '3']).status, 0);
    writeFileAtomic(devNull, 'discarded');
    assert.ok(statSync(devNull).isCharacterDevice());
  });

  test('a FIFO is written in place, not replaced by a file', async () => {
    const fifo = join(dir, 'pipe');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d) => (got += d));
    const done = new Promise((r) => reader.on('close', r));
    writeFileAtomic(fifo, 'through the pipe');
    await done;
    assert.equal(got, 'through the pipe');
    assert.ok(lstatSync(fifo).isFIFO());
  });

  test('mode is kept (0600 stays 0600), and a new file gets 0666 minus the umask', () => {
    const file = join(dir, 'private.txt');
    writeFileSync(file, 'old');
    chmodSync(file, 0o600);
    writeFileAtomic(file, 'new');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    writeFileAtomic(join(dir, 'fresh.txt'), 'x');
    assert.equal(statSync(join(dir, 'fresh.txt')).mode & 0o777, 0o666 & ~process.umask());
  });

  test('as root, another user\'s file keeps its owner and mode', { skip: !isRoot && 'needs root' }, () => {
    const file = join(dir, 'theirs.txt');
    writeFileSync(file, 'old');
    chownSync(file, 1234, 1235);
    chmodSync(file, 0o664);
    writeFileAtomic(file, 'new');
    const st = statSync(file);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [1234, 1235, 0o664]);
  });

  test('a symlink planted at the old predictable temp name is not followed', () => {
    const victim = join(dir, 'victim.txt');
    writeFileSync(victim, 'precious');
    const target = join(dir, 'out.ipynb');
    symlinkSync(victim, `${target}.nbprov-${process.pid}.tmp`);
    writeFileAtomic(target, 'notebook');
    assert.equal(readFileSync(victim, 'utf8'), 'precious');
    assert.equal(readFileSync(target, 'utf8'), 'notebook');
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('nbprov-tmp')), [], 'no temp file left');
  });
});

describe('tag/untag keep the notebook file as it was', () => {
  let dir: string;
  before(() => {
    dir = project('wine.ipynb');
  });
  after(() => removeProject(dir));
  const run = (...args: string[]) => nbprov(args, { cwd: dir });

  test('a 0600 notebook stays 0600', async () => {
    chmodSync(join(dir, 'wine.ipynb'), 0o600);
    const r = await run('tag', 'cell', '4', 'data-reading', 'wine.ipynb');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(join(dir, 'wine.ipynb')).mode & 0o777, 0o600);
    assert.equal((await run('untag', 'cell', '4', 'wine.ipynb')).code, 0);
  });

  test('a symlinked notebook stays a symlink; its target gets the tag', async () => {
    symlinkSync('wine.ipynb', join(dir, 'linked.ipynb'));
    const r = await run('tag', 'cell', '4', 'data-reading', 'linked.ipynb');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readlinkSync(join(dir, 'linked.ipynb')), 'wine.ipynb');
    assert.match(readFileSync(join(dir, 'wine.ipynb'), 'utf8'), /"data-reading"/);
    assert.equal((await run('untag', 'cell', '4', 'linked.ipynb')).code, 0);
  });

  test('a read-only notebook is refused (exit 2), even as root, and left untouched', async () => {
    const before = readFileSync(join(dir, 'wine.ipynb'), 'utf8');
    chmodSync(join(dir, 'wine.ipynb'), 0o444);
    try {
      const r = await run('tag', 'cell', '4', 'data-reading', 'wine.ipynb');
      assert.equal(r.code, 2);
      assert.equal(r.stderr, 'nbprov: wine.ipynb is read-only; nothing was written\n  hint: make it writable (chmod u+w) if the change is wanted\n');
      assert.equal(readFileSync(join(dir, 'wine.ipynb'), 'utf8'), before);
    } finally {
      chmodSync(join(dir, 'wine.ipynb'), 0o644);
    }
  });

  test('a live editor\'s lock refuses (exit 2); a dead one\'s lock is taken over', async () => {
    const lock = join(dir, 'wine.ipynb.nbprov-lock');
    writeFileSync(lock, String(process.pid));
    let r = await run('tag', 'cell', '4', 'data-reading', 'wine.ipynb');
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`^nbprov: wine\\.ipynb is being edited by another nbprov \\(pid ${process.pid}\\); nothing was written\n`));
    writeFileSync(lock, '999999999');
    r = await run('tag', 'cell', '4', 'data-reading', 'wine.ipynb');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('nbprov-lock')), []);
  });
});
