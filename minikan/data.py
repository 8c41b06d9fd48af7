"""Datasets: sampled functions, a user's own arrays, two toy classification sets,
and a zoo of the functions the KAN papers fit.

Every dataset is a dict with ``train_input (n_train, n_var)``, ``train_label``,
``test_input (n_test, n_var)`` and ``test_label`` (DESIGN.md, Data). Labels are
float64 ``(n, m)`` for regression and int64 class indices ``(n,)`` for
classification. Everything random takes ``seed``, an int or a
``numpy.random.Generator``.

Shapes: n samples; n_var input variables; m outputs.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .validate import (
    as_class_labels,
    as_float_array,
    as_rng,
    check_choice,
    check_positive_int,
    check_range,
    check_real,
)

# --- Sampling a function -----------------------------------------------------

def _as_ranges(ranges, n_var):
    """Return the per-variable sampling ranges as an array (n_var, 2)."""
    arr = as_float_array(ranges, "ranges", ndim=(1, 2),
                         shape_hint=f"(2,) or ({n_var}, 2), one [lo, hi] per variable")
    if arr.shape == (2,):
        arr = np.tile(arr, (n_var, 1))  # (n_var, 2), the same range for every variable
    if arr.shape != (n_var, 2):
        raise ValueError(
            f"ranges must be one [lo, hi] pair, shape (2,), or one pair per variable, "
            f"shape ({n_var}, 2); got shape {arr.shape}")
    for i, pair in enumerate(arr):
        check_range(pair, f"ranges[{i}]")
    return arr


def _evaluate(f, x):
    """Call f on x (n, n_var) and return its values as float64 (n, m)."""
    n = x.shape[0]
    # Pass a copy: an f that works in place must not change the stored inputs.
    out = as_float_array(f(x.copy()), "f(x)")
    if out.ndim not in (1, 2) or out.shape[0] != n:
        raise ValueError(
            f"f must return one row per input, shape ({n},) or ({n}, m) for "
            f"x of shape {x.shape}; got shape {out.shape}")
    return out[:, None] if out.ndim == 1 else out  # (n, m); a vector is one output


def create_dataset(f, n_var=2, ranges=(-1.0, 1.0), train_num=1000, test_num=1000, seed=0):
    r"""Sample inputs uniformly in a box and label them with f.

    .. math::
        x_{s,i} \sim U[\mathrm{lo}_i, \mathrm{hi}_i), \qquad y_s = f(x_s)

    Parameters
    ----------
    f : callable
        ``f(x)`` with x of shape (n, n_var), returning shape (n,) or (n, m).
    n_var : int
        Number of input variables.
    ranges : array_like, shape (2,) or (n_var, 2)
        One ``[lo, hi]`` for every variable, or one pair per variable.
    train_num, test_num : int
        Number of training and test samples.
    seed : int or numpy.random.Generator
        The training inputs are drawn first, then the test inputs.

    Returns
    -------
    dict
        ``train_input (train_num, n_var)``, ``train_label (train_num, m)``,
        ``test_input (test_num, n_var)``, ``test_label (test_num, m)``, all
        float64; an f returning (n,) gives labels of shape (n, 1).
    """
    if not callable(f):
        raise TypeError(f"f must be a callable taking x of shape (n, n_var), got {type(f).__name__}")
    n_var = check_positive_int(n_var, "n_var")
    train_num = check_positive_int(train_num, "train_num")
    test_num = check_positive_int(test_num, "test_num")
    ranges = _as_ranges(ranges, n_var)  # (n_var, 2)
    rng = as_rng(seed)
    lo, hi = ranges[:, 0], ranges[:, 1]  # (n_var,), (n_var,)
    train_input = rng.uniform(lo, hi, size=(train_num, n_var))  # (train_num, n_var)
    test_input = rng.uniform(lo, hi, size=(test_num, n_var))  # (test_num, n_var)
    return {"train_input": train_input, "train_label": _evaluate(f, train_input),
            "test_input": test_input, "test_label": _evaluate(f, test_input)}


# --- A user's own arrays -----------------------------------------------------

def _as_labels(y):
    """Integer vector -> class labels (n,); anything else -> float targets (n, m)."""
    kind = np.asarray(y).dtype.kind
    if kind in "biu" and np.ndim(y) == 1:
        return as_class_labels(y, "y")  # (n,), int64
    y = as_float_array(y, "y", ndim=(1, 2), shape_hint="(n,) or (n, m)")
    return y[:, None] if y.ndim == 1 else y  # (n, m)


def _split(groups, test_fraction, rng):
    """Shuffle each group of indices and put a test_fraction share of it in the test set."""
    sizes = np.array([g.size for g in groups])  # (n_groups,)
    n, n_test = sizes.sum(), round(test_fraction * sizes.sum())
    if not 1 <= n_test <= n - 1:
        raise ValueError(
            f"test_fraction={test_fraction} puts {n_test} of {n} samples in the "
            f"test set; the training and the test set each need at least one sample")
    quota = test_fraction * sizes  # (n_groups,), ideal test count of each group
    counts = np.floor(quota).astype(int)  # (n_groups,)
    # Hand the places left to the groups with the largest remainders (Hamilton's
    # method): the total is round(test_fraction * n) even when groups are tiny.
    counts[np.argsort(counts - quota, kind="stable")[:n_test - counts.sum()]] += 1
    test, train = [], []
    for g, k in zip(groups, counts):
        g = rng.permutation(g)
        test.append(g[:k])
        train.append(g[k:])
    # Shuffle again across groups so that no set is sorted by class, which
    # would make every mini-batch hold a single class.
    return rng.permutation(np.concatenate(train)), rng.permutation(np.concatenate(test))


def dataset_from_arrays(X, y, test_fraction=0.2, seed=0):
    """Shuffle a user's samples and split them into training and test sets.

    The dtype of `y` decides the task: an integer (or bool) vector of shape
    (n,) is read as class labels and kept as int64 (n,), for cross-entropy;
    anything else is read as float regression targets, with shape (n,) becoming
    (n, 1). Cast integer regression targets with ``y.astype(float)``.
    Class labels are split class by class (stratified), so both sets keep the
    class proportions of `y` up to rounding.

    Parameters
    ----------
    X : array_like, shape (n, n_var)
        Inputs; a single variable must be passed as ``X.reshape(-1, 1)``.
    y : array_like, shape (n,) or (n, m)
        Labels, one per row of X.
    test_fraction : float
        Share of the samples put in the test set, rounded to the nearest
        count (shared out between classes by largest remainder); both sets
        must end up non-empty.
    seed : int or numpy.random.Generator

    Returns
    -------
    dict
        ``train_input``, ``train_label``, ``test_input``, ``test_label``.
    """
    X = as_float_array(X, "X", ndim=2, shape_hint="(n, n_var)")  # (n, n_var)
    y = _as_labels(y)  # (n,) int64 or (n, m) float64
    n = X.shape[0]
    if y.shape[0] != n:
        raise ValueError(f"X and y must have the same number of samples, got "
                         f"X with {n} rows and y with {y.shape[0]}")
    test_fraction = check_real(test_fraction, "test_fraction", 0.0, 1.0)
    if y.ndim == 1:
        groups = [np.flatnonzero(y == c) for c in np.unique(y)]  # one index array per class
    else:
        groups = [np.arange(n)]  # (n,)
    train, test = _split(groups, test_fraction, as_rng(seed))  # (n_train,), (n_test,)
    return {"train_input": X[train], "train_label": y[train],
            "test_input": X[test], "test_label": y[test]}


# --- Toy classification sets -------------------------------------------------

def make_moons(n=1000, noise=0.1, seed=0, test_fraction=0.5):
    r"""Two interleaving half circles, labelled 0 (outer) and 1 (inner).

    .. math::
        \text{class 0: } (\cos t, \sin t), \qquad
        \text{class 1: } (1 - \cos t, \tfrac12 - \sin t), \qquad
        t \in \mathrm{linspace}(0, \pi)

    with n // 2 points in class 0 and the rest in class 1, plus Gaussian noise
    of standard deviation `noise` on both coordinates (the definition of
    scikit-learn's ``make_moons``). The `n` points are then shuffled and split
    by ``dataset_from_arrays``: by default 500 training and 500 test points.

    Returns
    -------
    dict
        Inputs (·, 2) float64 and int64 labels (·,).
    """
    n = check_positive_int(n, "n")
    noise = check_real(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    n_outer = n // 2
    t_outer = np.linspace(0.0, np.pi, n_outer)  # (n_outer,)
    t_inner = np.linspace(0.0, np.pi, n - n_outer)  # (n - n_outer,)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)  # (n_outer, 2)
    inner = np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)  # (n - n_outer, 2)
    X = np.concatenate([outer, inner]) + rng.normal(scale=noise, size=(n, 2))  # (n, 2)
    y = np.repeat([0, 1], [n_outer, n - n_outer])  # (n,)
    return dataset_from_arrays(X, y, test_fraction=test_fraction, seed=rng)


def make_rings(n=1000, radii=(0.5, 1.0), noise=0.1, seed=0, test_fraction=0.5):
    r"""Concentric rings, one class per radius.

    .. math::
        x = (r_c + \varepsilon) (\cos\theta, \sin\theta), \qquad
        \theta \sim U[0, 2\pi), \quad \varepsilon \sim N(0, \mathrm{noise}^2)

    Class c lies on radius ``radii[c]``; the n points are shared out as evenly
    as possible (the first ``n % len(radii)`` classes get one more). The noise
    is radial, so noise = 0 puts every point exactly on its circle. The `n`
    points are shuffled and split by ``dataset_from_arrays``.

    Returns
    -------
    dict
        Inputs (·, 2) float64 and int64 labels (·,).
    """
    n = check_positive_int(n, "n")
    radii = as_float_array(radii, "radii", ndim=1, shape_hint="(n_classes,)")
    if radii.size < 2 or np.any(radii <= 0):
        raise ValueError(f"radii must be two or more positive numbers, got {radii.tolist()}")
    noise = check_real(noise, "noise", minimum=0.0)
    rng = as_rng(seed)
    n_classes = radii.size
    counts = np.full(n_classes, n // n_classes) + (np.arange(n_classes) < n % n_classes)
    y = np.repeat(np.arange(n_classes), counts)  # (n,)
    theta = rng.uniform(0.0, 2.0 * np.pi, size=n)  # (n,)
    r = radii[y] + rng.normal(scale=noise, size=n)  # (n,)
    X = r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)  # (n, 2)
    return dataset_from_arrays(X, y, test_fraction=test_fraction, seed=rng)


# --- The zoo: functions from the KAN papers, each with its exact formula -----

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
    source : str
        The same function in sympy syntax, in the variables x1, ..., x{n_var}.
    formula : sympy.Expr
        ``source`` parsed. sympy is imported on first use, so that importing minikan and
        making datasets needs NumPy only.
    """

    name: str
    f: Callable
    n_var: int
    ranges: tuple
    source: str

    @property
    def formula(self):
        import sympy as sp

        return sp.sympify(self.source)


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
    # scipy.special is imported when this example is sampled, so that importing
    # minikan and making the other datasets needs NumPy only.
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
    source = f"exp(({' + '.join(f'sin(x{i + 1})**2' for i in range(N))})/{N})"
    return Example("exp_mean_sin2", _exp_mean_sin2, N, _box(N), source)


def _zoo():
    examples = [
        # KAN arXiv:2404.19756 §3.1, and the running example of DESIGN.md.
        Example("exp_sin", _exp_sin, 2, _box(2), "exp(sin(pi*x1) + x2**2)"),
        exp_mean_sin2(2),
        # KAN §3.1 and Fig. 4.1(a); KAN 2.0 multiplication nodes learn it exactly.
        Example("product", _product, 2, _box(2), "x1*x2"),
        # KAN Fig. 4.1(b): x/y = exp(log x - log y) needs x, y > 0, hence [0.5, 2],
        # which also keeps 1/y bounded (at most 2).
        Example("division", _division, 2, _box(2, 0.5, 2.0), "x1/x2"),
        # KAN Fig. 4.1(f), a deeper composition.
        Example("distance", _distance, 4, _box(4),
                "sqrt((x1 - x2)**2 + (x3 - x4)**2)"),
        # KAN §3.1: a special function with no elementary form.
        Example("bessel_j0", _bessel_j0, 1, _box(1), "besselj(0, 20*x1)"),
        # KAN §3.1, four variables, three layers of composition.
        Example("exp_sin_sum4", _exp_sin_sum4, 4, _box(4),
                "exp((sin(pi*(x1**2 + x2**2)) + sin(pi*(x3**2 + x4**2)))/2)"),
        # A two-layer composition with an odd outer function.
        Example("arctan", _arctan, 2, _box(2), "atan(x1 + x2**3)"),
    ]
    return {ex.name: ex for ex in examples}


FUNCTIONS = _zoo()


def dataset(name, train_num=1000, test_num=1000, seed=0):
    """``create_dataset`` for the zoo entry ``FUNCTIONS[name]``, on its own ranges."""
    ex = FUNCTIONS[check_choice(name, "name", tuple(FUNCTIONS))]
    return create_dataset(ex.f, ex.n_var, ex.ranges, train_num, test_num, seed)
