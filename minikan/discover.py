"""From data to a checked formula in one call: the KAN paper's recipe, with multi-start.

The stages (KAN arXiv:2404.19756 §2.5.2, Fig. 2.4), each a call a user could make by hand:

1. sparsity fit — ``restarts`` initialisations trained for ``probe_steps`` with the sparsity
   penalty; the one with the lowest training objective continues to ``steps`` (``probe``);
2. ``prune()`` — weak nodes and edges go, the width found is read off the pruned model;
3. re-fit without the penalty; optionally ``refine`` the grids (grid extension, §2.4);
4. ``auto_symbolic(lib)`` — every edge becomes its best library function;
5. fine-tune the affine parameters (knots fixed: the edges are symbolic now), and prune
   the symbolic edges that fine-tuned to nothing (a ≈ 0: a constant passed on); an edge
   that fine-tuned into a simpler function in disguise (arctan of a tiny argument: a line)
   becomes that function, and a last fine-tune follows (``symbolic.fix.simplify_symbolic``);
6. the formula, and its own test RMSE — the formula lambdified and evaluated, not the
   model — next to the spline model's. A formula that does not fit the training data
   (``trusted``) sends the next-best start through stages 1–6.

The command line's ``minikan fit`` is this function with its options (``cli/commands.py``):
data in real units go through the model's own standardisation (``normalize=True``,
``units.py``), so the formula comes out in the data's variables; class labels through
``loss_fn="ce"``. Every random choice comes from ``seed``, so a call is deterministic.
"""
from dataclasses import dataclass, field

import numpy as np

from minikan import units, validate
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

# The stages that train a symbolic model; the others' histories are the spline model's.
SYMBOLIC_STAGES = ("finetune", "prune_symbolic", "simplify")

# drop_inputs: after pruning, an input whose edges were all cut carries nothing (its score is
# exactly 0); any positive score keeps it (``prune.prune_input``'s threshold).
DEAD_INPUT = 1e-12


@dataclass
class DiscoveryResult:
    """What ``discover`` found.

    model : the final KAN (symbolic where ``auto_symbolic`` fixed its edges).
    formula : sympy expression of the output in the data's variables, or None.
    formula_rmse : the formula's own test RMSE (lambdified, evaluated with NumPy).
    spline_rmse : the pruned spline model's test RMSE, before any edge was fixed.
    width : the width found by pruning, e.g. [2, 1, 1].
    histories : {stage: fit history} for "sparsity", "refit", "refine_G", "finetune"
        (and "prune_symbolic" when that pruning removed edges, "simplify" when edges were
        switched to simpler functions and kept).
    symbolic : auto_symbolic's rows (l, i, j, name, r2).
    message : why there is no formula, or "".
    data : the data the final model reads (the input columns it kept, with ``drop_inputs``).
    """
    model: KAN
    formula: object
    formula_rmse: float
    spline_rmse: float
    width: list
    histories: dict = field(default_factory=dict)
    symbolic: list = field(default_factory=list)
    message: str = ""
    data: dict = field(default_factory=dict)


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


def _stage(on_stage, name, model, data, info=None):
    if on_stage is not None:
        on_stage(name, model, data, info)


def _columns(data, keep):
    """``data`` with only the input columns ``keep`` (the labels unchanged)."""
    return {key: v[:, keep] if key.endswith("input") else v for key, v in data.items()}


def _finish(model, data, opts, fit_kw, on_stage):
    """Stages 2–6 from a sparsity-trained model: a DiscoveryResult (histories of these stages)."""
    hists = {}
    names = list(model.input_names)
    if opts["prune"]:
        model = model.prune()
        if opts["drop_inputs"]:
            model = model.prune_input(threshold=DEAD_INPUT)
            data = _columns(data, [names.index(n) for n in model.input_names])
        _stage(on_stage, "prune", model, data)
    found = [w[0] if not w[1] else list(w) for w in model.width]
    if opts["prune"]:
        hists["refit"] = model.fit(data, steps=opts["steps"], **fit_kw)
        _stage(on_stage, "refit", model, data)
    for G in opts["refine"]:
        model = model.refine(G)
        hists[f"refine_{G}"] = model.fit(data, steps=opts["steps"], **fit_kw)
        _stage(on_stage, f"refine_{G}", model, data)
    spline = list(hists.values())
    spline_rmse = float(spline[-1]["test_loss"][-1]) if spline else float("nan")
    if not opts["symbolic"]:
        return DiscoveryResult(model, None, float("inf"), spline_rmse, found, hists, [], "symbolic=False", data)
    rows = model.auto_symbolic(lib=opts["lib"])
    _stage(on_stage, "auto_symbolic", model, data, rows)
    hists["finetune"] = model.fit(data, steps=opts["steps"], update_grid=False, **fit_kw)
    _stage(on_stage, "finetune", model, data)
    if opts["prune"]:
        # A weak edge fixed to a function can fine-tune to a ≈ 0: a constant feeding the next
        # layer, clutter such as 0.46·tanh(3e-17·x − 0.86) + 0.32. Pruning drops it; a short
        # fine-tune moves its constant into the other edges' d.
        pruned = model.prune()
        if pruned.n_params() < model.n_params():
            model = pruned
            hists["prune_symbolic"] = model.fit(data, steps=opts["steps"], update_grid=False, **fit_kw)
            _stage(on_stage, "prune_symbolic", model, data)
    model = _simplify(model, data, opts, fit_kw, hists, on_stage)
    try:
        expr = model.symbolic_formula()[0]
    except ValueError as e:                            # some edges stayed splines
        return DiscoveryResult(model, None, float("inf"), spline_rmse, found, hists, rows, str(e), data)
    if fit_kw["loss_fn"] != "mse":                    # class logits: no formula error to measure
        return DiscoveryResult(model, expr, float("nan"), spline_rmse, found, hists, rows, "", data)
    y_test = np.reshape(data["test_label"], (len(data["test_input"]), -1))
    rmse = formula_rmse(expr, model.input_names, data["test_input"], y_test)
    return DiscoveryResult(model, expr, rmse, spline_rmse, found, hists, rows, "", data)


def _simplify(model, data, opts, fit_kw, hists, on_stage):
    """Stage 5b: edges that fine-tuned into a simpler function in disguise become it
    (``simplify_symbolic``), then one more fine-tune; kept only if the training loss does not
    rise past twice what it was (plus 1e-9 of the labels' spread, for losses at rounding level)."""
    simpler = model.copy()
    switched = simpler.simplify_symbolic(lib=opts["lib"])
    if not switched:
        return model
    loss = float(list(hists.values())[-1]["train_loss"][-1])         # the last fine-tune's
    hist = simpler.fit(data, steps=opts["steps"], update_grid=False, **fit_kw)
    spread = float(np.std(data["train_label"])) if fit_kw["loss_fn"] == "mse" else 1.0
    if not hist["train_loss"][-1] <= 2 * loss + 1e-9 * spread:
        return model
    hists["simplify"] = hist
    _stage(on_stage, "simplify", simpler, data, switched)
    return simpler


def train_rmse(result):
    """The formula's own RMSE on the training data it was found on (inf without a formula)."""
    if result.formula is None:
        return float("inf")
    x, y = result.data["train_input"], result.data["train_label"]
    return formula_rmse(result.formula, result.model.input_names, x, np.reshape(y, (len(x), -1)))


def trusted(result):
    """Whether the formula fits the *training* data as well as a formula should: its train RMSE is
    below ``TRUST_RMSE`` or within ``TRUST_FACTOR`` of the spline model's final train RMSE.
    In a normalised model both are read relative to the target's spread (σ_y), so the bar
    does not depend on the data's units."""
    if result.formula is None:
        return False
    if np.asarray(result.data["train_label"]).dtype.kind in "biu":
        return True                                    # class labels: nothing to compare
    rmse = train_rmse(result)
    spline = [h for k, h in result.histories.items() if k not in SYMBOLIC_STAGES]
    spline = float(spline[-1]["train_loss"][-1])
    norm = result.model.normalization
    scale = float(np.mean(norm.y_std)) if norm is not None else 1.0
    return rmse < TRUST_RMSE * scale or rmse < TRUST_FACTOR * spline


def discover(data, lib=None, width=None, seed=0, restarts=3, lamb=0.01, steps=STEPS, grid=5, k=3,
             refine=(), input_names=None, output_names=None, tries=2, log=0, normalize=False,
             loss_fn="mse", prune=True, drop_inputs=False, symbolic=True, on_stage=None):
    """The whole recipe on ``data`` (``create_dataset``'s dict): a KAN, pruned, made symbolic, checked.

    The best start by training objective goes through every stage; if its formula is not
    ``trusted`` on the training data, the next-best start does too (up to ``tries``), and
    the result with the lowest formula train RMSE is returned.

    Parameters
    ----------
    data : dict with train_input (n, d), train_label (n, m) (or class labels (n,) with
        ``loss_fn="ce"``), test_input, test_label.
    lib : list of library names for ``auto_symbolic`` (None: the whole library).
    width : initial width; default [d, DEFAULT_HIDDEN, m] (m classes for ``loss_fn="ce"``).
    seed : int; seeds the initialisations (``restart_seeds``).
    restarts : initialisations probed in the sparsity stage (``probe``).
    lamb : sparsity weight λ, on the standardised scale when ``normalize`` (fit's MSE is then
        in the data's units, σ_y² times the standardised one, so fit gets λ·mean σ_y²); the
        other penalty weights are ``fit``'s defaults. Without ``prune``, 0 is usual.
    steps : L-BFGS steps per stage.
    grid, k : the initial grid G and spline degree.
    refine : grids to extend to after the re-fit, e.g. (10, 20); none by default. Measured
        (benchmarks/discovery.py, seeds 0–1, 16 formulas): refine=(10,) recovers the same 30/32
        (25 exact) at 1.2× the time; a more accurate spline helps where a G = 5 one is too coarse
        to tell exp(−x²) on [−2, 2] from a cosine, but the stricter 10×-spline bar then fails
        formulas that need a function outside the library, e.g. log(1 + x²) (net 0 on ten
        further formulas).
    input_names, output_names : names in the formula (default x1, x2, …; y1, …).
    tries : how many of the best starts may go through the whole recipe.
    log : progress every ``log`` steps (0: silent).
    normalize : standardise inputs and targets inside the model (``KAN.normalize``), with
        the knots placed on the standardised inputs before training; the formula is in the
        data's units.
    loss_fn : "mse", or "ce" for class labels (the formula is then the logits').
    prune : prune after the sparsity stage (and the symbolic edges that vanished).
    drop_inputs : after pruning, drop the inputs whose edges were all cut (``prune_input``):
        the final model and ``result.data`` read only the columns that matter.
    symbolic : run auto_symbolic and the fine-tune (False: the spline model, no formula).
    on_stage : called as on_stage(stage, model, data, info) after each stage ("sparsity"
        with info = the start's index, "prune", "refit", "refine_G", "auto_symbolic" with
        info = its rows, "finetune", "prune_symbolic", "simplify" with info = the edges
        switched), e.g. to print progress.

    Returns
    -------
    DiscoveryResult
    """
    x, y = data["train_input"], data["train_label"]
    tries = validate.check_positive_int(tries, "tries")
    loss_fn = validate.check_choice(loss_fn, "loss_fn", ("mse", "ce"))
    if width is None:
        m = int(np.max(y)) + 1 if loss_fn == "ce" else (np.shape(y)[1] if np.ndim(y) == 2 else 1)
        width = [np.shape(x)[1], DEFAULT_HIDDEN, m]
    fit_kw = dict(opt="LBFGS", log=log, loss_fn=loss_fn)
    opts = dict(prune=prune, drop_inputs=drop_inputs, symbolic=symbolic, lib=lib, steps=steps,
                refine=list(refine))

    def make(s):
        model = KAN(width, grid=grid, k=k, seed=s, input_names=input_names, output_names=output_names)
        if normalize:
            model.normalize(data)
            model.update_grid(x)              # knots onto the standardised inputs from the start
        return model
    if normalize and lamb:
        lamb = lamb * float(np.mean(units.Normalization.from_data(x, y).y_std ** 2))   # 1 for class labels
    probe_steps = min(PROBE_STEPS, steps)
    best, best_train = None, np.inf
    for _, n, model, hist in probe(make, data, restarts, probe_steps, seed, lamb=lamb, **fit_kw)[:tries]:
        if steps > probe_steps:
            rest = model.fit(data, steps=steps - probe_steps, lamb=lamb, **fit_kw)
            hist = {key: np.concatenate([hist[key], rest[key]]) for key in hist}
        _stage(on_stage, "sparsity", model, data, n)
        result = _finish(model, data, opts, fit_kw, on_stage)
        result.histories = {"sparsity": hist, **result.histories}
        if np.isnan(result.spline_rmse):             # neither pruned nor refined: the sparsity fit's
            result.spline_rmse = float(hist["test_loss"][-1])
        ok = trusted(result) if symbolic else True
        train = train_rmse(result) if loss_fn == "mse" else 0.0
        if best is None or train < best_train:
            best, best_train = result, train
        if ok:
            break
    return best
