import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from '../helpers/cli.js';

// The collector's own unit tests run in a real in-process IPython under Debian's Python (see test_collector.py).
test('collector unit tests (python3 -m unittest, in-process IPython)', () => {
  const r = spawnSync('/usr/bin/python3', ['-m', 'unittest', 'discover', '-s', join(ROOT, 'test/capture'), '-p', 'test_*.py'], {
    encoding: 'utf8',
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: '1' },
    timeout: 300_000,
  });
  const summary = r.stderr.trim().split('\n').slice(-3).join(' | ');
  assert.equal(r.status, 0, r.stderr.slice(-4000));
  assert.match(r.stderr, /\nRan \d+ tests? in [\d.]+s\n\nOK/, summary);
});
