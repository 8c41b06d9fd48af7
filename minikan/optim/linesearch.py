"""The strong-Wolfe line search: a step length with sufficient decrease and small slope.

Along a descent direction d from x0, write φ(t) = f(x0 + t·d), so φ'(t) = g(x0 + t·d)ᵀd.
A step t is accepted when both strong Wolfe conditions hold (Nocedal & Wright, *Numerical
Optimization*, 2nd ed., §3.1, eq. 3.7a–b):

    φ(t) ≤ φ(0) + c1·t·φ'(0)          sufficient decrease: the step is not too long
    |φ'(t)| ≤ c2·|φ'(0)|              curvature: the slope has flattened, not too short

Found in two stages (N&W §3.5): ``strong_wolfe`` grows t until an interval is known to hold
such steps (Alg. 3.5, the bracketing phase), then ``_zoom`` shrinks that interval (Alg. 3.6);
each new trial is the minimiser of the cubic through the two trials at hand (eq. 3.59).
For L-BFGS the curvature condition matters: it guarantees yᵀs > 0, so the inverse-Hessian
approximation stays positive definite (N&W §6.1).

Shapes: n = number of parameter entries; t, f and gtd are scalars.
"""

from typing import NamedTuple

import numpy as np

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
                                                            [N&W §3.5, eq. 3.59]

    Parameters
    ----------
    a, b : Trial
        Two evaluated steps (their t, f = φ(t) and gtd = φ'(t) are used).
    lo, hi : float
        The interval the next trial must lie in.

    Returns
    -------
    float
        The cubic's local minimiser, clipped to [lo, hi]. Where the cubic has no local
        minimiser (negative root argument) or the formula breaks down (a = b, zero
        denominator), the midpoint of [lo, hi].
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


