"""Notebook functions at run time: the per-cell call budget and the globals they touch.

A peeled function body reads `if __nbprov__.fn_instrumented[fs]: <instrumented> else: <original>`.
Its first `budget` calls in a cell run the instrumented copy (each starts with
`__nbprov__.function_entry(fs)`); after that the function object gets the plain code of the user's
own def, and the statements that call it version, through _repair, the globals it may
have changed.
"""
import __future__
import ast
import functools
import operator
import types
import weakref

from .values import MISSING

FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, n).compiler_flag for n in __future__.all_feature_names), 0)


class FunctionHooks:
    """The function entry points of `__nbprov__`: a mixin of the Recorder, whose state
    (budget, ns, last) and record methods it uses."""

    def _init_functions(self, carried):
        # fs: a function site, the index of a peeled notebook function's guard
        self.fn_by_code = {}                # id(code) -> (code, FuncInfo), plain and instrumented
        self.fn_instrumented = []           # fs -> whether its calls run the instrumented copy
        self.fn_calls = []                  # fs -> its calls in this cell
        self.fn_called = set()              # the function sites called in this cell
        self.fn_local_deps = {}             # fs -> {local name -> deps}, for the current call
        self.fn_objects, self.fn_codes = {}, {}     # fs -> [weakref(function)], fs -> [instr, plain]
        if carried:     # Inert keeps the old guards indexable: new sites continue after them
            self.fn_instrumented = [False] * carried["n_function_sites"]
            self.fn_calls = [0] * carried["n_function_sites"]

    def new_cell(self):
        # the function budget is per cell
        on = self.budget > 0
        for fs in self.fn_called:
            self.fn_instrumented[fs] = on
            self.fn_calls[fs] = 0
            if on:
                self._swap(fs, True)
        self.fn_called.clear()
        self.fn_local_deps.clear()

    def add_function_site(self):
        self.fn_instrumented.append(self.budget > 0)
        self.fn_calls.append(0)
        return len(self.fn_instrumented) - 1

    def function_entry(self, fs):
        try:
            c = self.fn_calls[fs] + 1
            self.fn_calls[fs] = c
            self.fn_called.add(fs)
            if c >= self.budget:
                self.fn_instrumented[fs] = False
                self._swap(fs, False)
            self.fn_local_deps[fs] = {}
        except Exception as e:
            self._fail(e)

    def _swap(self, fs, instrumented):
        # Past its budget a function gets the plain code of the user's own def, so the
        # remaining calls pay nothing (the fn_instrumented guard stays as the fallback for
        # functions hidden behind decorators without __wrapped__).
        codes = self.fn_codes.get(fs)
        if not codes:
            return
        if codes[1] is None:
            codes[1] = self._plain_code(fs, codes[0])
            if codes[1] is None:
                return
        old, new = (codes[1], codes[0]) if instrumented else (codes[0], codes[1])
        for ref in self.fn_objects.get(fs, ()):
            f = ref()
            if f is not None and f.__code__ is old:
                f.__code__ = new

    def _plain_code(self, fs, instr):
        fi = self.fn_by_code.get(id(instr), (None, None))[1]
        if fi is None:
            return None
        flags = instr.co_flags & FUTURE_FLAGS
        mod = compile(ast.Module(body=[fi.node], type_ignores=[]), instr.co_filename, "exec",
                      flags, dont_inherit=True)
        for c in mod.co_consts:
            if isinstance(c, types.CodeType) and c.co_name == fi.name:
                if c.co_freevars != instr.co_freevars:
                    return None
                self.fn_by_code[id(c)] = (c, fi)
                return c
        return None

    def _register(self, f, fi):
        for _ in range(4):
            code = getattr(f, "__code__", None)
            if code is not None:
                self.fn_by_code[id(code)] = (code, fi)
                if fi.fs is not None and code.co_name == fi.name:
                    codes = self.fn_codes.get(fi.fs)
                    if codes is None or codes[0] is not code:
                        self.fn_codes[fi.fs] = [code, None]
                        self.fn_objects[fi.fs] = []
                    self.fn_objects[fi.fs].append(weakref.ref(f))
                    if not self.fn_instrumented[fi.fs]:
                        self._swap(fi.fs, False)
                return
            f = getattr(f, "__wrapped__", None)

    def _fi(self, value):
        # FuncInfo of a notebook function (through functools.wraps decorators)
        for _ in range(4):
            if value is None or value is MISSING:
                return None
            code = getattr(value, "__code__", None)
            if code is not None:
                e = self.fn_by_code.get(id(code))
                return e[1] if e is not None and e[0] is code else None
            value = getattr(value, "__wrapped__", None)
        return None

    def _call_deps(self, calls, local_names, out):
        # globals read by called notebook functions, transitively through the
        # notebook functions they read, resolved now through the last-writer map
        if not calls or not self.fn_by_code:
            return
        ns, last = self.ns, self.last
        seen = set()
        stack = [c for c in calls if c not in local_names]
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
            if fi.rng:
                self._rng_call_deps(fi.rng, out)

    def _repair(self, calls, local_names, done, at, base, iterations=None, kind=None):
        """A notebook function past its budget ran uninstrumented: version the globals it may
        write whose value no longer matches their last recorded version. base: the deps of
        the calling statement, or {function name: deps} (a loop's per-call flows)."""
        if not calls or not self.fn_by_code:
            return
        ns = self.ns
        for c in calls:
            if c in local_names:
                continue
            fi = self._fi(ns.get(c))
            if fi is None:
                continue
            b = base.get(c, ()) if isinstance(base, dict) else base
            for g in fi.writes + fi.gmuts:
                if g in done or g in local_names:
                    continue
                x = ns.get(g, MISSING)
                if x is MISSING or isinstance(x, types.ModuleType) or not self._changed(g, x):
                    continue
                done.add(g)
                # `global g; g = ...` re-binds g: it depends on its old version only if it reads it
                own = "bound" if g not in fi.writes else "assignment" if g in fi.reads else None
                self._mutation(g, at, x, b, kind or ("global" if g in fi.writes else "mutate"),
                               iterations, own=own)
