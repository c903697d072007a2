#!/usr/bin/env python3
# Micro-benchmark of the kernel-side collector (src/capture/collector/) in an in-process
# IPython: each cell is timed with the collector installed (capture "vars", K=3, including
# the transform, the records and the drain) and without it, interleaved, min of N runs.
#
#   /usr/bin/python3 bench/collector_micro.py [reps]
import builtins
import os
import sys
import time

from IPython.core.interactiveshell import InteractiveShell

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "capture"))
from test_collector import install_code  # noqa: E402  (the code string collector.ts sends)

sh = InteractiveShell.instance()


def install(capture="vars"):
    code = install_code({"capture": capture, "loop_budget": 3, "repr_limit": 256, "redact": True})
    sh.run_cell(code, store_history=False, silent=True).raise_error()


def uninstall():
    builtins.__nbprov__.uninstall()


def run(code, drain):
    t = time.perf_counter()
    sh.run_cell(code, store_history=True)
    if drain:
        builtins.__nbprov__.drain()
    return time.perf_counter() - t


def compare(label, setup, code, reps):
    on, off = [], []
    for i in range(reps):
        for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
            sh.reset(new_session=False)
            if mode == "on":
                install()
            sh.run_cell(setup, store_history=True)
            (on if mode == "on" else off).append(run(code, mode == "on"))
            if mode == "on":
                uninstall()
    a, b = min(on), min(off)
    print("%-34s with %9.3f ms  without %9.3f ms  ratio %.3f  (+%.3f ms)" % (label, a * 1e3, b * 1e3, a / b, (a - b) * 1e3))
    return a, b


def main():
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    compare("C1 1e6 loop total += i % 7", "total = 0", "for i in range(10**6):\n    total += i % 7", reps)
    compare("C5 notebook fn, 300k calls", "c = 3\ndef f(x):\n    return x * c\ns = 0",
            "for i in range(300000):\n    s += f(i)", reps)
    compare("C6 nested loops 1000x300", "acc = 0",
            "for i in range(1000):\n    for j in range(300):\n        acc += i ^ j", reps)
    compare("C7 while 1e6", "n = 0", "while n < 10**6:\n    n += 1", reps)
    compare("small cell (3 assignments)", "a = 1\nb = [1, 2]",
            "c = a + 1\nd = b + [c]\ne = {'k': d}", reps * 5)
    compare("small cell with a 10-iter loop", "a = 1",
            "t = 0\nfor i in range(10):\n    t += i * a", reps * 5)
    # 1 GB array: allocation outside the timed cell, then assignment / alias of it
    import numpy as np
    sh.reset(new_session=False)
    install()
    sh.user_ns["np"] = np
    sh.run_cell("big = np.ones(125_000_000)")
    builtins.__nbprov__.drain()
    t = min(run("big2 = big", True) for _ in range(20))
    uninstall()
    t0 = min(run("big2 = big", False) for _ in range(20))
    arr = sh.user_ns["big"]
    install()
    d = builtins.__nbprov__.summaries.describe
    best = 1e9
    for _ in range(20):
        s = time.perf_counter()
        d("big", arr)
        best = min(best, time.perf_counter() - s)
    uninstall()
    print("1 GB ndarray: alias cell %.3f ms with, %.3f ms without; summary+repr of the array %.1f us" % (t * 1e3, t0 * 1e3, best * 1e6))


if __name__ == "__main__":
    main()
