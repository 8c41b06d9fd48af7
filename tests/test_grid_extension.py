"""Tests for grid updates and grid extension: the margin of the base interval, knots on
degenerate samples, and refine/update keeping the function where unseen inputs fall."""
import numpy as np
import pytest

from minikan import bspline, knotgrid
from minikan.gradcheck import rel_error
from minikan.layer import KANLayer


def smooth_layer(x, G, k=3, seed=0, curves=lambda z: np.stack([np.sin(3 * z), np.cos(2 * z) + z], axis=2),
                 power=None):
    """A 1-input, 2-output layer on knots adapted to x whose splines follow ``curves`` (sin/cos)."""
    layer = KANLayer(1, 2, grid=G, k=k, seed=seed)
    layer.update_grid(x)
    if power is not None:                                                 # knots of another density power
        layer.knots = knotgrid.adaptive_knots(x, G, k, 0.02, knotgrid.GRID_MARGIN, power)
    z = np.linspace(layer.knots[0, k], layer.knots[0, -k - 1], 400)[:, None]   # the base interval
    layer.params["coef"][...] = bspline.curve_to_coef(z, curves(z), layer.knots, k)  # curves (400, 1, 2)
    return layer


def base_interval(layer, n=2001):
    """n points spanning the layer's base interval, margins included: (n, 1)."""
    return np.linspace(layer.knots[0, layer.k], layer.knots[0, -layer.k - 1], n)[:, None]


def test_margin_is_grid_margin_mean_end_gaps():
    rng = np.random.default_rng(0)
    G, k = 10, 3
    x = rng.uniform(-1, 1, (500, 2)) ** [1, 3]                            # (500, 2), one skewed
    t = knotgrid.adaptive_knots(x, G, k, grid_eps=0.0, margin=knotgrid.GRID_MARGIN, power=1)
    xs = np.sort(x, axis=0)
    j = 50                                                                # samples per interval
    floor = (xs[-1] - xs[0]) / (len(x) - 1)                              # the mean gap overall
    lo = xs[0] - knotgrid.GRID_MARGIN * np.maximum((xs[j] - xs[0]) / j, floor)
    hi = xs[-1] + knotgrid.GRID_MARGIN * np.maximum((xs[-1] - xs[-1 - j]) / j, floor)
    np.testing.assert_allclose(t[:, k], lo, rtol=0, atol=1e-14)
    np.testing.assert_allclose(t[:, -k - 1], hi, rtol=0, atol=1e-14)
    idx = np.linspace(0, len(x) - 1, G + 1).round().astype(int)          # the quantiles' indices
    np.testing.assert_array_equal(t[:, k + 1:-k - 1], xs[idx[1:-1]].T)   # interior: quantiles
    h = (hi - lo) / G                                                     # extension: mean spacing
    np.testing.assert_allclose(np.diff(t[:, :k + 1]), np.tile(h[:, None], k), rtol=1e-12)
    np.testing.assert_allclose(np.diff(t[:, -k - 1:]), np.tile(h[:, None], k), rtol=1e-12)


@pytest.mark.parametrize("grid_eps", [0.0, 0.02, 1.0])
def test_knots_non_decreasing_with_duplicate_and_constant_samples(grid_eps):
    rng = np.random.default_rng(1)
    x = np.column_stack([np.full(200, 0.7),                               # constant
                         np.repeat([-0.5, 0.0, 0.0, 0.0, 2.0], 40),       # few values, repeated
                         np.where(rng.random(200) < 0.6, 1.0, rng.normal(size=200))])  # an atom
    for G in (3, 20):
        t = knotgrid.adaptive_knots(x, G, 3, grid_eps, knotgrid.GRID_MARGIN)
        assert np.isfinite(t).all() and (np.diff(t, axis=1) >= 0).all()
        assert (t[:, 3] <= x.min(axis=0)).all() and (t[:, -4] >= x.max(axis=0)).all()
        assert t[0, -4] - t[0, 3] == pytest.approx(2.0)                   # constant: ±1 around it
        assert (bspline.basis(x, t, 3).sum(axis=2) == pytest.approx(1.0))  # all inside the base


def test_update_grid_is_well_posed_when_end_basis_functions_see_few_samples():
    # a long sparse tail: the last interval holds few samples, the margins none. A cubic lies
    # in every cubic spline space, so a well-posed fit keeps it exactly on the whole new base
    # interval, margins included (a coefficient no sample pins down would leave them free).
    rng = np.random.default_rng(2)
    x = np.concatenate([rng.normal(0, 0.2, 390), rng.uniform(0.6, 2.0, 10)])[:, None]
    cubic = lambda z: np.stack([z ** 3 - z, 0.5 * z ** 2 + 1], axis=2)     # noqa: E731
    layer = smooth_layer(np.linspace(-1, 2.2, 50)[:, None], G=10, curves=cubic)
    layer.update_grid(x)
    assert layer.knots[0, 3] < x.min() and layer.knots[0, -4] > x.max()
    z = base_interval(layer)
    assert rel_error(layer.spline_values(z), cubic(z)) < 1e-10            # measured 2e-15


def test_spline_falls_off_past_the_base_interval_and_the_margin_keeps_unseen_points_inside():
    # why the margin: beyond t_k the spline is no longer the cubic of its first interval but
    # drops ~ f·(δ/h)³/6, so a fine grid on exactly the sample range misfits unseen points
    # just past the samples. With the margin they lie inside and see the fitted cubic.
    rng = np.random.default_rng(3)
    train, test = rng.uniform(-1, 1, (1000, 1)), rng.uniform(-1, 1, (20000, 1))
    past = (test[:, 0] < train.min()) | (test[:, 0] > train.max())       # unseen, just past
    assert past.sum() >= 5
    errs = {}
    for margin in (0.0, knotgrid.GRID_MARGIN):
        t = knotgrid.adaptive_knots(train, 50, 3, 0.02, margin)
        c = bspline.curve_to_coef(train, np.exp(train)[:, :, None], t, 3)  # (1, 1, n_basis)
        err = np.abs(bspline.basis(test, t, 3)[:, 0, :] @ c[0, 0] - np.exp(test[:, 0]))
        errs[margin] = err[past].max() / err[~past].max()                # past vs inside the samples
    assert errs[0.0] > 20                                                  # measured 235
    assert errs[knotgrid.GRID_MARGIN] < 2                                   # measured 0.58


def holey_layer(G=10):
    """Smooth splines on pykan's quantile knots (power 1) of samples with a hole in (-0.1, 0.4)
    and a sparse right end: knots that leave some basis functions of a refined grid unseen."""
    rng = np.random.default_rng(4)
    u = rng.uniform(0, 1, 1000) ** 2 * 2 - 1                              # dense at -1, sparse at 1
    x = u[(u < -0.1) | (u > 0.4)][:, None]
    return smooth_layer(x, G, power=1), x


@pytest.mark.parametrize("G_new", [20, 50])
def test_refine_keeps_the_function_everywhere_on_a_holey_skewed_layout(G_new):
    # 10 → 20, 50 nest the spline spaces: the old spline has an exact fit. In the hole and
    # the margins no sample pins the new basis functions down; the fit's points of every
    # new interval (knotgrid.base_points) do, so refine keeps the spline exactly everywhere.
    layer, x = holey_layer()
    fine = layer.refined(G_new, x)
    np.testing.assert_allclose(fine.knots[0, [3, -4]], layer.knots[0, [3, -4]], rtol=0, atol=1e-14)
    z = base_interval(layer)
    assert rel_error(fine.spline_values(z), layer.spline_values(z)) < 1e-10  # measured 8e-15 (samples only: 9e-3 at 50)
    B = bspline.basis(x, fine.knots, 3)[:, 0, :]
    assert (B.max(axis=0) < 1e-3).any()                                    # some are unseen indeed


def test_refine_keeps_the_function_past_the_base_interval_too():
    # refine keeps the k extension knots each side, so the old spline space nests in the new
    # on the whole extended grid: a point in the fall-off zone (a test input past a hidden
    # node's training range) keeps its value. New extension knots spaced by the finer grid
    # would change the fall-off (and zero it past k new intervals).
    layer, x = holey_layer()
    t = layer.knots[0]
    zone = np.concatenate([np.linspace(t[0], t[3], 200), np.linspace(t[-4], t[-1], 200)])[:, None]
    assert np.abs(layer.spline_values(zone)).max() > 1e-2                 # the fall-off is not 0
    for G_new in (20, 23, 50):
        fine = layer.refined(G_new, x)
        np.testing.assert_array_equal(fine.knots[:, [0, 1, 2, -3, -2, -1]], layer.knots[:, [0, 1, 2, -3, -2, -1]])
        # measured ≤ 1.3e-11 (new extension knots spaced by the finer grid: 0.78–1.0)
        assert rel_error(fine.spline_values(zone), layer.spline_values(zone)) < 1e-10


def test_refine_to_a_grid_g_does_not_divide_keeps_the_function_everywhere():
    # 10 → 23: refine_knots splits the old intervals into 2 or 3 parts, keeping every old knot
    layer, x = holey_layer()
    fine = layer.refined(23, x)
    z = base_interval(layer)
    # measured 1.6e-15 (23 evenly placed knots, not nesting the old ones: 1.7e-3)
    assert rel_error(fine.spline_values(z), layer.spline_values(z)) < 1e-10


def test_refine_covers_inputs_that_drifted_past_the_base_interval():
    # after the last grid update, training moves a hidden layer's inputs; refine widens the
    # end intervals to cover them, and fits the old spline there too (its fall-off included,
    # which is what those inputs were trained with)
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (1000, 1))
    layer = smooth_layer(x, G=20)
    drifted = x * 1.03                                                    # 3% past each end
    assert (drifted.max() > layer.knots[0, -4]) and (drifted.min() < layer.knots[0, 3])
    fine = layer.refined(50, drifted)
    assert fine.knots[0, 3] < drifted.min() and fine.knots[0, -4] > drifted.max()
    assert (np.diff(fine.knots, axis=1) > 0).all()
    # measured 2.2e-4 (keeping the old ends: 2.7e-3)
    assert rel_error(fine.spline_values(drifted), layer.spline_values(drifted)) < 1e-3
