# Tests of src/notebook/analyser/flow.py, the static check behind `-p` (where a name is read and
# surely or maybe rebound), run as the TypeScript side runs it: JSON in, JSON out.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_cell_flow.py'

import json
import os
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ANALYSER = os.path.normpath(os.path.join(HERE, "..", "..", "src", "notebook", "analyser"))


def flow(sources, names, defaults=None):
    request = {"names": names, "defaults": defaults,
               "cells": [{"index": i + 1, "source": s} for i, s in enumerate(sources)]}
    out = subprocess.run(["/usr/bin/python3", "-I", "-S", ANALYSER, "flow"], input=json.dumps(request),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["cells"]


def events(source, names):
    return [tuple(e[:3]) for e in flow([source], names)[0]["events"]]


def quotes(source, names):
    return [(e[0], e[3]) for e in flow([source], names)[0]["events"]]


class Events(unittest.TestCase):
    def test_sure_writes(self):
        self.assertEqual(events("seed = 7\nimport seed2\nfrom m import x as seed3\ndef f(): pass\nclass C: pass\nn: int = 1",
                                ["seed", "seed2", "seed3", "f", "C", "n"]),
                         [("seed", "write", 1), ("seed2", "write", 2), ("seed3", "write", 3),
                          ("f", "write", 4), ("C", "write", 5), ("n", "write", 6)])

    def test_reads_come_first_in_a_statement(self):
        self.assertEqual(events("seed = seed + 1\nn += 1\ndel k\nx[i] = 1", ["seed", "n", "k", "i", "x"]),
                         [("seed", "read", 1), ("n", "read", 2), ("k", "read", 3), ("i", "read", 4), ("x", "read", 4)])

    def test_statements_on_one_line_keep_their_order(self):
        self.assertEqual(events("a = 1; b = a * 2", ["a", "b"]), [("a", "write", 1), ("a", "read", 1), ("b", "write", 1)])

    def test_tuple_targets_are_sure_writes(self):
        self.assertEqual(events("a, (b, *c) = 1, (2, 3)", ["a", "b", "c"]),
                         [("a", "write", 1), ("b", "write", 1), ("c", "write", 1)])

    def test_branches_loop_bodies_walrus_and_except_may_write(self):
        src = "if c:\n    j = 1\nfor i in r:\n    m = i\n(w := 3)\ntry:\n    pass\nexcept E as e:\n    pass"
        self.assertEqual(events(src, ["j", "m", "w", "e"]),
                         [("j", "maybe", 1), ("m", "maybe", 3), ("w", "maybe", 5), ("e", "maybe", 6)])

    def test_for_and_with_targets_are_sure_writes_and_their_bodies_read_the_new_value(self):
        src = "for k in range(3):\n    print(k)\nwith open(p) as f, g(f) as h:\n    f.read()\nfor a, b in pairs:\n    pass"
        self.assertEqual(flow([src], ["k", "f", "h", "a", "b"])[0]["events"], [
            ["k", "write", 1, "for k in range(3):", 1], ["k", "read", 2, "print(k)", 1],
            ["f", "write", 3, "with open(p) as f, g(f) as h:", 3], ["f", "read", 3, "with open(p) as f, g(f) as h:", 3],
            ["h", "write", 3, "with open(p) as f, g(f) as h:", 3],
            ["a", "write", 5, "for a, b in pairs:", 5], ["b", "write", 5, "for a, b in pairs:", 5]])

    def test_for_and_with_read_a_name_their_header_reads_before_binding_it(self):
        src = "for k in range(k):\n    pass\nwith open(f) as f:\n    pass\nfor x[i] in r:\n    pass"
        self.assertEqual(events(src, ["k", "f", "x", "i"]),
                         [("k", "read", 1), ("f", "read", 3), ("x", "read", 5), ("i", "read", 5)])

    def test_function_bodies_read_but_do_not_bind(self):
        src = "def f():\n    seed = 1\n    return n\ng = lambda: m\nsq = [s for s in range(3)]"
        self.assertEqual(events(src, ["seed", "n", "m", "s"]), [("n", "read", 3), ("m", "read", 4)])

    def test_parameters_and_locals_of_a_function_shadow_the_name(self):
        src = ("def generate(n_samples, noise, *rest, scale=noise_scale, **kw):\n"
               "    seed = 0\n    for step in range(n_samples):\n        seed += step\n"
               "    return noise * seed * scale\n"
               "f = lambda noise: noise + 1\n"
               "sq = [noise for noise in range(3)]\n"
               "def outer(noise):\n    def inner():\n        return noise\n    return inner\n"
               "def uses_global():\n    return noise\n")
        self.assertEqual(events(src, ["noise", "noise_scale", "n_samples", "seed", "step", "generate"]),
                         [("noise_scale", "read", 1), ("generate", "write", 1), ("noise", "read", 13)])

    def test_a_function_that_declares_the_name_global_reads_it(self):
        src = "def f(noise):\n    def g():\n        global noise\n        return noise\n    return g"
        self.assertEqual(events(src, ["noise"]), [("noise", "read", 3)])

    def test_a_comprehension_reads_the_name_in_its_first_iterable_and_where_it_is_not_its_variable(self):
        self.assertEqual(events("a = [k for k in k]\nb = [x for x in r if x > k]", ["k"]), [("k", "read", 1), ("k", "read", 2)])

    def test_a_class_body_reads_the_global_even_where_it_binds_the_name(self):
        src = "class C:\n    noise = 1\n    y = noise\n"
        self.assertEqual(events(src, ["noise"]), [("noise", "read", 3)])

    def test_events_quote_the_statement_on_one_line_without_comments(self):
        src = ("regr = MultiOutputRegressor(  # the model\n    RandomForestRegressor(n_estimators=100,\n"
               "                          max_depth=max_depth), n_jobs=2\n)\n"
               "for k in range(3):\n    pass\n"
               "if fast:\n    score = fit(noise,\n                seed)\n"
               "a = 1; b = a * 2\n"
               "%time run(q)")
        self.assertEqual(quotes(src, ["max_depth", "k", "noise", "a", "q"]), [
            ("max_depth", "regr = MultiOutputRegressor(RandomForestRegressor(n_estimators=100, max_depth=max_depth), n_jobs=2)"),
            ("k", "for k in range(3):"),
            ("noise", "score = fit(noise, seed)"),
            ("a", "a = 1"), ("a", "b = a * 2"),
            ("q", "%time run(q)")])

    def test_global_in_a_function_is_a_read(self):
        self.assertEqual(events("def f():\n    global seed\n    seed = 1", ["seed"]), [("seed", "read", 2)])

    def test_magic_lines_read_what_they_mention(self):
        src = "%matplotlib inline\n%time fit(seed)\nout = !ls $n\nseed = 3"
        self.assertEqual(events(src, ["seed", "n", "out"]),
                         [("seed", "read", 2), ("n", "read", 3), ("out", "read", 3), ("seed", "write", 4)])

    def test_cell_magics_and_unparsable_cells_read_what_they_mention(self):
        self.assertEqual(events("%%time\nseed = 1", ["seed", "other"]), [("seed", "read", 1)])
        self.assertEqual(events("seed = (\n", ["seed"]), [("seed", "read", 1)])


class Assigns(unittest.TestCase):
    def test_defaults_cell_lists_every_assignment_with_its_value_text(self):
        cells = flow(["a = 1\nb = a * 2\nn_samples, n_features = 200, 50\nx = y = (2, 2)\nlr: float = 1e-3\np, q = f()",
                      "a = 3\nz = 1"], ["a"], defaults=1)
        self.assertEqual(cells[0]["assigns"], [
            ["a", "1", 1], ["b", "a * 2", 2], ["n_samples", "200", 3], ["n_features", "50", 3],
            ["x", "(2, 2)", 4], ["y", "(2, 2)", 4], ["lr", "1e-3", 5], ["p", None, 6], ["q", None, 6]])
        self.assertEqual(cells[1]["assigns"], [["a", "3", 1]], "other cells: only the names asked about")


class Binds(unittest.TestCase):
    """`binds`, for `run --stage/--only`: every name of the request a cell's top-level statements may bind."""

    def test_rebinding_after_a_read_binds_too(self):
        src = "X = X * 2\ny += 1\nif c:\n    z = 1\nimport numpy as np\ndef f(v):\n    w = v\nx[0] = 1\nprint(q)"
        self.assertEqual(flow([src], ["X", "y", "z", "np", "f", "w", "x", "q", "c"])[0]["binds"], ["X", "f", "np", "y", "z"])

    def test_a_cell_that_does_not_parse_binds_every_name_it_mentions(self):
        self.assertEqual(flow(["%%time\nX = load()\nprint(y)"], ["X", "y", "z"])[0]["binds"], ["X", "y"])


if __name__ == "__main__":
    unittest.main()
