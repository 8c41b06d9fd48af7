"""The symbolic library: the functions an edge can be snapped to, each with f, f' and sympy form.

After training, KAN arXiv:2404.19756 §2.5.1 (step 3, "symbolification") replaces an edge's
spline φ(x) by a·f(b·x + c) + d with f taken from a small library of primitives. Each
primitive here carries what the rest of minikan needs from it:

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


class _LazySympy:
    """Stands for the sympy module and imports it on first use.

    Only the formula side (``Primitive.sympy``) needs sympy, and it takes ~0.3 s to import;
    a symbolic edge's forward and backward need NumPy only. So the built-in sympy forms
    below are written ``lambda u: sp.exp(u)``, which reads ``sp.exp`` when called.
    """

    def __getattr__(self, name):
        import sympy

        return getattr(sympy, name)


sp = _LazySympy()

# Distance kept from a domain's edge or singularity. It bounds what the library can return
# (|1/x| ≤ 1e4, 1/x² ≤ 1e8, log ≥ −9.2, |tan| ≤ 1e4) so fits and gradients stay finite in
# float64, while 1e-4 is far below the scale on which an edge's input is read (a KAN grid
# interval is ~0.1–1), so inputs inside the domain are never moved by it.
DOMAIN_EPS = 1e-4

# exp overflows float64 just above 709.78; clamping its argument at 700 (exp ≈ 1e304) keeps
# exp and a·exp finite for any reasonable a, so a runaway b·x + c cannot produce inf or NaN.
EXP_MAX_ARG = 700.0


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


def _make(name, f_raw, df_raw, sympy, complexity, domain=None, parity=0, period=None,
          antiperiod=None, inner_fixed=False):
    domain = _as_domain(domain)
    f, df = _with_clamp(f_raw, df_raw, domain)
    return Primitive(name, f, df, sympy, complexity, domain, parity, period, antiperiod,
                     inner_fixed)


_POSITIVE = Domain(lo=0.0)                       # sqrt, x^1.5, 1/sqrt(x), log
_NONZERO = Domain(pole=0.0)                      # 1/x, 1/x^2
_UNIT = Domain(lo=-1.0, hi=1.0)                  # arcsin, arctanh
_TAN = Domain(pole=np.pi / 2, period=np.pi)      # tan: poles at π/2 + nπ
_EXP = Domain(hi=EXP_MAX_ARG)                    # exp: overflow, see EXP_MAX_ARG
EVEN, ODD = 1, -1
_2PI = 2 * np.pi

# LIBRARY is the process's one registry of functions: a symbolic edge stores only a name and
# looks it up here at every use, so ``add_primitive`` defines a name for this process alone
# (README, "The function library is one registry per process").
# Complexity, pykan-like, on a 0–3 scale (the scoring rule in fit.py relies on the top being
# 3: any primitive fitting with R² > 0.9999 then outranks the zero function):
#   0  the zero function;
#   1  the identity x;
#   2  one familiar operation: x², 1/x, sqrt, exp, log, |x|, sin, cos, and the two bounded
#      squashing functions tanh and arctan;
#   3  a composition of two such steps (x³ = x·x², x^1.5 = x·√x, 1/x², 1/√x, exp(−x²),
#      tan = sin/cos), higher powers (x⁴, x⁵; pykan also stops at 3), or a function with a
#      jump or a bounded domain (sgn, arcsin, arctanh).
# Derivatives at kinks: |x|' = sign(x) (0 at 0, the mid subgradient); sgn' = 0 everywhere
# (the jump's delta has no finite value, so gradients never move sgn's argument).
LIBRARY = {}
for _p in [
    _make("x", lambda z: z, np.ones_like, lambda u: u, 1, parity=ODD, inner_fixed=True),
    _make("x^2", lambda z: z**2, lambda z: 2 * z, lambda u: u**2, 2, parity=EVEN),
    _make("x^3", lambda z: z**3, lambda z: 3 * z**2, lambda u: u**3, 3, parity=ODD),
    _make("x^4", lambda z: z**4, lambda z: 4 * z**3, lambda u: u**4, 3, parity=EVEN),
    _make("x^5", lambda z: z**5, lambda z: 5 * z**4, lambda u: u**5, 3, parity=ODD),
    _make("1/x", lambda z: 1 / z, lambda z: -1 / z**2, lambda u: 1 / u, 2, _NONZERO, ODD),
    _make("1/x^2", lambda z: z**-2, lambda z: -2 * z**-3, lambda u: u**-2, 3, _NONZERO, EVEN),
    _make("sqrt", np.sqrt, lambda z: 0.5 / np.sqrt(z), lambda u: sp.sqrt(u), 2, _POSITIVE),
    _make("x^1.5", lambda z: z**1.5, lambda z: 1.5 * np.sqrt(z),
          lambda u: u ** sp.Rational(3, 2), 3, _POSITIVE),
    _make("1/sqrt(x)", lambda z: z**-0.5, lambda z: -0.5 * z**-1.5,
          lambda u: 1 / sp.sqrt(u), 3, _POSITIVE),
    _make("exp", np.exp, np.exp, lambda u: sp.exp(u), 2, _EXP),
    _make("log", np.log, lambda z: 1 / z, lambda u: sp.log(u), 2, _POSITIVE),
    _make("abs", np.abs, np.sign, lambda u: sp.Abs(u), 2, parity=EVEN),
    _make("sin", np.sin, np.cos, lambda u: sp.sin(u), 2, parity=ODD, period=_2PI, antiperiod=np.pi),
    _make("cos", np.cos, lambda z: -np.sin(z), lambda u: sp.cos(u), 2, parity=EVEN, period=_2PI,
          antiperiod=np.pi),
    _make("tan", np.tan, lambda z: 1 / np.cos(z) ** 2, lambda u: sp.tan(u), 3, _TAN, ODD, np.pi),
    _make("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2, lambda u: sp.tanh(u), 2, parity=ODD),
    _make("sgn", np.sign, np.zeros_like, lambda u: sp.sign(u), 3, parity=ODD),
    _make("arcsin", np.arcsin, lambda z: 1 / np.sqrt(1 - z**2), lambda u: sp.asin(u), 3, _UNIT, ODD),
    _make("arctan", np.arctan, lambda z: 1 / (1 + z**2), lambda u: sp.atan(u), 2, parity=ODD),
    _make("arctanh", np.arctanh, lambda z: 1 / (1 - z**2), lambda u: sp.atanh(u), 3, _UNIT, ODD),
    _make("gaussian", lambda z: np.exp(-z**2), lambda z: -2 * z * np.exp(-z**2),
          lambda u: sp.exp(-u**2), 3, parity=EVEN),
    _make("0", np.zeros_like, np.zeros_like, lambda u: sp.Integer(0), 0, parity=EVEN,
          inner_fixed=True),
]:
    LIBRARY[_p.name] = _p

# ------------------------------------------------------------------ added for formula discovery
# Functions of physics formulas (Feynman equations, KAN arXiv:2404.19756 Table 2) that no
# affine map of the ones above gives: cosh and sinh (catenaries, relativistic rapidities,
# (e^z ± e^−z)/2). Complexity 3, a composition of two steps, so that where a familiar function
# fits as well (sinh(b·x) → x, cosh(b·x) → x² as b → 0; cosh(b·x + c) → e^{b·x+c}/2 as c → ∞),
# the familiar one ranks first. Their arguments are clamped like exp's (EXP_MAX_ARG).
# Already covered, through a·f(b·x + c) + d: a log or sqrt of a shifted argument (c), 1/x and
# 1/x² (poles clamped), x⁴, exp(−x²) ("gaussian"); arccos = π/2 − arcsin and the logistic
# 1/(1 + e^−z) = (1 + tanh(z/2))/2 are affine images of arcsin and tanh, so adding them
# would only duplicate fits.
_HYPERBOLIC = Domain(lo=-EXP_MAX_ARG, hi=EXP_MAX_ARG)
for _p in [
    _make("cosh", np.cosh, np.sinh, lambda u: sp.cosh(u), 3, _HYPERBOLIC, EVEN),
    _make("sinh", np.sinh, np.cosh, lambda u: sp.sinh(u), 3, _HYPERBOLIC, ODD),
]:
    LIBRARY[_p.name] = _p


def add_primitive(name, f, df, sympy, complexity, domain=None, *, parity=0, period=None,
                  antiperiod=None, overwrite=False):
    """Add a user function to ``LIBRARY`` (at the end of the library order) and return it.

    Parameters
    ----------
    name : str
        New library key; must be unused unless ``overwrite=True`` (which keeps its position).
    f, df : callable
        Elementwise NumPy function and its derivative, valid inside ``domain``; they are
        wrapped so that inputs are clamped into the domain first (see ``Domain``).
    sympy : callable
        sympy expression u → sympy expression f(u).
    complexity : int
        Readability cost ≥ 0 (0–3 for the built-ins).
    domain : None, (lo, hi) or Domain
        Where f is defined; a pair means the open interval (lo, hi).
    parity : {0, 1, -1}
        +1 even, −1 odd, 0 neither (used only to report b ≥ 0).
    period : float or None
        Period of f, if any (used only to report c in [−period/2, period/2)).
    antiperiod : float or None
        Shift that flips f's sign, if any (used only to report a ≥ 0).
    overwrite : bool
        Allow replacing an existing primitive of the same name.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty string, got {name!r}")
    if name in LIBRARY and not overwrite:
        raise ValueError(f"primitive {name!r} is already in the library; "
                         f"pass overwrite=True to replace it")
    for arg, value in (("f", f), ("df", df), ("sympy", sympy)):
        if not callable(value):
            raise TypeError(f"{arg} must be callable, got {type(value).__name__}")
    if isinstance(complexity, bool) or not isinstance(complexity, (int, np.integer)) \
            or complexity < 0:
        raise ValueError(f"complexity must be an integer ≥ 0, got {complexity!r}")
    if parity not in (0, EVEN, ODD):
        raise ValueError(f"parity must be 0, 1 (even) or -1 (odd), got {parity!r}")
    for arg, value in (("period", period), ("antiperiod", antiperiod)):
        if value is not None and not (np.isfinite(value) and value > 0):
            raise ValueError(f"{arg} must be None or a positive number, got {value!r}")
    prim = _make(name, f, df, sympy, int(complexity), domain, parity, period, antiperiod)
    LIBRARY[name] = prim
    return prim


def get_library(names=None):
    """The primitives called ``names`` (all if None), as a dict in library order.

    Library order, not the order of ``names``, is kept so that rankings (which break ties by
    library order) do not depend on how the names were listed.
    """
    if names is None:
        return dict(LIBRARY)
    if isinstance(names, str):
        names = [names]
    names = list(names)
    unknown = [n for n in names if n not in LIBRARY]
    if unknown:
        raise ValueError(f"unknown primitive name(s) {unknown}; "
                         f"the library has {list(LIBRARY)}")
    wanted = set(names)
    return {n: p for n, p in LIBRARY.items() if n in wanted}
