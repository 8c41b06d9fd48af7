"""Tests for symbolic edges in a model (symbolic/fix.py, symbolic/formula.py, symbolic/edges.py):
mixed spline/symbolic backprop by finite differences, formulas against the forward pass,
rounding and snapping, unfix, suggestions, and formula recovery from data."""
import numpy as np
import pytest
import sympy as sp
from helpers import perturb

from minikan import bspline, data, gradcheck
from minikan.cli import DEMO_LAMB, DEMO_LAMB_ENTROPY
from minikan.model import KAN
from minikan.symbolic import constants, fix

TOL = 1e-6
X1, X2 = sp.symbols("x1 x2", real=True)


def fix_and_perturb(model, edges, seed=0, scale=0.4):
    """Fix edges [(l, i, j, name)] exactly (fit_params=False), then move their (a, b, c, d).

    Functions without a domain clamp (sin, exp, x^2, tanh, x) keep the finite differences
    smooth; ``scale`` keeps exp's argument small.
    """
    rng = np.random.default_rng(seed)
    for l, i, j, name in edges:
        model.fix_symbolic(l, i, j, name, fit_params=False)
        model.layers[l].params["sym_affine"][i, j] += rng.uniform(-scale, scale, 4)
    return model


def as_function(expr, n_var=2):
    """A sympy expression in x1..x{n_var} as a numpy function of x (batch, n_var)."""
    symbols = sp.symbols(f"x1:{n_var + 1}", real=True)
    f = sp.lambdify(symbols, expr, "numpy")
    return lambda x: np.broadcast_to(f(*x.T), (len(x),))


MIXED = [(0, 0, 1, "sin"), (0, 1, 0, "x^2"), (1, 1, 0, "exp"), (1, 2, 1, "tanh")]


# ------------------------------------------------------------------ gradients
def test_mixed_spline_symbolic_model_backward_matches_finite_differences():
    rng = np.random.default_rng(0)
    model = fix_and_perturb(perturb(KAN([2, 3, 2], grid=5, k=3, seed=1)), MIXED)
    model.layers[0].mask[1, 2] = 0.0
    report = gradcheck.check(model, rng.uniform(-0.9, 0.9, (6, 2)), rng.normal(size=(6, 2)))
    assert report.max_rel_error < TOL, report.table()
    for l, i, j, _ in MIXED:   # the affine parameters of the symbolic edges get a gradient
        assert np.all(model.grads[f"layers.{l}.sym_affine"][i, j] != 0)


def test_mixed_model_objective_with_regularisation_matches_finite_differences():
    rng = np.random.default_rng(1)
    model = fix_and_perturb(perturb(KAN([2, 3, 2], grid=4, k=3, seed=2)), MIXED, seed=1)
    x, y = rng.uniform(-0.9, 0.9, (8, 2)), rng.normal(size=(8, 2))
    report = gradcheck.check_objective(model, x, y, lamb=0.05, lamb_entropy=2.0,
                                       lamb_coef=0.1, lamb_coefdiff=0.1)
    assert report.max_rel_error < TOL, report.table()


def test_multiplication_node_with_symbolic_edges_matches_finite_differences():
    rng = np.random.default_rng(2)
    model = perturb(KAN([2, [1, 1], 1], grid=4, k=3, seed=3))
    fix_and_perturb(model, [(0, 0, 1, "sin"), (0, 1, 2, "x^2"), (1, 1, 0, "tanh")], seed=2)
    report = gradcheck.check_objective(model, rng.uniform(-0.9, 0.9, (6, 2)), rng.normal(size=(6, 1)),
                                       lamb=0.05)
    assert report.max_rel_error < TOL, report.table()


# ------------------------------------------------------------------ formulas
def fully_symbolic(seed=0):
    """A [2, 3, 1] KAN whose every edge is symbolic, with non-trivial (a, b, c, d)."""
    model = KAN([2, 3, 1], grid=5, k=3, seed=seed)
    names = ["sin", "exp", "x^2", "x", "sin", "exp"]
    edges = [(0, i, j, names[3 * i + j]) for i in range(2) for j in range(3)]
    edges += [(1, i, 0, name) for i, name in enumerate(["x^2", "sin", "x"])]
    return fix_and_perturb(model, edges, seed=seed, scale=0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_formula_of_fully_symbolic_model_equals_forward(seed):
    model = fully_symbolic(seed)
    (expr,) = model.symbolic_formula()
    assert expr.free_symbols == {X1, X2}
    x = np.random.default_rng(seed).uniform(-1, 1, (200, 2))
    np.testing.assert_allclose(as_function(expr)(x), model.predict(x)[:, 0], rtol=1e-10, atol=1e-10)


def test_formula_of_multiplication_node_model_equals_forward():
    model = KAN([2, [1, 1], 1], grid=5, k=3, seed=0)
    edges = [(0, 0, 0, "sin"), (0, 0, 1, "x"), (0, 0, 2, "exp"), (0, 1, 0, "x^2"), (0, 1, 1, "tanh"),
             (0, 1, 2, "x"), (1, 0, 0, "x"), (1, 1, 0, "sin")]
    (expr,) = fix_and_perturb(model, edges, seed=3).symbolic_formula()
    x = np.random.default_rng(3).uniform(-1, 1, (200, 2))
    np.testing.assert_allclose(as_function(expr)(x), model.predict(x)[:, 0], rtol=1e-10, atol=1e-10)


def test_masked_symbolic_edge_counts_as_zero():
    model = fully_symbolic()
    model.layers[0].mask[1, 1] = 0.0
    x = np.random.default_rng(0).uniform(-1, 1, (200, 2))
    (expr,) = model.symbolic_formula()
    np.testing.assert_allclose(as_function(expr)(x), model.predict(x)[:, 0], rtol=1e-10, atol=1e-10)


def test_formula_uses_input_names_and_var():
    model = fully_symbolic()
    model.input_names = ["u", "v"]
    u, v = sp.symbols("u v", real=True)
    assert model.symbolic_formula()[0].free_symbols == {u, v}
    p, q = sp.symbols("p q")
    assert model.symbolic_formula(var=[p, q])[0].free_symbols == {p, q}


def test_formula_with_spline_edges_names_them():
    model = KAN([2, 2, 1], grid=5, k=3, seed=0)
    model.fix_symbolic(0, 0, 0, "sin", fit_params=False)
    model.fix_symbolic(0, 1, 1, "x", fit_params=False)
    model.fix_symbolic(1, 0, 0, "x", fit_params=False)
    with pytest.raises(ValueError, match=r"\(0, 0, 1\).*\(0, 1, 0\).*\(1, 1, 0\)"):
        model.symbolic_formula()
    model.layers[0].mask[0, 1] = model.layers[0].mask[1, 0] = model.layers[1].mask[1, 0] = 0.0
    assert model.symbolic_formula(snap=1e-12)[0] == sp.sin(X1)   # pruned spline edges do not count


def test_digits_rounds_every_constant():
    model = fully_symbolic(seed=1)
    (rounded,) = model.symbolic_formula(digits=3)
    floats = rounded.atoms(sp.Float)
    assert floats
    assert all(abs(float(f) - round(float(f), 3)) < 1e-12 for f in floats)
    x = np.random.default_rng(1).uniform(-1, 1, (100, 2))
    np.testing.assert_allclose(as_function(rounded)(x), model.predict(x)[:, 0], atol=0.5, rtol=0.05)


@pytest.mark.parametrize("v, tol, expected", [
    (3.14159, 1e-3, sp.pi),
    (0.50001, 1e-3, sp.Rational(1, 2)),
    (2.0000001, 1e-3, sp.Integer(2)),
    (-2.0000001, 1e-3, sp.Integer(-2)),
    (0.3333, 1e-3, sp.Rational(1, 3)),
    (6.2832, 1e-3, 2 * sp.pi),
    (-1.0472, 1e-3, -sp.pi / 3),
    (1e-5, 1e-3, sp.Integer(0)),
    (0.123456, 1e-3, None),
    (3.14159, 1e-6, None),
])
def test_simple_value(v, tol, expected):
    assert constants.simple_value(v, tol) == expected


def test_snap_constants_on_an_expression():
    x = sp.Symbol("x", real=True)
    expr = sp.Float(2.0000001) * sp.sin(sp.Float(3.14159) * x + sp.Float(0.50001)) + sp.Float(0.123456)
    snapped = constants.snap_constants(expr, 1e-3)
    assert snapped == 2 * sp.sin(sp.pi * x + sp.Rational(1, 2)) + sp.Float(0.123456)


def test_snap_on_a_model_formula():
    model = KAN([2, 1, 1], grid=5, k=3, seed=0)
    model.fix_symbolic(0, 0, 0, "sin", fit_params=False)
    model.fix_symbolic(0, 1, 0, "x^2", fit_params=False)
    model.fix_symbolic(1, 0, 0, "exp", fit_params=False)
    model.layers[0].params["sym_affine"][0, 0] = (1.00002, 3.14159, 0.0, 0.50001)
    model.layers[0].params["sym_affine"][1, 0] = (0.99999, 1.0, 2e-5, -0.50001)
    model.layers[1].params["sym_affine"][0, 0] = (2.0000001, 1.0, 0.0, 0.0)
    assert sp.simplify(model.symbolic_formula(snap=1e-3)[0] - 2 * sp.exp(sp.sin(sp.pi * X1) + X2 ** 2)) == 0
    assert model.symbolic_formula(snap=1e-8)[0].atoms(sp.Float)   # a tight tolerance keeps them


@pytest.mark.parametrize("v, tol, expected", [
    (np.pi / 2, 1e-3, sp.pi / 2),      # 11/7 is within 1e-3 too, but farther
    (np.pi, 2e-3, sp.pi),              # 22/7 is within 2e-3 too, but farther
    (3.14159, 1e-3, sp.pi),
    (0.50001, 1e-3, sp.Rational(1, 2)),
    (2.0000001, 1e-3, sp.Integer(2)),
    (0.123456, 1e-4, None),
])
def test_simple_value_prefers_multiples_of_pi_to_near_fractions(v, tol, expected):
    assert constants.simple_value(v, tol) == expected


def test_snap_folds_constants_before_snapping():
    x = sp.Symbol("x", real=True)
    b = 0.666234081732075
    expr = sp.atan(sp.Float(1.0) * x + sp.Float(b ** -3) * (sp.Float(b) * x + sp.Float(4.9e-17)) ** 3)
    assert constants.snap_constants(expr, 1e-3) == sp.atan(x + x ** 3)


def test_snap_moves_a_non_simple_exp_factor_into_the_exponent():
    # sympy shows exp(0.50001 − …) as 1.64873·exp(−…); e^{1/2} is no simple value, 1/2 is.
    x = sp.Symbol("x", real=True)
    expr = sp.exp(sp.Float(0.5 + 1e-5) - sp.Float(0.25 - 1e-5) * sp.cos(sp.Float(2 + 1e-5) * x))
    target = sp.exp(sp.Rational(1, 2) - sp.cos(2 * x) / 4)
    assert sp.simplify(constants.snap_constants(expr, 1e-3) - target) == 0


@pytest.mark.parametrize("expr, expected", [
    (sp.Float(1.0000003) * sp.exp(sp.Float(1.0e-5) + sp.sin(sp.pi * X1)), sp.exp(sp.sin(sp.pi * X1))),
    (sp.Float(2.0000001) * sp.exp(X1 ** 2), 2 * sp.exp(X1 ** 2)),     # a simple factor stays a factor
])
def test_snap_keeps_a_simple_exp_factor_outside(expr, expected):
    assert constants.snap_constants(expr, 1e-3) == expected


def test_snap_leaves_a_constant_near_no_simple_value():
    v = 0.3718                                       # 3/8, the nearest simple value, is 3.2e-3 away
    assert constants.simple_value(v, 3e-3) is None
    expr = sp.Float(v) * sp.sin(X1) + sp.Float(v) * sp.exp(X1)     # log 0.3718 = −0.9894: not −1 either
    assert constants.snap_constants(expr, 1e-3) == expr


# ------------------------------------------------------------------ fix, unfix, suggest
def test_unfix_symbolic_restores_the_spline_output():
    model = perturb(KAN([2, 2, 1], grid=5, k=3, seed=0))
    x = np.random.default_rng(0).uniform(-1, 1, (50, 2))
    before = model.predict(x)
    fit = model.fix_symbolic(0, 1, 0, "sin", x=x)
    assert fit.name == "sin" and 0 <= fit.r2 <= 1
    assert model.layers[0].symbolic == {(1, 0): "sin"}
    assert not np.allclose(model.predict(x), before)
    model.unfix_symbolic(0, 1, 0)
    assert model.layers[0].symbolic == {}
    np.testing.assert_array_equal(model.predict(x), before)


def test_fix_symbolic_rejects_unknown_names_and_bad_edges():
    model = KAN([2, 2, 1], grid=5, k=3, seed=0)
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="name"):
        model.fix_symbolic(0, 0, 0, "sech", x=x)
    with pytest.raises(ValueError, match="layer index l"):
        model.fix_symbolic(2, 0, 0, "sin", x=x)
    with pytest.raises(ValueError, match=r"edge \(i, j\)"):
        model.fix_symbolic(0, 2, 0, "sin", x=x)
    model.layers[0].mask[0, 0] = 0.0
    with pytest.raises(ValueError, match="masked"):
        model.fix_symbolic(0, 0, 0, "sin", x=x)
    assert model.layers[0].symbolic == {}


def sin_shaped_edge():
    """A [1, 1] KAN whose only edge is the spline closest to sin(2x) on [-1, 1] (grid 10)."""
    model = KAN([1, 1], grid=10, k=3, seed=0)
    layer = model.layers[0]
    x = np.linspace(-1, 1, 201)[:, None]                                    # (201, 1)
    layer.params["coef"][:] = bspline.curve_to_coef(x, np.sin(2 * x)[:, :, None], layer.knots, layer.k)
    layer.params["scale_base"][:] = 0.0
    layer.params["scale_sp"][:] = 1.0
    return model, x


def test_suggest_symbolic_ranks_sin_first_for_a_sin_shaped_edge():
    model, x = sin_shaped_edge()
    assert np.abs(model.predict(x) - np.sin(2 * x)).max() < 1e-4
    rows = model.suggest_symbolic(0, 0, 0, lib=["x", "x^2", "x^3", "exp", "tanh", "sin"], topk=6, x=x)
    assert [r.name for r in rows][0] == "sin"
    assert len(rows) == 6
    assert all(r1.score <= r2.score for r1, r2 in zip(rows, rows[1:]))
    best = rows[0]
    assert best.r2 > 1 - 1e-8
    assert abs(abs(best.b) - 2) < 1e-3
    fit = model.fix_symbolic(0, 0, 0, "sin", x=x)
    np.testing.assert_allclose(model.predict(x), np.sin(2 * x), atol=1e-4)
    assert fit.r2 > 1 - 1e-8


def test_auto_symbolic_returns_rows_and_respects_r2_threshold():
    model, x = sin_shaped_edge()
    rows = model.copy().auto_symbolic(lib=["x", "x^2"], r2_threshold=0.9999, x=x)
    assert rows[0][:4] == (0, 0, 0, None)                 # no good fit: stays a spline
    rows = model.auto_symbolic(lib=["x", "sin"], x=x)
    assert rows[0][:4] == (0, 0, 0, "sin") and rows[0][4] > 1 - 1e-8
    assert model.layers[0].symbolic == {(0, 0): "sin"}
    l, i, j, name, r2 = rows[0]                           # unpacks as before
    assert (l, i, j, name) == (0, 0, 0, "sin") and rows.splines_left == []


def two_edge_model():
    """A [2, 1] KAN whose edges are the splines closest to sin(π·x1) and x2² (grid 10)."""
    model = KAN([2, 1], grid=10, k=3, seed=0)
    layer = model.layers[0]
    x = np.random.default_rng(0).uniform(-1, 1, (300, 2))                   # (300, 2)
    curves = np.stack([np.sin(np.pi * x[:, 0]), x[:, 1] ** 2], axis=1)[:, :, None]   # (300, 2, 1)
    layer.params["coef"][:] = bspline.curve_to_coef(x, curves, layer.knots, layer.k)
    layer.params["scale_base"][:] = 0.0
    layer.params["scale_sp"][:] = 1.0
    return model, x


def test_auto_symbolic_by_default_leaves_an_edge_nothing_fits_and_says_so():
    model, x = two_edge_model()
    rows = model.auto_symbolic(lib=["x", "x^2"], x=x)    # sin(πx) is no line: R² ≈ 0.61
    assert [r.name for r in rows] == [None, "x^2"] and rows[0].r2 < 0.7
    assert rows.splines_left == [(0, 0, 0, "x", rows[0].r2, "below r2_threshold")]
    assert model.layers[0].symbolic == {(1, 0): "x^2"}
    with pytest.raises(ValueError, match="still splines"):
        model.symbolic_formula()


def test_check_reverts_only_the_edge_that_made_the_model_much_worse():
    model, x = two_edge_model()
    spline_pred = model.predict(x)
    unchecked = model.copy()
    unchecked.auto_symbolic(lib=["x", "x^2"], r2_threshold=0.0, x=x, check=False)
    assert unchecked.layers[0].symbolic == {(0, 0): "x", (1, 0): "x^2"}
    # sin(πx) read as a line is off by ~0.6 of the output's spread, far above the tolerance.
    rows = model.auto_symbolic(lib=["x", "x^2"], r2_threshold=0.0, x=x)
    assert [r.name for r in rows] == [None, "x^2"]
    assert rows.splines_left == [(0, 0, 0, "x", rows[0].r2, "reverted by the check")]
    assert model.layers[0].symbolic == {(1, 0): "x^2"}
    assert rows.loss_before == 0.0 and rows.loss_after <= rows.allowed
    assert rows.allowed == pytest.approx(fix.CHECK_TOLERANCE * spline_pred.std())
    np.testing.assert_allclose(model.predict(x), spline_pred, atol=1e-4)   # x² fits its spline


def test_check_against_labels_and_its_tolerance():
    model, x = two_edge_model()
    y = np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2 + 0.01                       # (300,) labels
    rows = model.copy().auto_symbolic(lib=["x", "x^2"], r2_threshold=0.0, x=x, y=y)
    assert rows.loss_before == pytest.approx(0.01, rel=0.05)               # the spline's error
    assert [r.name for r in rows] == [None, "x^2"]
    lenient = model.copy().auto_symbolic(lib=["x", "x^2"], r2_threshold=0.0, x=x, y=y, tolerance=1.0)
    assert [r.name for r in lenient] == ["x", "x^2"] and lenient.loss_after <= lenient.allowed


@pytest.mark.parametrize("kwargs, match", [
    ({"y": np.zeros((300, 2))}, "y must have shape"),
    ({"y": np.zeros(299)}, "y must have shape"),
    ({"tolerance": -0.1}, "tolerance"),
    ({"r2_threshold": 1.5}, "r2_threshold"),
])
def test_auto_symbolic_rejects_bad_arguments_before_fixing(kwargs, match):
    model, x = two_edge_model()
    with pytest.raises(ValueError, match=match):
        model.auto_symbolic(lib=["x", "x^2"], x=x, **kwargs)
    assert model.layers[0].symbolic == {}


# ------------------------------------------------------------------ recovering formulas from data
def test_pipeline_recovers_exp_sin_pi_x_plus_y_squared():
    """The KAN paper's story: train with sparsity, prune, refine, auto_symbolic, fine-tune, read."""
    ds = data.dataset("exp_sin", 1000, 1000, seed=1)
    model = KAN([2, 5, 1], grid=5, k=3, seed=1)
    model.fit(ds, steps=50, lamb=DEMO_LAMB, lamb_entropy=DEMO_LAMB_ENTROPY, update_grid=False, log=0)
    model = model.prune()
    assert model.width == [[2, 0], [1, 0], [1, 0]], model.width
    model.fit(ds, steps=30, log=0)
    model = model.refine(20)
    model.fit(ds, steps=20, log=0)
    rows = model.auto_symbolic(lib=["x", "x^2", "x^3", "exp", "sin", "tanh"])
    assert {"sin", "x^2", "exp"} <= {r[3] for r in rows}
    hist = model.fit(ds, steps=20, update_grid=False, log=0)
    assert hist["test_loss"][-1] < 1e-6
    (expr,) = model.symbolic_formula(snap=1e-3)
    assert sp.simplify(expr - sp.exp(sp.sin(sp.pi * X1) + X2 ** 2)) == 0, expr


def recover(name, seed, lib, steps=50):
    ds = data.dataset(name, 1000, 1000, seed=0)
    model = KAN([2, 1, 1], grid=5, k=3, seed=seed)
    model.fit(ds, steps=steps, log=0)
    rows = model.auto_symbolic(lib=lib)
    hist = model.fit(ds, steps=20, update_grid=False, log=0)
    return model, rows, hist, ds


def test_recovers_exp_of_mean_sin_squared():
    # sin²x = (1 − cos 2x)/2: the inner edges are cos(2x) (or sin(2x ∓ π/2)), the outer exp.
    # Seeds 0–3 find all three edges 3 times in 4, on pykan's quantile knots (all but 2) and on
    # knotgrid.density_quantiles' knots (all but 0); seed 1 finds them on both.
    model, rows, hist, ds = recover("exp_mean_sin2", 1, ["x", "x^2", "sin", "cos", "exp"])
    assert [r[3] in ("sin", "cos") for r in rows[:2]] == [True, True] and rows[2][3] == "exp", rows
    assert hist["test_loss"][-1] < 1e-5
    target_expr = data.FUNCTIONS["exp_mean_sin2"].formula.subs({sp.Symbol("x1"): X1, sp.Symbol("x2"): X2})
    target = as_function(target_expr)
    (exact,) = model.symbolic_formula()
    x = ds["test_input"]
    # The unsnapped formula is the trained model exactly; it is the target only up to the fit
    # (~1e-7 relative), so the target is asserted of the snapped formula below.
    np.testing.assert_allclose(as_function(exact)(x), model.predict(x)[:, 0], rtol=1e-10, atol=0)
    (snapped,) = model.symbolic_formula(snap=1e-4)
    np.testing.assert_allclose(as_function(snapped)(x), target(x), rtol=1e-8, atol=0)
    # Exactly the target, read as exp(1/2 − cos(2x1)/4 − cos(2x2)/4): sin²x = (1 − cos 2x)/2.
    (snapped,) = model.symbolic_formula(snap=1e-3)
    assert sp.simplify(snapped - target_expr) == 0, snapped


def test_recovers_arctan_of_x_plus_y_cubed():
    model, rows, hist, _ = recover("arctan", 0, ["x", "x^2", "x^3", "arctan"])
    assert [r[3] for r in rows] == ["x", "x^3", "arctan"]
    assert hist["test_loss"][-1] < 1e-5
    (expr,) = model.symbolic_formula(snap=1e-3)
    assert sp.simplify(expr - sp.atan(X1 + X2 ** 3)) == 0, expr


# ------------------------------------------------------------------ snapping through powers
# exp(b·(a₁·log(b₁x1) + a₂·log(b₂x2))) reaches sympy as K·(b₁x1 + ε₁)**p₁·(b₂x2 + ε₂)**p₂ with
# float p's: the numbers of a trained [2, 1, 1] KAN on x1/x2 (test RMSE 3e-16).
K, B1, B2 = 0.33272967503676909, 4.0025882332060458, 1.3317798821406428
DIVISION = (sp.Float(K) * (sp.Float(B1) * X1 + sp.Float(-9.29e-16)) ** sp.Float(1.0)
            * (sp.Float(B2) * X2 + sp.Float(1.06e-16)) ** sp.Float(-1.0000000000000002)
            + sp.Float(8.47e-17))


def test_snap_folds_through_float_powers_before_snapping_the_coefficient():
    # K = 0.33273 is within 1e-3 of 1/3, but the coefficient the data fixed is K·B1/B2 = 1.00000.
    assert abs(K * B1 / B2 - 1) < 1e-12
    assert constants.snap_constants(DIVISION, 1e-3) == X1 / X2
    assert constants.snap_constants(DIVISION, 1e-3) == constants.snap_constants(DIVISION, 1e-3)


def test_round_folds_through_float_powers_before_rounding_the_coefficient():
    assert constants.round_constants(DIVISION, 4) == sp.Float(1.0) * X1 / X2


def test_integral_float_exponents_fold_like_integers():
    folded = constants.fold_constants(sp.Float(3.0) * (sp.Float(2.0) * X1 + X2) ** sp.Float(2.0))
    assert not folded.atoms(sp.Pow) - {X1 ** 2, X2 ** 2}           # multiplied out
    assert sp.nsimplify(folded) == 12 * X1 ** 2 + 12 * X1 * X2 + 3 * X2 ** 2


def test_simplify_symbolic_turns_a_function_in_disguise_into_the_simpler_one():
    """arctan of a tiny argument is a line to far below any model's accuracy: it becomes x, the
    model's output stays (to that accuracy), and an edge that needs its function keeps it."""
    model = KAN([2, 1, 1], grid=5, k=3, seed=0)
    x = np.random.default_rng(0).uniform(-2, 2, (200, 2))
    for (l, i, j), name, abcd in [((0, 0, 0), "arctan", (88.5, 0.0113, 0.003, 0.0)),
                                  ((0, 1, 0), "sin", (1.0, 1.0, 0.0, 0.0)),
                                  ((1, 0, 0), "exp", (1.0, 1.0, 0.0, 0.0))]:
        model.fix_symbolic(l, i, j, name, fit_params=False)
        model.layers[l].params["sym_affine"][i, j] = abcd
    before = model.predict(x)
    assert fix.simplify_symbolic(model.copy(), x=x, y=before) == []     # floor 1e-10: arctan's bend shows
    y = before + 1e-3 * before.std() * np.random.default_rng(1).standard_normal(before.shape)
    switched = fix.simplify_symbolic(model, x=x, y=y)                   # a model accurate to 1e-6 in 1 − R²
    assert switched == [(0, 0, 0, "arctan", "x")]
    assert model.layers[0].symbolic == {(0, 0): "x", (1, 0): "sin"} and model.layers[1].symbolic == {(0, 0): "exp"}
    rel = np.abs(model.predict(x) - before).max() / np.abs(before).max()
    assert rel < 1e-3           # within the model's accuracy: arctan(u) = u − u³/3 + …, u²/3 ≤ 2.2e-4
    assert fix.simplify_symbolic(model, x=x, y=y) == []                 # nothing simpler left
    with pytest.raises(ValueError, match="nosuchfn"):
        model.simplify_symbolic(lib=["x", "nosuchfn"], x=x)
