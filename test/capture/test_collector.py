# Tests of the kernel-side collector (src/capture/collector/), driving a real in-process
# IPython exactly as the TypeScript runner drives a kernel: run the install code as a silent
# cell, run each cell with store_history=True, then drain.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_*.py'

import builtins
import hashlib
import json
import linecache
import marshal
import math
import os
import re
import sys
import tempfile
import time
import unittest

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTOR = os.path.normpath(os.path.join(HERE, "..", "..", "src", "capture", "collector"))


def ts_limits():
    """The repr bound, default loop budget and capture modes of src/limits.ts, their one home."""
    with open(os.path.join(HERE, "..", "..", "src", "limits.ts"), encoding="utf-8") as f:
        text = f.read()
    modes = re.search(r"CAPTURE_MODES\b[^=]*= \[([^\]]*)\]", text).group(1)
    return (int(re.search(r"REPR_LIMIT = (\d+);", text).group(1)),
            int(re.search(r"DEFAULT_LOOP_BUDGET = (\d+);", text).group(1)),
            re.findall(r"'(\w+)'", modes))


REPR_LIMIT, LOOP_BUDGET, CAPTURE_MODES = ts_limits()


def install_code(config, code_cache=None):
    """What installExpression() in src/capture/collector.ts sends, as cell code: bootstrap.py, run in
    a globals dict of its own with the sources of the package's other modules, the config as JSON
    (which always carries the capture modes and the repr bound of src/limits.ts) and where to cache
    the compiled modules, if anywhere."""
    config = {"capture_modes": CAPTURE_MODES, "repr_limit": REPR_LIMIT, **config}
    def read(name):
        with open(os.path.join(COLLECTOR, name), encoding="utf-8") as f:
            return f.read()

    def js(x):      # JSON.stringify's spacing: byte for byte the text collector.ts sends
        return json.dumps(x, separators=(",", ":"))

    sources = {f[:-3]: read(f) for f in sorted(os.listdir(COLLECTOR))
               if f.endswith(".py") and f != "bootstrap.py"}
    return ('exec(compile(%s, "<nbprov-bootstrap>", "exec", dont_inherit=True), '
            '{"SOURCES": %s, "CONFIG": %s, "CODE_CACHE": %s})\n') % (
                js(read("bootstrap.py")), js(sources), js(js(config)), js(code_cache) if code_cache else "None")


VERSION_KEYS = {"v", "name", "kind", "line", "col", "end_line", "end_col", "type", "repr",
                "value", "summary", "iterations", "t"}
PAYLOAD_KEYS = {"cell_id", "versions", "deps", "files", "modules", "errors", "first_error",
                "truncated", "secrets"}


class Session:
    """One notebook run: a fresh user namespace with the collector installed."""

    def __init__(self, capture="vars", loop_budget=LOOP_BUDGET, redact=True, repr_limit=REPR_LIMIT):
        self.sh = InteractiveShell.instance()
        self.sh.reset(new_session=False)
        res = self.sh.run_cell(install_code(
            {"capture": capture, "loop_budget": loop_budget, "repr_limit": repr_limit,
             "redact": redact}), store_history=False, silent=True)
        res.raise_error()
        self.rec = builtins.__nbprov__
        self.versions = {}          # v -> version
        self.order = []             # versions in record order
        self.deps = {}              # v -> [(dep v, type)]
        self.payloads = []

    def run(self, code, cell_id=None):
        with capture_output() as cap:
            res = self.sh.run_cell(code, store_history=True, cell_id=cell_id)
        self.stdout = cap.stdout
        self.last_payload = self.drain()
        return res

    def drain(self):
        p = builtins.__nbprov__.drain().data
        json.dumps(p, allow_nan=False)          # must be plain JSON
        self.payloads.append(p)
        for v in p["versions"]:
            self.versions[v["v"]] = v
            self.order.append(v)
        for a, b, t in p["deps"]:
            self.deps.setdefault(a, []).append((b, t))
        return p

    def close(self):
        builtins.__nbprov__.uninstall()

    def ns(self, name):
        return self.sh.user_ns[name]

    def of(self, name):
        return [v for v in self.order if v["name"] == name]

    def last(self, name):
        vs = self.of(name)
        assert vs, "no version of %r" % name
        return vs[-1]

    def dset(self, version):
        """{(dependency name, dependency kind, type)} of one version."""
        return {(self.versions[b]["name"], self.versions[b]["kind"], t)
                for b, t in self.deps.get(version["v"], [])}

    def names(self, version):
        """{(dependency name, type)} of one version."""
        return {(n, t) for n, _, t in self.dset(version)}

    def upstream(self, version):
        seen, stack, out = set(), [version["v"]], set()
        while stack:
            v = stack.pop()
            for b, _ in self.deps.get(v, []):
                if b not in seen:
                    seen.add(b)
                    out.add(self.versions[b]["name"])
                    stack.append(b)
        return out


class CollectorTest(unittest.TestCase):
    capture = "vars"

    def setUp(self):
        self.s = Session(self.capture)

    def tearDown(self):
        self.s.close()

    def run_ok(self, code, **kw):
        res = self.s.run(code, **kw)
        if not res.success:
            raise AssertionError("cell failed: %r\n%s" % (res.error_before_exec or res.error_in_exec,
                                                          self.s.stdout))
        self.assertEqual(self.s.last_payload["errors"], 0, self.s.last_payload["first_error"])
        return res


class TestInstallAndPayload(CollectorTest):
    def test_install_leaves_no_names(self):
        self.run_ok("names = [n for n in dir() if 'nbprov' in n]")
        self.assertEqual(self.s.ns("names"), [])
        with capture_output() as cap:
            self.s.sh.run_line_magic("who", "")
        self.assertNotIn("nbprov", cap.stdout)
        self.assertNotIn("__nbprov_install__", self.s.sh.user_ns)
        self.assertIn("_nbprov_collector.recorder", sys.modules)

    def test_user_names_do_not_reach_the_collector(self):
        # the collector's globals are its modules', not the user namespace: a notebook's
        # `id = 5` used to break every later record
        self.run_ok("id = 5\nlen = None\nisinstance = 0\ntype = repr = 1\nsys = ast = None\nxs = [1]")
        self.run_ok("xs.append(2)\nys = [x for x in xs]")
        self.assertEqual(self.s.last("xs")["kind"], "mutate")
        self.assertEqual(self.s.last("ys")["summary"]["len"], 2)

    def test_payload_shape_and_cell_id(self):
        self.run_ok("a = 1", cell_id="cell-a")
        p = self.s.last_payload
        self.assertEqual(set(p), PAYLOAD_KEYS)
        self.assertEqual(p["cell_id"], "cell-a")
        self.assertEqual(p["truncated"], False)
        (v,) = p["versions"]
        self.assertEqual(set(v), VERSION_KEYS)
        self.assertEqual((v["name"], v["kind"], v["type"], v["repr"], v["value"]),
                         ("a", "assign", "int", "1", 1))
        self.assertEqual((v["line"], v["col"], v["end_line"], v["end_col"]), (1, 0, 1, 1))
        self.assertIsNone(v["summary"])
        # an empty drain still has every key
        p = self.s.drain()
        self.assertEqual(set(p), PAYLOAD_KEYS)
        self.assertEqual(p["versions"], [])

    def test_version_ids_increase_across_cells_and_reinstall(self):
        self.run_ok("a = 1")
        self.run_ok("b = 2")
        first = [v["v"] for v in self.s.order]
        self.s.close()
        self.s = Session()
        self.run_ok("c = 3")
        self.assertGreater(self.s.last("c")["v"], max(first))
        self.assertLess(first[0], first[1])

    def test_install_takes_its_limits_from_the_request(self):
        rec = builtins.__nbprov__
        config = {"capture": "vars", "capture_modes": CAPTURE_MODES, "loop_budget": 2, "repr_limit": 40,
                  "redact": True}
        for broken in ({k: v for k, v in config.items() if k != "loop_budget"}, dict(config, capture="all")):
            res = self.s.sh.run_cell(install_code(broken), store_history=False, silent=True)
            self.assertIsInstance(res.error_in_exec, (KeyError, ValueError))
            self.assertIs(builtins.__nbprov__, rec)         # the installed collector stays
        self.s.close()
        self.s = Session(loop_budget=2, repr_limit=40)
        self.run_ok("text = 'x' * 100\nd = {}\nd['%s'] = 1" % ("k" * 100))
        self.assertEqual(len(self.s.last("text")["repr"]), 40)
        self.assertIsNone(self.s.last("text")["value"])
        self.assertEqual(self.s.last("d")["keys"], [("['" + "k" * 100 + "']")[:40]])
        self.assertEqual(self.s.rec.budget, 2)

    def test_compiled_modules_are_cached_privately_and_replaced_when_unusable(self):
        with tempfile.TemporaryDirectory() as tmp:
            cache = {"dir": os.path.join(tmp, "nbprov"), "key": "0123456789abcdef"}
            config = {"capture": "vars", "loop_budget": LOOP_BUDGET, "redact": True}
            name = "collector-0123456789abcdef-%s-%x.marshal" % (sys.implementation.cache_tag, sys.hexversion)
            path = os.path.join(cache["dir"], name)
            os.makedirs(cache["dir"])
            with open(os.path.join(cache["dir"], "collector-fedcba9876543210-cpython-311-30b02f0.marshal"), "w") as f:
                f.write("an older nbprov's")

            def install():
                self.s.close()
                self.s.sh.run_cell(install_code(config, cache), store_history=False, silent=True).raise_error()
                self.run_ok("a = 1")
                self.assertEqual(self.s.last("a")["value"], 1)

            install()
            self.assertEqual(os.listdir(cache["dir"]), [name])
            self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
            written = os.stat(path).st_mtime_ns
            install()
            self.assertEqual(os.stat(path).st_mtime_ns, written, "loaded, not rewritten")
            with open(path, "wb") as f:
                f.write(b"not marshal data")
            install()
            with open(path, "rb") as f:
                self.assertEqual(sorted(marshal.load(f)), sorted(n[:-3] for n in os.listdir(COLLECTOR)
                                                                  if n.endswith(".py") and n != "bootstrap.py"))
            # a traceback through a cached module still shows its source lines
            self.assertIn("def drain", "".join(linecache.getlines("<_nbprov_collector.recorder>")))

    def test_environment(self):
        env = builtins.__nbprov__.environment().data
        for k in ("python", "executable", "platform", "ipython", "ipykernel", "cwd", "pid"):
            self.assertIn(k, env)
        self.assertEqual((env["prefix"], env["base_prefix"]), (sys.prefix, sys.base_prefix))
        self.assertEqual(env["pid"], os.getpid())
        json.dumps(env)


class TestWine(CollectorTest):
    CELLS = [
        "import numpy as np\nimport pandas as pd\nfrom sklearn.datasets import load_wine\n"
        "from sklearn.model_selection import train_test_split\n"
        "from sklearn.ensemble import RandomForestClassifier\nfrom sklearn.metrics import accuracy_score",
        "seed = 7\nn_trees = 20\ntest_size = 0.25\nunused = 123",
        "wine = load_wine(as_frame=True)\nfeatures = wine.data\ntarget = wine.target\nnote = unused * 2",
        "X_train, X_test, y_train, y_test = train_test_split(features, target, test_size=test_size, random_state=seed)",
        "model = RandomForestClassifier(n_estimators=n_trees, random_state=seed)\nmodel.fit(X_train, y_train)\n"
        "pred = model.predict(X_test)",
        "accuracy = accuracy_score(y_test, pred)\naccuracy",
    ]

    def test_wine_lineage(self):
        results = [self.run_ok(c, cell_id="c%d" % i) for i, c in enumerate(self.CELLS, 1)]
        s = self.s
        acc = s.last("accuracy")
        self.assertEqual(s.upstream(acc), {
            "accuracy_score", "y_test", "pred", "model", "X_test", "X_train", "y_train",
            "RandomForestClassifier", "n_trees", "seed", "train_test_split", "features",
            "target", "test_size", "wine", "load_wine"})
        self.assertEqual([v["kind"] for v in s.of("model")], ["assign", "mutate"])
        assign, mutated = s.of("model")
        pred = s.last("pred")
        self.assertEqual({b for b, _ in s.deps[pred["v"]]} & {assign["v"], mutated["v"]}, {mutated["v"]})
        self.assertEqual(s.names(mutated), {("model", "bound"), ("X_train", "assignment"),
                                            ("y_train", "assignment")})
        self.assertEqual(s.names(acc), {("accuracy_score", "assignment"), ("y_test", "assignment"),
                                        ("pred", "assignment")})
        self.assertEqual(s.names(s.last("note")), {("unused", "assignment")})
        # the displayed result is unchanged, and its value/summary are reported
        self.assertEqual(results[-1].result, s.ns("accuracy"))
        self.assertEqual(acc["value"], float(s.ns("accuracy")))
        self.assertEqual(acc["type"], "numpy.float64")
        feats = s.last("features")
        self.assertEqual(feats["summary"]["shape"], [178, 13])
        self.assertEqual(feats["summary"]["columns"][0], "alcohol")
        self.assertEqual(s.last("target")["summary"]["len"], 178)
        self.assertEqual(s.last("pred")["summary"]["shape"], [45])
        self.assertEqual(s.last("pred")["summary"]["dtype"], "int64")
        # modules once, with versions; the wine csv read through open
        mods = {m["name"]: m for p in s.payloads for m in p["modules"]}
        self.assertIn("sklearn", mods)
        self.assertEqual(mods["numpy"]["version"], s.ns("np").__version__)
        self.assertEqual(sum(1 for p in s.payloads for m in p["modules"] if m["name"] == "numpy"), 1)
        files = [f for f in s.payloads[2]["files"] if f["name"].endswith("wine_data.csv")]
        self.assertEqual(len(files), 1)
        self.assertEqual(files[0]["mode"][0], "r")
        with open(files[0]["name"], "rb") as f:
            self.assertEqual(files[0]["before"], hashlib.sha1(f.read()).hexdigest())
        self.assertEqual(s.payloads[2]["cell_id"], "c3")


class TestBindings(CollectorTest):
    def test_assignment_forms(self):
        s = self.s
        self.run_ok("a = 1\nb = 2\nxs = [1, 2, 3]")
        self.run_ok("p, q = a, b\nh, *t = xs\nc = d = a + b\n[m, n] = xs[:2]")
        for name in ("p", "q"):
            self.assertEqual(s.names(s.last(name)), {("a", "assignment"), ("b", "assignment")})
        self.assertEqual(s.names(s.last("t")), {("xs", "assignment")})
        self.assertEqual(s.last("t")["summary"]["len"], 2)
        self.assertEqual(s.names(s.last("c")), s.names(s.last("d")))
        self.assertEqual(s.names(s.last("m")), {("xs", "assignment")})
        self.run_ok("a += b\nz: int = a * 2\nw = (y := b + 1) * 2")
        self.assertEqual(s.last("a")["kind"], "augassign")
        self.assertEqual(s.dset(s.last("a")), {("a", "assign", "assignment"), ("b", "assign", "assignment")})
        self.assertEqual(s.last("z")["kind"], "annassign")
        self.assertEqual(s.names(s.last("z")), {("a", "assignment")})
        self.assertEqual(s.last("y")["kind"], "walrus")
        self.assertEqual(s.names(s.last("y")), {("b", "assignment")})
        self.assertEqual(s.last("y")["value"], 3)
        self.assertEqual(s.names(s.last("w")), {("b", "assignment")})

    def test_swap_resolves_old_versions(self):
        s = self.s
        self.run_ok("a = 1\nb = 2")
        va, vb = s.last("a")["v"], s.last("b")["v"]
        self.run_ok("a, b = b, a")
        self.assertEqual({x for x, _ in s.deps[s.last("a")["v"]]}, {va, vb})
        self.assertEqual(s.ns("a"), 2)

    def test_imports(self):
        s = self.s
        self.run_ok("import os.path\nimport xml.dom as dom\nfrom json import dumps as jd, loads")
        self.assertEqual([v["name"] for v in s.last_payload["versions"]], ["os", "dom", "jd", "loads"])
        self.assertTrue(all(v["kind"] == "import" for v in s.last_payload["versions"]))
        self.assertEqual(s.last("os")["type"], "module")
        mods = [m["name"] for m in s.last_payload["modules"]]
        self.assertEqual(sorted(mods), ["json", "os", "xml"])
        self.run_ok("import os")
        self.assertEqual(s.last_payload["modules"], [])       # once per kernel

    def test_def_class_lambda_del(self):
        s = self.s
        self.run_ok("k = 3\nscale = 2\ndeco = lambda f: f")
        self.run_ok("@deco\ndef f(x, y=k):\n    return x * scale\nclass C(object):\n    z = k\n"
                    "g = lambda x: x + k")
        self.assertEqual(s.last("f")["kind"], "def")
        self.assertEqual(s.names(s.last("f")), {("deco", "assignment"), ("k", "assignment")})
        self.assertEqual(s.last("C")["kind"], "class")
        self.assertEqual(s.names(s.last("C")), {("k", "assignment")})
        self.assertEqual(s.last("g")["kind"], "assign")
        self.assertEqual(s.names(s.last("g")), {("k", "assignment")})
        self.run_ok("del k")
        dv = s.last("k")
        self.assertEqual((dv["kind"], dv["repr"], dv["value"]), ("del", "<deleted>", None))
        self.assertEqual(s.dset(dv), {("k", "assign", "bound")})

    def test_with_and_fstring_and_comprehension(self):
        s = self.s
        path = os.path.join(tempfile.mkdtemp(), "w.txt")
        self.run_ok("fname = %r\nunit = 'kg'\ndata = [1, 2, 3]\nk = 10\nx = 99" % path)
        self.run_ok("with open(fname, 'w') as fh:\n    fh.write('hi')")
        self.assertEqual(s.last("fh")["kind"], "with")
        self.assertEqual(s.names(s.last("fh")), {("fname", "assignment")})
        self.run_ok("label = f'{k:>4} {unit!r}'\nys = [x * k for x in data if x]\n"
                    "dd = {x: k for x in data}\nfn = lambda q: q + k + len(data)")
        self.assertEqual(s.names(s.last("label")), {("k", "assignment"), ("unit", "assignment")})
        # x is local to the comprehension; the global x is not read
        self.assertEqual(s.names(s.last("ys")), {("data", "assignment"), ("k", "assignment")})
        self.assertEqual(s.names(s.last("dd")), {("data", "assignment"), ("k", "assignment")})
        self.assertEqual(s.names(s.last("fn")), {("data", "assignment"), ("k", "assignment")})

    def test_names_before_install_and_builtins_have_no_deps(self):
        s = self.s
        s.sh.user_ns["early"] = 5        # defined before the collector saw anything
        self.run_ok("late = early + len([1]) + abs(-1)")
        self.assertEqual(s.names(s.last("late")), set())

    def test_redefinition_does_not_rewire(self):
        s = self.s
        self.run_ok("a = 1")
        a1 = s.last("a")["v"]
        self.run_ok("b = a + 1")
        self.run_ok("a = 10")
        a2 = s.last("a")["v"]
        self.run_ok("c = a + b")
        self.assertEqual([x for x, _ in s.deps[s.last("b")["v"]]], [a1])
        self.assertEqual({x for x, _ in s.deps[s.last("c")["v"]]}, {a2, s.last("b")["v"]})

    def test_condition_deps(self):
        s = self.s
        self.run_ok("flag = True\nlimit = 3\nv = 1")
        self.run_ok("if flag:\n    r = v\nelif limit > 2:\n    r = 0\nelse:\n    r = -1")
        self.assertEqual(s.names(s.last("r")), {("v", "assignment"), ("flag", "condition")})
        self.run_ok("if not flag:\n    r2 = 0\nelif limit > 2:\n    r2 = v\n")
        self.assertEqual(s.names(s.last("r2")), {("v", "assignment"), ("flag", "condition"),
                                                 ("limit", "condition")})
        self.run_ok("if (n := limit * 2) > 5:\n    big = True")
        self.assertEqual(s.names(s.last("n")), {("limit", "assignment")})
        self.assertEqual(s.names(s.last("big")), {("limit", "condition")})


class TestMutation(CollectorTest):
    def test_list_dict_attribute_mutations(self):
        s = self.s
        self.run_ok("rows = []\nr = 5\ncfg = type('Cfg', (), {})()\nd = {}\nkey_name = 'a'\nlr = 0.1")
        self.run_ok("rows.append(r)")
        v = s.last("rows")
        self.assertEqual((v["kind"], v["summary"]["len"]), ("mutate", 1))
        self.assertEqual(s.dset(v), {("rows", "assign", "bound"), ("r", "assign", "assignment")})
        self.run_ok("d[key_name] = r\ncfg.lr = lr")
        self.assertEqual(s.names(s.last("d")), {("d", "bound"), ("key_name", "assignment"),
                                                ("r", "assignment")})
        self.assertEqual(s.names(s.last("cfg")), {("cfg", "bound"), ("lr", "assignment")})
        # the stored parts, as noWorkflow member keys; a method call mutates without one
        self.assertEqual((s.last("d")["keys"], s.last("cfg")["keys"]), (["[key_name]"], [".lr"]))
        self.assertNotIn("keys", s.last("rows"))
        self.run_ok("d['a'], d[ 'b' ] = 1, 2")
        self.assertEqual(s.last("d")["keys"], ["['a']", "['b']"])
        self.run_ok("x = d.pop(key_name)")        # a mutator that returns a value
        self.assertEqual(s.last("d")["kind"], "mutate")
        self.assertEqual(s.names(s.last("x")), {("d", "assignment"), ("key_name", "assignment")})
        self.run_ok("del rows[0]")
        self.assertEqual(s.last("rows")["kind"], "mutate")
        self.assertEqual(s.last("rows")["summary"]["len"], 0)

    def test_none_returning_method_and_non_mutators(self):
        s = self.s
        self.run_ok("class Box:\n    def __init__(self): self.v = 0\n    def set(self, v): self.v = v\n"
                    "    def get(self): return self.v\n    def chain(self): return self\n"
                    "b = Box()\nval = 4\nimport math")
        n = len(s.of("b"))
        self.run_ok("b.set(val)")
        self.assertEqual(s.last("b")["kind"], "mutate")
        self.assertEqual(s.names(s.last("b")), {("b", "bound"), ("val", "assignment")})
        self.run_ok("b.chain()")
        self.assertEqual(len(s.of("b")), n + 2)
        self.run_ok("b.get()\ny = b.get()\nmath.floor(2.5)")
        self.assertEqual(len(s.of("b")), n + 2)       # get() returned a value: no mutation
        self.assertEqual(len(s.of("math")), 1)        # module receivers never mutate

    def test_pandas_inplace_and_len_check(self):
        s = self.s
        self.run_ok("import pandas as pd\ndf = pd.DataFrame({'a': [1.0, None, 3.0]})")
        self.run_ok("df.dropna(inplace=True)")
        v = s.last("df")
        self.assertEqual(v["kind"], "mutate")
        self.assertEqual(v["summary"]["shape"], [2, 1])
        self.run_ok("head = df.head(1)")
        self.assertEqual(len(s.of("df")), 2)
        self.run_ok("def grow(lst):\n    lst.extend([1, 2])\nitems = []")
        self.run_ok("grow(items)")      # the len check sees the change
        self.assertEqual(s.last("items")["kind"], "mutate")
        self.assertEqual(s.names(s.last("items")), {("items", "bound"), ("grow", "assignment")})


class TestLoops(CollectorTest):
    def test_peeled_for_records_budget_and_summary(self):
        s = self.s
        self.run_ok("n = 10\ntotal = 0")
        self.run_ok("for i in range(n):\n    total += i % 7")
        p = s.last_payload
        self.assertEqual([(v["name"], v["kind"]) for v in p["versions"]],
                         [("i", "for"), ("total", "augassign")] * 3 + [("total", "loop"), ("i", "loop")])
        loop_total = s.last("total")
        self.assertEqual((loop_total["iterations"], loop_total["value"]), (10, sum(i % 7 for i in range(10))))
        # total re-bound (not mutated) from i, which the loop binds from range(n)
        self.assertEqual(s.dset(loop_total), {("total", "augassign", "assignment"), ("i", "for", "assignment"),
                                              ("n", "assign", "assignment")})
        first_i = s.of("i")[0]
        self.assertEqual(s.names(first_i), {("n", "assignment")})
        self.assertEqual(s.ns("total"), sum(i % 7 for i in range(10)))

    def test_short_loop_and_mutation_in_loop(self):
        s = self.s
        self.run_ok("src = [3, 4]\nacc = []")
        self.run_ok("for x in src:\n    acc.append(x * 2)")
        kinds = [(v["name"], v["kind"]) for v in s.last_payload["versions"]]
        self.assertEqual(kinds, [("x", "for"), ("acc", "mutate")] * 2)   # no summary: nothing left
        self.run_ok("for x in range(100):\n    acc.append(x)")
        v = s.last("acc")
        self.assertEqual((v["kind"], v["iterations"], v["summary"]["len"]), ("loop", 100, 102))

    def test_break_continue_else_matrix(self):
        template = ("log = []\nit = iter(list(range({n})))\nfor x in it:\n    if x == 1:\n"
                    "        log.append('c')\n        continue\n    if x == {b}:\n        log.append('b')\n"
                    "        break\n    log.append(x)\nelse:\n    log.append('else')\nrest = list(it)")
        for n in (0, 1, 2, 3, 4, 10):
            for b in (-1, 0, 1, 2, 3, 7):
                code = template.format(n=n, b=b)
                expect = {}
                exec(code, expect)
                self.run_ok(code)
                self.assertEqual((self.s.ns("log"), self.s.ns("rest")), (expect["log"], expect["rest"]), code)

    def test_while_matrix_evaluates_condition_identically(self):
        template = ("log = []\nk = 0\nevals = 0\ndef cond():\n    global evals\n    evals += 1\n"
                    "    return k < {n}\nwhile cond():\n    k += 1\n    if k == 2:\n        log.append('c')\n"
                    "        continue\n    if k == {b}:\n        log.append('b')\n        break\n"
                    "    log.append(k)\nelse:\n    log.append('else')")
        for n in (0, 1, 2, 3, 4, 10):
            for b in (-1, 1, 3, 4, 7):
                code = template.format(n=n, b=b)
                expect = {}
                exec(code, expect)
                self.run_ok(code)
                self.assertEqual((self.s.ns("log"), self.s.ns("evals")), (expect["log"], expect["evals"]), code)
        self.run_ok("w = 0\nwhile w < 50:\n    w += 1")
        v = self.s.last("w")
        self.assertEqual((v["kind"], v["value"], v["iterations"]), ("loop", 50, None))

    def test_nested_loops_and_else_control_flow(self):
        code = ("out = []\nfor i in range(6):\n    for j in range(5):\n        if j == i:\n            break\n"
                "        out.append((i, j))\n    else:\n        out.append('inner-else')\n        continue\n"
                "    out.append(('after', i))\nelse:\n    out.append('outer-else')")
        expect = {}
        exec(code, expect)
        self.run_ok(code)
        self.assertEqual(self.s.ns("out"), expect["out"])
        self.assertEqual(self.s.last("out")["kind"], "loop")

    def test_iterator_that_resumes_after_stop(self):
        code = ("class Flaky:\n    def __init__(self): self.i = 0\n    def __iter__(self): return self\n"
                "    def __next__(self):\n        self.i += 1\n        if self.i == 2: raise StopIteration\n"
                "        if self.i > 7: raise StopIteration\n        return self.i\n"
                "got = []\nfor v in Flaky():\n    got.append(v)")
        self.run_ok(code)
        self.assertEqual(self.s.ns("got"), [1])

    def test_iter_returning_next_only_object(self):
        code = ("class It:\n    def __init__(self): self.n = 0\n    def __next__(self):\n        self.n += 1\n"
                "        if self.n > 5: raise StopIteration\n        return self.n\n"
                "class Seq:\n    def __iter__(self): return It()\ngot = [v for v in Seq()]\ngot2 = []\n"
                "for v in Seq():\n    got2.append(v)")
        self.run_ok(code)
        self.assertEqual(self.s.ns("got2"), [1, 2, 3, 4, 5])

    def test_generators_and_unconsumed_generators(self):
        s = self.s
        self.run_ok("g = (x * x for x in range(10**12))\ndef gen(n):\n    for i in range(n):\n"
                    "        yield i * 2\nh = gen(5)")
        self.assertEqual(s.last("g")["type"], "generator")
        self.run_ok("first = next(g)\nfor v in gen(6):\n    last_v = v\nparts = list(h)")
        self.assertEqual((s.ns("first"), s.ns("last_v"), s.ns("parts")), (0, 10, [0, 2, 4, 6, 8]))
        self.run_ok("seen = []\nfor v in g:\n    seen.append(v)\n    if v > 100:\n        break")
        self.assertEqual(s.ns("seen")[-1], 121)
        self.assertIsNone(s.last("seen")["iterations"])     # a generator has no length

    def test_full_mode_records_every_iteration(self):
        self.s.close()
        self.s = Session("full")
        self.run_ok("t = 0\nfor i in range(10):\n    t += i")
        self.assertEqual(len([v for v in self.s.of("t") if v["kind"] == "augassign"]), 10)

    def test_truncation_caps_events(self):
        self.s.close()
        self.s = Session("full")
        self.run_ok("t = 0\nfor i in range(30000):\n    t += i")
        p = self.s.last_payload
        self.assertTrue(p["truncated"])
        self.assertLessEqual(len(p["versions"]), 20000)
        self.assertEqual(self.s.ns("t"), sum(range(30000)))
        self.run_ok("u = 1")
        self.assertFalse(self.s.last_payload["truncated"])


class TestFunctions(CollectorTest):
    def test_call_deps_on_globals_read(self):
        s = self.s
        self.run_ok("scale = 3\nbase = 1\ndef helper():\n    return base\n"
                    "def f(x):\n    return x * scale + helper()\na = 2")
        self.run_ok("y = f(a)")
        self.assertEqual(s.names(s.last("y")), {("f", "assignment"), ("a", "assignment"),
                                                ("scale", "call"), ("helper", "call"), ("base", "call")})
        self.run_ok("scale = 5")
        self.run_ok("y2 = f(a)")
        scale2 = s.last("scale")["v"]
        self.assertIn((scale2, "call"), s.deps[s.last("y2")["v"]])

    def test_global_writes_and_mutations_inside_functions(self):
        s = self.s
        self.run_ok("total = 0\nlog = []\nstep = 2\ndef bump(n):\n    \"\"\"doc\"\"\"\n    global total\n"
                    "    k = n * step\n    total = total + k\n    log.append(k)\n    return total")
        self.run_ok("bump(1)")
        self.assertEqual(s.ns("bump").__doc__, "doc")
        self.assertEqual(s.last("total")["kind"], "global")
        self.assertEqual(s.names(s.last("total")), {("total", "assignment"), ("step", "assignment")})
        self.assertEqual(s.last("log")["kind"], "mutate")
        self.assertEqual(s.names(s.last("log")), {("log", "bound"), ("step", "assignment")})
        self.run_ok("for i in range(50):\n    bump(i)")
        v = s.last("total")
        self.assertEqual((v["kind"], v["value"], v["iterations"]), ("loop", 2 + 2 * sum(range(50)), 50))
        self.assertEqual([v["kind"] for v in s.of("log")], ["assign", "mutate"] + ["mutate"] * 3 + ["loop"])

    def test_function_called_300k_times_is_peeled(self):
        s = self.s
        self.run_ok("c = 3\ndef f(x):\n    y = x * c\n    return y")
        self.run_ok("s = 0\nfor i in range(300000):\n    s += f(i)")
        self.assertEqual(s.ns("s"), 3 * sum(range(300000)))
        self.assertLess(len(s.last_payload["versions"]), 20)
        v = s.last("s")
        self.assertEqual(s.names(v), {("s", "assignment"), ("f", "assignment"), ("i", "assignment"),
                                      ("c", "call")})

    def test_recursion_decorators_defaults_and_closures(self):
        code = ("import functools\ndef memo(fn):\n    @functools.wraps(fn)\n    def w(*a):\n        return fn(*a)\n"
                "    return w\n@memo\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
                "def counter():\n    c = 0\n    def inc():\n        nonlocal c\n        c += 1\n        return c\n"
                "    return inc\ninc = counter()\nvals = [fib(15), inc(), inc()]\n"
                "def kw(a, *, b=2, **rest):\n    global g1\n    if a:\n        global g2\n        g2 = a\n"
                "    g1 = b\n    return rest\nkwv = kw(1, b=3, z=4)")
        expect = {}
        exec(code, expect)
        self.run_ok(code)
        self.assertEqual(self.s.ns("vals"), expect["vals"])
        self.assertEqual((self.s.ns("kwv"), self.s.ns("g1"), self.s.ns("g2")), ({"z": 4}, 3, 1))
        self.assertEqual(self.s.last("g2")["kind"], "global")

    def test_budget_resets_per_cell(self):
        s = self.s
        self.run_ok("acc = []\ndef add(v):\n    acc.append(v)")
        self.run_ok("for i in range(10):\n    add(i)")
        self.assertNotIn("fon", s.ns("add").__code__.co_names)     # swapped to the plain code
        self.run_ok("add(99)")
        v = s.last("acc")
        self.assertEqual((v["kind"], v["summary"]["len"]), ("mutate", 11))


    def test_decorator_without_wraps_and_loop_inside_function(self):
        s = self.s
        self.run_ok("def deco(fn):\n    return lambda *a: fn(*a)\nk = 2\n@deco\ndef f(x):\n    t = 0\n"
                    "    for j in range(x):\n        t += j * k\n    return t")
        self.run_ok("out = [f(i) for i in range(200)]\ntot = 0\nfor i in range(300):\n    tot += f(i % 20)")
        self.assertEqual(s.ns("out"), [sum(j * 2 for j in range(i)) for i in range(200)])
        self.assertEqual(s.ns("tot"), sum(sum(j * 2 for j in range(i % 20)) for i in range(300)))
        self.assertLess(len(s.last_payload["versions"]), 30)
        self.assertIn(("k", "call"), s.names(s.last("out")))

    def test_zero_budget_runs_original_code(self):
        self.s.close()
        self.s = Session(loop_budget=0)
        self.run_ok("c = 2\ndef f(x):\n    global last\n    last = x\n    return x * c")
        self.run_ok("s = 0\nfor i in range(100):\n    s += f(i)")
        self.assertEqual(self.s.ns("s"), 2 * sum(range(100)))
        self.assertNotIn("fon", self.s.ns("f").__code__.co_names)     # runs the plain code
        kinds = sorted((v["name"], v["kind"]) for v in self.s.last_payload["versions"])
        self.assertEqual(kinds, [("i", "loop"), ("last", "loop"), ("s", "assign"), ("s", "loop")])


class TestIPythonIntegration(CollectorTest):
    def test_magics_and_shell_escapes(self):
        s = self.s
        self.run_ok("%time tx = 41 + 1")
        self.assertEqual(s.last("tx")["value"], 42)
        res = self.run_ok("%timeit -n 200 -r 3 zz = 5")
        self.assertEqual(s.of("zz"), [])
        res = self.run_ok("!echo hello-nbprov")
        self.run_ok("out = !echo hi")
        self.assertEqual(list(s.ns("out")), ["hi"])
        self.assertEqual(s.last("out")["kind"], "assign")
        res = self.run_ok("%time 6 * 7")

    def test_last_expression_display_is_unchanged(self):
        res = self.run_ok("x = [1]\nx.append(2)\nx")
        self.assertEqual(res.result, [1, 2])
        res = self.run_ok("x.copy()")
        self.assertEqual(res.result, [1, 2])
        res = self.run_ok("x.append(3)")
        self.assertIsNone(res.result)
        res = self.run_ok("x = 5")
        self.assertIsNone(res.result)

    def test_last_expr_or_assign_interactivity(self):
        sh = self.s.sh
        old = sh.ast_node_interactivity
        sh.ast_node_interactivity = "last_expr_or_assign"
        try:
            res = self.run_ok("q = 7")
            self.assertEqual(res.result, 7)
            self.assertEqual(self.s.last("q")["value"], 7)
        finally:
            sh.ast_node_interactivity = old

    def test_syntax_error_cell(self):
        res = self.s.run("x = (1,\n")
        self.assertIsInstance(res.error_before_exec, SyntaxError)
        self.assertEqual(self.s.last_payload["versions"], [])
        self.run_ok("y = 1")
        self.assertEqual(self.s.last("y")["value"], 1)

    def test_raising_cell_is_drainable(self):
        res = self.s.run("a = 1\nfor i in range(10):\n    b = i\n    if i == 5:\n        1 / 0\nc = 3", cell_id="bad")
        self.assertIsInstance(res.error_in_exec, ZeroDivisionError)
        p = self.s.last_payload
        self.assertEqual(p["cell_id"], "bad")
        names = [(v["name"], v["kind"]) for v in p["versions"]]
        self.assertEqual(names[0], ("a", "assign"))
        self.assertIn(("b", "loop"), names)               # the summary ran in finally
        self.assertNotIn("c", [n for n, _ in names])
        self.assertEqual(self.s.last("b")["value"], 5)

    def test_drain_cell_itself_is_not_instrumented(self):
        self.run_ok("a = 1")
        # the TS side drains after a failing cell with a separate silent execute
        self.s.sh.run_cell("__nbprov__.drain()", silent=True, store_history=False)
        self.assertEqual(self.s.drain()["versions"], [])

    def test_top_level_await(self):
        self.run_ok("import asyncio\nasync def get():\n    await asyncio.sleep(0)\n    return 3")
        self.run_ok("v = await get()\nfor i in range(5):\n    v += await get()")
        self.assertEqual(self.s.ns("v"), 18)
        self.assertEqual(self.s.last("v")["kind"], "loop")

    def test_async_for_and_match(self):
        s = self.s
        self.run_ok("async def agen(n):\n    for i in range(n):\n        yield i\nacc = 0\nlimit = 5\n"
                    "async for v in agen(limit):\n    acc += v")
        self.assertEqual(s.ns("acc"), 10)
        self.assertEqual(s.last("acc")["kind"], "loop")
        # acc reads v, which the loop binds from agen(limit) (v itself has no earlier version:
        # an async for records no iteration): limit flows into acc as data
        self.assertEqual(s.names(s.last("acc")), {("acc", "assignment"), ("agen", "assignment"),
                                                  ("limit", "assignment")})
        self.run_ok("cmd = ('go', 3)\nmatch cmd:\n    case ('go', n):\n        steps = n * limit\n"
                    "    case _:\n        steps = 0")
        self.assertEqual(s.ns("steps"), 15)
        self.assertIn(("cmd", "condition"), s.names(s.last("steps")))

    def test_unicode_surrogates_stay_encodable(self):
        self.run_ok("weird = 'a\\udc80b'")
        v = self.s.last("weird")
        json.dumps(v, ensure_ascii=False).encode("utf-8")

    def test_class_bodies_are_not_instrumented(self):
        code = ("class A:\n    __secret = 1\n    vals = []\n    for i in range(5):\n        vals.append(i)\n"
                "    def get(self):\n        return self.__secret + len(self.vals)\nres = A().get()")
        self.run_ok(code)
        self.assertEqual(self.s.ns("res"), 6)
        self.assertEqual(self.s.last("A")["kind"], "class")

    def test_transformer_failure_keeps_cell_working(self):
        rec = builtins.__nbprov__
        real = rec.add_site
        rec.add_site = None                 # the rewriter will fail on every statement
        try:
            res = self.s.run("x = 1\nfor i in range(3):\n    x += i")
        finally:
            rec.add_site = real
        self.assertTrue(res.success)
        self.assertEqual(self.s.ns("x"), 4)
        self.assertGreaterEqual(self.s.last_payload["errors"], 1)
        self.assertIn(rec.rewriter, self.s.sh.ast_transformers)
        self.run_ok("y = 2")
        self.assertEqual(self.s.last("y")["value"], 2)


class TestValues(CollectorTest):
    def test_reprs_values_and_redaction(self):
        s = self.s
        code = ("class Bad:\n    def __repr__(self): raise RuntimeError('no')\n"
                "class Huge:\n    def __repr__(self): return 'x' * 10**6\n"
                "bad = Bad()\nhuge = Huge()\nloop = [1]\nloop.append(loop)\nnan = float('nan')\n"
                "inf = float('-inf')\nbig = 10**40\nlong = 'y' * 1000\nflag = False\nnothing = None\n"
                "api_key = 'abc123'\ndb_password = 'hunter2'\nmonkey_count = 3\nbts = b'xx'")
        self.run_ok(code)
        self.assertEqual(s.last("bad")["repr"], "<unreprable __main__.Bad>")
        self.assertLessEqual(len(s.last("huge")["repr"]), REPR_LIMIT)
        self.assertIn("[...]", s.last("loop")["repr"])
        self.assertEqual(s.last("nan")["value"], "nan")
        self.assertEqual(s.last("inf")["value"], "-inf")
        self.assertIsNone(s.last("big")["value"])
        self.assertEqual(s.last("big")["repr"], str(10**40))
        self.assertIsNone(s.last("long")["value"])
        self.assertLessEqual(len(s.last("long")["repr"]), REPR_LIMIT)
        self.assertIs(s.last("flag")["value"], False)
        self.assertEqual(s.last("nothing")["type"], "NoneType")
        for name in ("api_key", "db_password"):
            v = s.last(name)
            self.assertEqual((v["repr"], v["value"]), ("'<redacted>'", "<redacted>"))
        self.assertEqual(s.last("monkey_count")["value"], 3)      # only str values are redacted
        self.assertEqual(s.last("bts")["type"], "bytes")

    def test_secrets_by_name_words_alias_container_bytes_and_url(self):
        s = self.s
        self.run_ok("apiKey = 'k-1234'\nmonkey_name = 'george'\ntokenizer = 'bert'\nkeys = 'a,b'\n"
                    "tok = apiKey\nsession_token = b'raw-bytes'\n"
                    "cfg = {'user': 'me', 'secret_key': 's3cr3t!', 'n': 3}\n"
                    "big = {f'k{i}': i for i in range(40)}\nbig['password'] = 'pw-in-a-big-dict'\n"
                    "dsn = 'postgres://admin:hunter22@db.example/prod'\n"
                    "urls = ['https://u:p4ss@h/x', 'https://h/y']")
        redacted = ("'<redacted>'", "<redacted>")
        for name in ("apiKey", "tok"):
            self.assertEqual((s.last(name)["repr"], s.last(name)["value"]), redacted, name)
        for name, value in (("monkey_name", "george"), ("tokenizer", "bert"), ("keys", "a,b")):
            self.assertEqual(s.last(name)["value"], value, "segments, not substrings")
        self.assertEqual(s.last("session_token")["repr"], "'<redacted>'")
        cfg = s.last("cfg")
        self.assertEqual(cfg["repr"], "{'user': 'me', 'secret_key': '<redacted>', 'n': 3}")
        self.assertEqual(cfg["summary"]["items"][1], [".secret_key", "'<redacted>'", "<redacted>"])
        self.assertNotIn("pw-in-a-big-dict", s.last("big")["repr"])
        self.assertEqual(s.last("dsn")["value"], "postgres://admin:<redacted>@db.example/prod")
        self.assertEqual(s.last("urls")["repr"], "['https://u:<redacted>@h/x', 'https://h/y']")
        self.run_ok("again = 'k-1234'")
        self.assertEqual(s.last("again")["value"], "<redacted>", "equal to a secret seen before")

    def test_redaction_off(self):
        self.s.close()
        self.s = Session(redact=False)
        self.run_ok("token = 'abc'")
        self.assertEqual(self.s.last("token")["value"], "abc")

    def test_numpy_summaries_and_big_array_cost(self):
        s = self.s
        self.run_ok("import numpy as np\nsmall = np.arange(6).reshape(2, 3)\nbig = np.zeros(125_000_000)\n"
                    "sc = np.float32(1.5)\nview = big[::7]")
        v = s.last("small")
        self.assertEqual(v["summary"]["shape"], [2, 3])
        self.assertEqual(v["summary"]["dtype"], "int64")
        self.assertEqual(v["repr"], "array([0, 1, 2, 3, 4, 5], shape=(2, 3), dtype=int64)")
        self.assertEqual(s.last("sc")["value"], 1.5)
        fp = s.last("big")["summary"]["fp"]
        self.run_ok("big[-1] = 1.0")          # a sampled element
        self.assertEqual(s.last("big")["kind"], "mutate")
        self.assertNotEqual(s.last("big")["summary"]["fp"], fp)
        describe = builtins.__nbprov__.summaries.describe
        arr = s.ns("big")
        best = min(self._time(lambda: describe("big", arr)) for _ in range(5))
        self.assertLess(best, 0.005)
        best_view = min(self._time(lambda: describe("view", s.ns("view"))) for _ in range(5))
        self.assertLess(best_view, 0.005)

    @staticmethod
    def _time(fn):
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t


class TestFiles(CollectorTest):
    def test_write_then_read_hashes(self):
        s = self.s
        d = tempfile.mkdtemp()
        path = os.path.join(d, "out.csv")
        with open(path, "w") as f:
            f.write("old")
        old = hashlib.sha1(b"old").hexdigest()
        self.run_ok("p = %r\nwith open(p, 'w') as f:\n    f.write('a,b\\n1,2\\n')" % path)
        (w,) = s.last_payload["files"]
        self.assertEqual((w["name"], w["mode"], w["before"]), (path, "w", old))
        self.assertEqual(w["after"], hashlib.sha1(b"a,b\n1,2\n").hexdigest())
        self.run_ok("import pandas as pd\nframe = pd.read_csv(p)")
        names = [(f["name"], f["mode"]) for f in s.last_payload["files"]]
        self.assertIn(path, [n for n, _ in names])
        r = [f for f in s.last_payload["files"] if f["name"] == path][0]
        self.assertEqual(r["before"], w["after"])
        self.run_ok("fh = open(p, 'a')\nfh.write('3,4\\n')")
        self.assertEqual(s.last_payload["files"], [])       # still open: reported once closed
        self.run_ok("fh.close()")
        (a,) = s.last_payload["files"]
        self.assertEqual(a["after"], hashlib.sha1(b"a,b\n1,2\n3,4\n").hexdigest())
        self.run_ok("missing = None\ntry:\n    open(p + '.nope')\nexcept FileNotFoundError as e:\n    missing = 1")
        self.assertEqual(s.ns("missing"), 1)

    def test_open_restored_on_uninstall(self):
        self.assertIsNot(builtins.open, io_open_original())
        self.s.close()
        self.assertIs(builtins.open, io_open_original())
        import io
        self.assertIs(io.open, io_open_original())
        self.s = Session()


def io_open_original():
    import _io
    return _io.open


SAMPLE = [
    "import numpy as np\nrng = np.random.default_rng(0)\ndata = rng.normal(size=50).tolist()",
    "total = 0\nfor i, x in enumerate(data):\n    if i % 3 == 0:\n        continue\n    total += x\nprint(round(total, 6))",
    "def norm(v, scale=2):\n    global calls\n    calls = globals().get('calls', 0) + 1\n    return [e / scale for e in v]\n"
    "out = norm(data)\nstats = {'n': len(out), 'max': max(out)}\nstats",
    "words = 'a bb ccc dddd'.split()\nlens = {w: len(w) for w in words}\nacc = []\n"
    "while words:\n    acc.append(words.pop())\nacc, lens",
    "class P:\n    def __init__(self): self.k = 1\n    def bump(self): self.k += 1\np = P()\n"
    "for _ in range(10):\n    p.bump()\np.k",
    "try:\n    {}['x']\nexcept KeyError as e:\n    err = repr(e)\nerr",
    "gen = (x * 2 for x in range(5))\nnext(gen), list(gen)",
    "def boom(x):\n    y = x + 1\n    return y / (x - 7)\nfor i in range(10):\n    boom(i)",
    "def boom2(x):\n    return 1 / x\nboom2(0)",
    "rows = []\nfor i in range(10):\n    rows.append(10 / (5 - i))",
    "1 / 0",
]


class TestOutputsIdentical(unittest.TestCase):
    def run_notebook(self, capture):
        s = Session(capture)
        outs = []
        try:
            for cell in SAMPLE:
                res = s.run(cell)
                outs.append((re.sub(r"(Out|In) ?\[\d+\]", "N", s.stdout), repr(res.result),
                             type(res.error_in_exec).__name__ if res.error_in_exec else None))
            payloads = s.payloads
        finally:
            s.close()
        return outs, payloads

    def test_cells_vs_vars_outputs(self):
        plain, plain_payloads = self.run_notebook("cells")
        vars_, var_payloads = self.run_notebook("vars")
        full, _ = self.run_notebook("full")
        self.assertEqual(plain, vars_)
        self.assertEqual(plain, full)
        self.assertEqual([o[2] for o in plain[-4:]], ["ZeroDivisionError"] * 4)
        self.assertIn("return y / (x - 7)", re.sub(r"\x1b\[[0-9;]*m", "", plain[-4][0]))
        self.assertTrue(all(p["versions"] == [] for p in plain_payloads))
        self.assertIn("numpy", [m["name"] for p in plain_payloads for m in p["modules"]])
        self.assertTrue(sum(len(p["versions"]) for p in var_payloads) > 10)
        self.assertTrue(all(p["errors"] == 0 for p in var_payloads))


class TestLoopFlow(CollectorTest):
    """A loop's summary version depends only on what can flow into its name through the body
    (issue #12): exact dependency sets of the summaries of loops that run past the budget."""

    def loop(self, setup, code):
        self.run_ok(setup)
        self.run_ok(code)
        kinds = {v["name"]: v["kind"] for v in self.s.last_payload["versions"]}
        return {n: self.s.names(self.s.last(n)) for n, k in kinds.items() if k == "loop"}

    def test_each_name_depends_on_its_own_chain(self):
        s = self.s
        got = self.loop("m = 1.0\nscale = 2.0\nfinal = 0",
                        "for i in range(10):\n    m = m * 0.9\n    scale = scale * 1.1\n    final = m + 1")
        self.assertEqual(got, {"m": {("m", "assignment")}, "scale": {("scale", "assignment")},
                               "final": {("m", "assignment")}, "i": set()})
        self.assertEqual(s.upstream(s.last("final")), {"m"})
        self.assertAlmostEqual(s.last("final")["value"], 0.9 ** 10 + 1)

    def test_values_carried_across_iterations(self):
        got = self.loop("a = 0\nb = 1\nc = 0\nd = 1",
                        "for i in range(10):\n    a = b\n    b = c\n    c = c + 1\n    d = d * 2")
        self.assertEqual(got, {"a": {("b", "assignment"), ("c", "assignment")},
                               "b": {("c", "assignment")}, "c": {("c", "assignment")},
                               "d": {("d", "assignment")}, "i": set()})

    def test_if_test_is_control_of_the_names_assigned_under_it_only(self):
        got = self.loop("n = 10\nt = 4\nbig = None\nsmall = None",
                        "for i in range(n):\n    if i > t:\n        big = i\n    small = i * 2")
        self.assertEqual(got, {"big": {("i", "assignment"), ("n", "assignment"), ("t", "condition")},
                               "small": {("i", "assignment"), ("n", "assignment")},
                               "i": {("n", "assignment")}})

    def test_nested_loops(self):
        got = self.loop("rows = []\nw = 5\ns1 = 2\ns2 = 3\nother = 0",
                        "for i in range(6):\n    row = []\n    for j in range(w):\n        row.append(i * j * s1)\n"
                        "    rows.append(row)\n    other = other + s2")
        inner = {("i", "assignment"), ("j", "assignment"), ("s1", "assignment"), ("w", "assignment")}
        self.assertEqual(got, {"row": inner | {("row", "assignment")},
                               "rows": inner | {("row", "assignment"), ("rows", "bound")},
                               "other": {("other", "assignment"), ("s2", "assignment")},
                               "j": {("w", "assignment")}, "i": set()})

    def test_while_test_is_control_of_everything_in_the_loop(self):
        got = self.loop("k = 0\nacc = 1\nlimit = 9\nbase = 2",
                        "while k < limit:\n    k += 1\n    acc = acc * base")
        self.assertEqual(got, {"k": {("k", "assignment"), ("limit", "condition")},
                               "acc": {("acc", "assignment"), ("base", "assignment"), ("k", "condition"),
                                       ("limit", "condition")}})
        self.assertEqual(self.s.ns("acc"), 2 ** 9)

    def test_walrus_in_while_test(self):
        got = self.loop("it = iter(range(20))\ntot = 0",
                        "while (chunk := next(it, None)) is not None:\n    tot += chunk")
        self.assertEqual(got, {"tot": {("tot", "assignment"), ("chunk", "assignment"), ("it", "assignment")},
                               "chunk": {("it", "assignment")}})

    def test_augassign_append_and_subscript_store(self):
        got = self.loop("total = 0\nwt = 3\nxs = list(range(10))\nlst = []\nfac = 2\nd = {}",
                        "for x in xs:\n    total += x * wt\n    lst.append(x * fac)\n    d[x] = fac")
        self.assertEqual(got, {"total": {("total", "assignment"), ("x", "assignment"), ("xs", "assignment"),
                                         ("wt", "assignment")},
                               "lst": {("lst", "bound"), ("x", "assignment"), ("xs", "assignment"),
                                       ("fac", "assignment")},
                               "d": {("d", "bound"), ("x", "assignment"), ("xs", "assignment"),
                                     ("fac", "assignment")},
                               "x": {("xs", "assignment")}})

    def test_break_and_continue_tests_decide_every_name_of_the_loop(self):
        s = self.s
        got = self.loop("stop = 7\nskip = 2\nacc = 0\nseen = []",
                        "for v in range(100):\n    if v == skip:\n        continue\n    if v > stop:\n        break\n"
                        "    acc += v\n    seen.append(v)")
        ctl = {("stop", "condition"), ("skip", "condition")}
        self.assertEqual(got, {"acc": {("acc", "assignment"), ("v", "assignment")} | ctl,
                               "seen": {("seen", "bound"), ("v", "assignment")} | ctl,
                               "v": {("v", "condition")} | ctl})
        # the instrumented iterations too: the statements after `if ...: continue` run under its test
        first_acc = [v for v in s.of("acc") if v["kind"] == "augassign"][0]
        self.assertEqual(s.names(first_acc), {("acc", "assignment"), ("v", "assignment"), ("skip", "condition"),
                                              ("stop", "condition")})
        self.assertEqual((s.ns("acc"), s.ns("seen")), (sum(range(8)) - 2, [0, 1, 3, 4, 5, 6, 7]))

    def test_notebook_function_and_comprehension_in_the_loop(self):
        got = self.loop("c = 3\ndef f(x):\n    return x * c\nacc = 0\nunrelated = 0\nu = 1\nvals = [1, 2]\nq = 2\nout = []",
                        "for i in range(10):\n    acc = acc + f(i)\n    unrelated = unrelated + u\n"
                        "    sq = [v * q for v in vals]\n    out.append(sum(sq) + i)")
        self.assertEqual(got["acc"], {("acc", "assignment"), ("f", "assignment"), ("i", "assignment"), ("c", "call")})
        self.assertEqual(got["unrelated"], {("unrelated", "assignment"), ("u", "assignment")})
        self.assertEqual(got["out"], {("out", "bound"), ("sq", "assignment"), ("q", "assignment"),
                                      ("vals", "assignment"), ("i", "assignment")})

    def test_global_changed_by_a_function_past_its_budget(self):
        s = self.s
        self.run_ok("total = 0\nlog = []\nstep = 2\nother = 5\ndef bump(n):\n    global total\n"
                    "    total = total + n * step\n    log.append(n)")
        self.run_ok("for i in range(20):\n    bump(i)\n    other = other + 1")
        # the globals bump reads are call dependencies of both (a function is one unit), but other's are not
        called = {("bump", "assignment"), ("i", "assignment"), ("step", "call")}
        self.assertEqual(s.names(s.last("total")), called | {("total", "assignment"), ("log", "call")})
        self.assertEqual(s.names(s.last("log")), called | {("log", "bound"), ("total", "call")})
        self.assertEqual(s.names(s.last("other")), {("other", "assignment")})

    def test_loop_inside_a_notebook_function(self):
        s = self.s
        self.run_ok("k1 = 2\nk2 = 3\ndef g(n):\n    global out_t, out_u\n    t = 0\n    u = 0\n"
                    "    for j in range(n):\n        t += j * k1\n        u += k2\n    out_t = t\n    out_u = u")
        self.run_ok("g(10)")
        self.assertEqual((s.names(s.last("out_t")), s.names(s.last("out_u"))),
                         ({("k1", "assignment")}, {("k2", "assignment")}))

    def test_rebinding_is_no_mutation(self):
        # `m = m * 0.9` makes a new object: its summary links m's last version as data, never as bound;
        # a list changed in place keeps its bound edge
        s = self.s
        self.run_ok("m = 1.0\nacc = []")
        self.run_ok("for i in range(10):\n    m = m * 0.9\n    acc.append(m)")
        deps = {self.s.versions[b]["name"]: t for b, t in s.deps[s.last("m")["v"]]}
        self.assertEqual(deps, {"m": "assignment"})
        self.assertEqual(s.names(s.last("acc")), {("acc", "bound"), ("m", "assignment")})
        self.assertEqual([v["kind"] for v in s.of("m")], ["assign"] * 4 + ["loop"])

    def test_rebinding_later_in_the_body_does_not_reach_earlier_statements(self):
        # issue #12 (gallery case K): the second x feeds b only; a gets the first x, built from random
        s = self.s
        got = self.loop("scale = 10", "import random\na = []\nb = []\nfor i in range(6):\n    x = random.random()\n"
                        "    a.append(x)\n    x = i * scale\n    b.append(x)")
        self.assertEqual(got, {"a": {("a", "bound"), ("random", "assignment"), ("random state", "assignment")},
                               "b": {("b", "bound"), ("x", "assignment"), ("i", "assignment"), ("scale", "assignment")},
                               "x": {("i", "assignment"), ("scale", "assignment")}, "i": set(),
                               "random state": {("random state", "bound")}})
        self.run_ok("total_a = sum(a)")
        self.assertEqual(s.upstream(s.last("total_a")), {"a", "x", "random", "random state"})

    def test_rebinding_in_both_branches_then_after(self):
        got = self.loop("p = 1\nq = 2\nr = 3\nc = []",
                        "for i in range(10):\n    if i % 2:\n        y = p\n    else:\n        y = q\n"
                        "    c.append(y)\n    y = r")
        self.assertEqual(got, {"c": {("c", "bound"), ("p", "assignment"), ("q", "assignment"), ("i", "condition")},
                               "i": set()})

    def test_value_from_the_previous_iteration_reaches_around_the_back_edge(self):
        # when i <= t, c gets the y the previous iteration left (r), or the one from before the loop
        got = self.loop("p = 1\nr = 3\nt = 4\nc = []\ny = 0",
                        "for i in range(10):\n    if i > t:\n        y = p\n    c.append(y)\n    y = r")
        self.assertEqual(got, {"c": {("c", "bound"), ("p", "assignment"), ("r", "assignment"), ("y", "assignment"),
                                     ("i", "condition"), ("t", "condition")}, "i": set()})

    def test_name_rebound_before_its_use_in_every_iteration(self):
        got = self.loop("u = 1\nw = 2\ne = []", "for i in range(10):\n    z = u\n    e.append(z)\n    z = w")
        self.assertEqual(got, {"e": {("e", "bound"), ("u", "assignment")}, "i": set()})

    def test_rebinding_in_a_nested_loop(self):
        got = self.loop("s1 = 2\ns2 = 3\nrows = []",
                        "for i in range(6):\n    acc = []\n    for j in range(4):\n        t = j * s1\n"
                        "        acc.append(t)\n        t = s2\n    rows.append(acc)")
        carried = {("acc", "assignment"), ("j", "assignment"), ("s1", "assignment")}
        self.assertEqual(got, {"acc": carried, "rows": carried | {("rows", "bound")}, "i": set(), "j": set()})

    def test_try_except_with_and_break(self):
        got = self.loop("texts = ['1', 'x', '3'] * 4\ndflt = 0\njunk = -1\nlim = 9\nout = []",
                        "for i in range(len(texts)):\n    try:\n        v = int(texts[i])\n    except ValueError:\n"
                        "        v = dflt\n    with open('/dev/null') as fh:\n        out.append(v)\n"
                        "    v = junk\n    if i >= lim:\n        break")
        # junk never reaches out; the break's test decides every name of the loop
        self.assertEqual(got, {"out": {("out", "bound"), ("texts", "assignment"), ("i", "assignment"),
                                       ("dflt", "assignment"), ("lim", "condition")},
                               "i": {("texts", "assignment"), ("i", "condition"), ("lim", "condition")},
                               "fh": {("texts", "condition"), ("i", "condition"), ("lim", "condition")}})

    def test_estimator_fitted_then_rebound_in_the_same_iteration(self):
        # the nested CV example's shape: first gets the reg fitted with wa, never the second reg (wb)
        got = self.loop("from sklearn.linear_model import LinearRegression\nimport numpy as np\n"
                        "X = np.arange(20.).reshape(10, 2)\ny = X.sum(1)\nwa = 1.0\nwb = 2.0\n"
                        "first = np.zeros(6)\nsecond = np.zeros(6)", self.TWO_FITS)
        fitted = {("LinearRegression", "assignment"), ("X", "assignment"), ("y", "assignment")}
        self.assertEqual(got, {"first": fitted | {("first", "bound"), ("i", "assignment"), ("wa", "assignment")},
                               "second": fitted | {("second", "bound"), ("i", "assignment"), ("reg", "assignment"),
                                                   ("wb", "assignment")},
                               "reg": fitted | {("reg", "assignment"), ("wb", "assignment")}, "i": set()})

    TWO_FITS = ("for i in range(6):\n    reg = LinearRegression()\n    reg.fit(X * wa, y)\n    first[i] = reg.coef_[0]\n"
                "    reg = LinearRegression()\n    reg.fit(X * wb, y)\n    second[i] = reg.coef_[0]")


class TestChainedCall(CollectorTest):
    def test_fit_then_predict_in_one_expression(self):
        s = self.s
        self.run_ok("from sklearn.linear_model import LinearRegression\nimport numpy as np\n"
                    "X_train = np.ones((5, 2))\ny_train = np.arange(5.0)\nX_test = np.zeros((3, 2))\n"
                    "reg = LinearRegression()")
        self.run_ok("pred = reg.fit(X_train, y_train).predict(X_test)")
        fitted = {("reg", "bound"), ("X_train", "assignment"), ("y_train", "assignment")}
        self.assertEqual(s.names(s.last("reg")), fitted)
        self.assertNotIn("X_test", s.upstream(s.last("reg")))
        self.assertEqual(s.names(s.last("pred")), {("reg", "assignment"), ("X_train", "assignment"),
                                                   ("y_train", "assignment"), ("X_test", "assignment")})
        self.run_ok("reg.fit(X_train, y_train).predict(X_test)")
        self.assertEqual(s.names(s.last("reg")), fitted)
        self.run_ok("preds = []\nfor mdl in [LinearRegression() for _ in range(5)]:\n"
                    "    preds.append(mdl.fit(X_train, y_train).predict(X_test))")
        self.assertEqual(s.names(s.last("mdl")), {("mdl", "assignment"), ("X_train", "assignment"),
                                                  ("y_train", "assignment"), ("LinearRegression", "assignment")})
        self.assertIn(("X_test", "assignment"), s.names(s.last("preds")))


class TestLoopFlowMatchesFullRecording(unittest.TestCase):
    """A loop that runs past the peel budget (phase 2, uninstrumented) ends with the same ancestors for
    every name as `--capture full`, which records every iteration."""
    CASES = [
        ("m = 1.0\nscale = 2.0\nfinal = 0",
         "for i in range(10):\n    m = m * 0.9\n    scale = scale * 1.1\n    final = m + 1"),
        ("a = 0\nb = 1\nc = 0\nd = 1", "for i in range(10):\n    a = b\n    b = c\n    c = c + 1\n    d = d * 2"),
        ("n = 10\nt = 4\nbig = None\nsmall = None", "for i in range(n):\n    if i > t:\n        big = i\n    small = i * 2"),
        ("rows = []\nw = 5\ns1 = 2\ns2 = 3\nother = 0",
         "for i in range(6):\n    row = []\n    for j in range(w):\n        row.append(i * j * s1)\n"
         "    rows.append(row)\n    other = other + s2"),
        ("k = 0\nacc = 1\nlimit = 9\nbase = 2", "while k < limit:\n    k += 1\n    acc = acc * base"),
        ("total = 0\nwt = 3\nxs = list(range(10))\nlst = []\nfac = 2\nd = {}",
         "for x in xs:\n    total += x * wt\n    lst.append(x * fac)\n    d[x] = fac"),
        ("import random\nrandom.seed(3)\nscale = 10",
         "a = []\nb = []\nfor i in range(6):\n    x = random.random()\n    a.append(x)\n    x = i * scale\n"
         "    b.append(x)"),
        ("p = 1\nr = 3\nt = 4\nc = []\ny = 0",
         "for i in range(10):\n    if i > t:\n        y = p\n    c.append(y)\n    y = r"),
        ("u = 1\nw = 2\ne = []", "for i in range(10):\n    z = u\n    e.append(z)\n    z = w"),
        ("s1 = 2\ns2 = 3\nrows = []",
         "for i in range(6):\n    acc = []\n    for j in range(4):\n        t = j * s1\n        acc.append(t)\n"
         "        t = s2\n    rows.append(acc)"),
        ("from sklearn.linear_model import LinearRegression\nimport numpy as np\nX = np.arange(20.).reshape(10, 2)\n"
         "y = X.sum(1)\nwa = 1.0\nwb = 2.0\nfirst = np.zeros(6)\nsecond = np.zeros(6)", TestLoopFlow.TWO_FITS),
    ]

    def ancestors(self, capture, setup, code):
        s = Session(capture)
        try:
            for cell in (setup, code):
                s.run(cell)
                self.assertEqual(s.last_payload["errors"], 0, s.last_payload["first_error"])
            names = {v["name"] for v in s.last_payload["versions"]}
            return {n: s.upstream(s.last(n)) for n in names}, {n: repr(s.ns(n)) for n in names if n in s.sh.user_ns}   # arrays, estimators; not random states
        finally:
            s.close()

    def test_same_ancestors_as_full_recording(self):
        for setup, code in self.CASES:
            peeled, values = self.ancestors("vars", setup, code)
            full, full_values = self.ancestors("full", setup, code)
            self.assertEqual(peeled, full, code)
            self.assertEqual(values, full_values, code)
        self.assertNotIn("scale", peeled.get("final", ()))
        self.assertEqual(peeled["first"], {"first", "reg", "LinearRegression", "X", "y", "np", "i", "wa"})


class TestBoundedRecording(unittest.TestCase):
    # What keeps capture cheap, asserted without timing (timings are noisy on shared machines; they live in
    # bench/collector_micro.py and bench/capture.mjs): loop and call peeling record a bounded number of
    # versions however many iterations or calls run.
    def versions_for(self, setup, code):
        s = Session("vars")
        try:
            s.sh.run_cell(setup)
            s.drain()
            s.sh.run_cell(code, store_history=True)
            return s.drain()["versions"]
        finally:
            s.close()

    def test_a_million_iterations_record_a_handful_of_versions(self):
        small = self.versions_for("total = 0", "for i in range(10):\n    total += i % 7")
        large = self.versions_for("total = 0", "for i in range(10**6):\n    total += i % 7")
        self.assertEqual(len(large), len(small))
        self.assertLessEqual(len(large), 2 * 3 + 2)

    def test_300k_calls_record_as_many_versions_as_ten(self):
        setup = "c = 3\ndef f(x):\n    return x * c\ns = 0"
        small = self.versions_for(setup, "for i in range(10):\n    s += f(i)")
        large = self.versions_for(setup, "for i in range(300000):\n    s += f(i)")
        self.assertEqual(len(large), len(small))


if __name__ == "__main__":
    unittest.main()
