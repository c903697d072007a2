"""Peeled loops at run time: the iteration budget and the summary version after the loop.

The rewriter turns `for x in it: body` into

    __nbprov__.loop_begin(sid, __nbprov__.iter(it))
    try:
        for x in __nbprov__.loop_budgeted(sid):     # the first `budget` items, instrumented
            __nbprov__.loop_iteration(sid); <body with records>
        else:
            if __nbprov__.loop_past_budget(sid):    # budget used up: the rest, uninstrumented
                for x in __nbprov__.loop_rest(sid): body
    finally:
        __nbprov__.loop_end(sid)                    # one summary version per changed name

and a while loop alike, with `__nbprov__.while_in_budget(sid) and test` as phase 1's test.
"""
import builtins
import itertools
import operator
import types

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
    (budget, sites, ns, fn_local_deps) and record methods it uses."""

    def _init_loops(self):
        self.loops = {}                  # sid -> stack of LoopState (a loop may recurse)
        # Aliases for rewritten code: C callables, so errors they raise (a non-iterable
        # in a for) come from the user's frame, and user shadowing of iter is harmless.
        self.iter = builtins.iter
        self.islice = itertools.islice

    def loop_begin(self, sid, it):
        if it is not None and not hasattr(type(it), "__iter__"):
            it = IterShim(it)
        self.loops.setdefault(sid, []).append(LoopState(it))

    def loop_budgeted(self, sid):
        it = self.loops[sid][-1].it
        try:
            return self.islice(it, self.budget)
        except Exception as e:
            self._fail(e)
            return it

    def while_in_budget(self, sid):
        try:
            return self.loops[sid][-1].n < self.budget
        except Exception as e:
            self._fail(e)
            return False

    def loop_iteration(self, sid):
        try:
            self.loops[sid][-1].n += 1
            self._record_site(self.sites[sid], MISSING)
        except Exception as e:
            self._fail(e)

    def loop_past_budget(self, sid):
        try:
            st = self.loops[sid][-1]
            if st.n < self.budget:
                return False
            st.phase2 = True
            if st.it is not None:
                h = operator.length_hint(st.it, -1)
                st.h0 = h if h >= 0 else None
            return True
        except Exception as e:
            self._fail(e)
            return False

    def loop_rest(self, sid):
        return self.loops[sid][-1].it

    def loop_end(self, sid):
        try:
            stack = self.loops.get(sid)
            if stack:
                self._loop_summary(self.sites[sid], stack.pop())
        except Exception as e:
            self._fail(e)

    def _loop_summary(self, site, st):
        loop = site.loop
        if st.phase2:
            iters = None
            if st.h0 is not None:
                h = operator.length_hint(st.it, -1)
                if h >= 0:
                    iters = st.n + st.h0 - h
        else:
            iters = st.n
        ns = self.ns
        if loop.flows is None:
            loop.flow.draws = self._rng_flow(site)
            loop.flows = loop.flow.flows({n for n in loop.flow.written if isinstance(ns.get(n), types.ModuleType)})
        local_names, local_deps = self._scope(site.ctx)
        conditions = []
        self._resolve(site.cond, "condition", local_names, local_deps, conditions)
        cond = [(v, t) for _, v, t in conditions]
        # every dependency is resolved before the first summary version replaces a last writer
        todo = []
        for name in loop.names:
            flow = loop.flows.get(name)
            if flow is None:
                continue
            if name in local_names:      # a notebook function's local: its deps only extend
                todo.append((name, MISSING, self._flow_deps(name, flow, local_names, local_deps, cond)))
                continue
            x = ns.get(name, MISSING)
            if x is MISSING or isinstance(x, types.ModuleType):
                continue
            if self._changed(name, x) or (st.phase2 and (name in loop.static or name in loop.flow.drawn)):
                todo.append((name, x, self._flow_deps(name, flow, local_names, local_deps, cond)))
        bases = {}
        for c in loop.calls:
            flow = loop.flows.get(c + "()")
            if flow is not None:
                bases[c] = self._flow_resolve(flow, local_names, local_deps) + conditions
        states = self._rng_summaries(loop, st.phase2, local_names, local_deps, cond)
        done = set()
        for name, x, deps in todo:
            if x is MISSING:
                local_deps[name] = local_deps.get(name, []) + deps
            else:
                done.add(name)
                self._loop_version(name, x, deps, site.pos, iters, name in loop.static)
        for state, deps in states:
            self._rng_emit(state, "loop", site.pos, deps, iters)
        self._repair(loop.calls, local_names, done, site.pos, bases, iters, "loop")
        if self.alias_queue:
            self._alias_flush(done)

    def _flow_deps(self, name, flow, local_names, local_deps, cond):
        """[(version, type)] of a summary version of name: what flows into it, resolved now.
        Its own previous version comes first: `bound` if the loop only changed the object,
        a data dependency if it re-bound the name (`m = m * 0.9` is no mutation)."""
        own, out = [], []
        for n, v, t in self._flow_resolve(flow, local_names, local_deps):
            if n != name:
                out.append((v, t))
            elif name not in local_names:
                own.append((v, "bound" if t == "assignment" and not flow.rebound else t))
        return own + out + cond

    def _flow_resolve(self, flow, local_names, local_deps):
        # [(name, version, type)] of what a Flow reads, through the last writers now
        res = []
        self._resolve(flow.data, "assignment", local_names, local_deps, res)
        self._call_deps(flow.calls, local_names, res)
        self._resolve(flow.control, "condition", local_names, local_deps, res)
        return res
