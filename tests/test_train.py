"""Tests for minikan.train and KAN.fit: the objective's gradient, accuracy on the seed example,
reproducibility, the history, Adam, bad input, mini-batches, grid update + refine, Ctrl-C."""
import os
import signal
import time

import numpy as np
import pytest
from helpers import perturb

from minikan import create_dataset, gradcheck, train
from minikan.data import FUNCTIONS
from minikan.model import KAN

TOL = 1e-6


def perturbed_model(width, seed=0, grid=4):
    return perturb(KAN(width, grid=grid, k=3, seed=seed), seed + 60)


@pytest.fixture(scope="module")
def exp_sin():
    return create_dataset(FUNCTIONS["exp_sin"].f, n_var=2, train_num=1000, test_num=1000, seed=0)


@pytest.fixture(scope="module")
def small():
    return create_dataset(FUNCTIONS["exp_sin"].f, n_var=2, train_num=200, test_num=100, seed=1)


# ---------------------------------------------------------------------------- the objective fit uses
@pytest.mark.parametrize("loss_fn", ["mse", "ce"])
def test_objective_gradient_mse_and_ce(loss_fn):
    rng = np.random.default_rng(0)
    model = perturbed_model([2, 3, 3] if loss_fn == "ce" else [2, 3, 2], seed=1)
    x = rng.uniform(-1, 1, (10, 2))
    y = rng.integers(0, 3, 10) if loss_fn == "ce" else rng.normal(size=(10, 2))
    report = gradcheck.check_objective(model, x, y, loss_fn=loss_fn, lamb=0.01, lamb_l1=1,
                                       lamb_entropy=2, lamb_coef=0.1, lamb_coefdiff=0.1)
    assert report.max_rel_error < TOL, report.table()


# ---------------------------------------------------------------------------- accuracy, history
def test_fit_seed_example_accuracy(exp_sin):
    model = KAN([2, 5, 1], grid=5, k=3, seed=0)
    hist = model.fit(exp_sin, opt="LBFGS", steps=50, log=0)
    rmse = model.evaluate(exp_sin)["test_rmse"]
    assert rmse < 4e-3, rmse                                             # the README's accuracy bar
    assert hist["test_loss"][-1] == pytest.approx(rmse, rel=1e-12)
    for key in ("train_loss", "test_loss", "reg", "n_edges", "time", "objective"):
        assert hist[key].shape == (50,), key
    assert (np.diff(hist["time"]) >= 0).all()
    assert hist["train_loss"][-1] < hist["train_loss"][0] / 10
    assert (hist["reg"] >= 0).all()


def test_fit_reproducible(small):
    hists = []
    for _ in range(2):
        model = KAN([2, 3, 1], grid=5, k=3, seed=3)
        hists.append(model.fit(small, opt="LBFGS", steps=8, lamb=0.01, batch=50, seed=2, log=0))
    assert hists[0].keys() == hists[1].keys()
    for key in hists[0]:
        if key != "time":
            np.testing.assert_array_equal(hists[0][key], hists[1][key], err_msg=key)


def test_adam_lowers_the_loss(small):
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    hist = model.fit(small, opt="Adam", steps=40, lr=0.02, log=0)
    assert hist["train_loss"].shape == (40,)
    assert hist["train_loss"][-1] < 0.5 * hist["train_loss"][0]


def test_minibatch_fit(small):
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    before = model.evaluate(small)["train_rmse"]
    hist = model.fit(small, opt="LBFGS", steps=5, batch=100, log=0)
    assert hist["train_loss"].shape == (5,)
    assert np.isfinite(hist["objective"]).all()
    assert hist["train_loss"][-1] < before


@pytest.mark.parametrize("opt, lamb, loss_fn", [("Adam", 0.0, "mse"), ("LBFGS", 0.01, "mse"), ("Adam", 0.01, "ce")])
def test_train_values_read_off_the_next_evaluation_equal_a_fresh_forward(small, monkeypatch, opt, lamb, loss_fn):
    """On a full batch, fit reads each step's train values off the next step's first objective
    evaluation (fitting.py); they must be exactly those of a fresh forward after the step,
    grid updates in between included."""
    data = dict(small)
    if loss_fn == "ce":
        data["train_label"] = (small["train_label"][:, 0] > 1.5).astype(int)
        data["test_label"] = (small["test_label"][:, 0] > 1.5).astype(int)
    width = [2, 3, 1] if loss_fn == "mse" else [2, 3, 2]
    kw = dict(opt=opt, steps=7, lr=1.0 if opt == "LBFGS" else 0.02, lamb=lamb, loss_fn=loss_fn,
              grid_update_num=3, stop_grid_update_step=6, log=0)
    read_off = KAN(width, grid=4, k=3, seed=0).fit(data, **kw)
    fit = train.fit
    monkeypatch.setattr(train, "fit", lambda *a, start_metrics=None, **k: fit(*a, **k))   # no reuse
    fresh = KAN(width, grid=4, k=3, seed=0).fit(data, **kw)
    assert read_off.keys() == fresh.keys()
    for key in fresh:
        if key != "time":
            np.testing.assert_array_equal(read_off[key], fresh[key], err_msg=key)


# ---------------------------------------------------------------------------- bad input
def bad_datasets(data):
    d = {key: np.array(v) for key, v in data.items()}
    yield "train_label", dict(d, train_label=d["train_label"][:-1])              # mismatched lengths
    yield "test_input", dict(d, test_input=d["test_input"][:, :1])               # wrong feature count
    yield "train_label", dict(d, train_label=np.hstack([d["train_label"]] * 2))  # (n, 2) for 1 output
    bad = d["train_label"].copy()
    bad[3] = np.nan
    yield "train_label", dict(d, train_label=bad)                                # non-finite label
    inf = d["test_label"].copy()
    inf[0] = np.inf
    yield "test_label", dict(d, test_label=inf)


@pytest.mark.parametrize("case", range(5))
def test_bad_dataset_raises_before_training(small, case):
    name, data = list(bad_datasets(small))[case]
    model = KAN([2, 3, 1], seed=0)
    before = {key: p.copy() for key, p in model.params.items()}
    knots = [layer.knots.copy() for layer in model.layers]
    with pytest.raises(ValueError, match=name):
        model.fit(data, steps=2, log=0)
    for key, p in model.params.items():
        np.testing.assert_array_equal(p, before[key])
    for layer, t in zip(model.layers, knots):
        np.testing.assert_array_equal(layer.knots, t)
    assert model.train_input is None


@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(opt="SGD"), ValueError, "opt"),
    (dict(steps=0), ValueError, "steps"),
    (dict(steps=2.0), TypeError, "steps"),
    (dict(batch=0), ValueError, "batch"),
    (dict(batch=-5), ValueError, "batch"),
    (dict(loss_fn="l1"), ValueError, "loss_fn"),
    (dict(lamb=-1.0), ValueError, "lamb"),
    (dict(lr=np.nan), ValueError, "lr"),
    (dict(loss_fn="ce"), ValueError, "train_label"),               # float labels for classification
])
def test_bad_arguments_raise_before_training(small, kwargs, exc, name):
    model = KAN([2, 3, 1], seed=0)
    before = {key: p.copy() for key, p in model.params.items()}
    with pytest.raises(exc, match=rf"^{name}\b"):
        model.fit(small, **dict(dict(steps=2, log=0), **kwargs))
    for key, p in model.params.items():
        np.testing.assert_array_equal(p, before[key])


def test_ce_labels_shape_checked():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (20, 2))
    data = {"train_input": x, "train_label": rng.integers(0, 3, (20, 1)),
            "test_input": x, "test_label": rng.integers(0, 3, 20)}
    with pytest.raises(ValueError, match=r"^train_label must have shape \(n,\)"):
        KAN([2, 3, 3]).fit(data, loss_fn="ce", steps=1, log=0)
    data["train_label"] = data["train_label"][:, 0]
    hist = KAN([2, 3, 3]).fit(data, loss_fn="ce", steps=3, log=0)
    assert set(hist) >= {"train_acc", "test_acc", "train_loss"}


# ---------------------------------------------------------------------------- grid update + refine
def test_grid_update_then_refine_keeps_outputs(small):
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    model.fit(small, opt="LBFGS", steps=6, update_grid=True, grid_update_num=3, stop_grid_update_step=6, log=0)
    x = small["train_input"]
    y = model(x)
    fine = model.refine(10)                                              # the training inputs of fit
    assert fine.grid == 10
    # the grid updates put the knots on the layer inputs; 5 → 10 keeps every old base knot, only
    # the end extensions differ: measured 2.3e-5
    assert gradcheck.rel_error(fine(x), y) < 1e-3
    hist = fine.fit(small, opt="LBFGS", steps=3, log=0)
    assert np.isfinite(hist["train_loss"]).all()


# ---------------------------------------------------------------------------- Ctrl-C
def test_interrupt_stops_after_current_step(small):
    model = KAN([2, 3, 1], grid=3, k=3, seed=0)
    x, y = small["train_input"], small["train_label"]

    def metrics(step):
        if step == 2:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)                                             # let the handler run
        return {"step": step}
    old = signal.getsignal(signal.SIGINT)
    hist = train.fit(model, x, y, opt="Adam", steps=10, lr=0.01, metrics=metrics)
    assert signal.getsignal(signal.SIGINT) is old                        # handler restored
    assert len(hist["objective"]) == 3 and list(hist["step"]) == [0, 1, 2]
    assert all(np.isfinite(p).all() for p in model.params.values())


def test_interrupt_after_a_deferred_step_measures_it(small):
    model = KAN([2, 3, 1], grid=3, k=3, seed=0)
    x, y = small["train_input"], small["train_label"]

    def metrics(step, defer):
        if step == 1:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
        return {"loss": None if defer else float(step)}         # deferred unless told otherwise
    hist = train.fit(model, x, y, opt="Adam", steps=10, lr=0.01, metrics=metrics,
                     start_metrics=lambda step: {"loss": step - 0.5})
    assert list(hist["loss"]) == [0.5, 1.0]                   # step 0 from step 1's start; step 1 fresh


def test_stop_on_interrupt_handler():
    with train._StopOnInterrupt() as interrupt:
        assert interrupt.stop is False
        interrupt._handle(signal.SIGINT, None)
        assert interrupt.stop is True


def test_make_optimizer_rejects_unknown():
    with pytest.raises(ValueError, match="^opt"):
        train.make_optimizer("sgd", {"a": np.zeros(2)}, 0.1)


def test_all_finite_sees_a_nan_or_inf_in_any_array():
    from minikan.validate import all_finite
    arrays = [np.zeros((2, 3)), np.ones(4), np.full((1, 2, 2), 5.0)]
    assert all_finite(arrays) and all_finite(a for a in arrays) and all_finite([])
    for bad in (np.nan, np.inf, -np.inf):
        for i in range(3):
            broken = [a.copy() for a in arrays]
            broken[i].flat[-1] = bad
            assert not all_finite(broken)
