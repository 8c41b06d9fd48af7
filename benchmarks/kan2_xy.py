"""x·y with and without a multiplication node: test RMSE against parameter count (KAN 2.0 §2.2).

Run (from the repository root; about a minute):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
        PYTHONPATH=. python benchmarks/kan2_xy.py [--seeds 5] [--steps 50]

f(x1, x2) = x1·x2 on [-1, 1]², 1000 train / 1000 test points (seed 0). For each model seed:
- "mult": [2, [0, 1], 1], one multiplication node, splines only, G = 5 then refined to 10;
- "mult + symbolic": the same model trained with sparsity (lamb = 0.01), pruned by
  attribution to one input per factor, auto_symbolic (x, x, x) and fine-tuned;
- "sum": plain [2, 5, 1] (the product learned through squares), G = 5, 10, 20.
Each stage trains ``--steps`` L-BFGS steps. The bar (KAN 2.0 issue): the multiplication node
fits x·y to test RMSE < 1e-4, and the sum-only KAN needs more parameters for the same error.

``--products``: [2, [0, 1], 1] (G = 5, then 10) on more products, seeds 0–4, with fit's
grid updates ("waiting": the layer after the multiplication node skips the first update,
``nodes.grid_update_layers``) and with every layer updated from step 0 (the old schedule).
Measured, test RMSE at G = 10 per seed 0–4 (seeds below 1e-3), with the current grid
updates (knots by density quantiles; widen-only hidden grids during sparsity fits):

    x·sin(πy)       step 0   6.5e-5 9.6e-2 7.6e-2 1.2e-1 9.5e-2 (1)   waiting  6.5e-5 … 6.6e-5 (5)
    x·y             step 0   7.5e-7 8.9e-7 5.2e-4 9.4e-7 2.8e-3 (4)   waiting  5.8e-7 … 7.4e-7 (5)
    sin(πx)sin(πy)  step 0   8.4e-2 … 1.8e-1                  (0)   waiting  1.0e-1 1.0e-4 1.0e-4 1.0e-4 7.0e-2 (3)
    x·e^y           step 0   2.2e-3 3.6e-1 1.9e-1 2.7e-4 3.1e-1 (1)   waiting  7.2e-6 6.4e-4 8.9e-6 2.9e-6 2.7e-5 (5)
    x·y on [0, 2]²  step 0   8.0e-5 2.8e-1 3.3e-3 5.1e-4 2.3e-2 (2)   waiting  8.2e-4 1.6e-3 4.3e-3 4.1e-4 4.7e-3 (2)
    cos(2x)(1+y²)   step 0   4.6e-3 4.8e-2 5.2e-2 4.8e-2 2.6e-1 (0)   waiting  4.2e-3 4.7e-2 4.6e-2 4.9e-2 7.3e-5 (1)

(Measured with ``knotgrid.MIN_SHARE`` = 0.25 and refine keeping the extension knots; the
table before those changes differed by at most one seed per row.)
(Before those grid updates: x·sin(πy) waiting 9.6e-5 … 9.7e-5 (5), sin(πx)sin(πy) 3, x·e^y 4.)
Without --products, seeds 0–2 (x·y): [2, [0, 1], 1] at G = 10 5.8e-7 … 7.3e-7; "mult +
symbolic" 4.1e-6 (seed 0, two inputs kept on one factor), 6.9e-17, 6.2e-17 (seed 2 keeps five
edges, each fixed to x; before the cap at a quarter and refine keeping the extension knots,
auto_symbolic left those five as splines, 1.7e-1); the sum-only [2, 5, 1] 2.4e-5 … 4.1e-5 at G = 20 with 375
parameters.
"""
import argparse
import time

import numpy as np

from minikan import KAN, create_dataset, nodes

PRODUCTS = {
    "x*sin(pi*y)": (lambda x: x[:, 0] * np.sin(np.pi * x[:, 1]), (-1, 1)),
    "x*y": (lambda x: x[:, 0] * x[:, 1], (-1, 1)),
    "sin(pi*x)*sin(pi*y)": (lambda x: np.sin(np.pi * x[:, 0]) * np.sin(np.pi * x[:, 1]), (-1, 1)),
    "x*exp(y)": (lambda x: x[:, 0] * np.exp(x[:, 1]), (-1, 1)),
    "x*y on [0, 2]": (lambda x: x[:, 0] * x[:, 1], (0, 2)),
    "cos(2x)*(1+y^2)": (lambda x: np.cos(2 * x[:, 0]) * (1 + x[:, 1] ** 2), (-1, 1)),
}


def grid_run(width, grids, steps, data, seed):
    """Train on grids[0], then refine to each next grid; rows (label, params, test RMSE)."""
    rows, model = [], KAN(width, grid=grids[0], k=3, seed=seed)
    for G in grids:
        if G != model.grid:
            model = model.refine(G)
        model.fit(data, steps=steps, log=0)
        rows.append((f"{width} G={G}", model.n_params(), model.evaluate(data)["test_rmse"]))
    return rows


def symbolic_run(steps, data, seed):
    model = KAN([2, [0, 1], 1], grid=5, k=3, seed=seed)
    model.fit(data, steps=steps, lamb=0.01, log=0)
    # A product's factors trade scale freely, so |φ|₁ cannot rank them; attribution can.
    model = model.prune(mode="attribution")
    model.fit(data, steps=steps, log=0)
    names = [r[3] for r in model.auto_symbolic(lib=["x", "x^2", "sin", "exp"])]
    model.fit(data, steps=20, update_grid=False, log=0)
    return (f"mult + symbolic {names}", model.n_params(), model.evaluate(data)["test_rmse"])


def product_run(f, ranges, steps, seed, wait):
    """[2, [0, 1], 1] at G = 5 then 10; test RMSE at each. ``wait=False``: update from step 0."""
    data = create_dataset(f, 2, ranges=ranges, train_num=1000, test_num=1000, seed=0)
    original = nodes.grid_update_layers
    if not wait:                                   # the old schedule: every layer, every update
        nodes.grid_update_layers = lambda arities, first: list(range(len(arities) - 1))
    try:
        model, out = KAN([2, [0, 1], 1], grid=5, k=3, seed=seed), []
        for G in (5, 10):
            if G != model.grid:
                model = model.refine(G)
            model.fit(data, steps=steps, log=0)
            out.append(model.evaluate(data)["test_rmse"])
    finally:
        nodes.grid_update_layers = original
    return out


def products(seeds, steps):
    print(f"[2, [0, 1], 1], G = 5 then 10, {steps} L-BFGS steps each: test RMSE at G = 10")
    print(f"{'product':<22}{'schedule':<10}" + "".join(f"{'seed ' + str(s):>10}" for s in range(seeds))
          + f"{'< 1e-3':>8}")
    for name, (f, ranges) in PRODUCTS.items():
        for wait in (False, True):
            rmse = [product_run(f, ranges, steps, seed, wait)[1] for seed in range(seeds)]
            print(f"{name:<22}{'waiting' if wait else 'step 0':<10}" + "".join(f"{r:>10.1e}" for r in rmse)
                  + f"{sum(r < 1e-3 for r in rmse):>8}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--products", action="store_true",
                        help="[2, [0, 1], 1] on several products, both grid-update schedules")
    args = parser.parse_args()
    if args.products:
        products(args.seeds, args.steps)
        return
    data = create_dataset(lambda x: x[:, 0] * x[:, 1], 2, train_num=1000, test_num=1000, seed=0)
    print(f"{'seed':>4}  {'model':<38}{'params':>7}{'test RMSE':>11}")
    for seed in range(args.seeds):
        start = time.perf_counter()
        rows = (grid_run([2, [0, 1], 1], (5, 10), args.steps, data, seed)
                + [symbolic_run(args.steps, data, seed)]
                + grid_run([2, 5, 1], (5, 10, 20), args.steps, data, seed))
        for label, n, rmse in rows:
            print(f"{seed:>4}  {label:<38}{n:>7}{rmse:>11.2e}")
        print(f"      ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
