"""A NumPy multilayer perceptron with a hand-written backward: the baseline KANs are compared to.

Math: h_0 = x,  z_l = h_l W_l + b_l,  h_{l+1} = g(z_l) for hidden layers,  MLP(x) = z_{L-1}
An MLP puts a *fixed* nonlinearity g (tanh, relu or silu) on its nodes and learns linear weights W on its
edges; a KAN learns a function on every edge instead (KAN arXiv:2404.19756, Fig. 0.1).

The object follows KAN's contract, so ``train.fit``, the optimisers and ``gradcheck`` drive
it unchanged: ``forward``/``backward`` with one cache replaced each call, ``params`` and
``grads`` with the same dotted keys ("layers.0.W", "layers.0.b", …), ``objective(x, y)``.

Shapes: batch; width[l] nodes in layer l; W_l (width[l], width[l+1]); b_l (width[l+1],).
The activation is g, not σ: in ``layer.py`` σ is the sigmoid (silu(x) = x·σ(x)).
"""
import numpy as np

from minikan import fit_checks, losses, progress, train, validate
from minikan.layer import silu, silu_grad

ACTIVATIONS = {
    # name: (g(z), g'(z) from z)
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "silu": (silu, silu_grad),
}


def init_std(activation, fan_in, fan_out):
    """Standard deviation of the initial weights of one layer.

    tanh: Xavier/Glorot, √(2 / (fan_in + fan_out)), which keeps the variance of activations
    and gradients about constant through a tanh layer (Glorot & Bengio 2010, eq. 16).
    relu, silu: He, √(2 / fan_in), since these halve the variance they pass on
    (He et al. 2015, eq. 10; silu behaves like relu away from 0).
    """
    if activation == "tanh":
        return np.sqrt(2.0 / (fan_in + fan_out))
    return np.sqrt(2.0 / fan_in)


class MLP(losses.Predictor):
    """A fully connected network with a fixed activation on every hidden node.

    Parameters
    ----------
    width : list of int
        Nodes per layer, inputs first, e.g. [2, 16, 16, 1].
    activation : {"silu", "tanh", "relu"}
        g on the hidden nodes; the output layer is linear.
    seed : int or numpy.random.Generator
        Seeds the initialisation: W_l ~ N(0, init_std²) (``init_std``), b_l = 0.
    """

    def __init__(self, width, activation="silu", seed=0):
        if (not isinstance(width, (list, tuple)) or len(width) < 2
                or not all(isinstance(w, (int, np.integer)) and not isinstance(w, bool) and w > 0
                           for w in width)):
            raise ValueError(f"width must be a list of at least two positive ints, got {width!r}")
        self.activation = validate.check_choice(activation, "activation", tuple(ACTIVATIONS))
        rng = validate.as_rng(seed)
        self.width = [int(w) for w in width]
        self.params = {}
        for l, (n_in, n_out) in enumerate(zip(self.width[:-1], self.width[1:])):
            std = init_std(self.activation, n_in, n_out)
            self.params[f"layers.{l}.W"] = rng.normal(0.0, std, (n_in, n_out))   # (n_in, n_out)
            self.params[f"layers.{l}.b"] = np.zeros(n_out)                          # (n_out,)
        self.grads = None
        self.train_input = None
        self._cache = None

    @property
    def depth(self):
        return len(self.width) - 1

    def n_params(self):
        """Number of trainable numbers: Σ_l (width[l] + 1)·width[l+1]."""
        return int(sum(p.size for p in self.params.values()))

    def __repr__(self):
        return f"MLP(width={self.width}, activation={self.activation!r}, params={self.n_params()})"

    def check_input(self, x, name="x"):
        """x as a float64 array (batch, width[0]), or a clear error."""
        return validate.as_inputs(x, self.width[0], name)

    # ------------------------------------------------------------------ forward / backward
    def forward(self, x):
        """Network output (batch, width[-1]); keeps what ``backward`` needs (one cache per call)."""
        g = ACTIVATIONS[self.activation][0]
        h = self.check_input(x)
        hs, zs = [], []
        for l in range(self.depth):
            hs.append(h)                                                   # (batch, width[l])
            z = h @ self.params[f"layers.{l}.W"] + self.params[f"layers.{l}.b"]  # (batch, width[l+1])
            zs.append(z)
            h = g(z) if l < self.depth - 1 else z
        self._cache = (hs, zs)
        return h

    __call__ = forward

    def backward(self, dout):
        """Replace ``grads`` for dout = ∂L/∂output (batch, width[-1]); return ∂L/∂x (batch, width[0]).

        One layer at a time, from the top: dz = dh ⊙ g'(z) (not for the linear output layer),
        ∂L/∂W = hᵀ dz, ∂L/∂b = Σ_batch dz, and dh of the layer below = dz Wᵀ.
        """
        if self._cache is None:
            raise RuntimeError("MLP.backward called before forward")
        dg = ACTIVATIONS[self.activation][1]
        hs, zs = self._cache
        grads = {}
        dz = np.asarray(dout, dtype=float)                                 # (batch, width[-1])
        for l in reversed(range(self.depth)):
            if l < self.depth - 1:
                dz = dz * dg(zs[l])                                    # (batch, width[l+1])
            grads[f"layers.{l}.W"] = hs[l].T @ dz                          # (width[l], width[l+1])
            grads[f"layers.{l}.b"] = dz.sum(axis=0)                        # (width[l+1],)
            dz = dz @ self.params[f"layers.{l}.W"].T                       # (batch, width[l])
        self.grads = {key: grads[key] for key in self.params}             # in params order
        return dz

    def objective(self, x, y, loss_fn="mse"):
        """Training objective: the MSE or cross-entropy of ``losses.py``, and its gradient.

        An MLP has no edge functions, so KAN's sparsity penalties do not apply.
        Returns (value, grads) with grads keyed as ``params``.
        """
        value, dpred = losses.get_loss(loss_fn)(self.forward(x), y)
        self.backward(dpred)
        return value, self.grads

    def fit(self, dataset, opt="LBFGS", steps=100, lr=1.0, batch=-1, loss_fn="mse", log=1, seed=0):
        """Train on ``dataset`` (``create_dataset``'s dict); returns the history of per-step arrays.

        The arguments are those of ``KAN.fit`` without the KAN-only ones (sparsity, grids).
        History keys: train_loss, test_loss (RMSE, or mean cross-entropy), train_acc/test_acc
        for "ce", objective, time.
        """
        steps = fit_checks.check_training(loss_fn, opt, train.OPTIMIZERS, steps, lr, batch)
        x, y, x_test, y_test = fit_checks.check_dataset(dataset, loss_fn, self.width[0], self.width[-1])
        self.train_input = x

        def metrics(step):
            out = {}
            for part, (xs, ys) in (("train", (x, y)), ("test", (x_test, y_test))):
                pred = self.forward(xs)
                if loss_fn == "mse":
                    out[f"{part}_loss"] = losses.rmse(pred, ys)
                else:
                    out[f"{part}_loss"] = losses.cross_entropy(pred, ys)[0]
                    out[f"{part}_acc"] = losses.accuracy(pred, ys)
            return out
        return train.fit(self, x, y, opt, steps, lr, batch, seed, objective_kwargs=dict(loss_fn=loss_fn),
                         metrics=metrics, progress=progress.ProgressLine(log) if log else None)
