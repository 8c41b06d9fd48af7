"""Gradient checking: central finite differences against a hand-written backward.

Math: ∂f/∂θ ≈ (f(θ + h) − f(θ − h)) / 2h, error O(h²)              [Nocedal & Wright, §8.1]
Relative error of an array, the project's measure of agreement:
    rel(a, b) = max|a − b| / max(max|a|, max|b|, 1e-8)
One number per array, not per entry: an element-wise relative error (cs231n's) flags
correct code wherever a gradient entry is near zero. Correct float64 code gives
~1e-9 … 1e-11 with h = 1e-6; a wrong factor gives ~1e-1. The project's bar is 1e-6.

To check anything with a forward and a backward, make it scalar with a fixed random
weight: L = Σ dout ⊙ forward(x), whose gradient the backward gives from ``dout``.
"""
from dataclasses import dataclass, field

import numpy as np

STEP = 1e-6          # h: truncation error ~h², rounding error ~1e-16/h; 1e-6 balances them
TOLERANCE = 1e-6     # the project's bar for a gradient to count as right
FLOOR = 1e-8         # keeps the relative error defined when both gradients are ~0


def rel_error(a, b):
    """max|a − b| / max(max|a|, max|b|, 1e-8) over all entries of two arrays of one shape.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    scale = max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0), FLOOR)
    return float(np.abs(a - b).max(initial=0.0) / scale)


def numerical_grad_array(f, x, h=STEP):
    """Central-difference gradient of the scalar f() with respect to the array x, in place.

    Parameters
    ----------
    f : callable
        ``f() -> float``; takes no argument and reads x.
    x : ndarray
        Nudged entry by entry and always restored (also when f raises).
    h : float
        The step.

    Returns
    -------
    ndarray, shaped like x
    """
    grad = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        idx = it.multi_index
        old = x[idx]
        try:
            x[idx] = old + h
            f_plus = f()
            x[idx] = old - h
            f_minus = f()
        finally:
            x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


@dataclass
class Report:
    """Rows (name, shape, max |analytic − numeric|, relative error) and a verdict."""
    rows: list = field(default_factory=list)
    tolerance: float = TOLERANCE

    def add(self, name, analytic, numeric):
        err = float(np.abs(analytic - numeric).max(initial=0.0))
        self.rows.append((name, tuple(np.shape(analytic)), err, rel_error(analytic, numeric)))

    @property
    def max_rel_error(self):
        return max((r[3] for r in self.rows), default=0.0)

    @property
    def ok(self):
        return self.max_rel_error < self.tolerance

    def table(self):
        lines = [f"{'array':<24}{'shape':<16}{'max abs err':>13}{'rel err':>11}  (should be < {self.tolerance:.0e})"]
        for name, shape, err, rel in self.rows:
            mark = "" if rel < self.tolerance else "  <-- FAIL"
            lines.append(f"{name:<24}{str(shape):<16}{err:>13.2e}{rel:>11.2e}{mark}")
        lines.append(f"verdict: {'PASS' if self.ok else 'FAIL'} (max relative error {self.max_rel_error:.2e})")
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def check(obj, x, dout, h=STEP, include_input=True):
    """Check ``obj.backward`` against finite differences of L = Σ dout ⊙ obj.forward(x).

    Parameters
    ----------
    obj : object
        Has ``forward(x)``, ``backward(dout) -> dx`` and dicts ``params``/``grads`` (a
        KANLayer, a KAN, or anything following that contract).
    x : array_like, shape (batch, in_dim)
    dout : ndarray, shape of obj.forward(x)
        The fixed random weight that makes the output a scalar.
    h : float
        Finite-difference step.
    include_input : bool
        Also check dx.

    Returns
    -------
    Report
        One row per parameter array, and one for the input.
    """
    x = np.array(x, dtype=float)
    obj.forward(x)
    dx = obj.backward(dout)
    analytic = {name: np.array(g) for name, g in obj.grads.items()}
    report = Report()

    def loss():
        return float(np.sum(dout * obj.forward(x)))
    for name, p in obj.params.items():
        report.add(name, analytic[name], numerical_grad_array(loss, p, h))
    if include_input:
        report.add("input x", dx, numerical_grad_array(loss, x, h))
    return report


def check_objective(model, x, y, h=STEP, **objective_kwargs):
    """Check the gradient of ``model.objective(x, y, **kw)`` — the full training objective.

    Parameters
    ----------
    model : object
        Has ``params`` and ``objective(x, y, **objective_kwargs) -> (value, grads)``.
    x, y : ndarray
        Inputs (batch, d) and labels, as ``objective`` takes them.
    h : float
        Finite-difference step.

    Returns
    -------
    Report
        One row per parameter array.
    """
    _, grads = model.objective(x, y, **objective_kwargs)
    analytic = {name: np.array(g) for name, g in grads.items()}
    report = Report()

    def value():
        return model.objective(x, y, **objective_kwargs)[0]
    for name, p in model.params.items():
        report.add(name, analytic[name], numerical_grad_array(value, p, h))
    return report


def check_function(f, df, x, h=STEP):
    """Check an elementwise derivative df against central differences of f at points x.

    Parameters
    ----------
    f, df : callable
        Elementwise function and its claimed derivative.
    x : array_like
        Points, any shape (keep them off kinks).
    h : float
        Finite-difference step.

    Returns
    -------
    Report
        One row, "df/dx".
    """
    x = np.asarray(x, dtype=float)
    report = Report()
    report.add("df/dx", df(x), (f(x + h) - f(x - h)) / (2 * h))
    return report
