"""Tests for minikan.model: full backprop by finite differences (sum and multiplication nodes),
input checks, width errors, copy, repr, input names, data-dependent operations."""
import helpers
import numpy as np
import pytest

from minikan import gradcheck
from minikan.model import KAN

TOL = 1e-6


def perturb(model, seed=0, masked=()):
    """O(1) random parameters (helpers.perturb); mask the edges (l, i, j) given."""
    helpers.perturb(model, seed)
    for l, i, j in masked:
        model.layers[l].mask[i, j] = 0.0
    return model


def off_knot(model, batch, rng, margin=1e-3):
    """Inputs whose every layer input stays ``margin`` away from its knots (kinks for k = 1)."""
    x = rng.uniform(-1, 1, (50 * batch, model.layers[0].in_dim))
    keep = np.ones(len(x), bool)
    for layer, xl in zip(model.layers, model.layer_inputs(x)):
        for i in range(layer.in_dim):
            keep &= np.abs(xl[:, i, None] - layer.knots[i][None, :]).min(axis=1) > margin
    assert keep.sum() >= batch
    return x[keep][:batch]


@pytest.mark.parametrize("k, G", [(1, 3), (1, 10), (2, 5), (3, 3), (3, 5), (3, 10)])
def test_kan_backward_matches_finite_differences(k, G):
    rng = np.random.default_rng(10 * k + G)
    model = perturb(KAN([3, 4, 4, 2], grid=G, k=k, seed=1), seed=G, masked=[(0, 0, 1), (1, 2, 3), (2, 3, 0)])
    x = off_knot(model, 5, rng)
    report = gradcheck.check(model, x, rng.normal(size=(5, 2)))
    assert report.max_rel_error < TOL, report.table()
    assert model.grads["layers.1.coef"][2, 3].max() == 0


@pytest.mark.parametrize("width, mult_arity", [([2, [2, 2], 1], 2), ([3, [1, 2], [2, 1], 1], 3)])
def test_mult_node_models_backward(width, mult_arity):
    rng = np.random.default_rng(7)
    model = perturb(KAN(width, grid=4, k=3, mult_arity=mult_arity, seed=2), seed=3)
    assert model.layers[0].out_dim == width[1][0] + mult_arity * width[1][1]
    x = rng.uniform(-1, 1, (5, width[0]))
    y = model(x)
    assert y.shape == (5, 1)
    report = gradcheck.check(model, x, rng.normal(size=(5, 1)))
    assert report.max_rel_error < TOL, report.table()


def test_mult_node_forward_multiplies():
    model = KAN([2, [0, 1], 1], grid=3, k=3, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 2))
    z = model.layers[0].forward(x)                                       # (4, 2) sub-nodes
    np.testing.assert_allclose(model.layers[1].forward(z[:, :1] * z[:, 1:]), model(x), rtol=1e-14)


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        KAN([2, 3, 1]).backward(np.ones((1, 1)))


# ---------------------------------------------------------------------------- input checks
@pytest.mark.parametrize("x, exc, match", [
    (np.zeros(3), ValueError, r"^x must have shape \(batch, 3\)"),
    (np.zeros((2, 3, 1)), ValueError, r"^x must have shape \(batch, 3\)"),
    (np.zeros((2, 4)), ValueError, r"^x must have shape \(batch, 3\)"),
    (np.array([[0.0, np.nan, 0.0]]), ValueError, r"^x .*NaN"),
    (np.array([[0.0, np.inf, 0.0]]), ValueError, r"^x .*inf"),
    (np.array([["a", "b", "c"]]), TypeError, r"^x must hold real numbers"),
    (np.array([[1.0, 2.0, None]], dtype=object), TypeError, r"^x must hold real numbers"),
    (np.zeros((2, 3), complex), TypeError, r"^x must hold real numbers.*complex"),
    ([[1.0, 2.0], [3.0]], ValueError, r"^x"),
])
def test_forward_rejects_bad_input(x, exc, match):
    model = KAN([3, 2, 1])
    with pytest.raises(exc, match=match):
        model(x)


def test_int_and_float32_inputs_equal_float64():
    model = perturb(KAN([3, 2, 2], seed=0))
    xi = np.array([[1, 0, -1], [0, 0, 1]])
    expected = model(xi.astype(np.float64))
    np.testing.assert_array_equal(model(xi), expected)
    x32 = np.random.default_rng(1).uniform(-1, 1, (4, 3)).astype(np.float32)
    out = model(x32)
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, model(x32.astype(np.float64)))
    np.testing.assert_array_equal(model([[1, 0, -1], [0, 0, 1]]), expected)   # nested lists too


@pytest.mark.parametrize("width, exc, match", [
    ([2, 2.5, 1], ValueError, r"width\[1\]"),
    ([2, "3", 1], ValueError, r"width\[1\]"),
    ([2, 0, 1], ValueError, r"width\[1\]"),
    ([2, -3, 1], ValueError, r"width\[1\]"),
    ([0, 3, 1], ValueError, r"width\[0\]"),
    ([2], ValueError, r"^width"),
    ([], ValueError, r"^width"),
    ("2,3", ValueError, r"^width"),
])
def test_width_errors(width, exc, match):
    with pytest.raises(exc, match=match):
        KAN(width)


def test_other_constructor_errors():
    with pytest.raises(ValueError, match="^k"):
        KAN([2, 1], k=0)
    with pytest.raises(TypeError, match="^grid"):
        KAN([2, 1], grid=5.0)
    with pytest.raises(ValueError, match="^grid_eps"):
        KAN([2, 1], grid_eps=2.0)
    with pytest.raises(TypeError, match="^seed"):
        KAN([2, 1], seed=None)


# ---------------------------------------------------------------------------- object conveniences
def test_seed_reproducible():
    a, b, c = KAN([2, 3, 1], seed=4), KAN([2, 3, 1], seed=4), KAN([2, 3, 1], seed=5)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    assert not np.array_equal(a.params["layers.1.scale_base"], c.params["layers.1.scale_base"])


def test_params_and_grads_keys():
    model = KAN([2, 3, 1], grid=4, k=2)
    keys = [f"layers.{l}.{n}" for l in range(2) for n in ("coef", "scale_base", "scale_sp", "sym_affine")]
    assert list(model.params) == keys
    assert model.params["layers.0.coef"].shape == (2, 3, 6)
    assert model.params["layers.1.sym_affine"].shape == (3, 1, 4)
    model(np.zeros((2, 2)))
    model.backward(np.ones((2, 1)))
    assert list(model.grads) == keys
    assert all(model.grads[key].shape == model.params[key].shape for key in keys)
    model.params["layers.0.coef"][0, 0, 0] = 42.0                       # params are the layers' arrays
    assert model.layers[0].params["coef"][0, 0, 0] == 42.0


def test_copy_is_independent():
    model = perturb(KAN([2, 3, 1], seed=0))
    model.train_input = np.zeros((3, 2))
    x = np.random.default_rng(0).uniform(-1, 1, (5, 2))
    y0 = model(x)
    other = model.copy()
    np.testing.assert_array_equal(other(x), y0)
    for p in other.params.values():
        p += 1.0
    other.layers[0].mask[:] = 0.0
    other.layers[1].knots += 0.5
    other.input_names[0] = "changed"
    other.width[1][0] = 99
    np.testing.assert_array_equal(model(x), y0)
    assert model.input_names == ["x1", "x2"] and model.width[1] == [3, 0]
    assert other.train_input is model.train_input                          # the data reference is kept


def test_repr_and_n_params():
    model = KAN([2, 5, 1], grid=5, k=3)
    assert model.n_params() == (2 * 5 + 5 * 1) * (5 + 3 + 2)
    r = repr(model)
    for part in ("width=[2, 5, 1]", "grid=5", "k=3", "params=150"):
        assert part in r
    model.layers[0].mask[0, 0] = 0
    assert "params=140" in repr(model)
    assert "[2, 1]" in repr(KAN([3, [2, 1], 1]))


def test_n_params_counts_symbolic_edges_only_while_unmasked():
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (64, 2))
    model.fix_symbolic(0, 0, 1, "x", x=x)             # a spline edge (10) becomes 4 affine parameters
    assert model.n_params() == 9 * 10 - 10 + 4
    model.layers[0].mask[0, 1] = 0                     # a pruned symbolic edge is zero: nothing to count
    assert model.n_params() == 9 * 10 - 10


def test_input_names():
    assert KAN([3, 1]).input_names == ["x1", "x2", "x3"]
    assert KAN([2, 1], input_names=["a", "b"]).input_names == ["a", "b"]
    for bad in (["a"], ["a", "b", "c"], ["a", ""], ["a", 3]):
        with pytest.raises(ValueError, match="^input_names"):
            KAN([2, 1], input_names=bad)


def test_refine_and_update_grid_need_samples():
    model = KAN([2, 3, 1])
    with pytest.raises(ValueError, match="pass x"):
        model.refine(10)
    with pytest.raises(ValueError, match="pass x"):
        model.update_grid()
    x = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    with pytest.raises(ValueError, match=r"^x must have shape \(batch, 2\)"):
        model.refine(10, x[:, :1])
    fine = model.refine(10, x)
    assert fine.grid == 10 and model.grid == 5


def test_refine_after_grid_update_keeps_outputs():
    model = perturb(KAN([2, 3, 1], grid=5, seed=0), seed=1)
    x = np.random.default_rng(1).uniform(-1, 1, (300, 2))
    # layer 1's inputs reach ±1.47, past the base interval; update_grid moves the knots onto them
    # (as fit does), after which 5 → 10 nests the spline spaces: the fit is exact (measured 3e-15)
    model.update_grid(x)
    y = model(x)
    fine = model.refine(10, x)
    assert gradcheck.rel_error(fine(x), y) < 1e-12
    assert gradcheck.rel_error(model.refine(7, x)(x), y) < 5e-2          # not nested: measured 1.9e-2
    assert fine.n_params() == (2 * 3 + 3) * (10 + 3 + 2)
