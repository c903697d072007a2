# Files written and read back in one trial (src/capture/collector/filelinks.py): the value
# read depends on the versions the write was attached to, and on nothing else.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_filelinks.py'

import importlib.util
import os
import shutil
import sys
import tempfile
import unittest

from test_collector import CollectorTest


class FileLinkTest(CollectorTest):
    def setUp(self):
        super().setUp()
        self.dir = tempfile.mkdtemp()
        self.run_ok("d = %r" % self.dir)

    def tearDown(self):
        super().tearDown()
        shutil.rmtree(self.dir, ignore_errors=True)

    def up(self, name):
        return self.s.upstream(self.s.last(name))


class TestOpen(FileLinkTest):
    def test_with_write_then_with_read(self):
        self.run_ok("s = 'hello'\nother = 'x'")
        self.run_ok("p = d + '/a.txt'\nwith open(p, 'w') as f:\n    f.write(s)")
        self.run_ok("with open(p) as g:\n    t = g.read()")
        self.assertEqual(self.up("t"), {"g", "p", "d", "s"})

    def test_inline_write_then_read(self):
        self.run_ok("s = 'hi'\np = d + '/b.txt'\nopen(p, 'w').write(s)\ns = 'later'")
        self.run_ok("t = open(p).read()")
        (s1,) = [v for v in self.s.of("s") if v["repr"] == "'hi'"]
        link = [b for b, _ in self.s.deps[self.s.last("t")["v"]] if self.s.versions[b]["name"] == "s"]
        self.assertEqual(link, [s1["v"]])      # the value written, not the later one

    def test_last_write_wins_and_other_paths_do_not_link(self):
        self.run_ok("a = 'A'\nb = 'B'\nc = 'C'\np = d + '/x.txt'\nq = d + '/y.txt'")
        self.run_ok("with open(p, 'w') as f:\n    f.write(a)")
        self.run_ok("with open(p, 'w') as f:\n    f.write(b)")
        self.run_ok("with open(q, 'w') as f:\n    f.write(c)")
        self.run_ok("t = open(p).read()")
        self.assertEqual(self.up("t"), {"p", "d", "b"})

    def test_file_written_before_the_trial_is_no_link(self):
        path = os.path.join(self.dir, "outside.txt")
        with open(path, "w") as f:
            f.write("outside")
        self.run_ok("s = 'x'\nt = open(%r).read()" % path)
        self.assertEqual(self.up("t"), set())

    def test_file_changed_outside_after_the_write_is_no_link(self):
        self.run_ok("s = 'mine'\np = d + '/c.txt'\nwith open(p, 'w') as f:\n    f.write(s)")
        with open(os.path.join(self.dir, "c.txt"), "w") as f:
            f.write("theirs, longer")
        self.run_ok("t = open(p).read()")
        self.assertEqual(self.up("t"), {"p", "d"})

    def test_a_link_is_the_same_file_under_another_name(self):
        os.symlink(self.dir, os.path.join(self.dir, "alias"))
        self.run_ok("s = 'S'\nwith open(d + '/alias/f.txt', 'w') as f:\n    f.write(s)")
        self.run_ok("t = open(d + '/f.txt').read()")
        self.assertEqual(self.up("t"), {"d", "s"})

    def test_a_file_too_big_to_hash_links_by_size_and_time(self):
        files = sys.modules["_nbprov_collector.files"]
        limit, files.MAX_HASH_BYTES = files.MAX_HASH_BYTES, 4
        try:
            self.run_ok("s = 'longer than four bytes'\np = d + '/big.txt'\nwith open(p, 'w') as f:\n    f.write(s)")
            self.run_ok("t = open(p).read()")
            self.assertEqual(self.up("t"), {"p", "d", "s"})
            with open(os.path.join(self.dir, "big.txt"), "a") as f:
                f.write("!")
            self.run_ok("t = open(p).read()")
            self.assertEqual(self.up("t"), {"p", "d"})
        finally:
            files.MAX_HASH_BYTES = limit

    def test_append_keeps_the_first_write(self):
        self.run_ok("a = 'A'\nb = 'B'\np = d + '/log.txt'")
        self.run_ok("with open(p, 'w') as f:\n    f.write(a)")
        self.run_ok("with open(p, 'a') as f:\n    f.write(b)")
        self.run_ok("t = open(p).read()")
        self.assertEqual(self.up("t"), {"p", "d", "a", "b"})

    def test_a_statement_without_a_version_passes_nothing_on(self):
        self.run_ok("s = 'S'\np = d + '/e.txt'\nopen(p, 'w').write(s)")
        self.run_ok("print(open(p).read())\nu = 1")
        self.assertEqual(self.up("u"), set())
        self.assertFalse(self.s.rec.files.links.armed)


    def test_a_write_past_the_loop_budget_is_no_link(self):
        # the loop's later iterations record no versions: which `i` wrote the file is not known
        self.run_ok("p = d + '/loop.txt'\nfor i in range(20):\n    with open(p, 'w') as f:\n        f.write(str(i))")
        self.run_ok("t = open(p).read()")
        self.assertEqual(self.up("t"), {"p", "d"})
        self.run_ok("for i in range(2):\n    with open(p, 'w') as f:\n        f.write(str(i))")
        self.run_ok("t = open(p).read()")
        self.assertEqual(self.up("t"), {"p", "d", "i"})
        (i,) = [b for b, _ in self.s.deps[self.s.last("t")["v"]] if self.s.versions[b]["name"] == "i"]
        self.assertEqual(self.s.versions[i]["repr"], "1")


class TestLibraries(FileLinkTest):
    def test_to_csv_read_csv(self):
        self.run_ok("import pandas as pd\ndf = pd.DataFrame({'a': [1, 2]})\ndf['b'] = df['a'] * 2")
        self.run_ok("p = d + '/df.csv'\ndf.to_csv(p, index=False)")
        self.run_ok("df2 = pd.read_csv(p)")
        self.assertEqual(self.up("df2"), {"pd", "p", "d", "df"})
        self.assertEqual([self.s.versions[b]["kind"] for b, _ in self.s.deps[self.s.last("df2")["v"]]
                          if self.s.versions[b]["name"] == "df"], ["mutate"])

    def test_np_save_load_in_a_function(self):
        self.run_ok("import numpy as np\narr = np.arange(4)\np = d + '/a.npy'\nnp.save(p, arr)")
        self.run_ok("def load(path):\n    return np.load(path)\nback = load(p)")
        self.assertEqual(self.up("back"), {"load", "p", "d", "arr", "np"})

    def test_pickle_dump_load(self):
        self.run_ok("import pickle\nm = {'w': [1, 2]}\np = d + '/m.pkl'\n"
                    "with open(p, 'wb') as f:\n    pickle.dump(m, f)")
        self.run_ok("with open(p, 'rb') as g:\n    m2 = pickle.load(g)")
        self.assertEqual(self.up("m2"), {"g", "p", "d", "m", "pickle"})

    @unittest.skipUnless(importlib.util.find_spec("joblib"), "joblib is not installed")
    def test_joblib_dump_load_a_dict(self):
        # the dict given to dump is the written object, not its values
        self.run_ok("import joblib\nmodel = {'k': 3}\np = d + '/m.joblib'\njoblib.dump(model, p)")
        self.run_ok("model2 = joblib.load(p)")
        self.assertEqual(self.up("model2"), {"joblib", "p", "d", "model"})


if __name__ == "__main__":
    unittest.main()
