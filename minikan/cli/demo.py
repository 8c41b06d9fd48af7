"""The two commands that need no data: ``demo`` and ``gradcheck``.

demo       the KAN paper's worked example f(x, y) = exp(sin(πx) + y²): train, prune, refine, read the formula
gradcheck  every hand-written backward in minikan against central finite differences
"""
from pathlib import Path

import numpy as np

from minikan import gradcheck, losses
from minikan.layer import KANLayer
from minikan.model import KAN
from minikan.units import Normalization


def _perturbed(obj, rng, scale=0.5):
    """Non-trivial parameters: near-zero coefficients could hide a wrong backward."""
    for p in obj.params.values():
        p += scale * rng.normal(size=p.shape)
    return obj


def gradcheck_reports(seed=0):
    """(title, Report) for every component with a backward pass, in reading order."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-0.9, 0.9, (6, 3))                          # (batch, in_dim)
    reports = []
    layer = _perturbed(KANLayer(3, 2, grid=5, k=3, seed=seed), rng)
    reports.append(("KAN layer [3 -> 2], G=5, k=3", gradcheck.check(layer, x, rng.normal(size=(6, 2)))))
    mult = _perturbed(KAN([3, [2, 2], 1], grid=4, k=3, seed=seed, mult_arity=[2, [2, 3], 2]), rng, 0.3)
    reports.append(("KAN [3, [2, 2], 1] with multiplication nodes",
                    gradcheck.check(mult, x, rng.normal(size=(6, 1)))))
    model = _perturbed(KAN([3, 4, 3, 1], grid=5, k=3, seed=seed), rng, 0.3)
    reports.append(("KAN [3, 4, 3, 1]", gradcheck.check(model, x, rng.normal(size=(6, 1)))))
    normed = _perturbed(KAN([3, 4, 1], grid=5, k=3, seed=seed), rng, 0.3)
    normed.normalization = Normalization(rng.normal(size=3) * 10, rng.uniform(1, 20, 3), [2.0], [3.0])
    x_units = normed.normalization.x_mean + normed.normalization.x_std * x
    reports.append(("KAN [3, 4, 1] with input/output normalisation (units.py)",
                    gradcheck.check(normed, x_units, rng.normal(size=(6, 1)))))
    y = rng.normal(size=(6, 1))
    for metric in ("l1", "spread"):
        reports.append((f"training objective: MSE + {metric} score + entropy + coef penalties",
                        gradcheck.check_objective(model, x, y, lamb=0.01, lamb_entropy=2.0, lamb_coef=0.1,
                                                  lamb_coefdiff=0.1, reg_metric=metric)))
    logits, labels = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    report = gradcheck.Report()
    report.add("dlogits", losses.cross_entropy(logits, labels)[1],
               gradcheck.numerical_grad_array(lambda: losses.cross_entropy(logits, labels)[0], logits))
    reports.append(("softmax cross-entropy", report))
    sym = KAN([3, 2, 1], grid=5, k=3, seed=seed)
    for l, i, j, name in ((0, 0, 0, "cosh"), (0, 1, 1, "sinh"), (0, 2, 0, "sin"), (1, 1, 0, "exp")):
        sym.fix_symbolic(l, i, j, name, fit_params=False)     # a·f(b·x + c) + d, then moved off 1, 1, 0, 0
        sym.layers[l].params["sym_affine"][i, j] += rng.uniform(-0.3, 0.3, 4)
    reports.append(("KAN [3, 2, 1] with live symbolic edges cosh, sinh, sin, exp",
                    gradcheck.check(_perturbed(sym, rng, 0.1), x, rng.normal(size=(6, 1)))))
    return reports


def cmd_gradcheck(args):
    ok = True
    for title, report in gradcheck_reports(args.seed):
        print(f"\n== {title}\n{report.table()}")
        ok &= report.ok
    return 0 if ok else 1


# The sparsity stage's recipe is the library's defaults: fit(lamb=0.01) with the scale-aware
# "spread" score, no entropy term and grid updates on, then prune() by attribution
# (regularize.py and benchmarks/discovery.py hold the measurements).
DEMO_LAMB, DEMO_LAMB_ENTROPY = 0.01, 0.0
DEMO_LIB = ["x", "x^2", "x^3", "exp", "sin", "tanh"]


def cmd_demo(args):
    """The KAN paper's worked example f(x, y) = exp(sin(πx) + y²), from data to formula."""
    import time

    from minikan.data import FUNCTIONS, dataset
    ex = FUNCTIONS["exp_sin"]
    data = dataset("exp_sin", train_num=1000, test_num=1000, seed=args.seed)
    steps, later = (50, 10) if args.quick else (50, 30)   # sparsity stage; each later stage
    start = time.perf_counter()
    print(f"target: {ex.formula}    1000 training points on [-1, 1]^2\n")

    model = KAN([2, 5, 1], grid=5, k=3, seed=args.seed)
    print(f"1. train {model} with sparsity (lamb={DEMO_LAMB}, lamb_entropy={DEMO_LAMB_ENTROPY})")
    hist = model.fit(data, steps=steps, lamb=DEMO_LAMB, lamb_entropy=DEMO_LAMB_ENTROPY, log=args.log)
    print(f"   test RMSE {hist['test_loss'][-1]:.2e}, edges above threshold {hist['n_edges'][-1]}")
    _demo_png(model, args.plots, "demo_before_prune.png")
    model = model.prune()
    print(f"2. prune -> {model}")
    _demo_png(model, args.plots, "demo_after_prune.png")
    hist = model.fit(data, steps=later, log=args.log)
    print(f"   re-fit: test RMSE {hist['test_loss'][-1]:.2e}")
    for G in (10, 20):
        model = model.refine(G)
        hist = model.fit(data, steps=later, log=args.log)
        print(f"3. grid extension to G={G}: test RMSE {hist['test_loss'][-1]:.2e}")
    print("4. auto_symbolic:")
    for l, i, j, name, r2 in model.auto_symbolic(lib=DEMO_LIB):
        print(f"   edge ({l},{i},{j}) -> {name or 'spline':<6} R^2 = {r2:.8f}")
    hist = model.fit(data, steps=later, update_grid=False, log=args.log)
    print(f"5. fine-tune the affine parameters: test RMSE {hist['test_loss'][-1]:.2e}")
    print(f"\nformula (4 digits): {model.symbolic_formula(digits=4)[0]}")
    print(f"formula (snapped):  {model.symbolic_formula(snap=1e-3)[0]}")
    print(f"\n{time.perf_counter() - start:.1f} s")
    return 0


def _demo_png(model, directory, name):
    """With --plots DIR, the network as a PNG in DIR (on the model's training inputs)."""
    if directory is None:
        return
    from minikan.cli.commands import write_png
    Path(directory).mkdir(parents=True, exist_ok=True)
    if write_png(model, Path(directory) / name, model.train_input):
        print(f"   plot {Path(directory) / name}")
