"""From data to a checked formula in one call: the KAN paper's recipe, with multi-start.

The stages (KAN arXiv:2404.19756 §2.5.2, Fig. 2.4), each a call a user could make by hand:

1. sparsity fit — ``restarts`` initialisations trained for ``probe_steps`` with the sparsity
   penalty; the one with the lowest training objective continues to ``steps`` (``probe``);
2. ``prune()`` — weak nodes and edges go, the width found is read off the pruned model;
3. re-fit without the penalty; optionally ``refine`` the grids (grid extension, §2.4);
4. ``auto_symbolic(lib)`` — every edge becomes its best library function;
5. fine-tune the affine parameters (knots fixed: the edges are symbolic now);
6. the formula, and its own test RMSE — the formula lambdified and evaluated, not the
   model — next to the spline model's. A formula that does not fit the training data
   (``trusted``) sends the next-best start through stages 1–6.

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

# When a formula is trusted (``trusted``): train RMSE below 1e-3 (the discovery benchmark's
# bar for a recovered formula), or within 10× of the spline model it replaced — the
# benchmark's criterion, read on the training data, so the test data never choose.
TRUST_RMSE, TRUST_FACTOR = 1e-3, 10.0


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


def probe(make_model, data, restarts=3, probe_steps=PROBE_STEPS, seed=0, **fit_kw):
    """Train ``restarts`` initialisations ``probe_steps`` steps each.

    ``make_model(model_seed)`` builds one initialisation (seeds from ``restart_seeds``).
    Returns [(objective, restart index, model, history)] sorted best first by the final
    training objective (loss plus penalty, what the fit minimises), ties by restart
    order. Deterministic for ``seed``.
    """
    probe_steps = validate.check_positive_int(probe_steps, "probe_steps")
    runs = []
    for n, s in enumerate(restart_seeds(seed, restarts)):
        model = make_model(s)
        hist = model.fit(data, steps=probe_steps, **fit_kw)
        runs.append((float(hist["objective"][-1]), n, model, hist))
    return sorted(runs, key=lambda r: (r[0], r[1]))


def best_of(make_model, data, restarts=3, probe_steps=PROBE_STEPS, seed=0, **fit_kw):
    """(best model, its history, every objective in restart order) after ``probe``; the caller trains on."""
    runs = probe(make_model, data, restarts, probe_steps, seed, **fit_kw)
    objectives = [obj for obj, _, _, _ in sorted(runs, key=lambda r: r[1])]
    return runs[0][2], runs[0][3], objectives


def formula_rmse(expr, names, x, y):
    """RMSE of the sympy ``expr`` in the symbols called ``names`` on x (n, d) against y (n, 1)."""
    import sympy as sp
    symbols = sorted(expr.free_symbols, key=lambda s: names.index(s.name))
    cols = [names.index(s.name) for s in symbols]
    with np.errstate(all="ignore"):
        pred = sp.lambdify(symbols, expr, "numpy")(*x[:, cols].T) * np.ones(len(x))   # (n,)
    err = float(np.sqrt(np.mean((pred - y[:, 0]) ** 2)))
    return err if np.isfinite(err) else float("inf")


def _finish(model, data, lib, steps, refine, fit_kw):
    """Stages 2–6 from a sparsity-trained model: a DiscoveryResult (histories of these stages)."""
    hists = {}
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
    y_test = np.reshape(data["test_label"], (len(data["test_input"]), -1))
    rmse = formula_rmse(expr, model.input_names, data["test_input"], y_test)
    return DiscoveryResult(model, expr, rmse, spline_rmse, found, hists, rows)


def trusted(result, data):
    """Whether the formula fits the *training* data as well as a formula should: its train RMSE is
    below ``TRUST_RMSE`` or within ``TRUST_FACTOR`` of the spline model's final train RMSE."""
    if result.formula is None:
        return False
    y = np.reshape(data["train_label"], (len(data["train_input"]), -1))
    rmse = formula_rmse(result.formula, result.model.input_names, data["train_input"], y)
    spline = float(result.histories[[k for k in result.histories if k != "finetune"][-1]]["train_loss"][-1])
    return rmse < TRUST_RMSE or rmse < TRUST_FACTOR * spline


def discover(data, lib=None, width=None, seed=0, restarts=3, lamb=0.01, steps=STEPS, grid=5, k=3,
             refine=(), input_names=None, tries=2, log=0):
    """The whole recipe on ``data`` (``create_dataset``'s dict): a KAN, pruned, made symbolic, checked.

    The best start by training objective goes through every stage; if its formula is not
    ``trusted`` on the training data, the next-best start does too (up to ``tries``), and
    the result with the lowest formula train RMSE is returned.

    Parameters
    ----------
    data : dict with train_input (n, d), train_label (n, 1), test_input, test_label.
    lib : list of library names for ``auto_symbolic`` (None: the whole library).
    width : initial width; default [d, DEFAULT_HIDDEN, 1].
    seed : int; seeds the initialisations (``restart_seeds``).
    restarts : initialisations probed in the sparsity stage (``probe``).
    lamb : sparsity weight λ; the other penalty weights are ``fit``'s defaults.
    steps : L-BFGS steps per stage.
    grid, k : the initial grid G and spline degree.
    refine : grids to extend to after the re-fit, e.g. (10, 20); none by default.
    input_names : names of the inputs in the formula (default x1, x2, …).
    tries : how many of the best starts may go through the whole recipe.
    log : progress every ``log`` steps (0: silent).

    Returns
    -------
    DiscoveryResult
    """
    x, y = data["train_input"], data["train_label"]
    tries = validate.check_positive_int(tries, "tries")
    width = [np.shape(x)[1], DEFAULT_HIDDEN, np.shape(y)[1] if np.ndim(y) == 2 else 1] if width is None else width
    fit_kw = dict(opt="LBFGS", log=log)

    def make(s):
        return KAN(width, grid=grid, k=k, seed=s, input_names=input_names)
    probe_steps = min(PROBE_STEPS, steps)
    best, best_train = None, np.inf
    for _, _, model, hist in probe(make, data, restarts, probe_steps, seed, lamb=lamb, **fit_kw)[:tries]:
        if steps > probe_steps:
            rest = model.fit(data, steps=steps - probe_steps, lamb=lamb, **fit_kw)
            hist = {key: np.concatenate([hist[key], rest[key]]) for key in hist}
        result = _finish(model, data, lib, steps, refine, fit_kw)
        result.histories = {"sparsity": hist, **result.histories}
        ok = trusted(result, data)
        train = formula_rmse(result.formula, result.model.input_names, x,
                             np.reshape(y, (len(x), -1))) if result.formula is not None else np.inf
        if best is None or train < best_train:
            best, best_train = result, train
        if ok:
            break
    return best
