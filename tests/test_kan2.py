"""KAN 2.0 and end-to-end checks across modules: multiplication nodes (backprop by finite
differences, width errors, learning x·y), products and quotients from sum-only KANs read
back as formulas, a deeper [4, 2, 1, 1] KAN on a distance with grid extension, and classification."""
import helpers
import numpy as np
import pytest
import sympy as sp

from minikan import create_dataset, data, gradcheck, nodes
from minikan.data import make_moons, make_rings
from minikan.model import KAN
from minikan.symbolic import formula

TOL = 1e-6
X1, X2 = sp.symbols("x1 x2", real=True)


def perturb(model, seed=0):
    return helpers.perturb(model, seed, scale=0.6)


# ------------------------------------------------------------------ multiplication nodes: gradients
MULT_MODELS = [
    ([2, [1, 1], 1], 2),                       # arity 2
    ([3, [0, 2], 2], 3),                       # arity 3, products only
    ([3, [1, 2], 1], [2, [2, 3], 2]),          # mixed arities in one layer
    ([2, [2, 1], [1, 2], 1], 2),               # two multiplication layers, deep
    ([2, [1, 1], 3, [1, 1], 1], [2, [3], 2, [3], 2]),  # deep, arity 3 twice
    ([3, [1, 1], 1], [2, [4], 2]),             # arity 4
]


@pytest.mark.parametrize("width, arity", MULT_MODELS)
def test_multiplication_model_backward_matches_finite_differences(width, arity):
    rng = np.random.default_rng(len(str(width)))
    model = perturb(KAN(width, grid=4, k=3, seed=1, mult_arity=arity))
    d, m = model.layers[0].in_dim, model.layers[-1].out_dim
    report = gradcheck.check(model, rng.uniform(-0.9, 0.9, (5, d)), rng.normal(size=(5, m)))
    assert report.max_rel_error < TOL, report.table()


@pytest.mark.parametrize("width, arity", MULT_MODELS[::2])
@pytest.mark.parametrize("lamb", [0.0, 0.05])
def test_multiplication_model_objective_matches_finite_differences(width, arity, lamb):
    rng = np.random.default_rng(8)
    model = perturb(KAN(width, grid=3, k=3, seed=3, mult_arity=arity), seed=2)
    model.layers[0].mask[0, 0] = 0.0
    d, m = model.layers[0].in_dim, model.layers[-1].out_dim
    report = gradcheck.check_objective(model, rng.uniform(-0.9, 0.9, (6, d)), rng.normal(size=(6, m)),
                                       lamb=lamb, lamb_coef=0.1, lamb_coefdiff=0.1)
    assert report.max_rel_error < TOL, report.table()


def test_multiplication_node_multiplies_its_subnodes():
    model = perturb(KAN([2, [1, 2], 1], grid=4, k=3, seed=0, mult_arity=[2, [2, 3], 2]))
    x = np.random.default_rng(0).uniform(-1, 1, (20, 2))
    z = model.layers[0](x)                                          # (20, 1 + 2 + 3) sub-nodes
    hidden = model.layer_inputs(x)[1]                               # (20, 3) nodes
    np.testing.assert_array_equal(hidden[:, 0], z[:, 0])
    np.testing.assert_allclose(hidden[:, 1], z[:, 1] * z[:, 2], rtol=1e-14)
    np.testing.assert_allclose(hidden[:, 2], z[:, 3] * z[:, 4] * z[:, 5], rtol=1e-14)


# ------------------------------------------------------------------ width specifications
@pytest.mark.parametrize("width, kwargs, name", [
    ([2, -1, 1], {}, "width"),
    ([2, [3, -1], 1], {}, "width"),
    ([2, [1, 2, 3], 1], {}, "width"),
    ([2, 2.5, 1], {}, "width"),
    ([2, [0, 0], 1], {}, "width"),
    ([[1, 1], 3, 1], {}, "width"),                 # multiplication nodes in the input layer
    ([2, 3, [0, 1]], {}, "width"),                 # … or in the output layer
    ([2], {}, "width"),
    ([2, [1, 1], 1], {"mult_arity": 1}, "mult_arity"),
    ([2, [1, 2], 1], {"mult_arity": [2, [2, 1], 2]}, "mult_arity"),
    ([2, [1, 2], 1], {"mult_arity": [2, [2], 2]}, "mult_arity"),
    ([2, [1, 1], 1], {"mult_arity": [2, 2]}, "mult_arity"),
    ([2, [1, 1], 1], {"mult_arity": "2"}, "mult_arity"),
])
def test_bad_width_specifications_are_rejected(width, kwargs, name):
    with pytest.raises(ValueError, match=name):
        KAN(width, **kwargs)


def test_width_and_arities_are_normalised():
    model = KAN([2, [1, 2], 1], mult_arity=[2, [2, 3], 2])
    assert model.width == [[2, 0], [1, 2], [1, 0]]
    assert model.arities == [[], [2, 3], []]
    assert model.layers[0].out_dim == 1 + 2 + 3 and model.layers[1].in_dim == 3
    assert "[2, [1, 2], 1]" in repr(model)


# ------------------------------------------------------------------ x·y
@pytest.fixture(scope="module")
def xy_data():
    return create_dataset(lambda x: x[:, 0] * x[:, 1], 2, train_num=1000, test_num=1000, seed=0)


@pytest.fixture(scope="module")
def xy_mult(xy_data):
    """[2, [0, 1], 1] trained with sparsity, pruned to one input per factor, re-fitted."""
    # seed 1 with fit's defaults ("spread" score, grid margin): one input per factor,
    # test RMSE 1.4e-5 after the re-fit. Measured on this data: seeds 0 and 2 feed x1 to
    # both factors with the defaults, and with the paper's penalty (l1, μ₂ = 2) seed 1 reaches
    # only 1.0e-2 (regularize.py notes the product case).
    model = KAN([2, [0, 1], 1], grid=5, k=3, seed=1)
    model.fit(xy_data, steps=30, lamb=0.01, log=0)
    # The scale of one factor of a product can move to the other, so |φ|₁ ("l1") is no
    # measure of a factor's importance; the attribution scores are.
    model = model.prune(mode="attribution")
    model.fit(xy_data, steps=30, log=0)
    return model


@pytest.fixture(scope="module")
def xy_sum(xy_data):
    """Sum-only [2, 2, 1] fitted to x·y, made symbolic with x and x² and fine-tuned."""
    model = KAN([2, 2, 1], grid=5, k=3, seed=1)
    model.fit(xy_data, steps=20, log=0)
    rows = model.auto_symbolic(lib=["x", "x^2"])
    model.fit(xy_data, steps=20, update_grid=False, log=0)
    return model, rows


def test_multiplication_node_learns_xy_and_reads_as_x1_x2(xy_data, xy_mult):
    model = xy_mult.copy()
    assert model.width == [[2, 0], [0, 1], [1, 0]]
    mask = model.layers[0].mask                                     # one input per factor,
    assert set(mask.ravel()) == {0.0, 1.0} and np.all(mask.sum(0) == 1) and np.all(mask.sum(1) == 1)
    assert model.evaluate(xy_data)["test_rmse"] < 1e-2
    rows = model.auto_symbolic(lib=["x", "x^2", "sin", "exp"])
    assert [r[3] for r in rows] == ["x", "x", "x"]
    model.fit(xy_data, steps=20, update_grid=False, log=0)
    assert model.evaluate(xy_data)["test_rmse"] < 1e-10
    assert sp.simplify(model.symbolic_formula(snap=1e-3)[0] - X1 * X2) == 0


def test_multiplication_node_fits_xy_with_fewer_parameters_than_a_sum_only_kan(xy_data):
    # Splines only, G = 5, 50 steps each (benchmarks/kan2_xy.py runs seeds 0–4 and finer grids).
    # Measured: mult 2.2e-5 with 50 parameters, sum-only [2, 5, 1] 4.5e-4 with 150.
    mult = KAN([2, [0, 1], 1], grid=5, k=3, seed=1)
    mult.fit(xy_data, steps=50, log=0)
    plain = KAN([2, 5, 1], grid=5, k=3, seed=1)
    plain.fit(xy_data, steps=50, log=0)
    rmse_mult, rmse_plain = mult.evaluate(xy_data)["test_rmse"], plain.evaluate(xy_data)["test_rmse"]
    assert mult.n_params() == 5 * (5 + 3 + 2) and plain.n_params() == 15 * (5 + 3 + 2)
    assert rmse_mult < 1e-4, rmse_mult
    assert rmse_plain > 5 * rmse_mult, (rmse_mult, rmse_plain)   # three times the parameters, worse


def test_first_grid_update_leaves_the_layer_after_products_on_its_knots(xy_data):
    # A product of untrained factors is concentrated near 0 and one-sided (nodes.grid_update_layers).
    model = KAN([2, [0, 1], 1], grid=5, k=3, seed=0)
    start = [layer.knots.copy() for layer in model.layers]
    model.fit(xy_data, steps=1, log=0)                        # the first update only
    assert not np.array_equal(model.layers[0].knots, start[0])
    np.testing.assert_array_equal(model.layers[1].knots, start[1])
    model.fit(xy_data, steps=6, grid_update_num=10, log=0)    # updates at steps 0 and 5
    assert not np.array_equal(model.layers[1].knots, start[1])
    assert nodes.grid_update_layers([[], [2], [2, 3], []], first=True) == [0]
    assert nodes.grid_update_layers([[], [2], [2, 3], []], first=False) == [0, 1, 2]
    assert nodes.grid_update_layers([[], [], []], first=True) == [0, 1]


def test_multiplication_node_fits_x_sin_pi_y():
    # Seed 0 stalled at 8.8e-2 when the first grid update moved the outer knots onto the
    # untrained product; now seeds 0–4 reach 1.5e-3 at G = 5 and 7e-5 at G = 10
    # (benchmarks/kan2_xy.py).
    d = create_dataset(lambda x: x[:, 0] * np.sin(np.pi * x[:, 1]), 2, train_num=1000,
                       test_num=1000, seed=0)
    model = KAN([2, [0, 1], 1], grid=5, k=3, seed=0)
    model.fit(d, steps=30, log=0)
    model = model.refine(10)
    model.fit(d, steps=30, log=0)
    assert model.evaluate(d)["test_rmse"] < 1e-3


def test_sum_only_kan_reads_xy_as_difference_of_squares(xy_data, xy_sum):
    # 4xy = (x + y)² − (x − y)²: linear inner edges, squared outer edges.
    model, rows = xy_sum
    assert [r[3] for r in rows] == ["x"] * 4 + ["x^2"] * 2
    assert model.evaluate(xy_data)["test_rmse"] < 1e-10
    # The squares must be expanded before their x1², x2² terms cancel and snapping can see x1·x2.
    (exact,) = model.symbolic_formula()
    assert formula.snap_constants(sp.expand(exact), 1e-3) == X1 * X2


def test_sum_only_xy_snapped_formula_simplifies(xy_sum):
    model, _ = xy_sum
    assert sp.simplify(model.symbolic_formula(snap=1e-3)[0] - X1 * X2) == 0


def test_sum_only_kan_reads_division_as_exp_of_log_difference():
    # x/y = exp(log x − log y) on x, y in [0.5, 2].
    d = data.dataset("division", 1000, 1000, seed=0)
    model = KAN([2, 1, 1], grid=5, k=3, seed=0)
    model.fit(d, steps=30, log=0)
    rows = model.auto_symbolic(lib=["x", "log", "exp"])
    assert [r[3] for r in rows] == ["log", "log", "exp"]
    model.fit(d, steps=20, update_grid=False, log=0)
    assert model.evaluate(d)["test_rmse"] < 1e-10
    assert sp.simplify(model.symbolic_formula(snap=1e-3)[0] - X1 / X2) == 0


# ------------------------------------------------------------------ sqrt((x1−x2)² + (x3−x4)²), deeper
@pytest.fixture(scope="module")
def distance_fits():
    """[4, 2, 1, 1] on the distance: 30 L-BFGS steps at G = 3, then refined to G = 10, 30 more.

    Seed 4 finds the intended structure; about three initialisations in four (seeds 0–2
    among them) stall at test RMSE 0.2–0.35 with a pair of inputs added instead of subtracted.
    benchmarks/kan2_distance.py reaches the issue's bar, 5e-3, with G = 3 → 5 → 10 → 20.
    """
    d = data.dataset("distance", 1000, 1000, seed=0)
    coarse = KAN([4, 2, 1, 1], grid=3, k=3, seed=4)
    coarse.fit(d, steps=30, log=0)
    fine = coarse.refine(10)
    fine.fit(d, steps=30, log=0)
    return d, coarse, fine


def test_distance_grid_extension_lowers_test_rmse(distance_fits):
    d, coarse, fine = distance_fits
    assert (coarse.grid, fine.grid) == (3, 10)
    rmse_coarse, rmse_fine = (m.evaluate(d)["test_rmse"] for m in (coarse, fine))
    # Measured 7.9e-3 -> 4.0e-3; over data seeds 0–2 and model seeds 3–5 at most 5.9e-3 and a ratio 0.53.
    assert rmse_fine < 0.7 * rmse_coarse, (rmse_coarse, rmse_fine)
    assert rmse_fine < 1e-2, rmse_fine


def test_distance_first_layer_computes_the_two_differences(distance_fits):
    # The intended structure: layer 0 gives x1 − x2 and x3 − x4 (linear edges, in any mix),
    # layer 1 squares and sums, layer 2 takes the root. So the hidden nodes lie in
    # span{1, x1 − x2, x3 − x4}; in the stalled minima R² is below 0.4.
    d, _, fine = distance_fits
    x = d["test_input"]                                                        # (n, 4)
    h = fine.layer_inputs(x)[1]                                                # (n, 2)
    A = np.column_stack([np.ones(len(x)), x[:, 0] - x[:, 1], x[:, 2] - x[:, 3]])  # (n, 3)
    resid = h - A @ np.linalg.lstsq(A, h, rcond=None)[0]                       # (n, 2)
    r2 = 1.0 - resid.var(axis=0) / h.var(axis=0)                               # (2,)
    assert np.all(r2 > 0.999), r2


# ------------------------------------------------------------------ classification
@pytest.mark.parametrize("make", [make_moons, make_rings])
def test_classification_accuracy_with_few_hidden_nodes(make):
    d = make(1000, noise=0.1, seed=0)
    model = KAN([2, 4, 2], grid=5, k=3, seed=0)
    hist = model.fit(d, steps=20, loss_fn="ce", log=0)
    acc = model.evaluate(d)["test_accuracy"]
    assert acc >= 0.97, acc
    assert hist["test_acc"][-1] == acc
    proba = model.predict_proba(d["test_input"])
    assert proba.shape == (len(d["test_input"]), 2) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(proba.argmax(axis=1), model.predict(d["test_input"]).argmax(axis=1))


def test_cross_entropy_model_formula_has_one_logit_per_class():
    d = make_moons(1000, 0.1, seed=0)
    model = KAN([2, 2, 2], grid=5, k=3, seed=0)
    model.fit(d, steps=10, loss_fn="ce", log=0)
    model.auto_symbolic(lib=["x", "x^2", "sin"], r2_threshold=0.0, check=False)   # fix every edge
    exprs = model.symbolic_formula()
    assert len(exprs) == 2
    x = d["test_input"]
    logits = model.predict(x)
    for c, expr in enumerate(exprs):
        f = sp.lambdify((X1, X2), expr, "numpy")
        np.testing.assert_allclose(f(x[:, 0], x[:, 1]), logits[:, c], rtol=1e-10, atol=1e-10)
