"""Static flow of a loop nest: what can reach each name a loop binds or changes.

A peeled loop's summary version stands for iterations nobody recorded, so its dependencies
come from here. Flow-sensitive (reaching definitions): the body is walked in order, each name
carrying the sources that reach it at that point, and around the back edge to a fixed point,
since a value from the end of one iteration reaches the start of the next (`a = b; b = c`
makes a depend on c). A name re-bound later in the body does not leak into what an earlier
statement built from its first binding. The names written are collected once per loop when
the cell is transformed; the fixed point once per loop site, at its first exit (it needs to know
which names are modules); nothing runs per iteration.

A source is a name resolved through its last writer when the summary is made: a name the
loop never writes, the value a name had before the loop, an object the loop changes in place
but never re-binds, or a name whose value at the reader reaches as far as its value after the
loop (a second walk knows that), so its last version carries nothing that does not reach the
reader anyway. The `clf` fitted on one split and then re-bound to another must not hand the
second one's inputs to what the first one built.
"""
import ast

from .scan import Scan, ret_call, root_name

KEPT = "="          # in a name's data: it may still hold its value from before the loop
CHANGED = "~"       # in a name's data: its object was changed in place since it was bound
MARKS = frozenset((KEPT, CHANGED))
NOTHING = (frozenset(), frozenset(), frozenset(), frozenset())
_KEPT_VAL = (frozenset((KEPT,)), frozenset(), frozenset(), frozenset())


class Flow:
    """What reaches one name: data (read by the statements that write it, or by what they
    read), control (read by the tests deciding whether and how often those run), calls (the
    names they call), and whether the loop re-binds the name or only changes its object."""
    __slots__ = ("data", "control", "calls", "rebound")

    def __init__(self, data, control, calls, rebound):
        self.data, self.control, self.calls, self.rebound = data, control, calls, rebound


class _Frame:
    # one loop of the nest: what decides its iterations, and the states leaving its body early
    __slots__ = ("control", "breaks", "continues")

    def __init__(self, control):
        self.control = frozenset(control)
        self.breaks, self.continues = [], []


def _join(*states):
    """Union of the states of the paths meeting here (None: a path that does not reach)."""
    live = [s for s in states if s is not None]
    if not live:
        return None
    out = dict(live[0])
    for s in live[1:]:
        for name in out.keys() | s.keys():
            a, b = out.get(name, _KEPT_VAL), s.get(name, _KEPT_VAL)
            if a is not b and a != b:     # most values are shared by the states of a branch
                out[name] = (a[0] | b[0], a[1] | b[1], a[2] | b[2], a[3] | b[3])
    return out


class LoopFlow:
    """One loop nest (built by `loop_flow`). A state maps each name written so far to its
    value (data, control, calls: the sources reaching it) and its definitions (ids of the
    statements that bound or changed it, reaching this point). A call `f(...)` also writes the
    pseudo-name "f()", so the globals a notebook function changes (found at run time) get the
    flow of the statements calling it.

    written / rebound: the names the nest binds or changes / binds (found by the first walk);
    exit: the state after the loop, once a walk has found it.
    """

    def __init__(self, s, changed):
        self.loop_node, self.changed = s, tuple(changed)
        self.written, self.rebound = set(), set()
        self.skip, self.exit = frozenset(), None
        self.collect = True           # the first walk: the names written, one pass per loop
        self._scans, self.draws, self.drawn = {}, None, set()    # draws, drawn: rng.py's hook and the states it drew from
        self.frames, self.escapes, self.after = [], [], frozenset()   # after: the outermost loop's control
        self.loop(s, {}, frozenset())
        self.collect = False
        self.written.update(self.changed)

    # -- values

    def scan(self, nodes):
        key = tuple(map(id, nodes))
        sc = self._scans.get(key)
        if sc is None:
            sc = self._scans[key] = Scan().scan(nodes)
        return sc

    def read(self, S, n):
        v = S.get(n)
        if v is None:
            return (frozenset((n,)), frozenset(), frozenset())
        d = v[0] - MARKS
        if KEPT in v[0] or n not in self.rebound or (self.exit and v[3] >= self.exit.get(n, v)[3]):
            # every definition of n that reaches the end of the loop reaches here: n's last
            # version carries nothing this value does not; an object changed in place but
            # never re-bound is one object all along, so every change reaches every reader
            d = d | {n}
        return (d, v[1], v[2])

    def value(self, S, names, calls):
        d, c, f = set(), set(), set(calls)
        for n in names:
            v = self.read(S, n)
            d |= v[0]
            c |= v[1]
            f |= v[2]
        return (frozenset(d), frozenset(c), frozenset(f))

    # -- writes

    def bind(self, S, name, val, pc, site):
        if name in self.skip:
            return
        if self.collect:
            self.rebound.add(name)
            self.written.add(name)
        S[name] = (val[0], val[1] | pc, val[2], frozenset((id(site),)))

    def mutate(self, S, root, val, pc, site):
        if root in self.skip:
            return
        if self.collect:
            self.written.add(root)
        old = self.read(S, root)
        S[root] = (old[0] | val[0] | {CHANGED}, old[1] | val[1] | pc, old[2] | val[2],
                   S.get(root, NOTHING)[3] | {id(site)})

    def expr(self, S, nodes, pc, stmt_call=None):
        """The value of expressions, after the writes inside them: := targets, and the
        receivers of mutator calls (and of stmt_call, an expression statement `obj.m(...)`),
        each from what its own call reads: `reg.fit(X, y).predict(Z)` changes reg from reg, X, y."""
        sc = self.scan(nodes)
        val = self.value(S, sc.loads, sc.calls)
        val = self.draws(self, S, sc.rng, val, pc) if sc.rng and self.draws is not None else val
        for w, inner in sc.walrus:
            wl = self.scan([w.value])
            self.bind(S, w.target.id, self.value(S, [n for n in wl.loads if n not in inner],
                                                 [c for c in wl.calls if c not in inner]), pc, w)
        for r, node, mutator in sc.rcalls:
            if mutator or node is stmt_call:
                c = self.scan([node])
                self.mutate(S, r, self.value(S, [n for n in c.loads if n in sc.loads],
                                             [f for f in c.calls if f in sc.calls]), pc, node)
        for f in sc.calls:
            if f not in self.skip:
                if self.collect:
                    self.written.add(f + "()")
                old = S.get(f + "()", NOTHING)
                S[f + "()"] = (old[0] | val[0], old[1] | val[1] | pc, old[2] | val[2], old[3])
        return val

    def targets(self, S, t, val, pc, site):
        if isinstance(t, ast.Name):
            self.bind(S, t.id, val, pc, site)
        elif isinstance(t, (ast.Tuple, ast.List)):
            for e in t.elts:
                self.targets(S, e, val, pc, site)
        elif isinstance(t, ast.Starred):
            self.targets(S, t.value, val, pc, site)
        elif isinstance(t, (ast.Attribute, ast.Subscript)):
            r = root_name(t)
            if r:
                self.mutate(S, r, val, pc, site)

    # -- statements: each changes the state S in place and returns it, or None if no path
    # goes on past it

    def block(self, stmts, S, pc, states=None):
        for s in stmts:
            if S is None:
                return None
            if states is not None:
                states.append(dict(S))
            S = self.stmt(s, S, pc)
        return S

    def stmt(self, s, S, pc):
        T = type(s)
        if T is ast.Assign or T is ast.AugAssign or T is ast.AnnAssign:
            if T is ast.AnnAssign and s.value is None:
                return S
            val = self.expr(S, [s] if T is not ast.AnnAssign else [s.target, s.value], pc)
            for t in (s.targets if T is ast.Assign else [s.target]):
                self.targets(S, t, val, pc, s)
        elif T is ast.Expr:
            self.expr(S, [s.value], pc, ret_call(s.value))
        elif T is ast.If:
            pc2 = _under(pc, self.expr(S, [s.test], pc))
            return _join(self.block(s.body, dict(S), pc2), self.block(s.orelse, dict(S), pc2))
        elif T is ast.For or T is ast.AsyncFor or T is ast.While:
            return self.loop(s, S, pc)
        elif T is ast.With or T is ast.AsyncWith:
            for i in s.items:
                val = self.expr(S, [i.context_expr], pc)
                if i.optional_vars is not None:
                    self.targets(S, i.optional_vars, val, pc, s)
            return self.block(s.body, S, pc)
        elif T is ast.Try or T.__name__ == "TryStar":
            return self.try_(s, S, pc)
        elif T is ast.Match:
            return self.match(s, S, pc)
        elif T is ast.Delete:
            for t in s.targets:
                if isinstance(t, ast.Name):
                    self.bind(S, t.id, NOTHING, pc, s)
                else:
                    self.targets(S, t, self.expr(S, [t], pc), pc, s)
        elif T is ast.FunctionDef or T is ast.AsyncFunctionDef or T is ast.ClassDef:
            sc = self.scan([s])     # decorators, defaults, bases: the body does not run now
            self.bind(S, s.name, self.value(S, sc.loads, sc.calls), pc, s)
        elif T is ast.Import or T is ast.ImportFrom:
            for a in s.names:
                if a.name != "*":
                    self.bind(S, a.asname or (a.name if T is ast.ImportFrom else a.name.split(".")[0]),
                              NOTHING, pc, s)
        elif T is ast.Break or T is ast.Continue:
            return self.jump(s, S, pc)
        elif T is ast.Return or T is ast.Raise:
            self.expr(S, [s], pc)
            for f in self.frames:
                f.control |= pc
            self.escapes.append(S)
            return None
        elif T is not ast.Global and T is not ast.Nonlocal and T is not ast.Pass:
            self.expr(S, [s], pc)       # assert and whatever a later Python adds
        return S

    def match(self, s, S, pc):
        val = self.expr(S, [s.subject], pc)
        pc2 = _under(pc, val)
        outs = [S]
        for case in s.cases:
            C = dict(S)
            for n in ast.walk(case.pattern):
                name = getattr(n, "name", None) or getattr(n, "rest", None)
                if isinstance(name, str):
                    self.bind(C, name, val, pc2, case)
            pc3 = _under(pc2, self.expr(C, [case.guard], pc2)) if case.guard else pc2
            outs.append(self.block(case.body, C, pc3))
        return _join(*outs)

    def jump(self, s, S, pc):
        # a break or continue: no path goes on past it
        if not self.frames:         # in the outermost loop's else: it leaves the nest
            self.escapes.append(S)
            return None
        f = self.frames[-1]
        (f.breaks if type(s) is ast.Break else f.continues).append(S)
        f.control |= pc
        return None

    def try_(self, s, S, pc):
        # a handler may start after any statement of the body
        states = []
        out = self.block(s.body, S, pc, states)
        entry = _join(out, *states)
        outs = [self.block(s.orelse, out, pc)]
        for h in s.handlers:
            H = dict(entry)
            if h.type is not None:
                self.expr(H, [h.type], pc)
            if h.name:
                self.bind(H, h.name, NOTHING, pc, h)
            outs.append(self.block(h.body, H, pc))
        res = _join(*outs)
        if s.finalbody:
            fin = self.block(s.finalbody, dict(res if res is not None else entry), pc)
            return fin if res is not None else None
        return res

    def loop(self, s, S, pc):
        """A loop of the nest, to a fixed point of the state at its head. Its target gets the
        iterable; everything it writes depends (control) on the iterable or test and on the
        tests that lead to a break or continue. Returns the state after the loop."""
        if isinstance(s, ast.While):
            frame = _Frame(())
        else:
            it = self.expr(S, [s.iter], pc)
            frame = _Frame(it[0] | it[1])
        self.frames.append(frame)
        head = dict(S)
        while True:
            before = frame.control
            frame.breaks, frame.continues = [], []
            H = dict(head)
            if isinstance(s, ast.While):
                t = self.expr(H, [s.test], pc | frame.control)   # every iteration
                frame.control |= t[0] | t[1]
                exit_state = dict(H)
            else:
                exit_state = dict(head)
            body_pc = pc | frame.control
            if not isinstance(s, ast.While):
                self.targets(H, s.target, (it[0], frozenset(), frozenset()), body_pc, s)
            out = self.block(s.body, H, body_pc)
            new = _join(head, out, *frame.continues)
            if self.collect or (new == head and before == frame.control):
                break
            head = new
        self.frames.pop()
        # the else runs once, unless a break ran; its break / continue belong to the enclosing loop
        after = pc | frame.control
        done = _join(self.block(s.orelse, exit_state, after), *frame.breaks)
        if not self.frames:
            self.after = after
        return done

    # -- closure

    def flows(self, skip):
        """name -> Flow of the names the loop writes, from the state after it. skip: names
        that count as not written (modules: `plt.plot(x)` must not make np or plt carry x)."""
        self.skip = frozenset(skip)
        self.exit = None
        self.exit = self._walk()     # the definitions reaching the end do not depend on the sources
        end = self._walk()
        for name in self.changed:
            if name not in end:
                end[name] = (frozenset((name,)), self.after, frozenset(), frozenset())
        out = {}
        for name in self.written:
            if name in self.skip or name not in end:
                continue
            d, c, f, _ = end[name]
            data = set(d - MARKS)
            if name not in self.rebound or CHANGED in d:
                data.add(name)        # a changed object depends on its previous version
            out[name] = Flow(tuple(sorted(data)), tuple(sorted(c - data)), tuple(sorted(f)),
                             name in self.rebound)
        return out

    def _walk(self):
        self.frames, self.escapes = [], []
        return _join(self.loop(self.loop_node, {}, frozenset()), *self.escapes) or {}


def _under(pc, val):
    # the sources deciding whether a statement runs, under a test of value val (what it reads, not what it calls)
    return pc | val[0] | val[1]


def loop_flow(s, changed):
    """The names written by the loop s (a for, async for or while) and the loops nested in it."""
    return LoopFlow(s, changed)
