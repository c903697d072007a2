import { spawnSync } from 'node:child_process';

// Python's own parser: a hand-written splitter would get continuation lines, strings and decorators wrong.
const SPLIT = `
import ast, json, sys
out = []
for source in json.load(sys.stdin):
    try:
        body = ast.parse(source).body
    except SyntaxError:
        out.append(None)
        continue
    out.append([[min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])]), s.end_lineno] for s in body])
print(json.dumps(out))
`;

/** 1-based first and last line of each top-level statement, or null for a cell Python cannot parse (magics). */
export type StatementSpans = [number, number][] | null;

/**
 * The top-level statements of each source, from `python3`'s ast module in one process. Returns undefined when no
 * python3 can be run, so callers can fall back to whole cells.
 */
export function topLevelStatements(sources: string[], python = process.env.NBPROV_PYTHON ?? 'python3'): StatementSpans[] | undefined {
  const r = spawnSync(python, ['-c', SPLIT], { input: JSON.stringify(sources), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || r.error) return undefined;
  try {
    return JSON.parse(r.stdout) as StatementSpans[];
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
