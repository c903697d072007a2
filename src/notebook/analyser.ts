import { spawnSync } from 'node:child_process';
import { packageFile } from '../package-root.js';

/** The analyser's commands (src/notebook/analyser/__main__.py): the `-p` check, and the statements `slice` keeps. */
export type AnalyserCommand = 'flow' | 'statements';

const ANALYSER = packageFile('src/notebook/analyser');
const TIMEOUT_MS = 10_000;

/**
 * Answers `request` with the analyser's `command`, run by `python` in a short-lived interpreter (`-I -S`: no site,
 * ~15 ms). Throws an Error saying why when the interpreter cannot run or answer.
 */
export function runAnalyser(python: string, command: AnalyserCommand, request: unknown): unknown {
  const r = spawnSync(python, ['-I', '-S', ANALYSER, command], { input: JSON.stringify(request), encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`${python}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`);
  if (r.status !== 0) throw new Error(`${python} exited with ${r.status ?? r.signal}: ${r.stderr.trim().split('\n').pop()}`);
  return JSON.parse(r.stdout);
}
