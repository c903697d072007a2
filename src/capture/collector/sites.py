"""Record sites: what the recorder checks when a rewritten statement has run.

The rewriter builds one Site per instrumented statement at transform time; the recorder
looks it up by id (`__nbprov__.record(sid)`), so everything static about a statement is worked
out once here and the run-time record only reads ready-made tuples.
"""
import ast

from .flow import loop_flow
from .rng import rng_calls
from .scan import Scan, pos, ret_call, root_name


class Ctx:
    # Where a statement runs: None means cell (module) scope; a Ctx means the
    # instrumented copy of a notebook function whose local names are `locals`.
    __slots__ = ("fs", "locals")

    def __init__(self, fs, local_set):
        self.fs, self.locals = fs, local_set


class Site:
    """One instrumented statement. Positions are (line, col, end_line, end_col).

    targets  (name, kind, pos) for each name the statement binds
    muts     (root name, pos, how, keys, own) for each object it may change in place:
             "store" (x.a = ..., x[i] = ...), "static" (a mutator method, inplace=True) or
             "ret" (obj.m(...), versioned only if it returns None or obj); keys are the source
             texts of the stored parts (".a", "[i]"), noWorkflow's member keys; own: the
             (loads, calls) of a static mutation's own calls, None for the whole statement's
    walrus   (name, pos, names its value reads) for each := target
    loads    names it reads: "assignment" dependencies
    cond     names the enclosing if / while / for / match tests read: "condition" dependencies
    calls    names it calls: a notebook function's global reads become "call" dependencies
    check    whether a loaded object may have changed in place (the statement calls something)
    ctx      None at cell level, a Ctx inside an instrumented notebook function
    fn       the FuncInfo of a def; mods: the top-level modules an import names
    loop     the LoopInfo of a loop's summary site
    rng      the RngCalls of the calls that may seed or draw from a random state (rng.py)
    """
    __slots__ = ("targets", "muts", "walrus", "loads", "cond", "calls", "check",
                 "ctx", "fn", "mods", "pos", "loop", "rng")

    def __init__(self, ctx, cond, at):
        self.targets = self.muts = self.walrus = self.loads = self.calls = self.mods = self.rng = ()
        self.cond, self.ctx, self.pos = cond, ctx, pos(at)
        self.check, self.fn, self.loop = False, None, None


class LoopInfo:
    """What a loop's summary version checks once the loop is over.

    names    bound or changed in the body: versioned if their value differs afterwards
    static   changed by a statement of the body: versioned whenever phase 2 ran, since the
             uninstrumented iterations may have changed them without changing their size
    flow     the body's LoopFlow; flows: its closure (name -> Flow), made at the first exit
    calls    names the loop calls: the globals those notebook functions change are repaired
    """
    __slots__ = ("names", "static", "flow", "flows", "calls")

    def __init__(self, names, static, flow, calls):
        self.names, self.static, self.flow, self.calls = names, static, flow, calls
        self.flows = None


def extend_cond(cond, names):
    extra = tuple(n for n in names if n not in cond)
    return cond + extra if extra else cond


def add_targets(t, kind, binds, muts):
    if isinstance(t, ast.Name):
        binds.append((t.id, kind, t))
    elif isinstance(t, (ast.Tuple, ast.List)):
        for e in t.elts:
            add_targets(e, kind, binds, muts)
    elif isinstance(t, ast.Starred):
        add_targets(t.value, kind, binds, muts)
    elif isinstance(t, (ast.Attribute, ast.Subscript)):
        r = root_name(t)
        if r:
            muts.append((r, t, "store"))


def member_key(root, node):
    # x.a[i] = ... -> ".a[i]": the target's text after its root name (the recorder bounds it like a repr)
    return ast.unparse(node)[len(root):]


def mutator_reads(sc):
    """root -> (loads, calls) of the mutator calls on it: `reg.fit(X, y).predict(Z)` changes
    reg from reg, X and y, while the statement also reads Z."""
    out = {}
    for r, node, mutator in sc.rcalls:
        if mutator:
            c = Scan().scan([node])
            loads, calls = out.setdefault(r, ({}, {}))
            loads.update(dict.fromkeys(n for n in c.loads if n in sc.loads))
            calls.update(dict.fromkeys(n for n in c.calls if n in sc.calls))
    return {r: (tuple(loads), tuple(calls)) for r, (loads, calls) in out.items()}


def make_site(sc, binds, muts, ctx, cond, at):
    site = Site(ctx, cond, at)
    bound = {b[0] for b in binds}
    for r, node in sc.muts.items():
        muts.append((r, node, "static"))
    mm = {}
    for r, node, how in muts:
        if r in bound:
            continue
        if r not in mm:
            mm[r] = (r, pos(node), how, [])
        if how == "store":
            mm[r][3].append(member_key(r, node))
    own = mutator_reads(sc)
    site.targets = tuple((n, k, pos(node)) for n, k, node in binds)
    site.muts = tuple((r, at, how, tuple(keys), own.get(r) if how == "static" else None)
                      for r, at, how, keys in mm.values())
    site.walrus = tuple(
        (w.target.id, pos(w), tuple(n for n in Scan().scan([w.value]).loads if n not in inner))
        for w, inner in sc.walrus)
    site.loads = tuple(sc.loads)
    site.calls = tuple(sc.calls)
    site.check = bool(sc.calls or sc.recv)
    if sc.rng:
        site.rng = rng_calls(sc.rng, Scan, root_name, pos)
    return site


def simple_site(s, ctx, cond):
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
        site = make_site(Scan(), binds, muts, ctx, cond, s)
        site.mods = tuple(mods)
        return site
    if T is ast.AnnAssign:
        if s.value is None:
            return None
        sc = Scan().scan([s.target, s.value])
        add_targets(s.target, "annassign", binds, muts)
    else:
        sc = Scan().scan([s])
        if T is ast.Assign:
            for t in s.targets:
                add_targets(t, "assign", binds, muts)
        elif T is ast.AugAssign:
            add_targets(s.target, "augassign", binds, muts)
        else:   # Delete
            for t in s.targets:
                add_targets(t, "del", binds, muts)
    return make_site(sc, binds, muts, ctx, cond, s)


def expr_site(s, ctx, cond):
    sc = Scan().scan([s.value])
    muts = []
    v = ret_call(s.value)
    if v is not None and v.func.value.id not in sc.muts:
        # obj.m(...) returning None or obj itself mutated obj (decided at run time)
        muts.append((v.func.value.id, v, "ret"))
    if not (muts or sc.muts or sc.walrus or sc.calls or sc.rng):
        return None
    return make_site(sc, [], muts, ctx, cond, s)


def loop_site(s, ctx, cond, head_sc, binds, muts, is_while):
    # one site per loop: its iterations record the target, its end the summary version
    body = Scan().scan(s.body + s.orelse + ([s.test] if is_while else [s.target]))
    names = tuple(dict.fromkeys(list(body.stores) + list(body.mroots) + list(body.recv)))
    static = frozenset(list(body.mroots) + list(body.muts))
    calls = tuple(dict.fromkeys(list(body.calls) + list(head_sc.calls)))
    site = make_site(head_sc if is_while else Scan(), binds, muts, ctx, cond, s)
    if not is_while:
        site.loads = tuple(head_sc.loads)      # the target is assigned from the iterable
        site.calls = tuple(head_sc.calls)
    site.check = False
    site.loop = LoopInfo(names, static, loop_flow(s, names), calls)
    return site
