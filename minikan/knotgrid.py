"""Knot grids: where a spline's knots go — uniform, adapted to samples, extended, refined.

A grid of G intervals on the *base interval* [lo, hi] is extended by k knots on each side
(``extend_knots``), so that all G + k degree-k basis functions of ``bspline`` have full
support on [lo, hi]. A new KAN starts on ``uniform_knots``; a grid update
(KAN arXiv:2404.19756 §2.2, implementation detail 3, "update of spline grids"; the mix with
a uniform grid is pykan's ``grid_eps``) moves the knots to the samples (``adaptive_knots``); grid
extension (§2.4, "fine-graining") refines them (``refine_knots``), and ``base_points`` /
``cover_samples`` give the points on which the finer spline is fitted to the coarser one.

Shapes: in_dim (one grid per input); G intervals; k degree; n_knots = G + 2k + 1.
"""
import numpy as np


def uniform_knots(G, k, in_dim=1, grid_range=(-1.0, 1.0)):
    """Knots of G uniform intervals on ``grid_range``, extended by k knots each side.

    Math: t_m = lo + (m - k)·h,  h = (hi - lo)/G,  m = 0 … G + 2k   [KAN §2.2]

    Returns
    -------
    t : (in_dim, G + 2k + 1), the same grid for every input.
    """
    lo, hi = (float(v) for v in grid_range)
    h = (hi - lo) / G
    t = lo + (np.arange(G + 2 * k + 1) - k) * h            # (n_knots,)
    return np.tile(t, (in_dim, 1))                           # (in_dim, n_knots)


# Grid margin, in sample spacings: past the base interval the basis falls off to zero within
# k intervals, and the extreme of n samples misses the end of their distribution by about one
# spacing. Measured on exp(sin(πx) + y²), [2,1,1], G = 3 → 100 (quantile knots): margin 0 left 11
# of 1000 test points past the base interval (test RMSE at G = 50 22× train); 4 left 1 (2.0×); 8
# none (2.1×). On x1 + x2³, [2,1,1,1], 4 left one (refine 20 → 50: 22×), 8 none (1.01×).
# Deeper models, refine 20 → 50 from one trained model, test/train at G = 50 for margins 8, 4,
# 2: arctan(x1 + x2³) [2,1,1,1] 3.5, 3.6, 1044; Feynman I.6.2 [2,2,1,1] 4.0, 4.5, 44.
GRID_MARGIN = 8.0
# A column whose samples all (nearly) coincide says nothing about where its values will
# spread: its knots then span ±1 around them, the width of the default initial grid.
DEGENERATE_WIDTH = 1e-12
# Quantiles of p^(1/(2k+3)) alone leave intervals with almost no samples where they are rare,
# and coefficients no sample pins down drift in training ([4,2,1,1] on the distance, G = 50:
# test RMSE 1.8, 1900× train); capping ρ at p/MIN_SHARE keeps at least about MIN_SHARE·n/G
# samples in every interval. The cap widens intervals where samples are sparse, and their h⁴
# error shows there, most in the tails of a hidden layer's inputs: least squares alone on the
# hidden node's samples of arctan(x1 + x2³) (1000 points, G = 5 … 50) falls as G^-3.27 at
# MIN_SHARE 0.5, G^-3.88 at 0.25, G^-4.16 at 0.1. Measured (benchmarks/scaling.py, G = 3 → 50,
# best of seeds 0–4 at G = 3; test RMSE at G = 50, test/train there, slope over G = 5 … 50):
#
#   model (1000 points unless said)   0.5                0.25               0.125
#   exp(sin(πx) + y²) [2,1,1]         7.0e-7 1.73 -3.93  5.5e-7 1.55 -4.03  6.0e-7 1.60 -4.00
#   arctan(x1 + x2³) [2,1,1,1]        1.7e-7 3.54 -2.60  3.9e-8 1.43 -3.29  5.1e-8 2.75 -3.33
#   arctan, 4000 points               8.0e-8 1.11 -2.90  4.1e-8 0.91 -3.34  2.9e-8 1.02 -3.52
#   Feynman I.6.2 [2,2,1,1]           5.2e-6 4.00 -0.79  7.2e-7 5.12 -1.70  3.0e-6 5.76 -0.99
#   distance [4,2,1,1] (kink at r=0)  1.0e-3 2.55 -0.57  1.5e-3 3.40 -0.47  2.4e-3 5.24 -0.23
#
# (before the one-exp sigmoid and before refine kept the extension knots; with both, at 0.25:
# exp_sin 5.3e-7 1.62 -4.03; arctan 4.3e-8 1.40 -3.43, 4000 points 3.7e-8 1.02 -3.41; Feynman
# 2.7e-6 8.74 -1.10; distance 1.6e-3 3.14 -0.45. Rerun in a fresh environment, same code and
# versions: exp_sin 5.6e-7 1.68 -4.01; arctan 4.8e-7 4.16 -2.30 (seeds 0, 1, 4 run on their own:
# -3.16, -3.09, -3.26), 4000 points 3.9e-8 1.05 -3.31 — README, Scaling. A single arctan chain
# moves by up to ~1 in slope with rounding alone, so its columns rank the caps only roughly.)
# A fixed count of samples per interval instead (MIN_SHARE = c·G/n, capped at 1; c = 10, 5)
# gave 7.3e-7, 5.6e-7 on exp_sin but test/train 5.1, 3.1 on arctan (1000 points) and slopes
# -3.43, -3.28 on 4000. 0.25 has the lowest test error on every smooth model and test/train
# ≤ 3 on both arctan runs; 0.125 starts to cost the models whose hidden node is not an exact
# function (Feynman) or not smooth (distance). Elsewhere 0.5 → 0.25 is a draw: the discovery
# benchmark (manual recipe, seeds 0–4) 73/80 recovered both, 59 → 57 exact; pipeline_seeds
# [2, 1, 1] on 15/15 both; tutorial 04's run (200 steps per grid) test RMSE at G = 50 1.0e-6 →
# 9.0e-7. Its one cost: 200 Adam steps on [2,5,1] at G = 5 (benchmarks/adam_vs_pykan.py, seeds
# 0–4) median test RMSE 2.65e-2 → 3.72e-2 (the bar 7e-2; pykan 5.8e-2).
MIN_SHARE = 0.25


def extend_knots(base, k):
    """Base knots (in_dim, G + 1) extended by k knots each side, spaced by their mean spacing.

    Math: h = (t_G - t_0)/G; t_{-r} = t_0 - r·h, t_{G+r} = t_G + r·h, r = 1 … k   [as pykan]
    The spline space on the base interval does not depend on these knots; they set how the
    spline falls off beyond it.

    Returns
    -------
    t : (in_dim, G + 2k + 1)
    """
    G = base.shape[1] - 1
    h = ((base[:, -1] - base[:, 0]) / G)[:, None]             # (in_dim, 1)
    steps = h * np.arange(1, k + 1)                            # (in_dim, k)
    return np.concatenate([base[:, :1] - steps[:, ::-1], base, base[:, -1:] + steps], axis=1)


def adaptive_knots(x, G, k, grid_eps=0.02, margin=0.0, power=None):
    """Knots that follow the data: quantiles of ρ ∝ p^power, p the sample density, mixed with a uniform grid.

    Math: t = ε·t_uniform + (1 - ε)·t_ρ on [lo, hi], extended by ``extend_knots`` [as pykan];
    t_ρ by ``density_quantiles``. Default power 1/(2k + 3): the knot density minimising a
    degree-k spline's L2(p) error Σ_j p_j h_j^(2k+3) f⁽ᵏ⁺¹⁾² (de Boor ch. XII) for unknown f.
    power = 1 is pykan's (sample quantiles): wide intervals where samples are sparse lose G⁻⁴.
    lo = min x - margin·g_lo, hi = max x + margin·g_hi; g: the mean gap of the samples in the
    end quantile interval, at least the mean gap overall. ε = 1: uniform on [lo, hi].

    Parameters
    ----------
    x : (batch, in_dim) samples.

    Returns
    -------
    t : (in_dim, G + 2k + 1), non-decreasing.
    """
    xs = np.sort(x, axis=0)                                    # (batch, in_dim)
    n = xs.shape[0]
    t_quantile = density_quantiles(xs, G, 1.0 / (2 * k + 3) if power is None else power)  # (in, G + 1)
    j = max(round((n - 1) / G), 1)                             # samples in the end quantile interval
    floor = (xs[-1] - xs[0]) / max(n - 1, 1)                   # (in_dim,) the mean gap overall
    lo = xs[0] - margin * np.maximum((xs[min(j, n - 1)] - xs[0]) / j, floor)   # (in_dim,)
    hi = xs[-1] + margin * np.maximum((xs[-1] - xs[max(n - 1 - j, 0)]) / j, floor)
    flat = hi - lo <= DEGENERATE_WIDTH * np.maximum(1.0, np.abs(lo))  # (in_dim,) constant columns
    lo, hi = np.where(flat, (lo + hi) / 2 - 1.0, lo), np.where(flat, (lo + hi) / 2 + 1.0, hi)
    h = (hi - lo) / G                                          # (in_dim,)
    t_uniform = lo[:, None] + h[:, None] * np.arange(G + 1)    # (in_dim, G + 1)
    t_quantile = np.clip(t_quantile, lo[:, None], hi[:, None])
    t_quantile[:, 0], t_quantile[:, -1] = lo, hi
    t_quantile[flat] = t_uniform[flat]
    base = grid_eps * t_uniform + (1 - grid_eps) * t_quantile  # (in_dim, G + 1)
    return extend_knots(base, k)


def density_quantiles(xs, G, power):
    """G + 1 knots per column of sorted samples: quantiles of ρ ∝ min(p^power, β·p).

    p is a histogram on max(G, √n) equal bins; ∫p^power over a bin ∝ count^power. The cap
    β·p, β = 1/``MIN_SHARE`` after normalising, keeps ≳ MIN_SHARE·n/G samples in every
    interval. power = 1: the sample quantiles (pykan's); 0: uniform.

    Parameters
    ----------
    xs : (n, in_dim), each column sorted.
    G, power : intervals; the exponent of p (``adaptive_knots`` passes 1/(2k + 3)).

    Returns
    -------
    t : (in_dim, G + 1), non-decreasing; a constant column gives G + 1 equal knots.
    """
    if power == 1:
        return xs[np.linspace(0, len(xs) - 1, G + 1).round().astype(int)].T
    n = len(xs)
    n_bins, u = max(G, int(np.sqrt(n))), np.linspace(0.0, 1.0, G + 1)
    out = np.repeat(xs[:1].T, G + 1, axis=1)                   # (in_dim, G + 1); flat columns stay
    live = np.flatnonzero(xs[-1] > xs[0])                      # (n_live,) the columns that vary
    edges = np.linspace(xs[0, live], xs[-1, live], n_bins + 1, axis=1)   # (n_live, n_bins + 1)
    # np.histogram's counts on sorted columns: samples below each edge, the last edge included
    below = np.array([np.append(xs[:, i].searchsorted(e[:-1]), xs[:, i].searchsorted(e[-1], "right"))
                      for i, e in zip(live, edges)]).reshape(len(live), n_bins + 1)
    share = np.diff(below, axis=1) / n                         # (n_live, n_bins) samples' share per bin
    rho = capped_density(share ** float(power), share / MIN_SHARE)  # (n_live, n_bins)
    mass = np.cumsum(rho, axis=1)                              # (n_live, n_bins)
    for i, m, e in zip(live, mass, edges):
        out[i] = np.interp(u, np.append(0.0, m) / m[-1], e)
    return out


def capped_density(p, cap):
    """ρ = min(c·p, cap) per row, with c such that each row sums to one (p, cap ≥ 0, Σ cap ≥ 1).

    "Water-filling": the bins whose share would pass their cap are held at it and the rest
    is spread over the others in proportion to p. Growing the set of capped bins raises c, so
    it only grows; once it stops, ρ is exact (≤ n_bins rounds; 1–4 in 110 grid updates of the
    benchmark fits and of skewed samples at G = 5 … 100). Cap-and-renormalise sweeps,
    ρ ← min(ρ/Σρ, cap), reach the same ρ only geometrically, at the rate of the capped mass:
    the 50 they were given took ~0.3 ms of a [2, 5, 1] grid update and never met an exact stop.
    """
    capped = np.zeros(p.shape, dtype=bool)                     # (rows, n_bins)
    while True:
        free = np.where(capped, 0.0, p)
        c = (1.0 - np.where(capped, cap, 0.0).sum(axis=1, keepdims=True)) / free.sum(axis=1, keepdims=True)
        grown = capped | (c * p > cap)
        if np.array_equal(grown, capped):
            return np.where(capped, cap, c * p)
        capped = grown


def base_points(t, k, per_interval=4):
    """``per_interval`` evenly spaced points inside every interval of each base interval.

    Math: z_{q,r} = t_{k+q} + (r + ½)/P · (t_{k+q+1} - t_{k+q}),  q < G, r < P
    With P ≥ k + 1 every cubic piece is pinned down, so a least-squares fit on samples plus
    these is well-posed where samples are sparse or absent.

    Parameters
    ----------
    t : (in_dim, G + 2k + 1)
    k, per_interval : degree; P, the points per interval.

    Returns
    -------
    z : (G·P, in_dim), one column per input, as a batch of samples.
    """
    base = t[:, k:t.shape[1] - k]                              # (in_dim, G + 1)
    u = (np.arange(per_interval) + 0.5) / per_interval         # (P,)
    z = base[:, :-1, None] + np.diff(base, axis=1)[:, :, None] * u   # (in_dim, G, P)
    return z.reshape(base.shape[0], -1).T                      # (G·P, in_dim)


def cover_samples(t, k, x, margin=0.0):
    """``t`` with its end base knots moved out, where needed, to cover x and its margin.

    Inputs drift in training after the last grid update (7 of 1000 of a hidden layer past
    its base interval after 150 more L-BFGS steps); keeping the old ends would fit them on
    the old spline's fall-off. Only an end some x lies past moves (to the margin beyond x),
    with new extension knots on that side; elsewhere t's are kept.

    Parameters
    ----------
    t, x : (in_dim, G + 2k + 1), (batch, in_dim)

    Returns
    -------
    t' : the same shape as t.
    """
    ends = adaptive_knots(x, 1, 0, 1.0, margin, 1)             # (in_dim, 2): [lo, hi] with margin
    base = t[:, k:t.shape[1] - k].copy()                       # (in_dim, G + 1)
    out_lo, out_hi = x.min(axis=0) < base[:, 0], x.max(axis=0) > base[:, -1]   # (in_dim,) drifted
    base[:, 0] = np.where(out_lo, np.minimum(base[:, 0], ends[:, 0]), base[:, 0])
    base[:, -1] = np.where(out_hi, np.maximum(base[:, -1], ends[:, 1]), base[:, -1])
    moved = extend_knots(base, k)                              # (in_dim, n_knots)
    n = t.shape[1]                                             # an end that stays keeps its extension
    moved[:, :k] = np.where(out_lo[:, None], moved[:, :k], t[:, :k])
    moved[:, n - k:] = np.where(out_hi[:, None], moved[:, n - k:], t[:, n - k:])
    return moved


def refine_knots(t, k, G_new):
    """Knots of a finer grid with the same range and the same relative density as ``t``.

    Grid extension (KAN §2.4): old interval i is split into s_i ≈ G_new/G equal parts (s =
    differences of round(linspace(0, G_new, G + 1))), keeping every old knot, so the old spline
    space is a subspace of the new on the base interval (knot insertion, de Boor ch. XI) and
    refine keeps φ there exactly even where G does not divide G_new (pykan's even resampling
    of the knots does not: refine 3 → 5 on arctan(x1 + x2³), [2,1,1,1], raised test RMSE 1.95×;
    nested 1.01×). The base interval and the k extension knots each side are kept as well, so
    the old spaces nest on the whole extended grid, where φ is non-zero, not only on the base
    interval: test points past a hidden node's base interval keep their values too (arctan,
    seed 2, refine 10 → 20: with new extension knots spaced by the finer grid, the test RMSE of
    the 10 such points rose 3.3e-5 → 2.5e-4 and the whole test set's 2.8×).

    Parameters
    ----------
    t : (in_dim, G + 2k + 1)

    Returns
    -------
    (in_dim, G_new + 2k + 1)
    """
    G = t.shape[1] - 2 * k - 1
    old = t[:, k:k + G + 1]                                    # (in_dim, G + 1) base knots
    pos = np.linspace(0, G, G_new + 1)                         # (G_new + 1,) in old-index units
    if G_new >= G:                                             # nested: s_i parts of interval i
        s = np.diff(np.linspace(0, G_new, G + 1).round().astype(int))   # (G,), Σ s = G_new
        pos = np.append(np.repeat(np.arange(G), s) + np.concatenate([np.arange(n) / n for n in s]), G)
    base = np.stack([np.interp(pos, np.arange(G + 1), row) for row in old])  # (in_dim, G_new + 1)
    return np.concatenate([t[:, :k], base, t[:, k + G + 1:]], axis=1)
