"""What a symbolic primitive is: a function f with f', its sympy form and its domain clamp.

After training, KAN arXiv:2404.19756 §2.5.1 (item 4, "Symbolification") replaces an edge's
spline φ(x) by a·f(b·x + c) + d (the paper writes c·f(a·x + b) + d; these names are pykan's
code's) with f taken from a small library of primitives
(``library.py`` holds the table). Each ``Primitive`` carries what the rest of minikan needs:

- ``f`` and ``df``: NumPy, elementwise, on arrays of any shape (a symbolic edge's forward and
  backward, and the affine fit's Jacobian);
- ``sympy``: the same function of a sympy expression (the formula composer);
- ``complexity``: how hard the function is to read, used to prefer simple formulas;
- ``domain``: where f is defined, and how inputs outside it are moved in.

Domains. log, sqrt, 1/x, tan, arcsin, ... are undefined or infinite somewhere, yet a fit or
a training step may send b·x + c there. Rather than patching NaN afterwards, every input is
first *clamped* into the domain by ``DOMAIN_EPS`` (log(max(z, eps)); 1/x keeps its sign with
|z| ≥ eps; arcsin clips to ±(1 − eps); tan stays eps away from π/2 + nπ), so f is finite
everywhere. ``df`` is the derivative of that clamped function: f'(z) inside, 0 where the
clamp is active (the clamped function is flat there). ``clamp_count`` says how many inputs
were moved, so a fit can report how much of the data sat outside the domain.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

# Distance kept from a domain's edge or singularity. It bounds what the library can return
# (|1/x| ≤ 1e4, 1/x² ≤ 1e8, log ≥ −9.2, |tan| ≤ 1e4) so fits and gradients stay finite in
# float64, while 1e-4 is far below the scale on which an edge's input is read (a KAN grid
# interval is ~0.1–1), so inputs inside the domain are never moved by it.
DOMAIN_EPS = 1e-4

# Values of ``Primitive.parity``: f(−u) = f(u) (even) or f(−u) = −f(u) (odd); 0 for neither.
EVEN, ODD = 1, -1


@dataclass(frozen=True)
class Domain:
    """Where a primitive is evaluated, and the rule that moves other inputs into it.

    Two kinds of restriction, which may be combined:

    - an open interval (lo, hi): inputs are clipped into [lo + eps, hi − eps];
    - poles at ``pole + n·period`` (one pole at ``pole`` when ``period`` is None): an input
      closer than eps to a pole is pushed to distance eps on its own side (sign-preserving;
      an input exactly on the pole goes to the + side).

    Parameters
    ----------
    lo, hi : float
        Open interval bounds; ±inf for none.
    pole : float or None
        Location of a singularity, e.g. 0 for 1/x, π/2 for tan.
    period : float or None
        Spacing of repeated poles, e.g. π for tan.
    eps : float
        Distance kept from the interval's ends and from the poles.
    """

    lo: float = -np.inf
    hi: float = np.inf
    pole: float | None = None
    period: float | None = None
    eps: float = DOMAIN_EPS

    def __post_init__(self):
        if not self.lo + 2 * self.eps < self.hi:
            raise ValueError(f"domain (lo, hi) must leave room inside after the eps margin, "
                             f"got lo={self.lo}, hi={self.hi}, eps={self.eps}")

    def clamp(self, z):
        """Move every input into the domain; inputs already inside are returned unchanged."""
        z = np.clip(np.asarray(z, dtype=float), self.lo + self.eps, self.hi - self.eps)
        if self.pole is None:
            return z
        offset = z - self.pole                                    # signed distance to the pole
        if self.period is not None:
            # Distance to the *nearest* pole: fold the offset into [-period/2, period/2).
            offset = (offset + self.period / 2) % self.period - self.period / 2
        side = np.where(offset < 0, -1.0, 1.0)
        return np.where(np.abs(offset) < self.eps, (z - offset) + side * self.eps, z)


@dataclass(frozen=True)
class Primitive:
    """One library function f, usable as a symbolic edge a·f(b·x + c) + d.

    Attributes
    ----------
    name : str
        Library key, e.g. ``"sin"``.
    f, df : callable
        Elementwise NumPy function and its derivative, on any array shape. Both already
        include the domain clamp: f(z) = f_raw(clamp(z)); df(z) = f_raw'(z) where the clamp
        leaves z unchanged and 0 where it moves z.
    sympy : callable
        Maps a sympy expression u to the sympy expression f(u) (no clamp: the formula is the
        mathematical function).
    complexity : int
        Readability cost, ≥ 0 (table in ``LIBRARY``'s comments); lower is simpler.
    domain : Domain or None
        Where f is defined; None means all reals.
    parity : int
        +1 if f is even, −1 if odd, 0 otherwise. Lets a fit choose b ≥ 0 without changing
        the curve: a·f(−u) = a·f(u) (even) or −a·f(u) (odd).
    period : float or None
        f(u + period) = f(u), so the shift c can be reported in [−period/2, period/2).
    antiperiod : float or None
        f(u + antiperiod) = −f(u) (π for sin and cos), so a fit can report a ≥ 0.
    inner_fixed : bool
        True when a·f(b·x + c) + d describes no more curves than a·f(x) + d (x: a line;
        0: a constant), so b = 1 and c = 0 are fixed rather than fitted.
    """

    name: str
    f: Callable = field(repr=False)
    df: Callable = field(repr=False)
    sympy: Callable = field(repr=False)
    complexity: int
    domain: Domain | None = None
    parity: int = 0
    period: float | None = None
    antiperiod: float | None = None
    inner_fixed: bool = False

    def clamp_count(self, z):
        """How many entries of z lie outside the domain, i.e. are moved by the clamp."""
        z = np.asarray(z, dtype=float)
        if self.domain is None:
            return 0
        return int(np.count_nonzero(self.domain.clamp(z) != z))


def _with_clamp(f_raw, df_raw, domain):
    """Wrap raw f, f' so they clamp first; f' is 0 where the clamp moved the input."""
    def f(z):
        z = np.asarray(z, dtype=float)
        return f_raw(z if domain is None else domain.clamp(z))

    def df(z):
        z = np.asarray(z, dtype=float)
        if domain is None:
            return df_raw(z)
        zc = domain.clamp(z)
        # Evaluate f' only at clamped points (never at a pole), then zero the flat part.
        return np.where(zc == z, df_raw(zc), 0.0)

    return f, df


def _as_domain(domain):
    if domain is None or isinstance(domain, Domain):
        return domain
    try:
        lo, hi = (float(v) for v in domain)
    except (TypeError, ValueError):
        raise TypeError(f"domain must be None, a Domain or a (lo, hi) pair, got {domain!r}") from None
    return Domain(lo=lo, hi=hi)


def make_primitive(name, f_raw, df_raw, sympy, complexity, domain=None, parity=0, period=None,
                   antiperiod=None, inner_fixed=False):
    """A ``Primitive`` from raw f and f' (valid inside ``domain``), wrapped to clamp first.

    ``domain`` is None, a ``Domain`` or a (lo, hi) pair (the open interval); the other
    arguments are the ``Primitive`` attributes of the same names.
    """
    domain = _as_domain(domain)
    f, df = _with_clamp(f_raw, df_raw, domain)
    return Primitive(name, f, df, sympy, complexity, domain, parity, period, antiperiod,
                     inner_fixed)
