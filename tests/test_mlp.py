"""Tests for minikan.mlp: the backward by finite differences for every activation, the
training contract shared with KAN (train.fit, gradcheck, fit/predict/evaluate), init, errors."""
import helpers
import numpy as np
import pytest

from minikan import create_dataset, gradcheck
from minikan.mlp import MLP

TOL = 1e-6


def relu_safe_inputs(model, x, margin=1e-3):
    """Rows of x whose every hidden pre-activation stays away from relu's kink at 0."""
    model.forward(x)
    keep = np.all([np.abs(z).min(axis=1) > margin for z in model._cache[1][:-1]], axis=0)
    return x[keep]


@pytest.mark.parametrize("activation", ["tanh", "relu", "silu"])
@pytest.mark.parametrize("width", [[3, 4, 2], [2, 5, 3, 1]])
def test_backward_matches_finite_differences(activation, width):
    rng = np.random.default_rng(0)
    model = helpers.perturb(MLP(width, activation, seed=1), seed=2)   # non-zero biases too
    x = rng.normal(size=(40, width[0]))
    if activation == "relu":
        x = relu_safe_inputs(model, x)[:6]
    x = x[:6]
    report = gradcheck.check(model, x, rng.normal(size=(len(x), width[-1])))
    assert len(report.rows) == 2 * (len(width) - 1) + 1
    assert report.max_rel_error < TOL, report.table()


def test_wrong_backward_is_caught(monkeypatch):
    """The check above can fail: a backward that forgets σ' gives a large error."""
    import minikan.mlp as mlp
    rng = np.random.default_rng(0)
    x, dout = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    model = helpers.perturb(MLP([2, 4, 1], "tanh", seed=1))
    assert gradcheck.check(model, x, dout).ok
    monkeypatch.setitem(mlp.ACTIVATIONS, "tanh", (np.tanh, np.ones_like))
    assert gradcheck.check(model, x, dout).max_rel_error > 1e-2


@pytest.mark.parametrize("loss_fn", ["mse", "ce"])
def test_objective_gradient(loss_fn):
    rng = np.random.default_rng(3)
    model = helpers.perturb(MLP([2, 6, 3], "silu", seed=0), seed=4)
    x = rng.normal(size=(8, 2))
    y = rng.integers(0, 3, 8) if loss_fn == "ce" else rng.normal(size=(8, 3))
    report = gradcheck.check_objective(model, x, y, loss_fn=loss_fn)
    assert report.max_rel_error < TOL, report.table()


def test_shapes_params_and_repr():
    model = MLP([2, 16, 16, 1], seed=0)
    assert model(np.zeros((7, 2))).shape == (7, 1)
    assert model.n_params() == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1) * 1
    assert list(model.params) == ["layers.0.W", "layers.0.b", "layers.1.W", "layers.1.b",
                                  "layers.2.W", "layers.2.b"]
    assert repr(model) == "MLP(width=[2, 16, 16, 1], activation='silu', params=337)"
    model.backward(np.ones((7, 1)))
    assert {k: g.shape for k, g in model.grads.items()} == {k: p.shape for k, p in model.params.items()}
    assert all(p.flags.c_contiguous for p in model.params.values())


@pytest.mark.parametrize("activation, expected", [("tanh", np.sqrt(2 / (400 + 300))),
                                                  ("relu", np.sqrt(2 / 400)), ("silu", np.sqrt(2 / 400))])
def test_initialisation_scale_and_seed(activation, expected):
    W = MLP([400, 300, 1], activation, seed=0).params["layers.0.W"]
    assert W.std() == pytest.approx(expected, rel=0.02)
    assert np.array_equal(W, MLP([400, 300, 1], activation, seed=0).params["layers.0.W"])
    assert not np.array_equal(W, MLP([400, 300, 1], activation, seed=1).params["layers.0.W"])


def test_fit_reduces_loss_and_follows_kan_surface():
    data = create_dataset(lambda x: np.sin(2 * x[:, 0]) * x[:, 1], n_var=2, train_num=200,
                          test_num=200, seed=0)
    model = MLP([2, 16, 1], "tanh", seed=0)
    before = model.evaluate(data)["test_rmse"]
    hist = model.fit(data, opt="LBFGS", steps=20, log=0)
    after = model.evaluate(data)
    assert set(hist) >= {"train_loss", "test_loss", "objective", "time"} and len(hist["train_loss"]) == 20
    assert after["test_rmse"] < 0.2 * before
    assert hist["test_loss"][-1] == pytest.approx(after["test_rmse"])
    np.testing.assert_array_equal(model.predict(data["test_input"]), model(data["test_input"]))
    hist = model.fit(data, opt="Adam", steps=5, lr=1e-3, batch=50, log=0)
    assert len(hist["train_loss"]) == 5


def test_classification_fit_and_accuracy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    labels = (x[:, 0] * x[:, 1] > 0).astype(int)
    data = {"train_input": x[:100], "train_label": labels[:100],
            "test_input": x[100:], "test_label": labels[100:]}
    model = MLP([2, 8, 2], "relu", seed=0)
    hist = model.fit(data, steps=20, loss_fn="ce", log=0)
    assert "test_acc" in hist
    assert model.evaluate(data)["test_accuracy"] > 0.8
    np.testing.assert_allclose(model.predict_proba(x).sum(axis=1), 1.0)


@pytest.mark.parametrize("width", [[2], [2, 0, 1], "21", [2, 1.5, 1], [True, 1]])
def test_bad_width(width):
    with pytest.raises(ValueError, match="width"):
        MLP(width)


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation"):
        MLP([2, 1], activation="sigmoid")
    model = MLP([2, 3, 1])
    with pytest.raises(ValueError, match=r"\(batch, 2\)"):
        model(np.zeros((4, 3)))
    with pytest.raises(RuntimeError, match="before forward"):
        MLP([2, 1]).backward(np.zeros((1, 1)))
    data = create_dataset(lambda x: x[:, 0], n_var=2, train_num=10, test_num=10, seed=0)
    before = {k: p.copy() for k, p in model.params.items()}
    for kwargs in (dict(opt="SGD"), dict(steps=0), dict(batch=0), dict(loss_fn="l1")):
        with pytest.raises(ValueError):
            model.fit(data, **kwargs)
    assert all(np.array_equal(before[k], model.params[k]) for k in before)
