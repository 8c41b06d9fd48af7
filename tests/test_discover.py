"""Tests for minikan.discover: multi-start is deterministic and keeps the best start; the
one-call recipe recovers an easy formula and reports its stages; bad arguments are refused."""
import numpy as np
import pytest
import sympy as sp

import minikan
from minikan import KAN, create_dataset
from minikan.discover import best_of, formula_rmse, restart_seeds


def small_data(f, n_var=2, n=300, seed=0, ranges=(-1.0, 1.0)):
    return create_dataset(f, n_var, ranges, train_num=n, test_num=200, seed=seed)


def test_restart_seeds_start_with_the_seed_and_are_distinct_and_reproducible():
    seeds = restart_seeds(7, 4)
    assert seeds[0] == 7 and len(set(seeds)) == 4
    assert restart_seeds(7, 4) == seeds and restart_seeds(8, 4) != seeds
    assert restart_seeds(7, 1) == [7]
    with pytest.raises(ValueError, match="restarts"):
        restart_seeds(7, 0)


def test_best_of_is_deterministic_and_keeps_the_lowest_objective():
    data = small_data(lambda x: np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)

    def make(s):
        return KAN([2, 3, 1], grid=5, k=3, seed=s)
    runs = [best_of(make, data, restarts=3, probe_steps=3, seed=1, lamb=0.01, log=0) for _ in range(2)]
    (m1, h1, obj1), (m2, h2, obj2) = runs
    assert obj1 == obj2 and len(obj1) == 3
    assert h1["objective"][-1] == min(obj1)
    for key in m1.params:
        np.testing.assert_array_equal(m1.params[key], m2.params[key], err_msg=key)
    single, _, obj = best_of(make, data, restarts=1, probe_steps=3, seed=1, lamb=0.01, log=0)
    direct = make(1)
    hist = direct.fit(data, steps=3, lamb=0.01, log=0)          # restart 0 is KAN(seed=seed) itself
    assert obj == [hist["objective"][-1]]
    for key in single.params:
        np.testing.assert_array_equal(single.params[key], direct.params[key], err_msg=key)


def test_formula_rmse_evaluates_the_expression_in_named_columns():
    x = np.random.default_rng(0).uniform(-1, 1, (50, 3))
    a, c = sp.symbols("a c", real=True)
    y = (np.sin(x[:, 0]) + x[:, 2] ** 2)[:, None]
    assert formula_rmse(sp.sin(a) + c ** 2, ["a", "b", "c"], x, y) < 1e-14
    assert formula_rmse(sp.sin(a), ["a", "b", "c"], x, y) == pytest.approx(
        np.sqrt(np.mean(x[:, 2] ** 4)), rel=1e-12)


def test_discover_recovers_an_additive_formula():
    data = small_data(lambda x: np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2, n=1000)
    res = minikan.discover(data, lib=["x", "x^2", "sin", "exp"], seed=0, restarts=2, steps=30,
                           input_names=["u", "v"])
    assert res.formula is not None, res.message
    assert res.formula_rmse < 1e-3, (res.formula, res.formula_rmse)
    assert {s.name for s in res.formula.free_symbols} == {"u", "v"}
    assert res.width == [2, 1, 1]
    assert set(res.histories) == {"sparsity", "refit", "finetune"}
    assert len(res.histories["sparsity"]["train_loss"]) == 30
    assert res.spline_rmse < 1e-2


def test_discover_in_real_units_drops_the_unused_input_and_reports_each_stage():
    """normalize=True: the formula is in the data's units; drop_inputs: the unused column goes."""
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(10, 20, 400), rng.uniform(-5, 5, 400), rng.uniform(0, 3, 400)])
    y = (0.5 * x[:, 0] + x[:, 2] ** 2)[:, None]                     # (n, 1); column b is unused
    data = minikan.dataset_from_arrays(x, y, test_fraction=0.25, seed=0)
    stages = []
    res = minikan.discover(data, lib=["x", "x^2", "sin"], seed=0, restarts=1, steps=30,
                           input_names=["a", "b", "c"], normalize=True, drop_inputs=True,
                           on_stage=lambda name, model, d, info: stages.append((name, d["train_input"].shape[1])))
    assert res.formula is not None, res.message
    assert res.model.input_names == ["a", "c"] and res.data["train_input"].shape[1] == 2
    assert res.formula_rmse < 1e-3 * float(np.std(y)), (res.formula, res.formula_rmse)
    a, c = sp.symbols("a c", real=True)
    rest = sp.nsimplify(res.model.symbolic_formula(snap=1e-3)[0] - (a / 2 + c ** 2))
    assert not rest.free_symbols and abs(float(rest)) < 1e-2
    assert [s for s, _ in stages][:3] == ["sparsity", "prune", "refit"] and stages[0][1] == 3
    assert all(n == 2 for s, n in stages[1:])


def test_discover_classifies_with_cross_entropy_and_refuses_a_bad_loss():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (200, 2))
    labels = (x[:, 0] + x[:, 1] > 0).astype(np.int64)                  # (n,) class labels
    data = minikan.dataset_from_arrays(x, labels, seed=0)
    res = minikan.discover(data, seed=0, restarts=1, steps=10, lamb=0.0, loss_fn="ce", prune=False,
                           symbolic=False)
    assert res.model.width[-1][0] == 2 and res.formula is None
    assert res.model.evaluate(data)["test_accuracy"] > 0.9
    with pytest.raises(ValueError, match="loss_fn"):
        minikan.discover(data, loss_fn="mae")


def test_a_factor_that_fine_tuned_into_a_line_in_disguise_becomes_x():
    """x1·exp(−x2²) with one multiplication node: auto_symbolic fits the factor x1's bent spline
    with a saturating function, which fine-tunes to a tiny argument (a line); the "simplify"
    stage makes it x, and the formula is exact."""
    from minikan.symbolic.library import GENERAL_LIB
    data = create_dataset(lambda x: x[:, 0] * np.exp(-x[:, 1] ** 2), n_var=2, ranges=[-2, 2],
                          train_num=300, test_num=300, seed=1)
    res = minikan.discover(data, lib=GENERAL_LIB, width=[2, [0, 1], 1], seed=1, refine=[10], steps=20, restarts=1)
    assert "simplify" in res.histories
    x1, x2 = sp.symbols("x1 x2", real=True)
    assert res.model.symbolic_formula(snap=1e-3)[0] == x1 * sp.exp(-x2 ** 2)
    assert res.formula_rmse < 1e-12
