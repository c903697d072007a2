"""The entries of small containers, stored in full so that `diff` shows `params.n_estimators  500 → 100`.

A list, tuple or dict (subclasses included) is small with at most SMALL_ITEMS items per level,
SMALL_DEPTH levels, SMALL_LEAVES scalars in all and strings no longer than the repr bound;
its scalars (None, bool, int, float, complex, str, numeric numpy scalars) become entries
[path, Python repr] or [path, Python repr, JSON value]. A nested set of scalars or an empty
container is one entry, shown by its repr (sets sorted, as reprlib does).
"""
SMALL_ITEMS = 20
SMALL_DEPTH = 3             # a tuple inside a dict inside a dict
SMALL_LEAVES = 100

NoneType = type(None)
LEAF_SCALARS = (NoneType, bool, int, float, complex, str)


class NotSmall(Exception):
    pass


def json_leaf(v):
    t = type(v)
    if v is None or t is bool or t is str:
        return v
    if t is int:
        return v if -(1 << 63) <= v < (1 << 63) else None
    if t is float:
        return v if v - v == 0 else None
    return None


def small_items(x, max_str, np=None):
    """The entries of a small list/tuple/dict, with paths such as `.n_estimators`, `[0]`, `['a b']`,
    `.sizes[1]`; None when it is not small (or holds a string over max_str characters). `np`: the
    numpy module, when the notebook imported it."""
    if not isinstance(x, (list, tuple, dict)):
        return None
    out = []
    try:
        _walk_small(x, "", 0, out, set(), np, max_str)
    except NotSmall:
        return None
    except Exception:
        return None
    return out


def _walk_small(v, path, depth, out, seen, np, max_str):
    t = type(v)
    if t in LEAF_SCALARS:
        if t is str and len(v) > max_str:
            raise NotSmall()
        j = json_leaf(v)
        out.append([path, repr(v)] if j is None and v is not None else [path, repr(v), j])
    elif np is not None and isinstance(v, np.generic) and v.dtype.kind in "biuf":     # f1_score's np.float64
        j = json_leaf(v.item())
        out.append([path, repr(v)] if j is None else [path, repr(v), j])
    elif isinstance(v, (list, tuple, dict)) and depth < SMALL_DEPTH:
        if len(v) > SMALL_ITEMS or id(v) in seen:
            raise NotSmall()
        if depth and len(v) == 0:
            out.append([path, "[]" if isinstance(v, list) else "()" if isinstance(v, tuple) else "{}"])
            return
        seen.add(id(v))
        if isinstance(v, dict):
            for k, item in dict.items(v):
                if type(k) not in LEAF_SCALARS:
                    raise NotSmall()
                key = "." + k if type(k) is str and k.isidentifier() else "[%r]" % (k,)
                _walk_small(item, path + key, depth + 1, out, seen, np, max_str)
        else:
            for i, item in enumerate(list.__iter__(v) if isinstance(v, list) else tuple.__iter__(v)):
                _walk_small(item, "%s[%d]" % (path, i), depth + 1, out, seen, np, max_str)
        seen.discard(id(v))
    elif isinstance(v, (set, frozenset)) and depth and len(v) <= SMALL_ITEMS and all(type(e) in LEAF_SCALARS for e in v):
        body = ", ".join(sorted(map(repr, v)))
        out.append([path, ("{%s}" % body if body else "set()") if isinstance(v, set) else "frozenset({%s})" % body])
    else:
        raise NotSmall()
    if len(out) > SMALL_LEAVES:
        raise NotSmall()


def plain_repr(x, limit):
    """Python's own repr of a small container made only of lists, tuples, dicts (no subclass whose
    __repr__ would run) and builtin scalars, when it fits in `limit` characters; else None. Unlike
    reprlib's it keeps every item and a dict's insertion order. Sets are left to reprlib, which
    sorts them: their own order changes with the kernel's string hash seed."""
    if not _plain(x, 0):
        return None
    s = repr(x)
    return s if len(s) <= limit else None


def _plain(v, depth):
    t = type(v)
    if t in LEAF_SCALARS:
        return True
    if depth >= SMALL_DEPTH:
        return False
    if t is list or t is tuple:
        return all(_plain(item, depth + 1) for item in v)
    if t is dict:
        return all(type(k) in LEAF_SCALARS and _plain(item, depth + 1) for k, item in v.items())
    return False
