"""Static per-name flow of a loop nest: what can reach each name a loop binds or changes.

A peeled loop's summary version stands for iterations nobody recorded, so its dependencies
come from here. The edges are collected once per loop when the cell is transformed; their
closure once per loop site, at its first exit (it needs to know which names are modules);
nothing runs per iteration. Flow-insensitive on purpose: a loop carries values from one
iteration to the next, so any write in the body can reach any read (`a = b; b = c` makes
a depend on c).
"""
import ast

from .scan import Scan, ret_call, root_name


class Flow:
    """What reaches one name: data (read by the statements that write it, or by what they
    read), control (read by the tests deciding whether and how often those run), calls (the
    names they call), and whether the loop re-binds the name or only changes its object."""
    __slots__ = ("data", "control", "calls", "rebound")

    def __init__(self, data, control, calls, rebound):
        self.data, self.control, self.calls, self.rebound = data, control, calls, rebound


class _Frame:
    # one loop of the nest: the names written in it and the tests that decide its iterations
    __slots__ = ("written", "control")

    def __init__(self, control):
        self.written, self.control = set(), set(control)


class LoopFlow:
    """The direct edges of a loop nest (built by `loop_flow`), closed by flows().

    D / C / F: name -> names read by the statements writing it / by the tests governing
    them / called by them. A call `f(...)` also writes the pseudo-name "f()", so the globals
    a notebook function changes (found at run time) get the flow of the statements calling it.
    """

    def __init__(self):
        self.D, self.C, self.F = {}, {}, {}
        self.rebound = set()
        self.frames = [_Frame(())]        # a break in the outermost loop's else leaves the nest

    # -- edges

    def _write(self, name, data, control, calls):
        if name not in self.D:
            self.D[name], self.C[name], self.F[name] = set(), set(), set()
        self.D[name].update(data)
        self.C[name].update(control)
        self.F[name].update(calls)
        self.frames[-1].written.add(name)

    def bind(self, name, data, control, calls):
        self.rebound.add(name)
        self._write(name, data, control, calls)

    def mutate(self, root, data, control, calls):
        self._write(root, set(data) | {root}, control, calls)

    def expr(self, nodes, control, stmt_call=None):
        """Scan of expressions, with the writes inside them: := targets, and the receivers of
        mutator calls (and of stmt_call, an expression statement `obj.m(...)`), each from
        what its own call reads: `reg.fit(X, y).predict(Z)` changes reg from reg, X and y."""
        sc = Scan().scan(nodes)
        loads, calls = set(sc.loads), set(sc.calls)
        for w, inner in sc.walrus:
            wl = Scan().scan([w.value])
            self.bind(w.target.id, [n for n in wl.loads if n not in inner], control,
                      [c for c in wl.calls if c not in inner])
        for r, node, mutator in sc.rcalls:
            if mutator or node is stmt_call:
                c = Scan().scan([node])
                self.mutate(r, loads.intersection(c.loads), control, calls.intersection(c.calls))
        for f in calls:
            self._write(f + "()", loads, control, calls)
        return sc

    def targets(self, t, data, control, calls):
        if isinstance(t, ast.Name):
            self.bind(t.id, data, control, calls)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self.targets(e, data, control, calls)
        elif isinstance(t, ast.Starred):
            self.targets(t.value, data, control, calls)
        elif isinstance(t, (ast.Attribute, ast.Subscript)):
            r = root_name(t)
            if r:
                self.mutate(r, data, control, calls)

    # -- statements

    def block(self, stmts, control):
        for s in stmts:
            self.stmt(s, control)

    def stmt(self, s, control):
        T = type(s)
        if T is ast.Assign or T is ast.AugAssign or T is ast.AnnAssign:
            if T is ast.AnnAssign and s.value is None:
                return
            sc = self.expr([s] if T is not ast.AnnAssign else [s.target, s.value], control)
            for t in (s.targets if T is ast.Assign else [s.target]):
                self.targets(t, sc.loads, control, sc.calls)
        elif T is ast.Expr:
            self.expr([s.value], control, ret_call(s.value))
        elif T is ast.If:
            c2 = control | set(self.expr([s.test], control).loads)
            self.block(s.body, c2)
            self.block(s.orelse, c2)
        elif T is ast.For or T is ast.AsyncFor or T is ast.While:
            self.loop(s, control)
        elif T is ast.With or T is ast.AsyncWith:
            for i in s.items:
                sc = self.expr([i.context_expr], control)
                if i.optional_vars is not None:
                    self.targets(i.optional_vars, sc.loads, control, sc.calls)
            self.block(s.body, control)
        elif T is ast.Try or T.__name__ == "TryStar":
            self.block(s.body, control)
            for h in s.handlers:
                if h.type is not None:
                    self.expr([h.type], control)
                if h.name:
                    self.bind(h.name, (), control, ())
                self.block(h.body, control)
            self.block(s.orelse, control)
            self.block(s.finalbody, control)
        elif T is ast.Match:
            sc = self.expr([s.subject], control)
            c2 = control | set(sc.loads)
            for case in s.cases:
                for n in ast.walk(case.pattern):
                    name = getattr(n, "name", None) or getattr(n, "rest", None)
                    if isinstance(name, str):
                        self.bind(name, sc.loads, c2, sc.calls)
                c3 = c2 | set(self.expr([case.guard], c2).loads) if case.guard else c2
                self.block(case.body, c3)
        elif T is ast.Delete:
            for t in s.targets:
                if isinstance(t, ast.Name):
                    self.bind(t.id, (), control, ())
                else:
                    self.targets(t, self.expr([t], control).loads, control, ())
        elif T is ast.FunctionDef or T is ast.AsyncFunctionDef or T is ast.ClassDef:
            sc = Scan().scan([s])     # decorators, defaults, bases: the body does not run now
            self.bind(s.name, sc.loads, control, sc.calls)
        elif T is ast.Import or T is ast.ImportFrom:
            for a in s.names:
                if a.name != "*":
                    self.bind(a.asname or (a.name if T is ast.ImportFrom else a.name.split(".")[0]),
                              (), control, ())
        elif T is ast.Break or T is ast.Continue:
            self.frames[-1].control.update(control)
        elif T is ast.Return or T is ast.Raise:
            self.expr([s], control)
            for f in self.frames:
                f.control.update(control)
        elif T is not ast.Global and T is not ast.Nonlocal and T is not ast.Pass:
            self.expr([s], control)       # assert and whatever a later Python adds

    def loop(self, s, control, changed=()):
        """A loop of the nest. Its target gets the iterable; everything it writes depends
        (control) on the iterable or test and on the tests that lead to a break or continue.
        changed: names the summary may version that no statement writes (receivers of
        non-mutator calls whose size changed): they depend on themselves and that control."""
        if isinstance(s, ast.While):
            frame = _Frame(())
            self.frames.append(frame)
            frame.control.update(self.expr([s.test], control).loads)     # runs every iteration
        else:
            frame = _Frame(self.expr([s.iter], control).loads)
            self.frames.append(frame)
            self.targets(s.target, frame.control, control, ())
        self.block(s.body, control)
        self.frames.pop()
        for name in frame.written:
            self.C[name].update(frame.control)
        self.frames[-1].written |= frame.written
        # the else runs once, unless a break ran; its break / continue belong to the enclosing loop
        after = control | frame.control
        self.block(s.orelse, after)
        for name in changed:
            if name not in self.D:
                self.mutate(name, (), after, ())

    # -- closure

    def flows(self, skip):
        """name -> Flow, closed over the names the loop writes: a name gets what flows into
        the names it reads, as data through data edges only, else as control. skip: names
        that count as not written (modules: `plt.plot(x)` must not make np or plt carry x)."""
        D, C, F = self.D, self.C, self.F
        out = {}
        for name in D:
            if name in skip:
                continue
            data_reach = _reach(name, D, None, skip)
            any_reach = _reach(name, D, C, skip)
            data = set().union(*(D[n] for n in data_reach))
            control = set().union(*(D[n] | C[n] for n in any_reach)) - data
            calls = set().union(*(F[n] for n in any_reach))
            if name not in self.rebound:
                data.add(name)        # a changed object depends on its previous version
            out[name] = Flow(tuple(sorted(data)), tuple(sorted(control)), tuple(sorted(calls)),
                             name in self.rebound)
        return out


def _reach(start, D, C, skip):
    # start and the written names reachable from it through D (and C) edges
    seen, stack = {start}, [start]
    while stack:
        n = stack.pop()
        for m in D[n] if C is None else D[n] | C[n]:
            if m in D and m not in seen and m not in skip:
                seen.add(m)
                stack.append(m)
    return seen


def loop_flow(s, changed):
    """The direct edges of the loop s (a for, async for or while) and the loops nested in it."""
    lf = LoopFlow()
    lf.loop(s, set(), changed)
    return lf
