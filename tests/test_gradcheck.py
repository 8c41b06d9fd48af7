"""Tests for minikan.gradcheck: the checker passes on correct derivatives, flags wrong ones,
and always restores what it nudges."""
import numpy as np
import pytest

from minikan import gradcheck
from minikan.gradcheck import numerical_grad_array, rel_error


def test_rel_error_definition():
    a, b = np.array([1.0, -2.0, 3.0]), np.array([1.0, -2.0, 3.3])
    assert rel_error(a, b) == pytest.approx(0.3 / 3.3, rel=1e-15)
    assert rel_error(np.zeros(3), np.full(3, 1e-12)) == pytest.approx(1e-4)   # floor 1e-8
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0


@pytest.mark.parametrize("f, df", [(np.sin, np.cos), (lambda x: x ** 2, lambda x: 2 * x)])
def test_check_function_passes_on_correct_derivatives(f, df):
    x = np.linspace(-3, 3, 25)
    report = gradcheck.check_function(f, df, x)
    assert report.ok and report.max_rel_error < 1e-8, report.table()
    assert "PASS" in report.table()


def test_check_function_flags_wrong_derivative():
    report = gradcheck.check_function(np.sin, lambda x: -np.cos(x), np.linspace(-3, 3, 25))
    assert not report.ok and "FAIL" in report.table()


class Affine:
    """y = x @ W + b with a hand-written backward; ``factor`` ≠ 1 makes dW wrong on purpose."""

    def __init__(self, factor=1.0, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.normal(size=(3, 2)), "b": rng.normal(size=2)}
        self.factor, self.grads, self._x = factor, None, None

    def forward(self, x):
        self._x = x
        return np.tanh(x) @ self.params["W"] + self.params["b"]

    def backward(self, dout):
        x = self._x
        self.grads = {"W": self.factor * np.tanh(x).T @ dout, "b": dout.sum(axis=0)}
        return (dout @ self.params["W"].T) * (1 - np.tanh(x) ** 2)


def test_check_passes_on_correct_object():
    rng = np.random.default_rng(1)
    obj = Affine()
    W0 = obj.params["W"].copy()
    report = gradcheck.check(obj, rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))
    assert report.ok and report.max_rel_error < 1e-8, report.table()
    assert [row[0] for row in report.rows] == ["W", "b", "input x"]
    np.testing.assert_array_equal(obj.params["W"], W0)                   # restored exactly


def test_check_flags_backward_off_by_factor_two():
    rng = np.random.default_rng(2)
    report = gradcheck.check(Affine(factor=2.0), rng.normal(size=(4, 3)), rng.normal(size=(4, 2)))
    assert not report.ok
    table = report.table()
    assert "FAIL" in table and "verdict: FAIL" in table
    rows = {row[0]: row[3] for row in report.rows}
    assert rows["W"] == pytest.approx(0.5, rel=1e-6)                     # |2g - g| / |2g|
    assert rows["b"] < 1e-8 and rows["input x"] < 1e-8                   # only the wrong row fails
    fail_lines = [line for line in table.splitlines() if "<-- FAIL" in line]
    assert len(fail_lines) == 1 and fail_lines[0].startswith("W")


def test_numerical_grad_array_restores_array_when_f_raises():
    x = np.array([1.0, 2.0, 3.0])
    calls = []

    def f():
        calls.append(x.copy())
        if len(calls) == 2:                                               # fail on the x - h evaluation
            raise FloatingPointError("boom")
        return float(np.sum(x ** 2))
    with pytest.raises(FloatingPointError):
        numerical_grad_array(f, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])
    assert calls[0][0] != 1.0                                             # it was nudged


def test_numerical_grad_array_on_2d_array():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(3, 4))
    M = rng.normal(size=(3, 4))
    grad = numerical_grad_array(lambda: float(np.sum(M * A ** 3)), A)
    assert rel_error(grad, 3 * M * A ** 2) < 1e-8
