"""Numerical faults: divergence, overflowing line-search trials, inputs off the grid or at
extreme scales, degenerate samples in grid updates, symbolic edges leaving their domain.
No public function may return NaN or inf for finite inputs, or write them into params."""
import warnings

import numpy as np
import pytest

from minikan import KAN, bspline, create_dataset, train
from minikan.optim.linesearch import Trial, strong_wolfe


def _all_finite(model):
    return all(np.isfinite(p).all() for p in model.params.values())


@pytest.fixture(scope="module")
def data():
    return create_dataset(lambda x: x[:, :1] * x[:, 1:], n_var=2, train_num=50, test_num=10, seed=0)


# ---------------------------------------------------------------- divergence
# lr = 1e200: one Adam step moves every parameter by ~1e200, so the next forward overflows.
HUGE_LR = 1e200


@pytest.mark.parametrize("width", [[2, 5, 1], [2, [2, 1], 1]])
def test_huge_adam_lr_stops_with_a_warning_and_finite_params(data, width):
    model = KAN(width, grid=3, k=3, seed=0)
    before = {key: p.copy() for key, p in model.params.items()}
    with pytest.warns(train.DivergenceWarning, match=r"training stopped at step 1: the objective or its gradient"):
        hist = model.fit(data, opt="Adam", steps=10, lr=HUGE_LR, log=0, update_grid=False)
    assert _all_finite(model)
    # Step 0's update diverged, so the last parameters with a finite objective are the initial ones,
    # and step 0's history row (measured at the diverged parameters) is dropped.
    for key, p in model.params.items():
        np.testing.assert_array_equal(p, before[key])
    assert {len(v) for v in hist.values()} == {0}
    assert np.isfinite(model(data["test_input"])).all()


def test_divergence_after_some_good_steps_keeps_those_steps(data):
    """Adam at a moderate lr first, then a huge one: the good steps' history survives."""
    model = KAN([2, 3, 1], grid=3, k=3, seed=0)
    model.fit(data, opt="Adam", steps=3, lr=1e-2, log=0, update_grid=False)
    good = {key: p.copy() for key, p in model.params.items()}
    with pytest.warns(train.DivergenceWarning):
        model.fit(data, opt="Adam", steps=5, lr=HUGE_LR, log=0, update_grid=False)
    for key, p in model.params.items():
        np.testing.assert_array_equal(p, good[key])


class _Quadratic:
    """f(w) = Σ w², finite only for |w| < LIMIT: a model-free objective for train.fit."""
    LIMIT = 10.0

    def __init__(self):
        self.params = {"w": np.array([1.0, -2.0])}

    def objective(self, x, y):
        w = self.params["w"]
        if np.abs(w).max() >= self.LIMIT:
            return np.nan, {"w": np.full(2, np.nan)}
        return float(w @ w), {"w": 2 * w}


def test_divergence_check_is_optimiser_agnostic(monkeypatch):
    """An optimiser that writes inf into a parameter: the loop restores the values before that step."""
    class Bad:
        def __init__(self, params, lr):
            self.params, self.n = params, 0

        def step(self, closure):
            loss, _ = closure()
            self.n += 1
            self.params["w"][0] = np.inf if self.n == 3 else self.params["w"][0] * 0.5
            return loss
    monkeypatch.setattr(train, "make_optimizer", lambda opt, params, lr: Bad(params, lr))
    model = _Quadratic()
    with pytest.warns(train.DivergenceWarning, match=r"step 2: a parameter became NaN or inf.*before step 2"):
        hist = train.fit(model, np.zeros((4, 1)), np.zeros((4, 1)), steps=10)
    np.testing.assert_array_equal(model.params["w"], [0.25, -2.0])
    assert len(hist["objective"]) == 2


def test_nan_objective_from_a_plain_object_is_caught():
    model = _Quadratic()
    with pytest.warns(train.DivergenceWarning):
        hist = train.fit(model, np.zeros((4, 1)), np.zeros((4, 1)), opt="Adam", lr=20.0, steps=10)
    assert np.abs(model.params["w"]).max() < _Quadratic.LIMIT
    assert np.isfinite(hist["objective"]).all()


# ---------------------------------------------------------------- L-BFGS meeting inf/NaN
def test_line_search_shrinks_past_non_finite_trials():
    """phi is a parabola with its minimum at t = 1, but NaN beyond t = 0.3: the accepted step is finite."""
    calls = []

    def phi(t):
        calls.append(t)
        if t > 0.3:
            return np.nan, np.full(1, np.nan), np.nan
        return (t - 1.0) ** 2, np.array([2 * (t - 1.0)]), 2 * (t - 1.0)
    start = Trial(0.0, 1.0, np.array([-2.0]), -2.0)
    result = strong_wolfe(phi, 2.0, start, max_evals=25)
    assert 0.0 < result.trial.t <= 0.3 and np.isfinite(result.trial.f) and result.trial.f < start.f
    first_bad = next(i for i, t in enumerate(calls) if t > 0.3)
    assert calls[first_bad + 1] < calls[first_bad]          # the next trial moved back toward 0


def test_lbfgs_fit_with_overflowing_trials_commits_only_finite_params(data):
    """lr = 1e50: the first L-BFGS trial steps are so long that the forward overflows (most of
    the evaluations below are inf). The objective reports inf (it does not raise), the line
    search pulls back, and only finite parameters, no worse than the start, are committed."""
    model = KAN([2, 3, 3, 1], grid=3, k=3, seed=0)
    start = model.objective(data["train_input"], data["train_label"])[0]
    seen = []
    objective = model.objective

    def recording(*args, **kwargs):
        value, grads = objective(*args, **kwargs)
        seen.append(value)
        return value, grads
    model.objective = recording
    with warnings.catch_warnings():
        warnings.simplefilter("error", train.DivergenceWarning)
        hist = model.fit(data, opt="LBFGS", steps=2, lr=1e50, log=0, update_grid=False)
    assert sum(not np.isfinite(v) for v in seen) > len(seen) // 2          # the fault really happened
    assert _all_finite(model) and np.isfinite(hist["objective"]).all()
    assert objective(data["train_input"], data["train_label"])[0] <= start


def test_objective_at_overflowing_params_is_inf_not_an_error(data):
    model = KAN([2, 3, 3, 1], grid=3, k=3, seed=0)
    for p in model.params.values():
        p *= 1e120
    with np.errstate(over="ignore", invalid="ignore"):
        value, grads = model.objective(data["train_input"], data["train_label"])
    assert value == np.inf and set(grads) == set(model.params)


# ---------------------------------------------------------------- inputs
@pytest.mark.parametrize("scale", [1e-8, 1.0, 10.0, 1e3, 1e8, 1e100])
def test_inputs_far_outside_the_grid_give_finite_outputs(scale):
    """Off the grid the spline branch is 0 (every B_m vanishes beyond the extended knots) and
    φ(x) = w_b·silu(x): finite for every finite x, linear in x for x ≫ 1 and ~0 for x ≪ -1."""
    model = KAN([2, [2, 1], 1], grid=3, k=3, seed=0)
    x = scale * np.array([[1.0, -1.0], [-0.5, 2.0], [3.0, 0.25]])   # (3, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                              # no overflow warnings either
        out = model(x)
        model.backward(np.ones_like(out))
    assert np.isfinite(out).all() and all(np.isfinite(g).all() for g in model.grads.values())


def test_off_grid_spline_branch_is_zero_so_phi_is_the_silu_branch():
    layer = KAN([1, 1], grid=4, k=3, seed=0).layers[0]
    x = np.array([[-50.0], [50.0]])                                 # far beyond the extended knots
    assert np.all(bspline.basis(x, layer.knots, layer.k) == 0.0)
    expected = layer.params["scale_base"][0, 0] * x[:, 0] / (1 + np.exp(-x[:, 0]))
    np.testing.assert_allclose(layer.forward(x)[:, 0], expected, rtol=1e-12, atol=1e-20)


@pytest.mark.parametrize("dtype", [np.float32, np.int64, np.int8, bool])
def test_float32_and_integer_inputs_equal_the_float64_result(dtype):
    model = KAN([2, 3, 1], grid=3, k=3, seed=0)
    x = np.array([[0, 1], [1, 0], [1, 1]]).astype(dtype)
    out = model(x)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, model(x.astype(np.float64)))


def test_float32_dataset_trains_like_float64(data):
    d32 = {key: v.astype(np.float32) for key, v in data.items()}
    d64 = {key: v.astype(np.float32).astype(np.float64) for key, v in data.items()}
    h32 = KAN([2, 3, 1], grid=3, k=3, seed=0).fit(d32, steps=2, log=0)
    h64 = KAN([2, 3, 1], grid=3, k=3, seed=0).fit(d64, steps=2, log=0)
    np.testing.assert_array_equal(h32["train_loss"], h64["train_loss"])


# ---------------------------------------------------------------- grid updates on degenerate samples
DEGENERATE = {
    "constant": np.full((20, 2), 0.3),
    "one sample": np.array([[0.2, -0.7]]),
    "two values repeated": np.repeat(np.array([[0.1, 0.2], [0.5, -0.4]]), 10, axis=0),
    "one column constant": np.column_stack([np.linspace(-1, 1, 20), np.full(20, -0.5)]),
    "scale 1e-8": 1e-8 * np.random.default_rng(0).uniform(-1, 1, (20, 2)),
    "scale 1e8": 1e8 * np.random.default_rng(1).uniform(-1, 1, (20, 2)),
}


@pytest.mark.parametrize("name", list(DEGENERATE))
def test_grid_update_on_degenerate_samples_keeps_knots_ordered_and_basis_finite(name):
    x = DEGENERATE[name]
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.update_grid(x)
        probe = np.vstack([x, np.random.default_rng(2).uniform(-2, 2, (10, 2))])
        out = model(probe)
    for layer, xl in zip(model.layers, model.layer_inputs(probe)):
        assert (np.diff(layer.knots, axis=1) >= 0).all() and np.isfinite(layer.knots).all()
        assert np.isfinite(bspline.basis(xl, layer.knots, layer.k)).all()
    assert _all_finite(model) and np.isfinite(out).all()


# ---------------------------------------------------------------- symbolic edges out of their domain
@pytest.mark.parametrize("name", ["log", "sqrt", "1/x", "1/sqrt(x)", "1/x^2", "arcsin", "arctanh", "tan"])
def test_symbolic_edges_leaving_their_domain_stay_finite_in_training(data, name):
    """b, c are set so that b·x + c crosses the domain's end (or the pole) on the data."""
    model = KAN([2, 2, 1], grid=3, k=3, seed=0)
    model.fix_symbolic(0, 0, 0, name, fit_params=False)
    model.layers[0].params["sym_affine"][0, 0] = (1.0, 2.0, 0.0, 0.0)   # z = 2x ∈ [-2, 2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = model(data["train_input"])
        hist = model.fit(data, opt="Adam", steps=5, lr=1e-2, log=0, update_grid=False)
    assert np.isfinite(out).all() and np.isfinite(hist["train_loss"]).all() and _all_finite(model)
