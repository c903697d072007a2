"""Static analysis of one statement: the names it loads, binds, calls and mutates.

The rewriter turns these sets into record sites; nothing here runs user code, so a cell is
analysed once, when IPython transforms it, and never per iteration or per call.
"""
import ast

from .rng import call_path

EMPTY = frozenset()
# Methods that mutate their receiver (lists, dicts, sets, deques, ndarrays, sklearn
# estimators). pandas methods mutate only with inplace=True, which is checked separately:
# `clean = df.dropna()` or `s.replace(...)` must not version df / s.
MUTATORS = frozenset("""
    append extend insert remove pop clear sort reverse update setdefault popitem add discard
    difference_update intersection_update symmetric_difference_update appendleft extendleft
    popleft fit partial_fit fit_transform fit_predict set_params set_output fill itemset
    setflags
""".split())
# Methods that return None without mutating: keep the None-return rule from firing on them.
NON_MUTATORS = frozenset("""
    show savefig close draw print info debug warning warn error critical exception log
    to_csv to_json to_parquet to_pickle to_excel to_sql to_hdf to_feather to_latex to_html
    to_markdown to_stata dump write writelines flush join wait
""".split())


def root_name(node):
    # x.a[i].b -> 'x'; a call or literal at the root -> None
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def ret_call(v):
    """The call of an expression statement `obj.m(...)`, which may change obj in place (the
    recorder versions obj if the call returned None or obj itself), else None."""
    if isinstance(v, ast.Await):
        v = v.value
    if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) \
            and isinstance(v.func.value, ast.Name) and v.func.attr not in NON_MUTATORS:
        return v
    return None


def jumps(node):
    """Whether a break or continue of the enclosing loop is inside node: the statements
    after an `if ...: continue` run only when its test says so."""
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Break, ast.Continue)):
            return True
        for c in ast.iter_child_nodes(n):
            if not isinstance(c, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef,
                                  ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.expr)):
                stack.append(c)
    return False


def pos(node):
    ln = getattr(node, "lineno", 0) or 0
    return (ln, getattr(node, "col_offset", 0) or 0,
            getattr(node, "end_lineno", ln) or ln, getattr(node, "end_col_offset", 0) or 0)


def arg_names(a):
    names = [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs]
    if a.vararg:
        names.append(a.vararg.arg)
    if a.kwarg:
        names.append(a.kwarg.arg)
    return set(names)


def target_names(node, out):
    for n in ast.walk(node):
        if isinstance(n, ast.Name):
            out.add(n.id)
    return out


class Scan(ast.NodeVisitor):
    """Names one statement (or function body) loads, binds and calls.

    Loads exclude names bound by the statement's own comprehensions and lambdas; calls
    and mutations inside lambda / nested function bodies are ignored (they do not run
    now) unless fn_bodies is set, which also descends into nested function bodies to
    find the globals a notebook function reads.
    """

    def __init__(self, fn_bodies=False):
        self.loads, self.stores, self.calls = {}, {}, {}
        self.muts, self.recv, self.mroots = {}, {}, {}
        self.rcalls = []              # (receiver root, call node, mutator) of each method call
        self.rng = []                 # calls that may seed or draw from a random state (rng.py)
        self.walrus = []              # (NamedExpr, names bound around it)
        self.globals, self.nonlocals = set(), set()
        self.yields = False
        self.fn_bodies = fn_bodies
        self.scopes = []
        self.fdepth = 0               # inside lambda / def / class body
        self.cdepth = 0               # inside a comprehension

    def scan(self, nodes):
        for n in nodes:
            self.visit(n)
        return self

    def bound(self, name):
        for s in self.scopes:
            if name in s:
                return True
        return False

    def visit_Name(self, node):
        n = node.id
        if isinstance(node.ctx, ast.Load):
            if n not in self.loads and not self.bound(n):
                self.loads[n] = node
        elif self.fdepth == 0 and self.cdepth == 0:
            self.stores.setdefault(n, node)

    def _store_base(self, node):
        if not isinstance(node.ctx, ast.Load) and self.fdepth == 0 and self.cdepth == 0:
            r = root_name(node)
            if r and not self.bound(r):
                self.mroots.setdefault(r, node)
        self.generic_visit(node)

    visit_Attribute = visit_Subscript = _store_base

    def visit_AugAssign(self, node):
        t = node.target
        if isinstance(t, ast.Name) and t.id not in self.loads and not self.bound(t.id):
            self.loads[t.id] = t          # x += e reads x
        self.generic_visit(node)

    def visit_Call(self, node):
        f = node.func
        if self.fdepth == 0:
            if call_path(node) is not None:
                self.rng.append(node)
            if isinstance(f, ast.Name):
                if not self.bound(f.id):
                    self.calls.setdefault(f.id, node)
            elif isinstance(f, ast.Attribute):
                r = root_name(f.value)
                if r and not self.bound(r):
                    self.recv.setdefault(r, node)
                    mutator = f.attr in MUTATORS or any(
                        k.arg == "inplace" and isinstance(k.value, ast.Constant)
                        and k.value.value is True for k in node.keywords)
                    if mutator:
                        self.muts.setdefault(r, node)
                    self.rcalls.append((r, node, mutator))
        self.generic_visit(node)

    def visit_NamedExpr(self, node):
        # := binds in the enclosing function scope even from inside a comprehension
        if self.fdepth == 0:
            self.walrus.append((node, frozenset().union(*self.scopes) if self.scopes else EMPTY))
            self.stores.setdefault(node.target.id, node.target)
        self.visit(node.value)

    def visit_Lambda(self, node):
        a = node.args
        for d in a.defaults + [d for d in a.kw_defaults if d is not None]:
            self.visit(d)
        self.scopes.append(arg_names(a))
        self.fdepth += 1
        self.visit(node.body)
        self.fdepth -= 1
        self.scopes.pop()

    def _comp(self, node):
        gens = node.generators
        self.visit(gens[0].iter)
        names = set()
        for g in gens:
            target_names(g.target, names)
        self.scopes.append(names)
        self.cdepth += 1
        for i, g in enumerate(gens):
            if i:
                self.visit(g.iter)
            for c in g.ifs:
                self.visit(c)
        if isinstance(node, ast.DictComp):
            self.visit(node.key)
            self.visit(node.value)
        else:
            self.visit(node.elt)
        self.cdepth -= 1
        self.scopes.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _comp

    def _def(self, node):
        for d in node.decorator_list:
            self.visit(d)
        a = node.args
        for d in a.defaults + [d for d in a.kw_defaults if d is not None]:
            self.visit(d)
        if self.fdepth == 0 and self.cdepth == 0:
            self.stores.setdefault(node.name, node)
        if self.fn_bodies:
            self.scopes.append(local_names(node))
            self.fdepth += 1
            self.scan(node.body)
            self.fdepth -= 1
            self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _def

    def visit_ClassDef(self, node):
        for d in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(d)
        if self.fdepth == 0 and self.cdepth == 0:
            self.stores.setdefault(node.name, node)
        # the class body runs now: its free loads count, its bindings stay in the class
        inner = Scan().scan(node.body)
        self.scopes.append(set(inner.stores))
        self.fdepth += 1
        self.scan(node.body)
        self.fdepth -= 1
        self.scopes.pop()

    def visit_Global(self, node):
        if self.fdepth == 0:
            self.globals.update(node.names)

    def visit_Nonlocal(self, node):
        if self.fdepth == 0:
            self.nonlocals.update(node.names)

    def _import(self, node):
        if self.fdepth == 0 and self.cdepth == 0:
            for a in node.names:
                if a.name != "*":
                    self.stores.setdefault(a.asname or a.name.split(".")[0], a)

    visit_Import = visit_ImportFrom = _import

    def visit_ExceptHandler(self, node):
        if node.name and self.fdepth == 0:
            self.stores.setdefault(node.name, node)
        self.generic_visit(node)

    def _capture(self, node):
        name = getattr(node, "name", None) or getattr(node, "rest", None)
        if name and self.fdepth == 0:
            self.stores.setdefault(name, node)
        self.generic_visit(node)

    visit_MatchAs = visit_MatchStar = visit_MatchMapping = _capture

    def _yield(self, node):
        if self.fdepth == 0:
            self.yields = True
        self.generic_visit(node)

    visit_Yield = visit_YieldFrom = visit_Await = _yield


def local_names(fn):
    sc = Scan().scan(fn.body)
    return (arg_names(fn.args) | set(sc.stores) | sc.nonlocals) - sc.globals


class FuncInfo:
    __slots__ = ("name", "reads", "writes", "gmuts", "locals", "peelable", "fs", "node", "rng")

    def __init__(self, fn):
        self.fs, self.node = None, fn
        sc = Scan(fn_bodies=True).scan(fn.body)
        loc = (arg_names(fn.args) | set(sc.stores) | sc.nonlocals) - sc.globals
        self.name = fn.name
        self.locals = frozenset(loc)
        self.reads = tuple(n for n in sc.loads if n not in loc)
        self.writes = tuple(sorted(n for n in sc.globals if n in sc.stores))
        self.gmuts = tuple(r for r in dict.fromkeys(list(sc.mroots) + list(sc.recv)) if r not in loc)
        self.peelable = isinstance(fn, ast.FunctionDef) and not sc.yields
        self.rng = tuple(call_path(n) for n in sc.rng)     # its own calls that may draw from a random state
