"""Input checks shared by every minikan module, one argument at a time.

Each check either returns the value in the form the rest of the code expects
(a float64 array, a Python int, a ``(lo, hi)`` pair, a random Generator) or
raises before anything else happens:

- ``TypeError`` when the *kind* of value is wrong (a string where numbers were
  expected, a float where an integer count was expected);
- ``ValueError`` when the kind is right but the value is not (NaN, a negative
  count, a wrong shape).

Every message names the argument, says what was expected and what was given,
so a user reading a traceback needs no source code to fix the call. The checks
that read a ``fit`` call's arguments together (the dataset against the model's
widths, the batch against the training set) are in ``fit_checks.py``. One function here is a
predicate, not a check: ``all_finite``, with which the training loop and the optimisers ask
whether a step produced NaN or inf (they decide what that means; nothing is raised).
"""

import numbers

import numpy as np

# dtype.kind codes: b bool, i signed int, u unsigned int, f float, c complex.
_REAL_KINDS = "biuf"
_INTEGER_KINDS = "biu"


def _to_array(x, name):
    # np.asarray raises its own ValueError on ragged nested lists; re-raise it
    # with the argument's name, which numpy cannot know.
    try:
        return np.asarray(x)
    except (ValueError, TypeError) as err:
        raise ValueError(f"{name} could not be read as an array: {err}") from None


def _check_ndim(arr, name, ndim, shape_hint):
    if ndim is None:
        return
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim in allowed:
        return
    if shape_hint is None:
        wanted = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be a {wanted} array, got shape {arr.shape}")
    raise ValueError(f"{name} must have shape {shape_hint}, got shape {arr.shape}")


def _check_finite(arr, name):
    n_bad = arr.size - int(np.count_nonzero(np.isfinite(arr)))
    if n_bad:
        raise ValueError(f"{name} contains {n_bad} NaN or inf values; expected finite numbers")


def all_finite(arrays):
    """True when no entry of any of the arrays is NaN or ±inf (not a check that raises: the
    training loop and the optimisers decide what a non-finite step means). One pass over the
    arrays joined, not one per array: a [2, 5, 1] model's eight parameter arrays 12 → 4 µs,
    and a fit asks three times a step."""
    flat = [np.ravel(a) for a in arrays]
    return not flat or bool(np.isfinite(np.concatenate(flat)).all())


def as_float_array(x, name, ndim=None, shape_hint=None):
    """Return `x` as a finite float64 array, or raise a clear error.

    Parameters
    ----------
    x : array_like
        Real numbers: bool, integer or any float dtype (converted to float64).
    name : str
        The argument's name, used in error messages.
    ndim : int or tuple of int, optional
        Allowed number of dimensions; not checked when omitted.
    shape_hint : str, optional
        The expected shape in words, e.g. ``"(batch, 2)"``, quoted in the error.

    Returns
    -------
    ndarray, dtype float64
        `x` itself when it already is a float64 array, otherwise a converted copy.

    Raises
    ------
    TypeError
        If `x` holds complex numbers or non-numbers (strings, objects).
    ValueError
        If `x` is ragged, has the wrong number of dimensions, or holds NaN or inf.
    """
    arr = _to_array(x, name)
    if arr.dtype.kind == "c":
        raise TypeError(f"{name} must hold real numbers, got complex dtype {arr.dtype}")
    if arr.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    _check_ndim(arr, name, ndim, shape_hint)
    arr = arr.astype(np.float64, copy=False)
    _check_finite(arr, name)
    return arr


def as_inputs(x, n_features, name="x"):
    """Return a model's inputs `x` as a finite float64 array (batch, n_features), or a clear error."""
    x = as_float_array(x, name, ndim=2, shape_hint=f"(batch, {n_features})")
    if x.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (batch, {n_features}), got shape {x.shape}")
    return x


def check_names(names, n, prefix, name):
    """Return `n` distinct non-empty strings: `names`, or prefix1 … prefix<n> for None."""
    if names is None:
        return [f"{prefix}{i + 1}" for i in range(n)]
    if isinstance(names, str):
        raise TypeError(f"{name} must be a list of {n} strings, got the string {names!r}")
    names = list(names)
    if len(names) != n or not all(isinstance(s, str) and s for s in names) or len(set(names)) != n:
        raise ValueError(f"{name} must be {n} distinct non-empty strings, got {names!r}")
    return names


def as_class_labels(labels, name, n_classes=None):
    """Return integer class labels as an int64 vector, or raise a clear error.

    Labels must be a 1-D array of integers (bool counts as the classes 0 and 1).
    Floats are accepted only when every entry is a whole number, so that labels
    which went through a float array (e.g. ``np.loadtxt``) still work, while a
    regression target passed by mistake (``0.3``) is caught.

    Parameters
    ----------
    labels : array_like, shape (n,)
        Class indices.
    name : str
        The argument's name, used in error messages.
    n_classes : int, optional
        When given, every label must lie in ``[0, n_classes)``; otherwise only
        ``labels >= 0`` is checked.

    Returns
    -------
    ndarray, shape (n,), dtype int64
    """
    arr = _to_array(labels, name)
    if arr.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name} must hold integer class indices, got dtype {arr.dtype}")
    _check_ndim(arr, name, 1, "(n,)")
    if arr.dtype.kind not in _INTEGER_KINDS:
        _check_finite(arr, name)
        fractional = arr[arr != np.round(arr)]
        if fractional.size:
            raise ValueError(
                f"{name} must hold integer class indices, got {fractional.size} "
                f"non-integer values such as {float(fractional[0])}")
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < 0:
        raise ValueError(f"{name} must be class indices >= 0, got {arr.min()}")
    if n_classes is not None and arr.size and arr.max() >= n_classes:
        raise ValueError(
            f"{name} must be class indices in [0, {n_classes}), got {arr.max()}")
    return arr


def check_positive_int(value, name):
    """Return `value` as a Python int if it is an integer >= 1.

    Integer-valued floats (``1000.0``) are rejected on purpose: a count that
    arrives as a float is usually the result of a division that went wrong.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be a positive integer, got {value!r} ({type(value).__name__})")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def check_int(value, name, minimum=None):
    """Return `value` as a Python int if it is an integer >= `minimum` (no bound if None).

    As ``check_positive_int``, integer-valued floats are rejected.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_real(value, name, minimum=None, maximum=None):
    """Return `value` as a finite Python float within ``[minimum, maximum]``.

    Either bound may be omitted; both are inclusive.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        lo = "-inf" if minimum is None else minimum
        hi = "inf" if maximum is None else maximum
        raise ValueError(f"{name} must lie in [{lo}, {hi}], got {value}")
    return value


def check_range(pair, name):
    """Return ``(lo, hi)`` as floats if `pair` is two finite numbers with lo < hi."""
    arr = as_float_array(pair, name, ndim=1, shape_hint="(2,), i.e. [lo, hi]")
    if arr.shape != (2,):
        raise ValueError(f"{name} must have shape (2,), i.e. [lo, hi], got shape {arr.shape}")
    lo, hi = float(arr[0]), float(arr[1])
    if not lo < hi:
        raise ValueError(f"{name} must satisfy lo < hi, got [{lo}, {hi}]")
    return lo, hi


def as_ranges(ranges, n_var, name="ranges"):
    """Return per-variable ``[lo, hi]`` ranges as a float64 array (n_var, 2).

    `ranges` is one pair for every variable, shape (2,), or one pair per variable,
    shape (n_var, 2); each pair must satisfy lo < hi (``check_range``).
    """
    arr = as_float_array(ranges, name, ndim=(1, 2),
                         shape_hint=f"(2,) or ({n_var}, 2), one [lo, hi] per variable")
    if arr.shape == (2,):
        arr = np.tile(arr, (n_var, 1))  # (n_var, 2), the same range for every variable
    if arr.shape != (n_var, 2):
        raise ValueError(
            f"{name} must be one [lo, hi] pair, shape (2,), or one pair per variable, "
            f"shape ({n_var}, 2); got shape {arr.shape}")
    for i, pair in enumerate(arr):
        check_range(pair, f"{name}[{i}]")
    return arr


def check_choice(value, name, choices):
    """Return `value` if it is one of `choices`; otherwise list the choices."""
    if value not in choices:
        options = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")
    return value


def as_rng(seed, name="seed"):
    """Return a ``numpy.random.Generator`` from an int seed or a Generator.

    A Generator is returned as is, so several functions can draw from one
    stream. ``None`` is refused: every random result in minikan must be
    reproducible from its arguments.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name} must be a non-negative int or a numpy.random.Generator, "
            f"got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative int, got {seed}")
    return np.random.default_rng(int(seed))


def check_edge(model, l, i, j, masked_reason):
    """The layer holding edge (l, i, j) of ``model``, or a clear error.

    Indices must be ints in range; a masked (pruned) edge is refused with ``masked_reason``
    appended to the message (what the caller cannot do with it). Used by ``plot_edge`` and by
    the symbolic fixing of edges.
    """
    if not (isinstance(l, (int, np.integer)) and 0 <= l < model.depth):
        raise ValueError(f"layer index l must be in [0, {model.depth}), got {l!r}")
    layer = model.layers[l]
    if not (isinstance(i, (int, np.integer)) and 0 <= i < layer.in_dim
            and isinstance(j, (int, np.integer)) and 0 <= j < layer.out_dim):
        raise ValueError(f"edge (i, j) of layer {l} must have 0 <= i < {layer.in_dim} and "
                         f"0 <= j < {layer.out_dim}, got ({i!r}, {j!r})")
    if not layer.mask[i, j]:
        raise ValueError(f"edge ({l}, {i}, {j}) is pruned (masked){masked_reason}")
    return layer
