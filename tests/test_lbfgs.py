"""Tests for minikan.optim.lbfgs: L-BFGS (the line search has tests/test_linesearch.py)."""

import numpy as np
import pytest
from scipy.optimize import minimize, rosen, rosen_der

from minikan.optim import LBFGS


def make_closure(fun_and_grad, params):
    """closure() -> (loss, {"x": grad}) at params["x"], counting its calls in calls[0]."""
    calls = [0]

    def closure():
        calls[0] += 1
        f, g = fun_and_grad(params["x"])
        return f, {"x": g}
    return closure, calls


def rosenbrock(x):
    return rosen(x), rosen_der(x)


def run_until(opt, grad, x, gtol, max_steps=200):
    """Call opt.step until ||grad(x)||_inf < gtol (checked outside the closure, uncounted)."""
    for _ in range(max_steps):
        if np.max(np.abs(grad(x))) < gtol:
            return
        opt.step(opt.closure)
    raise AssertionError(f"no convergence to {gtol} in {max_steps} steps")


def assert_strong_wolfe(log, c1=1e-4, c2=0.9):
    """Every logged line search ends with sufficient decrease, and with the curvature
    condition too unless max_eval cut it short (it then spent its whole budget)."""
    assert log
    for entry in log:
        assert entry["f_new"] <= entry["f0"] + c1 * entry["alpha"] * entry["gtd0"], entry
        assert entry["wolfe"] or entry["n_evals"] == entry["budget"], entry
        if entry["wolfe"]:
            assert abs(entry["gtd_new"]) <= c2 * abs(entry["gtd0"]), entry


@pytest.mark.parametrize("x0", [[-1.2, 1.0], [-1.2, 1.0] * 5], ids=["2-D", "10-D"])
def test_rosenbrock_needs_at_most_1_5x_scipy_evaluations(x0):
    x0 = np.array(x0)
    ref = minimize(rosenbrock, x0, method="L-BFGS-B", jac=True,
                   options={"maxcor": 10, "ftol": 0, "gtol": 1e-8})
    assert np.max(np.abs(ref.jac)) <= 1e-8
    params = {"x": x0.copy()}
    opt = LBFGS(params, tolerance_grad=1e-8, tolerance_change=0.0, record=True)
    opt.closure, calls = make_closure(rosenbrock, params)
    run_until(opt, rosen_der, params["x"], gtol=1e-8)
    assert calls[0] == opt.n_evals
    assert opt.n_evals <= 1.5 * ref.nfev, f"minikan {opt.n_evals} evaluations, scipy {ref.nfev}"
    np.testing.assert_allclose(params["x"], 1.0, atol=1e-7)
    assert_strong_wolfe(opt.log)


def test_ill_conditioned_quadratic_converges():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(50, 50)))          # (50, 50) orthogonal
    A = Q @ np.diag(np.logspace(0, 3, 50)) @ Q.T            # condition number 1e3
    x_star = rng.normal(size=50)

    def quadratic(x):
        r = x - x_star
        return 0.5 * r @ A @ r, A @ r

    params = {"x": np.zeros(50)}
    opt = LBFGS(params, tolerance_grad=1e-10, tolerance_change=0.0, record=True)
    opt.closure, _ = make_closure(quadratic, params)
    run_until(opt, lambda x: quadratic(x)[1], params["x"], gtol=1e-10)
    np.testing.assert_allclose(params["x"], x_star, atol=1e-9)
    assert_strong_wolfe(opt.log)


@pytest.mark.parametrize("bad", [np.inf, np.nan])
def test_non_finite_region_shrinks_the_step(bad):
    def walled_parabola(x):                  # x^2, undefined (inf or NaN) beyond x = 2
        if x[0] > 2.0:
            return bad, np.full(1, bad)
        return x[0] ** 2, 2.0 * x
    params = {"x": np.array([-1.5])}
    opt = LBFGS(params, lr=10.0, record=True)  # first trial step lands at x = 8.5
    closure, _ = make_closure(walled_parabola, params)
    losses = [walled_parabola(params["x"])[0]]
    for _ in range(3):
        opt.step(closure)
        assert np.isfinite(params["x"]).all()
        losses.append(walled_parabola(params["x"])[0])
    assert losses[1] < losses[0] and losses[-1] < 1e-12, losses
    assert_strong_wolfe(opt.log[:1])


def test_non_finite_start_leaves_params_alone():
    params = {"x": np.array([3.0])}
    opt = LBFGS(params)
    closure, calls = make_closure(lambda x: (np.nan, np.full(1, np.nan)), params)
    assert np.isnan(opt.step(closure))
    assert params["x"][0] == 3.0 and calls[0] == 1


def test_params_are_updated_in_place_and_step_returns_the_starting_loss():
    a, b = np.array([-1.2]), np.array([[1.0]])
    params = {"a": a, "b": b}

    def closure():
        f, g = rosenbrock(np.array([a[0], b[0, 0]]))
        return f, {"a": g[:1], "b": g[1:].reshape(1, 1)}
    opt = LBFGS(params)
    f_start = rosen(np.array([-1.2, 1.0]))
    assert opt.step(closure) == f_start
    assert params["a"] is a and params["b"] is b
    assert rosen(np.array([a[0], b[0, 0]])) < f_start


def test_history_persists_across_steps():
    # With a fixed closure, five one-iteration steps retrace one five-iteration step.
    one = {"x": np.tile([-1.2, 1.0], 3)}
    many = {"x": one["x"].copy()}
    opt_one = LBFGS(one, max_iter=5, max_eval=100)
    opt_many = LBFGS(many, max_iter=1, max_eval=100)
    opt_one.step(make_closure(rosenbrock, one)[0])
    closure, _ = make_closure(rosenbrock, many)
    for _ in range(5):
        opt_many.step(closure)
    assert len(opt_many.history) == len(opt_one.history) == 5
    np.testing.assert_array_equal(many["x"], one["x"])


def test_history_keeps_the_newest_pairs_only():
    params = {"x": np.tile([-1.2, 1.0], 3)}
    opt = LBFGS(params, history_size=3)
    opt.step(make_closure(rosenbrock, params)[0])
    assert opt.n_iter > 3 and len(opt.history) == 3
    for s, y, rho in opt.history:
        assert y @ s > 1e-10 and rho == pytest.approx(1.0 / (y @ s))


@pytest.mark.parametrize("max_eval", [None, 3, 7])
def test_max_eval_bounds_the_closure_calls_of_a_step(max_eval):
    params = {"x": np.tile([-1.2, 1.0], 5)}
    opt = LBFGS(params, max_eval=max_eval, tolerance_change=0.0)
    closure, calls = make_closure(rosenbrock, params)
    for _ in range(4):
        before = calls[0]
        opt.step(closure)
        assert calls[0] - before <= (25 if max_eval is None else max_eval)
    assert calls[0] == opt.n_evals


def test_bad_hyperparameters_are_rejected():
    params = {"x": np.zeros(2)}
    with pytest.raises(ValueError, match="c1 and c2"):
        LBFGS(params, c1=0.9, c2=0.1)
    with pytest.raises(TypeError, match="max_iter"):
        LBFGS(params, max_iter=2.5)
    with pytest.raises(TypeError, match="params"):
        LBFGS({"x": np.zeros(2, dtype=int)})
