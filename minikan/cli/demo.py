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
# (regularize.py and benchmarks/discovery.py hold the measurements); DEMO_LAMB_ENTROPY is
# that default entropy weight, kept by name for the command line's help and old callers.
DEMO_LAMB, DEMO_LAMB_ENTROPY = 0.01, 0.0
DEMO_LIB = ["x", "x^2", "x^3", "exp", "sin", "tanh"]


def cmd_demo(args):
    """The KAN paper's worked example f(x, y) = exp(sin(πx) + y²), from data to formula.

    The recipe is ``minikan.discover``'s (three seeded starts, sparsity fit, prune, re-fit,
    grid extension to G = 10, 20, auto_symbolic, fine-tune); this prints its stages.
    """
    import time

    from minikan import discover
    from minikan.data import FUNCTIONS, dataset
    ex = FUNCTIONS["exp_sin"]
    data = dataset("exp_sin", train_num=1000, test_num=1000, seed=args.seed)
    steps = 20 if args.quick else 50                      # L-BFGS steps per stage
    start = time.perf_counter()
    print(f"target: {ex.formula}    1000 training points on [-1, 1]^2\n")
    print(f"1. train KAN([2, 5, 1]) with sparsity (lamb={DEMO_LAMB}), best of 3 seeded starts")

    def stage(name, model, data, info):
        test = model.evaluate(data)["test_rmse"]
        if name == "sparsity":
            print(f"   start {info + 1}: test RMSE {test:.2e}")
            _demo_png(model, args.plots, "demo_before_prune.png")
        elif name == "prune":
            print(f"2. prune -> {model}")
            _demo_png(model, args.plots, "demo_after_prune.png")
        elif name == "refit":
            print(f"   re-fit: test RMSE {test:.2e}")
        elif name.startswith("refine_"):
            print(f"3. grid extension to G={name[len('refine_'):]}: test RMSE {test:.2e}")
        elif name == "auto_symbolic":
            print("4. auto_symbolic:")
            for l, i, j, fn, r2 in info:
                print(f"   edge ({l},{i},{j}) -> {fn or 'spline':<6} R^2 = {r2:.8f}")
        elif name == "finetune":
            print(f"5. fine-tune the affine parameters: test RMSE {test:.2e}")
        elif name == "simplify":
            from minikan.cli.commands import switches
            print(f"6. simpler functions in disguise: {switches(info)}; fine-tuned: test RMSE {test:.2e}")
    result = discover(data, lib=DEMO_LIB, width=[2, 5, 1], seed=args.seed, lamb=DEMO_LAMB, steps=steps,
                      refine=(10, 20), log=args.log, on_stage=stage)
    if result.formula is None:
        print(f"\nno formula: {result.message}")
        return 1
    model = result.model
    print(f"\nformula (4 digits): {model.symbolic_formula(digits=4)[0]}")
    print(f"formula (snapped):  {model.symbolic_formula(snap=1e-3)[0]}")
    print(f"its own test RMSE {result.formula_rmse:.2e} (the spline model's {result.spline_rmse:.2e})")
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
