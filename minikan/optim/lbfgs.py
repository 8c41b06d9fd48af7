"""L-BFGS: a quasi-Newton method that remembers only the last few steps.

L-BFGS keeps the last m pairs s_k = x_{k+1} - x_k, y_k = g_{k+1} - g_k and
applies the inverse-Hessian approximation they define to -g without forming a
matrix (two-loop recursion, Nocedal & Wright, *Numerical Optimization*, 2nd
ed., Alg. 7.4). Each step length satisfies the strong Wolfe conditions (N&W
eq. 3.7, Alg. 3.5-3.6), which guarantee y_k^T s_k > 0: H stays positive definite.
``LBFGS.step`` follows torch.optim.LBFGS(line_search_fn="strong_wolfe"), as
pykan uses it, so that "50 L-BFGS steps" means the same work in both.

Shapes: n = number of parameter entries, the arrays of ``params`` flattened and
concatenated in dict order.
"""

from collections import deque
from typing import NamedTuple

import numpy as np

from minikan.optim.adam import check_grads, check_params
from minikan.validate import check_positive_int, check_real

# Pairs with y^T s <= CURVATURE_EPS · y^T y carry no usable curvature and are skipped.
# The test is relative (scipy's L-BFGS-B uses machine epsilon the same way): torch's
# absolute y^T s <= 1e-10 stops accepting pairs once gradients reach ~1e-5 — exactly the
# regime of an accurate KAN fit (MSE ~1e-6 and below) — and L-BFGS then stalls.
CURVATURE_EPS = np.finfo(float).eps
MAX_LS = 25              # most evaluations one line search may spend (torch's max_ls)
EXTRAPOLATE = (0.01, 10.0)  # next bracketing trial in [t + 0.01 (t - t_prev), 10 t]
ZOOM_MARGIN = 0.1        # zoom trials stay this fraction of the bracket from its ends
NONFINITE_SHRINK = 0.5   # a non-finite trial is pulled halfway back to the last finite one


class Trial(NamedTuple):
    """One evaluated point x0 + t·d: loss f, gradient g (n,), slope gtd = g^T d."""
    t: float
    f: float
    g: np.ndarray
    gtd: float


class LineSearchResult(NamedTuple):
    """The chosen trial, the evaluations spent, whether strong Wolfe holds there."""
    trial: Trial
    n_evals: int
    wolfe: bool


def cubic_minimizer(a, b, lo, hi):
    r"""Minimiser of the cubic matching f and f' at trials a and b, clipped to [lo, hi].

    .. math::
        d_1 = \phi'(a) + \phi'(b) - 3 \frac{\phi(a) - \phi(b)}{a - b}, \quad
        d_2 = \operatorname{sign}(b - a) \sqrt{d_1^2 - \phi'(a)\phi'(b)}
        t = b - (b - a) \frac{\phi'(b) + d_2 - d_1}{\phi'(b) - \phi'(a) + 2 d_2}
                                                            [N&W eq. 3.59]

    Where the cubic has no local minimiser (negative root argument) or the
    formula breaks down (a = b, zero denominator), returns the midpoint of [lo, hi].
    """
    mid = 0.5 * (lo + hi)
    if a.t == b.t:
        return mid
    d1 = a.gtd + b.gtd - 3.0 * (a.f - b.f) / (a.t - b.t)
    root_arg = d1 * d1 - a.gtd * b.gtd
    if not root_arg >= 0.0:          # also catches NaN from overflowing products
        return mid
    d2 = np.copysign(np.sqrt(root_arg), b.t - a.t)
    denom = b.gtd - a.gtd + 2.0 * d2
    if denom == 0.0 or not np.isfinite(denom):
        return mid
    t = b.t - (b.t - a.t) * (b.gtd + d2 - d1) / denom
    return float(min(max(t, lo), hi))


class _Line:
    """phi(t) = (f, g, g^T d) at x0 + t·d, under a budget of evaluations."""

    def __init__(self, phi, budget):
        self.phi, self.budget, self.n_evals = phi, budget, 0
        self.t_bad = np.inf          # smallest step seen to give a NaN or inf

    def trial(self, t, t_ok):
        """Evaluate at t, moving t toward the finite step t_ok while the result
        is non-finite; None once the budget is spent."""
        while self.n_evals < self.budget:
            f, g, gtd = self.phi(t)
            self.n_evals += 1
            if np.isfinite(f) and np.isfinite(gtd) and np.isfinite(g).all():
                return Trial(float(t), float(f), g, float(gtd))
            self.t_bad = min(self.t_bad, t)
            t = t_ok + NONFINITE_SHRINK * (t - t_ok)
        return None


def strong_wolfe(phi, t, start, c1=1e-4, c2=0.9, max_evals=MAX_LS, t_tol=0.0):
    r"""Step length along a descent direction satisfying the strong Wolfe conditions.

    .. math::
        f(x_0 + t d) \le f_0 + c_1 t\, g_0^T d          (sufficient decrease)
        |g(x_0 + t d)^T d| \le c_2 |g_0^T d|            (curvature)  [N&W eq. 3.7]

    Bracketing (N&W Alg. 3.5): grow t by cubic extrapolation until a trial
    fails sufficient decrease, stops decreasing or has g^T d >= 0; Wolfe steps
    then lie in a bracket, which ``_zoom`` shrinks (N&W Alg. 3.6).

    Parameters
    ----------
    phi : callable
        ``phi(t) -> (f, g (n,), gtd)`` at x0 + t·d.
    t : float
        First trial step, > 0; ``start`` is the Trial at t = 0, start.gtd < 0.
    c1, c2 : float
        Wolfe constants, 0 < c1 < c2 < 1.
    max_evals : int
        Most calls of phi. A NaN or inf result spends one and pulls the trial
        halfway back toward the last finite step.
    t_tol : float
        Stop zooming once the bracket is narrower than this.

    Returns
    -------
    LineSearchResult
        If the budget or t_tol ends the search before a Wolfe step is found
        (``wolfe`` False), the trial is the finite point of lowest f with
        sufficient decrease, possibly ``start`` itself.
    """
    line = _Line(phi, max_evals)
    prev, new = start, line.trial(t, 0.0)
    while new is not None:
        # new.f >= prev.f also covers N&W's "phi(t_i) >= phi(t_{i-1}), i > 1":
        # for i = 1, prev is start and sufficient decrease already fails.
        if new.f > start.f + c1 * new.t * start.gtd or new.f >= prev.f:
            return _zoom(line, start, prev, new, c1, c2, t_tol)
        if abs(new.gtd) <= -c2 * start.gtd:
            return LineSearchResult(new, line.n_evals, True)
        if new.gtd >= 0.0:       # phi turned upward: a minimiser lies back toward prev
            return _zoom(line, start, new, prev, c1, c2, t_tol)
        # Still steep and descending: extrapolate, short of any step known to be non-finite.
        hi = min(EXTRAPOLATE[1] * new.t, 0.5 * (new.t + line.t_bad))
        lo = min(new.t + EXTRAPOLATE[0] * (new.t - prev.t), hi)
        prev, new = new, line.trial(cubic_minimizer(prev, new, lo, hi), new.t)
    return LineSearchResult(prev, line.n_evals, False)


def _zoom(line, start, lo, hi, c1, c2, t_tol):
    """Shrink the bracket between trials lo and hi until a strong-Wolfe step (N&W Alg. 3.6).

    Invariants: lo has sufficient decrease and the lowest f of such trials, and
    lo.gtd · (hi.t - lo.t) < 0, so f decreases from lo toward hi.
    """
    while abs(hi.t - lo.t) > t_tol:
        left, right = min(lo.t, hi.t), max(lo.t, hi.t)
        margin = ZOOM_MARGIN * (right - left)    # guarantees the bracket shrinks each time
        new = line.trial(cubic_minimizer(lo, hi, left + margin, right - margin), lo.t)
        if new is None:
            break
        if new.f > start.f + c1 * new.t * start.gtd or new.f >= lo.f:
            hi = new
            continue
        if abs(new.gtd) <= -c2 * start.gtd:
            return LineSearchResult(new, line.n_evals, True)
        if new.gtd * (hi.t - lo.t) >= 0.0:       # new's slope points away from hi: flip
            hi = lo
        lo = new
    return LineSearchResult(lo, line.n_evals, False)


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
            ``closure() -> (loss, grads)`` at the current params; ``grads`` has
            the keys and shapes of ``params``.

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
        x0 = _flatten(self.params)                              # (n,), a copy

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
        return float(loss), _flatten(grads, order=self.params)


def _flatten(arrays, order=None):
    """Concatenate the arrays, in the key order of ``order`` (default: their own), into (n,)."""
    keys = arrays if order is None else order
    return np.concatenate([np.asarray(arrays[key], dtype=float).ravel() for key in keys])


def _write_flat(params, x):
    """Write the flat vector x (n,) back into the arrays of params, in place."""
    offset = 0
    for theta in params.values():
        theta[...] = x[offset:offset + theta.size].reshape(theta.shape)
        offset += theta.size
