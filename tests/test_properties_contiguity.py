"""Every trainable array is C-contiguous after every public operation, so the in-place
finite-difference loop a learner writes (``flat = p.reshape(-1); flat[t] += eps``) really
perturbs the parameter: on a non-contiguous array ``reshape(-1)`` returns a copy and the
loop silently measures a zero derivative."""
import numpy as np
import pytest
from helpers import perturb

from minikan import KAN, create_dataset
from minikan.optim import LBFGS, Adam

EPS = 1e-6           # central-difference step for float64 parameters of size O(1)
REL_TOL = 1e-6       # the project's gradient-check bar


def _assert_contiguous(model, when):
    bad = [key for key, p in model.params.items() if not p.flags.c_contiguous]
    assert not bad, f"not C-contiguous after {when}: {bad}"


def _deep_symbolic_model(seed=0):
    """[3, [2, 2], 2, 1]: multiplication nodes, and live symbolic edges in two layers."""
    model = perturb(KAN([3, [2, 2], 2, 1], grid=3, k=2, seed=seed), seed=seed, scale=0.5)
    rng = np.random.default_rng(seed + 1)
    for (l, i, j), name in {(0, 1, 2): "sin", (0, 2, 0): "x^2", (1, 0, 1): "tanh", (2, 1, 0): "exp"}.items():
        model.fix_symbolic(l, i, j, name, fit_params=False)
        model.layers[l].params["sym_affine"][i, j] = rng.uniform(0.5, 1.2, 4)  # a, b, c, d all live
    return model


@pytest.mark.parametrize("width, grid, k", [([2, 5, 1], 3, 1), ([3, [2, 2], 1], 4, 3), ([1, 1], 1, 1)])
def test_new_model_params_are_c_contiguous(width, grid, k):
    _assert_contiguous(KAN(width, grid=grid, k=k), f"KAN({width}, grid={grid}, k={k})")


def test_params_stay_c_contiguous_through_public_operations():
    data = create_dataset(lambda x: x[:, :1] * x[:, 1:2], n_var=2, train_num=40, test_num=10, seed=0)
    model = KAN([2, [2, 1], 1], grid=3, k=1, seed=0)
    model.fit(data, steps=2, log=0)
    _assert_contiguous(model, "fit (LBFGS, grid updates)")
    model.fit(data, opt="Adam", steps=3, lr=1e-2, batch=10, log=0)
    _assert_contiguous(model, "fit (Adam, batches)")
    model.update_grid()
    _assert_contiguous(model, "update_grid")
    for when, new in (("copy", model.copy()), ("refine", model.refine(6)),
                      ("prune", model.prune(node_th=0.0, edge_th=0.0)),
                      ("prune_input", model.prune_input(threshold=0.0))):
        _assert_contiguous(new, when)
    model.fix_symbolic(0, 0, 0, "sin")
    model.auto_symbolic(lib=["x", "x^2"])
    _assert_contiguous(model, "fix_symbolic / auto_symbolic")
    _assert_contiguous(model.to_splines(), "to_splines")
    for opt in (Adam(model.params, lr=0.1), LBFGS(model.params, max_iter=2)):
        opt.step(lambda: model.objective(data["train_input"], data["train_label"]))
        _assert_contiguous(model, type(opt).__name__)


def test_from_formula_params_are_c_contiguous():
    import sympy as sp
    x, y = sp.symbols("x y")
    _assert_contiguous(KAN.from_formula(sp.sin(x) * y + sp.exp(y), [x, y]), "from_formula")


def test_in_place_finite_differences_match_backward():
    """The learner's loop, on every entry of every parameter array, against ``backward``."""
    model = _deep_symbolic_model()
    rng = np.random.default_rng(3)
    x = rng.uniform(-0.9, 0.9, (5, 3))                         # (batch, 3)
    w = rng.normal(size=(5, 1))                                # L = Σ w · out

    def loss():
        return float(np.sum(w * model(x)))

    model(x)
    model.backward(w)
    analytic = {key: g.copy() for key, g in model.grads.items()}
    for key, p in model.params.items():
        flat = p.reshape(-1)                                   # a view only if p is C-contiguous
        numeric = np.zeros(p.size)
        for t in range(p.size):
            old = flat[t]
            flat[t] = old + EPS
            up = loss()
            flat[t] = old - EPS
            down = loss()
            flat[t] = old
            numeric[t] = (up - down) / (2 * EPS)
        g = analytic[key].reshape(-1)
        assert np.abs(g).max() > 0, f"{key}: an all-zero gradient would hide a missed perturbation"
        err = np.abs(g - numeric).max() / max(np.abs(g).max(), np.abs(numeric).max())
        assert err < REL_TOL, f"{key}: relative error {err:.2e}"


def test_cli_gradcheck_covers_live_symbolic_edges():
    from minikan.cli import gradcheck_reports
    reports = dict(gradcheck_reports(seed=0))
    title = next(t for t in reports if "live symbolic" in t)
    rows = {row[0]: row for row in reports[title].rows}
    assert reports[title].ok and "layers.0.sym_affine" in rows and "layers.1.sym_affine" in rows
