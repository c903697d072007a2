import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURE_MODES, REPR_LIMIT, type CaptureMode } from '../limits.js';
import { packageFile } from '../package-root.js';
import type { CellCapture } from '../store/capture-writer.js';

export { CAPTURE_MODES, type CaptureMode };

export interface CollectorOptions {
  capture: CaptureMode;
  loopBudget: number;
  redact: boolean;
  /** Where the kernel may keep the collector's compiled modules (bootstrap.py); only for a kernel on this machine. */
  codeCacheDir?: string;
}

export interface CapturedModule {
  name: string;
  version: string | null;
  path: string | null;
}

/** Everything the collector saw during one cell; drained once per cell through `user_expressions`. */
export interface CapturePayload extends CellCapture {
  cell_id: string | null;
  modules: CapturedModule[];
  errors: number;
  first_error: string | null;
  truncated: boolean;
  /** String values found secret since the last drain (absent from older collectors): masked in stored outputs. */
  secrets?: string[];
}

const COLLECTOR_DIR = packageFile('src/capture/collector/');
const BOOTSTRAP = 'bootstrap.py';

/** The user expression that drains the collector after each cell (evaluated, never transformed). */
export const DRAIN_EXPRESSION = '__nbprov__.drain()';

/**
 * The user expression that installs the collector in a fresh kernel and evaluates to the kernel's environment:
 * `bootstrap.py`, run in a globals dict of its own (so no name lands in the user namespace), with the source of
 * every other module of the collector package, since a remote kernel cannot import from our directory. Reads the
 * files on each call. The config carries every limit the collector applies (src/limits.ts): it has no defaults of
 * its own.
 *
 * An expression rather than cell code: ipykernel names every cell's code after a murmur hash computed in pure
 * Python, ~27 ms for these 170 KB, where an expression is only compiled.
 */
export function installExpression(opts: CollectorOptions): string {
  const config = JSON.stringify({
    capture: opts.capture,
    capture_modes: CAPTURE_MODES,
    loop_budget: opts.loopBudget,
    repr_limit: REPR_LIMIT,
    redact: opts.redact,
    ...fingerprintBudget(),
  });
  const sources: Record<string, string> = {};
  for (const file of readdirSync(COLLECTOR_DIR).filter((f) => f.endsWith('.py') && f !== BOOTSTRAP).sort()) {
    sources[file.slice(0, -'.py'.length)] = readFileSync(join(COLLECTOR_DIR, file), 'utf8');
  }
  const bootstrap = readFileSync(join(COLLECTOR_DIR, BOOTSTRAP), 'utf8');
  const sourcesJson = JSON.stringify(sources);
  const codeCache = opts.codeCacheDir ? JSON.stringify({ dir: opts.codeCacheDir, key: createHash('sha256').update(sourcesJson).digest('hex').slice(0, 16) }) : 'None';
  // JSON strings and objects of strings are also Python literals; the config stays JSON text that the bootstrap
  // parses, since JSON's true/false/null are not Python literals. The tuple runs the install, then reads the
  // environment from the __nbprov__ it left in builtins.
  return (
    `(exec(compile(${JSON.stringify(bootstrap)}, "<nbprov-bootstrap>", "exec", dont_inherit=True), ` +
    `{"SOURCES": ${sourcesJson}, "CONFIG": ${JSON.stringify(config)}, "CODE_CACHE": ${codeCache}}), __nbprov__.environment())[1]`
  );
}

/**
 * `$NBPROV_FP_BUDGET`: the bytes the collector may read to fingerprint one value's content (default in
 * content.py, 128 MiB); a value over it is marked sampled. Lets tests make "too large" small.
 */
function fingerprintBudget(): { fp_budget?: number } {
  const budget = Number(process.env.NBPROV_FP_BUDGET);
  return process.env.NBPROV_FP_BUDGET && Number.isInteger(budget) && budget >= 0 ? { fp_budget: budget } : {};
}

/**
 * Extracts the JSON a user expression returned (an `IPython.display.JSON` mime bundle); undefined when the
 * expression failed or was not evaluated (the kernel skips user_expressions after an error).
 */
export function decodeExpression<T>(userExpressions: Record<string, unknown>, key: string): T | undefined {
  const entry = userExpressions[key] as { status?: string; data?: Record<string, unknown> } | undefined;
  if (!entry || entry.status !== 'ok') return undefined;
  return entry.data?.['application/json'] as T | undefined;
}

/** The error a user expression raised; undefined when it succeeded or was not evaluated. */
export function expressionFailure(userExpressions: Record<string, unknown>, key: string): { ename?: string; evalue?: string } | undefined {
  const entry = userExpressions[key] as { status?: string; ename?: string; evalue?: string } | undefined;
  return entry && entry.status === 'error' ? entry : undefined;
}

/** Describes a failed user expression, for the trial's error counter. */
export function expressionError(userExpressions: Record<string, unknown>, key: string): string | undefined {
  const failure = expressionFailure(userExpressions, key);
  return failure ? `${failure.ename}: ${failure.evalue}` : undefined;
}
