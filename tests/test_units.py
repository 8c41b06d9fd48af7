"""Tests for minikan.units: normalisation inside the model, its backward, formulas in data units."""
import numpy as np
import pytest
import sympy as sp
from helpers import perturb

from minikan import KAN, Normalization, create_dataset, formula_rmse, gradcheck


def _norm(d, m, seed=0):
    rng = np.random.default_rng(seed)
    return Normalization(rng.normal(size=d) * 10, rng.uniform(0.5, 20, d),
                         rng.normal(size=m), rng.uniform(0.5, 3, m))


@pytest.mark.parametrize("width, arity", [([3, 4, 2], 2), ([3, [2, 2], 1], [2, [2, 3], 2])])
def test_backward_through_the_normalisation_matches_finite_differences(width, arity):
    rng = np.random.default_rng(1)
    model = perturb(KAN(width, grid=4, k=3, seed=0, mult_arity=arity), seed=2, scale=0.3)
    model.normalization = _norm(3, model.layers[-1].out_dim)
    x = model.normalization.x_mean + model.normalization.x_std * rng.uniform(-1.5, 1.5, (6, 3))
    report = gradcheck.check(model, x, rng.normal(size=(6, model.layers[-1].out_dim)))
    assert report.max_rel_error < 1e-6, report.table()
    y = rng.normal(size=(6, model.layers[-1].out_dim))
    report = gradcheck.check_objective(model, x, y, lamb=0.01, lamb_coef=0.1)
    assert report.max_rel_error < 1e-6, report.table()


def test_forward_is_the_plain_network_on_standardised_inputs():
    rng = np.random.default_rng(0)
    model = perturb(KAN([2, 3, 2], seed=0), seed=1, scale=0.4)
    x = rng.uniform(0, 60, (20, 2))                                     # (batch, d), data units
    plain = model(x)                      # before setting it, for the check below
    norm = _norm(2, 2)
    model.normalization = norm
    z = (x - norm.x_mean) / norm.x_std
    model_z = model.copy()
    model_z.normalization = None
    assert np.allclose(model(x), norm.y_std * model_z(z) + norm.y_mean, rtol=1e-14, atol=1e-13)
    assert not np.allclose(model(x), plain)
    assert np.allclose(model.layer_inputs(x)[0], z, rtol=0, atol=1e-14)   # layer 0 sees z
    assert model.copy().normalization is norm          # read-only arrays: copies may share it
    with pytest.raises(ValueError, match="read-only"):
        norm.x_std[0] = 1.0


def test_normalize_fits_the_training_split_and_leaves_class_labels_alone():
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.uniform(0, 60, 100), np.full(100, 7.0)])   # second column constant
    data = {"train_input": x, "train_label": 3 * x[:, :1] + 5, "test_input": x, "test_label": x[:, :1]}
    norm = KAN([2, 2, 1]).normalize(data).normalization
    assert np.allclose(norm.x_mean, x.mean(0)) and norm.x_std[0] == pytest.approx(x[:, 0].std())
    assert norm.x_std[1] == 1.0                                         # constant column: shift only
    assert norm.y_std[0] == pytest.approx(3 * x[:, 0].std()) and norm.y_mean[0] == pytest.approx(3 * x[:, 0].mean() + 5)
    classes = dict(data, train_label=rng.integers(0, 3, 100))
    norm = KAN([2, 2, 3]).normalize(classes).normalization
    assert np.array_equal(norm.y_mean, np.zeros(3)) and np.array_equal(norm.y_std, np.ones(3))
    with pytest.raises(ValueError, match="x_std must be positive"):
        Normalization([0.0], [0.0], [0.0], [1.0])
    with pytest.raises(ValueError, match="train_input must have shape"):
        KAN([3, 1]).normalize(data)


def test_pruning_an_input_drops_its_normalisation_too():
    data = create_dataset(lambda x: np.sin(x[:, 0] / 10), n_var=2, ranges=[[0, 60], [-5, 5]],
                          train_num=200, test_num=50, seed=0)
    model = KAN([2, 3, 1], seed=0).normalize(data)
    model.fit(data, steps=3, log=0)
    model.layers[0].mask[1] = 0.0                                       # input 2 carries nothing
    small = model.prune_input()
    assert small.input_names == ["x1"] and small.normalization.x_mean.shape == (1,)
    x = data["test_input"]
    assert np.allclose(small(x[:, :1]), model(x), rtol=1e-13, atol=1e-13)


def test_formula_comes_back_in_the_original_variables_and_units():
    data = create_dataset(lambda x: 3 * np.sin(x[:, 0] / 10), n_var=1, ranges=[0, 60],
                          train_num=400, test_num=200, seed=0)
    model = KAN([1, 1], grid=5, k=3, seed=0, input_names=["x"]).normalize(data)
    model.fit(data, steps=20, log=0)
    model.auto_symbolic(lib=["x", "x^2", "sin"])
    model.fit(data, steps=20, update_grid=False, log=0)
    x = sp.Symbol("x", real=True)
    exact = model.symbolic_formula()[0]
    assert formula_rmse(exact, data, ["x"]) < 1e-6
    assert sp.simplify(model.symbolic_formula(snap=1e-3)[0] - 3 * sp.sin(x / 10)) == 0
    assert str(model.symbolic_formula(snap=1e-3)[0]) == "3*sin(x/10)"


def test_formula_rmse_on_arrays_strings_and_several_outputs():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 60, (50, 2))
    y = np.column_stack([3 * np.sin(x[:, 0] / 10), x[:, 1] ** 2])       # (n, 2)
    assert formula_rmse(["3*sin(a/10)", "b**2"], (x, y), ["a", "b"]) < 1e-12
    assert formula_rmse("3*sin(x1/10)", (x, y[:, 0])) < 1e-12          # default names x1, x2
    assert formula_rmse("2", (x, np.full(50, 3.0))) == pytest.approx(1.0)  # a constant broadcasts
    assert formula_rmse("x1", (x, y[:, 0])) == pytest.approx(np.sqrt(np.mean((x[:, 0] - y[:, 0]) ** 2)))
    with pytest.raises(ValueError, match=r"uses \['q'\]"):
        formula_rmse("q + 1", (x, y[:, 0]))
    with pytest.raises(ValueError, match="one formula per output"):
        formula_rmse("x1", (x, y))
