"""The sparsity weight of ``minikan fit --prune --symbolic`` on data in real units.

For each formula (one irrelevant column each, inputs far from [-1, 1]) and each --lamb,
runs the command line's pipeline (``minikan/cli/commands.py``'s ``_pipeline``) over seeds
and counts a run as recovered when the formula names exactly the relevant columns and its
test RMSE is below 1e-3 of the target's standard deviation.

    OMP_NUM_THREADS=1 python benchmarks/cli_lamb.py [--seeds 5] [--lambs 1e-2,3e-3,1e-3] [--refine 10,20]
"""
import argparse
import contextlib
import io
import time

import numpy as np

from minikan import dataset_from_arrays, formula_rmse
from minikan.cli import build_parser, commands

FORMULAS = {
    # name: (f, {column: range}, relevant columns)
    "3sin(x/10)+z/2": (lambda c: 3 * np.sin(c["x"] / 10) + 0.5 * c["z"],
                       {"x": (0, 60), "w": (-5, 5), "z": (2, 8)}, {"x", "z"}),
    "exp(sin(pi x/10)+(y/5)^2)": (lambda c: np.exp(np.sin(np.pi * c["x"] / 10) + (c["y"] / 5) ** 2),
                                  {"x": (-10, 10), "w": (0, 1), "y": (-5, 5)}, {"x", "y"}),
    "x^2/2-2z": (lambda c: 0.5 * c["x"] ** 2 - 2 * c["z"],
                 {"x": (1, 5), "z": (-3, 0), "w": (100, 200)}, {"x", "z"}),
}


def run(name, lamb, seed, n=400, steps=30, refine="", formulas=FORMULAS, options=()):
    """(recovered, test RMSE / σ_y, formula) of one run of the command line's pipeline on the
    formula ``formulas[name]``; ``options`` are more of the fit command's arguments."""
    f, ranges, relevant = formulas[name]
    rng = np.random.default_rng(seed)
    cols = {c: rng.uniform(lo, hi, n) for c, (lo, hi) in ranges.items()}
    X, y = np.column_stack(list(cols.values())), f(cols)
    names = list(cols)
    data = dataset_from_arrays(X, y, 0.2, seed)
    args = build_parser().parse_args(["fit", "d.csv", "--target", "t", "--prune", "--symbolic", "--out", "m.npz",
                                      "--steps", str(steps), "--log", "0", "--lamb", str(lamb), "--seed", str(seed),
                                      "--refine", refine, *options])
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            model = commands._pipeline(data, args, names, ["t"])
        expr = model.symbolic_formula(snap=commands.SNAP_TOL)[0]
        rmse = formula_rmse(expr, data, names) / y.std()
        ok = {str(s) for s in expr.free_symbols} == relevant and rmse < 1e-3
        return ok, rmse, str(expr)
    except ValueError as err:            # e.g. pruning removed everything
        return False, np.inf, f"error: {str(err)[:50]}"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--lambs", default="1e-2,3e-3,1e-3")
    p.add_argument("--refine", default="", help="the fit command's --refine, e.g. 10,20")
    a = p.parse_args()
    lambs = [float(v) for v in a.lambs.split(",")]
    start = time.perf_counter()
    print(f"{'formula':<28}" + "".join(f"{'lamb=' + format(v, 'g'):>14}" for v in lambs))
    for name in FORMULAS:
        cells = []
        for lamb in lambs:
            results = [run(name, lamb, s, refine=a.refine) for s in range(a.seeds)]
            cells.append(f"{sum(r[0] for r in results)}/{a.seeds}")
        print(f"{name:<28}" + "".join(f"{c:>14}" for c in cells), flush=True)
    print(f"({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
