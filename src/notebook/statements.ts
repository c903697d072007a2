import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import { runAnalyser } from './analyser.js';

/**
 * One top-level statement: its 1-based first and last lines, and what it may do that no recorded version shows.
 * `effect`: `random` calls into a module's random-number state (`np.random.seed(42)`, `np.random.randn(3)`),
 * `call` is a bare call whose result is dropped (run for its effect: `np.fill_diagonal(X, 0)`), `display` a bare call
 * that only shows something (`print(x)`, `df.head()`, `plt.plot(...)`).
 */
export interface Statement {
  first: number;
  last: number;
  effect: 'random' | 'call' | 'display' | null;
  /** Names it reads. */
  loads: string[];
  /** Names whose methods it calls (`rng.normal()` → rng), modules left out. */
  receivers: string[];
}

/** The statements of one cell, or null for a cell Python cannot parse (magics). */
export type CellStatements = Statement[] | null;

/**
 * The top-level statements of each source, from `python3`'s ast module in one process; sources in the order they
 * ran (imports carry over). Returns undefined when no python3 can be run, so callers can fall back to whole cells.
 */
export function topLevelStatements(sources: string[], python = process.env.NBPROV_PYTHON ?? DEFAULT_SYSTEM_PYTHON): CellStatements[] | undefined {
  try {
    return runAnalyser(python, 'statements', sources) as CellStatements[];
  } catch {
    return undefined;
  }
}

/**
 * The statements of `source` that hold one of `lines`, verbatim, with what lies between two kept neighbours.
 * Returns the source itself when every statement is kept, undefined when none is.
 */
export function keepStatements(source: string, spans: [number, number][], lines: ReadonlySet<number>): string | undefined {
  const keep = spans.map(([first, last]) => [...lines].some((l) => l >= first && l <= last));
  if (!keep.includes(true)) return undefined;
  if (!keep.includes(false)) return source;
  const text = source.split('\n');
  const runs: [number, number][] = [];
  spans.forEach(([first, last], i) => {
    if (!keep[i]) return;
    if (i > 0 && keep[i - 1]) runs[runs.length - 1][1] = last;
    else runs.push([first, last]);
  });
  return runs.map(([first, last]) => text.slice(first - 1, last).join('\n')).join('\n');
}
