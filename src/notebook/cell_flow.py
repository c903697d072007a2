"""Where a notebook's top-level statements read and bind the names given as -p parameters.

Run by src/notebook/cell-flow.ts as `python -I -S cell_flow.py` before anything starts: stdin is
{"names": [...], "cells": [{"index": n, "source": s}], "defaults": n or null}; stdout is
{"cells": [{"index": n, "events": [[name, kind, line, text, top], ...], "assigns": [[name, segment, line], ...]}]}.

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
statement quoted on one line (see `quoted`), and "top" is the top-level statement's line.

"assigns" lists a cell's top-level assignments of the names (of every name, in the cell whose
index is given as "defaults"): each with the source text of the value it gets (`a, b = 1, 2`
pairs the elements), or null when that is not known.
"""
import ast
import json
import re
import sys

MAGIC_LINE = re.compile(r"^\s*([%!?]|[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[%!])|\?\s*$")


class Scope:
    """A function, lambda, comprehension or class scope enclosing a load: the names it binds itself."""

    def __init__(self, kind, bound=(), declared_global=()):
        self.kind, self.bound, self.declared_global = kind, set(bound), set(declared_global)


class Statement(ast.NodeVisitor):
    """The module-level names one top-level statement (or the parts of it visited) loads, and those it may bind."""

    def __init__(self, top):
        self.loads = {}                     # name -> the innermost statement around its first load
        self.binds = set()
        self.scopes = []                    # enclosing scopes, innermost last
        self.stmt = top

    def visit(self, node):
        if not isinstance(node, ast.stmt):
            return super().visit(node)
        outer, self.stmt = self.stmt, node
        try:
            return super().visit(node)
        finally:
            self.stmt = outer

    def reads_global(self, name):
        # a function's parameters and locals shadow the global; a class body's names do not hide it
        # from the class body itself (LOAD_NAME falls back to the globals), nor from nested scopes
        for i, scope in enumerate(reversed(self.scopes)):
            if scope.kind == "class":
                if i == 0 and name in scope.bound:
                    return True
                continue
            if name in scope.declared_global:
                return True
            if name in scope.bound:
                return False
        return True

    def load(self, name):
        if self.reads_global(name):
            self.loads.setdefault(name, self.stmt)

    def visit_Name(self, node):
        if isinstance(node.ctx, ast.Store):
            if not self.scopes:
                self.binds.add(node.id)
        else:                               # Load, Del
            self.load(node.id)

    def visit_AugAssign(self, node):
        if isinstance(node.target, ast.Name):
            self.load(node.target.id)
        self.generic_visit(node)

    def visit_Global(self, node):
        for name in node.names:
            self.loads.setdefault(name, node)

    def visit_Nonlocal(self, node):
        pass                                # an enclosing function's local, never the global

    def visit_NamedExpr(self, node):
        # binds the enclosing scope, even from a comprehension
        if all(s.kind == "comprehension" for s in self.scopes):
            self.binds.add(node.target.id)
        self.visit(node.value)

    def visit_FunctionDef(self, node):
        if not self.scopes:
            self.binds.add(node.name)
        self.outside_body(node.decorator_list, node.args, node.returns)
        self.scoped(function_scope(node), node.body)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node):
        self.outside_body([], node.args, None)
        self.scoped(function_scope(node), [node.body])

    def visit_ClassDef(self, node):
        if not self.scopes:
            self.binds.add(node.name)
        for part in node.decorator_list + node.bases + node.keywords:
            self.visit(part)
        binder = Binder()
        for stmt in node.body:
            binder.visit(stmt)
        self.scoped(Scope("class", binder.bound), node.body)

    def visit_comprehension_scope(self, node):
        first = node.generators[0]
        self.visit(first.iter)              # evaluated in the enclosing scope
        targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        rest = [first.target] + first.ifs + [p for g in node.generators[1:] for p in [g.target, g.iter] + g.ifs]
        results = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        self.scoped(Scope("comprehension", targets), rest + results)

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_comprehension_scope

    def outside_body(self, decorators, args, returns):
        # decorators, defaults and annotations run where the function is defined
        for part in decorators + args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(part)
        for arg in all_args(args):
            if arg.annotation is not None:
                self.visit(arg.annotation)
        if returns is not None:
            self.visit(returns)

    def scoped(self, scope, nodes):
        self.scopes.append(scope)
        for node in nodes:
            self.visit(node)
        self.scopes.pop()

    def _import(self, node):
        if not self.scopes:
            for alias in node.names:
                if alias.name != "*":
                    self.binds.add((alias.asname or alias.name).split(".")[0])

    visit_Import = visit_ImportFrom = _import

    def visit_ExceptHandler(self, node):
        if node.name and not self.scopes:
            self.binds.add(node.name)
        self.generic_visit(node)


class Binder(ast.NodeVisitor):
    """The names a body binds in its own scope (not in the scopes nested in it), and its `global` names."""

    def __init__(self):
        self.bound, self.declared, self.globals = set(), set(), set()

    def visit_Name(self, node):
        if not isinstance(node.ctx, ast.Load):
            self.bound.add(node.id)

    def visit_Global(self, node):
        self.globals.update(node.names)
        self.declared.update(node.names)

    def visit_Nonlocal(self, node):
        self.declared.update(node.names)

    def _import(self, node):
        self.bound.update((a.asname or a.name).split(".")[0] for a in node.names if a.name != "*")

    visit_Import = visit_ImportFrom = _import

    def visit_ExceptHandler(self, node):
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def _nested(self, node):
        self.bound.add(node.name)

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _nested

    def visit_Lambda(self, node):
        pass

    def _comprehension(self, node):
        # only a walrus in it binds here
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.NamedExpr):
                self.bound.add(n.target.id)
            if not isinstance(n, (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stack.extend(ast.iter_child_nodes(n))

    visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = _comprehension


def all_args(args):
    return args.posonlyargs + args.args + args.kwonlyargs + [a for a in (args.vararg, args.kwarg) if a]


def function_scope(node):
    binder = Binder()
    for stmt in node.body if isinstance(node.body, list) else [node.body]:
        binder.visit(stmt)
    params = {a.arg for a in all_args(node.args)}
    return Scope("function", (params | binder.bound) - binder.declared, binder.globals)


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
    lines = source.split("\n")
    found = [(line, n, "read", lines[line - 1].strip(), line) for line, ns in magic for n in ns]
    for stmt in module.body if module else []:
        seen = Statement(stmt)
        seen.visit(stmt)
        for n in names:
            before = evaluated_before_binding(stmt, n)
            if before is not None:
                early = Statement(stmt)
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


QUOTED_CHARS = 120
OPENING, CLOSING = {"(", "[", "{"}, {")", "]", "}", ","}


def quoted(lines, stmt):
    """A statement as one line for messages: a compound statement's header only, continuation
    lines joined, comments dropped; about QUOTED_CHARS characters at most."""
    first = lines[stmt.lineno - 1].encode()[stmt.col_offset:].decode(errors="replace")
    compound = isinstance(getattr(stmt, "body", None), list) or hasattr(stmt, "cases")
    if "#" not in first and (compound or stmt.end_lineno == stmt.lineno):
        # the common case, without tokenize's import time
        if not compound:
            return lines[stmt.lineno - 1].encode()[stmt.col_offset:stmt.end_col_offset].decode(errors="replace")
        if first.rstrip().endswith(":"):
            return first.strip()
    return tokens_joined(first, lines[stmt.lineno:], compound) or first.strip()


def tokens_joined(first, rest, compound):
    import tokenize
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    source = iter([first + "\n"] + [line + "\n" for line in rest])
    text, prev, depth, lambdas = "", None, 0, 0
    try:
        for tok in tokenize.generate_tokens(lambda: next(source, "")):
            if tok.type == tokenize.NEWLINE or (depth == 0 and tok.string == ";"):
                break
            if tok.type in skipped:
                continue
            if prev is not None:
                same_line = tok.start[0] == prev.end[0]
                if (tok.start[1] > prev.end[1]) if same_line else (prev.string not in OPENING and tok.string not in CLOSING):
                    text += " "
            text += tok.string
            prev = tok
            depth += (tok.string in OPENING) - (tok.string in CLOSING - {","})
            if depth == 0 and tok.string == "lambda":
                lambdas += 1
            elif compound and depth == 0 and tok.string == ":":
                if not lambdas:
                    break
                lambdas -= 1
            if len(text) > QUOTED_CHARS:
                break
    except (tokenize.TokenError, SyntaxError):
        pass
    return text


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
