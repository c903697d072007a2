"""Where a notebook's top-level statements read and bind the names given as -p parameters.

Run by src/notebook/cell-flow.ts as `python -I -S cell_flow.py` before anything starts: stdin is
{"names": [...], "cells": [{"index": n, "source": s}], "defaults": n or null}; stdout is
{"cells": [{"index": n, "events": [[name, kind, line], ...], "assigns": [[name, segment, line], ...]}]}.

Each top-level statement gives each name at most one event, in statement order:
- "read": the statement may read the name (any load, even in a function body it defines, `del`,
  `global`, `x += ...`): whatever value it holds then may matter;
- "write": the statement surely rebinds it without reading it first (`x = 7`, `x: int = 7`,
  `import x`, `def x`);
- "maybe": it may rebind it (in a loop, a branch, a `with`, a walrus).
Reads are over-approximated and writes under-approximated, so a "write" before any "read" proves
an injected value dead. A line IPython would transform (a magic, `!cmd`, `x?`) counts as a read of
every name it mentions; a cell that still does not parse, or a `%%` cell, reads every name it
mentions.

"assigns" lists a cell's top-level assignments of the names (of every name, in the cell whose
index is given as "defaults"): each with the source text of the value it gets (`a, b = 1, 2`
pairs the elements), or null when that is not known.
"""
import ast
import json
import re
import sys

MAGIC_LINE = re.compile(r"^\s*([%!?]|[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[%!])|\?\s*$")


class Statement(ast.NodeVisitor):
    """The names one top-level statement loads, surely binds and may bind."""

    def __init__(self):
        self.loads, self.binds = set(), set()
        self.depth = 0                      # inside a def, lambda, class body or comprehension

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            if self.depth == 0:
                self.binds.add(node.id)
        else:                               # Load, Del
            self.loads.add(node.id)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.loads.add(node.target.id)
        self.generic_visit(node)

    def visit_Global(self, node):
        self.loads.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_NamedExpr(self, node):
        self.binds.add(node.target.id)      # binds the enclosing scope, even from a comprehension
        self.visit(node.value)

    def _scope(self, node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and self.depth == 0:
            self.binds.add(node.name)
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = visit_Lambda = _scope
    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _scope

    def _import(self, node):
        for alias in node.names:
            if alias.name != "*":
                self.binds.add((alias.asname or alias.name).split(".")[0])

    visit_Import = visit_ImportFrom = _import

    def visit_ExceptHandler(self, node):
        if node.name and self.depth == 0:
            self.binds.add(node.name)
        self.generic_visit(node)


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


def unpacked(target):
    # `a, (b, *c) = ...` binds a, b, c; `x[i] = ...` and `o.a = ...` bind nothing
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Starred):
        return unpacked(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in unpacked(e)]
    return []


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
    found = [(line, n, "read") for line, ns in magic for n in ns]
    for stmt in module.body if module else []:
        seen = Statement()
        seen.visit(stmt)
        sure = sure_binds(stmt)
        for n in names:
            kind = "read" if n in seen.loads else "write" if n in sure else "maybe" if n in seen.binds else None
            if kind:
                found.append((stmt.lineno, n, kind))
    found.sort(key=lambda e: e[0])
    return [[n, kind, line] for line, n, kind in found], module


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


def main():
    request = json.load(sys.stdin)
    names = request["names"]
    out = {"cells": []}
    for cell in request["cells"]:
        found, module = events(cell["source"], names)
        assigns = defaults(cell["source"], module)
        if cell["index"] != request.get("defaults"):
            assigns = [a for a in assigns if a[0] in names]
        out["cells"].append({"index": cell["index"], "events": found, "assigns": assigns})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
