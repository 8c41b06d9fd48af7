"""Tests for minikan.bspline: the basis against scipy and against the recursion, its properties,
its derivative, curve → coefficients, and the knot grids."""
import numpy as np
import pytest
from scipy.interpolate import BSpline

from minikan import bspline, knotgrid
from minikan.gradcheck import rel_error

DEGREES = [0, 1, 2, 3, 5]
EXACT = 1e-12        # the basis is a few flops per value: agreement to rounding


def base_points(rng, n=40):
    """Random points of the base interval [-1, 1], with both ends exactly."""
    return np.concatenate([[-1.0, 1.0], rng.uniform(-1.0, 1.0, n)])      # (n + 2,)


def nonuniform_knots(G, k, in_dim, seed=0):
    """Knots adapted to skewed samples on [-1, 1] (both ends included): a non-uniform grid."""
    rng = np.random.default_rng(seed)
    x = np.concatenate([[[-1.0] * in_dim, [1.0] * in_dim], rng.uniform(-1, 1, (200, in_dim)) ** 3])
    return knotgrid.adaptive_knots(x, G, k, grid_eps=0.3)                  # (in_dim, G + 2k + 1)


def cox_de_boor(x, t, k):
    """B_{m,k}(x) for every m at one scalar x, by the textbook recursion, loop by loop.

    B_{m,0}(x) = 1 if t_m <= x < t_{m+1} else 0;
    B_{m,d}(x) = (x - t_m)/(t_{m+d} - t_m) B_{m,d-1} + (t_{m+d+1} - x)/(t_{m+d+1} - t_{m+1}) B_{m+1,d-1},
    a term whose denominator is 0 counts as 0 (0/0 = 0). Returns a list of len(t) - k - 1 values.
    """
    n_knots = len(t)
    B = [1.0 if t[m] <= x < t[m + 1] else 0.0 for m in range(n_knots - 1)]
    for d in range(1, k + 1):
        new = []
        for m in range(n_knots - 1 - d):
            left = 0.0 if t[m + d] == t[m] else (x - t[m]) / (t[m + d] - t[m]) * B[m]
            den = t[m + d + 1] - t[m + 1]
            right = 0.0 if den == 0 else (t[m + d + 1] - x) / den * B[m + 1]
            new.append(left + right)
        B = new
    return B


# ---------------------------------------------------------------------------- against scipy
@pytest.mark.parametrize("k", DEGREES)
@pytest.mark.parametrize("grid", ["uniform", "adaptive"])
def test_basis_equals_scipy_design_matrix_on_base_interval(k, grid):
    rng = np.random.default_rng(k)
    G, in_dim = 7, 3
    t = knotgrid.uniform_knots(G, k, in_dim) if grid == "uniform" else nonuniform_knots(G, k, in_dim, seed=k)
    x = np.stack([base_points(rng) for _ in range(in_dim)], axis=1)       # (batch, in_dim)
    B = bspline.basis(x, t, k)                                            # (batch, in_dim, n_basis)
    assert B.shape == (x.shape[0], in_dim, G + k)
    for i in range(in_dim):                                               # one grid per input
        ref = BSpline.design_matrix(x[:, i], t[i], k).toarray()          # (batch, n_basis)
        assert np.abs(B[:, i, :] - ref).max() < EXACT


@pytest.mark.parametrize("k", DEGREES)
def test_basis_equals_recursion_in_extension_zone(k):
    rng = np.random.default_rng(10 + k)
    G = 5
    for t in (knotgrid.uniform_knots(G, k, 2), nonuniform_knots(G, k, 2, seed=3)):
        n_basis = G + k
        cols = []
        for i in range(2):
            lo = rng.uniform(t[i, 0], t[i, k], 6) if k else np.array([])       # [t_0, t_k)
            hi = rng.uniform(t[i, n_basis], t[i, -1], 6) if k else np.array([])  # (t_n, t_last)
            cols.append(np.concatenate([[t[i, 0]], lo, hi, rng.uniform(-1, 1, 4)]))
        x = np.stack(cols, axis=1)                                        # (batch, 2)
        B = bspline.basis(x, t, k)
        ref = np.array([[cox_de_boor(x[b, i], t[i], k) for i in range(2)] for b in range(len(x))])
        assert np.abs(B - ref).max() < EXACT


# ---------------------------------------------------------------------------- textbook vs local triangle
def repeated_knots(k):
    """A grid with a double and a triple interior knot (and a doubled end knot)."""
    base = np.array([-1.0, -0.6, -0.6, -0.1, 0.3, 0.3, 0.3, 0.7, 1.0])
    return np.concatenate([-1.0 - 0.2 * np.arange(k, 0, -1), base, 1.0 + 0.2 * np.arange(1, k + 1)])[None]


@pytest.mark.parametrize("k", DEGREES)
def test_basis_recursive_equals_scipy_and_the_scalar_recursion(k):
    rng = np.random.default_rng(60 + k)
    for t in (knotgrid.uniform_knots(5, k, 2), nonuniform_knots(5, k, 2, seed=11)):
        x = np.stack([base_points(rng, 20) for _ in range(2)], axis=1)     # (batch, 2) base interval
        B = bspline.basis_recursive(x, t, k)                              # (batch, 2, n_basis)
        for i in range(2):
            ref = BSpline.design_matrix(x[:, i], t[i], k).toarray()
            assert np.abs(B[:, i, :] - ref).max() < EXACT
        x = rng.uniform(t[:, 0] - 0.3, t[:, -1] + 0.3, (30, 2))            # extension zones and outside
        B = bspline.basis_recursive(x, t, k)
        ref = np.array([[cox_de_boor(x[b, i], t[i], k) for i in range(2)] for b in range(len(x))])
        assert np.abs(B - ref).max() < EXACT
    t = repeated_knots(max(k, 1))
    x = rng.uniform(t[0, 0] - 0.3, t[0, -1] + 0.3, (60, 1))
    ref = np.array([[cox_de_boor(v, t[0], max(k, 1))] for v in x[:, 0]])
    assert np.abs(bspline.basis_recursive(x, t, max(k, 1)) - ref).max() < EXACT


@pytest.mark.parametrize("k", DEGREES)
def test_local_triangle_equals_textbook_recursion_everywhere(k):
    rng = np.random.default_rng(70 + k)
    grids = [knotgrid.uniform_knots(4, k, 3), nonuniform_knots(4, k, 3, seed=12)]
    if k >= 1:
        grids.append(repeated_knots(k))
    for t in grids:
        x = rng.uniform(t[:, 0] - 0.5, t[:, -1] + 0.5, (200, t.shape[0]))   # every zone of the grid
        x = np.concatenate([x, np.repeat(t.T, 1, axis=0)])                 # and the knots themselves
        assert np.abs(bspline.basis(x, t, k) - bspline.basis_recursive(x, t, k)).max() < EXACT


@pytest.mark.parametrize("k", [0, 1, 3])
def test_local_values_of_functions_the_grid_lacks_are_zero(k):
    t = knotgrid.uniform_knots(3, k, 1)
    x = np.linspace(t[0, 0] - 0.2, t[0, -1] + 0.2, 97)[:, None]
    mu, V, dV = bspline.local_basis(x, t, k)                              # (batch, 1), 2 × (k+1, batch, 1)
    col = mu - k + np.arange(k + 1)[:, None, None]
    missing = (col < 0) | (col >= t.shape[1] - k - 1)
    assert missing.any() == (k > 0)
    assert (V[missing] == 0).all() and (dV[missing] == 0).all()


def test_local_basis_in_blocks_equals_one_block(monkeypatch):
    rng = np.random.default_rng(90)
    t = nonuniform_knots(5, 3, 3, seed=14)
    x = rng.uniform(t[:, 0] - 0.3, t[:, -1] + 0.3, (101, 3))             # every zone
    whole = bspline.local_basis(x, t, 3)
    monkeypatch.setattr(bspline, "BLOCK_POINTS", 20)                     # blocks of 6 rows, the last of 5
    for a, b in zip(bspline.local_basis(x, t, 3), whole):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("k", [0, 1, 3, 5])
def test_positions_stay_in_their_row_and_never_repeat(k):
    """Every point's k + 1 writes land in its own (b, i) row of the basis, on distinct
    columns, the functions the grid has on their own column (the others folded elsewhere)."""
    G = 2
    t = knotgrid.uniform_knots(G, k, 2)
    x = np.linspace(t[0, 0] - 0.3, t[0, -1] + 0.3, 301)[:, None].repeat(2, axis=1)  # every zone
    mu, V, _ = bspline.local_basis(x, t, k)
    n_basis = G + k
    pos = bspline.positions(mu, k, n_basis)                               # (k+1, batch, 2)
    row, col = np.divmod(pos, n_basis)
    assert (row == np.arange(x.size).reshape(x.shape)).all()
    assert all(len(set(col[:, b, i])) == k + 1 for b in range(len(x)) for i in range(2))
    real = (mu - k + np.arange(k + 1)[:, None, None])                     # μ - k + r
    has = (real >= 0) & (real < n_basis)
    assert (col[has] == real[has]).all() and (V[~has] == 0).all()


def test_gather_dot_is_the_transpose_of_scatter():
    rng = np.random.default_rng(80)
    k, G = 3, 4
    t = nonuniform_knots(G, k, 2, seed=13)
    x = rng.uniform(t[:, 0] - 0.3, t[:, -1] + 0.3, (40, 2))
    mu, V, dV = bspline.local_basis(x, t, k)
    pos = bspline.positions(mu, k, G + k)                                 # (k+1, batch, in)
    A = rng.normal(size=(40, 2, G + k))
    # <scatter(dV), A> summed per point = Σ_r A[pos_r] dV_r
    lhs = (bspline.scatter(dV, pos, A.shape) * A).sum(axis=2)           # (batch, in)
    assert rel_error(bspline.gather_dot(A, pos, dV), lhs) < 1e-14


# ---------------------------------------------------------------------------- properties
@pytest.mark.parametrize("k", DEGREES)
def test_partition_of_unity_on_base_interval(k):
    x = np.linspace(-1, 1, 201)[:, None]                                  # both ends exactly
    for t in (knotgrid.uniform_knots(6, k), nonuniform_knots(6, k, 1, seed=1)):
        B = bspline.basis(x, t, k)
        assert np.abs(B.sum(axis=2) - 1.0).max() < EXACT


@pytest.mark.parametrize("k", DEGREES)
def test_local_support_nonnegative_and_zero_outside(k):
    t = nonuniform_knots(6, k, 1, seed=2)
    x = np.linspace(t[0, 0] - 0.5, t[0, -1] + 0.5, 501)[:, None]
    x = np.concatenate([x, t.T])                                          # the knots themselves too
    B = bspline.basis(x, t, k)[:, 0, :]                                   # (batch, n_basis)
    assert (B >= -EXACT).all()
    assert ((B != 0).sum(axis=1) <= k + 1).all()
    # For k = 0 the base interval is the whole grid, closed on the right as in scipy (B(1) = 1).
    right_end = t[0, -1] if k == 0 else -np.inf
    outside = (x[:, 0] < t[0, 0]) | ((x[:, 0] >= t[0, -1]) & (x[:, 0] != right_end))
    assert outside.sum() > 10
    assert (B[outside] == 0).all()


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_continuity_at_interior_knots(k):
    t = nonuniform_knots(6, k, 1, seed=4)
    knots = t[0, 1:-1]                                                    # every knot inside (t_0, t_last)
    eps = 1e-9
    left = bspline.basis((knots - eps)[:, None], t, k)
    right = bspline.basis((knots + eps)[:, None], t, k)
    at = bspline.basis(knots[:, None], t, k)
    assert np.abs(left - right).max() < 1e-6                              # Lipschitz: ~eps·k/h
    assert np.abs(at - right).max() < 1e-6


# ---------------------------------------------------------------------------- derivative
def off_knot_points(t, k, rng, n=30, margin=1e-3):
    """Points inside [t_0, t_last), at least ``margin`` away from every knot."""
    x = rng.uniform(t[0], t[-1], 4 * n)
    far = np.abs(x[:, None] - t[None, :]).min(axis=1) > margin
    return x[far][:n]


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_basis_derivative_matches_finite_differences(k):
    rng = np.random.default_rng(20 + k)
    t = nonuniform_knots(5, k, 1, seed=5)
    x = off_knot_points(t[0], k, rng)[:, None]                            # (batch, 1)
    h = 1e-6
    numeric = (bspline.basis(x + h, t, k) - bspline.basis(x - h, t, k)) / (2 * h)
    assert rel_error(bspline.basis_derivative(x, t, k), numeric) < 1e-6


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_basis_derivative_equals_scipy(k):
    # scipy's spline is defined on the base interval only (NaN outside with extrapolate=False).
    rng = np.random.default_rng(30 + k)
    for t in (knotgrid.uniform_knots(5, k), nonuniform_knots(5, k, 1, seed=6)):
        n_basis = t.shape[1] - k - 1
        x = off_knot_points(t[0, k:n_basis + 1], k, rng)                  # (batch,) in the base interval
        ref = BSpline(t[0], np.eye(n_basis), k, extrapolate=False).derivative()(x)  # (batch, n_basis)
        assert np.isfinite(ref).all()
        dB = bspline.basis_derivative(x[:, None], t, k)[:, 0, :]
        assert np.abs(dB - ref).max() < 1e-9 * np.abs(ref).max()


def test_basis_derivative_zero_outside_and_degree_zero():
    t = knotgrid.uniform_knots(4, 3)
    x = np.array([[t[0, 0] - 0.1], [t[0, -1]], [t[0, -1] + 2.0]])
    assert (bspline.basis_derivative(x, t, 3) == 0).all()
    t0 = knotgrid.uniform_knots(4, 0)
    assert (bspline.basis_derivative(np.array([[0.3]]), t0, 0) == 0).all()


# ---------------------------------------------------------------------------- curve → coef
def test_curve_to_coef_equals_lstsq_per_input_and_output():
    rng = np.random.default_rng(40)
    k, G, in_dim, out_dim = 3, 6, 2, 3
    t = nonuniform_knots(G, k, in_dim, seed=7)
    x = rng.uniform(-1, 1, (50, in_dim))                                 # (batch, in_dim)
    y = rng.normal(size=(50, in_dim, out_dim))                           # (batch, in_dim, out_dim)
    coef = bspline.curve_to_coef(x, y, t, k)
    assert coef.shape == (in_dim, out_dim, G + k)
    for i in range(in_dim):
        B = BSpline.design_matrix(x[:, i], t[i], k).toarray()
        for j in range(out_dim):
            ref = np.linalg.lstsq(B, y[:, i, j], rcond=None)[0]
            assert rel_error(coef[i, j], ref) < 1e-10


def test_curve_to_coef_reproduces_a_spline_from_its_samples():
    rng = np.random.default_rng(41)
    k, G = 3, 5
    t = nonuniform_knots(G, k, 2, seed=8)
    c = rng.normal(size=(2, 2, G + k))                                    # (in, out, n_basis)
    x = rng.uniform(-1, 1, (60, 2))
    B = bspline.basis(x, t, k)                                            # (batch, in, n_basis)
    y = np.einsum("bim,ijm->bij", B, c)                                  # the spline's samples
    assert rel_error(bspline.curve_to_coef(x, y, t, k), c) < 1e-10


def test_curve_to_coef_minimum_norm_when_a_basis_function_sees_no_sample():
    k, G = 3, 10
    t = knotgrid.uniform_knots(G, k)
    x = np.linspace(-1, -0.2, 30)[:, None]                                # right half unseen
    y = np.sin(3 * x)[:, :, None]
    coef = bspline.curve_to_coef(x, y, t, k)
    assert np.isfinite(coef).all()
    B = bspline.basis(x, t, k)[:, 0, :]
    ref = np.linalg.lstsq(B, y[:, 0, 0], rcond=None)[0]                  # lstsq is minimum-norm too
    assert rel_error(coef[0, 0], ref) < 1e-8


# ---------------------------------------------------------------------------- knot grids
def test_uniform_knots():
    t = knotgrid.uniform_knots(4, 2, in_dim=3, grid_range=(0.0, 2.0))
    assert t.shape == (3, 4 + 2 * 2 + 1)
    np.testing.assert_allclose(t[1], np.arange(-2, 7) * 0.5, rtol=0, atol=1e-15)


def test_adaptive_knots_uniform_with_eps_one_and_pykans_quantiles_with_eps_zero_power_one():
    rng = np.random.default_rng(50)
    k, G = 3, 4
    x = np.concatenate([rng.normal(size=(101, 2)) * [1.0, 0.3], [[5.0, -2.0]]])   # (102, 2), skewed
    t = knotgrid.adaptive_knots(x, G, k, grid_eps=1.0)
    for i in range(2):
        lo, hi = x[:, i].min(), x[:, i].max()
        h = (hi - lo) / G
        np.testing.assert_allclose(t[i], lo + h * (np.arange(G + 2 * k + 1) - k), rtol=0, atol=1e-12)
    t0 = knotgrid.adaptive_knots(x, G, k, grid_eps=0.0, power=1)
    xs = np.sort(x, axis=0)
    idx = np.linspace(0, len(x) - 1, G + 1).round().astype(int)
    np.testing.assert_array_equal(t0[:, k:k + G + 1], xs[idx].T)        # base knots = sample quantiles
    assert (np.diff(t0, axis=1) > 0).all()


@pytest.mark.parametrize("power", [0.0, 1 / 9, 0.5])
def test_density_quantiles_follow_the_capped_power_of_a_two_step_density(power):
    # 900 samples evenly on [0, 1), 45 on [1, 2]: shares A, B per unit length. ρ ∝ p^power
    # gives [1, 2] the mass m = B^power/(A^power + B^power), capped at B/MIN_SHARE; the knots
    # then split [0, 1] into (1 - m)·G intervals and [1, 2] into m·G, each of equal width.
    x = np.concatenate([np.linspace(0, 1, 900, endpoint=False), np.linspace(1, 2, 45)])[:, None]
    A, B, G = 900 / 945, 45 / 945, 10
    m = min(B ** power / (A ** power + B ** power), B / knotgrid.MIN_SHARE)
    u = np.arange(G + 1) / G
    want = np.where(u <= 1 - m, u / (1 - m), 1 + (u - (1 - m)) / m)
    np.testing.assert_allclose(knotgrid.density_quantiles(x, G, power)[0], want, rtol=0, atol=0.01)
    assert (m == B / knotgrid.MIN_SHARE) == (power < 0.2)                   # 0 (uniform), 1/9 capped; 0.5 not
    t = knotgrid.adaptive_knots(x, G, 3, grid_eps=0.0)                      # default power 1/(2k + 3)
    np.testing.assert_allclose(t[0, 4:-4], knotgrid.density_quantiles(x, G, 1 / 9)[0, 1:-1], atol=1e-15)


def test_density_quantiles_equal_the_histogram_and_capped_sweeps_written_out():
    # np.histogram, then 200 cap-and-renormalise sweeps (converged) instead of capped_density's
    # exact water-filling: the same knots to rounding.
    rng = np.random.default_rng(3)
    xs = np.sort(np.stack([rng.uniform(-1, 1, 1000), rng.normal(size=1000) ** 3,
                           np.sin(np.pi * rng.uniform(-1, 1, 1000)) + rng.uniform(-1, 1, 1000) ** 2], 1), 0)
    for G in (5, 50):
        n_bins, u = max(G, int(np.sqrt(len(xs)))), np.linspace(0.0, 1.0, G + 1)
        for i, col in enumerate(xs.T):
            edges = np.linspace(col[0], col[-1], n_bins + 1)
            share = np.histogram(col, edges)[0] / len(col)
            rho = share ** (1 / 9)
            for _ in range(200):
                rho = np.minimum(rho / rho.sum(), share / knotgrid.MIN_SHARE)
            mass = np.cumsum(rho)
            want = np.interp(u, np.append(0.0, mass) / mass[-1], edges)
            np.testing.assert_allclose(knotgrid.density_quantiles(xs, G, 1 / 9)[i], want, rtol=0, atol=1e-14)


@pytest.mark.parametrize("G, G_new", [(3, 5), (4, 10), (20, 50), (5, 10)])
def test_refine_knots_keep_every_old_knot(G, G_new):
    tn = nonuniform_knots(G, 3, 2, seed=4)
    base = knotgrid.refine_knots(tn, 3, G_new)[:, 3:-3]                       # (2, G_new + 1)
    for i in range(2):
        assert np.isin(tn[i, 3:-3], base[i]).all()                           # old base ⊂ new base
        assert (np.diff(base[i]) > 0).all()


@pytest.mark.parametrize("k", [1, 3])
def test_refine_knots_keeps_range_and_uniform_grid(k):
    t = knotgrid.uniform_knots(5, k, in_dim=2, grid_range=(-0.5, 2.0))
    t_new = knotgrid.refine_knots(t, k, 20)
    fine = knotgrid.uniform_knots(20, k, 2, (-0.5, 2.0))
    np.testing.assert_allclose(t_new[:, k:-k], fine[:, k:-k], rtol=0, atol=1e-13)        # base: uniform, finer
    np.testing.assert_array_equal(t_new[:, :k], t[:, :k])                              # extension knots kept
    np.testing.assert_array_equal(t_new[:, -k:], t[:, -k:])
    tn = nonuniform_knots(5, k, 2, seed=9)
    tn_new = knotgrid.refine_knots(tn, k, 13)
    assert tn_new.shape == (2, 13 + 2 * k + 1)
    np.testing.assert_allclose(tn_new[:, k], tn[:, k], rtol=0, atol=1e-15)            # same base range
    np.testing.assert_allclose(tn_new[:, -k - 1], tn[:, -k - 1], rtol=0, atol=1e-15)
    assert (np.diff(tn_new, axis=1) > 0).all()


def test_basis_follows_knots_changed_in_place():
    """The knot tables are cached by the knots' values: writing new knots into the same
    array (as a grid update may) must give the new basis, not the cached one."""
    rng = np.random.default_rng(3)
    t = knotgrid.uniform_knots(5, 3, 2)                                    # (2, n_knots)
    x = rng.uniform(-1.2, 1.2, (300, 2))                                  # (300, 2), some past the grid
    first = bspline.basis(x, t, 3)
    t[...] = nonuniform_knots(5, 3, 2)                                    # same array, new values
    second = bspline.basis(x, t, 3)
    assert np.abs(second - first).max() > 1e-2
    assert rel_error(second, bspline.basis_recursive(x, t, 3)) < 1e-12


def test_least_squares_refinement_recovers_the_accuracy_the_normal_equations_lose():
    # BᵀB squares cond(B) ≈ 500 (G = 200 on 1000 samples): its solve alone is ~2e-12 off
    # lstsq here; the refinement step brings it to the SVD's ~1e-13.
    rng = np.random.default_rng(44)
    x = rng.uniform(-1, 1, (1000, 1))
    t = knotgrid.adaptive_knots(x, 200, 3, 0.02, knotgrid.GRID_MARGIN)
    y = np.exp(np.sin(3 * x))[:, :, None]
    B = BSpline.design_matrix(x[:, 0], t[0], 3).toarray()
    ref = np.linalg.lstsq(B, y[:, 0, 0], rcond=None)[0]
    assert rel_error(bspline.curve_to_coef(x, y, t, 3)[0, 0], ref) < 5e-13


def test_capped_density_is_the_fixed_point_of_cap_and_renormalise():
    rng = np.random.default_rng(45)
    share = rng.dirichlet(np.full(25, 0.3), size=3)                       # (3, 25), skewed rows
    share[:, [2, 9]] = 0.0
    share /= share.sum(axis=1, keepdims=True)
    p, cap = share ** (1 / 9), share / 0.25
    rho = p
    for _ in range(3000):                                                  # the sweeps, to convergence
        rho = np.minimum(rho / rho.sum(axis=1, keepdims=True), cap)
    out = knotgrid.capped_density(p, cap)
    np.testing.assert_allclose(out, rho, rtol=0, atol=1e-15)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    assert (out < cap).any() and (out == cap).any()                       # some bins held, some free
