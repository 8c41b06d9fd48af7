"""Tests for minikan.optim.adam: Adam against a transcription of Kingma & Ba, Alg. 1."""

import numpy as np
import pytest

from minikan.optim import Adam


def quadratic_problem(seed=0):
    """f = ½ a^T P a + ½ ||B - C||² over params {"a": (3,), "B": (2, 2)}, with its grads."""
    rng = np.random.default_rng(seed)
    P = np.diag([1.0, 10.0, 100.0])                       # (3, 3), unequal curvatures
    C = rng.normal(size=(2, 2))                           # (2, 2)
    params = {"a": rng.normal(size=3), "B": rng.normal(size=(2, 2))}

    def fun_and_grads(a, B):
        f = 0.5 * a @ P @ a + 0.5 * np.sum((B - C) ** 2)
        return f, {"a": P @ a, "B": B - C}
    return params, fun_and_grads


def reference_adam(theta, grad, n_steps, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Kingma & Ba, Alg. 1, line by line, for one flat vector theta."""
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t in range(1, n_steps + 1):
        g = grad(theta)
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g ** 2
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def run(opt, fun_and_grads, n_steps):
    """Make n_steps Adam updates; return the losses each step reported."""
    p = opt.params
    return [opt.step(lambda: fun_and_grads(p["a"], p["B"])) for _ in range(n_steps)]


@pytest.mark.parametrize("lr", [1e-3, 0.1])
def test_adam_matches_kingma_ba_algorithm_1(lr):
    params, fun_and_grads = quadratic_problem()

    def flat_grad(theta):                                 # theta (7,) = [a, B.ravel()]
        _, grads = fun_and_grads(theta[:3], theta[3:].reshape(2, 2))
        return np.concatenate([grads["a"], grads["B"].ravel()])
    theta0 = np.concatenate([params["a"], params["B"].ravel()])
    expected = reference_adam(theta0, flat_grad, 5, lr)
    run(Adam(params, lr=lr), fun_and_grads, 5)
    got = np.concatenate([params["a"], params["B"].ravel()])
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_step_updates_in_place_and_returns_the_loss_before_the_update():
    params, fun_and_grads = quadratic_problem()
    a, B = params["a"], params["B"]
    f0 = fun_and_grads(a, B)[0]
    opt = Adam(params, lr=0.1)
    losses = run(opt, fun_and_grads, 20)
    assert params["a"] is a and params["B"] is B
    assert losses[0] == f0 and losses[-1] < f0 and opt.t == 20


def test_weight_decay_is_l2_added_to_the_gradient():
    # Adam(weight_decay=wd) on f must equal plain Adam on f + (wd / 2) ||theta||².
    wd = 0.3
    params, fun_and_grads = quadratic_problem()
    ref_params = {key: theta.copy() for key, theta in params.items()}

    def with_l2(a, B):
        f, grads = fun_and_grads(a, B)
        f += 0.5 * wd * (a @ a + np.sum(B * B))
        return f, {"a": grads["a"] + wd * a, "B": grads["B"] + wd * B}
    run(Adam(params, lr=0.05, weight_decay=wd), fun_and_grads, 5)
    run(Adam(ref_params, lr=0.05), with_l2, 5)
    for key in params:
        np.testing.assert_allclose(params[key], ref_params[key], rtol=0, atol=1e-12)


def test_zero_weight_decay_changes_nothing():
    params, fun_and_grads = quadratic_problem()
    other = {key: theta.copy() for key, theta in params.items()}
    run(Adam(params, lr=0.05), fun_and_grads, 3)
    run(Adam(other, lr=0.05, weight_decay=0.0), fun_and_grads, 3)
    for key in params:
        np.testing.assert_array_equal(params[key], other[key])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_gradient_skips_the_update(bad):
    params, fun_and_grads = quadratic_problem()
    before = {key: theta.copy() for key, theta in params.items()}
    opt = Adam(params, lr=0.1)

    def broken():
        f, grads = fun_and_grads(params["a"], params["B"])
        grads["B"][0, 0] = bad
        return f, grads
    assert np.isfinite(opt.step(broken))
    assert opt.t == 0 and not np.any(opt.m["a"])
    for key in params:
        np.testing.assert_array_equal(params[key], before[key])


def test_bad_arguments_are_rejected():
    params, _ = quadratic_problem()
    with pytest.raises(ValueError, match="beta1"):
        Adam(params, beta1=1.0)
    with pytest.raises(TypeError, match="params"):
        Adam([np.zeros(2)])
    opt = Adam(params)
    with pytest.raises(ValueError, match="grads"):
        opt.step(lambda: (0.0, {"a": np.zeros(3)}))


# ------------------------------------------------------------------ reset (grid updates)
def test_reset_restarts_the_named_arrays_and_leaves_the_others():
    # "a" reset after 3 steps must then move exactly as a fresh Adam from where it stood;
    # "B" must go on as if nothing happened. (The problem is separable: a's gradient is P a.)
    params, fun_and_grads = quadratic_problem()
    untouched = {key: theta.copy() for key, theta in params.items()}
    opt, ref = Adam(params, lr=0.05), Adam(untouched, lr=0.05)
    run(opt, fun_and_grads, 3)
    run(ref, fun_and_grads, 3)
    a_at_reset = params["a"].copy()
    opt.reset(["a"])
    assert opt.t_key == {"a": 0, "B": 3} and not np.any(opt.m["a"]) and not np.any(opt.v["a"])
    run(opt, fun_and_grads, 4)
    run(ref, fun_and_grads, 4)
    P = np.diag([1.0, 10.0, 100.0])
    expected_a = reference_adam(a_at_reset, lambda a: P @ a, 4, 0.05)
    np.testing.assert_allclose(params["a"], expected_a, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(params["B"], untouched["B"])
    assert opt.t == 7 and opt.t_key == {"a": 4, "B": 7}


def test_reset_rejects_unknown_keys_before_changing_anything():
    params, fun_and_grads = quadratic_problem()
    opt = Adam(params, lr=0.05)
    run(opt, fun_and_grads, 2)
    m_a = opt.m["a"].copy()
    with pytest.raises(ValueError, match="keys"):
        opt.reset(["a", "C"])
    np.testing.assert_array_equal(opt.m["a"], m_a)
    assert opt.t_key["a"] == 2


def test_fit_resets_the_moments_of_what_before_step_re_expressed():
    # train.fit hands the keys a callback returns to Adam.reset: the same run by hand.
    from minikan import train

    class Quadratic:
        def __init__(self):
            self.params, self._f = quadratic_problem()

        def objective(self, x, y):
            return self._f(self.params["a"], self.params["B"])

    model, by_hand = Quadratic(), Quadratic()
    x = y = np.zeros((4, 1))
    train.fit(model, x, y, opt="Adam", steps=6, lr=0.05,
              before_step=lambda step, xb: ["a"] if step == 3 else None)
    opt = Adam(by_hand.params, lr=0.05)
    for step in range(6):
        if step == 3:
            opt.reset(["a"])
        opt.step(lambda: by_hand.objective(x, y))
    for key in model.params:
        np.testing.assert_array_equal(model.params[key], by_hand.params[key])


def test_kan_fit_with_adam_resets_the_coefficients_at_each_grid_update(monkeypatch):
    # KAN.fit's grid update refits the coefficients on new knots; their moments restart then.
    from minikan import KAN, create_dataset
    data = create_dataset(lambda x: np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2, 2, train_num=100,
                          test_num=10, seed=0)
    seen, original = [], Adam.reset

    def spy(self, keys):
        seen.append((self.t, sorted(keys)))
        original(self, keys)
    monkeypatch.setattr(Adam, "reset", spy)
    KAN([2, 2, 1], grid=3, k=3, seed=0).fit(data, opt="Adam", steps=12, lr=0.01,
                                             grid_update_num=2, stop_grid_update_step=10, log=0)
    assert seen == [(t, ["layers.0.coef", "layers.1.coef"]) for t in (0, 5)]
