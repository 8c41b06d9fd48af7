"""Grid extension: how test RMSE falls with the grid G (KAN arXiv:2404.19756, §2.4 and Fig. 2.3).

Run (from the repository root; a few minutes at the default 200 steps per grid, one core):

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/scaling.py [--steps 200]
        [--grids 3 5 10 20 50 100] [--seeds 0 1 2 3 4] [--pykan-python PATH] [--out docs/scaling.png]

Workload (default): exp(sin(πx) + y²) on [-1, 1]² (``--function exp_sin``), k = 3, 1000
train / 1000 test points (data seed 0); ``--function``/``--width`` run another zoo entry,
e.g. ``--function exp_sin_sum4 --width 4 2 1 1``. For each model seed, ``--steps`` L-BFGS
steps at the first grid;
the seed with the lowest train RMSE there is extended: for each next grid
``model = model.refine(G)`` and ``--steps`` more steps (knots updated during the first 50,
as ``fit`` does by default). Printed per grid: parameter count, train and test RMSE, test /
train, and the test RMSE right after ``refine`` over the one before it (1.00 when refine
keeps the function). Then the least-squares slope of log(test RMSE) vs log(G) over
G = 5, 10, 20, 50 (theory −4 for cubic splines).

pykan's column: when ``kan`` (pykan) imports in this interpreter, or ``--pykan-python``
names one where it does, the same recipe runs there in float64 on the same data (pykan's
own seeds, best of ``--pykan-seeds`` at the first grid) and its RMSEs print side by side.

Measured (seed 2 chosen; README "Scaling"), grid updates on quantiles of p^(1/9) capped at
2p (``knotgrid.density_quantiles``): test RMSE 6.2e-3, 2.9e-4, 1.9e-5, 7.0e-7 at G = 5, 10, 20,
50, test/train ≤ 1.73, refine ratios 1.00, slope −3.93. Before, on pykan's sample quantiles:
7.0e-3, 4.1e-4, 3.3e-5, 3.9e-6, test/train 2.0 at 50, slope −3.26 — the outer edge's input
(sin(πx) + y² after the first layer) is sparse near its top, where equal-count intervals
are several times wider than elsewhere and their h⁴ error dominated at fine grids.
Levenberg–Marquardt from the trained G = 50 model halved that training RMSE but moved the
test RMSE only 3.9e-6 → 3.3e-6: the knots, not L-BFGS, were the limit. float64's rounding
(~1e-16 relative) is far below.

Saves the log-log plot, test RMSE vs parameter count N with an N⁻⁴ reference line, to
``--out`` (docs/scaling.png, shown in the README).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from minikan import KAN
from minikan.data import dataset as zoo_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLOPE_GRIDS = (5, 10, 20, 50)


def data(name="exp_sin"):
    return zoo_dataset(name, 1000, 1000, seed=0)                        # on the zoo entry's ranges


def minikan_run(width, grids, steps, seeds, dataset):
    """Rows of (G, n_params, train, test, test after refine / before) for the best seed."""
    best = None
    for seed in seeds:                                                  # pick at the first grid
        model = KAN(width, grid=grids[0], k=3, seed=seed)
        model.fit(dataset, opt="LBFGS", steps=steps, log=0)
        train = model.evaluate(dataset)["train_rmse"]
        if best is None or train < best[0]:
            best = (train, seed, model)
    _, seed, model = best
    rows = [(grids[0], model.n_params(), *model.evaluate(dataset).values(), float("nan"))]
    for G in grids[1:]:
        before = model.evaluate(dataset)["test_rmse"]
        model = model.refine(G)                                         # on the last fit's inputs
        after = model.evaluate(dataset)["test_rmse"]
        model.fit(dataset, opt="LBFGS", steps=steps, log=0)
        ev = model.evaluate(dataset)
        rows.append((G, model.n_params(), ev["train_rmse"], ev["test_rmse"], after / before))
    return seed, rows


def pykan_run(width, grids, steps, seeds, dataset):
    """The same recipe in pykan (float64, its own seeds); rows as ``minikan_run``'s."""
    import tempfile

    import torch
    from kan import KAN as PyKAN
    torch.set_default_dtype(torch.float64)
    d = {key: torch.tensor(v) for key, v in dataset.items()}

    def rmse(m, part):
        with torch.no_grad():
            return float(torch.sqrt(torch.mean((m(d[f"{part}_input"]) - d[f"{part}_label"]) ** 2)))

    os.chdir(tempfile.mkdtemp())                                        # pykan writes checkpoints
    os.makedirs("model", exist_ok=True)
    best = None
    for seed in seeds:
        model = PyKAN(width=width, grid=grids[0], k=3, seed=seed, auto_save=False)
        model.fit(d, opt="LBFGS", steps=steps, log=steps + 1)
        if best is None or rmse(model, "train") < best[0]:
            best = (rmse(model, "train"), seed, model)
    _, seed, model = best
    n = lambda m: sum(p.numel() for p in m.parameters() if p.requires_grad)  # noqa: E731
    rows = [(grids[0], n(model), rmse(model, "train"), rmse(model, "test"), float("nan"))]
    for G in grids[1:]:
        before = rmse(model, "test")
        model = model.refine(G)
        after = rmse(model, "test")
        model.fit(d, opt="LBFGS", steps=steps, log=steps + 1)
        rows.append((G, n(model), rmse(model, "train"), rmse(model, "test"), after / before))
    return seed, rows


def pykan_rows(args):
    """pykan's rows, here or through ``--pykan-python``; None when pykan is not available."""
    try:
        import kan  # noqa: F401
        return pykan_run(args.width, args.grids, args.steps, args.pykan_seeds, data(args.function))
    except ImportError:
        pass
    if not args.pykan_python:
        return None
    cmd = [args.pykan_python, os.path.abspath(__file__), "--pykan-only", "--steps", str(args.steps),
           "--function", args.function,
           "--width", *map(str, args.width), "--grids", *map(str, args.grids),
           "--pykan-seeds", *map(str, args.pykan_seeds)]
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(f"pykan run failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    seed, rows = json.loads(out.stdout.strip().splitlines()[-1])
    return seed, [tuple(r) for r in rows]


def slope(rows, grids=SLOPE_GRIDS):
    """Least-squares slope of log(test RMSE) vs log(G) over the given grids."""
    pts = [(np.log(r[0]), np.log(r[3])) for r in rows if r[0] in grids]
    if len(pts) < 2:
        return float("nan")
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def plot(results, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    for (name, rows), color in zip(results.items(), ("C0", "C1")):
        N = np.array([r[1] for r in rows], dtype=float)
        ax.loglog(N, [r[3] for r in rows], "o-", color=color, label=f"{name} test")
        ax.loglog(N, [r[2] for r in rows], "x:", color=color, alpha=0.6, label=f"{name} train")
    rows = next(iter(results.values()))
    N = np.array([rows[1][1], rows[-1][1]], dtype=float)                # anchored at the 2nd grid
    ax.loglog(N, rows[1][3] * (N / N[0]) ** -4.0, "k--", label=r"$N^{-4}$")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())   # only 10^k labels
    ax.set_xlabel("number of parameters N")
    ax.set_ylabel("RMSE")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--grids", type=int, nargs="+", default=[3, 5, 10, 20, 50, 100])
    parser.add_argument("--function", default="exp_sin", help="a name in minikan.data.FUNCTIONS")
    parser.add_argument("--width", type=int, nargs="+", default=[2, 1, 1])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--pykan-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--pykan-python", default=None, help="an interpreter where pykan imports")
    parser.add_argument("--pykan-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "scaling.png"))
    args = parser.parse_args()
    if args.pykan_only:                                                 # the child process
        print(json.dumps(pykan_run(args.width, args.grids, args.steps, args.pykan_seeds, data(args.function))))
        return
    t0 = time.perf_counter()
    seed, rows = minikan_run(args.width, args.grids, args.steps, args.seeds, data(args.function))
    py = pykan_rows(args)
    print(f"grid extension, {args.function}, {args.width}, {args.steps} L-BFGS steps per grid, 1000 train / 1000 "
          f"test points; minikan seed {seed}" + (f", pykan seed {py[0]}" if py else "")
          + f" (best train RMSE at G = {args.grids[0]})")
    head = f"{'G':>5}{'params':>8}{'train':>10}{'test':>10}{'test/train':>11}{'refine':>8}"
    print(head + ("   |  pykan" + head[5:] if py else ""))
    for i, r in enumerate(rows):
        line = f"{r[0]:5d}{r[1]:8d}{r[2]:10.2e}{r[3]:10.2e}{r[3] / r[2]:11.2f}{r[4]:8.2f}"
        if py:
            p = py[1][i]
            line += f"   |  {p[1]:8d}{p[2]:10.2e}{p[3]:10.2e}{p[3] / p[2]:11.2f}{p[4]:8.2f}"
        print(line)
    grids = ", ".join(map(str, SLOPE_GRIDS))
    print(f"slope of log(test RMSE) vs log(G) over G = {grids} (theory -4): minikan {slope(rows):.2f}"
          + (f", pykan {slope(py[1]):.2f}" if py else ""))
    results = {"minikan": rows, **({"pykan 0.2.8": py[1]} if py else {})}
    plot(results, args.out, f"grid extension, {args.function}, {args.width}, k = 3")
    print(f"saved {os.path.relpath(args.out)}  ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
