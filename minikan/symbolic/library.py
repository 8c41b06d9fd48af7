"""The symbolic library: the table of primitives an edge can be snapped to, and its registry.

KAN arXiv:2404.19756 §2.5.1 (item 4, "Symbolification") replaces an edge's spline by a·f(b·x + c) + d with f
from a small library; what one such f is (f, f', sympy form, complexity, domain clamp) is
``primitive.py``. Here are the built-in functions, with the complexity scale that ranks
them, and the registry ``LIBRARY`` that ``add_primitive`` extends and ``get_library`` reads.
"""
import numpy as np

from minikan.symbolic.primitive import DOMAIN_EPS, EVEN, ODD, Domain, Primitive, make_primitive

__all__ = ["DOMAIN_EPS", "EXP_MAX_ARG", "EVEN", "ODD", "Domain", "Primitive", "LIBRARY",
           "add_primitive", "get_library"]


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

# exp overflows float64 just above 709.78; clamping its argument at 700 (exp ≈ 1e304) keeps
# exp and a·exp finite for any reasonable a, so a runaway b·x + c cannot produce inf or NaN.
EXP_MAX_ARG = 700.0

_POSITIVE = Domain(lo=0.0)                       # sqrt, x^1.5, 1/sqrt(x), log
_NONZERO = Domain(pole=0.0)                      # 1/x, 1/x^2
_UNIT = Domain(lo=-1.0, hi=1.0)                  # arcsin, arctanh
_TAN = Domain(pole=np.pi / 2, period=np.pi)      # tan: poles at π/2 + nπ
_EXP = Domain(hi=EXP_MAX_ARG)                    # exp: overflow, see EXP_MAX_ARG
_2PI = 2 * np.pi

# LIBRARY is the process's one registry of functions: a symbolic edge stores only a name and
# looks it up here at every use, so ``add_primitive`` defines a name for this process alone
# (README, "The function library is one registry per process").
# Complexity, pykan-like, on a 0–3 scale (the scoring rule, ``ranking.score``, relies on the
# top being 3: any primitive fitting with R² > 0.9999 then outranks the zero function):
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
    make_primitive("x", lambda z: z, np.ones_like, lambda u: u, 1, parity=ODD, inner_fixed=True),
    make_primitive("x^2", lambda z: z**2, lambda z: 2 * z, lambda u: u**2, 2, parity=EVEN),
    make_primitive("x^3", lambda z: z**3, lambda z: 3 * z**2, lambda u: u**3, 3, parity=ODD),
    make_primitive("x^4", lambda z: z**4, lambda z: 4 * z**3, lambda u: u**4, 3, parity=EVEN),
    make_primitive("x^5", lambda z: z**5, lambda z: 5 * z**4, lambda u: u**5, 3, parity=ODD),
    make_primitive("1/x", lambda z: 1 / z, lambda z: -1 / z**2, lambda u: 1 / u, 2, _NONZERO, ODD),
    make_primitive("1/x^2", lambda z: z**-2, lambda z: -2 * z**-3, lambda u: u**-2, 3, _NONZERO, EVEN),
    make_primitive("sqrt", np.sqrt, lambda z: 0.5 / np.sqrt(z), lambda u: sp.sqrt(u), 2, _POSITIVE),
    make_primitive("x^1.5", lambda z: z**1.5, lambda z: 1.5 * np.sqrt(z),
          lambda u: u ** sp.Rational(3, 2), 3, _POSITIVE),
    make_primitive("1/sqrt(x)", lambda z: z**-0.5, lambda z: -0.5 * z**-1.5,
          lambda u: 1 / sp.sqrt(u), 3, _POSITIVE),
    make_primitive("exp", np.exp, np.exp, lambda u: sp.exp(u), 2, _EXP),
    make_primitive("log", np.log, lambda z: 1 / z, lambda u: sp.log(u), 2, _POSITIVE),
    make_primitive("abs", np.abs, np.sign, lambda u: sp.Abs(u), 2, parity=EVEN),
    make_primitive("sin", np.sin, np.cos, lambda u: sp.sin(u), 2, parity=ODD, period=_2PI, antiperiod=np.pi),
    make_primitive("cos", np.cos, lambda z: -np.sin(z), lambda u: sp.cos(u), 2, parity=EVEN, period=_2PI,
          antiperiod=np.pi),
    make_primitive("tan", np.tan, lambda z: 1 / np.cos(z) ** 2, lambda u: sp.tan(u), 3, _TAN, ODD, np.pi),
    make_primitive("tanh", np.tanh, lambda z: 1 - np.tanh(z) ** 2, lambda u: sp.tanh(u), 2, parity=ODD),
    make_primitive("sgn", np.sign, np.zeros_like, lambda u: sp.sign(u), 3, parity=ODD),
    make_primitive("arcsin", np.arcsin, lambda z: 1 / np.sqrt(1 - z**2), lambda u: sp.asin(u), 3, _UNIT, ODD),
    make_primitive("arctan", np.arctan, lambda z: 1 / (1 + z**2), lambda u: sp.atan(u), 2, parity=ODD),
    make_primitive("arctanh", np.arctanh, lambda z: 1 / (1 - z**2), lambda u: sp.atanh(u), 3, _UNIT, ODD),
    make_primitive("gaussian", lambda z: np.exp(-z**2), lambda z: -2 * z * np.exp(-z**2),
          lambda u: sp.exp(-u**2), 3, parity=EVEN),
    make_primitive("0", np.zeros_like, np.zeros_like, lambda u: sp.Integer(0), 0, parity=EVEN,
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
    make_primitive("cosh", np.cosh, np.sinh, lambda u: sp.cosh(u), 3, _HYPERBOLIC, EVEN),
    make_primitive("sinh", np.sinh, np.cosh, lambda u: sp.sinh(u), 3, _HYPERBOLIC, ODD),
]:
    LIBRARY[_p.name] = _p

# A library for data whose formula nobody knows, the command line's default (``minikan fit
# --symbolic``): the familiar functions of each complexity, without those that mostly stand
# in for others. Measured with ``minikan fit --prune --symbolic`` and its other defaults
# (benchmarks/cli_lib.py, 9 formulas in real units with an irrelevant column, seeds 0–2;
# recovered: the right columns and test RMSE < 1e-3 σ_y): 24 of 27 with these 12, 24 with
# the whole library, 12 with the demo's 6 (x, x², x³, exp, sin, tanh: no log, sqrt or 1/x, so
# m1·m2/r², v·e^(−t/5), √(x² + y²) and 10/(1 + u) + v fail on every seed). The same 12 are
# benchmarks/discovery.py's library (16 formulas, seeds 0–4: 73 of 80 recovered).
GENERAL_LIB = ["x", "x^2", "x^3", "exp", "log", "sqrt", "sin", "tanh", "1/x", "1/sqrt(x)",
               "gaussian", "arctan"]


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
    prim = make_primitive(name, f, df, sympy, int(complexity), domain, parity, period, antiperiod)
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
