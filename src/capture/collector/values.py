"""What a version says about its value: type name, bounded repr, JSON value and a summary.

Everything here runs once per recorded version (never per statement: the mutation check uses
`meta`), so it must cost microseconds for small values and a bounded time for big ones: reprs
are bounded by reprlib, shapes and sampled `fp`s read a fixed sample of elements, and the
content fingerprint (content.py) reads the whole value within its byte budget; nothing is
ever copied whole.
"""
import math
import re
import reprlib
import signal
import sys
import threading
import zlib
from dataclasses import dataclass

from .content import FP_BUDGET, fingerprint
from .entries import plain_repr, small_items
from .secrets import REDACTED, SECRET_TYPES, Secrets, mask_urls, secret_name

MISSING = object()          # a name that is not bound (deleted, or never assigned)
NOSCALAR = object()         # a snapshot compared by identity and size, not by value
LEN_TYPES = (list, tuple, dict, set, frozenset, str, bytes, bytearray)
CONTAINERS = (list, tuple, dict, set, frozenset)
REPR_SECONDS = 0.05         # a user __repr__ that sleeps or loops is cut short after this
NoneType = type(None)

TYPE_NAMES = {}


@dataclass(slots=True)
class Snapshot:
    """What the recorder keeps of a name's last recorded value, to notice a later change
    without holding a copy: a scalar is compared by value, anything else by identity and size."""
    object_id: int
    size: object                # Summaries.meta: a length or shape, None when it has none
    scalar: object              # the value itself, or NOSCALAR
    type_name: str


def clean(s):
    # a lone surrogate would make the kernel's JSON message unencodable
    if s.isascii():
        return s
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


class ReprTimeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise ReprTimeout()


def with_deadline(fn, x):
    """fn(x), interrupted by SIGALRM after REPR_SECONDS when on the main thread (where cells run)."""
    if threading.current_thread() is not threading.main_thread():
        return fn(x)
    previous_handler = signal.signal(signal.SIGALRM, _on_alarm)
    previous_timer = signal.setitimer(signal.ITIMER_REAL, REPR_SECONDS)
    try:
        return fn(x)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_timer[0]:
            signal.setitimer(signal.ITIMER_REAL, *previous_timer)   # the notebook's own alarm, if any


def type_name(t):
    n = TYPE_NAMES.get(t)
    if n is None:
        m = getattr(t, "__module__", None)
        q = getattr(t, "__qualname__", t.__name__)
        n = TYPE_NAMES[t] = q if m in (None, "builtins") else m + "." + q
    return n


class Summaries:
    """Type, bounded repr, JSON value and sampled summary; never copies data."""

    def __init__(self, limit, redact, fp_budget=FP_BUDGET):
        self.limit, self.redact, self.fp_budget = limit, redact, fp_budget
        self.secrets = Secrets(redact)
        self.np = self.pd = None
        self.np_module = self.pd_module = None
        r = self.reprs = reprlib.Repr()
        r.maxstring = r.maxother = r.maxlong = limit
        r.maxlevel = 3
        summaries = self

        def repr_instance(x, level):
            s = summaries.cheap_repr(x)
            if s is None:
                s = with_deadline(repr, x)   # may raise: the caller reports <unreprable T>
            return s if len(s) <= limit else s[:limit - 3] + "..."

        def repr1(x, level):
            # dict/list subclasses with the inherited repr (sklearn's Bunch holds whole
            # DataFrames) are walked by reprlib instead of calling their full repr
            t = type(x)
            if t.__repr__ is dict.__repr__ and isinstance(x, dict):
                return reprlib.Repr.repr_dict(r, x, level)
            if t.__repr__ is list.__repr__ and isinstance(x, list):
                return reprlib.Repr.repr_list(r, x, level)
            return reprlib.Repr.repr1(r, x, level)

        r.repr_instance = repr_instance
        r.repr1 = repr1

    def libs(self):
        # numpy and pandas are looked up, never imported: a notebook that does not use
        # them must not pay for their import
        if self.np is None:
            m = sys.modules.get("numpy")
            if m is not None:
                self.np = (m.ndarray, m.generic)
                self.np_module = m
        if self.pd is None:
            m = sys.modules.get("pandas")
            if m is not None and hasattr(m, "DataFrame"):
                self.pd = (m.DataFrame, m.Series)
                self.pd_module = m

    def meta(self, x):
        # cheap size signature used to notice in-place changes
        t = type(x)
        if t in LEN_TYPES:
            return len(x)
        self.libs()
        if self.np is not None and isinstance(x, self.np[0]):
            return x.shape
        if self.pd is not None and isinstance(x, self.pd):
            return x.shape
        return None

    def cheap_repr(self, x):
        self.libs()
        np_, pd_ = self.np, self.pd
        if np_ is not None and isinstance(x, np_[0]):
            # numpy's own repr formats every element of arrays up to 1000 items (ms)
            n = x.size
            if n <= 6:
                parts = [repr(v) for v in x.flat[:n].tolist()]
            else:
                parts = [repr(v) for v in x.flat[:3].tolist()] + ["..."] + \
                        [repr(v) for v in x.flat[n - 3:n].tolist()]
            return "array([%s], shape=%s, dtype=%s)" % (", ".join(parts), tuple(x.shape), x.dtype)
        if pd_ is not None:
            if isinstance(x, pd_[0]):
                return "DataFrame(shape=%s, columns=%r)" % (x.shape, [str(c) for c in x.columns[:20]])
            if isinstance(x, pd_[1]):
                return "Series(name=%r, len=%d, dtype=%s)" % (x.name, len(x), x.dtype)
        return None

    def repr(self, x, tn):
        try:
            s = self.reprs.repr(x)
        except Exception:
            return "<unreprable %s>" % tn
        return clean(s if len(s) <= self.limit else s[:self.limit - 3] + "...")

    def json_value(self, x):
        t = type(x)
        if t is bool or x is None:
            return x
        if t is int:
            return x if -(1 << 63) <= x < (1 << 63) else None
        if t is float:
            if math.isfinite(x):
                return x
            return "nan" if x != x else ("inf" if x > 0 else "-inf")
        if t is str:
            return clean(x) if len(x) <= self.limit else None
        return None

    def fp_array(self, a):
        n = a.size
        idx = list(range(n)) if n <= 16 else [i * (n - 1) // 15 for i in range(16)]
        sample = a.flat[idx] if n else a.reshape(-1)
        data = repr(sample.tolist()).encode() if a.dtype.hasobject else sample.tobytes()
        return "%08x" % zlib.crc32(data, zlib.crc32(repr((a.shape, str(a.dtype))).encode()))

    def fp_values(self, arr, rows, seed):
        if not rows:
            return seed
        s = arr[rows]
        if self.np is not None and isinstance(s, self.np[0]) and not s.dtype.hasobject:
            return zlib.crc32(s.tobytes(), seed)
        return zlib.crc32(repr(list(s)).encode(), seed)

    def summary(self, x):
        """The sampled summary (len, shape, dtype, columns, fp) plus what the content says: `content`,
        a fingerprint of the whole value, or `sampled: true` when the value is over the budget (neither
        for a value holding objects nbprov cannot fingerprint); a small list/tuple/dict also lists its
        scalar entries as `items`."""
        s = self.shape_summary(x)
        if s is None:
            if not (type(x) in (str, bytes, bytearray) or isinstance(x, CONTAINERS) or self.is_library_value(x)):
                return None
            s = {}
        content, sampled = fingerprint(x, self.fp_budget, self.np_module, self.pd_module)
        if content is not None:
            s["content"] = content
        elif sampled:
            s["sampled"] = True
        if isinstance(x, (list, tuple, dict)):
            items = small_items(x, self.limit, self.np_module)
            if items is not None:
                s["items"] = self.redact_items(items) if self.redact else items
        return s or None

    def redact_items(self, items):
        # the rules of a top-level string, the entry's last key standing for the name
        out = []
        for item in items:
            key = re.split(r"[.\[]", item[0])[-1]
            if len(item) == 3 and type(item[2]) is str and self.secrets.is_secret(key, item[2]):
                item = [item[0], repr(REDACTED), REDACTED]
            elif item[1].startswith(("b'", 'b"', "bytearray(")) and secret_name(key):
                self.secrets.shown.add(item[1])
                item = [item[0], repr(REDACTED)]
            elif len(item) == 3 and type(item[2]) is str and "://" in item[2] and mask_urls(item[2]) != item[2]:
                masked = mask_urls(item[2])
                item = [item[0], repr(masked), masked]
            out.append(item)
        return out

    def is_library_value(self, x):
        return (self.np is not None and isinstance(x, self.np)) or \
            (self.pd_module is not None and isinstance(x, (*self.pd, self.pd_module.Index)))

    def shape_summary(self, x):
        t = type(x)
        if t in (list, tuple, dict, set, frozenset):
            return {"len": len(x)}
        self.libs()
        if self.np is not None and isinstance(x, self.np[0]):
            return {"shape": list(x.shape), "dtype": str(x.dtype), "fp": self.fp_array(x)}
        if self.pd is not None:
            if isinstance(x, self.pd[0]):
                r, c = x.shape
                cols = [str(k) for k in x.columns[:20]]
                seed = zlib.crc32(repr((x.shape, [str(k) for k in x.columns])).encode())
                rows = [i * (r - 1) // 3 for i in range(4)] if r > 4 else list(range(r))
                get = getattr(x, "_get_column_array", None)
                for j in ([i * (c - 1) // 3 for i in range(4)] if c > 4 else range(c)):
                    col = get(j) if get is not None else x.iloc[:, j].array
                    seed = self.fp_values(col, rows, seed)
                return {"shape": [r, c], "columns": cols, "fp": "%08x" % seed}
            if isinstance(x, self.pd[1]):
                n = len(x)
                rows = [i * (n - 1) // 15 for i in range(16)] if n > 16 else list(range(n))
                vals = getattr(x, "_values", None)
                if vals is None:
                    vals = x.array
                seed = zlib.crc32(repr((n, str(x.dtype))).encode())
                return {"len": n, "dtype": str(x.dtype), "fp": "%08x" % self.fp_values(vals, rows, seed)}
        return None

    def describe(self, name, x):
        """(type name, repr, JSON value, summary, Snapshot) for one version."""
        t = type(x)
        tn = type_name(t)
        if t in SECRET_TYPES and self.secrets.is_secret(name, x):
            return tn, repr(REDACTED), REDACTED, None, \
                Snapshot(id(x), None if t is str else len(x), x if t is str else NOSCALAR, tn)
        if t in (int, float, bool, NoneType) or (t is str and len(x) <= self.limit):
            # a URL's password is masked in what is recorded; the snapshot keeps the notebook's own string
            shown = mask_urls(x) if t is str and self.redact else x
            return tn, self.repr(shown, tn), self.json_value(shown), None, Snapshot(id(x), None, x, tn)
        self.libs()
        value, scalar = None, NOSCALAR
        if self.np is not None and isinstance(x, self.np[1]):
            try:
                item = x.item()
                value = self.json_value(item)
                if value is not None:
                    scalar = item
            except Exception:
                pass
        try:
            # a numpy scalar kept exactly needs no fingerprint
            summ = self.summary(x) if scalar is NOSCALAR else None
        except Exception:
            summ = None
        try:
            meta = self.meta(x)
        except Exception:
            meta = None
        self.secrets.secret_entries(x)
        rp = None
        if summ is not None and "items" in summ:
            rp = plain_repr(x, self.limit)      # (3, 3, 11) whole, where reprlib writes (3, 3, ...)
        rp = clean(rp) if rp is not None else self.repr(x, tn)
        return tn, self.secrets.scrub(rp), value, summ, Snapshot(id(x), meta, scalar, tn)
