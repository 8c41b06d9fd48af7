"""Property tests of the B-spline basis (bspline.py) for random knots, degrees and points —
repeated knots and points exactly on knots included — against its defining properties
(de Boor, *A Practical Guide to Splines*, ch. IX) and against scipy's independent BSpline."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.interpolate import BSpline

from minikan import bspline

TOL = 1e-12          # both bases are O(1) sums of O(k) float64 products


@st.composite
def knots_and_points(draw, max_degree=4):
    """Non-decreasing knots t (1, n_knots) on a coarse lattice, so that repeats and points on
    knots are common, with every multiplicity ≤ k + 1 and a non-empty base interval; plus
    points x (batch, 1) in the base interval [t_k, t_{n_basis}], half of them knots."""
    k = draw(st.integers(0, max_degree))
    n_basis = draw(st.integers(k + 1, k + 6))
    n_knots = n_basis + k + 1
    lattice = draw(st.lists(st.integers(0, 12), min_size=n_knots, max_size=n_knots))
    t = np.sort(np.array(lattice, float)) / 4.0                 # (n_knots,)
    _, counts = np.unique(t, return_counts=True)
    if counts.max() > k + 1 or not t[k] < t[n_basis]:
        t = np.arange(n_knots) / 4.0                            # the uniform fallback is valid
    lo, hi = t[k], t[n_basis]
    on_knots = [v for v in t if lo <= v <= hi]
    inside = draw(st.lists(st.floats(lo, hi), min_size=1, max_size=8))
    picks = draw(st.lists(st.sampled_from(on_knots), min_size=1, max_size=8))
    x = np.array(inside + picks)[:, None]                       # (batch, 1)
    return t[None, :], x, k


def _scipy_basis(t, x, k):
    """B_m(x) for every m from scipy: BSpline with unit coefficient vectors (batch, n_basis)."""
    n_basis = len(t) - k - 1
    return np.stack([BSpline(t, np.eye(n_basis)[m], k, extrapolate=False)(x) for m in range(n_basis)], axis=1)


@given(knots_and_points())
def test_basis_agrees_with_scipy(case):
    t, x, k = case
    n_basis = t.shape[1] - k - 1
    if t[0, n_basis - 1] == t[0, n_basis]:
        # A repeated knot closes the base interval: scipy puts x = t_{n_basis} in a zero-width
        # interval and returns all zeros there, breaking the partition of unity; minikan takes
        # the limit from the left (sum 1, checked below). Compare everywhere else.
        x = x[x[:, 0] != t[0, n_basis]]
    ours = bspline.basis(x, t, k)[:, 0, :]                      # (batch, n_basis)
    np.testing.assert_allclose(ours, _scipy_basis(t[0], x[:, 0], k), atol=TOL, rtol=0)


@given(knots_and_points())
def test_partition_of_unity_and_non_negativity_on_the_base_interval(case):
    t, x, k = case
    B = bspline.basis(x, t, k)[:, 0, :]
    assert (B >= -TOL).all()
    np.testing.assert_allclose(B.sum(axis=1), 1.0, atol=TOL)


@given(knots_and_points(), st.floats(-3, 6))
def test_local_support_of_k_plus_1_functions(case, x_any):
    """At most k+1 consecutive B_m are non-zero at any x, and B_m vanishes off [t_m, t_{m+k+1}]."""
    t, x, k = case
    x = np.vstack([x, [[x_any]]])
    B = bspline.basis(x, t, k)[:, 0, :]                         # (batch, n_basis)
    for row, xv in zip(B, x[:, 0]):
        nz = np.flatnonzero(row)
        assert len(nz) <= k + 1
        if len(nz):
            assert nz[-1] - nz[0] == len(nz) - 1                # consecutive
        m = np.arange(B.shape[1])
        outside = (xv < t[0, m]) | (xv > t[0, m + k + 1])
        assert (row[outside] == 0).all()


FD_STEP = 1e-6       # central differences of scipy's basis; points stay 100 steps from every knot


@given(knots_and_points(max_degree=4))
def test_derivative_agrees_with_scipy_between_knots(case):
    """Against central differences of scipy's basis, away from knots (where B' may jump)."""
    t, x, k = case
    far = np.abs(x[:, 0][:, None] - t[0][None, :]).min(axis=1) > 100 * FD_STEP
    x = x[far]
    if not len(x):
        return
    ours = bspline.basis_derivative(x, t, k)[:, 0, :]
    ref = (_scipy_basis(t[0], x[:, 0] + FD_STEP, k) - _scipy_basis(t[0], x[:, 0] - FD_STEP, k)) / (2 * FD_STEP)
    scale = max(1.0, np.abs(ref).max())
    np.testing.assert_allclose(ours, ref, atol=1e-6 * scale, rtol=0)
