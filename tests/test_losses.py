import numpy as np
import pytest

from minikan import losses


def rel_error(a, b):
    """max|a - b| / max(max|a|, max|b|, 1e-8), as minikan.gradcheck defines it."""
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-8)


def central_differences(loss_of, x, h=1e-6):
    """d loss_of(x) / dx by central differences, one entry at a time."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        plus = loss_of(x)
        x[idx] = old - h
        minus = loss_of(x)
        x[idx] = old
        grad[idx] = (plus - minus) / (2 * h)
    return grad


# --- mse ----------------------------------------------------------------------

@pytest.mark.parametrize("m", [1, 3])
def test_mse_gradient_matches_finite_differences(m):
    rng = np.random.default_rng(0)
    pred, y = rng.normal(size=(5, m)), rng.normal(size=(5, m))
    _, dpred = losses.mse(pred, y)
    assert dpred.shape == pred.shape
    numeric = central_differences(lambda p: losses.mse(p, y)[0], pred.copy())
    assert rel_error(dpred, numeric) < 1e-6


def test_mse_is_the_mean_over_all_entries_without_a_half():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    y = np.array([[0.0, 0.0], [3.0, 6.0]])
    loss, _ = losses.mse(pred, y)
    assert loss == pytest.approx((1 + 4 + 0 + 4) / 4, rel=1e-15)


def test_mse_reads_a_target_vector_as_one_output():
    rng = np.random.default_rng(1)
    pred, y = rng.normal(size=(6, 1)), rng.normal(size=6)
    loss, dpred = losses.mse(pred, y)
    assert loss == pytest.approx(np.mean((pred[:, 0] - y) ** 2), rel=1e-14)
    assert dpred.shape == (6, 1)


def test_mse_accepts_integer_and_float32_inputs():
    loss, dpred = losses.mse(np.array([[1], [2]], dtype=np.int32), np.float32([0.5, 2.5]))
    assert loss == pytest.approx(0.25)
    assert dpred.dtype == np.float64


def test_rmse_is_the_square_root_of_mse():
    rng = np.random.default_rng(2)
    pred, y = rng.normal(size=(7, 2)), rng.normal(size=(7, 2))
    assert losses.rmse(pred, y) == pytest.approx(np.sqrt(losses.mse(pred, y)[0]), rel=1e-15)


@pytest.mark.parametrize("pred, y, message", [
    (np.zeros((4, 2)), np.zeros(4), "y must have shape (4, 2)"),
    (np.zeros((4, 1)), np.zeros(5), "y must have shape (4, 1)"),
    (np.zeros(4), np.zeros(4), "pred must have shape (n, m)"),
    (np.zeros((0, 1)), np.zeros(0), "pred must hold at least one sample"),
    (np.array([[np.nan], [1.0]]), np.zeros(2), "pred contains 1 NaN or inf"),
    (np.zeros((2, 1)), np.array([np.inf, 1.0]), "y contains 1 NaN or inf"),
])
def test_mse_rejects_bad_shapes_and_values(pred, y, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        losses.mse(pred, y)


@pytest.mark.parametrize("bad", [np.array([["a"], ["b"]]), np.array([[1j], [2]]),
                                 np.array([[None], [1.0]], dtype=object)])
def test_mse_rejects_non_real_predictions(bad):
    with pytest.raises(TypeError, match="pred must hold real numbers"):
        losses.mse(bad, np.zeros(2))


# --- softmax and cross-entropy ---------------------------------------------------

def test_softmax_rows_are_probabilities():
    rng = np.random.default_rng(3)
    p = losses.softmax(rng.normal(size=(5, 4)) * 10)
    assert p.shape == (5, 4)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-15)


def test_softmax_of_huge_logits_is_finite():
    p = losses.softmax(np.array([[1e4, 0.0, -1e4], [1e4, 1e4, 0.0]]))
    np.testing.assert_allclose(p, [[1, 0, 0], [0.5, 0.5, 0]], rtol=0, atol=1e-15)


@pytest.mark.parametrize("n_classes", [2, 5])
def test_cross_entropy_gradient_matches_finite_differences(n_classes):
    rng = np.random.default_rng(4)
    logits = rng.normal(size=(6, n_classes)) * 2
    labels = rng.integers(0, n_classes, size=6)
    _, dlogits = losses.cross_entropy(logits, labels)
    assert dlogits.shape == logits.shape
    numeric = central_differences(lambda z: losses.cross_entropy(z, labels)[0], logits.copy())
    assert rel_error(dlogits, numeric) < 1e-6


def test_cross_entropy_equals_the_direct_formula():
    rng = np.random.default_rng(5)
    logits, labels = rng.normal(size=(8, 3)), rng.integers(0, 3, size=8)
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(8), labels]))
    assert losses.cross_entropy(logits, labels)[0] == pytest.approx(expected, rel=1e-13)


def test_cross_entropy_with_huge_logits_is_finite_and_exact():
    logits = np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 1e4 - 3.0]])
    labels = np.array([2, 2])
    loss, dlogits = losses.cross_entropy(logits, labels)
    # Shifted by the row max: row 1 is [0, -1e4, -2e4], so -log p_2 = 2e4 + log(1 + e^-1e4 + ...);
    # row 2 is [-1e4, 0, -3], so -log p_2 = 3 + log(1 + e^-3 + e^-1e4). e^-1e4 is 0 in float64.
    expected = (2e4 + 3.0 + np.log1p(np.exp(-3.0))) / 2
    assert np.isfinite(loss) and np.all(np.isfinite(dlogits))
    assert loss == pytest.approx(expected, rel=1e-14)


def test_cross_entropy_accepts_whole_number_float_labels():
    logits = np.array([[1.0, 2.0], [0.5, -1.0]])
    assert losses.cross_entropy(logits, [1.0, 0.0])[0] == losses.cross_entropy(logits, [1, 0])[0]


@pytest.mark.parametrize("labels, error, message", [
    ([0, 3], ValueError, r"labels must be class indices in \[0, 3\), got 3"),
    ([0, -1], ValueError, "labels must be class indices >= 0, got -1"),
    ([0.5, 1.0], ValueError, "labels must hold integer class indices"),
    ([0, 1, 2], ValueError, r"labels must have shape \(2,\)"),
    ([[0], [1]], ValueError, r"labels must have shape \(n,\)"),
    (["a", "b"], TypeError, "labels must hold integer class indices"),
    ([np.nan, 1.0], ValueError, "labels contains 1 NaN or inf"),
])
def test_cross_entropy_rejects_bad_labels(labels, error, message):
    with pytest.raises(error, match=message):
        losses.cross_entropy(np.zeros((2, 3)), labels)


def test_accuracy_counts_argmax_hits():
    logits = np.array([[2.0, 1.0], [0.0, 3.0], [1.0, 1.0], [5.0, 4.0]])
    # Row 3 is a tie and goes to class 0.
    assert losses.accuracy(logits, [0, 1, 0, 1]) == 0.75


def test_accuracy_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels"):
        losses.accuracy(np.zeros((2, 2)), [0, 2])


# --- get_loss -------------------------------------------------------------------------

@pytest.mark.parametrize("name, fn", [("mse", losses.mse), ("ce", losses.cross_entropy),
                                      ("cross_entropy", losses.cross_entropy)])
def test_get_loss_maps_names_to_functions(name, fn):
    assert losses.get_loss(name) is fn


def test_get_loss_passes_callables_through():
    def custom(pred, y):
        return 0.0, np.zeros_like(pred)
    assert losses.get_loss(custom) is custom


def test_get_loss_rejects_unknown_names():
    with pytest.raises(ValueError, match="loss name must be one of 'mse', 'ce'.*got 'mae'"):
        losses.get_loss("mae")
    with pytest.raises(TypeError, match="loss name must be a string"):
        losses.get_loss(3)
