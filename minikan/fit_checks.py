"""What a ``fit`` is given, checked against the model before any training starts.

``validate.py`` checks one argument at a time (an array, a number, a seed, an edge index);
the checks here read several arguments together: the dataset dict against the model's
widths and loss, the options every ``fit`` shares (``KAN.fit``, ``MLP.fit``), and
``KAN.fit``'s batch and grid-update options against the training set. Errors follow
``validate.py``: ``TypeError`` for the wrong kind of value, ``ValueError`` for a wrong
value, each naming the argument.
"""
import numbers

import numpy as np

from minikan import losses, validate


def check_dataset(dataset, loss_fn, n_in, n_out):
    """The dataset dict's four arrays, checked against a model and a loss, or a clear error.

    Parameters
    ----------
    dataset : dict
        ``train_input``, ``train_label``, ``test_input``, ``test_label`` (``create_dataset``).
    loss_fn : {"mse", "ce", "cross_entropy"}
    n_in, n_out : int
        The model's input and output widths.

    Returns
    -------
    train_input, train_label, test_input, test_label : ndarray
        Inputs float64 (n, n_in); labels float64 (n, n_out) for "mse" ((n,) read as
        n_out = 1), int64 classes (n,) in [0, n_out) for "ce".
    """
    if not isinstance(dataset, dict):
        raise TypeError(f"dataset must be a dict with train_input, train_label, test_input, "
                        f"test_label, got {type(dataset).__name__}")
    missing = [key for key in ("train_input", "train_label", "test_input", "test_label") if key not in dataset]
    if missing:
        raise ValueError(f"dataset is missing {missing}; expected the keys of create_dataset")
    out = []
    for part in ("train", "test"):
        x = validate.as_float_array(dataset[f"{part}_input"], f"{part}_input", ndim=2, shape_hint=f"(n, {n_in})")
        if x.shape[1] != n_in:
            raise ValueError(f"{part}_input must have shape (n, {n_in}) for this model, got shape {x.shape}")
        if len(x) == 0:
            raise ValueError(f"{part}_input must hold at least one sample, got shape {x.shape}")
        name = f"{part}_label"
        if loss_fn in ("ce", "cross_entropy"):
            y = validate.as_class_labels(dataset[name], name, n_classes=n_out)
        else:
            y = validate.as_float_array(dataset[name], name, ndim=(1, 2), shape_hint=f"(n, {n_out})")
            y = y[:, None] if y.ndim == 1 and n_out == 1 else y
            if y.ndim != 2 or y.shape[1] != n_out:
                raise ValueError(f"{name} must have shape (n, {n_out}) for an MSE model with "
                                 f"{n_out} outputs, got shape {y.shape}")
        if len(y) != len(x):
            raise ValueError(f"{part}_input and {name} must have the same number of rows, "
                             f"got {len(x)} and {len(y)}")
        out += [x, y]
    return tuple(out)


def check_fit_options(lr, batch, n_train, update_grid, grid_update_num, stop_grid_update_step, log):
    """Raise unless ``KAN.fit``'s options are usable on a training set of ``n_train`` rows.

    ``lr`` must be > 0 (0 would train nothing, silently); ``batch`` -1 (full batch) or an
    int in [1, n_train] (a batch larger than the data is a mistake, not a full batch);
    ``update_grid`` a bool; ``grid_update_num`` ≥ 1; ``stop_grid_update_step`` ≥ 0; ``log`` ≥ 0.
    """
    if validate.check_real(lr, "lr", minimum=0.0) == 0.0:
        raise ValueError("lr must be > 0, got 0.0")
    if isinstance(batch, bool) or not isinstance(batch, numbers.Integral):
        raise TypeError(f"batch must be -1 (full batch) or a positive int, got {batch!r} ({type(batch).__name__})")
    if batch != -1 and not 1 <= batch <= n_train:
        raise ValueError(f"batch must be -1 (full batch) or an int in [1, {n_train}] (the training "
                         f"samples), got {batch}")
    if not isinstance(update_grid, (bool, np.bool_)):
        raise TypeError(f"update_grid must be True or False, got {update_grid!r} ({type(update_grid).__name__})")
    validate.check_positive_int(grid_update_num, "grid_update_num")
    validate.check_int(stop_grid_update_step, "stop_grid_update_step", minimum=0)
    validate.check_int(log, "log", minimum=0)


def check_training(loss_fn, opt, optimizers, steps, lr, batch):
    """The options every ``fit`` shares (``KAN.fit``, ``MLP.fit``); returns steps as an int."""
    validate.check_choice(loss_fn, "loss_fn", tuple(losses.LOSSES))
    validate.check_choice(opt, "opt", optimizers)
    steps = validate.check_positive_int(steps, "steps")
    validate.check_real(lr, "lr", minimum=0.0)
    if not isinstance(batch, (int, np.integer)) or batch == 0 or batch < -1:
        raise ValueError(f"batch must be -1 (full batch) or a positive int, got {batch!r}")
    return steps
