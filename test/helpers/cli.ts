import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const BIN = join(ROOT, 'bin/nbprov.cjs');
export const FIXTURES = join(ROOT, 'fixtures');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI in a child process. `killAfterMs` SIGKILLs a child that hangs, so that the test fails on
 * `signal` instead of keeping the test file (and the suite) waiting.
 */
export function nbprov(
  args: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; onSpawn?: (child: ChildProcess) => void; killAfterMs?: number },
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...opts.env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    opts.onSpawn?.(child);
    const hung = opts.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs) : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(hung);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the CLI and returns its stdout, failing the test unless it exits 0 with nothing on stderr. */
export async function nbprovOk(args: string[], cwd: string): Promise<string> {
  const r = await nbprov(args, { cwd });
  if (r.code !== 0 || r.stderr !== '') throw new Error(`nbprov ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A temp project directory holding copies of the named fixtures. */
export function project(...fixtures: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'nbprov-test-'));
  for (const f of fixtures) cpSync(join(FIXTURES, f), join(dir, f));
  return dir;
}

export function removeProject(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Opens a project's database read-only for assertions. */
export function openDb(dir: string, file = '.noworkflow/db.sqlite'): Database.Database {
  return new Database(join(dir, file), { readonly: true });
}

/** Rows of a read-only query on a project's database. */
export function query<T>(dir: string, sql: string, ...args: unknown[]): T[] {
  const db = openDb(dir);
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}

/** Pids of live processes whose command line or working directory mentions `dir` (servers, kernels). */
export function processesUsing(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if ((cmdline.includes(dir) || cwd.startsWith(dir)) && /python|jupyter/.test(cmdline)) found.push(`${pid}: ${cmdline.trim()}`);
    } catch {
      // process ended while we looked
    }
  }
  return found;
}

/** Waits until no process uses `dir`, up to `ms`; returns what is left. */
export async function waitNoProcesses(dir: string, ms = 5000): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = processesUsing(dir);
  while (left.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = processesUsing(dir);
  }
  return left;
}

export const TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/;

/** Writes a notebook of code cells (ids `c0`, `c1`, ...) with the python3 kernelspec. */
export function writeNotebook(dir: string, name: string, sources: string[], metadata: Record<string, unknown> = {}): void {
  const cells = sources.map((source, i) => ({ cell_type: 'code', execution_count: null, id: `c${i}`, metadata: {}, outputs: [], source }));
  writeFileSync(join(dir, name), JSON.stringify({ cells, metadata: { kernelspec: { name: 'python3', display_name: 'Python 3' }, ...metadata }, nbformat: 4, nbformat_minor: 5 }));
}

/**
 * Calls `action` once `path` exists (a cell creates it to say it is running), polling every 50 ms; `action`
 * returns false to be called again on the next poll. Returns a function that stops polling.
 */
export function whenExists(path: string, action: () => boolean | void): () => void {
  const poll = setInterval(() => {
    if (existsSync(path) && action() !== false) clearInterval(poll);
  }, 50);
  return () => clearInterval(poll);
}
