# Tests of src/notebook/cell_flow.py, the static check behind `-p` (where a name is read and
# surely or maybe rebound), run as the TypeScript side runs it: JSON in, JSON out.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_cell_flow.py'

import json
import os
import subprocess
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.normpath(os.path.join(HERE, "..", "..", "src", "notebook", "cell_flow.py"))


def flow(sources, names, defaults=None):
    request = {"names": names, "defaults": defaults,
               "cells": [{"index": i + 1, "source": s} for i, s in enumerate(sources)]}
    out = subprocess.run(["/usr/bin/python3", "-I", "-S", SCRIPT], input=json.dumps(request),
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["cells"]


def events(source, names):
    return [tuple(e) for e in flow([source], names)[0]["events"]]


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

    def test_loops_branches_with_and_walrus_may_write(self):
        src = "for i in r:\n    pass\nif c:\n    j = 1\nwith open(p) as k:\n    pass\n(w := 3)"
        self.assertEqual(events(src, ["i", "j", "k", "w"]),
                         [("i", "maybe", 1), ("j", "maybe", 3), ("k", "maybe", 5), ("w", "maybe", 7)])

    def test_function_bodies_read_but_do_not_bind(self):
        src = "def f():\n    seed = 1\n    return n\ng = lambda: m\nsq = [s for s in range(3)]"
        # a comprehension's own variable counts as a read too: reads are over-approximated
        self.assertEqual(events(src, ["seed", "n", "m", "s"]), [("n", "read", 1), ("m", "read", 4), ("s", "read", 5)])

    def test_global_in_a_function_is_a_read(self):
        self.assertEqual(events("def f():\n    global seed\n    seed = 1", ["seed"]), [("seed", "read", 1)])

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


if __name__ == "__main__":
    unittest.main()
