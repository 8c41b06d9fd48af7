"""What a formula's constants become: folded, rounded for display, snapped to simple values.

A KAN's formula carries one float per edge parameter (a, b, c, d of each a·f(b·x + c) + d),
and the edges' numbers are not the formula's: 3.38·(0.666·x)³ is 1.0·x³. So every function
here first multiplies out products and powers of sums (``fold_constants``), so that each
term carries one number, the one the data determined; snapping each edge's number on its
own would multiply their errors. Then ``round_constants`` rounds for display and
``snap_constants`` replaces each constant within a tolerance of a simple value (an integer,
a simple fraction, a small multiple of π). A constant factor in front of an exp is snapped
either as it is (2.0000001·exp(x²) → 2·exp(x²)) or, if that is not simple, as a shift of
the exponent (1.64872·exp(u) → exp(u + 1/2)); it is never rounded to 0 while the term
matters on the samples.
"""
from fractions import Fraction

import numpy as np
import sympy as sp

SNAP_DENOMINATORS = range(1, 13)     # p/q with q ≤ 12 counts as a "simple fraction"
SNAP_PI_MULTIPLES = (1, 2, 3, 4, 6)  # kπ/q for these q counts as "a small multiple of π"
# A snapped number can fold with others (π·(1/2)): repeat until stable. Exponents and
# negligible terms are snapped in rounds of their own before coefficients (``_structure_first``),
# so a formula needs about two rounds per level of nesting; 10 leaves room for five levels.
SNAP_ROUNDS = 10


def round_constants(expr, digits, samples=None):
    """Every float constant rounded to ``digits`` decimals (for display).

    Constants are folded first (see ``fold_constants``), so a coefficient is rounded once,
    not each of its factors: 3.3816·(0.6662·x)³ shows as 1.0·x³, not as 3.3816·(0.6662·x)³.
    Rounding can create new products that sympy folds; repeat until nothing changes.
    Exponents and constants that round to 0 go first, as in ``snap_constants``, whose
    ``samples`` keep a scale K of K·exp(u) from rounding to 0 in the same way.
    """
    for _ in range(SNAP_ROUNDS):
        expr = fold_constants(expr)
        scales = _exp_scales(expr, 0.5 * 10.0 ** -digits, samples)
        table = {f: sp.Float(round(float(f), digits)) for f in expr.atoms(sp.Float)}
        table = {f: r for f, r in table.items() if f != r and not (float(r) == 0 and f in scales)}
        if not table:
            break
        expr = expr.xreplace(_structure_first(table, expr))
    small = 0.5 * 10.0 ** -digits                     # what rounds to 0 at these digits
    return _scale_into_exponent(expr, small, lambda v: sp.Float(round(v, digits)))


def fold_constants(expr):
    """expr with products and integer powers of sums multiplied out, inside every function too.

    Math: 3.38·(0.666·x)³ → 1.0·x³;  (a·(x₁+x₂))² − (a·(x₁−x₂))² → 4a²·x₁x₂   (x₁², x₂² cancel)
    Then each monomial has one number, the one the data determined. exp(u + v) is not split
    into exp(u)·exp(v) (``power_exp=False``) and log(x·y) is not split (``log=False``): a
    function call stays one edge of the KAN. sympy itself moves a float c out of exp(u + c)
    as the factor e^c; ``snap_constants`` deals with that factor.
    """
    return sp.expand(_integer_exponents(expr), power_exp=False, log=False)


def _integer_exponents(expr):
    """expr with every float exponent that is a whole number (u**1.0, u**-2.0) made an integer.

    exp(b·(a·log u)) reaches sympy as u**(a·b), a float power, and a float power of a sum is
    never multiplied out: (4.0026·x1)**1.0 keeps its 4.0026 apart from the factor in front.
    An integral float is that integer exactly, so this changes no value, only what folds.
    """
    return expr.replace(lambda e: e.is_Pow and e.exp.is_Float and float(e.exp).is_integer(),
                        lambda e: sp.Pow(e.base, sp.Integer(int(e.exp))))


def simple_value(v, tol):
    """The simple value closest to v — integer, p/q or kπ/q — if within ``tol``, else None.

    Closest, not first: 22/7 lies within 2e-3 of π, and π is the value meant. Equal
    distances go to the simpler kind (integer, then fraction, then multiple of π).
    """
    candidates = [sp.Integer(round(v))]
    frac = Fraction(v).limit_denominator(max(SNAP_DENOMINATORS))
    candidates.append(sp.Rational(frac.numerator, frac.denominator))
    for q in SNAP_PI_MULTIPLES:
        k = round(v * q / np.pi)
        if k:
            candidates.append(sp.Rational(k, q) * sp.pi)
    best = min(candidates, key=lambda c: abs(float(c) - v))   # min keeps the first of equals
    return best if abs(float(best) - v) <= tol else None


def snap_constants(expr, tol, samples=None):
    """Replace each float within ``tol`` of a simple value by that value.

    Each round (at most SNAP_ROUNDS, until nothing changes):
    1. fold the constants (``fold_constants``), so that one number stands for each term;
       snapping the factors first would multiply their errors: 3.38158·(0.666234·x)³ is
       1.0000·x³, but 3.38158·(2/3·x)³ is 1.0019·x³;
    2. move constant factors of exp terms where they read best (``_snap_exp_factor``):
       1.0000003·exp(u) → exp(u), 1.64872·exp(u) → exp(u + 1/2); and a common scale out of
       a log's or a root's argument (``_pull_scale``): log(2.488·x + 4.976) → log(x + 2) + 0.912;
    3. snap the remaining floats (``simple_value``): exponents and floats that snap to 0
       alone if there are any (``_structure_first``), else all of them. A float smaller than
       ``tol`` snaps to 0, so terms that cancel (up to the fit's error) vanish.
    A float near no simple value stays the float it was: snapping never rounds.

    Parameters
    ----------
    expr : sympy expression with float constants.
    tol : largest distance snapped.
    samples : {symbol: (n,) array} or None. A float factor K of K·exp(u) snaps to 0 only if
        the term stays below ``tol`` on these samples (without samples: never): it is the
        scale e^c of an exponent's shift (1.4e-225·exp(257·u) = exp(257·u − 517.4)), and the
        term need not be small. Such K are shown as that shift (``_scale_into_exponent``).

    Returns
    -------
    The expression, folded (multiplied out), with the snapped values exact.
    """
    for _ in range(SNAP_ROUNDS):
        before = expr
        expr = fold_constants(expr)
        expr = expr.replace(lambda e: e.is_Mul or isinstance(e, sp.exp),
                            lambda e: _snap_exp_factor(e, tol))
        expr = expr.replace(_scalable, lambda e: _pull_scale(e, tol))
        scales = _exp_scales(expr, tol, samples)
        table = {f: s for f in expr.atoms(sp.Float) if (s := simple_value(float(f), tol)) is not None
                 and not (s == 0 and f in scales)}
        expr = expr.xreplace(_structure_first(table, expr))
        if expr == before:
            break
    return _scale_into_exponent(expr, tol, lambda v: simple_value(v, tol) or sp.Float(v))


def _scalable(e):
    """log(sum) or sum**p (p not a positive integer: those ``fold_constants`` multiplies out)
    with float coefficients: a scale may come out."""
    arg = e.args[0] if isinstance(e, sp.log) else (
        e.base if e.is_Pow and not (e.exp.is_Integer and e.exp > 0) else None)
    return arg is not None and arg.is_Add and bool(arg.atoms(sp.Float))


def _pull_scale(e, tol):
    """log(K·s) → log(s) + log K and (K·s)**p → K**p·s**p, for the K > 0 that makes s exact.

    Math: an edge a·log(b·x + c) + d leaves its scale b inside the log, where the data only
    fix log b + d (log(2.488·x1 + 2.488·x2² + 4.976) − 0.912 is log(x1 + x2² + 2)): no
    coefficient inside is simple, nor the constant outside, until b comes out; likewise
    √(0.4385·(x1² + x2² + 1)) under a factor 1.510. K is tried as each term's |coefficient|;
    it is used only if every coefficient of s = sum/K is then within ``tol`` of a simple
    value, so a sum with no common scale is left alone. A sum already simple with a term of
    coefficient ±1 stays as it is (log(x + 2)); one simple without such a term loses its
    scale too (10.0016/(6u/7 + 6/7) → 10.0016/(u + 1)). The value is unchanged.
    """
    arg = e.args[0] if isinstance(e, sp.log) else e.base
    coeffs = [float(t.as_coeff_Mul()[0]) for t in sp.Add.make_args(arg)]
    big = max(abs(c) for c in coeffs)
    coeffs = [c for c in coeffs if abs(c) >= tol * big]    # the rest is round-off, snapped to 0 later
    if all(simple_value(c, tol) is not None for c in coeffs) and any(abs(abs(c) - 1) <= tol for c in coeffs):
        return e                                            # exact with a unit term already: nothing to move
    for K in sorted({abs(c) for c in coeffs}):               # smallest first: coefficients ≥ 1
        if all(simple_value(c / K, tol) is not None for c in coeffs):
            rest = sp.expand(arg / sp.Float(K))
            if isinstance(e, sp.log):
                return sp.log(rest) + sp.Float(float(np.log(K)))
            return sp.Float(K) ** e.exp * rest ** e.exp
    return e


def _exp_scales(expr, small, samples):
    """The float factors K of the products K·…·exp(u) in expr that must not become 0.

    Such a K is the scale e^c of an exponent's shift c that sympy moved out of exp(u + c)
    (1.4e-225·exp(257·u) is exp(257·u − 517.4)); the term it scales need not be small. It
    may go to 0 only where ``samples`` show the term below ``small`` everywhere (a term
    that cancels, 4e-16·exp(−x2)); without samples none may.
    """
    scales = set()
    for m in expr.atoms(sp.Mul):
        if not (m.args[0].is_Float and any(isinstance(f, sp.exp) for f in m.args[1:])):
            continue
        if samples is not None and m.free_symbols <= set(samples):
            symbols = sorted(m.free_symbols, key=str)
            with np.errstate(all="ignore"):
                value = sp.lambdify(symbols, m, "numpy")(*(samples[v] for v in symbols))
            top = float(np.max(np.abs(value))) if np.size(value) else 0.0
            if np.isfinite(top) and top < small:
                continue
        scales.add(m.args[0])
    return scales


def _scale_into_exponent(expr, small, show):
    """Each K·…·exp(u) with 0 < |K| < ``small`` written sign(K)·…·exp(u + log|K|) (for display).

    Math: K·exp(u) = sign(K)·exp(u + log|K|). The shift log|K| is shown by ``show`` (rounded
    or snapped); the exp is left unevaluated, because sympy would move a float shift back
    out as the factor K. Values are unchanged; only the reading is.
    """
    def fold(m):
        K, rest = m.as_coeff_Mul()
        exps = [f for f in sp.Mul.make_args(rest) if isinstance(f, sp.exp)]
        if not (K.is_Float and 0 < abs(float(K)) < small and len(exps) == 1):
            return m
        others = sp.Mul(*[f for f in sp.Mul.make_args(rest) if f != exps[0]])
        shift = show(float(np.log(abs(float(K)))))
        exponent = sp.Add(exps[0].args[0], shift, evaluate=False)
        return sp.sign(K) * others * sp.exp(exponent, evaluate=False)
    return expr.replace(lambda e: e.is_Mul, fold)


def _structure_first(table, expr):
    """The part of a replacement table that changes the formula's structure, else all of it.

    Snapping an exponent or dropping a negligible term changes what can fold:
    0.3327·(4.0026·x1 − 9e-16)**1.0 / (1.3318·x2)**1.0 becomes 1.0000·x1/x2 only once the
    1.0 is 1 and the 9e-16 is 0. A coefficient replaced in the same round is replaced alone,
    and its error is then multiplied by the factors folded into it (1/3 · 4.0026/1.3318 =
    1.0018, where the folded coefficient is 1.00000). So coefficients wait for a round in
    which no exponent and no zero is left to replace.
    """
    exponents = {p.exp for p in expr.atoms(sp.Pow)}
    structural = {f: s for f, s in table.items() if s == 0 or f in exponents}
    return structural or table


def _snap_exp_factor(term, tol):
    """One term K·exp(c + u) (K, c numbers, K or c a float) with its constant T = K·e^c snapped.

    Math: K·exp(c + u) = T·exp(u) = exp(u + log T)
    Either form may be the simple one: an exp edge's outer a and inner c can trade scale
    (a·e^c is what the data fixes), so T itself may be simple (2.0000001·exp(x²) → 2·exp(x²));
    or the meaningful number is in the exponent, exp(1/2 − cos(2x)/4), which sympy shows as
    1.64872·exp(−cos(2x)/4) since e^{1/2} is not a simple value. So: T if it is within ``tol``
    of a simple value; else log|T| if it is (the sign of T stays outside); else the term as is.
    """
    K, rest = term.as_coeff_Mul()
    exps = [f for f in sp.Mul.make_args(rest) if isinstance(f, sp.exp)]
    if len(exps) != 1:                  # exp(u)·exp(v): no one exponent to move T into
        return term
    c, u = exps[0].args[0].as_coeff_Add()
    T = K * sp.exp(c)
    if not T.atoms(sp.Float):           # exact already (e.g. exp(u + 1/2)): nothing fitted to snap
        return term
    others = sp.Mul(*[f for f in sp.Mul.make_args(rest) if f != exps[0]])
    if abs(float(T)) < tol:             # 0 or a shift: decided on the samples (``_exp_scales``)
        return term
    if (s := simple_value(float(T), tol)) is not None:
        return s * others * sp.exp(u)
    if (s := simple_value(np.log(abs(float(T))), tol)) is not None:   # |T| ≥ tol here, not 0
        return sp.sign(T) * others * sp.exp(u + s)
    return term
