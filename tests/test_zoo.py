"""Tests for minikan.zoo: every example's NumPy function equals its formula."""
import numpy as np
import pytest
import sympy as sp

from minikan import data, zoo


@pytest.mark.parametrize("name", sorted(zoo.FUNCTIONS))
def test_zoo_numpy_function_equals_its_formula(name):
    ex = zoo.FUNCTIONS[name]
    assert ex.name == name
    symbols = sp.symbols(f"x1:{ex.n_var + 1}")
    assert ex.formula.free_symbols == set(symbols)
    rng = np.random.default_rng(0)
    lo, hi = np.array(ex.ranges).T  # (n_var,), (n_var,)
    x = rng.uniform(lo, hi, size=(200, ex.n_var))  # (200, n_var)
    reference = sp.lambdify(symbols, ex.formula, modules=["numpy", "scipy"])(*x.T)
    values = ex.f(x)
    assert values.shape == (200,)
    np.testing.assert_allclose(values, reference, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("N", [1, 3, 10])
def test_exp_mean_sin2_builds_any_dimension(N):
    ex = zoo.exp_mean_sin2(N)
    assert ex.n_var == N and len(ex.ranges) == N
    x = np.random.default_rng(N).uniform(-1, 1, size=(20, N))
    reference = sp.lambdify(sp.symbols(f"x1:{N + 1}"), ex.formula)(*x.T)
    np.testing.assert_allclose(ex.f(x), reference, rtol=1e-12)


def test_division_stays_away_from_zero():
    assert all(lo > 0 for lo, _ in zoo.FUNCTIONS["division"].ranges)


@pytest.mark.parametrize("name", sorted(zoo.FUNCTIONS))
def test_zoo_dataset_uses_the_entry_ranges(name):
    ex = zoo.FUNCTIONS[name]
    d = zoo.dataset(name, train_num=50, test_num=10, seed=0)
    assert d["train_input"].shape == (50, ex.n_var) and d["test_label"].shape == (10, 1)
    lo, hi = np.array(ex.ranges).T
    assert np.all(d["train_input"] >= lo) and np.all(d["train_input"] < hi)
    np.testing.assert_array_equal(d["train_label"][:, 0], ex.f(d["train_input"]))


def test_zoo_entries_are_frozen():
    with pytest.raises(AttributeError):
        zoo.FUNCTIONS["product"].n_var = 3


def test_zoo_dataset_rejects_unknown_names():
    with pytest.raises(ValueError, match="name must be one of 'exp_sin'.*got 'sine'"):
        zoo.dataset("sine")


def test_zoo_names_stay_importable_from_data():
    assert data.FUNCTIONS is zoo.FUNCTIONS and data.dataset is zoo.dataset
    assert data.Example is zoo.Example and data.exp_mean_sin2 is zoo.exp_mean_sin2
    with pytest.raises(AttributeError, match="no attribute 'zoo_entry'"):
        data.zoo_entry
