"""Grid extension: how test RMSE falls with the grid G (KAN arXiv:2404.19756, §2.4 and Fig. 2.3).

Run (from the repository root; takes minutes at the default 200 steps per grid):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
        PYTHONPATH=. python benchmarks/scaling.py [--steps 200] [--grids 3 5 10 20 50 100 200]

Measured: exp(sin(πx) + y²), widths [2,1,1] and [2,5,1], k = 3, 1000 train / 1000 test points
(``create_dataset`` defaults, seed 0). Train ``--steps`` L-BFGS steps at G = 3, then for each
next grid ``model = model.refine(G)`` and train again. Prints train and test RMSE and the
parameter count (``model.n_params()``) per grid, and the slope α of log(test RMSE) vs log(G)
(least squares) over G = 3, 10, 20 and over the grids up to the lowest test RMSE (the part
where it still falls); theory for k = 3 is α = −4 (the bar: at least as steep as −3).
A test RMSE well above the train RMSE at the finest grids means the spline has more
coefficients than the 1000 samples can pin down (overfitting). Saves a log-log plot,
test RMSE vs parameter count N with an N⁻⁴ reference line, to benchmarks/out/scaling.png.
"""
import argparse
import os
import time

import numpy as np

from minikan import KAN, create_dataset
from minikan.data import FUNCTIONS

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out")


def run(width, grids, steps, dataset):
    """One grid-extension run; rows of (G, n_params, train RMSE, test RMSE, seconds)."""
    rows = []
    model = KAN(width, grid=grids[0], k=3, seed=0)
    for G in grids:
        t0 = time.perf_counter()
        if G != model.grid:
            model = model.refine(G)                                      # on the last fit's inputs
        model.fit(dataset, opt="LBFGS", steps=steps, log=0)
        ev = model.evaluate(dataset)
        rows.append((G, model.n_params(), ev["train_rmse"], ev["test_rmse"], time.perf_counter() - t0))
        print(f"{str(width):10}{G:6d}{rows[-1][1]:9d}{ev['train_rmse']:12.2e}{ev['test_rmse']:12.2e}"
              f"{rows[-1][4]:9.1f}", flush=True)
    return rows


def slope(rows, grids):
    """Least-squares slope of log(test RMSE) vs log(G) over the given grids."""
    pts = [(np.log(G), np.log(test)) for G, _, _, test, _ in rows if G in grids]
    if len(pts) < 2:
        return float("nan")
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def falling_part(rows):
    """The grids up to (and including) the lowest test RMSE."""
    best = int(np.argmin([r[3] for r in rows]))
    return [r[0] for r in rows[:best + 1]]


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for width, rows in results.items():
        N = np.array([r[1] for r in rows])
        ax.loglog(N, [r[3] for r in rows], "o-", label=f"{width} test")
        ax.loglog(N, [r[2] for r in rows], "x:", alpha=0.6, label=f"{width} train")
    rows = next(iter(results.values()))
    N0, e0 = rows[0][1], rows[0][3]
    N = np.array([N0, rows[-1][1]], dtype=float)
    ax.loglog(N, e0 * (N / N0) ** -4.0, "k--", label=r"$N^{-4}$")
    ax.set_xlabel("number of parameters N")
    ax.set_ylabel("RMSE")
    ax.set_title(r"grid extension, $\exp(\sin(\pi x) + y^2)$, k = 3")
    ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fig.savefig(path, dpi=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--grids", type=int, nargs="+", default=[3, 5, 10, 20, 50, 100, 200])
    parser.add_argument("--widths", default="2,1,1;2,5,1", help="';'-separated widths")
    args = parser.parse_args()
    dataset = create_dataset(FUNCTIONS["exp_sin"].f, n_var=2, seed=0)    # 1000 train, 1000 test
    widths = [[int(n) for n in w.split(",")] for w in args.widths.split(";")]
    print(f"grid extension, {args.steps} L-BFGS steps per grid, 1000 train / 1000 test points")
    print(f"{'width':10}{'G':>6}{'params':>9}{'train RMSE':>12}{'test RMSE':>12}{'seconds':>9}")
    results = {str(w): run(w, args.grids, args.steps, dataset) for w in widths}
    print("slope of log(test RMSE) vs log(G) (theory -4, bar <= -3):")
    for width, rows in results.items():
        fall = falling_part(rows)
        print(f"  {width:10} over G = 3, 10, 20: {slope(rows, (3, 10, 20)):6.2f};  "
              f"over G = {fall[0]}..{fall[-1]} (still falling): {slope(rows, fall):6.2f}")
        G, _, train, test, _ = rows[-1]
        print(f"  {'':10} at G = {G}: test / train RMSE = {test / train:.2f}"
              f"{'  (overfits)' if test > 2 * train else ''}")
    path = os.path.join(OUT, "scaling.png")
    plot(results, path)
    print(f"saved {os.path.relpath(path)}")


if __name__ == "__main__":
    main()
