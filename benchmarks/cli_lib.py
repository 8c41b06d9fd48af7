"""The function library of ``minikan fit --prune --symbolic``: which default finds users' formulas.

A user's CSV holds a formula nobody chose the library for. For each formula (in real units,
one irrelevant column each) and each candidate library, runs the command line's pipeline with
its defaults otherwise (1000 rows, --steps 50, --lamb 0.01, --refine 10,20) over seeds and
counts a run as recovered as ``cli_lamb.py`` does: the formula names exactly the relevant
columns and its test RMSE is below 1e-3 of the target's standard deviation.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/cli_lib.py [--seeds 3] [--workers 2] [--products]

Measured (seeds 0–2, 516 s with two workers; recovered of 3 per formula, demo / general / all):
the three formulas of cli_lamb.py and 2 sin x + cos y 3 / 3 / 3 each; m1·m2/r², v·e^(−t/5),
√(x² + y²), 10/(1 + u) + v 0 / 3 / 3 each (the demo's six functions have no log, sqrt or 1/x;
the other two libraries give the exact formulas; 10/(1 + u) came out as 8.57/(6u/7 + 6/7),
8.68/(0.868u + 0.868) and 320/(32u + 32) until the snapping took a reciprocal's scale out,
and is now 10/(u + 1) on all three seeds); a·e^(−b²) 0 / 0 / 0 (a product with a factor
crossing zero: sums of sines over several hidden nodes). In all 12 / 27, 24 / 27, 24 / 27:
the command line's default became ``GENERAL_LIB`` (``minikan.symbolic.library``), the
smaller of the two.
``--products`` (132 s): recovered with the default width d,2d+1,1 / with d,0+1,1: p·q 1 / 2
(p·q exactly), a·e^(−b²) 0 / 1 (93.9·e^(−b²)·tanh(0.0107·a + 0.001) − e^(−b²)/10, a tanh of a
tiny argument standing in for a line; a·exp(−b²) exactly since ``discover`` ends with
``simplify_symbolic``), x·sin y on [1, 3] × [0, 3] 0 / 0; 1 / 9 against 3 / 9.
The misses with the multiplication node leave an edge a spline after pruning (6 of them).
"""
import argparse
import time
from multiprocessing import Pool

import numpy as np
from cli_lamb import FORMULAS as LAMB_FORMULAS
from cli_lamb import run

from minikan.cli.demo import DEMO_LIB
from minikan.symbolic.library import GENERAL_LIB, LIBRARY

FORMULAS = {
    **LAMB_FORMULAS,
    "m1*m2/r^2": (lambda c: c["m1"] * c["m2"] / c["r"] ** 2,
                  {"m1": (1, 3), "m2": (1, 3), "w": (0, 10), "r": (1, 3)}, {"m1", "m2", "r"}),
    "v*exp(-t/5)": (lambda c: c["v"] * np.exp(-c["t"] / 5),
                    {"v": (1, 3), "w": (-1, 1), "t": (0, 10)}, {"v", "t"}),
    "sqrt(x^2+y^2)": (lambda c: np.sqrt(c["x"] ** 2 + c["y"] ** 2),
                      {"x": (1, 4), "y": (1, 4), "w": (0, 1)}, {"x", "y"}),
    "10/(1+u)+v": (lambda c: 10 / (1 + c["u"]) + c["v"],
                   {"u": (0, 5), "w": (0, 1), "v": (-2, 2)}, {"u", "v"}),
    "2sin(x)+cos(y)": (lambda c: 2 * np.sin(c["x"]) + np.cos(c["y"]),
                       {"x": (0, 6), "y": (0, 6), "w": (-1, 1)}, {"x", "y"}),
    "a*exp(-b^2)": (lambda c: c["a"] * np.exp(-c["b"] ** 2),
                    {"a": (-2, 2), "w": (0, 1), "b": (-2, 2)}, {"a", "b"}),
}
LIBS = {"demo": DEMO_LIB, "general": GENERAL_LIB, "all": list(LIBRARY)}
# --products: products, with the default width d,2d+1,1 (sums only) against d,0+1,1 (one
# multiplication node of KAN 2.0), both with GENERAL_LIB.
PRODUCTS = {
    "p*q": (lambda c: c["p"] * c["q"], {"p": (-1, 1), "w": (0, 1), "q": (-1, 1)}, {"p", "q"}),
    "a*exp(-b^2)": FORMULAS["a*exp(-b^2)"],
    "x*sin(y)": (lambda c: c["x"] * np.sin(c["y"]), {"x": (1, 3), "w": (0, 1), "y": (0, 3)}, {"x", "y"}),
}
WIDTHS = {"d,2d+1,1": [], "d,0+1,1": ["--width", "3,0+1,1"]}


def one(job):
    name, lib, seed = job
    formulas, options = (PRODUCTS, WIDTHS[lib]) if lib in WIDTHS else (FORMULAS, [])
    ok, rmse, expr = run(name, 0.01, seed, n=1000, steps=50, refine="10,20", formulas=formulas,
                         options=["--lib", ",".join(LIBS.get(lib, GENERAL_LIB)), *options])
    return name, lib, seed, ok, rmse, expr


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--products", action="store_true", help="products, sum-only width against one multiplication node")
    a = p.parse_args()
    start = time.perf_counter()
    formulas, columns = (PRODUCTS, WIDTHS) if a.products else (FORMULAS, LIBS)
    jobs = [(name, lib, s) for name in formulas for lib in columns for s in range(a.seeds)]
    with Pool(a.workers) as pool:
        results = pool.map(one, jobs, chunksize=1)
    for name, lib, seed, ok, rmse, expr in results:
        print(f"  {name:<16} {lib:<10} seed {seed}: {'ok ' if ok else 'MISS'} {rmse:9.2e}  {expr[:110]}")
    print(f"\n{'formula':<28}" + "".join(f"{lib:>12}" for lib in columns))
    total = dict.fromkeys(columns, 0)
    for name in formulas:
        cells = []
        for lib in columns:
            n_ok = sum(r[3] for r in results if r[0] == name and r[1] == lib)
            total[lib] += n_ok
            cells.append(f"{n_ok}/{a.seeds}")
        print(f"{name:<28}" + "".join(f"{c:>12}" for c in cells))
    print(f"{'recovered':<28}" + "".join(f"{total[lib]}/{a.seeds * len(formulas):>4}".rjust(12) for lib in columns))
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
