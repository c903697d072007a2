import { spawnSync } from 'node:child_process';
import type { Statement } from '../graph/slice-plan.js';
import { DEFAULT_SYSTEM_PYTHON } from '../system-python.js';

// Python's own parser: a hand-written splitter would get continuation lines, strings and decorators wrong. The
// sources come in the order the trial ran them, so the imports of one cell name the modules of the next.
const ANALYZE = `
import ast, json, sys
DISPLAY_NAMES = {"print", "display", "pprint", "repr", "str", "len", "type", "help", "dir", "id", "vars"}
DISPLAY_METHODS = {"head", "tail", "describe", "info", "show", "plot", "hist", "scatter", "bar", "barh", "imshow",
    "savefig", "legend", "set_title", "set_xlabel", "set_ylabel", "tight_layout", "to_string", "summary",
    "value_counts", "nunique", "unique", "print", "display"}
DISPLAY_MODULES = {"matplotlib", "seaborn", "plotly", "IPython", "logging", "pprint"}
SEEDS = {"seed", "manual_seed", "set_seed", "set_random_seed", "shuffle"}
aliases = {}

def parts_of(f):
    out = []
    while isinstance(f, ast.Attribute):
        out.append(f.attr)
        f = f.value
    if not isinstance(f, ast.Name):
        return None
    out.append(f.id)
    out.reverse()
    return aliases[out[0]].split(".") + out[1:] if out[0] in aliases else None

def receiver(f):
    if not isinstance(f, ast.Attribute):
        return None
    v = f.value
    while isinstance(v, (ast.Attribute, ast.Subscript, ast.Call)):
        v = v.func if isinstance(v, ast.Call) else v.value
    return v.id if isinstance(v, ast.Name) and v.id not in aliases else None

def global_random(full):
    # a module's random state (numpy.random.seed, random.shuffle, torch.manual_seed), not a generator made from it
    last = full[-1]
    return last in SEEDS or ("random" in full[:-1] and not last[:1].isupper() and last != "default_rng")

def is_display(call):
    f = call.func
    full = parts_of(f)
    if full is not None:
        return full[0] in DISPLAY_MODULES or (len(full) == 1 and full[0] in DISPLAY_NAMES)
    if isinstance(f, ast.Name):
        return f.id in DISPLAY_NAMES
    return isinstance(f, ast.Attribute) and f.attr in DISPLAY_METHODS

def statement(s):
    calls = [n for n in ast.walk(s) if isinstance(n, ast.Call)]
    value = s.value.value if isinstance(s, ast.Expr) and isinstance(s.value, ast.Await) else getattr(s, "value", None)
    effect = None
    if any(global_random(p) for p in (parts_of(c.func) for c in calls) if p):
        effect = "random"
    elif isinstance(s, ast.Expr) and isinstance(value, ast.Call):
        effect = "display" if is_display(value) else "call"
    loads = sorted({n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)})
    receivers = sorted({r for r in (receiver(c.func) for c in calls if not is_display(c)) if r})
    for n in ast.walk(s):
        if isinstance(n, ast.Import):
            for a in n.names:
                aliases[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
            for a in n.names:
                aliases[a.asname or a.name] = n.module + "." + a.name
    first = min([s.lineno] + [d.lineno for d in getattr(s, "decorator_list", [])])
    return {"first": first, "last": s.end_lineno, "effect": effect, "loads": loads, "receivers": receivers}

out = []
for source in json.load(sys.stdin):
    try:
        out.append([statement(s) for s in ast.parse(source).body])
    except Exception:     # SyntaxError (magics), ValueError (NUL bytes), RecursionError
        out.append(None)
print(json.dumps(out))
`;

/** One top-level statement: graph/ plans slices over this plain type. */
export type { Statement };

/** The statements of one cell, or null for a cell Python cannot parse (magics). */
export type CellStatements = Statement[] | null;

/**
 * The top-level statements of each source, from `python3`'s ast module in one process; sources in the order they
 * ran (imports carry over). Returns undefined when no python3 can be run, so callers can fall back to whole cells.
 */
export function topLevelStatements(sources: string[], python = process.env.NBPROV_PYTHON ?? DEFAULT_SYSTEM_PYTHON): CellStatements[] | undefined {
  const r = spawnSync(python, ['-I', '-S', '-c', ANALYZE], { input: JSON.stringify(sources), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0 || r.error) return undefined;
  try {
    return JSON.parse(r.stdout) as CellStatements[];
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
