"""Make the README's pictures: the demo's network before and after pruning.

Run from the repository root:  PYTHONPATH=. python docs/make_figures.py
The recipe is the demo's first two steps (``python -m minikan demo``): a [2, 5, 1] KAN on
f(x, y) = exp(sin(πx) + y²), 50 L-BFGS steps with the L1 penalty and fixed knots, then prune().
"""
from pathlib import Path

from minikan import KAN
from minikan.cli import DEMO_LAMB, DEMO_LAMB_ENTROPY
from minikan.data import dataset

OUT = Path(__file__).resolve().parent


def main():
    data = dataset("exp_sin", train_num=1000, test_num=1000, seed=0)
    model = KAN([2, 5, 1], grid=5, k=3, seed=0)
    hist = model.fit(data, steps=50, lamb=DEMO_LAMB, lamb_entropy=DEMO_LAMB_ENTROPY, log=0)
    rmse = hist["test_loss"][-1]
    model.plot(OUT / "network_before_prune.png", in_vars=["x", "y"], out_vars=["f"],
               title=f"after sparsity training: [2, 5, 1], test RMSE {rmse:.1e}")
    pruned = model.prune()
    rmse = pruned.evaluate(data)["test_rmse"]
    widths = [w[0] for w in pruned.width]
    pruned.plot(OUT / "network_after_prune.png", in_vars=["x", "y"], out_vars=["f"],
                title=f"prune(): {widths}, test RMSE {rmse:.1e} before re-fitting")
    refit = pruned.copy()
    refit.fit(data, steps=30, log=0)                           # the demo's re-fit
    print(f"test RMSE: sparsity fit {hist['test_loss'][-1]:.2e}, pruned {rmse:.2e}, "
          f"re-fit 30 steps {refit.evaluate(data)['test_rmse']:.2e}")
    for name in ("network_before_prune.png", "network_after_prune.png"):
        print(f"wrote docs/{name} ({(OUT / name).stat().st_size / 1000:.0f} kB)")


if __name__ == "__main__":
    main()
