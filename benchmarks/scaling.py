"""Grid extension: how test RMSE falls with the grid G (KAN arXiv:2404.19756, §2.4 and Fig. 2.3).

Run (from the repository root; a few minutes at the default 200 steps per grid, one core):

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/scaling.py [--steps 200]
        [--grids 3 5 10 20 50 100] [--seeds 0 1 2 3 4] [--train-num 1000] [--pykan-python PATH]
        [--out docs/scaling.png]

Workload (default): exp(sin(πx) + y²) on [-1, 1]² (``--function exp_sin``), k = 3, 1000
train / 1000 test points (data seed 0); ``--function``/``--width`` run another zoo entry,
e.g. ``--function exp_sin_sum4 --width 4 2 1 1``. For each model seed, ``--steps`` L-BFGS
steps at the first grid;
the seed with the lowest train RMSE there is extended: for each next grid
``model = model.refine(G)`` and ``--steps`` more steps (knots updated during the first 50,
as ``fit`` does by default). Printed per grid: parameter count, train and test RMSE, test /
train, the test RMSE right after ``refine`` over the one before it (1.00 when refine
keeps the function), and "inside": the test RMSE on the test points whose input to every
layer lies within the training samples' range there, its ratio to train, and how many test
points are left out. Then the least-squares slope of log(test RMSE) vs log(G) over
G = 5, 10, 20, 50 (theory −4 for cubic splines). ``--function feynman_I6_2 --width 2 2 1 1``:
Feynman I.6.2 on [1, 5]² (``EXTRA``).

pykan's column: when ``kan`` (pykan) imports in this interpreter, or ``--pykan-python``
names one where it does, the same recipe runs there in float64 on the same data (pykan's
own seeds, best of ``--pykan-seeds`` at the first grid) and its RMSEs print side by side.

Measured (seed 2 chosen; README "Scaling"), grid updates on quantiles of p^(1/9) capped at
4p (``knotgrid.density_quantiles``), refine keeping every old knot: test RMSE 5.9e-3, 2.6e-4,
1.6e-5, 5.6e-7, 1.3e-7 at G = 5, 10, 20, 50, 100, test/train ≤ 1.68 up to 50 (5.6 at 100: 10
samples per interval), refine ratios 1.00, slope −4.01; pykan 0.2.8 (its seed 1): 6.8e-3,
4.1e-4, 3.6e-5, 1.3e-4, 1.0e-3, test/train 68 at 50, refine up to 2.01, slope −1.79.
``--every-seed``: seeds 0, 2, 4 slopes −3.96, −4.01, −3.75 (G = 50: 6.6e-7 … 1.1e-6, test/train
≤ 2.21); seeds 1 and 3 end G = 3 in a local minimum (train RMSE 0.65).
Deeper models, G = 3 → 50 (test RMSE at 50, test/train, inside/train, slope): arctan
[2,1,1,1] 6.7e-8, 2.00, 1.18, −3.10 (seed 2; ``--every-seed``: seeds 0, 1, 4 reach 5.2e-8 …
8.7e-8, test/train ≤ 2.62, slopes −3.05 … −3.17, inside −3.19 … −3.41; before least squares
by the normal equations, a rounding change: seed 2 4.8e-7, 4.16, 1.19, −2.30); on 4000 training points
(``--train-num 4000``) 3.9e-8, 1.05, 1.05, −3.31; Feynman I.6.2 [2,2,1,1] 2.4e-6, 2.76, 2.14,
−1.09 (train RMSE falls only 1.5× from G = 20 to 50: the hidden node is not an exact function
of f); distance [4,2,1,1] 1.3e-3, 3.16, 2.60, −0.49 (not smooth at r = 0); exp_sin_sum4
[4,2,1,1] 0.44, 4.33, 4.33, +0.09 (every seed misses the structure at G = 3); pykan on arctan
(an earlier run): 4.9e-2, 3600, +2.67.
What holds arctan's slope back: on seed 0 (G = 50: test 5.85e-8, train 1.97e-8) one test point
of 1000, x = (−0.90, −0.9995), carries 82 % of the squared error (1.7e-6, 9× the next). Its
hidden value −0.2431 lies 0.0135, about one interval, past the smallest training value −0.2296,
so both hidden edges extrapolate there; it is the worst point at every grid (3.7× the next at
G = 10, 5.5× at 20, 9× at 50), an error a finer grid does not shrink as h⁴. Without it the
slope is −3.49 (all points −3.16, train −3.56). A smoothness penalty on the fourth differences
of the coefficients (λ·Σ(Δ⁴c)², tried outside the library from the same G = 20 model, λ = 1e-14,
1e-12, 1e-10) did not help: that point's error went 1.7e-6 → 2.0e-6, 2.2e-6, 1.4e-5. The
"inside" slope (printed after the slope) reads the same grids on the test points inside the
training range at every layer. These chains of 1000 L-BFGS steps move with rounding:
in the previous environment (another build of the same numpy and OpenBLAS versions) the same
code gave the main workload 5.3e-7 and −4.03, arctan's seed 2 4.3e-8, 1.40 and −3.43.
The main workload before, on pykan's sample quantiles: 7.0e-3, 4.1e-4, 3.3e-5, 3.9e-6,
test/train 2.0 at 50, slope −3.26 — the outer edge's input
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
from minikan.data import create_dataset
from minikan.data import dataset as zoo_dataset

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SLOPE_GRIDS = (5, 10, 20, 50)


def feynman_I6_2(x):
    """Feynman I.6.2, exp(-(θ/σ)²/2)/√(2πσ²) (KAN §3.3, Table 2), here with θ, σ on [1, 5]."""
    theta, sigma = x[:, 0], x[:, 1]                                     # (n,), (n,)
    return np.exp(-(theta / sigma) ** 2 / 2) / np.sqrt(2 * np.pi * sigma ** 2)


# Workloads beyond the zoo: name -> (f, n_var, sampling range). [2, 2, 1, 1] represents I.6.2
# exactly with smooth edges: log θ, log σ; then -exp(2(log θ - log σ))/2 - log σ; then exp/√2π.
EXTRA = {"feynman_I6_2": (feynman_I6_2, 2, (1.0, 5.0))}


def data(name="exp_sin", train_num=1000):
    if name in EXTRA:
        f, n_var, box = EXTRA[name]
        return create_dataset(f, n_var, box, train_num, 1000, seed=0)
    return zoo_dataset(name, train_num, 1000, seed=0)                   # on the zoo entry's ranges


def inside_rows(model, dataset):
    """Mask (n_test,) of the test points whose input to every layer lies in the training inputs' range."""
    train = model.layer_inputs(dataset["train_input"])                  # per layer (n_train, in_l)
    test = model.layer_inputs(dataset["test_input"])                    # per layer (n_test, in_l)
    return np.all([((b >= a.min(0)) & (b <= a.max(0))).all(1) for a, b in zip(train, test)], axis=0)


def evaluate(model, dataset):
    """train, test RMSE, test RMSE on the test points ``inside_rows`` keeps, and how many it drops."""
    ev, inside = model.evaluate(dataset), inside_rows(model, dataset)
    err = model(dataset["test_input"][inside]) - dataset["test_label"][inside]   # (n_inside, out)
    return ev["train_rmse"], ev["test_rmse"], float(np.sqrt(np.mean(err ** 2))), int((~inside).sum())


def minikan_run(width, grids, steps, seeds, dataset):
    """Rows of (G, n_params, train, test, test after refine / before, test inside, n outside)."""
    best = None
    for seed in seeds:                                                  # pick at the first grid
        model = KAN(width, grid=grids[0], k=3, seed=seed)
        model.fit(dataset, opt="LBFGS", steps=steps, log=0)
        train = model.evaluate(dataset)["train_rmse"]
        if best is None or train < best[0]:
            best = (train, seed, model)
    _, seed, model = best
    train, test, inside, n_out = evaluate(model, dataset)
    rows = [(grids[0], model.n_params(), train, test, float("nan"), inside, n_out)]
    for G in grids[1:]:
        before = model.evaluate(dataset)["test_rmse"]
        model = model.refine(G)                                         # on the last fit's inputs
        after = model.evaluate(dataset)["test_rmse"]
        model.fit(dataset, opt="LBFGS", steps=steps, log=0)
        train, test, inside, n_out = evaluate(model, dataset)
        rows.append((G, model.n_params(), train, test, after / before, inside, n_out))
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
    """pykan's rows, here or through ``--pykan-python``; None when pykan is not available.

    With ``--pykan-json PATH`` the rows are read from PATH when it holds a run with the same
    settings, and written there after a fresh run (pykan's side takes ~12 min on one core).
    """
    settings = {key: getattr(args, key) for key in ("function", "width", "grids", "steps", "pykan_seeds", "train_num")}
    if args.pykan_json and os.path.exists(args.pykan_json):
        with open(args.pykan_json) as fh:
            saved = json.load(fh)
        if saved["settings"] == settings:
            return saved["seed"], [tuple(r) for r in saved["rows"]]
        print(f"{args.pykan_json} holds other settings; running pykan again", file=sys.stderr)
    result = pykan_fresh(args)
    if result and args.pykan_json:
        with open(args.pykan_json, "w") as fh:
            json.dump({"settings": settings, "seed": result[0], "rows": result[1]}, fh)
    return result


def pykan_fresh(args):
    """pykan's rows from a new run, in this interpreter or in ``--pykan-python``."""
    try:
        import kan  # noqa: F401
        return pykan_run(args.width, args.grids, args.steps, args.pykan_seeds, data(args.function, args.train_num))
    except ImportError:
        pass
    if not args.pykan_python:
        return None
    cmd = [args.pykan_python, os.path.abspath(__file__), "--pykan-only", "--steps", str(args.steps),
           "--function", args.function, "--train-num", str(args.train_num),
           "--width", *map(str, args.width), "--grids", *map(str, args.grids),
           "--pykan-seeds", *map(str, args.pykan_seeds)]
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        print(f"pykan run failed:\n{out.stderr[-2000:]}", file=sys.stderr)
        return None
    seed, rows = json.loads(out.stdout.strip().splitlines()[-1])
    return seed, [tuple(r) for r in rows]


def slope(rows, grids=SLOPE_GRIDS, column=3):
    """Least-squares slope of log(test RMSE) vs log(G) over the given grids; ``column`` 5:
    of the test RMSE on the points inside the training range at every layer."""
    pts = [(np.log(r[0]), np.log(r[column])) for r in rows if r[0] in grids]
    if len(pts) < 2:
        return float("nan")
    x, y = np.array(pts).T
    return float(np.polyfit(x, y, 1)[0])


def plot(results, path, title):
    """Test (solid) and train (dotted) RMSE against N, each point labelled with its G, and N⁻⁴."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    for (name, rows), color in zip(results.items(), ("C0", "C1")):
        N = np.array([r[1] for r in rows], dtype=float)
        ax.loglog(N, [r[3] for r in rows], "o-", color=color, label=f"{name} test")
        ax.loglog(N, [r[2] for r in rows], "x:", color=color, alpha=0.7, label=f"{name} train")
    rows = next(iter(results.values()))
    N = np.array([rows[1][1], rows[-1][1]], dtype=float)                # anchored at the 2nd grid
    ax.loglog(N, rows[1][3] * (N / N[0]) ** -4.0, "k--", lw=1.0, label=r"$N^{-4}$ (from G = %d)" % rows[1][0])
    ticks = [r[1] for r in rows]                                        # minikan's N, labelled N and G
    ax.set_xticks(ticks, [f"{n}\nG={r[0]}" for n, r in zip(ticks, rows)], fontsize=7)
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.grid(True, which="major", alpha=0.3)
    ax.set_xlabel("number of parameters N (grid G)")
    ax.set_ylabel("RMSE")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def every_seed(args):
    """The recipe from each seed on its own (no choice at the first grid), one line per seed:
    how much a result owes to the seed, and to rounding (which seed wins at G = 3, and the
    digits past the second of a 1000-step chain, move with the BLAS build)."""
    dataset = data(args.function, args.train_num)
    print(f"grid extension, {args.function}, {args.width}, {args.steps} L-BFGS steps per grid, "
          f"{args.train_num} train / 1000 test points, every seed")
    print(f"{'seed':>5}{'train G=' + str(args.grids[0]):>12}{'test G=' + str(args.grids[-1]):>12}"
          f"{'max test/train':>16}{'worst refine':>14}{'slope':>8}{'inside':>8}")
    for s in args.seeds:
        _, rows = minikan_run(args.width, args.grids, args.steps, [s], dataset)
        print(f"{s:5d}{rows[0][2]:12.2e}{rows[-1][3]:12.2e}{max(r[3] / r[2] for r in rows):16.2f}"
              f"{max(r[4] for r in rows[1:]):14.2f}{slope(rows):8.2f}{slope(rows, column=5):8.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--grids", type=int, nargs="+", default=[3, 5, 10, 20, 50, 100])
    parser.add_argument("--function", default="exp_sin", help="a name in minikan.data.FUNCTIONS or feynman_I6_2")
    parser.add_argument("--width", type=int, nargs="+", default=[2, 1, 1])
    parser.add_argument("--train-num", type=int, default=1000, help="training points (test: always 1000)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--pykan-seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--pykan-python", default=None, help="an interpreter where pykan imports")
    parser.add_argument("--pykan-json", default=None, help="read pykan's rows from / save them to this file")
    parser.add_argument("--pykan-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "scaling.png"))
    parser.add_argument("--every-seed", action="store_true",
                        help="run the recipe from each seed in --seeds and print one summary line per seed")
    args = parser.parse_args()
    if args.pykan_only:                                                 # the child process
        dataset = data(args.function, args.train_num)
        print(json.dumps(pykan_run(args.width, args.grids, args.steps, args.pykan_seeds, dataset)))
        return
    if args.every_seed:
        every_seed(args)
        return
    t0 = time.perf_counter()
    seed, rows = minikan_run(args.width, args.grids, args.steps, args.seeds, data(args.function, args.train_num))
    py = pykan_rows(args)
    print(f"grid extension, {args.function}, {args.width}, {args.steps} L-BFGS steps per grid, "
          f"{args.train_num} train / 1000 test points; minikan seed {seed}" + (f", pykan seed {py[0]}" if py else "")
          + f" (best train RMSE at G = {args.grids[0]})")
    head = f"{'G':>5}{'params':>8}{'train':>10}{'test':>10}{'test/train':>11}{'refine':>8}"
    print(head + f"{'inside':>10}{'/train':>7}{'out':>4}" + ("   |  pykan" + head[5:] if py else ""))
    for i, r in enumerate(rows):
        line = (f"{r[0]:5d}{r[1]:8d}{r[2]:10.2e}{r[3]:10.2e}{r[3] / r[2]:11.2f}{r[4]:8.2f}"
                f"{r[5]:10.2e}{r[5] / r[2]:7.2f}{r[6]:4d}")
        if py:
            p = py[1][i]
            line += f"   |  {p[1]:8d}{p[2]:10.2e}{p[3]:10.2e}{p[3] / p[2]:11.2f}{p[4]:8.2f}"
        print(line)
    grids = ", ".join(map(str, SLOPE_GRIDS))
    print(f"slope of log(test RMSE) vs log(G) over G = {grids} (theory -4): minikan {slope(rows):.2f}"
          + (f", pykan {slope(py[1]):.2f}" if py else "")
          + f"; minikan on the test points inside the training range {slope(rows, column=5):.2f}")
    results = {"minikan": rows, **({"pykan 0.2.8": py[1]} if py else {})}
    plot(results, args.out, f"grid extension, {args.function}, {args.width}, k = 3")
    print(f"saved {os.path.relpath(args.out)}  ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
