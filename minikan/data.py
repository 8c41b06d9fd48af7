"""Datasets: sampled functions, a user's own arrays, two toy classification sets.

Every dataset is a dict with ``train_input (n_train, n_var)``, ``train_label``,
``test_input (n_test, n_var)`` and ``test_label``, the four arrays ``KAN.fit`` and
``KAN.evaluate`` read. Labels are float64 ``(n, m)`` for regression and int64 class
indices ``(n,)`` for classification. Everything random takes ``seed``, an int or a
``numpy.random.Generator``. The functions the KAN papers fit, each with its exact
formula, are in ``zoo.py`` (``Example``, ``FUNCTIONS``, ``dataset``); they can still be
imported from here.

Shapes: n samples; n_var input variables; m outputs.
"""

import numpy as np

from minikan.validate import (
    as_class_labels,
    as_float_array,
    as_ranges,
    as_rng,
    check_positive_int,
    check_real,
)

# --- Sampling a function -----------------------------------------------------

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
    ranges = as_ranges(ranges, n_var)  # (n_var, 2)
    rng = as_rng(seed)
    lo, hi = ranges[:, 0], ranges[:, 1]  # (n_var,), (n_var,)
    train_input = rng.uniform(lo, hi, size=(train_num, n_var))  # (train_num, n_var)
    test_input = rng.uniform(lo, hi, size=(test_num, n_var))  # (test_num, n_var)
    return {"train_input": train_input, "train_label": _evaluate(f, train_input),
            "test_input": test_input, "test_label": _evaluate(f, test_input)}


# --- A user's own arrays -----------------------------------------------------

def _as_targets(y):
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
    for g, n_g in zip(groups, counts):
        g = rng.permutation(g)
        test.append(g[:n_g])
        train.append(g[n_g:])
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
    y = _as_targets(y)  # (n,) int64 or (n, m) float64
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


# --- The zoo (zoo.py), importable from here too --------------------------------

# The zoo needs sympy for its formulas; it is loaded on first use of one of its names
# (PEP 562), so that ``import minikan`` does not import sympy through this module.
_ZOO_NAMES = ("Example", "FUNCTIONS", "dataset", "exp_mean_sin2")


def __getattr__(name):
    if name in _ZOO_NAMES:
        from minikan import zoo
        return getattr(zoo, name)
    raise AttributeError(f"module 'minikan.data' has no attribute {name!r}")
