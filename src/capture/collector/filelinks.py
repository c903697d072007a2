"""Files the notebook writes and reads back: a value read from a file the same trial wrote
depends on what was written there.

A write is attached, when the file is opened, to the versions of what goes into it:
- a library call that opens the path itself (`df.to_csv(p)`, `np.save(p, a)`,
  `joblib.dump(m, p)`): the notebook names bound to the objects the call was given;
- `open(p, 'w')` in a cell: the names the statements writing through the handle read
  (the body statements of `with open(...) as f` that use f, or the statement around an
  inline `open(...).write(s)`), resolved once the handle is closed.
A read of that path, while its content is still what the write left (same sha1, or for a file
too big to hash the same size and modification time), adds the
write's versions to what the reading statement records. Everything here runs on a
notebook's file open, or on the records made while a link waits (`armed`): nothing else
pays for it. Writes made before this kernel's collector was installed are not known, so a
previous trial's file (or one written outside the notebook) is never linked.
"""
import ast
import linecache
import os
import sys
import types
import weakref

from .scan import Scan

MAX_WAITING = 256            # reads and writes waiting for their statement / their close
# Values that name a file or merely equal another value: never "the written object".
NOT_WRITTEN = (str, bytes, int, float, complex, bool, type(None), os.PathLike, type, types.ModuleType)
LINK = "assignment"          # stored as noWorkflow's `dependency`, like any data dependency


def notebook_frame(f, ns):
    """The first frame from `f` outward (at most 64) that runs in the notebook's namespace `ns`; None when there is
    none, or when the import machinery comes first (a module's own top level opening its files)."""
    for _ in range(64):
        if f is None:
            return None
        if f.f_globals is ns:
            return f
        if f.f_code.co_filename.startswith("<frozen importlib"):
            return None
        f = f.f_back
    return None


class Write:
    # the last write of one path: its versions once known, the content it left (sha1; for a
    # file too big to hash, its size and modification time)
    __slots__ = ("path", "ref", "names", "deps", "hash", "stamp")

    def __init__(self, path, ref, names, deps):
        self.path, self.ref, self.names, self.deps = path, ref, names, deps
        self.hash = self.stamp = None

    def left(self, before):
        """Whether the file still holds what this write left; before: its sha1 now."""
        if self.hash is not None or before is not None:
            return self.hash == before
        return self.stamp is not None and self.stamp == _stamp(self.path)


class FileLinks:
    def __init__(self, rec, log):
        self.rec, self.log = rec, log
        self.writes = {}          # path -> the Write that closed last
        self.open_writes = []     # Writes whose handle is not closed yet
        self.reads = []           # (frame key, line, deps): waiting for their statement's record
        self.armed = False
        self._trees = {}          # cell file name -> (source lines, parsed tree)

    # -- events

    def opened(self, entry, f, caller):
        """A notebook open returned f: `caller` is the frame that called open."""
        try:
            self.settle()
            mode, path = entry["mode"], os.path.realpath(entry["name"])     # one file under any of its names
            if any(c in mode for c in "wax+"):
                self._wrote(path, mode, entry["before"], f, caller)
            elif "r" in mode:
                self._read(path, entry["before"], caller)
            self.armed = bool(self.open_writes or self.reads)
        except Exception as e:
            self.rec._fail(e)

    def on_record(self, site, base):
        """Adds to `base` the writes read by the statement `site` records (it ran in the
        notebook frame calling the record)."""
        self.settle()
        if self.reads:
            frame = notebook_frame(sys._getframe(1), self.rec.ns)
            if frame is not None:
                keep, first, last, key = [], site.pos[0], site.pos[2], _frame_key(frame)
                for r in self.reads:
                    if r[0] != key:
                        keep.append(r)
                    elif first <= r[1] <= last:
                        base.extend((None, v, t) for v, t in r[2])
                # a read of this frame outside the statement: the statement that made it recorded nothing
                self.reads = keep
        self.armed = bool(self.open_writes or self.reads)

    def drain(self):
        self.settle()
        self.reads = []
        self.armed = bool(self.open_writes)

    def settle(self):
        # a write whose handle is closed is done: its hash, and the versions of the names it wrote
        if not self.open_writes:
            return
        keep = []
        for w in self.open_writes:
            f = w.ref() if w.ref is not None else None
            if f is not None and not getattr(f, "closed", True):
                keep.append(w)
                continue
            if w.names:
                w.deps = w.deps + self._resolve(w.names)
            if not w.deps:                   # nothing to link: spare the hash
                self.writes.pop(w.path, None)
                continue
            w.hash, w.stamp = self.log.sha1(w.path, False), _stamp(w.path)
            self.writes[w.path] = w
        self.open_writes = keep

    # -- writes and reads

    def _wrote(self, path, mode, before, f, caller):
        ns = self.rec.ns
        if self._past_budget():
            self.writes.pop(path, None)          # the versions it was made from were not recorded
            return
        if caller.f_globals is ns:
            names = self._handle_writers(caller)
            if names is None:
                self.writes.pop(path, None)      # written through a handle we cannot follow
                return
            deps = []
        else:
            names, deps = (), self._library_writers(caller)
        if "w" not in mode:                      # appended / updated: the old content stays
            prev = self.writes.get(path)
            if prev is not None and prev.left(before):
                deps = prev.deps + deps
        try:
            ref = weakref.ref(f)
        except TypeError:
            ref = None
        self.writes.pop(path, None)
        if len(self.open_writes) < MAX_WAITING:
            self.open_writes.append(Write(path, ref, names, deps))

    def _read(self, path, before, caller):
        w = self.writes.get(path)
        if w is None or not w.deps or not w.left(before):
            return
        inner = notebook_frame(caller, self.rec.ns)
        outer = inner
        f = inner.f_back if inner is not None else None
        while f is not None:
            if f.f_globals is self.rec.ns:
                outer = f
            f = f.f_back
        # the statement reading (in a notebook function) and the cell statement calling it
        for fr in {id(x): x for x in (inner, outer) if x is not None}.values():
            if len(self.reads) < MAX_WAITING:
                self.reads.append((_frame_key(fr), fr.f_lineno, w.deps))

    def _library_writers(self, caller):
        """[(version, type)] of the notebook names bound to the arguments of the library call
        made from notebook code that led to this open."""
        ns, f = self.rec.ns, caller
        for _ in range(64):
            if f.f_back is None:
                return []
            if f.f_back.f_globals is ns:
                break
            f = f.f_back
        else:
            return []
        code = f.f_code
        n = code.co_argcount + code.co_kwonlyargcount
        local = f.f_locals
        values = [local.get(name) for name in code.co_varnames[:n]]
        for flag in (0x04, 0x08):         # *args, then **kwargs
            if code.co_flags & flag:
                rest = local.get(code.co_varnames[n])
                n += 1
                if type(rest) is tuple:
                    values.extend(rest)
                elif type(rest) is dict:
                    values.extend(rest.values())
        ids = {id(v) for v in values if not isinstance(v, NOT_WRITTEN)}
        last = self.rec.last
        return [(last[k], LINK) for k, x in ns.items() if id(x) in ids and k in last]

    def _handle_writers(self, frame):
        """Names whose values a cell writes through the handle it opens at frame's line, or None
        when the writes are not in sight (a handle bound by `f = open(...)`, or opened in a
        notebook function whose names are its locals)."""
        if frame.f_code.co_name != "<module>":
            return None
        tree = self._tree(frame.f_code.co_filename)
        if tree is None:
            return None
        line = frame.f_lineno
        stmt = _innermost(tree.body, line)
        if stmt is None:
            return None
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            items = [i for i in stmt.items if i.context_expr.lineno <= line <= i.context_expr.end_lineno]
            if len(items) == 1:      # two opens on one line: which handle this is is not known
                h = items[0].optional_vars
                if isinstance(h, ast.Name):
                    out = {}
                    for s in stmt.body:
                        loads = Scan().scan([s]).loads
                        if h.id in loads:
                            out.update(dict.fromkeys(loads))
                    out.pop(h.id, None)
                    return tuple(out)
            return None
        if hasattr(stmt, "body") or isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            return None         # `f = open(...)`: the writes come in later statements
        opener = set()
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "open":
                opener.update(Scan().scan(n.args + [k.value for k in n.keywords]).loads)
        return tuple(n for n in Scan().scan([stmt]).loads if n not in opener and n != "open")

    def _past_budget(self):
        # a loop running its uninstrumented iterations: the names it changes have no versions yet
        return any(st.phase2 for stack in self.rec.loops.values() for st in stack)

    def _resolve(self, names):
        ns, last = self.rec.ns, self.rec.last
        return [(last[n], LINK) for n in names
                if n in last and not isinstance(ns.get(n), types.ModuleType)]

    def _tree(self, filename):
        lines = linecache.getlines(filename)
        if not lines:
            return None
        cached = self._trees.get(filename)
        if cached is not None and cached[0] is lines:
            return cached[1]
        tree = ast.parse("".join(lines))
        self._trees[filename] = (lines, tree)
        return tree


def _stamp(path):
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


def _frame_key(f):
    # IPython runs each top-level statement of a cell as code of its own, the record after it
    # included: a cell is one frame by its file name; a notebook function's call is its frame
    code = f.f_code
    return (code.co_filename, id(f) if code.co_name != "<module>" else 0)


def _innermost(stmts, line):
    # the innermost statement holding `line`; a with statement counts as innermost while
    # the line is in its items (the open being made is then the with's own)
    for s in stmts:
        if s.lineno <= line <= (s.end_lineno or s.lineno):
            if isinstance(s, (ast.With, ast.AsyncWith)) and any(
                    i.context_expr.lineno <= line <= i.context_expr.end_lineno for i in s.items):
                return s
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = _innermost(getattr(s, field, None) or [], line)
                if inner is not None:
                    return inner
            for case in getattr(s, "cases", None) or []:
                inner = _innermost(case.body, line)
                if inner is not None:
                    return inner
            return s
    return None
