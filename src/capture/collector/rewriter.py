"""The AST transformer that instruments a cell: one cheap record call after each statement.

Loops are peeled: the first `budget` iterations run an instrumented copy, the rest run the original
body on the same iterator, then one summary record. Notebook functions are peeled by call
count: the first `budget` calls per cell run an instrumented copy. So a long loop or a
function called a million times costs its plain run time plus a constant, instead of a record
per iteration. Rewritten code calls the recorder through `__nbprov__` in builtins, the one
name the collector adds to the kernel: the entry points are its attributes, so they cannot
clash with a user's names, and a cell that names `__nbprov...` itself is left untouched.
"""
import ast
import copy
import sys

from .scan import FuncInfo, Scan, jumps
from .sites import Ctx, add_targets, expr_site, extend_cond, loop_site, make_site, simple_site

ME = "__nbprov__"


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
                    return tree      # our own drain cells
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
            if type(s) is ast.If and jumps(s):
                # `if done: break` governs the rest of the loop body
                cond = extend_cond(cond, Scan().scan([s.test]).loads)
        return out

    def record(self, site, at):
        return stmt_call(at, "record", const(self.rec.add_site(site)))

    # -- statements

    def stmt(self, s, ctx, cond, last):
        T = type(s)
        if T in (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Import, ast.ImportFrom):
            return self.simple_stmt(s, ctx, cond, last)
        if T is ast.Expr:
            return self.expr_stmt(s, ctx, cond)
        if T is ast.FunctionDef or T is ast.AsyncFunctionDef:
            return self.funcdef(s, ctx, cond)
        if T is ast.ClassDef:
            # class bodies are not instrumented (name mangling, class scope rules)
            sc = Scan().scan([s])
            site = make_site(sc, [(s.name, "class", s)], [], ctx, cond, s)
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
            return [self.try_(s, ctx, cond)]
        if T is ast.Match:
            return [self.match(s, ctx, cond)]
        if (T is ast.Global or T is ast.Nonlocal) and ctx is not None:
            return []            # hoisted above the peel guard by funcdef
        return [s]

    def simple_stmt(self, s, ctx, cond, last):
        # an assignment, deletion or import: recorded after it runs
        site = simple_site(s, ctx, cond)
        if site is None:
            return [s]
        out = [s, self.record(site, s)]
        if last and self.rec.shell.ast_node_interactivity == "last_expr_or_assign":
            # IPython displays a final assignment only if it is the last node: do it
            T = type(s)
            tgt = None
            if T is ast.Assign and len(s.targets) == 1:
                tgt = s.targets[0]
            elif T is ast.AugAssign or T is ast.AnnAssign:
                tgt = s.target
            if isinstance(tgt, ast.Name):
                out.append(ast.copy_location(ast.Expr(ast.Name(id=tgt.id, ctx=ast.Load())), s))
        return out

    def expr_stmt(self, s, ctx, cond):
        site = expr_site(s, ctx, cond)
        if site is None:
            return [s]
        # wrap instead of appending: the final expression must stay last (Out[])
        sid = self.rec.add_site(site)
        return [ast.copy_location(ast.Expr(value=call("record_value", const(sid), s.value)), s)]

    def try_(self, s, ctx, cond):
        n = copy.copy(s)
        n.body = self.block(s.body, ctx, cond) or [ast.Pass()]
        n.handlers = []
        for h in s.handlers:
            h2 = copy.copy(h)
            h2.body = self.block(h.body, ctx, cond) or [ast.Pass()]
            n.handlers.append(h2)
        n.orelse = self.block(s.orelse, ctx, cond)
        n.finalbody = self.block(s.finalbody, ctx, cond)
        return n

    def match(self, s, ctx, cond):
        sc = Scan().scan([s.subject])
        case_cond = extend_cond(cond, sc.loads)
        n = copy.copy(s)
        n.cases = []
        for case in s.cases:
            c = copy.copy(case)
            c.body = self.block(case.body, ctx, case_cond) or [ast.Pass()]
            n.cases.append(c)
        return n

    def funcdef(self, s, ctx, cond):
        sc = Scan().scan([s])            # decorators and defaults: evaluated at def time
        fi = FuncInfo(s)
        site = make_site(sc, [(s.name, "def", s)], [], ctx, cond, s)
        site.fn = fi
        new = s
        if ctx is None and fi.peelable:
            new = self.peel_def(s, fi)
        return [new, self.record(site, s)]

    def peel_def(self, s, fi):
        # `if __nbprov__.fn_instrumented[fs]: <instrumented body> else: <original body>`
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
        fs = fi.fs = self.rec.add_function_site()
        instr = [stmt_call(body[0], "function_entry", const(fs))] + self.block(body, Ctx(fs, fi.locals), ())
        guard = ast.copy_location(ast.If(
            test=ast.Subscript(value=ast.Attribute(value=ast.Name(id=ME, ctx=ast.Load()),
                                                   attr="fn_instrumented", ctx=ast.Load()),
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
        c2 = extend_cond(cond, sc.loads)
        n = copy.copy(s)
        n.body = self.block(s.body, ctx, c2) or [ast.Pass()]
        n.orelse = self.block(s.orelse, ctx, c2)
        if sc.walrus or sc.muts or sc.rng:
            # the test's := targets exist once the test ran: record at both branch heads
            site = make_site(sc, [], [], ctx, cond, s.test)
            n.body.insert(0, self.record(site, s.test))
            n.orelse.insert(0, self.record(site, s.test))
        return n

    def with_(self, s, ctx, cond):
        sc = Scan().scan([i.context_expr for i in s.items])
        binds, muts = [], []
        for i in s.items:
            if i.optional_vars is not None:
                add_targets(i.optional_vars, "with", binds, muts)
                sc.scan([i.optional_vars])
        n = copy.copy(s)
        n.body = self.block(s.body, ctx, cond)
        if binds or muts or sc.walrus or sc.muts or sc.rng:
            site = make_site(sc, binds, muts, ctx, cond, s)
            n.body.insert(0, self.record(site, s))
        n.body = n.body or [ast.Pass()]
        return n

    def peel_for(self, s, ctx, cond):
        # Phase 1 runs the budget instrumented; phase 2 sits in phase 1's else so a break in phase 1 skips it;
        # it runs only when phase 1 used its whole budget (an iterator that resumes after
        # StopIteration must not be resumed); the user's else is duplicated accordingly.
        isc = Scan().scan([s.iter])
        binds, muts = [], []
        add_targets(s.target, "for", binds, muts)
        sid = self.rec.add_site(loop_site(s, ctx, cond, isc, binds, muts, False))
        pre = [stmt_call(s, "loop_begin", const(sid), call("iter", s.iter))]
        if isc.walrus or isc.muts or isc.rng:
            pre.append(self.record(make_site(isc, [], [], ctx, cond, s.iter), s))
        bcond = extend_cond(cond, isc.loads)
        phase2 = ast.copy_location(ast.For(target=s.target, iter=call("loop_rest", const(sid)),
                                           body=s.body, orelse=self.block(s.orelse, ctx, cond),
                                           type_comment=None), s)
        phase1 = ast.copy_location(ast.For(
            target=s.target, iter=call("loop_budgeted", const(sid)),
            body=[stmt_call(s, "loop_iteration", const(sid))] + self.block(s.body, ctx, bcond),
            orelse=[ast.copy_location(ast.If(test=call("loop_past_budget", const(sid)), body=[phase2],
                                             orelse=self.block(s.orelse, ctx, cond)), s)],
            type_comment=None), s)
        return pre + [self.guarded(s, phase1, sid)]

    def peel_while(self, s, ctx, cond):
        tsc = Scan().scan([s.test])
        sid = self.rec.add_site(loop_site(s, ctx, cond, tsc, [], [], True))
        bcond = extend_cond(cond, tsc.loads)
        # `lw() and COND`: the counter test comes first so COND is never evaluated twice
        phase2 = ast.copy_location(ast.While(test=s.test, body=s.body,
                                             orelse=self.block(s.orelse, ctx, cond)), s)
        phase1 = ast.copy_location(ast.While(
            test=ast.BoolOp(op=ast.And(), values=[call("while_in_budget", const(sid)), s.test]),
            body=[stmt_call(s, "loop_iteration", const(sid))] + self.block(s.body, ctx, bcond),
            orelse=[ast.copy_location(ast.If(test=call("loop_past_budget", const(sid)), body=[phase2],
                                             orelse=self.block(s.orelse, ctx, cond)), s)]), s)
        return [stmt_call(s, "loop_begin", const(sid), const(None)), self.guarded(s, phase1, sid)]

    def summary_only(self, s, ctx, cond):
        # async for: islice cannot peel an async iterator; record the summary only
        isc = Scan().scan([s.iter])
        sid = self.rec.add_site(loop_site(s, ctx, cond, isc, [], [], False))
        return [stmt_call(s, "loop_begin", const(sid), const(None)), self.guarded(s, s, sid)]

    @staticmethod
    def guarded(at, loop, sid):
        # try/finally: the summary is also recorded when the loop raises or returns
        return ast.copy_location(ast.Try(body=[loop], handlers=[], orelse=[],
                                         finalbody=[stmt_call(at, "loop_end", const(sid))]), at)


class ImportsOnly(ast.NodeTransformer):
    # capture "cells": no rewriting, but a cell's own imports are still reported as
    # modules even when something else loaded them earlier

    def __init__(self, rec):
        self.rec = rec

    def visit_Module(self, tree):
        try:
            for n in ast.walk(tree):
                if isinstance(n, ast.Import):
                    self.rec.modules.imported.update(a.name.split(".")[0] for a in n.names)
                elif isinstance(n, ast.ImportFrom) and n.module and not n.level:
                    self.rec.modules.imported.add(n.module.split(".")[0])
        except Exception as e:
            self.rec._fail(e)
        return tree


class StripDecls(ast.NodeTransformer):
    # removes the global / nonlocal declarations peel_def hoisted above its guard,
    # leaving those of nested functions and classes alone
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
