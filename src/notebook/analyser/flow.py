"""Where a notebook's top-level statements read and bind the names given as -p parameters.

The `flow` command of the analyser (see __main__.py), run by src/notebook/cell-flow.ts before
anything starts: the request is {"names": [...], "cells": [{"index": n, "source": s}], "defaults":
n or null}; the answer {"cells": [{"index": n, "events": [[name, kind, line, text, top], ...],
"assigns": [[name, segment, line], ...], "binds": [name, ...]}]}.

Each top-level statement gives each name at most one event, in statement order:
- "read": the statement may read the module's name (any load, even in a function body it defines,
  `del`, `global`, `x += ...`): whatever value it holds then may matter. A load of a function's
  own parameter or local, or of a comprehension's variable, is not a read of the module's name;
- "write": the statement surely rebinds it without reading it first (`x = 7`, `x: int = 7`,
  `import x`, `def x`, `for x in ...`, `with ... as x`; a loop is taken to run at least once, so
  its body reads the loop's value: a read there is a "read" event after the "write");
- "maybe": it may rebind it (in a branch, in a loop's body, a walrus, an `except ... as`).
Reads are over-approximated and writes under-approximated (but for loops that run zero times), so
a "write" before any "read" proves an injected value dead. A line IPython would transform (a
magic, `!cmd`, `x?`) counts as a read of every name it mentions; a cell that still does not
parse, or a `%%` cell, reads every name it mentions. An event's line is that of the innermost
statement holding the first read (else of the top-level statement), its text is that
statement quoted on one line (see quoting.py), and "top" is the top-level statement's line.

"binds" lists the names any top-level statement of the cell may bind (for `run --stage/--only`).

"assigns" lists a cell's top-level assignments of the names (of every name, in the cell whose
index is given as "defaults"): each with the source text of the value it gets (`a, b = 1, 2`
pairs the elements), or null when that is not known.
"""
import ast
import re

from names import NameUse, unpacked
from quoting import quoted

MAGIC_LINE = re.compile(r"^\s*([%!?]|[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[%!])|\?\s*$")


def sure_binds(stmt):
    """Names a top-level statement binds on every path that completes it."""
    if isinstance(stmt, ast.Assign):
        return {n.id for t in stmt.targets for n in unpacked(t)}
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
        return {stmt.target.id}
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    return set()


def evaluated_before_binding(stmt, name):
    """The parts of a top-level statement that run before it surely binds `name`; None when it may not.
    A for loop counts as running its body at least once, so reads in the body see the loop's value."""
    if isinstance(stmt, (ast.For, ast.AsyncFor)):
        return [stmt.iter, stmt.target] if name in {n.id for n in unpacked(stmt.target)} else None
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        for i, item in enumerate(stmt.items):
            if item.optional_vars is not None and name in {n.id for n in unpacked(item.optional_vars)}:
                return [p for it in stmt.items[: i + 1] for p in (it.context_expr, it.optional_vars)]
        return None
    return [stmt] if name in sure_binds(stmt) else None


def mentions(text, names):
    return [n for n in names if re.search(r"(?<![\w.])%s\b" % re.escape(n), text)]


def parse(source, names):
    """The cell's module, and [(line, names read)] of the lines IPython would transform."""
    try:
        return ast.parse(source), []
    except SyntaxError:
        pass
    if source.lstrip().startswith("%%"):
        return None, [(1, mentions(source, names))]
    lines, magic = [], []
    for i, line in enumerate(source.split("\n"), 1):
        if MAGIC_LINE.search(line):
            magic.append((i, mentions(line, names)))
            line = line[: len(line) - len(line.lstrip())] + "pass"
        lines.append(line)
    try:
        return ast.parse("\n".join(lines)), magic
    except SyntaxError:
        return None, [(1, mentions(source, names))]


def events(source, names):
    module, magic = parse(source, names)
    lines = source.split("\n")
    found = [(line, n, "read", lines[line - 1].strip(), line) for line, ns in magic for n in ns]
    for stmt in module.body if module else []:
        seen = NameUse(stmt)
        seen.visit(stmt)
        for n in names:
            before = evaluated_before_binding(stmt, n)
            if before is not None:
                early = NameUse(stmt)
                for part in before:
                    early.visit(part)
                if n not in early.loads:
                    found.append((stmt.lineno, n, "write", quoted(lines, stmt), stmt.lineno))
                    if n not in seen.loads:
                        continue
                    # a loop's or a with's body reading the value the statement bound
            if n in seen.loads:
                inner = seen.loads[n]
                found.append((inner.lineno, n, "read", quoted(lines, inner), stmt.lineno))
            elif n in seen.binds:
                found.append((stmt.lineno, n, "maybe", quoted(lines, stmt), stmt.lineno))
    found.sort(key=lambda e: e[0])
    return [[n, kind, line, text, top] for line, n, kind, text, top in found], module


def defaults(source, module):
    out = []
    for stmt in module.body if module else []:
        if isinstance(stmt, ast.AnnAssign) and stmt.value is not None and isinstance(stmt.target, ast.Name):
            out.append([stmt.target.id, ast.get_source_segment(source, stmt.value), stmt.lineno])
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                out.extend(paired(source, target, stmt.value, stmt.lineno))
    return out


def paired(source, target, value, line):
    if isinstance(target, ast.Name):
        return [[target.id, ast.get_source_segment(source, value), line]]
    if (isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List))
            and len(target.elts) == len(value.elts)
            and not any(isinstance(e, ast.Starred) for e in target.elts + value.elts)):
        return [p for t, v in zip(target.elts, value.elts) for p in paired(source, t, v, line)]
    return [[n.id, None, line] for n in unpacked(target)]


def binds(source, module, names):
    """The names any top-level statement may bind, reading them first or not (`x = x * 2`, `x += 1`); a cell that
    does not parse binds every name it mentions."""
    if module is None:
        return mentions(source, names)
    found = set()
    for stmt in module.body:
        seen = NameUse(stmt)
        seen.visit(stmt)
        found |= seen.binds
    return sorted(found & set(names))


def answer(request):
    names = request["names"]
    out = {"cells": []}
    for cell in request["cells"]:
        found, module = events(cell["source"], names)
        assigns = defaults(cell["source"], module)
        if cell["index"] != request.get("defaults"):
            assigns = [a for a in assigns if a[0] in names]
        out["cells"].append({"index": cell["index"], "events": found, "assigns": assigns, "binds": binds(cell["source"], module, names)})
    return out
