"""From data to a checked formula in one call: the KAN paper's recipe, with multi-start.

The stages (KAN arXiv:2404.19756 §2.5.1, Fig. 2.4), each a call a user could make by hand:

1. sparsity fit — ``restarts`` initialisations trained for ``probe_steps`` with the sparsity
   penalty; the one with the lowest training objective continues to ``steps`` (``best_of``);
2. ``prune()`` — weak nodes and edges go, the width found is read off the pruned model;
3. re-fit without the penalty; optionally ``refine`` the grids (grid extension, §2.4);
4. ``auto_symbolic(lib)`` — every edge becomes its best library function;
5. fine-tune the affine parameters (knots fixed: the edges are symbolic now);
6. the formula, and its own test RMSE — the formula lambdified and evaluated, not the
   model — next to the spline model's, so a caller sees whether to trust it.

Every random choice comes from ``seed``, so a call is deterministic.
"""
from dataclasses import dataclass, field

import numpy as np

from minikan import validate
from minikan.model import KAN

# Hidden width when none is given: [d, 5, m], the width of the KAN paper's and pykan's
# tutorials (for d = 2 also Kolmogorov's 2d + 1); wide enough for every formula of
# benchmarks/discovery.py, and pruning removes what is not used.
DEFAULT_HIDDEN = 5

# The stages' lengths in L-BFGS steps: those of the familiar manual sequence (each stage
# 50), which the discovery benchmark measures; probing 10 steps per restart is where the
# training objective's ranking of initialisations has settled on that benchmark's runs.
STEPS, PROBE_STEPS = 50, 10


@dataclass
class DiscoveryResult:
    """What ``discover`` found.

    model : the final KAN (symbolic where ``auto_symbolic`` fixed its edges).
    formula : sympy expression of the output in the data's variables, or None.
    formula_rmse : the formula's own test RMSE (lambdified, evaluated with NumPy).
    spline_rmse : the pruned spline model's test RMSE, before any edge was fixed.
    width : the width found by pruning, e.g. [2, 1, 1].
    histories : {stage: fit history} for "sparsity", "refit", "refine_G", "finetune".
    symbolic : auto_symbolic's rows (l, i, j, name, r2).
    message : why there is no formula, or "".
    """
    model: KAN
    formula: object
    formula_rmse: float
    spline_rmse: float
    width: list
    histories: dict = field(default_factory=dict)
    symbolic: list = field(default_factory=list)
    message: str = ""


def restart_seeds(seed, restarts):
    """``restarts`` model seeds for ``seed``: the seed itself first, then derived ones."""
    restarts = validate.check_positive_int(restarts, "restarts")
    extra = np.random.SeedSequence(int(seed)).generate_state(restarts - 1) if restarts > 1 else []
    return [int(seed)] + [int(s) for s in extra]


def best_of(make_model, data, restarts=3, probe_steps=PROBE_STEPS, seed=0, **fit_kw):
    """Train ``restarts`` initialisations ``probe_steps`` steps; return (best model, its history, all objectives).

    ``make_model(model_seed)`` builds one initialisation; the best is the one with the
    lowest final training objective (loss plus penalty, what the fit minimises). The
    caller continues training it. Deterministic for ``seed``.
    """
    probe_steps = validate.check_positive_int(probe_steps, "probe_steps")
    best, best_hist, objectives = None, None, []
    for s in restart_seeds(seed, restarts):
        model = make_model(s)
        hist = model.fit(data, steps=probe_steps, **fit_kw)
        objectives.append(float(hist["objective"][-1]))
        if best is None or objectives[-1] < min(objectives[:-1]):
            best, best_hist = model, hist
    return best, best_hist, objectives


def formula_rmse(expr, names, x, y):
    """RMSE of the sympy ``expr`` in the symbols called ``names`` on x (n, d) against y (n, 1)."""
    import sympy as sp
    symbols = sorted(expr.free_symbols, key=lambda s: names.index(s.name))
    cols = [names.index(s.name) for s in symbols]
    with np.errstate(all="ignore"):
        pred = sp.lambdify(symbols, expr, "numpy")(*x[:, cols].T) * np.ones(len(x))   # (n,)
    err = float(np.sqrt(np.mean((pred - y[:, 0]) ** 2)))
    return err if np.isfinite(err) else float("inf")


def discover(data, lib=None, width=None, seed=0, restarts=3, lamb=0.01, steps=STEPS, grid=5, k=3,
             refine=(), input_names=None, log=0):
    """The whole recipe on ``data`` (``create_dataset``'s dict): a KAN, pruned, made symbolic, checked.

    Parameters
    ----------
    data : dict with train_input (n, d), train_label (n, 1), test_input, test_label.
    lib : list of library names for ``auto_symbolic`` (None: the whole library).
    width : initial width; default [d, DEFAULT_HIDDEN, 1].
    seed : int; seeds the initialisations (``restart_seeds``).
    restarts : initialisations tried in the sparsity stage (``best_of``).
    lamb : sparsity weight λ; the other penalty weights are ``fit``'s defaults.
    steps : L-BFGS steps per stage.
    grid, k : the initial grid G and spline degree.
    refine : grids to extend to after the re-fit, e.g. (10, 20); none by default.
    input_names : names of the inputs in the formula (default x1, x2, …).
    log : progress every ``log`` steps (0: silent).

    Returns
    -------
    DiscoveryResult
    """
    x, y = data["train_input"], data["train_label"]
    d = np.shape(x)[1]
    width = [d, DEFAULT_HIDDEN, np.shape(y)[1] if np.ndim(y) == 2 else 1] if width is None else width
    fit_kw = dict(opt="LBFGS", log=log)
    hists = {}

    def make(s):
        return KAN(width, grid=grid, k=k, seed=s, input_names=input_names)
    model, probe, _ = best_of(make, data, restarts, min(PROBE_STEPS, steps), seed, lamb=lamb, **fit_kw)
    if steps > PROBE_STEPS:
        rest = model.fit(data, steps=steps - PROBE_STEPS, lamb=lamb, **fit_kw)
        probe = {key: np.concatenate([probe[key], rest[key]]) for key in probe}
    hists["sparsity"] = probe
    model = model.prune()
    found = [w[0] if not w[1] else list(w) for w in model.width]
    hists["refit"] = model.fit(data, steps=steps, **fit_kw)
    for G in refine:
        model = model.refine(G)
        hists[f"refine_{G}"] = model.fit(data, steps=steps, **fit_kw)
    spline_rmse = float(hists[f"refine_{refine[-1]}" if refine else "refit"]["test_loss"][-1])
    rows = model.auto_symbolic(lib=lib)
    hists["finetune"] = model.fit(data, steps=steps, update_grid=False, **fit_kw)
    try:
        expr = model.symbolic_formula()[0]
    except ValueError as e:                            # some edges stayed splines
        return DiscoveryResult(model, None, float("inf"), spline_rmse, found, hists, rows, str(e))
    rmse = formula_rmse(expr, model.input_names, data["test_input"], np.asarray(data["test_label"]))
    return DiscoveryResult(model, expr, rmse, spline_rmse, found, hists, rows)
