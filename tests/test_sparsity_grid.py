"""Grid updates during a sparsity fit widen hidden layers' knots and never narrow them
(``fitting.sparsity_grid_update``); without the penalty they follow the samples."""
import numpy as np

from minikan import KAN, create_dataset


def _base(layer):
    """(lo, hi) of each input's base interval: two (in,) arrays."""
    return layer.knots[:, layer.k].copy(), layer.knots[:, -layer.k - 1].copy()


def _data():
    return create_dataset(lambda x: np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2, 2, train_num=200,
                          test_num=50, seed=0)


def test_sparsity_fit_keeps_hidden_base_interval():
    data = _data()
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    lo, hi = _base(model.layers[1])                        # [-1, 1] at initialisation
    hidden = model.layer_inputs(data["train_input"])[1]   # (200, 3) untrained: well inside [-1, 1]
    assert (hidden.max(axis=0) - hidden.min(axis=0) < 1.5).all()
    model.fit(data, steps=1, lamb=0.01, log=0)             # one grid update, at step 0
    new_lo, new_hi = _base(model.layers[1])
    assert (new_lo <= lo + 1e-12).all() and (new_hi >= hi - 1e-12).all()
    # the input layer still follows its samples
    x = data["train_input"]
    in_lo, in_hi = _base(model.layers[0])
    assert (in_lo <= x.min(axis=0)).all() and (in_hi >= x.max(axis=0)).all()


def test_plain_fit_narrows_hidden_knots_to_the_samples():
    data = _data()
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    lo, hi = _base(model.layers[1])
    model.fit(data, steps=1, log=0)
    new_lo, new_hi = _base(model.layers[1])
    assert ((new_hi - new_lo) < (hi - lo)).all()


def test_sparsity_update_keeps_each_spline():
    """The two added samples are the old spline's own values: φ changes by about what an ordinary
    update's refit changes it."""
    from minikan.fitting import sparsity_grid_update
    data = _data()
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    model.fit(data, steps=5, log=0)
    x = data["train_input"]
    before = model.predict(x)                              # (200, 1)
    plain = model.copy()
    plain.update_grid(x)
    sparsity_grid_update(model, x, [0, 1])
    change = np.sqrt(np.mean((model.predict(x) - before) ** 2))
    plain_change = np.sqrt(np.mean((plain.predict(x) - before) ** 2))
    assert change < 0.05 * before.std()
    assert change < 2.0 * plain_change                     # no worse than an ordinary update
