"""Each cell's top-level statements, with what each may do that no recorded version shows.

The `statements` command of the analyser (see __main__.py), run by src/notebook/statements.ts for
`nbprov slice`: the request is the cells' sources in the order the trial ran them, so that the
imports of one cell name the modules of the next; the answer holds, for each source, its
statements as {"first", "last", "effect", "loads", "receivers"} (the `Statement` type the
TypeScript side reads), or null when Python cannot parse it (magics).
"""
import ast

from names import NameUse

DISPLAY_NAMES = {"print", "display", "pprint", "repr", "str", "len", "type", "help", "dir", "id", "vars"}
DISPLAY_METHODS = {"head", "tail", "describe", "info", "show", "plot", "hist", "scatter", "bar", "barh", "imshow",
                   "savefig", "legend", "set_title", "set_xlabel", "set_ylabel", "tight_layout", "to_string",
                   "summary", "value_counts", "nunique", "unique", "print", "display"}
DISPLAY_MODULES = {"matplotlib", "seaborn", "plotly", "IPython", "logging", "pprint"}
SEEDS = {"seed", "manual_seed", "set_seed", "set_random_seed", "shuffle"}


class Imports:
    """The modules the cells imported so far, by the name that refers to them (`np` -> `numpy`)."""

    def __init__(self):
        self.modules = {}

    def record(self, stmt):
        for node in ast.walk(stmt):
            if isinstance(node, ast.Import):
                for a in node.names:
                    top = a.name.split(".")[0]
                    self.modules[a.asname or top] = a.name if a.asname else top
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    self.modules[a.asname or a.name] = node.module + "." + a.name

    def full_name(self, func):
        """`np.random.seed` as ["numpy", "random", "seed"]; None unless it starts at an imported module."""
        parts = []
        while isinstance(func, ast.Attribute):
            parts.append(func.attr)
            func = func.value
        if not isinstance(func, ast.Name) or func.id not in self.modules:
            return None
        parts.reverse()
        return self.modules[func.id].split(".") + parts

    def receiver(self, func):
        """The name whose method is called (`rng` in `rng.normal()`, `df` in `df.x.mean()`), modules left out."""
        if not isinstance(func, ast.Attribute):
            return None
        value = func.value
        while isinstance(value, (ast.Attribute, ast.Subscript, ast.Call)):
            value = value.func if isinstance(value, ast.Call) else value.value
        return value.id if isinstance(value, ast.Name) and value.id not in self.modules else None

    def is_display(self, call):
        func = call.func
        full = self.full_name(func)
        if full is not None:
            return full[0] in DISPLAY_MODULES or (len(full) == 1 and full[0] in DISPLAY_NAMES)
        if isinstance(func, ast.Name):
            return func.id in DISPLAY_NAMES
        return isinstance(func, ast.Attribute) and func.attr in DISPLAY_METHODS


def global_random(full):
    # a module's random state (numpy.random.seed, random.shuffle, torch.manual_seed), not a generator made from it
    last = full[-1]
    return last in SEEDS or ("random" in full[:-1] and not last[:1].isupper() and last != "default_rng")


def effect(stmt, calls, imports):
    """"random" for a call into a module's random state, else "display" or "call" for a bare call, else None."""
    if any(global_random(full) for full in (imports.full_name(c.func) for c in calls) if full):
        return "random"
    if not isinstance(stmt, ast.Expr):
        return None
    value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
    if isinstance(value, ast.Call):
        return "display" if imports.is_display(value) else "call"
    return None


def statement(stmt, imports):
    calls = [n for n in ast.walk(stmt) if isinstance(n, ast.Call)]
    names = NameUse(stmt)
    names.visit(stmt)
    receivers = {imports.receiver(c.func) for c in calls if not imports.is_display(c)}
    found = {
        "first": min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])]),
        "last": stmt.end_lineno,
        "effect": effect(stmt, calls, imports),
        "loads": sorted(names.loads),
        "receivers": sorted(r for r in receivers if r),
    }
    # the modules it imports name the calls of the statements after it
    imports.record(stmt)
    return found


def answer(sources):
    imports = Imports()
    out = []
    for source in sources:
        try:
            out.append([statement(s, imports) for s in ast.parse(source).body])
        except Exception:     # SyntaxError (magics), ValueError (NUL bytes), RecursionError
            out.append(None)
    return out
