# nbprov kernel-side provenance collector (Python 3.11, standard library + IPython only).
#
# The TypeScript runner executes this file silently in the kernel, followed by
#     __nbprov_install__({"capture": "vars", "loop_budget": 3, "repr_limit": 256, "redact": true})
# and after every cell evaluates `__nbprov__.drain()` (an IPython.display.JSON payload).
#
# Everything is defined inside __nbprov_install__: its helpers are closures, not globals of
# the user namespace, so user code can neither see them nor break them (a user `sys = 1`
# or `ast = None` must not reach the collector). Install removes its own name afterwards and
# leaves a single object, `__nbprov__`, in builtins for the rewritten code to call.
#
# How (measured in shared/notes/loop-overhead.md): an IPython AST transformer appends one
# cheap record call after each top-level statement; loops are peeled (the first K iterations
# run an instrumented copy, the rest run the original body on the same iterator, then one
# summary record); notebook functions are peeled by call count (first K calls per cell run an
# instrumented copy). A last-writer map name -> version id spans cells and resolves every
# dependency at record time. No comment in this file is needed for the wire contract: the
# payload shape is documented in drain().


def __nbprov_install__(config=None):
    import ast
    import builtins
    import copy
    import hashlib
    import io
    import itertools
    import math
    import operator
    import os
    import re
    import reprlib
    import stat
    import sys
    import threading
    import time
    import types
    import weakref
    import zlib

    from IPython.core.getipython import get_ipython
    from IPython.display import JSON

    OPTIONS = {"capture": "vars", "loop_budget": 3, "repr_limit": 256, "redact": True}
    MAX_VERSIONS = 20000                 # per drain; the rest of the cell is not versioned
    MAX_DEPS = 5 * MAX_VERSIONS
    MAX_FILES = 5000
    MAX_HASH_BYTES = 64 * 1024 * 1024
    VALUE_STR_MAX = 256
    ME = "__nbprov__"
    MISSING = object()
    NOSCALAR = object()
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
    FUTURE_FLAGS = 0
    for _n in __import__("__future__").all_feature_names:
        FUTURE_FLAGS |= getattr(__import__("__future__"), _n).compiler_flag
    SECRET = re.compile(r"token|password|passwd|secret|api_key|apikey|key", re.I)
    LEN_TYPES = (list, tuple, dict, set, frozenset, str, bytes, bytearray)
    NoneType = type(None)

    # ------------------------------------------------------------------ static analysis

    def root_name(node):
        # x.a[i].b -> 'x'; a call or literal at the root -> None
        while isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        return node.id if isinstance(node, ast.Name) else None

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
                if isinstance(f, ast.Name):
                    if not self.bound(f.id):
                        self.calls.setdefault(f.id, node)
                elif isinstance(f, ast.Attribute):
                    r = root_name(f.value)
                    if r and not self.bound(r):
                        self.recv.setdefault(r, node)
                        if f.attr in MUTATORS or any(
                                k.arg == "inplace" and isinstance(k.value, ast.Constant)
                                and k.value.value is True for k in node.keywords):
                            self.muts.setdefault(r, node)
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
        __slots__ = ("name", "reads", "writes", "gmuts", "locals", "peelable", "fs", "node")

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

    class Ctx:
        # Where a statement runs: None means cell (module) scope; a Ctx means the
        # instrumented copy of a notebook function whose local names are `locals`.
        __slots__ = ("fs", "locals")

        def __init__(self, fs, local_set):
            self.fs, self.locals = fs, local_set

    class Site:
        __slots__ = ("targets", "muts", "walrus", "loads", "cond", "calls", "check",
                     "ctx", "fn", "mods", "pos", "loop")

        def __init__(self, ctx, cond, at):
            self.targets = self.muts = self.walrus = self.loads = self.calls = self.mods = ()
            self.cond, self.ctx, self.pos = cond, ctx, pos(at)
            self.check, self.fn, self.loop = False, None, None

    class LoopInfo:
        __slots__ = ("names", "static", "loads", "iters", "calls", "is_while")

        def __init__(self, names, static, loads, iters, calls, is_while):
            self.names, self.static, self.loads = names, static, loads
            self.iters, self.calls, self.is_while = iters, calls, is_while

    # ------------------------------------------------------------------ rewriter

    def call(meth, *args):
        return ast.Call(func=ast.Attribute(value=ast.Name(id=ME, ctx=ast.Load()), attr=meth,
                                           ctx=ast.Load()), args=list(args), keywords=[])

    def const(v):
        return ast.Constant(value=v)

    def stmt_call(at, meth, *args):
        return ast.copy_location(ast.Expr(value=call(meth, *args)), at)

    class Rewriter(ast.NodeTransformer):
        """Turns a cell's AST into an instrumented one without mutating the original nodes.

        New statements share (never modify) the original expression nodes, so the original
        tree stays valid: on any failure visit_Module returns it untouched, and a peeled
        loop's second phase is simply the original body list.
        """

        def __init__(self, rec):
            self.rec = rec

        def visit_Module(self, tree):
            rec = self.rec
            try:
                if self._in_timeit():
                    return tree
                for n in ast.walk(tree):
                    if isinstance(n, ast.Name) and n.id.startswith("__nbprov"):
                        return tree      # our own drain / install cells
                rec.new_cell()
                body = self.block(tree.body, None, (), top=True)
                return ast.Module(body=body, type_ignores=tree.type_ignores)
            except Exception as e:       # IPython unregisters a transformer that raises
                rec._fail(e)
                return tree

        @staticmethod
        def _in_timeit():
            # %timeit re-runs the transformed statement thousands of times: leave it alone
            f = sys._getframe(2)
            for _ in range(6):
                if f is None:
                    return False
                c = f.f_code
                if c.co_name == "timeit" and "magics" in c.co_filename:
                    return True
                f = f.f_back
            return False

        def block(self, stmts, ctx, cond, top=False):
            out = []
            last = len(stmts) - 1
            for i, s in enumerate(stmts):
                out.extend(self.stmt(s, ctx, cond, top and i == last))
            return out

        def record(self, site, at):
            return stmt_call(at, "r", const(self.rec.add_site(site)))

        # -- statements

        def stmt(self, s, ctx, cond, last):
            T = type(s)
            if T in (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Import, ast.ImportFrom):
                site = self.simple_site(s, ctx, cond)
                if site is None:
                    return [s]
                out = [s, self.record(site, s)]
                if last and self.rec.shell.ast_node_interactivity == "last_expr_or_assign":
                    # IPython displays a final assignment only if it is the last node: do it
                    tgt = None
                    if T is ast.Assign and len(s.targets) == 1:
                        tgt = s.targets[0]
                    elif T is ast.AugAssign or T is ast.AnnAssign:
                        tgt = s.target
                    if isinstance(tgt, ast.Name):
                        out.append(ast.copy_location(ast.Expr(ast.Name(id=tgt.id, ctx=ast.Load())), s))
                return out
            if T is ast.Expr:
                site = self.expr_site(s, ctx, cond)
                if site is None:
                    return [s]
                # wrap instead of appending: the final expression must stay last (Out[])
                sid = self.rec.add_site(site)
                return [ast.copy_location(ast.Expr(value=call("rx", const(sid), s.value)), s)]
            if T is ast.FunctionDef or T is ast.AsyncFunctionDef:
                return self.funcdef(s, ctx, cond)
            if T is ast.ClassDef:
                # class bodies are not instrumented (name mangling, class scope rules)
                sc = Scan().scan([s])
                site = self.make_site(sc, [(s.name, "class", s)], [], ctx, cond, s)
                return [s, self.record(site, s)]
            if T is ast.For:
                return self.peel_for(s, ctx, cond)
            if T is ast.While:
                return self.peel_while(s, ctx, cond)
            if T is ast.AsyncFor:
                return self.summary_only(s, ctx, cond)
            if T is ast.If:
                return [self.if_(s, ctx, cond)]
            if T is ast.With or T is ast.AsyncWith:
                return [self.with_(s, ctx, cond)]
            if T is ast.Try or T.__name__ == "TryStar":
                n = copy.copy(s)
                n.body = self.block(s.body, ctx, cond) or [ast.Pass()]
                n.handlers = []
                for h in s.handlers:
                    h2 = copy.copy(h)
                    h2.body = self.block(h.body, ctx, cond) or [ast.Pass()]
                    n.handlers.append(h2)
                n.orelse = self.block(s.orelse, ctx, cond)
                n.finalbody = self.block(s.finalbody, ctx, cond)
                return [n]
            if T is ast.Match:
                sc = Scan().scan([s.subject])
                c2 = self.extend(cond, sc.loads)
                n = copy.copy(s)
                n.cases = []
                for case in s.cases:
                    c = copy.copy(case)
                    c.body = self.block(case.body, ctx, c2) or [ast.Pass()]
                    n.cases.append(c)
                return [n]
            if (T is ast.Global or T is ast.Nonlocal) and ctx is not None:
                return []            # hoisted above the peel guard by funcdef
            return [s]

        @staticmethod
        def extend(cond, names):
            extra = tuple(n for n in names if n not in cond)
            return cond + extra if extra else cond

        def targets(self, t, kind, binds, muts):
            if isinstance(t, ast.Name):
                binds.append((t.id, kind, t))
            elif isinstance(t, (ast.Tuple, ast.List)):
                for e in t.elts:
                    self.targets(e, kind, binds, muts)
            elif isinstance(t, ast.Starred):
                self.targets(t.value, kind, binds, muts)
            elif isinstance(t, (ast.Attribute, ast.Subscript)):
                r = root_name(t)
                if r:
                    muts.append((r, t, "store"))

        def make_site(self, sc, binds, muts, ctx, cond, at):
            site = Site(ctx, cond, at)
            bound = {b[0] for b in binds}
            for r, node in sc.muts.items():
                muts.append((r, node, "static"))
            seen = set()
            mm = []
            for r, node, how in muts:
                if r not in bound and r not in seen:
                    seen.add(r)
                    mm.append((r, pos(node), how))
            site.targets = tuple((n, k, pos(node)) for n, k, node in binds)
            site.muts = tuple(mm)
            site.walrus = tuple(
                (w.target.id, pos(w), tuple(n for n in Scan().scan([w.value]).loads if n not in inner))
                for w, inner in sc.walrus)
            site.loads = tuple(sc.loads)
            site.calls = tuple(sc.calls)
            site.check = bool(sc.calls or sc.recv)
            return site

        def simple_site(self, s, ctx, cond):
            T = type(s)
            binds, muts = [], []
            if T is ast.Import or T is ast.ImportFrom:
                if T is ast.ImportFrom and s.module == "__future__":
                    return None      # nothing may precede a later __future__ import
                mods = []
                for a in s.names:
                    if a.name == "*":
                        continue
                    binds.append((a.asname or (a.name if T is ast.ImportFrom else a.name.split(".")[0]), "import", a))
                    if T is ast.Import:
                        mods.append(a.name.split(".")[0])
                if T is ast.ImportFrom and s.module and not s.level:
                    mods.append(s.module.split(".")[0])
                if not binds and not mods:
                    return None
                site = self.make_site(Scan(), binds, muts, ctx, cond, s)
                site.mods = tuple(mods)
                return site
            if T is ast.AnnAssign:
                if s.value is None:
                    return None
                sc = Scan().scan([s.target, s.value])
                self.targets(s.target, "annassign", binds, muts)
            else:
                sc = Scan().scan([s])
                if T is ast.Assign:
                    for t in s.targets:
                        self.targets(t, "assign", binds, muts)
                elif T is ast.AugAssign:
                    self.targets(s.target, "augassign", binds, muts)
                else:   # Delete
                    for t in s.targets:
                        self.targets(t, "del", binds, muts)
            return self.make_site(sc, binds, muts, ctx, cond, s)

        def expr_site(self, s, ctx, cond):
            v = s.value
            if isinstance(v, ast.Await):
                v = v.value
            sc = Scan().scan([s.value])
            muts = []
            if isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) \
                    and isinstance(v.func.value, ast.Name) and v.func.attr not in NON_MUTATORS \
                    and v.func.value.id not in sc.muts:
                # obj.m(...) returning None or obj itself mutated obj (decided at run time)
                muts.append((v.func.value.id, v, "ret"))
            if not (muts or sc.muts or sc.walrus or sc.calls):
                return None
            return self.make_site(sc, [], muts, ctx, cond, s)

        def funcdef(self, s, ctx, cond):
            sc = Scan().scan([s])            # decorators and defaults: evaluated at def time
            fi = FuncInfo(s)
            site = self.make_site(sc, [(s.name, "def", s)], [], ctx, cond, s)
            site.fn = fi
            new = s
            if ctx is None and fi.peelable:
                new = self.peel_def(s, fi)
            return [new, self.record(site, s)]

        def peel_def(self, s, fi):
            # S4f: `if __nbprov__.fon[fs]: <instrumented body> else: <original body>`.
            body = list(s.body)
            head = []
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                head.append(body.pop(0))             # keep the docstring first
            decls, nested = [], False
            for st in body:
                for n in self._own_nodes(st):
                    if isinstance(n, (ast.Global, ast.Nonlocal)):
                        decls.append(n)
                        nested = nested or n is not st
            if not body:
                return s
            if decls:
                # a second copy of `global x` after a use of x is a SyntaxError: hoist them
                head.extend(ast.copy_location(type(d)(names=list(d.names)), d) for d in decls)
                body = StripDecls().strip(copy.deepcopy(body)) if nested else \
                    [st for st in body if not isinstance(st, (ast.Global, ast.Nonlocal))]
                body = body or [ast.copy_location(ast.Pass(), s)]
            fs = fi.fs = self.rec.add_fsite()
            instr = [stmt_call(body[0], "fe", const(fs))] + self.block(body, Ctx(fs, fi.locals), ())
            guard = ast.copy_location(ast.If(
                test=ast.Subscript(value=ast.Attribute(value=ast.Name(id=ME, ctx=ast.Load()),
                                                       attr="fon", ctx=ast.Load()),
                                   slice=const(fs), ctx=ast.Load()),
                body=instr, orelse=body), body[0])
            new = copy.copy(s)
            new.body = head + [guard]
            return new

        @staticmethod
        def _own_nodes(st):
            # statements of this function scope (not of nested defs / classes / lambdas)
            scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
            if isinstance(st, scopes):
                return
            stack = [st]
            while stack:
                n = stack.pop()
                yield n
                for c in ast.iter_child_nodes(n):
                    if not isinstance(c, scopes):
                        stack.append(c)

        def if_(self, s, ctx, cond):
            sc = Scan().scan([s.test])
            c2 = self.extend(cond, sc.loads)
            n = copy.copy(s)
            n.body = self.block(s.body, ctx, c2) or [ast.Pass()]
            n.orelse = self.block(s.orelse, ctx, c2)
            if sc.walrus or sc.muts:
                # the test's := targets exist once the test ran: record at both branch heads
                site = self.make_site(sc, [], [], ctx, cond, s.test)
                n.body.insert(0, self.record(site, s.test))
                n.orelse.insert(0, self.record(site, s.test))
            return n

        def with_(self, s, ctx, cond):
            sc = Scan().scan([i.context_expr for i in s.items])
            binds, muts = [], []
            for i in s.items:
                if i.optional_vars is not None:
                    self.targets(i.optional_vars, "with", binds, muts)
                    sc.scan([i.optional_vars])
            n = copy.copy(s)
            n.body = self.block(s.body, ctx, cond)
            if binds or muts or sc.walrus or sc.muts:
                site = self.make_site(sc, binds, muts, ctx, cond, s)
                n.body.insert(0, self.record(site, s))
            n.body = n.body or [ast.Pass()]
            return n

        def loop_site(self, s, ctx, cond, head_sc, binds, muts, is_while):
            body = Scan().scan(s.body + s.orelse + ([] if is_while else [s.target]))
            names = tuple(dict.fromkeys(list(body.stores) + list(body.mroots) + list(body.recv)))
            static = frozenset(list(body.mroots) + list(body.muts))
            calls = tuple(dict.fromkeys(list(body.calls) + list(head_sc.calls)))
            site = self.make_site(head_sc if is_while else Scan(), binds, muts, ctx, cond, s)
            if not is_while:
                site.loads = tuple(head_sc.loads)      # the target is assigned from the iterable
                site.calls = tuple(head_sc.calls)
            site.check = False
            site.loop = LoopInfo(names, static, tuple(body.loads), tuple(head_sc.loads), calls, is_while)
            return self.rec.add_site(site)

        def peel_for(self, s, ctx, cond):
            # S4 loop peeling. Phase 2 sits in phase 1's else so a break in phase 1 skips it;
            # it runs only when phase 1 used its whole budget (an iterator that resumes after
            # StopIteration must not be resumed); the user's else is duplicated accordingly.
            isc = Scan().scan([s.iter])
            binds, muts = [], []
            self.targets(s.target, "for", binds, muts)
            sid = self.loop_site(s, ctx, cond, isc, binds, muts, False)
            pre = [stmt_call(s, "lp", const(sid), call("iter", s.iter))]
            if isc.walrus or isc.muts:
                pre.append(self.record(self.make_site(isc, [], [], ctx, cond, s.iter), s))
            bcond = self.extend(cond, isc.loads)
            phase2 = ast.copy_location(ast.For(target=s.target, iter=call("lr", const(sid)),
                                               body=s.body, orelse=self.block(s.orelse, ctx, cond),
                                               type_comment=None), s)
            phase1 = ast.copy_location(ast.For(
                target=s.target, iter=call("lh", const(sid)),
                body=[stmt_call(s, "li", const(sid))] + self.block(s.body, ctx, bcond),
                orelse=[ast.copy_location(ast.If(test=call("lm", const(sid)), body=[phase2],
                                                 orelse=self.block(s.orelse, ctx, cond)), s)],
                type_comment=None), s)
            return pre + [self.guarded(s, phase1, sid)]

        def peel_while(self, s, ctx, cond):
            tsc = Scan().scan([s.test])
            sid = self.loop_site(s, ctx, cond, tsc, [], [], True)
            bcond = self.extend(cond, tsc.loads)
            # `lw() and COND`: the counter test comes first so COND is never evaluated twice
            phase2 = ast.copy_location(ast.While(test=s.test, body=s.body,
                                                 orelse=self.block(s.orelse, ctx, cond)), s)
            phase1 = ast.copy_location(ast.While(
                test=ast.BoolOp(op=ast.And(), values=[call("lw", const(sid)), s.test]),
                body=[stmt_call(s, "li", const(sid))] + self.block(s.body, ctx, bcond),
                orelse=[ast.copy_location(ast.If(test=call("lm", const(sid)), body=[phase2],
                                                 orelse=self.block(s.orelse, ctx, cond)), s)]), s)
            return [stmt_call(s, "lp", const(sid), const(None)), self.guarded(s, phase1, sid)]

        def summary_only(self, s, ctx, cond):
            # async for: islice cannot peel an async iterator; record the summary only
            isc = Scan().scan([s.iter])
            sid = self.loop_site(s, ctx, cond, isc, [], [], False)
            return [stmt_call(s, "lp", const(sid), const(None)), self.guarded(s, s, sid)]

        @staticmethod
        def guarded(at, loop, sid):
            # try/finally: the summary is also recorded when the loop raises or returns
            return ast.copy_location(ast.Try(body=[loop], handlers=[], orelse=[],
                                             finalbody=[stmt_call(at, "le", const(sid))]), at)

    class ImportsOnly(ast.NodeTransformer):
        # capture "cells": no rewriting, but a cell's own imports are still reported as
        # modules even when something else loaded them earlier
        def __init__(self, rec):
            self.rec = rec

        def visit_Module(self, tree):
            try:
                for n in ast.walk(tree):
                    if isinstance(n, ast.Import):
                        self.rec.cell_mods.update(a.name.split(".")[0] for a in n.names)
                    elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
                        self.rec.cell_mods.add(n.module.split(".")[0])
            except Exception as e:
                self.rec._fail(e)
            return tree

    class StripDecls(ast.NodeTransformer):
        def strip(self, body):
            out = []
            for st in body:
                st = self.visit(st)
                if st is not None:
                    out.append(st)
            return out

        def visit_Global(self, node):
            return None

        visit_Nonlocal = visit_Global

        def generic_visit(self, node):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                return node
            super().generic_visit(node)
            if getattr(node, "body", None) == []:
                node.body = [ast.Pass()]      # a block that held only declarations
            return node

    # ------------------------------------------------------------------ summaries

    TYPE_NAMES = {}

    def clean(s):
        # a lone surrogate would make the kernel's JSON message unencodable
        if s.isascii():
            return s
        try:
            s.encode("utf-8")
            return s
        except UnicodeEncodeError:
            return s.encode("utf-8", "backslashreplace").decode("utf-8")

    def type_name(t):
        n = TYPE_NAMES.get(t)
        if n is None:
            m = getattr(t, "__module__", None)
            q = getattr(t, "__qualname__", t.__name__)
            n = TYPE_NAMES[t] = q if m in (None, "builtins") else m + "." + q
        return n

    class Summaries:
        """Type, bounded repr, JSON value and sampled summary; never copies data."""

        def __init__(self, limit, redact):
            self.limit, self.redact = limit, redact
            self.np = self.pd = None
            r = self.reprs = reprlib.Repr()
            r.maxstring = r.maxother = r.maxlong = limit
            r.maxlevel = 3
            summaries = self

            def repr_instance(x, level):
                s = summaries.cheap_repr(x)
                if s is None:
                    s = builtins.repr(x)      # may raise: the caller reports <unreprable T>
                return s if len(s) <= limit else s[:limit - 3] + "..."

            def repr1(x, level):
                # dict/list subclasses with the inherited repr (sklearn's Bunch holds whole
                # DataFrames) are walked by reprlib instead of calling their full repr
                t = type(x)
                if t.__repr__ is dict.__repr__ and isinstance(x, dict):
                    return reprlib.Repr.repr_dict(r, x, level)
                if t.__repr__ is list.__repr__ and isinstance(x, list):
                    return reprlib.Repr.repr_list(r, x, level)
                return reprlib.Repr.repr1(r, x, level)

            r.repr_instance = repr_instance
            r.repr1 = repr1

        def libs(self):
            if self.np is None:
                m = sys.modules.get("numpy")
                if m is not None:
                    self.np = (m.ndarray, m.generic)
            if self.pd is None:
                m = sys.modules.get("pandas")
                if m is not None and hasattr(m, "DataFrame"):
                    self.pd = (m.DataFrame, m.Series)

        def meta(self, x):
            # cheap size signature used to notice in-place changes
            t = type(x)
            if t in LEN_TYPES:
                return len(x)
            self.libs()
            if self.np is not None and isinstance(x, self.np[0]):
                return x.shape
            if self.pd is not None and isinstance(x, self.pd):
                return x.shape
            return None

        def cheap_repr(self, x):
            self.libs()
            np_, pd_ = self.np, self.pd
            if np_ is not None and isinstance(x, np_[0]):
                # numpy's own repr formats every element of arrays up to 1000 items (ms)
                n = x.size
                if n <= 6:
                    parts = [repr(v) for v in x.flat[:n].tolist()]
                else:
                    parts = [repr(v) for v in x.flat[:3].tolist()] + ["..."] + \
                            [repr(v) for v in x.flat[n - 3:n].tolist()]
                return "array([%s], shape=%s, dtype=%s)" % (", ".join(parts), tuple(x.shape), x.dtype)
            if pd_ is not None:
                if isinstance(x, pd_[0]):
                    return "DataFrame(shape=%s, columns=%r)" % (x.shape, [str(c) for c in x.columns[:20]])
                if isinstance(x, pd_[1]):
                    return "Series(name=%r, len=%d, dtype=%s)" % (x.name, len(x), x.dtype)
            return None

        def repr(self, x, tn):
            try:
                s = self.reprs.repr(x)
            except Exception:
                return "<unreprable %s>" % tn
            return clean(s if len(s) <= self.limit else s[:self.limit - 3] + "...")

        @staticmethod
        def json_value(x):
            t = type(x)
            if t is bool or x is None:
                return x
            if t is int:
                return x if -(1 << 63) <= x < (1 << 63) else None
            if t is float:
                if math.isfinite(x):
                    return x
                return "nan" if x != x else ("inf" if x > 0 else "-inf")
            if t is str:
                return clean(x) if len(x) <= VALUE_STR_MAX else None
            return None

        def fp_array(self, a):
            n = a.size
            idx = list(range(n)) if n <= 16 else [i * (n - 1) // 15 for i in range(16)]
            sample = a.flat[idx] if n else a.reshape(-1)
            data = repr(sample.tolist()).encode() if a.dtype.hasobject else sample.tobytes()
            return "%08x" % zlib.crc32(data, zlib.crc32(repr((a.shape, str(a.dtype))).encode()))

        def fp_values(self, arr, rows, seed):
            if not rows:
                return seed
            s = arr[rows]
            if self.np is not None and isinstance(s, self.np[0]) and not s.dtype.hasobject:
                return zlib.crc32(s.tobytes(), seed)
            return zlib.crc32(repr(list(s)).encode(), seed)

        def summary(self, x):
            t = type(x)
            if t in (list, tuple, dict, set, frozenset):
                return {"len": len(x)}
            self.libs()
            if self.np is not None and isinstance(x, self.np[0]):
                return {"shape": list(x.shape), "dtype": str(x.dtype), "fp": self.fp_array(x)}
            if self.pd is not None:
                if isinstance(x, self.pd[0]):
                    r, c = x.shape
                    cols = [str(k) for k in x.columns[:20]]
                    seed = zlib.crc32(repr((x.shape, [str(k) for k in x.columns])).encode())
                    rows = [i * (r - 1) // 3 for i in range(4)] if r > 4 else list(range(r))
                    get = getattr(x, "_get_column_array", None)
                    for j in ([i * (c - 1) // 3 for i in range(4)] if c > 4 else range(c)):
                        col = get(j) if get is not None else x.iloc[:, j].array
                        seed = self.fp_values(col, rows, seed)
                    return {"shape": [r, c], "columns": cols, "fp": "%08x" % seed}
                if isinstance(x, self.pd[1]):
                    n = len(x)
                    rows = [i * (n - 1) // 15 for i in range(16)] if n > 16 else list(range(n))
                    vals = getattr(x, "_values", None)
                    if vals is None:
                        vals = x.array
                    seed = zlib.crc32(repr((n, str(x.dtype))).encode())
                    return {"len": n, "dtype": str(x.dtype), "fp": "%08x" % self.fp_values(vals, rows, seed)}
            return None

        def describe(self, name, x):
            """(type, repr, value, summary, snapshot) for one version."""
            t = type(x)
            tn = type_name(t)
            if t is str and self.redact and SECRET.search(name):
                return tn, "'<redacted>'", "<redacted>", None, (id(x), None, x, tn)
            if t in (int, float, bool, NoneType) or (t is str and len(x) <= VALUE_STR_MAX):
                return tn, self.repr(x, tn), self.json_value(x), None, (id(x), None, x, tn)
            self.libs()
            value, scalar = None, NOSCALAR
            if self.np is not None and isinstance(x, self.np[1]):
                try:
                    item = x.item()
                    value = self.json_value(item)
                    if value is not None:
                        scalar = item
                except Exception:
                    pass
            try:
                summ = self.summary(x)
            except Exception:
                summ = None
            try:
                meta = self.meta(x)
            except Exception:
                meta = None
            return tn, self.repr(x, tn), value, summ, (id(x), meta, scalar, tn)

    # ------------------------------------------------------------------ files

    class FileLog:
        """Wraps builtins.open / io.open while installed; hashes content before and after.

        Only opens made on behalf of notebook code count: some frame up the stack runs in
        the user namespace (a cell, a notebook function) and no import is in progress
        below it. Imports (sklearn opens hundreds of tz/metadata files) and the
        collector's own work are not the notebook's file accesses.
        """

        def __init__(self, rec):
            self.rec = rec
            self.orig = builtins.open
            self.pending = []             # [entry, weakref-to-file or None, writes]
            self.cache = {}               # (path, size, mtime_ns) -> sha1
            self.main = threading.get_ident()
            self.busy = False
            self.wrapper = self._make_wrapper()

        def from_notebook(self, f):
            ns = self.rec.ns
            for _ in range(64):
                if f is None:
                    return False
                if f.f_globals is ns:
                    return True
                if f.f_code.co_filename.startswith("<frozen importlib"):
                    return False
                f = f.f_back
            return False

        def _make_wrapper(self):
            log, orig = self, self.orig

            def open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
                     closefd=True, opener=None):
                entry = None
                if isinstance(file, (str, bytes, os.PathLike)) and not log.busy \
                        and threading.get_ident() == log.main and log.from_notebook(sys._getframe(1)):
                    entry = log.before(file, mode)
                f = orig(file, mode, buffering, encoding, errors, newline, closefd, opener)
                if entry is not None:
                    log.add(entry, f)
                return f

            for attr in ("__doc__", "__module__", "__qualname__"):
                setattr(open, attr, getattr(orig, attr, None))
            return open

        def sha1(self, path, use_cache):
            try:
                st = os.stat(path)
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode) or st.st_size >= MAX_HASH_BYTES:
                return None
            key = (path, st.st_size, st.st_mtime_ns)
            if use_cache and key in self.cache:
                return self.cache[key]
            h = hashlib.sha1()
            with self.orig(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
            d = self.cache[key] = h.hexdigest()
            return d

        def before(self, file, mode):
            try:
                if not isinstance(mode, str) or len(self.pending) >= MAX_FILES:
                    return None
                path = os.path.abspath(os.fsdecode(os.fspath(file)))
                return {"name": path, "mode": mode, "before": self.sha1(path, True), "after": None,
                        "t": time.perf_counter()}
            except Exception as e:
                self.rec._fail(e)
                return None

        def add(self, entry, f):
            writes = any(c in entry["mode"] for c in "wax+")
            try:
                ref = weakref.ref(f) if writes else None
            except TypeError:
                ref = None
            self.pending.append([entry, ref, writes])

        def drain(self):
            out, keep = [], []
            for item in self.pending:
                entry, ref, writes = item
                if writes:
                    f = ref() if ref is not None else None
                    if f is not None and not getattr(f, "closed", True):
                        keep.append(item)     # hashed at a later drain, once closed
                        continue
                    try:
                        entry["after"] = self.sha1(entry["name"], False)
                    except Exception as e:
                        self.rec._fail(e)
                out.append(entry)
            self.pending = keep
            return out

    # ------------------------------------------------------------------ recorder

    class LoopState:
        __slots__ = ("it", "n", "phase2", "h0")

        def __init__(self, it):
            self.it, self.n, self.phase2, self.h0 = it, 0, False, None

    class IterShim:
        # `for` accepts an __iter__ that returns an object with only __next__; islice does not
        __slots__ = ("_it",)

        def __init__(self, it):
            self._it = it

        def __iter__(self):
            return self

        def __next__(self):
            return next(self._it)

    class Inert:
        # Left in builtins by uninstall(): functions peeled earlier still index
        # __nbprov__.fon and must then run their original body; a later install
        # continues the id counters from `carried`.
        def __init__(self, carried):
            self.carried = carried
            self.fon = [False] * carried["nfon"]

        def __getattr__(self, name):
            return lambda *a: a[-1] if a else None

    class Recorder:
        def __init__(self, shell, opts, carried):
            self.shell = shell
            self.ns = shell.user_ns
            self.mode = opts["capture"]
            budget = max(0, int(opts["loop_budget"]))
            self.K = sys.maxsize if self.mode == "full" else budget
            self.sum = Summaries(int(opts["repr_limit"]), bool(opts["redact"]))
            # Aliases for rewritten code: C callables, so errors they raise (a non-iterable
            # in a for) come from the user's frame, and user shadowing of iter is harmless.
            self.iter = builtins.iter
            self.islice = itertools.islice
            self.sites, self.loops, self.fns = {}, {}, {}
            self.fon, self.fcount, self.ftouched, self.ldeps = [], [], set(), {}
            self.ffuncs, self.fcodes = {}, {}     # fs -> [weakref(function)], fs -> [instr, plain]
            self.next_sid, self.next_v = 1, 1
            if carried:     # ids are never reused within a kernel
                self.next_sid, self.next_v = carried["next_sid"], carried["next_v"]
                self.fon = [False] * carried["nfon"]
                self.fcount = [0] * carried["nfon"]
            self.last, self.snap = {}, {}
            self.versions, self.deps = [], []
            self.errors, self.first_error, self.truncated = 0, None, False
            self.cell_id = None
            self.cell_mods = set()
            self.reported_mods = set()
            self.known_mods = {k for k in sys.modules if "." not in k}
            self.nmods = len(sys.modules)
            self.files = FileLog(self)
            self.rewriter = None

        # -- lifecycle

        def activate(self):
            sh = self.shell
            self.rewriter = Rewriter(self) if self.mode != "cells" else ImportsOnly(self)
            sh.ast_transformers.append(self.rewriter)
            sh.events.register("pre_run_cell", self.pre_run_cell)
            builtins.open = io.open = self.files.wrapper

        def uninstall(self):
            sh = self.shell
            if self.rewriter in sh.ast_transformers:
                sh.ast_transformers.remove(self.rewriter)
            try:
                sh.events.unregister("pre_run_cell", self.pre_run_cell)
            except ValueError:
                pass
            if builtins.open is self.files.wrapper:
                builtins.open = self.files.orig
            if io.open is self.files.wrapper:
                io.open = self.files.orig
            if getattr(builtins, ME, None) is self:
                setattr(builtins, ME, Inert({"next_sid": self.next_sid, "next_v": self.next_v,
                                             "nfon": len(self.fon)}))

        def pre_run_cell(self, info=None):
            self.cell_id = getattr(info, "cell_id", None)

        def new_cell(self):
            # the function budget is per cell
            on = self.K > 0
            for fs in self.ftouched:
                self.fon[fs] = on
                self.fcount[fs] = 0
                if on:
                    self._swap(fs, True)
            self.ftouched.clear()
            self.ldeps.clear()

        def _swap(self, fs, instrumented):
            # Past its budget a function gets the plain code of the user's own def, so the
            # remaining calls pay nothing (the fon guard stays as the fallback for
            # functions hidden behind decorators without __wrapped__).
            codes = self.fcodes.get(fs)
            if not codes:
                return
            if codes[1] is None:
                codes[1] = self._plain_code(fs, codes[0])
                if codes[1] is None:
                    return
            old, new = (codes[1], codes[0]) if instrumented else (codes[0], codes[1])
            for ref in self.ffuncs.get(fs, ()):
                f = ref()
                if f is not None and f.__code__ is old:
                    f.__code__ = new

        def _plain_code(self, fs, instr):
            fi = self.fns.get(id(instr), (None, None))[1]
            if fi is None:
                return None
            flags = instr.co_flags & FUTURE_FLAGS
            mod = compile(ast.Module(body=[fi.node], type_ignores=[]), instr.co_filename, "exec",
                          flags, dont_inherit=True)
            for c in mod.co_consts:
                if isinstance(c, types.CodeType) and c.co_name == fi.name:
                    if c.co_freevars != instr.co_freevars:
                        return None
                    self.fns[id(c)] = (c, fi)
                    return c
            return None

        def add_site(self, site):
            sid = self.next_sid
            self.next_sid = sid + 1
            self.sites[sid] = site
            return sid

        def add_fsite(self):
            self.fon.append(self.K > 0)
            self.fcount.append(0)
            return len(self.fon) - 1

        def _fail(self, e):
            self.errors += 1
            if self.first_error is None:
                tb = e.__traceback__
                while tb is not None and tb.tb_next is not None:
                    tb = tb.tb_next
                where = " (line %d)" % tb.tb_lineno if tb is not None else ""
                self.first_error = "%s: %s%s" % (type(e).__name__, e, where)

        # -- entry points called by rewritten code (never raise)

        def r(self, sid):
            try:
                self._record(self.sites[sid], MISSING)
            except Exception as e:
                self._fail(e)

        def rx(self, sid, value):
            try:
                self._record(self.sites[sid], value)
            except Exception as e:
                self._fail(e)
            return value

        def fe(self, fs):
            try:
                c = self.fcount[fs] + 1
                self.fcount[fs] = c
                self.ftouched.add(fs)
                if c >= self.K:
                    self.fon[fs] = False
                    self._swap(fs, False)
                self.ldeps[fs] = {}
            except Exception as e:
                self._fail(e)

        def lp(self, sid, it):
            if it is not None and not hasattr(type(it), "__iter__"):
                it = IterShim(it)
            self.loops.setdefault(sid, []).append(LoopState(it))

        def lh(self, sid):
            it = self.loops[sid][-1].it
            try:
                return self.islice(it, self.K)
            except Exception as e:
                self._fail(e)
                return it

        def lw(self, sid):
            try:
                return self.loops[sid][-1].n < self.K
            except Exception as e:
                self._fail(e)
                return False

        def li(self, sid):
            try:
                self.loops[sid][-1].n += 1
                self._record(self.sites[sid], MISSING)
            except Exception as e:
                self._fail(e)

        def lm(self, sid):
            try:
                st = self.loops[sid][-1]
                if st.n < self.K:
                    return False
                st.phase2 = True
                if st.it is not None:
                    h = operator.length_hint(st.it, -1)
                    st.h0 = h if h >= 0 else None
                return True
            except Exception as e:
                self._fail(e)
                return False

        def lr(self, sid):
            return self.loops[sid][-1].it

        def le(self, sid):
            try:
                stack = self.loops.get(sid)
                if stack:
                    self._loop_summary(self.sites[sid], stack.pop())
            except Exception as e:
                self._fail(e)

        # -- recording

        def _resolve(self, names, typ, loc, ld, out):
            last = self.last
            for n in names:
                if n in loc:
                    for v, t in ld.get(n, ()):
                        out.append((n, v, "condition" if typ == "condition" else t))
                else:
                    v = last.get(n)
                    if v is not None:
                        out.append((n, v, typ))

        def _fi(self, value):
            # FuncInfo of a notebook function (through functools.wraps decorators)
            for _ in range(4):
                if value is None or value is MISSING:
                    return None
                code = getattr(value, "__code__", None)
                if code is not None:
                    e = self.fns.get(id(code))
                    return e[1] if e is not None and e[0] is code else None
                value = getattr(value, "__wrapped__", None)
            return None

        def _call_deps(self, calls, loc, out):
            # globals read by called notebook functions, transitively through the
            # notebook functions they read, resolved now through the last-writer map
            if not calls or not self.fns:
                return
            ns, last = self.ns, self.last
            seen = set()
            stack = [c for c in calls if c not in loc]
            while stack:
                c = stack.pop()
                if c in seen:
                    continue
                seen.add(c)
                try:
                    fi = self._fi(ns.get(c))
                except Exception:
                    fi = None
                if fi is None:
                    continue
                for g in fi.reads:
                    v = last.get(g)
                    if v is not None:
                        out.append((g, v, "call"))
                    if g not in seen:
                        stack.append(g)

        def _changed(self, name, x):
            s = self.snap.get(name)
            if s is None:
                return True
            old = s[2]
            if old is not NOSCALAR:
                if type(x) is not type(old):
                    return True
                return not (x == old or (x != x and old != old))
            if id(x) != s[0]:
                return True
            try:
                return self.sum.meta(x) != s[1]
            except Exception:
                return False

        def _emit(self, name, kind, at, x, deps, iterations=None):
            if len(self.versions) >= MAX_VERSIONS or len(self.deps) >= MAX_DEPS:
                self.truncated = True
                return
            v = self.next_v
            self.next_v = v + 1
            if x is MISSING:
                old = self.snap.pop(name, None)
                tn, rp, val, summ = (old[3] if old else "NoneType"), "<deleted>", None, None
            else:
                tn, rp, val, summ, snap = self.sum.describe(name, x)
                self.snap[name] = snap
            self.versions.append({
                "v": v, "name": name, "kind": kind, "line": at[0], "col": at[1],
                "end_line": at[2], "end_col": at[3], "type": tn, "repr": rp, "value": val,
                "summary": summ, "iterations": iterations, "t": time.perf_counter()})
            seen = {v}
            out = self.deps
            for dv, typ in deps:      # first occurrence wins: bound, assignment, call, condition
                if dv not in seen:
                    seen.add(dv)
                    out.append([v, dv, typ])
            self.last[name] = v

        def _mutation(self, name, at, x, base, kind="mutate", iterations=None):
            deps = [(self.last[name], "bound")] if name in self.last else []
            deps.extend((v, t) for n, v, t in base if n != name)
            self._emit(name, kind, at, x, deps, iterations)

        def _record(self, site, result):
            ns = self.ns
            ctx = site.ctx
            if ctx is None:
                loc, ld = EMPTY, None
            else:
                loc = ctx.locals
                ld = self.ldeps.setdefault(ctx.fs, {})
            base = []
            self._resolve(site.loads, "assignment", loc, ld, base)
            self._call_deps(site.calls, loc, base)
            self._resolve(site.cond, "condition", loc, ld, base)
            flat = [(v, t) for _, v, t in base]
            done = set()
            for name, kind, at in site.targets:
                done.add(name)
                if name in loc:
                    ld[name] = flat
                    continue
                if kind == "del":
                    if name not in ns:
                        self._emit(name, "del", at, MISSING,
                                   [(self.last[name], "bound")] if name in self.last else [])
                    continue
                x = ns.get(name, MISSING)
                if x is not MISSING:
                    self._emit(name, "global" if ctx is not None else kind, at, x, flat)
            for name, at, inner in site.walrus:
                if name in loc:
                    ld[name] = flat
                    continue
                x = ns.get(name, MISSING)
                if x is not MISSING:
                    wl = []
                    self._resolve(inner, "assignment", loc, ld, wl)
                    self._resolve(site.cond, "condition", loc, ld, wl)
                    self._emit(name, "walrus", at, x, [(v, t) for _, v, t in wl])
                    done.add(name)
            for name, at, how in site.muts:
                if name in done:
                    continue
                if name in loc:
                    ld[name] = ld.get(name, []) + [(v, t) for n, v, t in base if n != name]
                    continue
                x = ns.get(name, MISSING)
                if x is MISSING or isinstance(x, types.ModuleType):
                    continue
                if how == "ret" and not (result is None or result is x):
                    continue
                done.add(name)
                self._mutation(name, at, x, base)
            if site.check:
                snap = self.snap
                for n in site.loads:
                    if n in done or n in loc:
                        continue
                    s = snap.get(n)
                    if s is None or s[1] is None:
                        continue
                    x = ns.get(n, MISSING)
                    if x is not MISSING and id(x) == s[0] and self.sum.meta(x) != s[1]:
                        done.add(n)
                        self._mutation(n, site.pos, x, base)
                self._repair(site.calls, loc, done, site.pos, base)
            if site.mods:
                self.cell_mods.update(site.mods)
            if site.fn is not None and ctx is None:
                self._register(ns.get(site.targets[0][0]), site.fn)

        def _register(self, f, fi):
            for _ in range(4):
                code = getattr(f, "__code__", None)
                if code is not None:
                    self.fns[id(code)] = (code, fi)
                    if fi.fs is not None and code.co_name == fi.name:
                        codes = self.fcodes.get(fi.fs)
                        if codes is None or codes[0] is not code:
                            self.fcodes[fi.fs] = [code, None]
                            self.ffuncs[fi.fs] = []
                        self.ffuncs[fi.fs].append(weakref.ref(f))
                        if not self.fon[fi.fs]:
                            self._swap(fi.fs, False)
                    return
                f = getattr(f, "__wrapped__", None)

        def _repair(self, calls, loc, done, at, base, iterations=None, kind=None):
            # a notebook function past its budget ran uninstrumented: version the globals
            # it may write whose value no longer matches their last recorded version
            if not calls or not self.fns:
                return
            ns = self.ns
            for c in calls:
                if c in loc:
                    continue
                fi = self._fi(ns.get(c))
                if fi is None:
                    continue
                for g in fi.writes + fi.gmuts:
                    if g in done or g in loc:
                        continue
                    x = ns.get(g, MISSING)
                    if x is MISSING or isinstance(x, types.ModuleType) or not self._changed(g, x):
                        continue
                    done.add(g)
                    self._mutation(g, at, x, base,
                                   kind or ("global" if g in fi.writes else "mutate"), iterations)

        def _loop_summary(self, site, st):
            L = site.loop
            if st.phase2:
                iters = None
                if st.h0 is not None:
                    h = operator.length_hint(st.it, -1)
                    if h >= 0:
                        iters = st.n + st.h0 - h
            else:
                iters = st.n
            ns = self.ns
            ctx = site.ctx
            if ctx is None:
                loc, ld = EMPTY, None
            else:
                loc = ctx.locals
                ld = self.ldeps.setdefault(ctx.fs, {})
            base = []
            self._resolve(L.loads, "assignment", loc, ld, base)
            self._call_deps(L.calls, loc, base)
            self._resolve(L.iters, "condition", loc, ld, base)
            self._resolve(site.cond, "condition", loc, ld, base)
            done = set()
            for name in L.names:
                if name in loc:
                    ld[name] = ld.get(name, []) + [(v, t) for n, v, t in base if n != name]
                    continue
                x = ns.get(name, MISSING)
                if x is MISSING or isinstance(x, types.ModuleType):
                    continue
                if self._changed(name, x) or (st.phase2 and name in L.static):
                    done.add(name)
                    self._mutation(name, site.pos, x, base, "loop", iters)
            self._repair(L.calls, loc, done, site.pos, base, iters, "loop")

        # -- reporting

        def _modules(self):
            names = set(self.cell_mods)
            self.cell_mods = set()
            mods = sys.modules
            if len(mods) != self.nmods:
                self.nmods = len(mods)
                std = sys.stdlib_module_names
                for k in list(mods):
                    if "." in k or k in self.known_mods:
                        continue
                    self.known_mods.add(k)
                    if not k.startswith("_") and k not in std and \
                            isinstance(getattr(mods[k], "__file__", None), str):
                        names.add(k)
            out = []
            for n in sorted(names):
                m = mods.get(n)
                if n in self.reported_mods or m is None:
                    continue
                self.reported_mods.add(n)
                path = getattr(m, "__file__", None)
                out.append({"name": n, "version": self._version_of(n, m),
                            "path": path if isinstance(path, str) else None})
            return out

        def _version_of(self, n, m):
            v = getattr(m, "__version__", None)
            if isinstance(v, str):
                return v
            if v is not None:
                return str(v)
            if n in sys.stdlib_module_names:
                return None
            try:
                from importlib import metadata
                return metadata.version(n)
            except Exception:
                return None

        def drain(self):
            """Events since the last drain, as IPython.display.JSON:
            {cell_id, versions, deps, files, modules, errors, first_error, truncated}."""
            self.files.busy = True        # metadata lookups open files: not the notebook's
            try:
                files = self.files.drain()
            except Exception as e:
                self._fail(e)
                files = []
            try:
                modules = self._modules()
            except Exception as e:
                self._fail(e)
                modules = []
            finally:
                self.files.busy = False
            payload = {
                "cell_id": self.cell_id, "versions": self.versions, "deps": self.deps,
                "files": files, "modules": modules, "errors": self.errors,
                "first_error": self.first_error, "truncated": self.truncated}
            self.versions, self.deps = [], []
            self.errors, self.first_error, self.truncated = 0, None, False
            return JSON(payload)

        def environment(self):
            import platform
            try:
                import ipykernel
                ipk = ipykernel.__version__
            except Exception:
                ipk = None
            import IPython
            return JSON({
                "python": sys.version, "implementation": sys.implementation.name,
                "executable": sys.executable, "platform": platform.platform(),
                "ipython": IPython.__version__, "ipykernel": ipk, "cwd": os.getcwd(),
                "pid": os.getpid(), "capture": self.mode, "loop_budget": self.K if self.mode == "vars" else None})

    # ------------------------------------------------------------------ install

    opts = dict(OPTIONS)
    opts.update(config or {})
    if opts["capture"] not in ("cells", "vars", "full"):
        raise ValueError("capture must be cells, vars or full, not %r" % (opts["capture"],))
    shell = get_ipython()
    prev = getattr(builtins, ME, None)
    if callable(getattr(type(prev), "uninstall", None)):     # an earlier Recorder
        prev.uninstall()                                     # leaves an Inert in builtins
        prev = getattr(builtins, ME, None)
    carried = vars(prev).get("carried") if hasattr(prev, "__dict__") else None
    rec = Recorder(shell, opts, carried)
    setattr(builtins, ME, rec)
    rec.activate()
    shell.user_ns.pop("__nbprov_install__", None)
