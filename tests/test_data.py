import numpy as np
import pytest

from minikan import data

KEYS = ("train_input", "train_label", "test_input", "test_label")


def exp_sin(x):
    return np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)


# --- create_dataset ----------------------------------------------------------------

def test_create_dataset_shapes_and_dtypes():
    d = data.create_dataset(exp_sin, n_var=2, train_num=30, test_num=20, seed=0)
    assert set(d) == set(KEYS)
    assert d["train_input"].shape == (30, 2) and d["train_label"].shape == (30, 1)
    assert d["test_input"].shape == (20, 2) and d["test_label"].shape == (20, 1)
    assert all(d[k].dtype == np.float64 for k in KEYS)
    np.testing.assert_array_equal(d["train_label"][:, 0], exp_sin(d["train_input"]))


def test_create_dataset_keeps_several_outputs():
    d = data.create_dataset(lambda x: np.stack([x[:, 0], x[:, 0] * x[:, 1]], axis=1),
                            train_num=10, test_num=5)
    assert d["train_label"].shape == (10, 2) and d["test_label"].shape == (5, 2)


def test_create_dataset_converts_integer_outputs():
    d = data.create_dataset(lambda x: (x[:, 0] > 0).astype(int), train_num=10, test_num=5)
    assert d["train_label"].dtype == np.float64


def test_create_dataset_is_reproducible():
    a = data.create_dataset(exp_sin, train_num=15, test_num=15, seed=3)
    b = data.create_dataset(exp_sin, train_num=15, test_num=15, seed=3)
    c = data.create_dataset(exp_sin, train_num=15, test_num=15, seed=4)
    for k in KEYS:
        np.testing.assert_array_equal(a[k], b[k])
        assert not np.array_equal(a[k], c[k])
    assert not np.array_equal(a["train_input"], a["test_input"])


def test_create_dataset_accepts_a_generator():
    a = data.create_dataset(exp_sin, train_num=5, test_num=5, seed=np.random.default_rng(7))
    b = data.create_dataset(exp_sin, train_num=5, test_num=5, seed=7)
    np.testing.assert_array_equal(a["train_input"], b["train_input"])


def test_create_dataset_respects_per_variable_ranges():
    ranges = [[-1, 1], [2, 3], [-10, -9.5]]
    d = data.create_dataset(lambda x: x.sum(axis=1), n_var=3, ranges=ranges,
                            train_num=500, test_num=500)
    for key in ("train_input", "test_input"):
        x = d[key]
        for i, (lo, hi) in enumerate(ranges):
            assert x[:, i].min() >= lo and x[:, i].max() < hi
            # 500 uniform samples come within 5% of each end with near certainty.
            assert x[:, i].min() < lo + 0.05 * (hi - lo) and x[:, i].max() > hi - 0.05 * (hi - lo)


def test_create_dataset_shares_one_range_between_variables():
    d = data.create_dataset(lambda x: x[:, 0], n_var=4, ranges=[0, 0.5], train_num=200,
                            test_num=1)
    assert d["train_input"].min() >= 0 and d["train_input"].max() < 0.5


def test_create_dataset_does_not_let_f_change_the_inputs():
    def in_place(x):
        x[:] = 0.0
        return x[:, 0]
    d = data.create_dataset(in_place, train_num=5, test_num=5)
    assert np.all(d["train_input"] != 0.0)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"f": "sin"}, TypeError, "f must be a callable"),
    ({"f": lambda x: x[:-1, 0]}, ValueError, r"f must return one row per input.*\(9,\)"),
    ({"f": lambda x: x[None]}, ValueError, "f must return one row per input"),
    ({"f": lambda x: 1.0}, ValueError, "f must return one row per input"),
    ({"f": lambda x: np.full(len(x), np.nan)}, ValueError, "f\\(x\\) contains .* NaN or inf"),
    ({"f": lambda x: x[:, 0].astype(str)}, TypeError, "f\\(x\\) must hold real numbers"),
    ({"ranges": [[-1, 1], [0, 1], [0, 1]]}, ValueError, r"ranges must be .*\(2, 2\)"),
    ({"ranges": [-1, 0, 1]}, ValueError, "ranges must be"),
    ({"ranges": [1, -1]}, ValueError, r"ranges\[0\] must satisfy lo < hi"),
    ({"ranges": [[-1, 1], [0, np.inf]]}, ValueError, "ranges contains 1 NaN or inf"),
    ({"ranges": [[[-1, 1]]]}, ValueError, "ranges must have shape"),
    ({"n_var": 0}, ValueError, "n_var must be a positive integer, got 0"),
    ({"n_var": 2.0}, TypeError, "n_var must be a positive integer"),
    ({"train_num": 0}, ValueError, "train_num must be a positive integer"),
    ({"test_num": -5}, ValueError, "test_num must be a positive integer"),
    ({"train_num": True}, TypeError, "train_num must be a positive integer"),
    ({"seed": 1.5}, TypeError, "seed must be a non-negative int"),
    ({"seed": None}, TypeError, "seed must be a non-negative int"),
    ({"seed": -1}, ValueError, "seed must be a non-negative int"),
])
def test_create_dataset_rejects_bad_arguments(kwargs, error, message):
    args = {"f": exp_sin, "n_var": 2, "train_num": 10, "test_num": 10, **kwargs}
    with pytest.raises(error, match=message):
        data.create_dataset(**args)


# --- dataset_from_arrays -------------------------------------------------------------

def test_dataset_from_arrays_splits_regression_data():
    X = np.arange(20.0).reshape(10, 2)
    y = X[:, 0] * 10
    d = data.dataset_from_arrays(X, y, test_fraction=0.3, seed=0)
    assert d["train_input"].shape == (7, 2) and d["test_input"].shape == (3, 2)
    assert d["train_label"].shape == (7, 1) and d["train_label"].dtype == np.float64
    # A shuffle, not a reordering of the pairs: each row keeps its label.
    for key in ("train", "test"):
        np.testing.assert_array_equal(d[f"{key}_label"][:, 0], d[f"{key}_input"][:, 0] * 10)
    rows = np.concatenate([d["train_input"], d["test_input"]])
    np.testing.assert_array_equal(np.sort(rows[:, 0]), X[:, 0])


def test_dataset_from_arrays_keeps_integer_vectors_as_classes():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.repeat([0, 1, 2, 3], 10)
    d = data.dataset_from_arrays(X, y, test_fraction=0.5, seed=1)
    assert d["train_label"].shape == (20,) and d["train_label"].dtype == np.int64
    # Stratified: each class is split in half.
    np.testing.assert_array_equal(np.bincount(d["train_label"]), [5, 5, 5, 5])
    np.testing.assert_array_equal(np.bincount(d["test_label"]), [5, 5, 5, 5])


def test_dataset_from_arrays_reads_float_vectors_and_integer_matrices_as_regression():
    X = np.zeros((10, 1))
    assert data.dataset_from_arrays(X, np.ones(10))["train_label"].shape == (8, 1)
    d = data.dataset_from_arrays(X, np.ones((10, 2), dtype=int))
    assert d["train_label"].shape == (8, 2) and d["train_label"].dtype == np.float64


def test_dataset_from_arrays_is_reproducible():
    X = np.arange(30.0).reshape(15, 2)
    a = data.dataset_from_arrays(X, X[:, 0], seed=2)
    b = data.dataset_from_arrays(X, X[:, 0], seed=2)
    c = data.dataset_from_arrays(X, X[:, 0], seed=3)
    np.testing.assert_array_equal(a["train_input"], b["train_input"])
    assert not np.array_equal(a["train_input"], c["train_input"])


@pytest.mark.parametrize("X, y, kwargs, error, message", [
    (np.zeros((5, 2)), np.zeros(4), {}, ValueError, "X and y must have the same number"),
    (np.zeros(5), np.zeros(5), {}, ValueError, r"X must have shape \(n, n_var\)"),
    (np.zeros((5, 2, 1)), np.zeros(5), {}, ValueError, "X must have shape"),
    (np.zeros((5, 2)), np.zeros((5, 1, 1)), {}, ValueError, "y must have shape"),
    (np.full((5, 2), np.nan), np.zeros(5), {}, ValueError, "X contains 10 NaN or inf"),
    (np.zeros((5, 2)), np.array([0, 1, np.inf, 0, 0]), {}, ValueError, "y contains 1 NaN"),
    (np.zeros((5, 2)), np.array([0, 1, -1, 0, 0]), {}, ValueError, "y must be class indices"),
    (np.zeros((5, 2)), np.array(list("abcde")), {}, TypeError, "y must hold real numbers"),
    (np.zeros((5, 2)), np.zeros(5), {"test_fraction": 0.0}, ValueError, "test_fraction"),
    (np.zeros((5, 2)), np.zeros(5), {"test_fraction": 1.0}, ValueError, "test_fraction"),
    (np.zeros((5, 2)), np.zeros(5), {"test_fraction": 1.5}, ValueError, "test_fraction"),
    (np.zeros((5, 2)), np.zeros(5), {"test_fraction": "0.2"}, TypeError, "test_fraction"),
    (np.zeros((5, 2)), np.zeros(5), {"seed": "0"}, TypeError, "seed"),
])
def test_dataset_from_arrays_rejects_bad_arguments(X, y, kwargs, error, message):
    with pytest.raises(error, match=message):
        data.dataset_from_arrays(X, y, **kwargs)


# --- make_moons, make_rings ------------------------------------------------------------

def all_points(d):
    return (np.concatenate([d["train_input"], d["test_input"]]),
            np.concatenate([d["train_label"], d["test_label"]]))


@pytest.mark.parametrize("make", [data.make_moons, data.make_rings])
def test_toy_classification_sets_are_balanced_and_reproducible(make):
    d = make(n=1000, seed=0)
    assert d["train_input"].shape == (500, 2) and d["test_input"].shape == (500, 2)
    assert d["train_label"].dtype == np.int64
    np.testing.assert_array_equal(np.bincount(d["train_label"]), [250, 250])
    np.testing.assert_array_equal(np.bincount(d["test_label"]), [250, 250])
    again, other = make(n=1000, seed=0), make(n=1000, seed=1)
    np.testing.assert_array_equal(d["train_input"], again["train_input"])
    assert not np.array_equal(d["train_input"], other["train_input"])


def test_moons_without_noise_lie_on_their_half_circles():
    X, y = all_points(data.make_moons(n=200, noise=0.0))
    outer, inner = X[y == 0], X[y == 1]
    # Outer moon: the upper half of the unit circle about (0, 0).
    np.testing.assert_allclose(np.hypot(*outer.T), 1.0, rtol=0, atol=1e-14)
    assert np.all(outer[:, 1] >= -1e-15)
    # Inner moon: the lower half of the unit circle about (1, 0.5).
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1, inner[:, 1] - 0.5), 1.0,
                               rtol=0, atol=1e-14)
    assert np.all(inner[:, 1] <= 0.5 + 1e-15)
    # t = linspace(0, pi): both ends of each moon are included.
    for end in ([1, 0], [-1, 0]):
        assert np.min(np.hypot(*(outer - end).T)) < 1e-14
    for end in ([0, 0.5], [2, 0.5]):
        assert np.min(np.hypot(*(inner - end).T)) < 1e-14


def test_rings_without_noise_lie_on_their_circles():
    X, y = all_points(data.make_rings(n=300, radii=(0.5, 1.0, 2.0), noise=0.0))
    np.testing.assert_allclose(np.hypot(*X.T), np.array([0.5, 1.0, 2.0])[y], rtol=1e-14)
    np.testing.assert_array_equal(np.bincount(y), [100, 100, 100])


def test_noise_moves_the_points_by_about_its_size():
    X, y = all_points(data.make_rings(n=4000, radii=(1.0, 2.0), noise=0.1))
    residual = np.hypot(*X.T) - np.array([1.0, 2.0])[y]
    assert abs(np.std(residual) - 0.1) < 0.01


@pytest.mark.parametrize("make, kwargs, error, message", [
    (data.make_moons, {"n": 0}, ValueError, "n must be a positive integer"),
    (data.make_moons, {"noise": -0.1}, ValueError, "noise must lie in"),
    (data.make_moons, {"n": 1}, ValueError, "test_fraction"),
    (data.make_rings, {"radii": (1.0,)}, ValueError, "radii must be two or more"),
    (data.make_rings, {"radii": (0.0, 1.0)}, ValueError, "radii must be two or more positive"),
    (data.make_rings, {"radii": ((0.5, 1.0),)}, ValueError, "radii must have shape"),
    (data.make_rings, {"noise": np.nan}, ValueError, "noise must be a finite number"),
])
def test_toy_classification_sets_reject_bad_arguments(make, kwargs, error, message):
    with pytest.raises(error, match=message):
        make(**kwargs)


def test_dataset_from_arrays_splits_many_small_classes_to_the_requested_size():
    # Ten classes of one sample each: per-class rounding alone would give no test set.
    d = data.dataset_from_arrays(np.arange(10.0)[:, None], np.arange(10), test_fraction=0.2)
    assert d["test_label"].shape == (2,) and d["train_label"].shape == (8,)
    assert set(d["test_label"]) | set(d["train_label"]) == set(range(10))
