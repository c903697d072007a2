"""Content fingerprints: a digest of a value's whole content.

`diff` and `compare` decide "unchanged" only on an equal content fingerprint, so the digest must
cover every element: numpy and pandas buffers are read in place (zlib.crc32 over the buffer, no
copy of a contiguous array; a strided one is read through 1 MiB contiguous chunks), containers
are walked recursively. The work is bounded by a budget in bytes read (a Python-level element
is charged the bytes crc32 reads in the time it takes), checked before each part is read, so
the same value always gets the same answer: a value over the budget gets no content fingerprint
and is marked sampled ("not compared (too large)"), never "unchanged".

Measured on the test machine (100 MB float64): crc32 14-24 ms, adler32 23-28, sha1 45-53,
md5 107, blake2b 116. crc32 reads at memory bandwidth; blake2b (8 bytes) only combines the
parts (type tags, lengths, the crc of each buffer), so the cost of a small value is microseconds.
"""
import array
import hashlib
import struct
import zlib

from .costs import CHUNK, ITEM_COST, MAX_DEPTH, PACKED_COST, REPR_COST, Opaque, TooLarge
from .frames import FrameFeeds

FP_BUDGET = 128 << 20       # bytes read per value: a 100 MB frame fits (≈ 15-25 ms), a 1 GiB array does not

NoneType = type(None)
REPR_SCALARS = frozenset((NoneType, bool, int, float, complex, str, bytes))


def type_tag(t):
    m = getattr(t, "__module__", None)
    q = getattr(t, "__qualname__", t.__name__)
    return (q if m in (None, "builtins") else m + "." + q).encode("utf-8", "backslashreplace")


class Fingerprint(FrameFeeds):
    """One walk over one value: fingerprint(x) -> (hex digest or None, sampled)."""

    def __init__(self, budget, np, pd):
        self.left = budget
        self.np, self.pd = np, pd           # the numpy / pandas modules, when the notebook imported them
        self.path = set()                   # ids of the containers being walked (self-references)

    def charge(self, n):
        self.left -= n
        if self.left < 0:
            raise TooLarge()

    def fingerprint(self, x):
        h = hashlib.blake2b(digest_size=8)
        try:
            self.feed(x, h, 0)
        except TooLarge:
            return None, True
        except RecursionError:
            return None, True
        except Exception:
            return None, False
        return h.hexdigest(), False

    # -- dispatch

    def feed(self, x, h, depth):
        t = type(x)
        if t is str:
            if len(x) > self.left:      # before encoding a copy of it
                raise TooLarge()
            self.blob(h, b"s", x.encode("utf-8", "surrogatepass"))
        elif t is int:
            self.feed_int(x, h)
        elif t is float or t is complex:
            h.update(b"f%s;" % repr(x).encode())
        elif t is bool or x is None:
            h.update(b"T" if x is True else b"F" if x is False else b"N")
        elif t is bytes or t is bytearray:
            self.blob(h, b"b" if t is bytes else b"B", x)
        elif depth >= MAX_DEPTH:
            raise TooLarge()
        elif isinstance(x, (list, tuple)):
            self.container(x, h, depth, self.feed_sequence)
        elif isinstance(x, dict):
            self.container(x, h, depth, self.feed_dict)
        elif isinstance(x, (set, frozenset)):
            self.container(x, h, depth, self.feed_set)
        else:
            self.feed_library(x, h, depth)

    def feed_library(self, x, h, depth):
        np_, pd_ = self.np, self.pd
        if np_ is not None:
            if isinstance(x, np_.ndarray):
                return self.feed_array(x, h, depth)
            if isinstance(x, np_.generic):
                if x.dtype.hasobject:
                    raise Opaque()
                h.update(b"g" + str(x.dtype).encode() + b":")
                return h.update(x.tobytes())
        if pd_ is not None and self.feed_pandas(x, h, depth):
            return
        if isinstance(x, exact_repr_types(pd_)):
            return h.update(type_tag(type(x)) + b"=" + repr(x).encode("utf-8", "surrogatepass"))
        raise Opaque()

    # -- scalars and buffers

    def feed_int(self, x, h):
        if -(1 << 63) <= x < (1 << 63):
            h.update(b"i%d;" % x)
        else:       # repr of a huge int is quadratic (and refused past 4300 digits)
            n = x.bit_length() // 8 + 1
            self.charge(n)
            h.update(b"I%d:" % n)
            h.update(x.to_bytes(n, "little", signed=True))

    def blob(self, h, tag, data):
        n = len(data)
        self.charge(n)
        h.update(tag + b"%d:" % n)
        if n <= 4096:
            h.update(data)
        else:
            h.update(struct.pack("<I", zlib.crc32(data)))

    def feed_array(self, a, h, depth):
        h.update(b"nd" + str(a.dtype).encode() + repr(a.shape).encode())
        if a.dtype.hasobject:
            if a.size * PACKED_COST > self.left:        # before tolist() makes a list of them
                raise TooLarge()
            return self.feed_sequence(a.reshape(-1).tolist(), h, depth + 1)
        self.charge(a.nbytes)
        h.update(struct.pack("<I", self.crc_array(a, 0)))

    def crc_array(self, a, crc):
        """crc32 of the array's bytes in C order, whatever its strides: equal content, equal crc."""
        np_ = self.np
        if a.nbytes == 0:
            return crc
        if a.flags.c_contiguous:
            return zlib.crc32(a.reshape(-1).view(np_.uint8), crc)
        if a.ndim == 0:
            return zlib.crc32(a.tobytes(), crc)
        row = a.nbytes // a.shape[0]
        if row > CHUNK:
            for i in range(a.shape[0]):
                crc = self.crc_array(a[i], crc)
            return crc
        step = max(1, CHUNK // row)
        for i in range(0, a.shape[0], step):
            crc = zlib.crc32(np_.ascontiguousarray(a[i:i + step]).reshape(-1).view(np_.uint8), crc)
        return crc

    # -- pandas

    # -- containers

    def container(self, x, h, depth, feed_items):
        key = id(x)
        if key in self.path:
            h.update(b"<cycle>")
            return
        self.path.add(key)
        try:
            h.update(type_tag(type(x)) + b"%d:" % len(x))
            feed_items(x, h, depth)
        finally:
            self.path.discard(key)

    def feed_sequence(self, x, h, depth):
        items = list.__iter__(x) if isinstance(x, list) else tuple.__iter__(x)
        n = len(x)
        if n * PACKED_COST > self.left:     # before even scanning the types of a huge list
            raise TooLarge()
        if n >= 8 and self.joined(x, n, h):
            return
        types = set(map(type, x))
        if types <= REPR_SCALARS and self.packed(x, types, n, h):
            return
        if types <= REPR_SCALARS:
            self.charge(n * REPR_COST)
            try:
                return self.blob(h, b"r", repr(list(items)).encode("utf-8", "surrogatepass"))
            except ValueError:      # an int too long for repr
                items = list.__iter__(x) if isinstance(x, list) else tuple.__iter__(x)
        for item in items:
            self.charge(ITEM_COST)
            self.feed(item, h, depth + 1)

    def joined(self, x, n, h):
        """Strings (an object column's usual content) joined by NUL, when none holds one: a dozen nanoseconds an
        element, where a scan of the types alone costs as much."""
        first = next(list.__iter__(x) if isinstance(x, list) else tuple.__iter__(x))
        if type(first) is not str:
            return False
        self.charge(n * PACKED_COST)
        try:
            text = "\x00".join(x)
        except TypeError:
            return False
        if text.count("\x00") != n - 1:
            return False
        h.update(b"j%d:" % n)
        self.blob(h, b"J", text.encode("utf-8", "surrogatepass"))
        return True

    def packed(self, x, types, n, h):
        """Homogeneous ints, floats or strs through array()/join(): tens of nanoseconds an element."""
        if len(types) != 1 or n < 8:
            return False
        t = next(iter(types))
        try:
            if t is float:
                data = array.array("d", x)
            elif t is int:
                data = array.array("q", x)
            elif t is str:      # some hold a NUL
                self.charge(n * PACKED_COST)
                self.blob(h, b"L", array.array("q", map(len, x)))
                self.blob(h, b"J", "".join(x).encode("utf-8", "surrogatepass"))
                return True
            else:
                return False
        except OverflowError:
            return False
        self.charge(n * PACKED_COST)
        self.blob(h, b"P" + t.__name__.encode(), data)
        return True

    def feed_dict(self, x, h, depth):
        # order-blind, as dict equality is: each entry hashed alone, the digests sorted
        self.feed_unordered(dict.items(x), len(x), h, depth, lambda kv: type(kv[0]) in REPR_SCALARS and type(kv[1]) in REPR_SCALARS)

    def feed_set(self, x, h, depth):
        self.feed_unordered(x, len(x), h, depth, lambda v: type(v) in REPR_SCALARS)

    def feed_unordered(self, entries, n, h, depth, scalar):
        if n * PACKED_COST > self.left:
            raise TooLarge()
        entries = list(entries)
        if all(map(scalar, entries)):
            self.charge(n * REPR_COST)
            try:
                return self.blob(h, b"u", "\x00".join(sorted(map(repr, entries))).encode("utf-8", "surrogatepass"))
            except ValueError:
                pass
        digests = []
        for e in entries:
            self.charge(ITEM_COST)
            sub = hashlib.blake2b(digest_size=8)
            self.feed(e, sub, depth + 1)
            digests.append(sub.digest())
        digests.sort()
        h.update(b"".join(digests))


EXACT_REPRS = {}


def exact_repr_types(pd):
    """Types whose repr is their whole content: dates and times, decimals, fractions, and pandas' scalars
    (a Timestamp, NaT, NA) that object columns hold."""
    found = EXACT_REPRS.get(pd is not None)
    if found is None:
        import datetime
        import decimal
        import fractions
        found = (datetime.date, datetime.time, datetime.timedelta, decimal.Decimal, fractions.Fraction)
        if pd is not None:
            found += (pd.Timestamp, pd.Timedelta, pd.Period, pd.Interval, type(pd.NA), type(pd.NaT))
        EXACT_REPRS[pd is not None] = found
    return found


def fingerprint(x, budget, np, pd):
    """(hex digest of the whole content, False), or (None, True) when over the budget, or (None, False)
    when part of the value is an object nbprov cannot fingerprint. Never raises."""
    return Fingerprint(budget, np, pd).fingerprint(x)
