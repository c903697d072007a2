import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';
import type { Statement } from '../graph/slice-plan.js';
import { runAnalyser } from './analyser.js';


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
