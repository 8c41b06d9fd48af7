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
"""
import argparse
import time

from minikan import KAN, create_dataset


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args()
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
