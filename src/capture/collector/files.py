"""The files a notebook reads and writes, with their content hashes before and after."""
import builtins
import hashlib
import io
import os
import stat
import sys
import threading
import time
import weakref

from .filelinks import FileLinks, notebook_frame

MAX_FILES = 5000                     # accesses held between two drains
MAX_HASH_BYTES = 64 * 1024 * 1024    # larger files are reported without a hash


class FileLog:
    """Wraps builtins.open / io.open while installed; hashes content before and after.

    Only opens made on behalf of notebook code count: some frame up the stack runs in
    the user namespace (a cell, a notebook function) and no import is in progress
    below it. Imports (sklearn opens hundreds of tz/metadata files) and the
    collector's own work are not the notebook's file accesses.
    """

    def __init__(self, rec):
        self.rec = rec
        self.orig = builtins.open
        self.pending = []             # [entry, weakref-to-file or None, writes]
        self.cache = {}               # (path, size, mtime_ns) -> sha1
        self.main = threading.get_ident()
        self.busy = False
        self.links = FileLinks(rec, self)
        self.wrapper = self._make_wrapper()

    def activate(self):
        builtins.open = io.open = self.wrapper

    def restore(self):
        if builtins.open is self.wrapper:
            builtins.open = self.orig
        if io.open is self.wrapper:
            io.open = self.orig

    def from_notebook(self, f):
        return notebook_frame(f, self.rec.ns) is not None

    def _make_wrapper(self):
        log, orig = self, self.orig

        def open(file, mode="r", buffering=-1, encoding=None, errors=None, newline=None,
                 closefd=True, opener=None):
            entry = None
            if isinstance(file, (str, bytes, os.PathLike)) and not log.busy \
                    and threading.get_ident() == log.main and log.from_notebook(sys._getframe(1)):
                entry = log.before(file, mode)
            f = orig(file, mode, buffering, encoding, errors, newline, closefd, opener)
            if entry is not None:
                log.add(entry, f)
                log.links.opened(entry, f, sys._getframe(1))
            return f

        for attr in ("__doc__", "__module__", "__qualname__"):
            setattr(open, attr, getattr(orig, attr, None))
        return open

    def sha1(self, path, use_cache):
        try:
            st = os.stat(path)
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode) or st.st_size >= MAX_HASH_BYTES:
            return None
        key = (path, st.st_size, st.st_mtime_ns)
        if use_cache and key in self.cache:
            return self.cache[key]
        h = hashlib.sha1()
        with self.orig(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        d = self.cache[key] = h.hexdigest()
        return d

    def before(self, file, mode):
        try:
            if not isinstance(mode, str) or len(self.pending) >= MAX_FILES:
                return None
            path = os.path.abspath(os.fsdecode(os.fspath(file)))
            return {"name": path, "mode": mode, "before": self.sha1(path, True), "after": None,
                    "t": time.perf_counter()}
        except Exception as e:
            self.rec._fail(e)
            return None

    def add(self, entry, f):
        writes = any(c in entry["mode"] for c in "wax+")
        try:
            ref = weakref.ref(f) if writes else None
        except TypeError:
            ref = None
        self.pending.append([entry, ref, writes])

    def drain(self):
        self.links.drain()
        out, keep = [], []
        for item in self.pending:
            entry, ref, writes = item
            if writes:
                f = ref() if ref is not None else None
                if f is not None and not getattr(f, "closed", True):
                    keep.append(item)     # hashed at a later drain, once closed
                    continue
                try:
                    entry["after"] = self.sha1(entry["name"], False)
                except Exception as e:
                    self.rec._fail(e)
            out.append(entry)
        self.pending = keep
        return out
