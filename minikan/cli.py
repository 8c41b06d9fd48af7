"""Command line: ``python -m minikan demo | gradcheck``.

demo       the seeds' story on f(x, y) = exp(sin(πx) + y²): train, prune, refine, read the formula
gradcheck  every hand-written backward in minikan against central finite differences
"""
import argparse

import numpy as np

from minikan import gradcheck, losses
from minikan.layer import KANLayer
from minikan.model import KAN


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
    y = rng.normal(size=(6, 1))
    reports.append(("training objective: MSE + L1 + entropy + coef penalties",
                    gradcheck.check_objective(model, x, y, lamb=0.01, lamb_coef=0.1, lamb_coefdiff=0.1)))
    logits, labels = rng.normal(size=(6, 3)), rng.integers(0, 3, 6)
    report = gradcheck.Report()
    report.add("dlogits", losses.cross_entropy(logits, labels)[1],
               gradcheck.numerical_grad_array(lambda: losses.cross_entropy(logits, labels)[0], logits))
    reports.append(("softmax cross-entropy", report))
    return reports


def cmd_gradcheck(args):
    ok = True
    for title, report in gradcheck_reports(args.seed):
        print(f"\n== {title}\n{report.table()}")
        ok &= report.ok
    return 0 if ok else 1


def cmd_demo(args):
    from minikan.demo import run_demo
    return run_demo(seed=args.seed, quick=args.quick)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minikan", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="the exp(sin(pi x) + y^2) story, end to end")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--quick", action="store_true", help="fewer steps (for tests)")
    demo.set_defaults(run=cmd_demo)
    check = sub.add_parser("gradcheck", help="check every backward pass against finite differences")
    check.add_argument("--seed", type=int, default=0)
    check.set_defaults(run=cmd_gradcheck)
    args = parser.parse_args(argv)
    return args.run(args)

