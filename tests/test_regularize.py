"""Tests for minikan.regularize: entropy and coefficient penalties against their formulas and finite
differences, the full regularised objective's gradient, chunking, and λ = 0."""
import numpy as np
import pytest
from helpers import perturb

from minikan import edge_stats, gradcheck, losses, regularize
from minikan.gradcheck import numerical_grad_array, rel_error
from minikan.model import KAN

TOL = 1e-6


def perturbed_model(width, seed=0, grid=4, k=3):
    return perturb(KAN(width, grid=grid, k=k, seed=seed), seed + 50)


def test_entropy_matches_formula_and_finite_differences():
    rng = np.random.default_rng(0)
    A = rng.uniform(0.1, 2.0, (3, 4))
    S, dS = regularize.entropy(A)
    p = A / A.sum()
    assert S == pytest.approx(-sum(pi * np.log(pi) for pi in p.ravel()), rel=1e-14)
    assert rel_error(dS, numerical_grad_array(lambda: regularize.entropy(A)[0], A)) < TOL


def test_entropy_special_cases():
    assert regularize.entropy(np.zeros((2, 3)))[0] == 0.0                 # |Φ|₁ = 0 → S = 0
    assert regularize.entropy(np.array([[0.0, 5.0]]))[0] == 0.0           # one live edge
    A = np.array([[0.0, 1.0, 1.0, 2.0]])                                  # 0·log 0 = 0, dead edge's grad 0
    S, dS = regularize.entropy(A)
    assert S == pytest.approx(-(2 * 0.25 * np.log(0.25) + 0.5 * np.log(0.5)), rel=1e-14)
    assert dS[0, 0] == 0.0 and np.isfinite(dS).all()
    assert regularize.entropy(np.full((3, 3), 0.2))[0] == pytest.approx(np.log(9), rel=1e-14)


def test_coef_penalties_match_formula_and_finite_differences():
    rng = np.random.default_rng(1)
    coef = rng.normal(size=(2, 3, 6))                                     # away from 0 and from ties a.s.
    C1, C2, dC1, dC2 = regularize.coef_penalties(coef)
    assert C1 == pytest.approx(np.abs(coef).sum() / 6, rel=1e-14)
    assert C2 == pytest.approx(sum(np.abs(coef[i, j, m + 1] - coef[i, j, m])
                                   for i in range(2) for j in range(3) for m in range(5)) / 6, rel=1e-14)
    assert rel_error(dC1, numerical_grad_array(lambda: regularize.coef_penalties(coef)[0], coef)) < TOL
    assert rel_error(dC2, numerical_grad_array(lambda: regularize.coef_penalties(coef)[1], coef)) < TOL


def one_row_slices(monkeypatch):
    """Make every feature slice one row, so that the slicing (and its offsets) is exercised."""
    monkeypatch.setattr(edge_stats, "FEATURE_BYTES", 1)


def test_edge_l1_matches_direct_mean_and_masks(monkeypatch):
    model = perturbed_model([2, 3, 1])
    layer = model.layers[0]
    layer.mask[1, 2] = 0.0
    x = np.random.default_rng(2).uniform(-1, 1, (40, 2))
    full = regularize.edge_l1(layer, x)
    one_row_slices(monkeypatch)
    A = regularize.edge_l1(layer, x)
    assert rel_error(A, full) < 1e-14
    assert rel_error(A, np.abs(layer.edge_forward(x)[0]).mean(axis=0)) < 1e-14
    assert A[1, 2] == 0.0


@pytest.mark.parametrize("k", [2, 3])
def test_full_objective_gradient_deep(k):
    rng = np.random.default_rng(3)
    model = perturbed_model([3, 4, 3, 1], seed=k, k=k)
    model.layers[1].mask[0, 2] = 0.0
    x = rng.uniform(-1, 1, (12, 3))
    y = rng.normal(size=(12, 1))
    report = gradcheck.check_objective(model, x, y, lamb=0.01, lamb_l1=1, lamb_entropy=2,
                                       lamb_coef=0.1, lamb_coefdiff=0.1)
    assert report.max_rel_error < TOL, report.table()


def test_penalty_gradient_alone_is_checked_through_inputs():
    """With a large λ the penalty dominates: its gradient (incl. the path through each layer's inputs) shows."""
    rng = np.random.default_rng(4)
    model = perturbed_model([2, 3, 2], seed=1)
    x, y = rng.uniform(-1, 1, (8, 2)), rng.normal(size=(8, 2))
    report = gradcheck.check_objective(model, x, y, lamb=10.0, lamb_entropy=2.0, lamb_coefdiff=0.5)
    assert report.max_rel_error < TOL, report.table()


def test_chunked_equals_unchunked(monkeypatch):
    rng = np.random.default_rng(5)
    model = perturbed_model([3, 4, 3, 1], seed=2)
    x = rng.uniform(-1, 1, (23, 3))
    inputs = model.layer_inputs(x)
    w = regularize.Weights(0.01, 1.0, 2.0, 0.1, 0.1)
    v_full, dx_full, g_full = regularize.penalty_and_grads(model.layers, inputs, w)
    one_row_slices(monkeypatch)
    model = model.copy()                                       # fresh caches: moments not kept
    inputs = model.layer_inputs(x)
    v_chunk, dx_chunk, g_chunk = regularize.penalty_and_grads(model.layers, inputs, w)
    assert v_chunk == pytest.approx(v_full, rel=1e-13)
    assert dx_full[0] is None and dx_chunk[0] is None          # the data's gradient is not needed
    for a, b in zip(dx_full[1:], dx_chunk[1:]):
        assert rel_error(a, b) < 1e-13
    assert g_full.keys() == g_chunk.keys()
    for key in g_full:
        assert rel_error(g_full[key], g_chunk[key]) < 1e-13, key
    A = [regularize.edge_l1(layer, xl) for layer, xl in zip(model.layers, inputs)]
    assert regularize.penalty_value(model.layers, A, w) == pytest.approx(v_full, rel=1e-13)


def test_lambda_zero_is_plain_mse():
    rng = np.random.default_rng(6)
    model = perturbed_model([2, 3, 1])
    x, y = rng.uniform(-1, 1, (10, 2)), rng.normal(size=(10, 1))
    value, grads = model.objective(x, y, lamb=0.0, lamb_entropy=5.0, lamb_coef=3.0)
    loss, dpred = losses.mse(model(x), y)
    assert value == loss
    model.backward(dpred)
    for key in grads:
        np.testing.assert_array_equal(grads[key], model.grads[key])


# ------------------------------------------------------------------ the scale-aware ("spread") penalty
@pytest.mark.parametrize("k", [2, 3])
def test_spread_objective_gradient_deep(k):
    """The whole objective with the spread scores and node entropies, through every layer's inputs."""
    rng = np.random.default_rng(7)
    model = perturbed_model([3, 4, 3, 1], seed=k, k=k)
    model.layers[1].mask[0, 2] = 0.0                                      # a dead edge: σ = 0
    x, y = rng.uniform(-1, 1, (12, 3)), rng.normal(size=(12, 1))
    report = gradcheck.check_objective(model, x, y, lamb=10.0, lamb_entropy=2.0, lamb_coef=0.1,
                                       lamb_coefdiff=0.1, reg_metric="spread")
    assert report.max_rel_error < TOL, report.table()


def direct_score(layer, x):
    """σ_ij/(ρ_i + ε) straight from the per-edge values of ``edge_forward``."""
    phi = layer.edge_forward(x)[0]                                        # (batch, in, out)
    return phi.std(axis=0) / (x.std(axis=0) + regularize.SPREAD_FLOOR)[:, None]


def test_spread_scores_match_definition_and_chunking(monkeypatch):
    model = perturbed_model([3, 4, 3, 1], seed=2)
    x = np.random.default_rng(8).uniform(-1, 1, (23, 3))
    inputs = model.layer_inputs(x)
    for layer, xl in zip(model.layers, inputs):
        assert rel_error(regularize.edge_scores(layer, xl, "spread"), direct_score(layer, xl)) < 1e-12
    w = regularize.Weights(0.01, 1.0, 2.0, 0.1, 0.1, "spread")
    v_full, dx_full, g_full = regularize.penalty_and_grads(model.layers, inputs, w)
    one_row_slices(monkeypatch)
    for layer, xl in zip(model.layers, inputs):
        assert rel_error(regularize.edge_scores(layer, xl, "spread"), direct_score(layer, xl)) < 1e-12
    model = model.copy()                                       # fresh caches: moments not kept
    inputs = model.layer_inputs(x)
    v_chunk, dx_chunk, g_chunk = regularize.penalty_and_grads(model.layers, inputs, w)
    assert v_chunk == pytest.approx(v_full, rel=1e-12)
    assert dx_full[0] is None and dx_chunk[0] is None
    for a, b in zip(dx_full[1:], dx_chunk[1:]):
        assert rel_error(a, b) < 1e-12
    for key in g_full:
        assert rel_error(g_full[key], g_chunk[key]) < 1e-12, key
    A = [regularize.edge_scores(layer, xl, "spread") for layer, xl in zip(model.layers, inputs)]
    assert regularize.penalty_value(model.layers, A, w) == pytest.approx(v_full, rel=1e-12)


def test_node_entropy_is_mean_of_row_and_column_entropies():
    rng = np.random.default_rng(9)
    A = rng.uniform(0.1, 2.0, (3, 4))
    A[0, 1] = 0.0                                                         # a dead edge
    S, dS = regularize.node_entropy(A)
    rows = np.mean([regularize.entropy(A[i:i + 1])[0] for i in range(3)])
    cols = np.mean([regularize.entropy(A[:, j:j + 1])[0] for j in range(4)])
    assert S == pytest.approx(rows + cols, rel=1e-14)
    num = numerical_grad_array(lambda: regularize.node_entropy(A)[0], A)
    alive = A > 0
    assert rel_error(dS[alive], num[alive]) < TOL and dS[0, 1] == 0.0


def test_spread_score_follows_a_rescaled_input_and_the_l1_does_not():
    """A hidden node scaled by c, read by a next layer whose knots followed it (knots × c): the
    next layer computes the same function of it, so its paper's L1 is unchanged while the first
    layer's L1 shrinks by c — the runaway. Its spread score grows by 1/c (up to the floor ε),
    balancing the first layer's, which shrinks by c."""
    layer = perturbed_model([2, 3, 1], seed=3).layers[1]
    layer.params["scale_base"][...] = 0.0              # silu(u/c) is not silu(u)/…: splines only
    h = np.random.default_rng(10).uniform(-0.9, 0.9, (300, 3))
    c = 0.1
    narrow = layer.copy()
    narrow.knots = layer.knots * c                     # B(u; c·t) = B(u/c; t)
    np.testing.assert_allclose(narrow.edge_forward(c * h)[0], layer.edge_forward(h)[0], atol=1e-12)
    assert rel_error(regularize.edge_l1(narrow, c * h), regularize.edge_l1(layer, h)) < 1e-12
    rho = h.std(axis=0)[:, None]
    expected = regularize.edge_scores(layer, h, "spread") * (rho + regularize.SPREAD_FLOOR) / (
        c * rho + regularize.SPREAD_FLOOR)
    assert rel_error(regularize.edge_scores(narrow, c * h, "spread"), expected) < 1e-12
    assert np.all(expected > 5 * regularize.edge_scores(layer, h, "spread"))


def test_bad_reg_metric_is_rejected():
    model = perturbed_model([2, 3, 1])
    data = {"train_input": np.zeros((4, 2)), "train_label": np.zeros((4, 1)),
            "test_input": np.zeros((4, 2)), "test_label": np.zeros((4, 1))}
    with pytest.raises(ValueError, match="reg_metric"):
        model.fit(data, steps=1, lamb=0.01, reg_metric="l2", log=0)
    with pytest.raises(ValueError, match="reg_metric"):
        model.objective(np.zeros((4, 2)), np.zeros((4, 1)), lamb=0.01, reg_metric="l2")


# ------------------------------------------------------------------ from the forward's basis (edge_stats.py)
@pytest.mark.parametrize("reg_metric", ["l1", "spread"])
def test_symbolic_edges_scores_and_gradient(reg_metric):
    """Symbolic edges are scored from their own values (their spline weights are masked out)."""
    from minikan.symbolic import edges
    rng = np.random.default_rng(11)
    model = perturbed_model([2, 3, 2], seed=4)
    for l, i, j, name in [(0, 0, 1, "sin"), (1, 2, 0, "tanh")]:
        model.fix_symbolic(l, i, j, name, fit_params=False)
        model.layers[l].params["sym_affine"][i, j] += rng.uniform(-0.4, 0.4, 4)
    x, y = rng.uniform(-0.9, 0.9, (10, 2)), rng.normal(size=(10, 2))
    for layer, xl in zip(model.layers, model.layer_inputs(x)):
        phi = layer.edge_forward(xl)[0]                                   # symbolic values included
        direct = np.abs(phi).mean(axis=0) if reg_metric == "l1" else direct_score(layer, xl)
        assert rel_error(regularize.edge_scores(layer, xl, reg_metric), direct) < 1e-12
        assert edges.edge_index(layer.active_symbolic())[0].size == 1
    report = gradcheck.check_objective(model, x, y, lamb=1.0, lamb_entropy=2.0, reg_metric=reg_metric)
    assert report.max_rel_error < TOL, report.table()


def test_penalty_reuses_the_forwards_basis_and_matches_a_fresh_one():
    """penalty_and_grads reads the basis the last forward cached when it was on the same array;
    a copy of the inputs (a fresh basis) gives the same penalty and gradients."""
    rng = np.random.default_rng(12)
    model = perturbed_model([3, 4, 1], seed=5)
    x = rng.uniform(-1, 1, (30, 3))
    inputs = model.layer_inputs(x)
    assert model.layers[0].spline_cache(inputs[0], reuse=True) is model.layers[0]._cache.spline
    assert model.layers[0].spline_cache(inputs[0].copy(), reuse=True) is not model.layers[0]._cache.spline
    assert model.layers[0].spline_cache(inputs[0]) is not model.layers[0]._cache.spline
    w = regularize.Weights(0.01, 1.0, 2.0, 0.0, 0.0, "spread")
    v, dx, g = regularize.penalty_and_grads(model.layers, inputs, w)
    v2, dx2, g2 = regularize.penalty_and_grads(model.layers, [a.copy() for a in inputs], w)
    assert v2 == pytest.approx(v, rel=1e-14)
    for a, b in zip(dx[1:], dx2[1:]):
        assert rel_error(a, b) < 1e-14
    for key in g:
        assert rel_error(g[key], g2[key]) < 1e-14, key


def test_first_layer_moments_are_kept_with_its_basis_and_equal_fresh_ones():
    rng = np.random.default_rng(13)
    model = perturbed_model([3, 4, 1], seed=6)
    x, y = rng.uniform(-1, 1, (30, 3)), rng.normal(size=(30, 1))
    model.objective(x, y, lamb=0.01)
    kept, hidden = (layer._cache.spline.derived["moments"] for layer in model.layers)
    model.params["layers.0.coef"] *= 1.5                       # new params, same data
    value, grads = model.objective(x, y, lamb=0.01)
    assert model.layers[0]._cache.spline.derived["moments"] is kept
    assert model.layers[1]._cache.spline.derived["moments"] is not hidden  # its input moved
    fresh = model.copy()
    value2, grads2 = fresh.objective(x, y, lamb=0.01)
    assert value2 == value
    for key in grads:
        assert np.array_equal(grads[key], grads2[key]), key


def test_spread_of_a_narrow_input_keeps_its_precision():
    """A hidden node far narrower than its knot spacing: B barely varies over the batch, so
    an uncentred covariance would cancel; the centred one agrees with the direct std."""
    layer = perturbed_model([2, 3, 1], seed=6).layers[0]
    x = 0.3 + 1e-3 * np.random.default_rng(13).normal(size=(200, 2))    # knots on [-1, 1]
    sigma = regularize.edge_scores(layer, x, "spread") * (x.std(axis=0) + regularize.SPREAD_FLOOR)[:, None]
    assert rel_error(sigma, layer.edge_forward(x)[0].std(axis=0)) < 1e-9


@pytest.mark.parametrize("shape", [(1, 3), (1000, 5), (257, 4, 6)])
def test_column_mean_is_the_mean_over_the_batch(shape):
    a = np.random.default_rng(0).normal(3.0, 2.0, shape)
    got = edge_stats.column_mean(a)
    assert got.shape == shape[1:]
    assert rel_error(got, a.mean(axis=0)) < 1e-13
