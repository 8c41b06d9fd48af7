"""L-BFGS: a quasi-Newton method that remembers only the last few steps.

L-BFGS keeps the last m pairs s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k and
applies the inverse-Hessian approximation they define to -g without forming a
matrix (two-loop recursion, Nocedal & Wright, *Numerical Optimization*, 2nd
ed., §7.2, Alg. 7.4). Step lengths come from the strong-Wolfe line search of
``linesearch.py`` (N&W eq. 3.7, Alg. 3.5–3.6), whose curvature condition gives
y_k^T s_k > 0; a pair with too little (possible when a search is cut short, see
CURVATURE_EPS) is skipped, so H stays positive definite.
``LBFGS.step`` follows torch.optim.LBFGS(line_search_fn="strong_wolfe"), as
pykan uses it, so that "50 L-BFGS steps" means the same work in both.

Shapes: n = number of parameter entries, the arrays of ``params`` flattened and
concatenated in dict order.
"""

from collections import deque

import numpy as np

from minikan.optim.adam import check_grads, check_params, flatten
from minikan.optim.linesearch import MAX_LS, LineSearchResult, Trial, cubic_minimizer, strong_wolfe
from minikan.validate import check_positive_int, check_real

# Kept importable from here, where they lived before the line search had its own module.
__all__ = ["LBFGS", "CURVATURE_EPS", "LineSearchResult", "Trial", "cubic_minimizer", "strong_wolfe"]

# Pairs with y^T s <= CURVATURE_EPS · y^T y carry no usable curvature and are skipped.
# The test is relative (scipy's L-BFGS-B uses machine epsilon the same way): torch's
# absolute y^T s <= 1e-10 stops accepting pairs once gradients reach ~1e-5 — exactly the
# regime of an accurate KAN fit (MSE ~1e-6 and below) — and L-BFGS then stalls.
CURVATURE_EPS = np.finfo(float).eps


class LBFGS:
    r"""L-BFGS with a strong-Wolfe line search over a dict of arrays, updated in place.

    One iteration: d = -H g by the two-loop recursion (N&W Alg. 7.4), with
    H0 = γ I, γ = s^T y / y^T y of the newest pair (N&W eq. 7.20); a strong-Wolfe
    step t along d; then the pair (s, y) = (t d, g_new - g) is stored unless
    y^T s <= CURVATURE_EPS · y^T y. The pairs persist across ``step`` calls.

    Differences from torch, none of which changes the work of a full-batch
    step: each pair is stored as soon as its step is taken (N&W Alg. 7.5;
    torch forms it at the start of the next iteration, from the next closure
    call); max_eval is a hard limit (torch may overrun it by one line search);
    non-finite trials shrink the step instead of entering the interpolation.

    Parameters
    ----------
    params : dict of str to ndarray
        The trainable float arrays, updated in place (``params[key][...] = ...``).
    lr : float
        First trial step of every line search; the optimiser's very first
        iteration, with no curvature known, tries min(1, 1/||g||_1)·lr.
    max_iter, max_eval : int
        Most iterations and closure calls per ``step``; max_eval counts the call
        at the start and defaults to max(max_iter·5//4, 2) (torch's
        max_iter·5//4, but always one call beyond the start, so a step can move).
    tolerance_grad : float
        A step stops once ||g||_inf <= tolerance_grad.
    tolerance_change : float
        A step stops once a move ||t d||_inf or the change of loss falls below it.
    history_size : int
        Number m of (s, y) pairs kept.
    c1, c2 : float
        Wolfe constants, 0 < c1 < c2 < 1.
    record : bool
        If True, append one dict per line search to ``log`` (it grows without bound).

    Attributes
    ----------
    history : deque of (s (n,), y (n,), rho)
        The stored pairs with rho = 1 / y^T s, oldest first.
    n_iter, n_evals : int
        Iterations and closure calls made over all steps.
    log : list of dict
        With ``record=True``, per line search: the step taken ``alpha``, ``f0``,
        ``gtd0`` (at t = 0), ``f_new``, ``gtd_new`` (at alpha), ``wolfe`` (both
        conditions hold), ``n_evals`` and ``budget`` (evaluations allowed; a
        search cut short by max_eval has sufficient decrease, maybe not ``wolfe``).
    """

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=10, c1=1e-4, c2=0.9, record=False):
        check_params(params)
        self.lr = check_real(lr, "lr", minimum=0.0)
        self.max_iter = check_positive_int(max_iter, "max_iter")
        self.max_eval = (max(max_iter * 5 // 4, 2) if max_eval is None
                         else check_positive_int(max_eval, "max_eval"))
        self.tolerance_grad = check_real(tolerance_grad, "tolerance_grad", minimum=0.0)
        self.tolerance_change = check_real(tolerance_change, "tolerance_change", minimum=0.0)
        self.c1, self.c2 = check_real(c1, "c1"), check_real(c2, "c2")
        if not 0.0 < self.c1 < self.c2 < 1.0:
            raise ValueError(f"c1 and c2 must satisfy 0 < c1 < c2 < 1, got c1={c1}, c2={c2}")
        self.params = params
        self.history = deque(maxlen=check_positive_int(history_size, "history_size"))
        self.n_iter, self.n_evals = 0, 0
        self.record, self.log = record, []

    def step(self, closure):
        """Run up to max_iter iterations with at most max_eval closure calls.

        Parameters
        ----------
        closure : callable
            Called at every trial point the line search sets the params to, at most
            ``max_eval`` times (``minikan.optim``'s contract).

        Returns
        -------
        loss : float
            The loss at the start of the step, before any update (as torch).
            Params then hold the last accepted point: finite, with a loss no
            higher than at the start. A non-finite start leaves them untouched.
        """
        f, g = self._evaluate(closure)
        loss0, evals = f, 1
        if not (np.isfinite(f) and np.isfinite(g).all()):
            return loss0
        for _ in range(self.max_iter):
            if np.max(np.abs(g)) <= self.tolerance_grad:
                break
            d = self._direction(g)                              # (n,)
            gtd = float(g @ d)
            if gtd > -self.tolerance_change:                    # no longer a descent direction
                break
            # With no curvature known yet, d = -g has no natural scale: the first
            # trial moves at most lr in l1 length. Afterwards t = 1 is the Newton step.
            first = self.n_iter == 0
            t = self.lr * (min(1.0, 1.0 / np.sum(np.abs(g))) if first else 1.0)
            self.n_iter += 1
            start = Trial(0.0, f, g, gtd)
            result = self._line_search(closure, start, d, t, self.max_eval - evals)
            new = result.trial
            evals += result.n_evals
            self._remember(new.t * d, new.g - g)
            f_prev, f, g = f, new.f, new.g
            if (evals >= self.max_eval or np.max(np.abs(new.t * d)) <= self.tolerance_change
                    or abs(f - f_prev) < self.tolerance_change):
                break
        return loss0

    def _direction(self, g):
        """d = -H g by the two-loop recursion over the stored pairs [N&W Alg. 7.4]."""
        q = -g                                                  # (n,)
        alphas = []
        for s, y, rho in reversed(self.history):                # newest pair first
            alphas.append(rho * (s @ q))
            q -= alphas[-1] * y
        if self.history:
            s, y, _ = self.history[-1]
            q *= (s @ y) / (y @ y)       # H0 = γ I: the newest pair's curvature sets the scale
        for (s, y, rho), alpha in zip(self.history, reversed(alphas)):   # oldest first
            q += (alpha - rho * (y @ q)) * s
        return q

    def _remember(self, s, y):
        """Store the pair (s, y) if it has positive curvature y^T s > CURVATURE_EPS · y^T y."""
        ys = float(y @ s)
        if ys > CURVATURE_EPS * float(y @ y):
            self.history.append((s, y, 1.0 / ys))   # deque drops the oldest beyond history_size

    def _line_search(self, closure, start, d, t, budget):
        """Strong-Wolfe search from the current params along d; leaves params at the result."""
        x0 = flatten(self.params)                              # (n,), a copy

        def phi(step):
            _write_flat(self.params, x0 + step * d)
            f, g = self._evaluate(closure)
            # A non-finite g would make g @ d warn; the line search only needs to know it is bad.
            return f, g, float(g @ d) if np.isfinite(g).all() else np.nan

        t_tol = self.tolerance_change / np.max(np.abs(d))      # bracket width in t for that move
        budget = min(MAX_LS, budget)
        result = strong_wolfe(phi, t, start, self.c1, self.c2, budget, t_tol)
        _write_flat(self.params, x0 + result.trial.t * d)       # the last trial may not be it
        if self.record:
            new = result.trial
            self.log.append({"alpha": new.t, "f0": start.f, "gtd0": start.gtd,
                             "f_new": new.f, "gtd_new": new.gtd, "wolfe": result.wolfe,
                             "n_evals": result.n_evals, "budget": budget})
        return result

    def _evaluate(self, closure):
        """Call the closure once; return the loss as a float and the gradient as (n,)."""
        loss, grads = closure()
        self.n_evals += 1
        check_grads(grads, self.params)
        return float(loss), flatten(grads, order=self.params)


def _write_flat(params, x):
    """Write the flat vector x (n,) back into the arrays of params, in place."""
    offset = 0
    for theta in params.values():
        theta[...] = x[offset:offset + theta.size].reshape(theta.shape)
        offset += theta.size
