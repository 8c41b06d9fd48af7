"""Readable formulas from fitted constants: polynomials in disguise lose ties, a scale is never
shown as 0, and a log's or a root's common scale comes out so the formula can snap exactly."""
import numpy as np
import sympy as sp

from minikan.symbolic import constants
from minikan.symbolic.fit import suggest
from minikan.symbolic.library import LIBRARY
from minikan.symbolic.ranking import SMALL_ARC, disguised, resolved, score

X1, X2 = sp.symbols("x1 x2", real=True)


def test_fits_closer_than_the_samples_error_tie():
    floor = 2.2e-7                                   # the model's relative squared error
    assert score(1 - 3.1e-7, 2, floor=floor) == score(1 - 5.3e-7, 2, floor=floor)   # √u differ < √floor
    assert score(1 - 3.1e-7, 2, floor=floor) < score(1 - 5e-6, 2, floor=floor)      # a real difference
    assert np.isclose(resolved(4 * floor, floor), floor) and resolved(floor / 2, floor) == 0.0
    assert score(1 - 3e-9, 2) < score(1 - 3e-8, 2)   # the plain floor still tells these apart


def test_a_periodic_fit_over_a_small_arc_is_a_polynomial_in_disguise():
    x = np.linspace(-1.5, 1.5, 400)
    sin = LIBRARY["sin"]
    assert disguised(sin, 0.11, x) and not disguised(sin, np.pi, x)
    assert disguised(sin, 0.99 * SMALL_ARC * 2 * np.pi / 3.0, x)
    assert not disguised(sin, 1.01 * SMALL_ARC * 2 * np.pi / 3.0, x)
    assert not disguised(LIBRARY["x^2"], 1e-3, x)                 # not periodic: never
    # x² with a trace of x⁴ (what a trained spline gives): a wide cosine fits a little better
    y = x ** 2 - 9e-4 * x ** 4                                    # sin: 1 − R² 1.3e-8, x²: 2.7e-7
    rows = suggest(x, y, lib=["sin", "x^2"], topk=None, floor=2.2e-7)
    by = {r.name: r for r in rows}
    assert 1 - by["sin"].r2 < 1 - by["x^2"].r2 and by["sin"].disguised
    assert rows[0].name == "x^2"                                   # sin is first in the library
    real = suggest(np.linspace(-1, 1, 400), np.sin(np.pi * np.linspace(-1, 1, 400)), lib=["sin", "x^2"])
    assert real[0].name == "sin" and not real[0].disguised


# the 2-D Gaussian's formula of seed 1 before the ranking's disguise rule: a wide sine for x²
GAUSS2 = sp.Float(1.4e-225) * sp.exp(sp.Float(517.3) * sp.sin(sp.Float(0.088) * X1 + sp.Float(np.pi / 2)))


def _values(expr, x):
    return np.asarray(sp.lambdify([X1], expr, "numpy")(x), dtype=float) * np.ones_like(x)


def test_a_multiplicative_constant_is_never_rounded_or_snapped_to_zero():
    x = np.linspace(-1.5, 1.5, 7)
    truth = _values(GAUSS2, x)                                     # O(1) values: not negligible
    assert 0.005 < truth.min() and truth.max() < 1
    rounded, snapped = constants.round_constants(GAUSS2, 3), constants.snap_constants(GAUSS2, 1e-3)
    for shown in (rounded, snapped):
        assert shown != 0 and not any(abs(float(f)) < 1e-3 for f in shown.atoms(sp.Float))
    assert str(rounded).endswith("- 517.745)")                     # the scale, shown as a shift
    assert np.allclose(_values(snapped, x), truth, rtol=1e-9)      # snapping kept the value


def test_a_scale_whose_term_is_negligible_on_the_samples_still_vanishes():
    expr = sp.Float(1.0000001) * X1 * sp.exp(-X2) + sp.Float(4e-16) * sp.exp(-X2)
    samples = {X1: np.linspace(0.5, 2, 20), X2: np.linspace(0, 2, 20)}
    assert constants.snap_constants(expr, 1e-3, samples) == X1 * sp.exp(-X2)
    assert constants.snap_constants(expr, 1e-3) != X1 * sp.exp(-X2)    # without samples: kept


def test_a_common_scale_leaves_a_log_or_a_root_so_the_formula_snaps_exactly():
    log_fit = sp.log(sp.Float(2.4881648) * X1 + sp.Float(2.4881648) * X2 ** 2 + sp.Float(4.9763296)) \
        - sp.Float(0.9115454)                                       # the benchmark's log_sum, seed 0
    assert constants.snap_constants(log_fit, 1e-3) == sp.log(X1 + X2 ** 2 + 2)
    root_fit = sp.Float(1.5101225) * sp.sqrt(sp.Float(0.4385061) * (X1 ** 2 + X2 ** 2 + 1))
    assert constants.snap_constants(root_fit, 1e-3) == sp.sqrt(X1 ** 2 + X2 ** 2 + 1)
    no_scale = sp.log(sp.Float(2.3371) * X1 + sp.Float(1.7183))    # no simple ratio: left alone
    assert constants.snap_constants(no_scale, 1e-3) == no_scale


def test_a_common_scale_leaves_a_reciprocal_and_a_sum_of_fractions():
    """A 1/x edge a/(b·u + c) keeps b in its denominator (benchmarks/cli_lib.py, 10/(1 + u) + v,
    seed 1); where b and c snap to the same fraction (seed 0's 6/7) the scale comes out too."""
    inverse_fit = sp.Float(8.68005102807391) / (sp.Float(0.868005102807391) * X1 + sp.Float(0.868005102807391))
    assert constants.snap_constants(inverse_fit, 1e-3) == 10 / (X1 + 1)
    fractions = sp.Float(8.5728458538602) / (sp.Float(0.857142) * X1 + sp.Float(0.857142))
    snapped = constants.snap_constants(fractions, 1e-3)
    assert sp.denom(snapped) == X1 + 1 and abs(float(sp.numer(snapped)) - 10.0016635) < 1e-6
    unit_term = sp.Float(3.0) / (sp.Float(2.0) * X1 + sp.Float(1.0))   # exact, a term of coefficient 1
    assert constants.snap_constants(unit_term, 1e-3) == 3 / (2 * X1 + 1)
