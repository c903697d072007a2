"""Which module-level names a statement reads and which it may bind, scope by scope: a function's
parameters and locals, a comprehension's variables and a lambda's arguments shadow the module's
names; a class body does not hide the module's names from itself. Shared by flow.py (the -p check)
and effects.py (`slice --statements`).
"""
import ast


class Scope:
    """A function, lambda, comprehension or class scope enclosing a load: the names it binds itself."""

    def __init__(self, kind, bound=(), declared_global=()):
        self.kind, self.bound, self.declared_global = kind, set(bound), set(declared_global)


class NameUse(ast.NodeVisitor):
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


def unpacked(target):
    # `a, (b, *c) = ...` binds a, b, c; `x[i] = ...` and `o.a = ...` bind nothing
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, ast.Starred):
        return unpacked(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for e in target.elts for n in unpacked(e)]
    return []

