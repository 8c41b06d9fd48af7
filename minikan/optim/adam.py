"""Adam: stochastic gradient descent with bias-corrected moment estimates.

Adam keeps, for every parameter entry, an exponential moving average of the
gradient (first moment m) and of its square (second moment v), corrects both
for their start at zero, and moves each entry by roughly ``lr`` in the
direction of m, scaled down where gradients are large or noisy
(Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015, Alg. 1).

Shapes: every moment array has the shape of the parameter array it belongs to.
"""

import numpy as np

from minikan.validate import check_real


class Adam:
    r"""Adam optimiser over a dict of parameter arrays, updated in place.

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2
        \hat m_t = m_t / (1 - \beta_1^t), \quad \hat v_t = v_t / (1 - \beta_2^t)
        \theta_t = \theta_{t-1} - \alpha \hat m_t / (\sqrt{\hat v_t} + \epsilon)
                                                        [Kingma & Ba, Alg. 1]

    Parameters
    ----------
    params : dict of str to ndarray
        The trainable float arrays. They are updated in place
        (``params[key][...] = ...``), so a model holding the same arrays sees
        every update.
    lr : float
        Step size alpha.
    beta1, beta2 : float
        Decay rates of the first- and second-moment averages, in [0, 1).
    eps : float
        Added to sqrt(v_hat) so entries with a vanishing gradient history do
        not divide by zero.
    weight_decay : float
        lambda above: an L2 penalty (lambda/2)·||theta||² whose gradient is
        added to g *before* the moments, as in the original Adam and
        ``torch.optim.Adam`` (not AdamW's decoupled decay).

    Attributes
    ----------
    m, v : dict of str to ndarray
        First and second moment estimates, shaped like ``params``.
    t : int
        Number of updates made so far.
    t_key : dict of str to int
        The t of each array's bias corrections: ``t``, or the updates since ``reset``.

    Notes
    -----
    ``reset(keys)`` forgets the moments of arrays whose entries changed meaning. A KAN grid
    update is such a change: it moves the knots and refits the spline coefficients c on the
    new basis (KAN §2.2, detail 3), so c's gradient history describes other basis functions. Measured
    on [2,5,1], exp(sin(πx)+y²), 200 steps at lr 1e-2, grid updates every 5 steps until 50,
    seeds 0–4 (benchmarks/adam_vs_pykan.py): test RMSE median 7.6e-2 (max 1.1e-1) keeping
    the moments, as torch.optim.Adam under pykan does (pykan 0.2.8 from the same
    initialisation: median 7.6e-2, equal to three digits on 4 of the 5 seeds; from its own
    initialisations 5.8e-2), and 2.9e-2 (max 3.4e-2) resetting the coefficients' moments. Over
    six more zoo functions the reset lowered the median too, by 1.3–4.6× (e.g. exp_mean_sin2
    1.2e-2 → 2.7e-3, division 1.3e-2 → 4.6e-3). Why it matters that much: by step 200, √v̂
    of the coefficients is 50–65× the RMS of their last 10 gradients (v̂ averages g² since
    t = 1, and the first steps, at loss ≈ 2, have the largest gradients), so their steps
    shrink to ~2% of lr; the reset at the last grid update (step 45) drops that history.
    """

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        check_params(params)
        self.lr = check_real(lr, "lr", minimum=0.0)
        self.beta1 = check_real(beta1, "beta1", minimum=0.0, maximum=1.0)
        self.beta2 = check_real(beta2, "beta2", minimum=0.0, maximum=1.0)
        if self.beta1 == 1.0 or self.beta2 == 1.0:
            # beta = 1 freezes the average at zero and the bias correction divides by 0.
            raise ValueError(f"beta1 and beta2 must lie in [0, 1), got {beta1}, {beta2}")
        self.eps = check_real(eps, "eps", minimum=0.0)
        self.weight_decay = check_real(weight_decay, "weight_decay", minimum=0.0)
        self.params = params
        # The moments are two flat vectors (n,), params' entries concatenated in dict order, and
        # m[key], v[key] are views of them: one update is a dozen passes over all n entries,
        # not a dozen per array (a [2, 5, 1] model has eight arrays: 55–65 → 34 µs per update).
        self.sizes = [theta.size for theta in params.values()]
        self._m, self._v = np.zeros(sum(self.sizes)), np.zeros(sum(self.sizes))
        self.m, self.v = _views(self._m, params), _views(self._v, params)
        self.t = 0
        self.t_key = {key: 0 for key in params}

    def reset(self, keys):
        """Forget the moments of the arrays ``keys``: m = v = 0, their bias correction restarts.

        For arrays whose entries were re-expressed (a grid update's refitted coefficients):
        their next update is the first of a new Adam run, the others go on unchanged.
        """
        keys = list(keys)
        unknown = [key for key in keys if key not in self.params]
        if unknown:
            raise ValueError(f"keys must be names of params {list(self.params)}, got {unknown}")
        for key in keys:
            self.m[key][...] = 0.0
            self.v[key][...] = 0.0
            self.t_key[key] = 0

    def step(self, closure):
        """Evaluate the objective once and make one Adam update.

        Parameters
        ----------
        closure : callable
            Called once, at the current params (``minikan.optim``'s contract).

        Returns
        -------
        loss : float
            The loss at the params *before* the update. If the loss or any
            gradient entry is NaN or inf, nothing is updated (params, moments
            and t stay as they were), so no non-finite value reaches the params;
            the caller sees the non-finite loss and decides what to do.
        """
        loss, grads = closure()
        loss = float(loss)
        check_grads(grads, self.params)
        g = flatten(grads, self.params)                          # (n,), in params order
        if not (np.isfinite(loss) and np.isfinite(g).all()):
            return loss
        self.t += 1
        for key in self.t_key:
            self.t_key[key] += 1
        t = list(self.t_key.values())                           # each array's t, repeated per entry:
        bias1 = np.repeat([1.0 - self.beta1 ** tk for tk in t], self.sizes)   # (n,) both -> 1 as t grows
        bias2 = np.repeat([1.0 - self.beta2 ** tk for tk in t], self.sizes)
        if self.weight_decay:
            g = g + self.weight_decay * flatten(self.params)
        m, v = self._m, self._v                                 # (n,), updated in place
        m *= self.beta1
        m += (1.0 - self.beta1) * g                             # m_t
        v *= self.beta2
        v += (1.0 - self.beta2) * (g * g)                       # v_t
        denom = np.sqrt(v / bias2)
        denom += self.eps                                       # √v̂_t + ε
        step = (self.lr / bias1) * m / denom                    # α m̂_t / (√v̂_t + ε), m̂_t = m_t/(1 − β₁ᵗ)
        for theta, d in zip(self.params.values(), _views(step, self.params).values()):
            theta -= d
        return loss


def flatten(arrays, order=None):
    """The arrays concatenated into (n,), in the key order of ``order`` (default: their own),
    as float (shared with lbfgs.py)."""
    keys = arrays if order is None else order
    return np.concatenate([np.asarray(arrays[key], dtype=float).ravel() for key in keys])


def _views(flat, params):
    """{key: the slice of flat (n,) that holds params[key], shaped like it} (views, not copies)."""
    ends = np.cumsum([theta.size for theta in params.values()])
    return {key: flat[end - theta.size:end].reshape(theta.shape)
            for (key, theta), end in zip(params.items(), ends)}


def check_params(params):
    """Raise unless params is a non-empty dict of float ndarrays (shared with lbfgs.py)."""
    if not isinstance(params, dict) or not params:
        raise TypeError("params must be a non-empty dict of float arrays, "
                        f"got {type(params).__name__}")
    for key, theta in params.items():
        if not isinstance(theta, np.ndarray) or theta.dtype.kind != "f":
            kind = getattr(theta, "dtype", type(theta).__name__)
            raise TypeError(
                f"params[{key!r}] must be a float ndarray (updated in place), got {kind}")


def check_grads(grads, params):
    """Raise unless grads is a dict with the keys of params and matching shapes."""
    if not isinstance(grads, dict):
        raise TypeError(f"closure must return (loss, grads dict), got {type(grads).__name__}")
    if grads.keys() != params.keys():
        raise ValueError(f"closure must return grads with keys {list(params)}, got {list(grads)}")
    for key, theta in params.items():
        if np.shape(grads[key]) != theta.shape:
            raise ValueError(
                f"grads[{key!r}] must have shape {theta.shape}, got {np.shape(grads[key])}")
