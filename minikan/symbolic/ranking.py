"""Ranking symbolic fits: how a fit's quality and a function's simplicity are weighed.

KAN arXiv:2404.19756 §2.5.1 reads an edge as the library function that fits it both well
(R² close to 1) and simply (low complexity). ``fit.py`` fits every candidate; this module
says how the fits are compared (``score``), sorted (``rank``) and shown (``format_table``).

Shapes: n_candidates fits; scores are scalars or arrays shaped like ``r2``.
"""
from dataclasses import dataclass

import numpy as np

# Scoring (see ``score``). 1 − R² below R2_FLOOR, a relative RMS residual under 1e-5 of y's
# spread, is "exact": beyond what a trained spline edge resolves, so differences past it are
# not evidence for one primitive over another, and ties fall to complexity.
R2_FLOOR = 1e-10
# log2(1 − R²) is compared in steps of 0.25 bit (≈ 19% in 1 − R²). Finer differences are what
# a more flexible primitive gains by fitting noise (cos(b·x) with b → 0 mimics x² plus a small
# x⁴ term), not evidence of a better function; rounding turns them into ties, which fall to
# complexity and library order. The step is 1/16 of one complexity unit at weight_simple 0.8.
FIT_BITS_STEP = 0.25
# The largest floor a caller may set from its model's accuracy (``floor`` of ``score``):
# 1e-4 keeps the guarantee below — any fit with R² > 0.9999 outranks the zero function.
R2_FLOOR_MAX = 1e-4
# A periodic candidate whose argument b·x + c covers less than this share of its period over
# the edge's samples is a polynomial in disguise: over 1/8 of a period a quadratic in x
# matches sin to 1 − R² ≤ 4.6e-5 (1/16: 2.9e-6, 1/32: 1.8e-7; 1/4: 7.7e-4), below the
# largest floor R2_FLOOR_MAX, so the data cannot tell it from x² or x. Such a candidate
# loses every tie (``rank``): measured on the discovery benchmark's 2-D Gaussian, seed 1,
# sin(0.11·x + π/2) spans 0.054 of a period standing in for x² (its 1 − R² 3.1e-7 against
# x²'s 5.3e-7, both within the model's accuracy), and the formula needed constants ~1e±225.
SMALL_ARC = 1 / 8
# pykan's default weight of simplicity (its suggest_symbolic's weight_simple): one unit of
# complexity is worth 4 bits of fit, see ``score``.
WEIGHT_SIMPLE = 0.8


def score(r2, complexity, weight_simple=WEIGHT_SIMPLE, floor=R2_FLOOR):
    """Ranking score of a fit: lower is better.

    .. math:: s = w\\,C + (1 - w)\\,\\mathrm{round}_{1/4}\\log_2 \\mathrm{clip}(1 - R^2, R2\\_FLOOR, 1)

    pykan's trade-off (``suggest_symbolic``; w = ``weight_simple``, C = complexity):
    each bit halves the unexplained variance, and at w = 0.8 one unit of complexity costs
    4 bits (a 16× smaller 1 − R²). Two design choices keep clean data honest:

    - the floor R2_FLOOR = 1e-10 makes every fit past it "exact", so the true generator and a
      near-identity (tanh(b·x + c) → exp as c → −∞) tie and the simpler or earlier one wins
      instead of the one with more rounding luck; a simpler primitive beats an exact one only
      if it is itself within 2^(4ΔC)·1e-10 (≤ 4e-7 for ΔC ≤ 3), i.e. practically exact too;
    - a fit is credited with what the floor leaves unresolved (``resolved``): two fits whose
      RMS distances to the samples differ by less than the samples' own error √floor are
      ties, not only fits below the floor;
    - complexities stop at 3, so 4·3 = 12 bits < log2(1e4) ≈ 13.3 bits: any fit with
      R² > 0.9999 outranks the zero function (C = 0, R² = 0, score 0).
    R² ≤ 0 (no better than the mean) scores 0 bits; bits are rounded to FIT_BITS_STEP so that
    noise-level differences between equally simple primitives tie.

    Parameters
    ----------
    r2 : float or ndarray
        R² of the fits.
    complexity : int or ndarray
        The primitives' complexities, broadcastable against ``r2``.
    weight_simple : float in [0, 1]
        w above.
    floor : float in [R2_FLOOR, R2_FLOOR_MAX]
        The floor used in place of R2_FLOOR: ``fix.auto_symbolic`` raises it to the trained
        model's own relative squared error, since an edge's samples are the spline's, not
        the truth's, and fits closer than that to them are not told apart by the data.

    Returns
    -------
    float or ndarray, shaped like the broadcast of r2 and complexity
    """
    floor = float(np.clip(floor, R2_FLOOR, R2_FLOOR_MAX))
    unexplained = np.clip(resolved(1.0 - np.asarray(r2, dtype=float), floor), floor, 1.0)
    bits = np.round(np.log2(unexplained) / FIT_BITS_STEP) * FIT_BITS_STEP
    return weight_simple * np.asarray(complexity) + (1 - weight_simple) * bits


def resolved(unexplained, floor):
    """1 − R² as far as samples known to a relative squared error ``floor`` resolve it.

    .. math:: u' = \\max(0, \\sqrt{u} - \\sqrt{floor})^2

    An edge's samples are the spline's, off the true function by a relative RMS of about
    √floor (``fix.accuracy_floor``). By the triangle inequality a fit at relative RMS √u from
    the samples is at least √u − √floor from the truth, so fits whose √u differ by less
    than √floor are not told apart by the data. At the plain floor (1e-10) this moves no
    fit that is not practically exact already.
    """
    u = np.asarray(unexplained, dtype=float)
    return np.maximum(np.sqrt(np.maximum(u, 0.0)) - np.sqrt(floor), 0.0) ** 2


def disguised(prim, b, x):
    """Whether a fit of ``prim`` with inner scale b on samples x is a polynomial in disguise:
    f periodic and b·x + c spanning less than SMALL_ARC of its period (see SMALL_ARC)."""
    if prim.period is None or np.size(x) == 0:
        return False
    return bool(abs(b) * float(np.ptp(x)) < SMALL_ARC * prim.period)


@dataclass(frozen=True)
class Suggestion:
    """One row of ``suggest``'s ranking: a primitive's best affine fit and its score."""

    name: str
    r2: float
    complexity: int
    score: float
    a: float
    b: float
    c: float
    d: float
    n_clamped: int
    disguised: bool = False


def rank(fits, complexities, weight_simple=WEIGHT_SIMPLE, topk=None, r2_threshold=None,
         floor=R2_FLOOR, disguise=None):
    """Sort fits by score, best first.

    Parameters
    ----------
    fits : list of AffineFit
        One fit per candidate, in library order (``fit.fit_affine``'s results).
    complexities : list of int
        The candidates' complexities, in the same order.
    weight_simple : float in [0, 1]
        Weight of complexity against fit quality in ``score``.
    topk : int or None
        How many rows to return; None returns all.
    r2_threshold : float or None
        If given, only fits with R² ≥ r2_threshold are returned (possibly none).
    floor : float
        ``score``'s floor on 1 − R².
    disguise : list of bool or None
        Per fit, whether it is a polynomial in disguise (``disguised``); None: none is.

    Returns
    -------
    list of Suggestion
        Sorted by score; ties go to the fits not in disguise, then to lower complexity,
        then to library order.
    """
    disguise = [False] * len(fits) if disguise is None else list(disguise)
    rows = []
    for order, (fit, complexity, masked) in enumerate(zip(fits, complexities, disguise)):
        s = float(score(fit.r2, complexity, weight_simple, floor))
        rows.append((s, bool(masked), complexity, order, Suggestion(
            fit.name, fit.r2, complexity, s, fit.a, fit.b, fit.c, fit.d, fit.n_clamped, bool(masked))))
    rows.sort(key=lambda row: row[:4])
    ranked = [row[4] for row in rows if r2_threshold is None or row[4].r2 >= r2_threshold]
    return ranked if topk is None else ranked[:topk]


_COLUMNS = ("rank", "name", "r2", "1-r2", "complexity", "score", "a", "b", "c", "d",
            "n_clamped")


def format_table(rows):
    """A printable table of ranked rows, one line per primitive under a header.

    1 − R² is shown beside R² because near-exact fits all print as 1.00000000.

    Parameters
    ----------
    rows : list of Suggestion
        As ``rank`` (or ``fit.suggest``) returns them.

    Returns
    -------
    str
        len(rows) + 1 lines.
    """
    lines = ["{:>4}  {:<10} {:>10} {:>8} {:>10} {:>7} {:>10} {:>10} {:>10} {:>10} {:>9}"
             .format(*_COLUMNS)]
    for place, r in enumerate(rows, start=1):
        lines.append(f"{place:>4}  {r.name:<10} {r.r2:>10.8f} {1 - r.r2:>8.1e} {r.complexity:>10d} "
                     f"{r.score:>7.2f} {r.a:>10.4g} {r.b:>10.4g} {r.c:>10.4g} {r.d:>10.4g} "
                     f"{r.n_clamped:>9d}")
    return "\n".join(lines)
