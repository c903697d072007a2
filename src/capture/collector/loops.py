"""Peeled loops at run time: the iteration budget and the summary version after the loop.

The rewriter turns `for x in it: body` into

    __nbprov__.lp(sid, __nbprov__.iter(it))
    try:
        for x in __nbprov__.lh(sid):         # the first K items, instrumented
            __nbprov__.li(sid); <body with records>
        else:
            if __nbprov__.lm(sid):           # budget used up: the rest, uninstrumented
                for x in __nbprov__.lr(sid): body
    finally:
        __nbprov__.le(sid)                   # one summary version per changed name

and a while loop alike, with `__nbprov__.lw(sid) and test` as phase 1's test.
"""
import builtins
import itertools
import operator

from .values import MISSING


class LoopState:
    # one running loop: its iterator, instrumented iterations, and whether phase 2 ran
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


class LoopHooks:
    """The loop entry points of `__nbprov__`: a mixin of the Recorder, whose state
    (K, sites, ns, ldeps) and record methods it uses."""

    def _init_loops(self):
        self.loops = {}                  # sid -> stack of LoopState (a loop may recurse)
        # Aliases for rewritten code: C callables, so errors they raise (a non-iterable
        # in a for) come from the user's frame, and user shadowing of iter is harmless.
        self.iter = builtins.iter
        self.islice = itertools.islice

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
        loc, ld, base = self._statement_deps(site, L.loads, L.calls, (L.iters, site.cond))
        done = set()
        for name in L.names:
            x = self._changed_global(name, loc, ld, base)
            if x is MISSING:
                continue
            if self._changed(name, x) or (st.phase2 and name in L.static):
                done.add(name)
                self._mutation(name, site.pos, x, base, "loop", iters)
        self._repair(L.calls, loc, done, site.pos, base, iters, "loop")
