"""The zoo: functions the KAN papers fit, each in NumPy (for data) and SymPy (for checking).

Each ``Example`` holds f, its number of variables, its sampling ranges and its exact
formula, so a test or a benchmark can train on ``dataset(name)`` and compare the formula a
KAN gives back with ``FUNCTIONS[name].formula``. Section and figure numbers are those of
KAN arXiv:2404.19756.

Shapes: n samples; n_var input variables.
"""
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from minikan.data import create_dataset
from minikan.validate import check_choice, check_positive_int


@dataclass(frozen=True)
class Example:
    """A test function in two forms: NumPy for data, SymPy for checking formulas.

    Attributes
    ----------
    name : str
    f : callable
        ``f(x)`` with x of shape (n, n_var), returning shape (n,).
    n_var : int
    ranges : tuple of (lo, hi)
        One sampling range per variable.
    formula : sympy.Expr
        The same function in the symbols x1, ..., x{n_var}.
    """

    name: str
    f: Callable
    n_var: int
    ranges: tuple
    formula: sp.Expr


def _symbols(n_var):
    return sp.symbols(f"x1:{n_var + 1}")  # (x1, ..., x{n_var})


def _box(n_var, lo=-1.0, hi=1.0):
    return ((lo, hi),) * n_var


def _exp_sin(x):
    return np.exp(np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2)


def _exp_mean_sin2(x):
    return np.exp(np.mean(np.sin(x) ** 2, axis=1))


def _product(x):
    return x[:, 0] * x[:, 1]


def _division(x):
    return x[:, 0] / x[:, 1]


def _distance(x):
    return np.sqrt((x[:, 0] - x[:, 1]) ** 2 + (x[:, 2] - x[:, 3]) ** 2)


def _bessel_j0(x):
    # scipy.special is imported on first call: only this example needs it, and
    # importing the zoo should cost no more than sympy.
    from scipy.special import j0

    return j0(20.0 * x[:, 0])


def _exp_sin_sum4(x):
    r1 = x[:, 0] ** 2 + x[:, 1] ** 2  # (n,)
    r2 = x[:, 2] ** 2 + x[:, 3] ** 2  # (n,)
    return np.exp(0.5 * (np.sin(np.pi * r1) + np.sin(np.pi * r2)))


def _arctan(x):
    return np.arctan(x[:, 0] + x[:, 1] ** 3)


def exp_mean_sin2(N=2):
    """The Example exp((1/N) Σ_{i=1}^N sin²(x_i)) on [-1, 1]^N, for any N >= 1.

    The KAN paper (arXiv:2404.19756, §3.1) uses N = 100 and sin²(πx_i/2).
    """
    N = check_positive_int(N, "N")
    xs = _symbols(N)
    formula = sp.exp(sp.Add(*[sp.sin(xi) ** 2 for xi in xs]) / N)
    return Example("exp_mean_sin2", _exp_mean_sin2, N, _box(N), formula)


def _zoo():
    x1, x2, x3, x4 = _symbols(4)
    examples = [
        # KAN arXiv:2404.19756 §3.1, and the running example of the README.
        Example("exp_sin", _exp_sin, 2, _box(2), sp.exp(sp.sin(sp.pi * x1) + x2**2)),
        exp_mean_sin2(2),
        # KAN §3.1 and Fig. 4.1(a); KAN 2.0 multiplication nodes learn it exactly.
        Example("product", _product, 2, _box(2), x1 * x2),
        # KAN Fig. 4.1(b): x/y = exp(log x - log y) needs x, y > 0, hence [0.5, 2],
        # which also keeps 1/y bounded (at most 2).
        Example("division", _division, 2, _box(2, 0.5, 2.0), x1 / x2),
        # KAN Fig. 4.1(f), a deeper composition.
        Example("distance", _distance, 4, _box(4),
                sp.sqrt((x1 - x2) ** 2 + (x3 - x4) ** 2)),
        # KAN §3.1: a special function with no elementary form.
        Example("bessel_j0", _bessel_j0, 1, _box(1), sp.besselj(0, 20 * x1)),
        # KAN §3.1, four variables, three layers of composition.
        Example("exp_sin_sum4", _exp_sin_sum4, 4, _box(4),
                sp.exp((sp.sin(sp.pi * (x1**2 + x2**2)) + sp.sin(sp.pi * (x3**2 + x4**2))) / 2)),
        # A two-layer composition with an odd outer function.
        Example("arctan", _arctan, 2, _box(2), sp.atan(x1 + x2**3)),
    ]
    return {ex.name: ex for ex in examples}


FUNCTIONS = _zoo()


def dataset(name, train_num=1000, test_num=1000, seed=0):
    """``create_dataset`` for the zoo entry ``FUNCTIONS[name]``, on its own ranges."""
    ex = FUNCTIONS[check_choice(name, "name", tuple(FUNCTIONS))]
    return create_dataset(ex.f, ex.n_var, ex.ranges, train_num, test_num, seed)
