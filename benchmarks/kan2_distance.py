"""sqrt((x1−x2)² + (x3−x4)²) by a deeper [4,2,1,1] KAN with grid extension (KAN Fig. 4.1(f)).

Run (from the repository root; about 6 s per seed at the defaults, on one core):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
        PYTHONPATH=. python benchmarks/kan2_distance.py [--seeds 5] [--steps 50]
                                                        [--grids 3 5 10 20] [--restarts 1]

The zoo's ``distance`` on [-1, 1]⁴, 1000 train / 1000 test points (data seed 0). For each
model seed: ``KAN([4, 2, 1, 1], grid=3, k=3, seed=seed)``, ``--steps`` L-BFGS steps (knots
updated during the first 50, as ``fit`` does by default), then for each next grid
``model = model.refine(G)`` and ``--steps`` more. Prints train and test RMSE and seconds per
grid. The bar (KAN 2.0 issue): test RMSE < 5e-3 at the last grid; the count of seeds below
it ends the output.

The intended structure: layer 0 computes x1 − x2 and x3 − x4 (linear edges), layer 1 squares
and sums, layer 2 takes the square root. Under each seed's table, "structure R²" is the R² of
each hidden node of layer 1 by least squares on span{1, x1 − x2, x3 − x4}: 1.0000 when the
first layer found the two differences (in any mix), below 0.4 in the local minima that about
three initialisations in four stall in (8 of seeds 0–29 find the structure in the first 50
steps). There the test RMSE stays at 0.2–0.35 (label std 0.5): one pair's inputs, or both
pairs', enter the hidden nodes with the same sign, added instead of subtracted, and grid
extension only lowers the train RMSE. The edge L1 of every layer (``model.attribute()["edge"]``,
one [..] per input i, one value per output j) follows. Once the structure is found the error
sits at the cone r = 0, where sqrt is not smooth and few of the 1000 points lie, so it falls
far slower than G⁻⁴ and the finest grids begin to overfit (test RMSE above train RMSE).

``--restarts R``: fit R initialisations at the first grid (drawn in turn from one Generator
seeded with the seed; R = 1 is the plain ``seed=seed`` model) and extend the one with the
lowest train RMSE; at a quarter per initialisation, 5 restarts miss the structure with
probability ≈ 0.2.
"""
import argparse
import time

import numpy as np

from minikan import KAN
from minikan.data import dataset

WIDTH = [4, 2, 1, 1]
BAR = 5e-3                                   # test RMSE, the KAN 2.0 issue's bar


def structure_r2(model, x):
    """R² of each hidden node (input of layer 1) fitted on span{1, x1 − x2, x3 − x4}: shape (2,)."""
    h = model.layer_inputs(x)[1]                                                # (n, 2)
    A = np.column_stack([np.ones(len(x)), x[:, 0] - x[:, 1], x[:, 2] - x[:, 3]])  # (n, 3)
    resid = h - A @ np.linalg.lstsq(A, h, rcond=None)[0]                        # (n, 2)
    return 1.0 - resid.var(axis=0) / h.var(axis=0)                              # (2,)


def first_fit(seed, grid, steps, restarts, data):
    """The model trained at the first grid: the best of ``restarts`` initialisations by train RMSE."""
    rng = np.random.default_rng(seed)                # restarts = 1: the same model as seed=seed
    best, best_rmse = None, np.inf
    for _ in range(restarts):
        model = KAN(WIDTH, grid=grid, k=3, seed=rng)
        model.fit(data, steps=steps, log=0)
        rmse = model.evaluate(data)["train_rmse"]
        if rmse < best_rmse:
            best, best_rmse = model, rmse
    return best


def run(seed, grids, steps, restarts, data):
    """One grid-extension run; prints a row per grid and returns the model at the last grid."""
    model = None
    for G in grids:
        t0 = time.perf_counter()
        if model is None:
            model = first_fit(seed, G, steps, restarts, data)
        else:
            model = model.refine(G)                                    # on the last fit's inputs
            model.fit(data, steps=steps, log=0)
        ev = model.evaluate(data)
        print(f"{seed:>4}{G:>6}{ev['train_rmse']:>12.2e}{ev['test_rmse']:>12.2e}"
              f"{time.perf_counter() - t0:>9.1f}", flush=True)
    return model


def report_structure(model, data):
    r2 = structure_r2(model, data["test_input"])
    print(f"{'':10}structure R² (hidden nodes on x1 − x2, x3 − x4): "
          + ", ".join(f"{v:.4f}" for v in r2))
    for l, edge in enumerate(model.attribute()["edge"]):                 # (in, out) per layer
        rows = "  ".join("[" + " ".join(f"{v:.3f}" for v in row) + "]" for row in edge)
        print(f"{'':10}edge L1, layer {l}: {rows}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5, help="run seeds 0 … SEEDS-1")
    parser.add_argument("--steps", type=int, default=50, help="L-BFGS steps per grid")
    parser.add_argument("--grids", type=int, nargs="+", default=[3, 5, 10, 20])
    parser.add_argument("--restarts", type=int, default=1, help="initialisations tried at the first grid")
    args = parser.parse_args()
    data = dataset("distance", 1000, 1000, seed=0)
    print(f"[4, 2, 1, 1] on sqrt((x1-x2)^2 + (x3-x4)^2), {args.steps} L-BFGS steps per grid, "
          f"{args.restarts} initialisation(s) per seed, 1000 train / 1000 test points")
    print(f"{'seed':>4}{'G':>6}{'train RMSE':>12}{'test RMSE':>12}{'seconds':>9}")
    below = 0
    for seed in range(args.seeds):
        model = run(seed, args.grids, args.steps, args.restarts, data)
        report_structure(model, data)
        below += model.evaluate(data)["test_rmse"] < BAR
    print(f"seeds with test RMSE < {BAR:g} at G = {args.grids[-1]}: {below} / {args.seeds}")


if __name__ == "__main__":
    main()
