"""Aliases: an object changed in place gets a new version under every notebook name that holds it.

`alias = orig; alias.append(v)` changes the one list both names are bound to, so both get a new
version, each depending on its own previous version (`bound`) and on the mutation's inputs (here v).
A dict, list or tuple held by a notebook name that has the changed object as a direct entry
(`layers = cfg['layers']; layers.append(64)`) gets one too: the container changed with it.

What counts
- Only in-place changes: a mutation version (`mutate`, a store, a mutator call, a size change seen
  after a call, a global a notebook function changed), a loop summary of a name the body changed in
  place, and an object a notebook function changed through one of its locals (`def f(lst):
  lst[0] = v`), versioned at the cell statement that called it, from that statement's inputs.
  Re-binding a name (`x = x + 1`, `global g; g = ...`) changes no object and reaches no alias.
- Only mutable objects: an int, float, complex, str, bytes, bool, None, range, slice, numpy scalar,
  module, or tuple / frozenset of such values (nested up to TUPLE_DEPTH) is never an alias, so two
  names holding 5, an interned string or None are never linked.
- Only names the notebook has versioned (the recorder's `last`): IPython's `_`, `_5`, `Out` and
  names bound before capture began never are.
- Containers one level deep, at most CONTAINER_LIMIT entries each and ENTRY_BUDGET in all (in the
  namespace's order, the order the notebook made its names); a bigger or deeper container, an
  instance attribute, and a name bound to a part of the changed object (`inner = d['a']` when
  `d['a'].append(1)` runs) are not followed: lineage may miss them, never invents them.

Each alias's new version depends on its own previous version (`bound`) and on the change's inputs,
minus the previous version of the name the change went through (the same object, already its own).

Cost: nothing per assignment or iteration (a recorded statement checks that the queue is empty); each
queued change costs one pass over the namespace in C (map / compress / operator.is_, about 0.025 us a
name) plus a Python-level look at each small container a notebook name holds (about 0.3 us each).
Measured in-process, a mutation with 10,000 names in the namespace: +0.25 ms when they hold scalars,
+1.35 ms when half of them hold small lists and dicts (a cell of its own costs 0.25 ms without it).
An alias reuses the description (repr, summary, fingerprint) of the version just made for the object.
"""
import itertools
import operator
import sys
import types
from collections import OrderedDict, defaultdict

from .secrets import SECRET_TYPES

CONTAINER_LIMIT = 256       # entries of a dict / list / tuple searched for the changed object
ENTRY_BUDGET = 50_000       # entries searched per change, over all containers (about 0.3 ms)
TUPLE_DEPTH = 3             # nesting of tuples looked through to decide they are immutable
IMMUTABLE = (int, float, complex, str, bytes, type(None), range, slice, types.ModuleType,
             type(Ellipsis), type(NotImplemented))
CONTAINERS = frozenset((dict, list, tuple, OrderedDict, defaultdict))


def mutable(x, np_generic=None, depth=TUPLE_DEPTH):
    """Whether x can change in place, so that two names holding it are aliases."""
    if isinstance(x, IMMUTABLE):
        return False
    t = type(x)
    if t is tuple or t is frozenset:
        if depth <= 0 or len(x) > CONTAINER_LIMIT:
            return True
        return any(mutable(e, np_generic, depth - 1) for e in x)
    return not (np_generic is not None and isinstance(x, np_generic))


def holders(ns, versioned, x):
    """(names bound to x, names of containers holding x as a direct entry), versioned names only.
    One C-level identity pass over the namespace; containers are picked by exact type, also in C."""
    is_, repeat = operator.is_, itertools.repeat
    bound = [n for n in itertools.compress(ns.keys(), map(is_, ns.values(), repeat(x))) if n in versioned]
    held, budget = [], ENTRY_BUDGET
    for n, c in itertools.compress(ns.items(), map(CONTAINERS.__contains__, map(type, ns.values()))):
        if c is x or len(c) > CONTAINER_LIMIT or n not in versioned:
            continue
        budget -= len(c)
        if budget < 0:
            break
        if any(map(is_, c.values() if isinstance(c, dict) else c, repeat(x))):
            held.append(n)
    return bound, held


class AliasHooks:
    """The alias part of `__nbprov__`: a mixin of the Recorder, whose state (ns, last, snapshots,
    summaries) and _emit it uses. Mutations are queued as they are versioned and flushed once the
    statement or loop summary that made them has versioned everything of its own."""

    def _init_aliases(self):
        self.alias_queue = []       # (name, object, inputs, kind, pos, iterations, keys) per change
        self.alias_touched = []     # objects notebook functions changed through a local name

    def _alias_queue(self, name, x, inputs, kind, at, iterations=None, keys=None):
        # inputs: (name, version, type) triples, the changed name's own previous version left out
        self.alias_queue.append((name, x, inputs, kind, at, iterations, keys))

    def _loop_version(self, name, x, deps, at, iterations, mutated_in_body):
        """A loop's summary version of name; queued as a change in place when the loop kept its object
        or a statement of its body changed it (the object bound at the end is one of those changed)."""
        s = self.snapshots.get(name)
        prev = self.last.get(name)
        in_place = s is not None and s.object_id == id(x)
        self._emit(name, "loop", at, x, deps, iterations)
        if in_place or mutated_in_body:
            self._alias_queue(name, x, [(None, v, t) for v, t in deps if v != prev], "loop", at, iterations)

    def _touch_local(self, name, how, result):
        """A notebook function changed its local `name` in place: remember the object, so the cell
        statement that called the function versions the notebook names holding it."""
        f = sys._getframe(1)
        while f is not None and f.f_globals is not self.ns:
            f = f.f_back
        if f is None:
            return
        x = f.f_locals.get(name, self)
        if x is self or (how == "ret" and not (result is None or result is x)):
            return
        if self._mutable(x):
            self.alias_touched.append(x)

    def _mutable(self, x):
        self.summaries.libs()
        np_ = self.summaries.np
        return mutable(x, np_[1] if np_ is not None else None)

    def _alias_flush(self, done, site=None, base=None):
        """Versions the other names and the holders of what was changed since the last flush. A cell
        statement that called something (`site`, `base`: its inputs) also versions those of the objects
        notebook functions changed through their locals; a statement that called nothing drops them."""
        queue, self.alias_queue = self.alias_queue, []
        if site is not None and site.ctx is None and self.alias_touched:
            touched, self.alias_touched = self.alias_touched, []
            if site.check:
                queue.extend((None, x, base, "mutate", site.pos, None, None) for x in touched)
        seen = set()
        for name, x, inputs, kind, pos, iterations, keys in queue:
            if id(x) in seen or not self._mutable(x):
                continue
            seen.add(id(x))
            bound, held = holders(self.ns, self.last, x)
            described = self._described(name) if name is not None else None
            for a in bound:
                if self._alias_version(a, x, inputs, kind, pos, iterations, keys, done, described):
                    described = described or self._described(a)
            for a in held:
                self._alias_version(a, self.ns[a], inputs, kind, pos, iterations, None, done, None)

    def _alias_version(self, a, x, inputs, kind, at, iterations, keys, done, described):
        if a in done:
            return False
        done.add(a)
        deps = [(self.last[a], "bound")]
        deps.extend((v, t) for n, v, t in inputs if n != a)
        self._emit(a, kind, at, x, deps, iterations, keys, described)
        return True

    def _described(self, name):
        """Summaries.describe of the version just made for name, to reuse for its aliases (the same
        object says the same, but for a secret, which depends on the name); None if not at hand."""
        v = self.last.get(name)
        for rec in reversed(self.versions[-8:]):
            if rec["v"] == v:
                snap = self.snapshots.get(name)
                if snap is None or type(self.ns.get(name)) in SECRET_TYPES:
                    return None
                return rec["type"], rec["repr"], rec["value"], rec["summary"], snap
        return None
