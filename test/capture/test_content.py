# Content fingerprints and small-container entries (src/capture/collector/content.py, entries.py), and how
# Summaries.summary reports them, on real numpy and pandas values.
#
#   /usr/bin/python3 -m unittest discover -s test/capture -p 'test_*.py'

import os
import sys
import time
import unittest

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "capture")))

from collector import content, entries  # noqa: E402
from collector.values import Summaries  # noqa: E402
from test_collector import REPR_LIMIT  # noqa: E402


def fp(x, budget=content.FP_BUDGET):
    return content.fingerprint(x, budget, np, pd)


class Opaque:
    pass


class TestFingerprint(unittest.TestCase):
    def assertSame(self, a, b):
        fa, fb = fp(a), fp(b)
        self.assertIsNotNone(fa[0], "no fingerprint for a %s" % type(a).__name__)
        self.assertEqual(fa, fb)

    def assertDiffer(self, a, b):
        fa, fb = fp(a), fp(b)
        self.assertIsNotNone(fa[0])
        self.assertIsNotNone(fb[0])
        self.assertNotEqual(fa[0], fb[0])

    def test_scalars_and_types_are_told_apart(self):
        values = [1, 1.0, "1", True, None, b"1", (1,), [1], {1}, frozenset({1}), {1: 1}, 2 ** 80, 1 + 0j]
        digests = [fp(v)[0] for v in values]
        self.assertNotIn(None, digests)
        self.assertEqual(len(set(digests)), len(values))
        self.assertSame(2 ** 80, 2 ** 80)
        self.assertSame(10 ** 5000, 10 ** 5000)     # past repr's 4300-digit limit
        self.assertDiffer(10 ** 5000, 10 ** 5000 + 1)

    def test_a_tuple_whose_last_element_changed(self):
        self.assertDiffer(tuple(range(10)) + (500,), tuple(range(10)) + (100,))
        self.assertSame(tuple(range(10)) + (500,), tuple(range(10)) + (500,))

    def test_one_changed_element_of_a_million_element_array(self):
        a = np.random.default_rng(7).random(10 ** 6)
        b = a.copy()
        self.assertSame(a, b)
        b[654321] += 1e-9
        self.assertDiffer(a, b)
        self.assertDiffer(a, a.astype(np.float32))
        self.assertDiffer(a, a.reshape(1000, 1000))

    def test_layout_does_not_matter_only_content(self):
        c = np.arange(60.0).reshape(3, 4, 5)
        self.assertSame(c, np.asfortranarray(c))
        s = np.arange(100).reshape(10, 10)[::2, 1::3]
        self.assertFalse(s.flags.c_contiguous)
        self.assertSame(s, s.copy())
        wide = np.arange(3 * 300_000, dtype=np.float64).reshape(3, 300_000)[:, ::2]   # rows over 1 MiB
        self.assertSame(wide, wide.copy())
        self.assertSame(np.arange(10)[::-1], np.arange(10)[::-1].copy())
        self.assertSame(np.array(5.0), np.array(5.0))
        self.assertSame(np.zeros((0, 3)), np.zeros((0, 3)))
        self.assertDiffer(np.zeros((0, 3)), np.zeros((3, 0)))

    def test_other_dtypes(self):
        dates = np.array(["2020-01-01", "2021-06-30"], dtype="M8[D]")
        self.assertSame(dates, dates.copy())
        self.assertDiffer(dates, dates + 1)
        rec = np.array([(1, 2.0), (3, 4.0)], dtype=[("a", "i4"), ("b", "f8")])
        self.assertSame(rec, rec.copy())
        self.assertSame(np.array(["x", "yy"]), np.array(["x", "yy"]))
        self.assertDiffer(np.float64(1.5), np.float32(1.5))
        self.assertDiffer(np.float64(1.5), 1.5)

    def test_object_arrays_hash_their_elements(self):
        a = np.array(["a", "bb", None, 3, (1, 2)], dtype=object)
        b = a.copy()
        self.assertSame(a, b)
        b[4] = (1, 3)
        self.assertDiffer(a, b)
        strings = np.array(["s%d" % i for i in range(100_000)], dtype=object)
        changed = strings.copy()
        changed[-1] = "other"
        self.assertDiffer(strings, changed)
        self.assertEqual(fp(np.array([Opaque()], dtype=object)), (None, False))
        missing = pd.Series(["a", None, float("nan"), pd.NA, pd.NaT, pd.Timestamp("2020-01-01", tz="UTC")], dtype=object)
        self.assertSame(missing, missing.copy())
        changed = missing.copy()
        changed[5] = pd.Timestamp("2020-01-01 00:00:00.000000001", tz="UTC")
        self.assertDiffer(missing, changed)

    def test_data_frames_with_mixed_dtypes(self):
        def frame():
            return pd.DataFrame({
                "i": np.arange(5), "f": np.linspace(0, 1, 5), "s": list("abcde"),
                "c": pd.Categorical(list("xyxyx")), "n": pd.array([1, None, 3, 4, 5], dtype="Int64"),
                "t": pd.date_range("2020-01-01", periods=5, tz="UTC"), "b": [True, False, True, True, False]})
        df = frame()
        self.assertSame(df, frame())
        self.assertSame(df, df.copy())
        for column, value in [("i", 9), ("f", 0.3), ("s", "z"), ("c", "y"), ("n", 7), ("t", pd.Timestamp("2021-01-01", tz="UTC")), ("b", False)]:
            changed = frame()
            changed.loc[0, column] = value
            self.assertDiffer(df, changed)
        self.assertDiffer(df, df.rename(columns={"i": "j"}))
        a, b = pd.array([1, 2, 3], dtype="Int64"), pd.array([1, 2, 3], dtype="Int64")
        a[1], b[1] = None, None
        b._data[1] = 99                 # the value under the mask
        self.assertSame(pd.Series(a), pd.Series(b))
        self.assertDiffer(df, df.set_axis([5, 6, 7, 8, 9]))
        self.assertDiffer(df["f"], df["f"].rename("g"))
        self.assertSame(df["s"], frame()["s"])
        multi = df.set_index(["s", "i"])
        self.assertSame(multi, frame().set_index(["s", "i"]))
        self.assertDiffer(multi, frame().set_index(["i", "s"]))

    def test_a_frame_from_a_2d_array_reads_as_the_same_frame_from_columns(self):
        grid = np.arange(40.0).reshape(8, 5)
        from_array = pd.DataFrame(grid, columns=list("abcde"))
        self.assertTrue(from_array._mgr.blocks[0].values.flags.f_contiguous)     # columns strided in memory
        from_array["s"] = list("qrstuvwx")
        from_columns = pd.DataFrame({c: grid[:, i].copy() for i, c in enumerate("abcde")})
        from_columns["s"] = list("qrstuvwx")
        self.assertSame(from_array, from_columns)
        changed = from_array.copy()
        changed.iloc[7, 4] = -1.0
        self.assertDiffer(from_array, changed)
        tall = pd.DataFrame(np.arange(3 * 400_000.0).reshape(400_000, 3))       # more than one 1 MiB run of rows
        copied = tall.copy()
        self.assertTrue(copied._mgr.blocks[0].values.flags.c_contiguous)
        self.assertSame(tall, copied)

    def test_a_100_mb_frame_is_fingerprinted_whole(self):
        df = pd.DataFrame({"c%d" % i: np.full(1_250_000, float(i)) for i in range(10)})
        self.assertEqual(df.memory_usage(index=False).sum(), 100_000_000)
        start = time.perf_counter()
        digest, sampled = fp(df)
        self.assertIsNotNone(digest)
        self.assertFalse(sampled)
        self.assertLess(time.perf_counter() - start, 0.5)     # ~15-25 ms; a loose bound for a shared machine

    def test_nested_containers(self):
        a = {"grid": {"C": [1, 10, 100], "kernel": ("rbf", "linear")}, "cv": 5, "tags": {"x", "y"}}
        b = {"cv": 5, "tags": {"y", "x"}, "grid": {"kernel": ("rbf", "linear"), "C": [1, 10, 100]}}
        self.assertSame(a, b)          # dicts and sets compare as == does: order-blind
        b["grid"]["C"][2] = 1000
        self.assertDiffer(a, b)
        self.assertDiffer([1, [2, 3]], [1, (2, 3)])
        self.assertSame([np.arange(3), pd.Series([1, 2])], [np.arange(3), pd.Series([1, 2])])
        self.assertDiffer(["a", "bc"], ["ab", "c"])          # joined strings keep their boundaries
        self.assertDiffer([1.0] * 7 + [2.0], [1.0] * 8)

    def test_self_referencing_containers(self):
        def make():
            a = [1, 2]
            a.append(a)
            d = {"k": 1}
            d["self"] = d
            return [a, d]
        self.assertSame(make(), make())
        other = make()
        other[1]["k"] = 2
        self.assertDiffer(make(), other)

    def test_deep_nesting_is_too_large_not_an_error(self):
        deep = []
        for _ in range(100):
            deep = [deep]
        self.assertEqual(fp(deep), (None, True))

    def test_containers_of_a_million_items(self):
        floats = [i / 3 for i in range(10 ** 6)]
        start = time.perf_counter()
        digest, sampled = fp(floats)
        self.assertIsNotNone(digest)
        changed = list(floats)
        changed[-1] = 0.0
        self.assertDiffer(floats, changed)
        ints = list(range(10 ** 6))
        self.assertSame(ints, list(range(10 ** 6)))
        self.assertSame(["s%d" % i for i in range(10 ** 6)], ["s%d" % i for i in range(10 ** 6)])
        pairs = [(i, i) for i in range(10 ** 6)]
        self.assertEqual(fp(pairs), (None, True))
        self.assertEqual(fp({i: str(i) for i in range(10 ** 6)}), (None, True))
        self.assertLess(time.perf_counter() - start, 5)

    def test_over_the_budget_is_marked_sampled(self):
        a = np.zeros(1000)
        self.assertEqual(fp(a, budget=7999), (None, True))
        self.assertIsNotNone(fp(a, budget=8000)[0])
        self.assertEqual(fp("x" * 100, budget=99), (None, True))
        wide = pd.DataFrame(np.zeros((1000, 4)))                 # a row-major block, charged before it is read
        self.assertEqual(fp(wide, budget=31999), (None, True))
        self.assertIsNotNone(fp(wide, budget=40000)[0])
        big = np.broadcast_to(np.float64(1), (1 << 27,))        # 1 GiB of elements, no memory
        start = time.perf_counter()
        self.assertEqual(fp(big), (None, True))
        self.assertLess(time.perf_counter() - start, 0.05)

    def test_objects_have_no_content_fingerprint(self):
        self.assertEqual(fp(Opaque()), (None, False))
        self.assertEqual(fp([1, Opaque()]), (None, False))
        self.assertEqual(fp({"model": Opaque()}), (None, False))


class TestSmallItems(unittest.TestCase):
    def test_entries_with_paths_reprs_and_json(self):
        params = {"n_estimators": 500, "max_depth": None, "lr": 0.1, "loss": "squared_error",
                  "sizes": (64, 32), "grid": {"C": [1, 10]}, "a b": float("nan"), 3: True, "s": {2, 1}, "e": []}
        self.assertEqual(entries.small_items(params, REPR_LIMIT), [
            [".n_estimators", "500", 500], [".max_depth", "None", None], [".lr", "0.1", 0.1],
            [".loss", "'squared_error'", "squared_error"], [".sizes[0]", "64", 64], [".sizes[1]", "32", 32],
            [".grid.C[0]", "1", 1], [".grid.C[1]", "10", 10], ["['a b']", "nan"], ["[3]", "True", True],
            [".s", "{1, 2}"], [".e", "[]"]])
        self.assertEqual(entries.small_items((3, "3"), REPR_LIMIT), [["[0]", "3", 3], ["[1]", "'3'", "3"]])
        self.assertEqual(entries.small_items([], REPR_LIMIT), [])
        self.assertEqual(entries.small_items({"f1": np.float64(0.5), "n": np.int64(3), "ok": np.bool_(True)}, REPR_LIMIT, np),
                         [[".f1", "0.5", 0.5], [".n", "3", 3], [".ok", "True", True]])
        self.assertIsNone(entries.small_items([np.float64(0.5)], REPR_LIMIT))       # numpy scalars need numpy loaded

    def test_what_is_not_small(self):
        for x in [list(range(21)), {"a": {"b": {"c": [1]}}}, ["x" * (REPR_LIMIT + 1)], [np.arange(3)], [Opaque()],
                  {(1, 2): 3}, [[i] * 20 for i in range(20)], {1, 2}, "text"]:
            self.assertIsNone(entries.small_items(x, REPR_LIMIT), repr(x)[:60])
        loop = [1]
        loop.append(loop)
        self.assertIsNone(entries.small_items(loop, REPR_LIMIT))


class TestPlainRepr(unittest.TestCase):
    def test_whole_and_in_insertion_order_when_plain_and_short(self):
        self.assertEqual(entries.plain_repr({"n_estimators": 500, "max_depth": 4}, REPR_LIMIT), "{'n_estimators': 500, 'max_depth': 4}")
        self.assertEqual(entries.plain_repr(tuple(range(11)), REPR_LIMIT), "(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)")
        self.assertEqual(entries.plain_repr({"grid": {"C": [1, 10]}}, REPR_LIMIT), "{'grid': {'C': [1, 10]}}")
        self.assertIsNone(entries.plain_repr(tuple(range(11)), 20))
        self.assertIsNone(entries.plain_repr({"s": {1, 2}}, REPR_LIMIT))

        class Loud(dict):
            def __repr__(self):
                raise AssertionError("user code ran")
        self.assertIsNone(entries.plain_repr([Loud()], REPR_LIMIT))

    def test_describe_uses_it(self):
        s = Summaries(REPR_LIMIT, True)
        self.assertEqual(s.describe("params", {"b": 1, "a": (2, 3)})[1], "{'b': 1, 'a': (2, 3)}")
        self.assertEqual(s.describe("t", tuple(range(11)))[1], "(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)")
        self.assertEqual(s.describe("big", tuple(range(30)))[1], "(0, 1, 2, 3, 4, 5, ...)")      # not small: reprlib


class TestSummaries(unittest.TestCase):
    def test_old_fields_kept_content_added(self):
        s = Summaries(REPR_LIMIT, True)
        a = np.arange(10.0)
        summary = s.summary(a)
        self.assertEqual(set(summary), {"shape", "dtype", "fp", "content"})
        self.assertEqual((summary["shape"], summary["dtype"]), ([10], "float64"))
        df = pd.DataFrame({"x": [1, 2], "y": ["a", "b"]})
        self.assertEqual(set(s.summary(df)), {"shape", "columns", "fp", "content"})
        self.assertEqual(set(s.summary(df["x"])), {"len", "dtype", "fp", "content"})
        self.assertEqual(s.summary((1, 2)), {"len": 2, "content": fp((1, 2))[0], "items": [["[0]", "1", 1], ["[1]", "2", 2]]})
        self.assertEqual(set(s.summary("x" * 300)), {"content"})
        self.assertIsNone(s.summary(Opaque()))
        self.assertEqual(s.summary([Opaque()]), {"len": 1})

    def test_over_the_budget_keeps_the_sampled_fp_and_says_so(self):
        s = Summaries(REPR_LIMIT, True, fp_budget=1000)
        summary = s.summary(np.arange(1000.0))
        self.assertEqual(set(summary), {"shape", "dtype", "fp", "sampled"})
        self.assertIs(summary["sampled"], True)
        self.assertEqual(s.summary(list(range(1000))), {"len": 1000, "sampled": True})

    def test_secret_entries_are_redacted(self):
        os.environ["NBPROV_TEST_SECRET_VALUE"] = "s3cr3t-value"
        try:
            s = Summaries(REPR_LIMIT, True)
            items = s.summary({"api_key": "abc", "user": "me", "where": "s3cr3t-value"})["items"]
            self.assertEqual(items, [[".api_key", "'<redacted>'", "<redacted>"], [".user", "'me'", "me"],
                                     [".where", "'<redacted>'", "<redacted>"]])
            self.assertEqual(Summaries(REPR_LIMIT, False).summary({"api_key": "abc"})["items"], [[".api_key", "'abc'", "abc"]])
        finally:
            del os.environ["NBPROV_TEST_SECRET_VALUE"]

    def test_an_environment_value_not_named_like_a_secret_is_no_secret(self):
        # $HOME, $PWD, $USER: masked in every output, they would hide paths and names that merely equal them
        os.environ["NBPROV_TEST_PLACE"] = "/some/where/else"
        try:
            items = Summaries(REPR_LIMIT, True).summary({"where": "/some/where/else"})["items"]
            self.assertEqual(items, [[".where", "'/some/where/else'", "/some/where/else"]])
        finally:
            del os.environ["NBPROV_TEST_PLACE"]


if __name__ == "__main__":
    unittest.main()
