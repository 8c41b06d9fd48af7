"""Tests for minikan.nodes: multiplication nodes by finite differences, and width normalisation."""
import numpy as np
import pytest

from minikan import nodes
from minikan.gradcheck import numerical_grad_array, rel_error

TOL = 1e-6


@pytest.mark.parametrize("n_sum, arities", [(1, [2]), (0, [3]), (2, [2, 3]), (0, [3, 2, 2]), (3, [])])
def test_mult_forward_and_backward(n_sum, arities):
    rng = np.random.default_rng(len(arities) + n_sum)
    z = rng.normal(size=(5, n_sum + sum(arities)))                       # (batch, n_sub)
    out, cache = nodes.mult_forward(z, n_sum, arities)
    assert out.shape == (5, n_sum + len(arities))
    np.testing.assert_array_equal(out[:, :n_sum], z[:, :n_sum])
    start = n_sum
    for g, a in enumerate(arities):                                      # products, written out
        ref = np.ones(5)
        for s in range(start, start + a):
            ref = ref * z[:, s]
        assert rel_error(out[:, n_sum + g], ref) < 1e-15
        start += a
    dout = rng.normal(size=out.shape)
    dz = nodes.mult_backward(dout, cache)

    def loss():
        return float(np.sum(dout * nodes.mult_forward(z, n_sum, arities)[0]))
    assert rel_error(dz, numerical_grad_array(loss, z)) < TOL


def test_mult_backward_with_zero_factors():
    z = np.array([[0.0, 2.0, 3.0, 5.0, 0.0, 0.0, 7.0],
                  [1.5, 0.0, -2.0, 0.0, 4.0, -1.0, 0.0]])                # (2, 1 + 3 + 3)
    dout = np.array([[1.0, 2.0, -1.0], [0.5, 1.0, 3.0]])
    out, cache = nodes.mult_forward(z, 1, [3, 3])
    dz = nodes.mult_backward(dout, cache)
    # exact product rule: ∂(abc)/∂a = bc, no division by a zero factor
    expected = np.array([[1.0, 2 * 15.0, 2 * 10.0, 2 * 6.0, -1 * 0.0, -1 * 0.0, -1 * 0.0],
                         [0.5, 1.0 * 0.0, 1.0 * 0.0, 1.0 * 0.0, 3 * 0.0, 3 * 0.0, 3 * -4.0]])
    np.testing.assert_array_equal(dz, expected)
    assert np.isfinite(dz).all()

    def loss():
        return float(np.sum(dout * nodes.mult_forward(z, 1, [3, 3])[0]))
    assert rel_error(dz, numerical_grad_array(loss, z)) < TOL


def test_normalize_width_accepts_both_forms():
    w, a = nodes.normalize_width([2, [3, 2], 1])
    assert w == [[2, 0], [3, 2], [1, 0]] and a == [[], [2, 2], []]
    w2, a2 = nodes.normalize_width([[2, 0], [3, 2], [1, 0]], mult_arity=3)
    assert w2 == w and a2 == [[], [3, 3], []]
    w3, a3 = nodes.normalize_width((np.int64(2), [1, 2], 1), mult_arity=[0, [2, 3], 0])
    assert w3 == [[2, 0], [1, 2], [1, 0]] and a3 == [[], [2, 3], []]


@pytest.mark.parametrize("width, mult_arity, match", [
    ([2, -1, 1], 2, r"width\[1\]"),
    ([2, [3, -1], 1], 2, r"width\[1\]"),
    ([2, 2.5, 1], 2, r"width\[1\]"),
    ([2, True, 1], 2, r"width\[1\]"),
    ([2, [1, 2, 3], 1], 2, r"width\[1\]"),
    ([2, 0, 1], 2, r"width\[1\]"),
    ([[2, 1], 3, 1], 2, r"width\[0\].*input"),
    ([2, 3, [1, 1]], 2, r"width\[2\].*output"),
    ([2], 2, r"^width"),
    (5, 2, r"^width"),
    ([2, [1, 2], 1], 1, r"mult_arity"),
    ([2, [1, 2], 1], [2, 2], r"mult_arity"),
    ([2, [1, 2], 1], [0, [2], 0], r"mult_arity\[1\]"),
    ([2, [1, 2], 1], [0, [2, 1], 0], r"mult_arity"),
    ([2, [1, 2], 1], "2", r"mult_arity"),
])
def test_normalize_width_rejects_bad_input(width, mult_arity, match):
    with pytest.raises(ValueError, match=match):
        nodes.normalize_width(width, mult_arity)
