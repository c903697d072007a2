#!/usr/bin/env python3
# Cost of the content fingerprint (src/capture/collector/content.py) on the values issue #12 names, min of N:
# a 100 MB DataFrame (contiguous columns, and a frame made from a 2-D array, whose columns are strided), a
# 1 GiB array (over the budget: sampled), a million-float list and small values (microseconds).
#
#   /usr/bin/python3 bench/fingerprint.py [reps]
import os
import sys
import time

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "capture"))
from collector.content import FP_BUDGET, fingerprint  # noqa: E402

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 5
rng = np.random.default_rng(0)
grid = rng.random((1_250_000, 10))
values = [
    ("100 MB DataFrame, 10 float64 columns", pd.DataFrame({"c%d" % i: grid[:, i].copy() for i in range(10)})),
    ("100 MB DataFrame from a 2-D array", pd.DataFrame(grid)),
    ("100 MB DataFrame, 8 float + 2 str cols", pd.DataFrame({**{"c%d" % i: grid[:, i].copy() for i in range(8)},
                                                            "s": ["r%d" % (i % 1000) for i in range(1_250_000)],
                                                            "t": ["x"] * 1_250_000})),
    ("1 GiB float64 array (sampled)", np.ones(1 << 27)),
    ("1 GiB DataFrame (sampled)", pd.DataFrame(np.zeros((1 << 24, 8)))),
    ("list of 10^6 floats", grid[:, 0].tolist()),
    ("dict of 5 scalars (sklearn params)", {"n_estimators": 500, "max_leaf_nodes": 4, "max_depth": None,
                                            "random_state": 2, "min_samples_split": 5}),
    ("tuple of 11 ints", tuple(range(11))),
]
print("content fingerprint, min of %d, budget %d MiB" % (reps, FP_BUDGET >> 20))
for label, x in values:
    best, result = float("inf"), None
    for _ in range(reps):
        start = time.perf_counter()
        result = fingerprint(x, FP_BUDGET, np, pd)
        best = min(best, time.perf_counter() - start)
    how = "sampled" if result[1] else "whole" if result[0] else "no fingerprint"
    took = "%.1f ms" % (best * 1e3) if best >= 1e-3 else "%.1f µs" % (best * 1e6)
    print("%-42s %10s  %s" % (label, took, how))
