# Aliases (issue #17, part 2): an object changed in place gets a new version under every notebook
# name holding it (src/capture/collector/aliases.py), driven through a real in-process IPython.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_aliases.py'

import sys
import time
import unittest

from test_collector import CollectorTest


class TestAliases(CollectorTest):
    def new_names(self):
        return [(v["name"], v["kind"]) for v in self.s.last_payload["versions"]]

    def test_method_call_store_and_attribute_through_an_alias(self):
        s = self.s
        self.run_ok("orig = [1]\nv = 2\nalias = orig\nd = {}\nview = d\nk = 'a'\nval = 3\n"
                    "class Cfg: pass\ncfg = Cfg()\ncfg2 = cfg\nlr = 0.1")
        self.run_ok("alias.append(v)")
        self.assertEqual(self.new_names(), [("alias", "mutate"), ("orig", "mutate")])
        self.assertEqual(s.dset(s.last("orig")), {("orig", "assign", "bound"), ("v", "assign", "assignment")})
        self.assertEqual(s.last("orig")["summary"]["len"], 2)
        self.run_ok("view[k] = val")
        self.assertEqual(s.names(s.last("d")), {("d", "bound"), ("k", "assignment"), ("val", "assignment")})
        self.assertEqual(s.last("d")["keys"], ["[k]"])      # the same member of the same object
        self.run_ok("cfg2.lr = lr")
        self.assertEqual(s.names(s.last("cfg")), {("cfg", "bound"), ("lr", "assignment")})

    def test_immutable_values_are_never_aliases(self):
        s = self.s
        self.run_ok("n = 5\nfive = 5\nheld = [5]\nw = 'abc'\nw2 = 'abc'\nnone = None\nnone2 = None\n"
                    "t = (1, 'a')\nt2 = t\nflag = True\nflag2 = True")
        # each of these returns None, so the collector takes it for a mutation of its receiver
        self.run_ok("n.__init__()\nw.__init__()\nnone.__init__()\nt.__init__()\nflag.__init__()")
        self.assertEqual({n for n, _ in self.new_names()}, {"n", "w", "none", "t", "flag"})
        for name in ("five", "held", "w2", "none2", "t2", "flag2"):
            self.assertEqual(len(s.of(name)), 1, name)

    def test_tuple_holding_a_list_is_mutable(self):
        s = self.s
        self.run_ok("t = ([],)\nt2 = t\nx = 1")
        self.run_ok("t[0].append(x)")
        self.assertEqual(self.new_names(), [("t", "mutate"), ("t2", "mutate")])
        self.assertEqual(s.names(s.last("t2")), {("t2", "bound"), ("x", "assignment")})

    def test_list_inside_a_dict_changed_through_another_name(self):
        s = self.s
        self.run_ok("cfg = {'layers': [32]}\nlayers = cfg['layers']\nsame_cfg = cfg\nwidth = 64\n"
                    "boxes = {'b': []}\nboxes2 = boxes")
        self.run_ok("layers.append(width)")
        self.assertEqual(self.new_names(), [("layers", "mutate"), ("cfg", "mutate"), ("same_cfg", "mutate")])
        self.assertEqual(s.names(s.last("cfg")), {("cfg", "bound"), ("width", "assignment")})
        self.assertEqual(s.upstream(s.last("cfg")), {"cfg", "width"})
        self.run_ok("boxes2['b'].append(width)")        # reached through a container: the root changes
        self.assertEqual(self.new_names(), [("boxes2", "mutate"), ("boxes", "mutate")])

    def test_function_changing_its_argument(self):
        s = self.s
        self.run_ok("def put(xs, x):\n    xs[0] = x\ndef grow(xs):\n    xs.extend([1, 2])\n"
                    "nums = [0, 0]\nsame = nums\nnew = 9")
        self.run_ok("put(same, new)")       # same size: only the function's own store shows it
        self.assertEqual(self.new_names(), [("nums", "mutate"), ("same", "mutate")])
        self.assertEqual(s.names(s.last("nums")), {("nums", "bound"), ("put", "assignment"),
                                                   ("same", "assignment"), ("new", "assignment")})
        self.run_ok("grow(nums)")
        self.assertEqual(self.new_names(), [("nums", "mutate"), ("same", "mutate")])
        # nums changed by size after the call: the receiver's own version is no input of its alias
        self.assertEqual(s.names(s.last("same")), {("same", "bound"), ("grow", "assignment")})
        self.run_ok("def fresh():\n    tmp = []\n    tmp.append(1)\n    return tmp\nout = fresh()")
        self.assertEqual(self.new_names(), [("fresh", "def"), ("out", "assign")])

    def test_function_changing_a_global_and_its_alias(self):
        s = self.s
        self.run_ok("log = []\nlog2 = log\nstep = 2\ndef bump():\n    log.append(step)")
        self.run_ok("bump()")
        self.assertEqual(self.new_names(), [("log", "mutate"), ("log2", "mutate")])
        self.assertEqual(s.names(s.last("log2")), {("log2", "bound"), ("step", "assignment")})

    def test_loop_summary_reaches_aliases(self):
        s = self.s
        self.run_ok("orig = []\nalias = orig")
        self.run_ok("for i in range(10):\n    alias.append(i)")
        v = s.last("orig")
        self.assertEqual((v["kind"], v["iterations"], v["summary"]["len"]), ("loop", 10, 10))
        self.assertEqual(s.names(v), {("orig", "bound"), ("i", "assignment")})
        self.run_ok("rows = [[0], [0]]\nfor row in rows:\n    row.append(1)")
        self.assertEqual(s.last("rows")["kind"], "mutate")
        self.assertEqual(s.names(s.last("rows")), {("rows", "bound")})

    def test_rebinding_reaches_no_alias(self):
        s = self.s
        self.run_ok("a = [1]\nb = a")
        self.run_ok("a = a + [2]\nfor i in range(5):\n    a = a + [i]")
        self.assertEqual(len(s.of("b")), 1)

    def test_ipython_output_names_are_not_aliases(self):
        s = self.s
        self.run_ok("lst = [1]")
        self.run_ok("lst")                          # now also _ and _2 in the namespace
        self.run_ok("lst.append(2)")
        self.assertEqual(self.new_names(), [("lst", "mutate")])

    def test_cost_of_one_lookup_in_10000_names(self):
        m = sys.modules["_nbprov_collector.aliases"]       # as bootstrap.py loaded it
        ns = {"v%d" % i: [i, "s%d" % i, [i] * 5, {"a": i}][i % 4] for i in range(10_000)}
        x = ns["v2"]
        ns["alias"] = x
        versioned = dict.fromkeys(ns)
        self.assertEqual(m.holders(ns, versioned, x), (["v2", "alias"], []))
        t0 = time.perf_counter()
        for _ in range(20):
            m.holders(ns, versioned, x)
        per = (time.perf_counter() - t0) / 20
        self.assertLess(per, 0.02, "%.2f ms per lookup" % (per * 1e3))


if __name__ == "__main__":
    unittest.main()
