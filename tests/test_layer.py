"""Tests for minikan.layer: the backward by finite differences, the matmul forward against the
per-edge values, inputs off the grid, initialisation, bad arguments, grid update and extension."""
import numpy as np
import pytest

from minikan import bspline, gradcheck
from minikan import layer as layer_module
from minikan.gradcheck import numerical_grad_array, rel_error
from minikan.layer import KANLayer, sigmoid, silu, silu_grad

TOL = 1e-6           # the project's gradient bar (README, Conventions)


def perturbed_layer(in_dim, out_dim, grid, k, seed=1, masked=((0, 1),)):
    """A layer with O(1) random parameters (~0 coefficients hide bugs) and some edges masked."""
    rng = np.random.default_rng(seed + 100)
    layer = KANLayer(in_dim, out_dim, grid=grid, k=k, seed=seed)
    for name in ("coef", "scale_base", "scale_sp"):
        layer.params[name][:] = rng.normal(size=layer.params[name].shape)
    for i, j in masked:
        layer.mask[i, j] = 0.0
    return layer


def off_knot_inputs(layer, batch, rng, lo=-1.0, hi=1.0, margin=1e-3):
    """Inputs (batch, in_dim) in [lo, hi] at least ``margin`` from every knot (kinks for k ≤ 1)."""
    cols = []
    for i in range(layer.in_dim):
        x = rng.uniform(lo, hi, 20 * batch)
        x = x[np.abs(x[:, None] - layer.knots[i][None, :]).min(axis=1) > margin]
        cols.append(x[:batch])
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------------------- backward
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("G", [3, 5, 10])
def test_layer_backward_matches_finite_differences(k, G):
    rng = np.random.default_rng(10 * k + G)
    layer = perturbed_layer(3, 2, G, k, masked=((0, 1), (2, 0)))
    x = off_knot_inputs(layer, 6, rng, -1.1, 1.1)                        # a little into the extension
    report = gradcheck.check(layer, x, rng.normal(size=(6, 2)))
    assert report.max_rel_error < TOL, report.table()
    # a masked edge gets no gradient and contributes nothing
    assert layer.grads["coef"][0, 1].max() == 0 and layer.grads["scale_base"][2, 0] == 0


@pytest.mark.parametrize("k", [1, 2, 3])
def test_layer_backward_matches_finite_differences_on_updated_knots(k):
    # after a grid update the knots are uneven and differ per input
    rng = np.random.default_rng(30 + k)
    layer = perturbed_layer(3, 2, 5, k)
    layer.update_grid(rng.uniform(-1, 1, (200, 3)) ** 3)
    assert np.ptp(np.diff(layer.knots[:, k:-k], axis=1)) > 0.05
    x = off_knot_inputs(layer, 8, rng, -1.3, 1.3)                       # base, extension and outside
    report = gradcheck.check(layer, x, rng.normal(size=(8, 2)))
    assert report.max_rel_error < TOL, report.table()


def test_forward_cache_is_named():
    layer = perturbed_layer(3, 2, 4, 3)
    x = np.random.default_rng(0).uniform(-1, 1, (5, 3))
    layer.forward(x)
    cache = layer._cache.spline
    assert cache.B.shape == (5, 3 * 7) and cache.W.shape == (3 * 7, 2)
    assert rel_error(cache.B.reshape(5, 3, 7), bspline.basis(x, layer.knots, 3)) < 1e-15
    assert rel_error(cache.silu_x, silu(x)) < 1e-15


def test_data_basis_is_reused_only_for_equal_inputs_and_knots():
    layer = perturbed_layer(3, 2, 5, 3)
    rng = np.random.default_rng(3)
    x, x_test = rng.uniform(-1, 1, (6, 3)), rng.uniform(-1, 1, (4, 3))
    y = layer.forward(x, data=True)
    layer.forward(x_test, data=True)                                   # a second input is kept too
    layer.forward(x.copy(), data=True)
    assert layer._cache.spline.B is layer._bases[1][2].B               # an equal array reuses x's basis
    assert rel_error(layer.forward(x, data=True), y) == 0
    x[0, 0] = 0.3                                                      # changed in place: a new basis
    assert rel_error(layer.forward(x, data=True), layer.forward(x)) == 0
    layer.update_grid(rng.uniform(-1, 1, (50, 3)))                     # new knots: a new basis
    assert rel_error(layer.forward(x, data=True), layer.forward(x)) == 0
    layer.params["coef"] *= 2                                          # params do not enter the basis
    assert rel_error(layer.forward(x, data=True), layer.forward(x)) < 1e-15


def test_a_basis_past_the_byte_budget_is_not_kept(monkeypatch):
    monkeypatch.setattr(layer_module, "BASIS_BYTES_KEPT", 8 * 6 * 3 * 8 - 1)   # 1 byte short of 6 rows of B
    layer = perturbed_layer(3, 2, 5, 3)
    rng = np.random.default_rng(5)
    layer.forward(rng.uniform(-1, 1, (5, 3)), data=True)
    layer.forward(rng.uniform(-1, 1, (6, 3)), data=True)
    assert [kept_x.shape for kept_x, _, _ in layer._bases] == [(5, 3)]


def test_backward_without_input_grad_gives_the_same_param_grads():
    layer = perturbed_layer(3, 2, 5, 3)
    rng = np.random.default_rng(4)
    x, dout = rng.uniform(-1, 1, (6, 3)), rng.normal(size=(6, 2))
    layer.forward(x)
    assert layer.backward(dout) is not None
    full = layer.grads
    layer.forward(x)
    assert layer.backward(dout, input_grad=False) is None
    assert all(np.array_equal(full[name], g) for name, g in layer.grads.items())


def test_backward_before_forward_raises():
    with pytest.raises(RuntimeError, match="before forward"):
        KANLayer(2, 2).backward(np.ones((1, 2)))


def test_silu_grad_matches_finite_differences():
    x = np.linspace(-40, 40, 81)
    assert gradcheck.check_function(silu, silu_grad, x).max_rel_error < TOL
    assert np.isfinite(silu(np.array([-1e4, 1e4]))).all()               # no overflow


# ---------------------------------------------------------------------------- per-edge pair
@pytest.mark.parametrize("k", [1, 3])
def test_forward_equals_sum_over_edges(k):
    rng = np.random.default_rng(k)
    layer = perturbed_layer(4, 3, 5, k, masked=((0, 0), (3, 2)))
    x = rng.uniform(-1.5, 1.5, (9, 4))
    phi, _ = layer.edge_forward(x)                                       # (batch, in, out)
    assert phi.shape == (9, 4, 3)
    assert (phi[:, 0, 0] == 0).all() and (phi[:, 3, 2] == 0).all()
    assert rel_error(layer.forward(x), phi.sum(axis=1)) < 1e-13
    # and each edge is w_b silu + w_s spline
    p = layer.params
    ref = p["scale_base"] * silu(x)[:, :, None] + p["scale_sp"] * layer.spline_values(x)
    assert rel_error(phi, layer.mask * ref) < 1e-13


@pytest.mark.parametrize("k", [1, 2, 3])
def test_edge_backward_matches_finite_differences(k):
    rng = np.random.default_rng(20 + k)
    layer = perturbed_layer(3, 2, 4, k, masked=((1, 1),))
    x = off_knot_inputs(layer, 5, rng, -1.2, 1.2)
    dphi = rng.normal(size=(5, 3, 2))                                    # (batch, in, out)
    _, cache = layer.edge_forward(x)
    dx, grads = layer.edge_backward(dphi, cache)

    def loss():
        return float(np.sum(dphi * layer.edge_forward(x)[0]))
    assert rel_error(dx, numerical_grad_array(loss, x)) < TOL
    for name, p in layer.params.items():
        assert rel_error(grads[name], numerical_grad_array(loss, p)) < TOL, name


# ---------------------------------------------------------------------------- outside the grid
def test_inputs_outside_extended_grid():
    rng = np.random.default_rng(3)
    layer = perturbed_layer(2, 3, 5, 3, masked=((1, 2),))
    t_lo, t_hi = layer.knots[0, 0], layer.knots[0, -1]                  # -2.2, 2.2
    x = np.array([[t_lo - 0.5, t_hi + 0.3], [t_hi + 2.0, t_lo - 3.0], [-7.0, 5.0]])
    assert np.abs(layer.spline_values(x)).max() == 0.0
    y = layer.forward(x)
    ref = silu(x) @ (layer.mask * layer.params["scale_base"])            # only the silu branch
    assert rel_error(y, ref) < 1e-14
    report = gradcheck.check(layer, x, rng.normal(size=(3, 3)))
    assert report.max_rel_error < TOL, report.table()
    assert np.abs(layer.grads["coef"]).max() == 0.0


# ---------------------------------------------------------------------------- initialisation
def test_initialisation_reproducible_and_seed_dependent():
    a, b, c = KANLayer(3, 4, seed=7), KANLayer(3, 4, seed=7), KANLayer(3, 4, seed=8)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
    assert not np.array_equal(a.params["coef"], c.params["coef"])
    assert not np.array_equal(a.params["scale_base"], c.params["scale_base"])
    gen = KANLayer(3, 4, seed=np.random.default_rng(7))                  # a Generator works too
    np.testing.assert_array_equal(gen.params["coef"], a.params["coef"])


@pytest.mark.parametrize("G", [3, 5, 10])
def test_initial_phi_is_near_residual_branch(G):
    layer = KANLayer(3, 4, grid=G, k=3, noise_scale=0.3, seed=0)
    x = np.linspace(-1, 1, 101)[:, None].repeat(3, axis=1)
    spline = layer.params["scale_sp"] * layer.spline_values(x)          # (batch, in, out)
    # noise is U(±0.3/(2G)) at the base knots; the interpolating spline may overshoot a little
    assert np.abs(spline).max() < 2 * 0.3 / (2 * G) / np.sqrt(3)
    assert np.abs(spline).max() > 0                                      # but it is not zero
    sb = layer.params["scale_base"]
    assert (np.abs(sb) <= 1 / np.sqrt(3)).all()
    np.testing.assert_array_equal(layer.params["scale_sp"], np.full((3, 4), 1 / np.sqrt(3)))


# ---------------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs, exc, name", [
    (dict(k=0), ValueError, "k"),
    (dict(k=-1), ValueError, "k"),
    (dict(grid=0), ValueError, "grid"),
    (dict(grid=2.5), TypeError, "grid"),
    (dict(in_dim=2.0), TypeError, "in_dim"),
    (dict(out_dim="3"), TypeError, "out_dim"),
    (dict(out_dim=0), ValueError, "out_dim"),
    (dict(grid_range=[1, -1]), ValueError, "grid_range"),
    (dict(grid_range=[0, np.nan]), ValueError, "grid_range"),
    (dict(grid_range=[0, 1, 2]), ValueError, "grid_range"),
    (dict(noise_scale=-1.0), ValueError, "noise_scale"),
])
def test_bad_arguments_name_the_argument(kwargs, exc, name):
    args = dict(in_dim=2, out_dim=2)
    args.update(kwargs)
    with pytest.raises(exc, match=rf"^{name}\b"):
        KANLayer(**args)


# ---------------------------------------------------------------------------- grid update / extension
def smooth_layer(G=5, k=3):
    """A layer whose splines are smooth curves (fitted to sin/cos), not noise."""
    layer = KANLayer(2, 2, grid=G, k=k, seed=0)
    xs = np.linspace(-1, 1, 200)[:, None].repeat(2, axis=1)             # (200, 2)
    curves = np.stack([np.sin(2 * xs + 0.3), np.cos(1.5 * xs) - 0.5], axis=2)  # (200, 2 in, 2 out)
    layer.params["coef"][...] = bspline.curve_to_coef(xs, curves, layer.knots, k)
    return layer


def test_update_grid_keeps_phi_and_moves_knots():
    rng = np.random.default_rng(5)
    layer = smooth_layer()
    x = np.stack([rng.uniform(-0.8, 0.6, 300), rng.normal(0, 0.3, 300).clip(-0.9, 0.9)], axis=1)
    before = layer.edge_forward(x)[0]
    layer.update_grid(x)
    after = layer.edge_forward(x)[0]
    # measured 2.0e-3: the same G on a narrower range refits the old cubic closely, not exactly
    assert rel_error(after, before) < 5e-3
    # the base interval covers the samples with a small margin (knotgrid.GRID_MARGIN; measured 0.02-0.04 here)
    lo, hi = layer.knots[:, layer.k], layer.knots[:, -layer.k - 1]
    assert ((x.min(axis=0) - 0.1 < lo) & (lo < x.min(axis=0))).all()
    assert ((x.max(axis=0) < hi) & (hi < x.max(axis=0) + 0.1)).all()
    assert layer.grid == 5


def test_update_grid_on_a_models_input_shares_the_kept_basis_and_gives_the_same_layer():
    rng = np.random.default_rng(7)
    x = rng.uniform(-0.8, 0.6, (300, 2))
    plain, data = smooth_layer(), smooth_layer()
    data.forward(x, data=True)                                           # keeps x's basis on the old knots
    plain.update_grid(x)
    data.update_grid(x, data=True)
    np.testing.assert_array_equal(data.knots, plain.knots)
    np.testing.assert_allclose(data.params["coef"], plain.params["coef"], rtol=0, atol=1e-14)
    kept = data._bases[0]                                                # the new knots' basis, kept
    np.testing.assert_array_equal(kept[1], data.knots)
    assert data._data_basis(x) is kept[2]                                # the next forward finds it


def test_a_hidden_layers_grid_update_basis_serves_the_forwards_on_its_samples_only():
    rng = np.random.default_rng(8)
    x, other = rng.uniform(-0.8, 0.6, (300, 2)), rng.uniform(-0.8, 0.6, (300, 2))
    layer = smooth_layer()
    layer.update_grid(x)
    kept = layer._update_basis[0][2]                                      # the new knots' basis on x
    y = layer.forward(x.copy())
    assert layer._cache.spline.B is kept.B                                # an equal x reuses it
    np.testing.assert_array_equal(y, layer.copy().forward(x))             # a copy keeps none: a fresh basis
    layer.forward(other)                                                  # another x drops it
    assert layer._update_basis == []
    assert layer._cache.spline.B is not kept.B


# 5 → 10, 20 nest the old spline space (the old knots are among the new): the fit is exact.
# 5 → 7 does not: measured 4.0e-4.
@pytest.mark.parametrize("G_new, bound", [(7, 2e-3), (10, 1e-12), (20, 1e-12)])
def test_refined_output_close_to_original(G_new, bound):
    rng = np.random.default_rng(6)
    layer = smooth_layer()
    x = rng.uniform(-1, 1, (400, 2))
    fine = layer.refined(G_new, x)
    assert fine.grid == G_new and fine.params["coef"].shape == (2, 2, G_new + 3)
    assert rel_error(fine.forward(x), layer.forward(x)) < bound
    assert layer.grid == 5                                                # the original is untouched
    with pytest.raises(ValueError, match="new_grid"):
        layer.refined(0, x)


def test_copy_is_independent():
    layer = smooth_layer()
    other = layer.copy()
    other.params["coef"] += 1.0
    other.mask[0, 0] = 0.0
    other.knots += 0.1
    assert not np.array_equal(layer.params["coef"], other.params["coef"])
    assert layer.mask[0, 0] == 1.0 and layer.knots[0, 3] == -1.0


def test_sigmoid_keeps_its_precision_far_below_zero_and_takes_scalars():
    # σ(x) ≈ e^x for x ≪ 0; (1 + tanh(x/2))/2 cancels to 0 there from x ≈ -38 on
    x = np.array([-700.0, -40.0, 0.0, 40.0])
    with np.errstate(all="raise"):                                      # no overflow warning either
        s = sigmoid(x)
        assert sigmoid(-1000.0) == 0.0
    np.testing.assert_allclose(s, np.exp(x) / (1 + np.exp(x)), rtol=1e-15, atol=0)
    assert silu(0.5) == 0.5 / (1 + np.exp(-0.5))
