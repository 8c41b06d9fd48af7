import numpy as np
import pytest
import sympy as sp

from minikan.symbolic import library
from minikan.symbolic.fit import (
    AffineFit,
    Suggestion,
    fit_affine,
    format_table,
    suggest,
)
from minikan.symbolic.library import LIBRARY

# (a, b, c, d) per primitive, chosen so that b·x + c stays inside f's domain for x in [-1, 1].
GENERATORS = {
    "x": (2.0, 1.0, 0.0, -1.0), "x^2": (2.0, 0.8, 0.3, -1.0), "x^3": (0.5, 1.2, -0.3, 0.4),
    "x^4": (0.7, 1.1, 0.2, -0.3), "x^5": (0.3, 1.3, 0.1, 0.2), "1/x": (1.5, 0.8, 2.0, -0.5),
    "1/x^2": (1.0, 0.7, -2.0, 0.3), "sqrt": (1.2, 1.5, 2.0, -0.4),
    "x^1.5": (0.6, 1.0, 1.5, 0.1), "1/sqrt(x)": (0.9, 1.2, 2.0, 0.2),
    "exp": (0.7, 1.3, -0.4, 0.1), "log": (-0.8, 1.5, 2.0, 0.5), "abs": (1.3, 2.0, 0.4, -0.5),
    "sin": (1.5, 3.0, 0.5, -0.2), "cos": (0.8, 2.5, -0.7, 0.3), "tan": (0.5, 1.2, 0.2, 0.1),
    "tanh": (1.1, 2.5, -0.5, 0.2), "sgn": (0.9, 3.0, -0.6, 0.1),
    "arcsin": (1.0, 0.6, 0.2, -0.1), "arctan": (1.4, 3.0, 0.5, -0.3),
    "arctanh": (0.7, 0.5, -0.2, 0.3), "gaussian": (1.2, 2.0, -0.5, 0.3),
    "cosh": (0.6, 2.0, 0.3, -0.4), "sinh": (0.5, 2.5, -0.4, 0.2),
}
X = np.linspace(-1.0, 1.0, 201)                                    # (N,)


def generate(name, x=X):
    a, b, c, d = GENERATORS[name]
    return a * LIBRARY[name].f(b * x + c) + d


def curve(fit, x):
    return fit.a * LIBRARY[fit.name].f(fit.b * x + fit.c) + fit.d


def test_every_nonconstant_primitive_has_a_generator():
    assert set(GENERATORS) == set(LIBRARY) - {"0"}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_fit_reproduces_clean_curve(name):
    fit = fit_affine(X, generate(name), name)
    assert isinstance(fit, AffineFit) and fit.name == name
    assert fit.r2 > 0.9999 and fit.n_clamped == 0
    np.testing.assert_allclose(curve(fit, X), generate(name), atol=1e-6)


@pytest.mark.parametrize("name", ["sin", "tanh", "gaussian", "arctan", "cosh", "sinh"])
def test_identifiable_parameters_come_back(name):
    # Reported in canonical form (b ≥ 0 by parity, a ≥ 0 by sin's antiperiod, c folded by
    # the period), which for these generators is the generator itself.
    fit = fit_affine(X, generate(name), name)
    np.testing.assert_allclose([fit.a, fit.b, fit.c, fit.d], GENERATORS[name], atol=1e-6)
    wide = np.linspace(-3.0, 3.0, 301)                              # off the fitted range
    np.testing.assert_allclose(curve(fit, wide), generate(name, wide), atol=1e-6)


def test_sin_parameters_are_canonical_for_any_sign():
    # −1.5·sin(−3x − 0.5 + 2π) is the same curve; the fit reports the canonical form.
    y = -1.5 * np.sin(-3 * X - 0.5 + 2 * np.pi) - 0.2
    fit = fit_affine(X, y, "sin")
    np.testing.assert_allclose([fit.a, fit.b, fit.c, fit.d], [1.5, 3.0, 0.5, -0.2], atol=1e-6)


def test_exp_recovers_the_identifiable_combination():
    # a·exp(b·x + c) = (a·e^c)·exp(b·x): only a·e^c, b and d are identifiable.
    a, b, c, d = GENERATORS["exp"]
    fit = fit_affine(X, generate("exp"), "exp")
    np.testing.assert_allclose([fit.a * np.exp(fit.c), fit.b, fit.d], [a * np.exp(c), b, d],
                               rtol=1e-6)


def test_square_recovers_its_invariants():
    # a·(b·x + c)² + d = a·b²·(x + c/b)² + d: a·b², c/b and d are identifiable.
    a, b, c, d = GENERATORS["x^2"]
    fit = fit_affine(X, generate("x^2"), "x^2")
    np.testing.assert_allclose([fit.a * fit.b**2, fit.c / fit.b, fit.d], [a * b**2, c / b, d],
                               rtol=1e-6)


def test_linear_and_zero_primitives_fix_the_inner_map():
    fit = fit_affine(X, 2 * X - 1, "x")
    assert (fit.b, fit.c) == (1.0, 0.0)
    np.testing.assert_allclose([fit.a, fit.d, fit.r2], [2.0, -1.0, 1.0])
    zero = fit_affine(X, np.sin(3 * X), "0")
    assert zero.a == 0.0 and zero.r2 == 0.0
    np.testing.assert_allclose(zero.d, np.sin(3 * X).mean())


def test_constant_y_is_an_exact_fit_and_zero_ranks_first():
    y = np.full(X.shape, 0.3)
    for name in ("sin", "log", "x", "0"):
        fit = fit_affine(X, y, name)
        assert (fit.a, fit.r2) == (0.0, 1.0) and fit.d == pytest.approx(0.3, abs=1e-15)
    assert suggest(X, y, lib=["x", "sin", "0"])[0].name == "0"


def test_fit_across_a_missing_domain_reports_clamps():
    # log(x) on x in [-1, 1] is NaN for x < 0 in raw NumPy; the clamped log is defined.
    y = LIBRARY["log"].f(X)
    fit = fit_affine(X, y, "log")
    assert fit.r2 > 0.9999 and fit.n_clamped >= np.count_nonzero(X <= 0)
    # Fitting every primitive to a curve outside many domains stays finite.
    y = np.sin(3 * X) + X
    for name in LIBRARY:
        fit = fit_affine(20 * X, y, name)
        assert np.all(np.isfinite([fit.a, fit.b, fit.c, fit.d, fit.r2])), fit


def test_fit_rejects_bad_input():
    with pytest.raises(ValueError, match="same length"):
        fit_affine(X, X[:-1], "sin")
    with pytest.raises(ValueError, match="NaN"):
        with np.errstate(invalid="ignore", divide="ignore"):
            fit_affine(X, np.log(X), "sin")                         # raw log: NaN for x < 0
    with pytest.raises(ValueError, match="1-D"):
        fit_affine(X[:, None], X, "sin")
    with pytest.raises(ValueError, match="b_range"):
        fit_affine(X, X, "sin", b_range=(1, -1))
    with pytest.raises(ValueError, match="unknown"):
        fit_affine(X, X, "sech")


@pytest.mark.parametrize("name", ["sin", "exp", "x^2", "gaussian", "log", "cosh", "sinh"])
def test_suggest_ranks_the_generator_first(name):
    rows = suggest(X, generate(name))
    best = rows[0]
    assert isinstance(best, Suggestion) and len(rows) == 5
    assert best.r2 > 0.9999 and best.complexity <= LIBRARY[name].complexity
    assert best.name == name                                        # stronger: the generator


def test_noise_fitting_does_not_beat_the_generator():
    # cos(b·x), b → 0, mimics x² plus a small x⁴ term and so fits noise slightly better;
    # with equal complexity that must tie (FIT_BITS_STEP) and fall to library order.
    y = generate("x^2") + 0.01 * np.random.default_rng(0).normal(size=X.size)
    assert suggest(X, y, lib=["x^2", "sin", "cos"])[0].name == "x^2"


def test_suggest_order_follows_score_then_complexity():
    rows = suggest(X, generate("sin"), topk=None)
    keys = [(r.score, r.complexity) for r in rows]
    assert keys == sorted(keys) and len(rows) == len(LIBRARY)
    # sin and cos fit sin data equally well, tie on score and complexity: library order wins.
    assert [rows[0].name, rows[1].name] == ["sin", "cos"]


def test_r2_threshold_filters_rows():
    rows = suggest(X, generate("sin"), lib=["x", "sin", "cos", "0"], r2_threshold=0.9999)
    assert {r.name for r in rows} == {"sin", "cos"}


def test_user_primitive_appears_in_suggestions(monkeypatch):
    monkeypatch.setattr(library, "LIBRARY", dict(library.LIBRARY))
    softplus = library.add_primitive(
        "softplus", lambda z: np.log1p(np.exp(z)), lambda z: 1 / (1 + np.exp(-z)),
        lambda u: sp.log(1 + sp.exp(u)), 2)
    y = 1.3 * softplus.f(2.0 * X - 0.5) + 0.1
    rows = suggest(X, y, topk=None)
    assert "softplus" in [r.name for r in rows]
    assert rows[0].name == "softplus" and rows[0].r2 > 0.9999


def test_suggest_rejects_unknown_names_and_bad_options():
    with pytest.raises(ValueError, match="'foo'"):
        suggest(X, X, lib=["sin", "foo"])
    with pytest.raises(ValueError, match="weight_simple"):
        suggest(X, X, lib=["x"], weight_simple=1.5)
    with pytest.raises(ValueError, match="topk"):
        suggest(X, X, lib=["x"], topk=0)


def test_format_table():
    rows = suggest(X, generate("sin"), lib=["x", "sin", "0"])
    table = format_table(rows)
    lines = table.splitlines()
    assert isinstance(table, str) and len(lines) == 1 + len(rows)
    assert "name" in lines[0] and "r2" in lines[0] and "complexity" in lines[0]
    assert lines[1].split()[:2] == ["1", "sin"]
