"""Tests for minikan.prune: scores, pruning into a smaller model (sum and multiplication
nodes), input pruning, argument errors, and the sparsity history of a regularised fit."""
import numpy as np
import pytest

from minikan import create_dataset, prune
from minikan.cli import DEMO_LAMB, DEMO_LAMB_ENTROPY
from minikan.model import KAN


def perturbed(width, seed=0, **kw):
    """A KAN with O(1) random parameters, so that every edge scores well above the thresholds."""
    model = KAN(width, grid=5, k=3, seed=seed, **kw)
    rng = np.random.default_rng(seed)
    for name, p in model.params.items():
        if not name.endswith("sym_affine"):
            p[:] = rng.normal(scale=0.7, size=p.shape)
    return model


def inputs(d, n=200, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, d))


def state(model):
    """Everything prune must leave alone, as copies."""
    return ({k: v.copy() for k, v in model.params.items()}, [list(w) for w in model.width],
            [layer.mask.copy() for layer in model.layers], [layer.knots.copy() for layer in model.layers])


def assert_same_state(a, b):
    (pa, wa, ma, ka), (pb, wb, mb, kb) = a, b
    assert wa == wb
    assert pa.keys() == pb.keys()
    for key in pa:
        np.testing.assert_array_equal(pa[key], pb[key], err_msg=key)
    for u, v in zip(ma + ka, mb + kb):
        np.testing.assert_array_equal(u, v)


def same_outputs(a, b):
    """Equal up to summation order: a smaller model adds the same terms in another order."""
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def product_data():
    return create_dataset(lambda x: x[:, 0] * x[:, 1], 2, train_num=500, test_num=200, seed=0)


# ------------------------------------------------------------------ nothing to prune
def test_zero_thresholds_give_an_equal_model():
    model = perturbed([2, 3, 2])
    x = inputs(2)
    new = model.prune(node_th=0.0, edge_th=0.0, x=x)
    assert new.width == model.width
    same_outputs(new(x), model(x))


def test_trained_model_using_every_edge_is_kept_whole():
    # xy = ((x+y)² − (x−y)²)/4: a [2,2,1] KAN needs all six edges.
    data = product_data()
    model = KAN([2, 2, 1], grid=5, k=3, seed=1)
    model.fit(data, steps=20, log=0)
    new = model.prune()
    assert new.width == [[2, 0], [2, 0], [1, 0]]
    assert all(layer.mask.all() for layer in new.layers)
    x = data["test_input"]
    same_outputs(new(x), model(x))


# ------------------------------------------------------------------ a new model, the old one untouched
def test_prune_returns_new_object_and_leaves_original_untouched():
    model = perturbed([2, 3, 1])
    model.layers[1].mask[2, 0] = 0.0                    # hidden node 2 has no way out
    before = state(model)
    x = inputs(2)
    new = model.prune(x=x, mode="l1")
    assert new is not model
    assert all(a is not b for a, b in zip(new.layers, model.layers))
    assert_same_state(state(model), before)
    new.params["layers.0.coef"][:] += 1.0               # the new model shares no arrays
    assert_same_state(state(model), before)


def test_pruned_model_equals_original_with_removed_edges_masked():
    model = perturbed([2, 3, 1])
    model.layers[1].mask[2, 0] = 0.0                    # node 2 loses its only outgoing edge
    x = inputs(2)
    new = model.prune(x=x, mode="l1")
    assert new.width == [[2, 0], [2, 0], [1, 0]]
    assert new.layers[0].mask.shape == (2, 2) and new.layers[1].mask.shape == (2, 1)
    masked = model.copy()
    masked.layers[0].mask[:, 2] = 0.0                   # node 2's incoming edges, now removed
    same_outputs(new(x), masked(x))
    same_outputs(new(x), model(x))                      # node 2 reached nothing


def test_weak_edge_is_masked_and_the_rest_unchanged():
    model = perturbed([2, 3, 1])
    layer = model.layers[0]
    for name in ("coef", "scale_base"):
        layer.params[name][1, 0] *= 1e-4                # edge x2 -> node 0 scores ~1e-4
    x = inputs(2)
    score = prune.scores(model, x)["edge"][0]
    others = np.delete(score.ravel(), 1 * score.shape[1] + 0)
    assert score[1, 0] < prune.EDGE_TH < others.min()
    new = model.prune(x=x, mode="l1")
    assert new.width == model.width
    assert new.layers[0].mask[1, 0] == 0 and new.layers[0].mask.sum() == 5
    masked = model.copy()
    masked.layers[0].mask[1, 0] = 0.0
    same_outputs(new(x), masked(x))


def test_pruned_model_keeps_training_inputs_and_names():
    data = product_data()
    model = KAN([2, 3, 1], grid=5, k=3, seed=0, input_names=["u", "v"])
    model.fit(data, steps=2, log=0)
    model.layers[1].mask[2, 0] = 0.0
    new = model.prune()                                 # no x: the last fit's inputs
    assert new.input_names == ["u", "v"]
    np.testing.assert_array_equal(new.train_input, data["train_input"])


# ------------------------------------------------------------------ argument errors
@pytest.mark.parametrize("kwargs, error, name", [
    (dict(node_th=-1e-3), ValueError, "node_th"),
    (dict(node_th=float("nan")), ValueError, "node_th"),
    (dict(node_th="0.1"), TypeError, "node_th"),
    (dict(edge_th=-1.0), ValueError, "edge_th"),
    (dict(edge_th=float("nan")), ValueError, "edge_th"),
    (dict(edge_th="small"), TypeError, "edge_th"),
])
def test_bad_thresholds_are_rejected(kwargs, error, name):
    model = perturbed([2, 3, 1])
    before = state(model)
    with pytest.raises(error, match=name):
        model.prune(x=inputs(2), **kwargs)
    assert_same_state(state(model), before)


def test_thresholds_that_empty_a_layer_keep_its_strongest_node_with_a_warning():
    model = perturbed([2, 3, 1])
    x = inputs(2)
    s = prune.scores(model, x)
    before = state(model)
    with pytest.warns(RuntimeWarning, match="every node of hidden layer 1; kept its strongest node"):
        new = model.prune(node_th=1e6, edge_th=1e6, x=x, mode="l1")
    assert_same_state(state(model), before)
    assert new.width == [[2, 0], [1, 0], [1, 0]]
    n = int(np.argmax(s["node"][1]))
    best_in = int(np.argmax(s["edge"][0][:, n]))
    np.testing.assert_array_equal(new.layers[0].mask[:, 0], np.eye(2)[best_in])   # its strongest edge in
    np.testing.assert_array_equal(new.layers[1].mask, [[1.0]])
    masked = model.copy()                               # = the original with everything else masked
    masked.layers[0].mask[:] = 0.0
    masked.layers[0].mask[best_in, n] = 1.0
    masked.layers[1].mask[:] = 0.0
    masked.layers[1].mask[n, 0] = 1.0
    same_outputs(new(x), masked(x))


def test_emptying_a_layer_is_an_error_when_asked_not_to_keep_the_strongest():
    model = perturbed([2, 3, 1])
    before = state(model)
    with pytest.raises(ValueError, match="every node of hidden layer 1"):
        model.prune(node_th=1e6, x=inputs(2), keep_strongest=False)
    assert_same_state(state(model), before)
    with pytest.raises(TypeError, match="keep_strongest"):
        model.prune(x=inputs(2), keep_strongest="yes")


def test_keep_strongest_in_a_deep_model_keeps_a_path_to_the_output():
    model = perturbed([2, 3, 3, 1])
    x = inputs(2)
    with pytest.warns(RuntimeWarning):
        new = model.prune(node_th=1e6, edge_th=1e6, x=x, mode="l1")
    assert [w[0] for w in new.width] == [2, 1, 1, 1]
    assert all(layer.mask.any() for layer in new.layers)
    assert np.std(new(x)) > 0


def test_prune_without_samples_says_pass_x_or_fit():
    model = perturbed([2, 3, 1])
    with pytest.raises(ValueError, match=r"pass x.*fit"):
        model.prune()
    with pytest.raises(ValueError, match=r"pass x.*fit"):
        model.prune_input()
    with pytest.raises(ValueError, match=r"pass x.*fit"):
        model.attribute()


def test_bad_mode_is_rejected():
    with pytest.raises(ValueError, match="mode"):
        perturbed([2, 3, 1]).prune(x=inputs(2), mode="l2")


# ------------------------------------------------------------------ scores
def test_l1_scores_match_definition():
    model = perturbed([2, 3, 2])
    model.layers[0].mask[0, 1] = 0.0
    x = inputs(2)
    s = prune.scores(model, x, "l1")
    phi0, _ = model.layers[0].edge_forward(x)
    np.testing.assert_allclose(s["edge"][0], np.abs(phi0).mean(axis=0), rtol=1e-12)
    assert s["edge"][0][0, 1] == 0.0
    hidden = np.minimum(s["edge"][0].max(axis=0), s["edge"][1].max(axis=1))
    np.testing.assert_allclose(s["node"][1], hidden, rtol=1e-12)


@pytest.mark.parametrize("width, arity", [([2, 3, 2], 2), ([3, [2, 1], 3, 1], 3)])
def test_attribution_scores_are_nonnegative_with_outputs_one(width, arity):
    model = perturbed(width, mult_arity=arity)
    x = inputs(model.layers[0].in_dim)
    s = prune.scores(model, x, "attribution")
    np.testing.assert_array_equal(s["node"][-1], 1.0)
    for l, (edge, layer) in enumerate(zip(s["edge"], model.layers)):
        assert edge.shape == (layer.in_dim, layer.out_dim)
        assert np.all(edge >= 0) and np.all(np.isfinite(edge))
        np.testing.assert_allclose(s["node"][l], edge.sum(axis=1), rtol=1e-12)
    new = model.prune(x=x, mode="attribution")
    assert new.width == model.width                     # nothing is weak in a random model


def test_attribution_sends_zero_to_a_masked_edge():
    model = perturbed([2, 3, 1])
    model.layers[1].mask[2, 0] = 0.0
    x = inputs(2)
    s = prune.scores(model, x, "attribution")
    assert s["edge"][1][2, 0] == 0 and s["node"][1][2] == 0
    assert np.all(s["edge"][0][:, 2] == 0)
    assert model.prune(x=x, mode="attribution").width == [[2, 0], [2, 0], [1, 0]]


# ------------------------------------------------------------------ multiplication nodes
def test_dead_multiplication_node_takes_its_subnodes_with_it():
    model = perturbed([2, [1, 1], 1], mult_arity=2)     # layer 0 feeds 1 + 2 sub-nodes
    model.layers[0].mask[:, 1:3] = 0.0                  # nothing into the product's factors
    model.layers[1].mask[1, :] = 0.0                    # nothing out of the product
    x = inputs(2)
    new = model.prune(x=x, mode="l1")
    assert new.width == [[2, 0], [1, 0], [1, 0]]
    assert new.arities == [[], [], []]
    assert new.layers[0].mask.shape == (2, 1) and new.layers[1].mask.shape == (1, 1)
    same_outputs(new(x), model(x))


def test_live_multiplication_node_keeps_its_subnodes_and_arity():
    model = perturbed([2, [2, 1], 1], mult_arity=3)     # layer 0 feeds 2 + 3 sub-nodes
    model.layers[1].mask[0, 0] = 0.0                    # sum node 0 reaches nothing
    x = inputs(2)
    new = model.prune(x=x, mode="l1")
    assert new.width == [[2, 0], [1, 1], [1, 0]]
    assert new.arities == [[], [3], []]
    assert new.layers[0].mask.shape == (2, 4) and new.layers[1].mask.shape == (2, 1)
    masked = model.copy()
    masked.layers[0].mask[:, 0] = 0.0
    same_outputs(new(x), masked(x))


def test_multiplication_node_keeps_weak_factor_edges_under_attribution():
    # The factor of a product can be scaled down by any constant if the other is scaled up,
    # so |φ|₁ says little about it; the attribution score (a share of each sub-node's
    # spread) keeps both factors of x·y.
    data = product_data()
    model = KAN([2, [0, 1], 1], grid=5, k=3, seed=0)
    model.fit(data, steps=30, lamb=0.01, lamb_entropy=2.0, reg_metric="l1", log=0)  # the paper's penalty
    new = model.prune(mode="attribution")
    assert new.width == [[2, 0], [0, 1], [1, 0]]
    assert new.layers[0].mask.sum(axis=0).min() >= 1    # every factor still has an input
    assert new.evaluate(data)["test_rmse"] < 0.1


# ------------------------------------------------------------------ input pruning
@pytest.mark.parametrize("names", [None, ["a", "b", "c", "d"]])
def test_prune_input_keeps_the_used_inputs_and_their_names(names):
    def f(x):  # x3, x4 unused
        return np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)
    data = create_dataset(f, n_var=4, train_num=1000, test_num=100, seed=0)
    model = KAN([4, 3, 1], grid=5, k=3, seed=0, input_names=names)
    model.fit(data, steps=20, lamb=0.01, log=0)
    x = data["test_input"]
    for before in (model, model.prune()):
        new = before.prune_input()
        assert new.input_names == (["x1", "x2"] if names is None else ["a", "b"])
        assert new.width[0] == [2, 0] and new.layers[0].in_dim == 2
        assert new.width[1:] == before.width[1:]
        np.testing.assert_array_equal(new.train_input, data["train_input"][:, :2])
        masked = before.copy()
        masked.layers[0].mask[2:] = 0.0                 # the removed inputs' edges
        same_outputs(new(x[:, :2]), masked(x))
    assert model.input_names == (["x1", "x2", "x3", "x4"] if names is None else names)
    assert model.width[0] == [4, 0]


def test_prune_input_refuses_to_remove_every_input():
    with pytest.raises(ValueError, match="every input"):
        perturbed([2, 3, 1]).prune_input(threshold=1e9, x=inputs(2))


# ------------------------------------------------------------------ the history of a regularised fit
def test_regularised_fit_history_sparsifies_and_is_reproducible():
    data = create_dataset(lambda x: np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2), 2,
                          train_num=300, test_num=100, seed=0)

    def run():
        model = KAN([2, 5, 1], grid=5, k=3, seed=0)
        return model.fit(data, steps=15, lamb=0.01, log=0)
    h1, h2 = run(), run()
    assert h1["n_edges"][-1] < h1["n_edges"][0]
    assert np.all(h1["reg"] > 0)
    assert h1.keys() == h2.keys()
    for key in h1:
        if key != "time":
            np.testing.assert_array_equal(h1[key], h2[key], err_msg=key)


# ------------------------------------------------------------------ the KAN paper's example
def test_sparsity_then_prune_finds_one_hidden_node_for_exp_sin():
    """exp(sin(πx) + y²) needs one hidden node: [2, 5, 1] → [2, 1, 1] (KAN §2.5.1, Fig. 2.4).

    The library's defaults, as the demo uses them (fit(lamb=0.01) with grid updates, then
    prune()); benchmarks/pipeline_seeds.py runs seeds 0–14.
    """
    from minikan.data import dataset
    data = dataset("exp_sin", 1000, 1000, seed=0)
    model = KAN([2, 5, 1], grid=5, k=3, seed=0)
    model.fit(data, steps=50, lamb=DEMO_LAMB, lamb_entropy=DEMO_LAMB_ENTROPY, log=0)
    pruned = model.prune()
    assert pruned.width == [[2, 0], [1, 0], [1, 0]], pruned.width
    np.testing.assert_array_equal(pruned.layers[0].mask, np.ones((2, 1)))   # both inputs kept
    hist = pruned.fit(data, steps=30, log=0)
    assert hist["test_loss"][-1] < 1e-2


def test_edge_std_keeps_precision_for_a_near_constant_edge_with_an_offset():
    """Attribution must score a flat edge with a large offset low: its std must not cancel."""
    from minikan.prune import _edge_std_and_sums
    model = KAN([2, 3, 1], grid=5, k=3, seed=0)
    x = np.random.default_rng(0).uniform(-1, 1, (500, 2))
    layer = model.layers[0]
    layer.params["coef"][0, 0] += 1e8                  # φ_00 ≈ 1e8 + a wiggle of std ~1e-2
    std, sums = _edge_std_and_sums(layer, x)
    phi, _ = layer.edge_forward(x)                     # (500, 2, 3), the direct two-pass reference
    np.testing.assert_allclose(std, phi.std(axis=0), rtol=1e-9)
    np.testing.assert_allclose(sums, phi.sum(axis=1), rtol=1e-12)
