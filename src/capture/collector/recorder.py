"""The runtime recorder behind `__nbprov__`: version ids, the last-writer map, dependencies.

Each record resolves its dependencies at once through `last` (name -> id of the version
that last wrote it, across cells), so no value or event is kept past the drain. The
runner drains once per cell through `user_expressions` (`__nbprov__.drain()`).
"""
import builtins
import sys
import time
import types

from IPython.display import JSON

from .aliases import AliasHooks
from .environment import ModuleLog, kernel_environment
from .files import FileLog
from .functions import FunctionHooks
from .loops import LoopHooks
from .rewriter import ME, ImportsOnly, Rewriter
from .rng import RngHooks
from .scan import EMPTY
from .values import MISSING, NOSCALAR, Summaries

MAX_VERSIONS = 20000                 # per drain; the rest of the cell is not versioned
MAX_DEPS = 5 * MAX_VERSIONS
# The capture modes that change what the collector does (the others record variables
# within the loop budget); src/limits.ts lists them all and sends them with the install request.
CELLS_ONLY = "cells"
FULL = "full"


class Recorder(LoopHooks, FunctionHooks, AliasHooks, RngHooks):
    """`__nbprov__`: rewritten code calls record / record_value after statements,
    function_entry / fn_instrumented in peeled functions and the loop hooks around peeled
    loops; the runner calls drain and environment. Entry points never raise: failures are counted and reported in the
    payload (errors, first_error)."""

    def __init__(self, shell, opts, carried):
        self.shell = shell
        self.ns = shell.user_ns
        self.mode = opts["capture"]
        budget = max(0, int(opts["loop_budget"]))
        self.budget = sys.maxsize if self.mode == FULL else budget
        self.summaries = Summaries(int(opts["repr_limit"]), bool(opts["redact"]), int(opts["fp_budget"]))
        self.sites = {}
        self.next_sid, self.next_v = 1, 1
        if carried:     # ids are never reused within a kernel
            self.next_sid, self.next_v = carried["next_sid"], carried["next_v"]
        self._init_loops()
        self._init_functions(carried)
        self._init_aliases()
        self._init_rng()
        self.last, self.snapshots = {}, {}    # name -> id of its last version; name -> Snapshot of it
        self.versions, self.deps = [], []
        self.errors, self.first_error, self.truncated = 0, None, False
        self.cell_id = None
        self.modules = ModuleLog()
        self.files = FileLog(self)
        self.rewriter = None

    # -- lifecycle

    def activate(self):
        sh = self.shell
        self.rewriter = Rewriter(self) if self.mode != CELLS_ONLY else ImportsOnly(self)
        sh.ast_transformers.append(self.rewriter)
        sh.events.register("pre_run_cell", self.pre_run_cell)
        self.files.activate()

    def uninstall(self):
        sh = self.shell
        if self.rewriter in sh.ast_transformers:
            sh.ast_transformers.remove(self.rewriter)
        try:
            sh.events.unregister("pre_run_cell", self.pre_run_cell)
        except ValueError:
            pass
        self.files.restore()
        if getattr(builtins, ME, None) is self:
            setattr(builtins, ME, Inert({"next_sid": self.next_sid, "next_v": self.next_v,
                                         "n_function_sites": len(self.fn_instrumented)}))

    def pre_run_cell(self, info=None):
        self.cell_id = getattr(info, "cell_id", None)

    def add_site(self, site):
        sid = self.next_sid
        self.next_sid = sid + 1
        self.sites[sid] = site
        return sid

    def _fail(self, e):
        self.errors += 1
        if self.first_error is None:
            tb = e.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = " (line %d)" % tb.tb_lineno if tb is not None else ""
            self.first_error = "%s: %s%s" % (type(e).__name__, e, where)

    # -- entry points called by rewritten code (never raise)

    def record(self, sid):
        try:
            self._record_site(self.sites[sid], MISSING)
        except Exception as e:
            self._fail(e)

    def record_value(self, sid, value):
        try:
            self._record_site(self.sites[sid], value)
        except Exception as e:
            self._fail(e)
        return value

    # -- recording

    def _resolve(self, names, typ, local_names, local_deps, out):
        # appends (name, version, type) for each name's last writer: a notebook function's
        # local resolves through the deps its own statements gave it in this call
        last = self.last
        for n in names:
            if n in local_names:
                for v, t in local_deps.get(n, ()):
                    out.append((n, v, "condition" if typ == "condition" else t))
            else:
                v = last.get(n)
                if v is not None:
                    out.append((n, v, typ))

    def _changed(self, name, x):
        snapshot = self.snapshots.get(name)
        if snapshot is None:
            return True
        old = snapshot.scalar
        if old is not NOSCALAR:
            if type(x) is not type(old):
                return True
            return not (x == old or (x != x and old != old))
        if id(x) != snapshot.object_id:
            return True
        try:
            return self.summaries.meta(x) != snapshot.size
        except Exception:
            return False

    def _emit(self, name, kind, at, x, deps, iterations=None, keys=None, described=None):
        # described: what Summaries.describe said of x under another name (an alias), not said twice
        if len(self.versions) >= MAX_VERSIONS or len(self.deps) >= MAX_DEPS:
            self.truncated = True
            return
        v = self.next_v
        self.next_v = v + 1
        if x is MISSING:
            old = self.snapshots.pop(name, None)
            tn, rp, val, summ = (old.type_name if old else "NoneType"), "<deleted>", None, None
        else:
            tn, rp, val, summ, snap = described or self.summaries.describe(name, x)
            self.snapshots[name] = snap
        self.versions.append({
            "v": v, "name": name, "kind": kind, "line": at[0], "col": at[1],
            "end_line": at[2], "end_col": at[3], "type": tn, "repr": rp, "value": val,
            "summary": summ, "iterations": iterations, "t": time.perf_counter()})
        if keys:
            limit = self.summaries.limit      # a key is source text, bounded like a repr
            self.versions[-1]["keys"] = [k[:limit] for k in keys]
        seen = {v}
        out = self.deps
        for dv, typ in deps:      # first occurrence wins: bound, assignment, call, condition
            if dv not in seen:
                seen.add(dv)
                out.append([v, dv, typ])
        self.last[name] = v

    def _mutation(self, name, at, x, base, kind="mutate", iterations=None, keys=None, own="bound"):
        # own: the type of the dependency on the name's previous version (None: none)
        deps = [(self.last[name], own)] if own and name in self.last else []
        inputs = [d for d in base if d[0] != name]
        deps.extend((v, t) for n, v, t in inputs)
        self._emit(name, kind, at, x, deps, iterations, keys)
        if own == "bound":      # changed in place: the object's other names change with it
            self._alias_queue(name, x, inputs, kind, at, iterations, keys)

    def _statement_deps(self, site, loads, calls, conditions):
        """(locals, local deps, base deps) of a statement or loop at `site`: what it loads (data), what the
        notebook functions it calls read (call), and the names its enclosing tests load (control)."""
        local_names, local_deps = self._scope(site.ctx)
        base = []
        self._resolve(loads, "assignment", local_names, local_deps, base)
        if self.files.links.armed:     # a file this statement read was written by the notebook
            self.files.links.on_record(site, base)
        self._call_deps(calls, local_names, base)
        for names in conditions:
            self._resolve(names, "condition", local_names, local_deps, base)
        return local_names, local_deps, base

    def _scope(self, ctx):
        # (names local to the notebook function a statement runs in, their deps in the current
        # call); at cell level no name is local
        if ctx is None:
            return EMPTY, None
        return ctx.locals, self.fn_local_deps.setdefault(ctx.fs, {})

    def _changed_global(self, name, local_names, local_deps, base):
        """The value of a name a statement or loop changed, or MISSING when there is no global version to
        record: a function local only extends its local deps, and modules are not versioned."""
        if name in local_names:
            local_deps[name] = local_deps.get(name, []) + [(v, t) for n, v, t in base if n != name]
            return MISSING
        x = self.ns.get(name, MISSING)
        return MISSING if isinstance(x, types.ModuleType) else x

    def _record_site(self, site, result):
        """Versions what the statement at `site` bound or changed; `result`: the value of an
        expression statement (MISSING for any other), which decides an `obj.m()` mutation."""
        local_names, local_deps, base = self._statement_deps(site, site.loads, site.calls, (site.cond,))
        done = set()           # names versioned by this record: each gets one version
        if site.rng:
            self._record_rng(site, local_names, local_deps, base, done)
        self._record_targets(site, local_names, local_deps, base, done)
        if site.walrus:
            self._record_walrus(site, local_names, local_deps, [(v, t) for _, v, t in base], done)
        if site.muts:
            self._record_mutations(site, local_names, local_deps, base, result, done)
        if site.check:
            self._record_changed_loads(site, local_names, base, done)
            self._repair(site.calls, local_names, done, site.pos, base)
        if site.mods:
            self.modules.imported.update(site.mods)
        if site.fn is not None and site.ctx is None:
            self._register(self.ns.get(site.targets[0][0]), site.fn)
        if self.alias_queue or self.alias_touched:
            self._alias_flush(done, site, base)

    def _record_targets(self, site, local_names, local_deps, base, done):
        ns = self.ns
        flat = [(v, t) for _, v, t in base]
        for name, kind, at in site.targets:
            done.add(name)
            if name in local_names:
                local_deps[name] = flat
                continue
            if kind == "del":
                if name not in ns:
                    self._emit(name, "del", at, MISSING,
                               [(self.last[name], "bound")] if name in self.last else [])
                continue
            x = ns.get(name, MISSING)
            if x is not MISSING:
                self._emit(name, "global" if site.ctx is not None else kind, at, x, flat)

    def _record_walrus(self, site, local_names, local_deps, flat, done):
        # a := target depends on what its own value reads, not on the whole statement
        for name, at, inner in site.walrus:
            if name in local_names:
                local_deps[name] = flat
                continue
            x = self.ns.get(name, MISSING)
            if x is not MISSING:
                reads = []
                self._resolve(inner, "assignment", local_names, local_deps, reads)
                self._resolve(site.cond, "condition", local_names, local_deps, reads)
                self._emit(name, "walrus", at, x, [(v, t) for _, v, t in reads])
                done.add(name)

    def _record_mutations(self, site, local_names, local_deps, base, result, done):
        for name, at, how, keys, own in site.muts:
            if name in done:
                continue
            deps = base
            if own is not None:     # a mutator call depends on what it reads, not the statement
                deps = []
                self._resolve(own[0], "assignment", local_names, local_deps, deps)
                self._call_deps(own[1], local_names, deps)
                self._resolve(site.cond, "condition", local_names, local_deps, deps)
                if site.rng:
                    deps.extend(self._rng_within(at))
            x = self._changed_global(name, local_names, local_deps, deps)
            if x is MISSING:
                if name in local_names:
                    self._touch_local(name, how, result)
                continue
            if how == "ret" and not (result is None or result is x):
                continue
            done.add(name)
            self._mutation(name, at, x, deps, keys=keys)

    def _record_changed_loads(self, site, local_names, base, done):
        # an object the statement only read may have been changed in place by what it called
        ns, snapshots = self.ns, self.snapshots
        for n in site.loads:
            if n in done or n in local_names:
                continue
            snapshot = snapshots.get(n)
            if snapshot is None or snapshot.size is None:
                continue
            x = ns.get(n, MISSING)
            if x is not MISSING and id(x) == snapshot.object_id and self.summaries.meta(x) != snapshot.size:
                done.add(n)
                self._mutation(n, site.pos, x, base)

    # -- reporting

    def drain(self):
        """Events since the last drain, as IPython.display.JSON:
        {cell_id, versions, deps, files, modules, errors, first_error, truncated, secrets}."""
        self.files.busy = True        # metadata lookups open files: not the notebook's
        try:
            files = self.files.drain()
        except Exception as e:
            self._fail(e)
            files = []
        try:
            modules = self.modules.drain()
        except Exception as e:
            self._fail(e)
            modules = []
        finally:
            self.files.busy = False
        payload = {
            "cell_id": self.cell_id, "versions": self.versions, "deps": self.deps,
            "files": files, "modules": modules, "errors": self.errors,
            "first_error": self.first_error, "truncated": self.truncated, "secrets": self.summaries.secrets.drain()}
        self.versions, self.deps = [], []
        self.errors, self.first_error, self.truncated = 0, None, False
        return JSON(payload)

    def environment(self):
        env = kernel_environment()
        env["capture"] = self.mode
        env["loop_budget"] = self.budget if self.mode not in (CELLS_ONLY, FULL) else None
        return JSON(env)


class Inert:
    # Left in builtins by uninstall(): functions peeled earlier still index
    # __nbprov__.fn_instrumented and must then run their original body; a later install
    # continues the id counters from `carried`.
    def __init__(self, carried):
        self.carried = carried
        self.fn_instrumented = [False] * carried["n_function_sites"]

    def __getattr__(self, name):
        return lambda *a: a[-1] if a else None
