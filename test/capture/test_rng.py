# Tests of the random-state part of the collector (src/capture/collector/rng.py): seeding and drawing calls
# version each module's random state, and what a draw returned depends on the state it drew from.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_rng.py'

import unittest

from test_collector import CollectorTest


class TestModuleStates(CollectorTest):
    def up(self, name):
        return self.s.upstream(self.s.last(name))

    def test_numpy_seed_then_draw(self):
        self.run_ok("import numpy as np\nrs = 7")
        self.run_ok("np.random.seed(rs)\nx = np.random.rand()\ny = np.random.rand(3)")
        seed, d1, d2 = self.s.of("numpy.random state")
        self.assertEqual([v["kind"] for v in (seed, d1, d2)], ["seed", "draw", "draw"])
        self.assertEqual(seed["type"], "random state")
        self.assertEqual(self.s.names(seed), {("rs", "assignment")})
        self.assertEqual(self.s.dset(self.s.last("x")), {("np", "import", "assignment"), ("numpy.random state", "seed", "assignment")})
        self.assertEqual(self.s.dset(d1), {("numpy.random state", "seed", "bound")})
        self.assertEqual(self.up("y"), {"np", "numpy.random state", "rs"})
        self.assertEqual(self.s.dset(self.s.last("y")), {("np", "import", "assignment"), ("numpy.random state", "draw", "assignment")})

    def test_a_draw_advances_by_its_arguments(self):
        self.run_ok("import numpy as np\nnp.random.seed(1)\nn = 5")
        self.run_ok("a = np.random.rand(n)\nb = np.random.rand()")
        self.assertEqual(self.up("b"), {"np", "numpy.random state", "n"})
        self.assertEqual(self.up("a"), {"np", "numpy.random state", "n"})

    def test_stdlib_random_from_import_and_shuffle(self):
        self.run_ok("import random\nfrom random import seed, choice\ns0 = 3\ndata = [1, 2, 3, 4]")
        self.run_ok("seed(s0)\nrandom.shuffle(data)\npick = choice(data)\ntrain = data[:2]")
        self.assertEqual(self.up("train"), {"data", "random state", "s0"})
        self.assertEqual(self.s.last("data")["kind"], "mutate")
        self.assertEqual(self.up("pick"), {"choice", "data", "random state", "s0"})

    def test_seed_alone_reads_no_earlier_state(self):
        self.run_ok("import numpy as np\nnp.random.rand()\nk = 2")
        self.run_ok("np.random.seed(k)\nz = np.random.normal()")
        self.assertEqual(self.up("z"), {"np", "numpy.random state", "k"})

    def test_a_user_variable_with_a_table_name_is_not_a_state(self):
        self.run_ok("class Dice:\n    def choice(self, xs):\n        return xs[0]\nd = Dice()\nw = d.choice([1, 2])")
        self.assertEqual(self.s.of("random state"), [])
        self.assertEqual(self.up("w"), {"d", "Dice"})

    def test_a_mutator_call_drawing_depends_on_the_state(self):
        self.run_ok("import numpy as np\nnp.random.seed(0)\nxs = []")
        self.run_ok("xs.append(np.random.rand())")
        self.assertIn(("numpy.random state", "seed", "assignment"), self.s.dset(self.s.last("xs")))

    def test_no_table_call_no_state_version(self):
        self.run_ok("import numpy as np\nx = np.zeros(3)\ny = x.sum()")
        self.assertEqual([v for v in self.s.order if v["type"] == "random state"], [])


class TestGenerators(CollectorTest):
    def test_generator_in_a_variable(self):
        self.run_ok("import numpy as np\nrs = 11")
        self.run_ok("rng = np.random.default_rng(rs)\na = rng.normal()\nb = rng.integers(10)")
        r1, r2, r3 = self.s.of("rng")
        self.assertEqual([v["kind"] for v in (r1, r2, r3)], ["assign", "draw", "draw"])
        self.assertEqual(self.s.dset(self.s.last("a")), {("rng", "assign", "assignment")})
        self.assertEqual(self.s.dset(self.s.last("b")), {("rng", "draw", "assignment")})
        self.assertEqual(self.s.upstream(self.s.last("b")), {"rng", "np", "rs"})
        self.assertEqual(self.s.of("numpy.random state"), [])

    def test_random_state_reseeded(self):
        self.run_ok("import numpy as np\nr = np.random.RandomState(0)\nq = 4")
        self.run_ok("r.seed(q)\nv = r.rand()")
        seeded = self.s.of("r")[1]
        self.assertEqual((seeded["kind"], self.s.names(seeded)), ("seed", {("q", "assignment")}))
        self.assertEqual(self.s.upstream(self.s.last("v")), {"r", "q"})


if __name__ == "__main__":
    unittest.main()


class TestLoops(CollectorTest):
    def test_draws_past_the_peel_budget(self):
        self.run_ok("import numpy as np\nrs = 5\nn = 10")
        self.run_ok("np.random.seed(rs)\nfor i in range(n):\n    x = np.random.rand()\nafter = np.random.rand()")
        loop = [v for v in self.s.of("numpy.random state") if v["kind"] == "loop"]
        self.assertEqual(len(loop), 1)
        self.assertEqual(loop[0]["iterations"], 10)
        self.assertEqual(self.s.last("x")["kind"], "loop")
        self.assertEqual(self.s.upstream(self.s.last("x")), {"np", "numpy.random state", "rs", "n"})
        self.assertIn(("numpy.random state", "loop", "assignment"), self.s.dset(self.s.last("after")))
        self.assertEqual(self.s.upstream(self.s.last("after")), {"np", "numpy.random state", "rs", "n"})

    def test_a_loop_within_budget_needs_no_summary(self):
        self.run_ok("import random\nrandom.seed(1)\nacc = []")
        self.run_ok("for i in range(2):\n    acc.append(random.random())")
        self.assertEqual([v["kind"] for v in self.s.of("random state")], ["seed", "draw", "draw"])
        self.assertEqual(self.s.upstream(self.s.last("acc")), {"acc", "random", "random state"})

    def test_generator_drawn_in_a_long_loop(self):
        self.run_ok("import numpy as np\nrng = np.random.default_rng(3)\nn = 8")
        self.run_ok("for i in range(n):\n    v = rng.normal()\nw = rng.normal()")
        self.assertEqual(self.s.of("rng")[-2]["kind"], "loop")
        self.assertEqual(self.s.upstream(self.s.last("w")), {"np", "rng", "n"})


class TestFunctions(CollectorTest):
    def test_a_notebook_function_that_draws(self):
        self.run_ok("import numpy as np\nrs = 2\nnp.random.seed(rs)\ndef noise(k):\n    return np.random.normal(size=k)")
        self.run_ok("v = noise(3)")
        self.assertIn(("numpy.random state", "seed", "call"), self.s.dset(self.s.last("v")))
        self.assertEqual(self.s.upstream(self.s.last("v")), {"noise", "np", "numpy.random state", "rs"})


class TestOtherModules(CollectorTest):
    # torch and TensorFlow are not installed here: stand-ins in sys.modules, found by the same table
    def setUp(self):
        super().setUp()
        self.run_ok("import sys, types\ntorch = types.ModuleType('torch')\n"
                    "torch.manual_seed = lambda s: None\ntorch.rand = lambda *a: 0.5\nsys.modules['torch'] = torch")

    def tearDown(self):
        import sys
        sys.modules.pop("torch", None)
        super().tearDown()

    def test_torch_manual_seed_then_rand(self):
        self.run_ok("s = 9\ntorch.manual_seed(s)\nt = torch.rand(2)")
        self.assertEqual([v["kind"] for v in self.s.of("torch state")], ["seed", "draw"])
        self.assertEqual(self.s.upstream(self.s.last("t")), {"torch", "torch state", "s", "types"})

    def test_a_lookalike_function_is_no_draw(self):
        self.run_ok("import types\nfake = types.ModuleType('fake')\nfake.rand = lambda: 1\nu = fake.rand()")
        self.assertEqual([v for v in self.s.order if v["type"] == "random state"], [])
