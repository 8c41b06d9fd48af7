"""fit on larger data: metrics on a bounded subset with mini-batches, memmaps not copied, steps/s shown."""
import io

import numpy as np

from minikan import KAN, fit_checks, losses, progress
from minikan import fitting as model_mod


def _dataset(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 2))
    y = np.sin(x).sum(axis=1, keepdims=True)
    return {"train_input": x, "train_label": y, "test_input": x[::-1].copy(), "test_label": y[::-1].copy()}


def test_minibatch_metrics_use_evenly_spaced_subset(monkeypatch):
    monkeypatch.setattr(model_mod, "METRICS_MIN_ROWS", 50)
    ds = _dataset(200)
    model = KAN([2, 3, 1], grid=3, seed=0)
    hist = model.fit(ds, opt="Adam", steps=3, lr=0.01, batch=20, update_grid=False, log=0)
    idx = np.arange(50) * 200 // 50
    x, y = ds["train_input"], ds["train_label"]
    assert hist["train_loss"][-1] == losses.rmse(model(x[idx]), y[idx])
    assert hist["train_loss"][-1] != losses.rmse(model(x), y)


def test_full_batch_metrics_use_every_row(monkeypatch):
    monkeypatch.setattr(model_mod, "METRICS_MIN_ROWS", 50)
    ds = _dataset(200)
    model = KAN([2, 3, 1], grid=3, seed=0)
    hist = model.fit(ds, opt="Adam", steps=3, lr=0.01, update_grid=False, log=0)
    assert hist["train_loss"][-1] == losses.rmse(model(ds["train_input"]), ds["train_label"])
    assert hist["test_loss"][-1] == losses.rmse(model(ds["test_input"]), ds["test_label"])


def test_float64_memmap_is_not_copied(tmp_path):
    ds = _dataset(100)
    np.save(tmp_path / "x.npy", ds["train_input"])
    ds["train_input"] = np.load(tmp_path / "x.npy", mmap_mode="r")
    x, *_ = fit_checks.check_dataset(ds, "mse", 2, 1)
    assert np.shares_memory(x, ds["train_input"])
    hist = KAN([2, 2, 1], grid=3, seed=0).fit(ds, opt="Adam", steps=2, lr=0.01, batch=10, log=0)
    assert np.isfinite(hist["train_loss"]).all()


def test_progress_line_shows_steps_per_second(monkeypatch):
    monkeypatch.setattr(progress, "QUIET_SECONDS", 0.0)
    out = io.StringIO()
    line = progress.ProgressLine(stream=out)
    line(3, 10, {"objective": 1.0, "time": 2.0, "train_loss": 0.5})
    assert "step 4/10 | 2 steps/s | train_loss 5.000e-01" in out.getvalue()
