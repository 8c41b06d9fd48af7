"""Fitting y ≈ a·f(b·x + c) + d for a library primitive f, and for every candidate at once.

KAN arXiv:2404.19756 §2.5.1: to read an edge φ as a formula, sample it, fit every candidate
f with an affine input (b, c) and an affine output (a, d), and prefer the fit that is both
good (R² close to 1) and simple (low complexity); ``ranking.py`` holds that preference,
``suggest`` here runs the fits and hands them to it. The fit is a search, not the network's
numerical core, so scipy's least squares is used for the last, local step.

How one fit works (``fit_affine``):

1. For fixed (b, c) the model is linear in (a, d), so the best (a, d) and the resulting R²
   have a closed form: R² is the squared correlation of f(b·x + c) with y.
2. That R² is evaluated on an n_grid × n_grid grid of (b, c), vectorised in chunks; a
   smaller grid then zooms into the best cell ``n_zoom`` times.
3. From the best grid point, all four parameters are refined by Levenberg–Marquardt with
   the analytic Jacobian (from ``df``); the result is kept only if it raises R².
4. The parameters are reported in a canonical form (b ≥ 0 for even or odd f, a ≥ 0 for sin
   and cos, c reduced by f's period); the curve is unchanged.

Shapes: N samples; nb, nc grid sizes along b and c.
"""
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from minikan import validate
from minikan.symbolic.library import Primitive, get_library
from minikan.symbolic.ranking import (  # noqa: F401  (re-exported: they lived here before)
    FIT_BITS_STEP,
    R2_FLOOR,
    WEIGHT_SIMPLE,
    Suggestion,
    disguised,
    format_table,
    rank,
    score,
)

# Grid points per axis. 31 points over the default b ∈ [−10, 10] is a step of 0.67, fine
# enough to land in sin(b·x)'s right basin for x in [−1, 1]. A zoom only has to place the
# optimum inside one cell, so it uses a smaller grid: 11 points over ±1 cell shrink the step
# 5× per zoom, and after two zooms LM starts within ~0.03 of the optimum, well inside its basin.
N_GRID = 31
N_ZOOM_GRID = 11
N_ZOOM = 2
# Largest (b, c, sample) block evaluated at once: 2**21 float64 ≈ 16 MB per temporary.
CHUNK_ELEMS = 2**21
# f(b·x + c) counts as flat (carries no shape, a = 0) when its spread is below this fraction
# of its size: at 1e-12 the differences are float round-off, not a curve.
FLAT_RTOL = 1e-12
# y counts as constant when its range is below this fraction of its size (same reason).
CONSTANT_RTOL = 1e-12
# LM stopping tolerances: near machine precision, so an exact generator is fit exactly.
LM_TOL = 1e-12
# A four-parameter fit needs at least four samples (and scipy's LM requires it).
MIN_POINTS = 4


@dataclass(frozen=True)
class AffineFit:
    """y ≈ a·f(b·x + c) + d for the primitive ``name``, its R² and how many b·x + c were clamped."""

    name: str
    a: float
    b: float
    c: float
    d: float
    r2: float
    n_clamped: int


def _check_xy(x, y):
    x = validate.as_float_array(x, "x", ndim=1)                # (N,)
    y = validate.as_float_array(y, "y", ndim=1)                # (N,)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    if x.size < MIN_POINTS:
        raise ValueError(f"need at least {MIN_POINTS} samples to fit a, b, c, d, got {x.size}")
    return x, y


def _as_primitive(prim):
    if isinstance(prim, Primitive):
        return prim
    if isinstance(prim, str):
        return get_library([prim])[prim]
    raise TypeError(f"prim must be a Primitive or a library name, got {type(prim).__name__}")


def _r2(y, y_hat):
    """R² = 1 − SS_res / SS_tot for non-constant y; −inf if y_hat overflowed (never chosen)."""
    with np.errstate(over="ignore", invalid="ignore"):
        ss_res = np.sum((y - y_hat) ** 2)
    ss_tot = np.sum((y - y.mean()) ** 2)
    return float(1.0 - ss_res / ss_tot) if np.isfinite(ss_res) else -np.inf


def _linear_ad(F, y):
    """Closed-form least squares of y ≈ a·F + d; a = 0 when F is flat or overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        Fc = F - F.mean()                                      # (N,)
        sxx, sff = Fc @ Fc, F @ F
    if not (np.isfinite(sxx) and np.isfinite(sff)) or sxx <= FLAT_RTOL**2 * sff:
        return 0.0, float(y.mean())
    a = (Fc @ (y - y.mean())) / sxx
    return float(a), float(y.mean() - a * F.mean())


def _grid_r2(x, y, prim, bs, cs):
    """R² of the best (a, d) at every grid point (b, c): the squared correlation of f and y.

    Returns r2 (nb, nc); flat candidates score 0 and overflowing ones −1 (never chosen).
    """
    yc = y - y.mean()                                          # (N,)
    syy = yc @ yc
    r2 = np.empty((bs.size, cs.size))                          # (nb, nc)
    rows = max(1, CHUNK_ELEMS // (cs.size * x.size))           # b values per chunk
    for start in range(0, bs.size, rows):
        b = bs[start:start + rows, None, None]                 # (rows, 1, 1)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):   # masked below
            F = prim.f(b * x + cs[None, :, None])              # (rows, nc, N)
            mean = F.mean(axis=-1, keepdims=True)              # (rows, nc, 1)
            Fc = F - mean                                      # (rows, nc, N)
            sxx = np.einsum("ijn,ijn->ij", Fc, Fc)             # (rows, nc)
            sxy = Fc @ yc                                      # (rows, nc)
            # Σ F² = sxx + N·mean², so flatness needs no second pass over F.
            flat = sxx <= FLAT_RTOL**2 * (sxx + x.size * mean[..., 0] ** 2)
            chunk = np.where(flat, 0.0, sxy**2 / (sxx * syy))
        r2[start:start + rows] = np.where(np.isfinite(chunk), chunk, -1.0)
    return r2


def _search_bc(x, y, prim, b_range, c_range, n_grid, n_zoom):
    """Best (b, c) by the R² grid, zooming n_zoom times into the best cell (clipped to the ranges)."""
    (b_lo, b_hi), (c_lo, c_hi) = b_range, c_range
    bs, cs = np.linspace(b_lo, b_hi, n_grid), np.linspace(c_lo, c_hi, n_grid)   # (nb,), (nc,)
    for _ in range(n_zoom + 1):
        r2 = _grid_r2(x, y, prim, bs, cs)                      # (nb, nc)
        ib, ic = np.unravel_index(np.argmax(r2), r2.shape)
        b, c = bs[ib], cs[ic]
        db, dc = bs[1] - bs[0], cs[1] - cs[0]                  # current cell size
        bs = np.linspace(max(b - db, b_lo), min(b + db, b_hi), N_ZOOM_GRID)
        cs = np.linspace(max(c - dc, c_lo), min(c + dc, c_hi), N_ZOOM_GRID)
    return float(b), float(c)


def _refine(x, y, prim, params):
    """Levenberg–Marquardt on (a, b, c, d) from ``params``; None if it fails to stay finite."""
    def residual(p):
        a, b, c, d = p
        return a * prim.f(b * x + c) + d - y                   # (N,)

    def jacobian(p):
        a, b, c, _ = p
        u = b * x + c                                          # (N,)
        g = a * prim.df(u)                                     # ∂/∂u of a·f(u)
        return np.column_stack([prim.f(u), g * x, g, np.ones_like(x)])   # (N, 4)

    with np.errstate(all="ignore"):                            # a bad step is caught below
        sol = least_squares(residual, params, jac=jacobian, method="lm",
                            ftol=LM_TOL, xtol=LM_TOL, gtol=LM_TOL)
        ok = np.all(np.isfinite(sol.x)) and np.all(np.isfinite(sol.fun))
    return sol.x if ok else None


def _canonical(prim, a, b, c):
    """Same curve, tidier numbers: b ≥ 0 by f's parity, a ≥ 0 by its antiperiod, c folded."""
    if b < 0 and prim.parity != 0:
        b, c = -b, -c
        a = a * prim.parity                                    # odd f: a·f(−u) = −a·f(u)
    if a < 0 and prim.antiperiod is not None:
        a, c = -a, c + prim.antiperiod                         # a·f(u) = −a·f(u + antiperiod)
    if prim.period is not None:
        c = (c + prim.period / 2) % prim.period - prim.period / 2
    return a, b, c


def fit_affine(x, y, prim, b_range=(-10, 10), c_range=(-10, 10), n_grid=N_GRID, refine=True,
               n_zoom=N_ZOOM):
    """Fit y ≈ a·f(b·x + c) + d for one primitive f.

    .. math:: \\min_{a,b,c,d} \\sum_s (y_s - a f(b x_s + c) - d)^2,
              R^2 = 1 - SS_{res} / SS_{tot}   [KAN §2.5.1 item 4 fits; R² as pykan 0.2.8's fit_params]

    Parameters
    ----------
    x, y : array_like, shape (N,)
        Samples of the edge: input and activation; N ≥ 4, finite.
    prim : Primitive or str
        The function f, or its name in ``LIBRARY``.
    b_range, c_range : (lo, hi)
        Search box for the inner scale b and shift c (LM may end slightly outside it).
    n_grid : int
        Grid points per axis of the first, coarse grid (≥ 3).
    refine : bool
        Polish (a, b, c, d) by Levenberg–Marquardt after the grid search.
    n_zoom : int
        How many times the grid zooms into its best cell.

    Returns
    -------
    AffineFit
        Never NaN. Special cases:

        - constant y (SS_tot = 0): a = 0, b = 1, c = 0, d = ȳ fits exactly, for every f, so
          R² = 1 by convention (SS_res = SS_tot = 0) and the ranking falls to complexity;
        - ``inner_fixed`` primitives ("x", "0"): b = 1, c = 0 are fixed, because an affine
          inner map adds nothing to a line or a constant; only a, d are solved;
        - f flat over the data at the best (b, c): a = 0, d = ȳ, R² = 0.
        ``n_clamped`` counts samples whose b·x + c lies outside f's domain (clamped).
    """
    x, y = _check_xy(x, y)
    prim = _as_primitive(prim)
    b_range = validate.check_range(b_range, "b_range")
    c_range = validate.check_range(c_range, "c_range")
    validate.check_int(n_grid, "n_grid", minimum=3)
    validate.check_int(n_zoom, "n_zoom", minimum=0)

    if np.ptp(y) <= CONSTANT_RTOL * np.max(np.abs(y)):
        return AffineFit(prim.name, 0.0, 1.0, 0.0, float(y.mean()), 1.0, prim.clamp_count(x))
    if prim.inner_fixed:
        b, c = 1.0, 0.0
    else:
        b, c = _search_bc(x, y, prim, b_range, c_range, n_grid, n_zoom)
    a, d = _linear_ad(prim.f(b * x + c), y)
    best, r2 = (a, b, c, d), _r2(y, a * prim.f(b * x + c) + d)

    if refine and not prim.inner_fixed and a != 0.0:
        p = _refine(x, y, prim, np.array(best))
        if p is not None:
            r2_p = _r2(y, p[0] * prim.f(p[1] * x + p[2]) + p[3])
            if np.isfinite(r2_p) and r2_p > r2:
                best, r2 = tuple(float(v) for v in p), r2_p

    a, b, c, d = best
    a, b, c = _canonical(prim, a, b, c)
    # R² and clamp count of the reported parameters (the canonical form is the same curve).
    r2 = _r2(y, a * prim.f(b * x + c) + d)
    return AffineFit(prim.name, float(a), float(b), float(c), float(d), r2,
                     prim.clamp_count(b * x + c))


def suggest(x, y, lib=None, topk=5, weight_simple=WEIGHT_SIMPLE, r2_threshold=None,
            b_range=(-10, 10), c_range=(-10, 10), floor=R2_FLOOR):
    """Fit every primitive of ``lib`` to (x, y) and rank them, best first.

    Parameters
    ----------
    x, y : array_like, shape (N,)
        Samples of the edge.
    lib : None, list of names, or dict name → Primitive
        Candidates; None means the whole ``LIBRARY``.
    topk : int or None
        How many rows to return; None returns all.
    weight_simple : float in [0, 1]
        Weight of complexity against fit quality in ``score``.
    r2_threshold : float or None
        If given, only fits with R² ≥ r2_threshold are returned (possibly none).
    b_range, c_range : (lo, hi)
        Passed to ``fit_affine``.
    floor : float
        The ranking's floor on 1 − R² (``ranking.score``).

    Returns
    -------
    list of Suggestion
        Sorted by score; ties go to fits that are not polynomials in disguise (a periodic f
        over a small arc, ``ranking.disguised``), then lower complexity, then library order
        (``ranking.rank``).
    """
    prims = _as_library(lib)
    weight_simple = validate.check_real(weight_simple, "weight_simple", 0.0, 1.0)
    if topk is not None:
        validate.check_positive_int(topk, "topk")
    if r2_threshold is not None:
        validate.check_real(r2_threshold, "r2_threshold")
    fits = [fit_affine(x, y, prim, b_range=b_range, c_range=c_range) for prim in prims.values()]
    masked = [disguised(prim, f.b, x) for prim, f in zip(prims.values(), fits)]
    return rank(fits, [prim.complexity for prim in prims.values()], weight_simple, topk,
                r2_threshold, floor, masked)


def _as_library(lib):
    if lib is None or isinstance(lib, (str, list, tuple)):
        return get_library(lib)
    if isinstance(lib, dict) and all(isinstance(p, Primitive) for p in lib.values()):
        return lib
    raise TypeError(f"lib must be None, a list of names or a dict of Primitives, "
                    f"got {type(lib).__name__}")
