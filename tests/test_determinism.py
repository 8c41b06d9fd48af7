"""The same seed gives bit-identical results: histories, parameters, knots and the saved
arrays (``np.savez`` of ``model.params``), for two runs in one process. Every random choice
in minikan takes a seed or a Generator (initialisation, batches, data, fits), so nothing
depends on global state — a third run after drawing from numpy's global generator agrees too."""
import hashlib
import io

import numpy as np
import pytest

from minikan import KAN, create_dataset


def _run(opt, seed=3):
    data = create_dataset(lambda x: np.exp(np.sin(np.pi * x[:, :1]) + x[:, 1:] ** 2), n_var=2,
                          train_num=60, test_num=20, seed=seed)
    model = KAN([2, [2, 1], 1], grid=3, k=3, seed=seed)
    hist = model.fit(data, opt=opt, steps=2, lr=1.0 if opt == "LBFGS" else 0.05, batch=30, lamb=0.01,
                     seed=seed, log=0)
    model = model.refine(6)
    hist2 = model.fit(data, opt=opt, steps=1, lr=1.0 if opt == "LBFGS" else 0.05, seed=seed, log=0)
    model.fix_symbolic(0, 0, 0, "sin")
    buf = io.BytesIO()
    np.savez(buf, **model.params)
    return hist, hist2, model, buf.getvalue()


def _digest(blob):
    return hashlib.sha256(blob).hexdigest()


@pytest.mark.parametrize("opt", ["LBFGS", "Adam"])
def test_same_seed_gives_bit_identical_runs(opt):
    a = _run(opt)
    np.random.seed(12345)
    np.random.rand(7)                 # disturb numpy's global generator: minikan must not use it
    b = _run(opt)
    for ha, hb in ((a[0], b[0]), (a[1], b[1])):
        assert ha.keys() == hb.keys()
        for key in ha:
            if key != "time":
                np.testing.assert_array_equal(ha[key], hb[key], err_msg=key)
    for key in a[2].params:
        assert a[2].params[key].tobytes() == b[2].params[key].tobytes(), key
    for la, lb in zip(a[2].layers, b[2].layers):
        assert la.knots.tobytes() == lb.knots.tobytes()
    assert _digest(a[3]) == _digest(b[3])


def test_a_different_seed_gives_a_different_run():
    """So the test above could fail: the seed reaches the result."""
    assert _digest(_run("Adam", seed=3)[3]) != _digest(_run("Adam", seed=4)[3])
