"""Prediction losses and their gradients with respect to the prediction.

Every loss returns the pair ``(loss, dpred)``: the scalar loss and
dL/dpred, shaped like ``pred``. ``dpred`` is what ``model.backward`` takes as
``dout``, so the chain rule starts here.

- ``mse``: regression, labels are floats ``(n, m)`` (or ``(n,)`` when m = 1).
- ``cross_entropy``: classification, labels are integer classes ``(n,)``.

``rmse`` and ``accuracy`` are for reporting only and return a float; ``Predictor``
gives ``KAN`` and ``MLP`` their ``predict``, ``predict_proba`` and ``evaluate``.

Shapes: n samples; m outputs; C classes.
"""

import numpy as np

from .validate import as_class_labels, as_float_array, check_choice


def _as_batch(arr, name, shape_hint):
    arr = as_float_array(arr, name, ndim=2, shape_hint=shape_hint)
    if arr.shape[0] == 0:
        # The mean over zero samples is 0/0; say so instead of returning NaN.
        raise ValueError(f"{name} must hold at least one sample, got shape {arr.shape}")
    return arr


def _as_regression_target(y, pred):
    n, m = pred.shape
    y = as_float_array(y, "y", ndim=(1, 2), shape_hint=f"({n}, {m}) to match pred")
    if y.ndim == 1 and m == 1:
        # A vector of targets means one output; without this reshape (n,) - (n, 1)
        # would broadcast to (n, n) and silently average the wrong differences.
        y = y[:, None]  # (n, 1)
    if y.shape != pred.shape:
        raise ValueError(f"y must have shape ({n}, {m}) to match pred, got shape {y.shape}")
    return y


def _as_labels(labels, n, n_classes):
    labels = as_class_labels(labels, "labels", n_classes=n_classes)
    if labels.shape[0] != n:
        raise ValueError(
            f"labels must have shape ({n},), one class per row of logits, "
            f"got shape {labels.shape}")
    return labels


def mse(pred, y):
    r"""Mean squared error and its gradient.

    .. math::
        L = \frac{1}{n m} \sum_{s=1}^{n} \sum_{j=1}^{m} (\hat y_{sj} - y_{sj})^2,
        \qquad
        \frac{\partial L}{\partial \hat y_{sj}} = \frac{2}{n m} (\hat y_{sj} - y_{sj})

    The mean runs over all n·m entries, with no factor ½ (README, Conventions).

    Parameters
    ----------
    pred : array_like, shape (n, m)
        Predictions.
    y : array_like, shape (n, m), or (n,) when m = 1
        Targets.

    Returns
    -------
    loss : float
    dpred : ndarray, shape (n, m)
        dL/dpred.
    """
    pred = _as_batch(pred, "pred", "(n, m)")  # (n, m)
    y = _as_regression_target(y, pred)  # (n, m)
    diff = pred - y  # (n, m)
    loss = float(np.mean(diff**2))
    dpred = (2.0 / diff.size) * diff  # (n, m)
    return loss, dpred


def rmse(pred, y):
    """Root mean squared error, sqrt(mse(pred, y)), the reported regression loss.

    Same arguments as ``mse``; returns a float (no gradient).
    """
    return float(np.sqrt(mse(pred, y)[0]))


def log_softmax(logits):
    r"""Logarithm of the softmax of each row, computed without overflow.

    .. math::
        \log p_{sc} = z_{sc} - \max_{c'} z_{sc'}
                       - \log \sum_{c'} \exp(z_{sc'} - \max_{c''} z_{sc''})

    Subtracting the row maximum leaves the result unchanged (it cancels between
    numerator and denominator) but makes every exponent <= 0, so ``exp`` never
    overflows and at least one term of the sum is exactly 1, so the log never
    sees 0 (the log-sum-exp trick).

    Parameters
    ----------
    logits : array_like, shape (n, C)
        Unnormalised class scores z, one row per sample (a model's output).

    Returns
    -------
    log_p : ndarray, shape (n, C)
        Log-probabilities, each ≤ 0; exp of a row sums to 1.
    """
    logits = _as_batch(logits, "logits", "(n, n_classes)")  # (n, C)
    shifted = logits - logits.max(axis=1, keepdims=True)  # (n, C), each row's max is 0
    log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))  # (n, 1)
    return shifted - log_norm  # (n, C)


def softmax(logits):
    """Class probabilities p_sc = exp(z_sc) / Σ_c' exp(z_sc'), row by row.

    Parameters
    ----------
    logits : array_like, shape (n, C)
        As for ``log_softmax``, whose exp this is (so it never overflows either).

    Returns
    -------
    p : ndarray, shape (n, C)
        Non-negative rows that sum to 1.
    """
    return np.exp(log_softmax(logits))  # (n, C)


def cross_entropy(logits, labels):
    r"""Mean softmax cross-entropy and its gradient with respect to the logits.

    .. math::
        L = -\frac{1}{n} \sum_{s=1}^{n} \log p_{s, y_s},
        \qquad
        \frac{\partial L}{\partial z_{sc}} = \frac{1}{n} (p_{sc} - [c = y_s])

    with p = softmax(z) row by row (Goodfellow, Bengio & Courville, *Deep
    Learning*, §6.2.2.3).

    Parameters
    ----------
    logits : array_like, shape (n, C)
        Unnormalised class scores z, any finite size (computed stably).
    labels : array_like of int, shape (n,)
        Class indices y_s in [0, C). Floats are accepted when every entry is a
        whole number (e.g. ``1.0``); bool counts as the classes 0 and 1.

    Returns
    -------
    loss : float
    dlogits : ndarray, shape (n, C)
        dL/dlogits.
    """
    logp = log_softmax(logits)  # (n, C)
    n, n_classes = logp.shape
    labels = _as_labels(labels, n, n_classes)  # (n,)
    rows = np.arange(n)  # (n,)
    loss = float(-np.mean(logp[rows, labels]))
    # d(-log p_y)/dz_c = p_c - [c = y]: the softmax Jacobian contracted with
    # -1/p_y collapses to this; divide by n because the loss is a mean.
    dlogits = np.exp(logp)  # (n, C), p
    dlogits[rows, labels] -= 1.0
    dlogits /= n
    return loss, dlogits


def accuracy(logits, labels):
    """Fraction of samples whose largest logit is at the true class.

    Ties go to the lowest class index (``np.argmax``). Takes the same
    arguments as ``cross_entropy``; returns a float in [0, 1].
    """
    logits = _as_batch(logits, "logits", "(n, n_classes)")  # (n, C)
    n, n_classes = logits.shape
    labels = _as_labels(labels, n, n_classes)  # (n,)
    return float(np.mean(np.argmax(logits, axis=1) == labels))


LOSSES = {"mse": mse, "ce": cross_entropy, "cross_entropy": cross_entropy}


def get_loss(name):
    """Return the loss function called `name`.

    Parameters
    ----------
    name : str or callable
        ``"mse"``, or ``"ce"`` / ``"cross_entropy"``. A callable is returned
        unchanged; it must follow the same contract,
        ``fn(pred, labels) -> (loss, dpred)``.

    Returns
    -------
    callable
        ``fn(pred, labels) -> (loss, dpred)``.
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"loss name must be a string such as 'mse' or 'ce', or a callable, "
            f"got {name!r} ({type(name).__name__})")
    return LOSSES[check_choice(name, "loss name", tuple(LOSSES))]


class Predictor:
    """What a trained model offers that needs only its ``forward``: outputs, probabilities, scores.

    ``KAN`` and ``MLP`` inherit these three methods, so a KAN and its MLP baseline are used and
    compared in the same words.
    """

    def predict(self, x):
        """Output for x (batch, in_dim): values for MSE models, logits for cross-entropy."""
        return self.forward(x)

    def predict_proba(self, x):
        """Class probabilities (batch, n_classes), the softmax of the logits."""
        logits = self.forward(x)                                   # (batch, n_classes)
        if logits.shape[1] < 2:     # the softmax of one logit is 1 whatever the input
            raise ValueError("predict_proba needs a classifier, one output (logit) per class, "
                             f"at least 2; this model has {logits.shape[1]} output")
        return softmax(logits)

    def evaluate(self, dataset):
        """Train and test RMSE, or accuracy when the labels are integer classes (n,).

        ``dataset`` is ``create_dataset``'s dict; the returned keys are ``train_rmse`` and
        ``test_rmse``, or ``train_accuracy`` and ``test_accuracy``.
        """
        out = {}
        for part in ("train", "test"):
            x, y = dataset[f"{part}_input"], np.asarray(dataset[f"{part}_label"])
            pred = self.forward(x)
            if y.ndim == 1 and y.dtype.kind in "iu":
                out[f"{part}_accuracy"] = accuracy(pred, y)
            else:
                out[f"{part}_rmse"] = rmse(pred, y)
        return out
