"""The data's own units: an input/output standardisation that lives inside the model.

Real data does not live on [-1, 1], where a KAN's knots start. A model may carry a
``Normalization``; ``KAN.forward`` then computes, for x in the data's units,

    z = (x − μ_x) / σ_x                 the input of layer 0 (what the knots, grid updates,
                                        pruning scores and symbolic fits see)
    out = σ_y ⊙ KAN_z(z) + μ_y          the output, back in the data's units

and ``KAN.backward`` applies the chain rule through both: ∂L/∂KAN_z = σ_y ⊙ ∂L/∂out and
∂L/∂x = (∂L/∂z) / σ_x. So a normalised model is always called, fitted, evaluated and
saved in the data's units, and ``symbolic_formula`` substitutes z_i = (x_i − μ_i)/σ_i and
wraps each output, so its formula is in the original variables too.

One place to set it: ``model.normalize(dataset)`` fits (μ, σ) on the training split
(outputs only for float regression targets; class labels are left alone), and
``model.normalization = Normalization(...)`` or ``None`` sets or removes it directly. Set
it before training: it changes the function the model computes.

Units of the losses: fit's MSE is in the data's units, so it is σ_y² times the MSE of the
normalised network while the sparsity penalty acts on the normalised network; a ``lamb``
found on standardised data corresponds to lamb·σ_y² here, the mean σ_y² for several
outputs (the command line does that rescaling, ``cli/commands.py``'s ``cmd_fit``).

Shapes: d inputs, m outputs; every array is float64.
"""
from dataclasses import dataclass

import numpy as np

from minikan import validate

# A column whose spread is below this (relative to its size, or absolutely for a column
# near 0) is constant: dividing by its σ would blow it up, so it keeps σ = 1 (a shift only).
CONSTANT_COLUMN_RTOL = 1e-12


@dataclass(frozen=True, eq=False)
class Normalization:
    """z = (x − x_mean)/x_std before layer 0; out = y_std·KAN(z) + y_mean after the last layer.

    Attributes
    ----------
    x_mean, x_std : ndarray, shape (d,)
        μ_x and σ_x of the inputs, every σ > 0.
    y_mean, y_std : ndarray, shape (m,)
        μ_y and σ_y of the outputs (0 and 1 for a classifier's logits), every σ > 0.
    """

    x_mean: np.ndarray
    x_std: np.ndarray
    y_mean: np.ndarray
    y_std: np.ndarray

    def __post_init__(self):
        for name in ("x_mean", "x_std", "y_mean", "y_std"):
            arr = validate.as_float_array(getattr(self, name), name, ndim=1, shape_hint="(n,)").copy()
            if name.endswith("std") and not (arr > 0).all():
                raise ValueError(f"{name} must be positive, got {arr}")
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        for a, b in (("x_mean", "x_std"), ("y_mean", "y_std")):
            if getattr(self, a).shape != getattr(self, b).shape:
                raise ValueError(f"{a} and {b} must have the same shape, got "
                                 f"{getattr(self, a).shape} and {getattr(self, b).shape}")

    @classmethod
    def from_data(cls, x, y=None, n_out=1):
        """Mean and standard deviation of each column of x (n, d) and of float targets y (n, m).

        With y None or integer class labels (n,) the ``n_out`` outputs are left as they are
        (μ = 0, σ = 1): logits have no units.
        """
        x = validate.as_float_array(x, "x", ndim=2, shape_hint="(n, d)")
        if len(x) < 2:
            raise ValueError(f"normalisation needs at least 2 samples, got {len(x)}")
        if y is None or (np.ndim(y) == 1 and np.asarray(y).dtype.kind in "biu"):
            return cls(x.mean(axis=0), _std(x), np.zeros(n_out), np.ones(n_out))
        y = validate.as_float_array(y, "y", ndim=(1, 2), shape_hint="(n, m)")
        y = y[:, None] if y.ndim == 1 else y                           # (n, m)
        return cls(x.mean(axis=0), _std(x), y.mean(axis=0), _std(y))

    def check(self, d, m):
        """self, if its shapes fit a model with d inputs and m outputs; else a ValueError."""
        if self.x_mean.shape != (d,) or self.y_mean.shape != (m,):
            raise ValueError(f"normalization must have x_mean, x_std ({d},) and y_mean, y_std ({m},) "
                             f"for this model, got {self.x_mean.shape} and {self.y_mean.shape}")
        return self

    def inputs(self, x):
        """z = (x − μ_x)/σ_x: (batch, d)."""
        return (x - self.x_mean) / self.x_std

    def outputs(self, out):
        """σ_y ⊙ out + μ_y: (batch, m)."""
        return out * self.y_std + self.y_mean

    def restrict(self, keep):
        """The normalisation of the inputs ``keep`` (boolean (d,) or index list) only."""
        return Normalization(self.x_mean[keep], self.x_std[keep], self.y_mean, self.y_std)

    def arrays(self):
        """The four arrays by name (for files)."""
        return {name: getattr(self, name) for name in ("x_mean", "x_std", "y_mean", "y_std")}


def _std(a):
    """Column standard deviations (population, ddof = 0), constant columns given σ = 1."""
    std = a.std(axis=0)                                                # (cols,)
    scale = np.maximum(np.abs(a).max(axis=0), 1.0)
    return np.where(std > CONSTANT_COLUMN_RTOL * scale, std, 1.0)
