"""Random-number state: the seeding and drawing calls of the one table below, and the versions they make.

A module's global random state (numpy.random's, random's, torch's, TensorFlow's) is versioned under a name
no Python variable can have, the module's followed by " state" (`numpy.random state v3 (draw)`): a seeding call makes a new
version from the seed's value alone, a drawing call reads the latest version (what it returned depends on
it) and makes the next one from it and from its own arguments (how far it advanced). A generator held in a
variable (`rng = np.random.default_rng(rs)`) is that variable: its draws are new versions of it.

Statically (when the cell is transformed) a call is a candidate only when its function's last name is in
NAMES; at run time (after the statement ran) a candidate's function is looked up through the namespace,
modules only, and checked by identity against the functions of the table (and a generator's class against
its classes). Nothing runs for any other statement, nor in the uninstrumented part of a loop or function.
"""
import ast
import sys
import types

_NUMPY_DRAWS = """
    beta binomial bytes chisquare choice dirichlet exponential f gamma geometric gumbel hypergeometric
    laplace logistic lognormal logseries multinomial multivariate_normal negative_binomial noncentral_chisquare
    noncentral_f normal pareto permutation poisson power rand randint randn random random_integers
    random_sample ranf rayleigh sample shuffle standard_cauchy standard_exponential standard_gamma
    standard_normal standard_t triangular uniform vonmises wald weibull zipf
""".split()
_GENERATOR_DRAWS = _NUMPY_DRAWS + "integers multivariate_hypergeometric permuted".split()
_RANDOM_DRAWS = """
    random uniform randint randrange choice choices shuffle sample gauss normalvariate lognormvariate
    expovariate vonmisesvariate gammavariate betavariate paretovariate weibullvariate triangular
    getrandbits randbytes binomialvariate
""".split()
_TORCH_DRAWS = """
    rand randn randint randperm normal bernoulli multinomial poisson rand_like randn_like randint_like
""".split()
_TF_DRAWS = "uniform normal truncated_normal shuffle categorical gamma poisson".split()

# The one table. Module states: (module path, state name, seeding functions, drawing functions).
STATES = (
    ("numpy.random", "numpy.random state", ("seed", "set_state"), _NUMPY_DRAWS),
    ("random", "random state", ("seed", "setstate"), _RANDOM_DRAWS),
    ("torch", "torch state", ("manual_seed", "seed", "set_rng_state"), _TORCH_DRAWS),
    ("torch.random", "torch state", ("manual_seed", "seed", "set_rng_state"), ()),
    ("tensorflow.random", "tensorflow state", ("set_seed",), _TF_DRAWS),
)
# Generators held in variables: (module path, class name, seeding methods, drawing methods).
GENERATORS = (
    ("numpy.random", "Generator", (), _GENERATOR_DRAWS),
    ("numpy.random", "RandomState", ("seed", "set_state"), _NUMPY_DRAWS),
    ("random", "Random", ("seed", "setstate"), _RANDOM_DRAWS),
    ("torch", "Generator", ("manual_seed", "seed", "set_state"), ()),
)
# Draws that also shuffle their first argument in place.
SHUFFLES = frozenset(("shuffle",))
NAMES = frozenset(n for table in (STATES, GENERATORS) for entry in table for n in entry[2] + tuple(entry[3]))
STATE_TYPE = "random state"      # the type of a state version: no value, never a parameter


def call_path(node):
    """`np.random.rand(...)` -> ("np", "random", "rand") when its last name is in NAMES, else None."""
    f = node.func
    if type(f) is ast.Attribute:
        if f.attr not in NAMES:
            return None
        parts = [f.attr]
        f = f.value
        while type(f) is ast.Attribute:
            parts.append(f.attr)
            f = f.value
        if type(f) is not ast.Name:
            return None
        parts.append(f.id)
        parts.reverse()
        return tuple(parts)
    if type(f) is ast.Name and f.id in NAMES:
        return (f.id,)
    return None


class RngCall:
    """One candidate call of a statement. path: its function's names; loads: what its arguments read;
    first: the root name of its first argument (what a shuffle changes); pos: (line, col, end line, end col)."""
    __slots__ = ("path", "loads", "first", "pos")

    def __init__(self, path, loads, first, pos):
        self.path, self.loads, self.first, self.pos = path, loads, first, pos


def rng_calls(nodes, scan, root_name, pos):
    """The RngCalls of candidate call nodes, in the order they finish (an argument's call before its caller's)."""
    out = []
    for node in sorted(nodes, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0)):
        args = node.args + [k.value for k in node.keywords]
        first = root_name(node.args[0]) if node.args else None
        out.append(RngCall(call_path(node), tuple(scan().scan(args).loads), first, pos(node)))
    return tuple(out)


class RngHooks:
    """The random-state part of `__nbprov__`: a mixin of the Recorder (ns, last, _resolve, _emit, _mutation)."""

    def _init_rng(self):
        self.rng_funcs = {}          # id(function) -> (function, state name, "seed" | "draw")
        self.rng_classes = {}        # generator class -> (seeding methods, drawing methods)
        self.rng_indexed = set()     # the table's module paths found so far
        self.rng_reads = ()          # (call position, (state, version, type)) of the draws of the statement recorded last

    def _rng_index(self):
        # the table's functions, by identity, for the modules imported since the last look
        for path, state, seeds, draws in STATES:
            if path not in self.rng_indexed:
                mod = _module(path)
                if mod is not None:
                    self.rng_indexed.add(path)
                    for role, names in (("seed", seeds), ("draw", draws)):
                        for n in names:
                            f = getattr(mod, n, None)
                            if callable(f):
                                self.rng_funcs[id(f)] = (f, state, role)
        for path, cls, seeds, draws in GENERATORS:
            key = path + "." + cls
            if key not in self.rng_indexed:
                c = getattr(_module(path), cls, None)
                if isinstance(c, type):
                    self.rng_indexed.add(key)
                    self.rng_classes[c] = (frozenset(seeds), frozenset(draws))

    def _rng_role(self, path, local_names):
        """(role, state name, whether the state is a variable) of a candidate, or None when it is no table call."""
        if path[0] in local_names:
            return None
        obj = self.ns.get(path[0])
        if obj is None:
            return None
        if len(path) == 2:
            methods = self.rng_classes.get(type(obj))
            if methods is not None:
                name = path[1]
                return ("seed", path[0], True) if name in methods[0] else ("draw", path[0], True) \
                    if name in methods[1] else None
        for name in path[1:]:
            if not isinstance(obj, types.ModuleType):
                return None
            obj = getattr(obj, name, None)
        entry = self.rng_funcs.get(id(obj))
        if entry is None or entry[0] is not obj:
            return None
        return entry[2], entry[1], False

    def _record_rng(self, site, local_names, local_deps, base, done):
        """Versions the random states the statement's table calls seeded or drew from; adds the versions its
        draws read to `base`, what its targets depend on."""
        self._rng_index()
        reads, targets = [], {t[0] for t in site.targets}
        cond = []       # a draw under a test happens as the test says: the state depends on it
        self._resolve(site.cond, "condition", local_names, local_deps, cond)
        for call in site.rng:
            r = self._rng_role(call.path, local_names)
            if r is None:
                continue
            role, state, held = r
            args = []
            self._resolve(call.loads, "assignment", local_names, local_deps, args)
            args.extend(cond)
            if held:       # a generator in a variable: the statement already reads its version
                read = [(state, self.last[state], "assignment")] if state in self.last else []
                if state not in done and state not in targets:
                    done.add(state)
                    self._mutation(state, call.pos, self.ns[state], args, "draw" if role == "draw" else "seed",
                                   own="bound" if role == "draw" else None)
            else:
                prev = self.last.get(state)
                read = [(state, prev, "assignment")] if role == "draw" and prev is not None else []
                base.extend(read)
                reads.extend((call.pos, d) for d in read)
                self._rng_emit(state, role, call.pos, ([(prev, "bound")] if read else []) + [(v, t) for _, v, t in args])
            if role == "draw" and call.path[-1] in SHUFFLES and call.first and call.first not in done \
                    and call.first not in local_names and call.first in self.ns:
                done.add(call.first)
                self._mutation(call.first, call.pos, self.ns[call.first], read + args)
        self.rng_reads = reads

    def _rng_call_deps(self, paths, out):
        """Appends (state, version, "call") for the module states a called notebook function's own calls draw from."""
        self._rng_index()
        for path in paths:
            r = self._rng_role(path, ())
            if r is not None and r[0] == "draw" and not r[2] and r[1] in self.last:
                out.append((r[1], self.last[r[1]], "call"))

    def _rng_within(self, at):
        """(state, version, type) of the state versions read by draws inside the call at `at` (a mutator's own deps)."""
        return [d for p, d in self.rng_reads if _inside(p, at)]

    def _rng_flow(self, site):
        """The hook a loop's LoopFlow calls on the table calls of an expression (flow.py): a draw reads its state
        and changes it in place from its arguments, a seed binds it anew; returns the expression's value."""
        self._rng_index()
        local_names = self._scope(site.ctx)[0]

        def draws(flow, S, nodes, val, pc):
            for node in nodes:
                r = self._rng_role(call_path(node), local_names)
                if r is None:
                    continue
                role, state, held = r
                args = flow.scan(node.args + [k.value for k in node.keywords])
                arg = flow.value(S, args.loads, args.calls)
                flow.drawn.add(state)
                flow.written.add(state)
                if role == "seed" and not held:
                    flow.rebound.add(state)
                    flow.bind(S, state, arg, pc, node)
                    continue
                if not held:
                    d, c, f = flow.read(S, state)
                    val = (val[0] | d, val[1] | c, val[2] | f)
                flow.mutate(S, state, arg, pc, node)
            return val
        return draws

    def _rng_summaries(self, loop, phase2, local_names, local_deps, cond):
        """[(state, deps)] of the module states a loop drew from in iterations nobody recorded, resolved now."""
        if not phase2:
            return []
        out = []
        for state in sorted(loop.flow.drawn):
            flow = loop.flows.get(state)
            if flow is not None and state not in loop.names:
                out.append((state, self._flow_deps(state, flow, local_names, local_deps, cond)))
        return out

    def _rng_emit(self, state, kind, at, deps, iterations=None):
        v = self.next_v
        self._emit(state, kind, at, None, deps, iterations)
        if self.last.get(state) == v:
            self.versions[-1].update(type=STATE_TYPE, repr="", value=None)
            self.snapshots.pop(state, None)


def _module(path):
    # the module at a dotted path, through its already imported top-level module only
    top, _, rest = path.partition(".")
    mod = sys.modules.get(top)
    for name in rest.split(".") if rest else ():
        mod = getattr(mod, name, None)
    return mod if isinstance(mod, types.ModuleType) else None


def _inside(p, at):
    return (at[0], at[1]) <= (p[0], p[1]) and (p[2], p[3]) <= (at[2], at[3])
