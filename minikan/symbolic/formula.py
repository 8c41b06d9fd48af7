"""A fully symbolic KAN read out as sympy expressions, one per output (KAN §2.5.1 step 4).

Composition follows the forward pass: node values start as the input symbols; each layer
adds a·f(b·x_i + c) + d over its active edges into every output sub-node; multiplication
nodes multiply their groups. Constants are kept exactly (unrounded) unless asked:
``digits`` rounds them for display, ``snap`` replaces each constant within ``snap`` of a
simple value (integer, simple fraction, small multiple of π) by that value.
"""
from fractions import Fraction

import numpy as np
import sympy as sp

from minikan.symbolic.library import LIBRARY

SNAP_DENOMINATORS = range(1, 13)     # p/q with q ≤ 12 counts as a "simple fraction"
SNAP_PI_MULTIPLES = (1, 2, 3, 4, 6)  # kπ/q for these q counts as "a small multiple of π"
SNAP_ROUNDS = 5                      # snapping merges constants (sympy folds numbers); repeat until stable


def unfixed_edges(model):
    """Active edges that are still splines, as (l, i, j) tuples."""
    return [(l, int(i), int(j)) for l, layer in enumerate(model.layers)
            for i, j in zip(*np.nonzero(layer.spline_mask()))]


def symbolic_formula(model, var=None, digits=None, snap=None):
    """sympy expressions of every output of a model whose active edges are all symbolic.

    Parameters: var — sympy symbols or names for the inputs (default ``model.input_names``);
    digits — round every constant to this many decimals; snap — tolerance for snapping.
    Returns: list of sympy expressions, one per output.
    """
    todo = unfixed_edges(model)
    if todo:
        raise ValueError(f"symbolic_formula needs every active edge symbolic; still splines: {todo} "
                         "(fix them with fix_symbolic or auto_symbolic, or prune them)")
    names = model.input_names if var is None else var
    if len(names) != model.layers[0].in_dim:
        raise ValueError(f"var must give {model.layers[0].in_dim} inputs, got {len(names)}")
    nodes = [sp.Symbol(v, real=True) if isinstance(v, str) else v for v in names]
    for l, layer in enumerate(model.layers):
        sub = [sp.Integer(0)] * layer.out_dim
        for (i, j), name in sorted(layer.symbolic.items()):
            if layer.mask[i, j]:
                a, b, c, d = (sp.Float(float(v)) for v in layer.params["sym_affine"][i, j])
                sub[j] += a * LIBRARY[name].sympy(b * nodes[i] + c) + d
        nodes = _apply_nodes(sub, model.width[l + 1][0], model.arities[l + 1])
    if snap is not None:
        nodes = [snap_constants(e, snap) for e in nodes]
    if digits is not None:
        nodes = [round_constants(e, digits) for e in nodes]
    return nodes


def _apply_nodes(sub, n_sum, arities):
    out, start = list(sub[:n_sum]), n_sum
    for a in arities:
        out.append(sp.Mul(*sub[start:start + a]))
        start += a
    return out


def round_constants(expr, digits):
    """Every float constant rounded to ``digits`` decimals (for display).

    sympy folds numbers as it rebuilds (0.0179·(7.4648·x)² becomes 0.99…·x²), so round,
    let it fold, and round again until nothing changes.
    """
    for _ in range(SNAP_ROUNDS):
        expr = _split_exp_constants(expr)
        table = {f: sp.Float(round(float(f), digits)) for f in expr.atoms(sp.Float)}
        table = {f: r for f, r in table.items() if f != r}
        if not table:
            break
        expr = expr.xreplace(table)
    return expr


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


def snap_constants(expr, tol):
    """Replace each float within ``tol`` of a simple value by it; repeat while sympy folds.

    Before each round, exp(u + c) becomes e^c·exp(u) so that a constant factor split
    between an exp edge's a and c is one number.
    """
    for _ in range(SNAP_ROUNDS):
        expr = _split_exp_constants(expr)
        table = {}
        for f in expr.atoms(sp.Float):
            s = simple_value(float(f), tol)
            if s is not None:
                table[f] = s
        if not table:
            break
        expr = expr.xreplace(table)
    return expr


def _split_exp_constants(expr):
    def split(e):
        const, rest = e.args[0].as_coeff_Add()
        return sp.exp(const) * sp.exp(rest) if const != 0 and rest != 0 else e
    return expr.replace(lambda e: isinstance(e, sp.exp) and e.args[0].is_Add, split)
