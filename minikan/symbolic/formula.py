"""A fully symbolic KAN read out as sympy expressions, one per output (KAN §2.5.2 step 5).

Composition follows the forward pass: node values start as the input symbols; each layer
adds a·f(b·x_i + c) + d over its active edges into every output sub-node; multiplication
nodes multiply their groups. Constants are kept exactly (unrounded) unless asked:
``digits`` rounds them for display, ``snap`` replaces each constant within ``snap`` of a
simple value (integer, simple fraction, small multiple of π) by that value.

How the constants are folded, rounded and snapped is ``constants.py``.
"""
import numpy as np
import sympy as sp

from minikan import nodes as node_ops
from minikan import validate
from minikan.symbolic.constants import round_constants, snap_constants
from minikan.symbolic.library import LIBRARY


def unfixed_edges(model):
    """Active edges that are still splines, as (l, i, j) tuples."""
    return [(l, int(i), int(j)) for l, layer in enumerate(model.layers)
            for i, j in zip(*np.nonzero(layer.spline_mask()))]


def symbolic_formula(model, var=None, digits=None, snap=None):
    """sympy expressions of every output of a model whose active edges are all symbolic.

    A normalised model's formula is in the data's original variables and units: each input
    symbol enters as (x_i − μ_i)/σ_i and each output is wrapped as σ_y·expr + μ_y
    (``units.py``), before folding and snapping.

    Parameters
    ----------
    model : KAN
        Every active edge symbolic (``unfixed_edges`` lists the others).
    var : list of sympy symbols or str, optional
        The inputs' symbols or names; ``model.input_names`` when omitted.
    digits : int, optional
        Round every constant to this many decimals (``round_constants``).
    snap : float, optional
        Tolerance within which a constant is replaced by a simple value (``snap_constants``).

    Returns
    -------
    list of sympy expressions, one per output
    """
    todo = unfixed_edges(model)
    if todo:
        raise ValueError(f"symbolic_formula needs every active edge symbolic; still splines: {todo} "
                         "(fix them with fix_symbolic or auto_symbolic, or prune them)")
    names = model.input_names if var is None else var
    if len(names) != model.layers[0].in_dim:
        raise ValueError(f"var must give {model.layers[0].in_dim} inputs, got {len(names)}")
    nodes = [sp.Symbol(v, real=True) if isinstance(v, str) else v for v in names]
    norm = model.normalization
    if norm is not None:          # the data's units (units.py): layer 0 reads z = (x − μ)/σ
        nodes = [(v - sp.Float(float(m))) / sp.Float(float(s)) for v, m, s in zip(nodes, norm.x_mean, norm.x_std)]
    for l, layer in enumerate(model.layers):
        sub = [sp.Integer(0)] * layer.out_dim
        for (i, j), name in sorted(layer.symbolic.items()):
            if layer.mask[i, j]:
                a, b, c, d = (sp.Float(float(v)) for v in layer.params["sym_affine"][i, j])
                sub[j] += a * LIBRARY[name].sympy(b * nodes[i] + c) + d
        nodes = _apply_nodes(sub, model.width[l + 1][0], model.arities[l + 1])
    if norm is not None:          # and each output is σ_y·out + μ_y
        nodes = [sp.Float(float(s)) * e + sp.Float(float(m)) for e, m, s in zip(nodes, norm.y_mean, norm.y_std)]
    samples = None if model.train_input is None else dict(zip(
        [sp.Symbol(v, real=True) if isinstance(v, str) else v for v in names], np.asarray(model.train_input).T))
    if snap is not None:
        nodes = [snap_constants(e, snap, samples) for e in nodes]
    if digits is not None:
        nodes = [round_constants(e, digits, samples) for e in nodes]
    return nodes


def _apply_nodes(sub, n_sum, arities):
    """Node expressions from sub-node expressions: sums pass through, groups multiply."""
    return [sp.Mul(*(sub[s] for s in group)) for group in node_ops.subnode_groups(n_sum, arities)]


def formula_rmse(expr, data, variables=None):
    """RMSE of a formula itself on data: the check when a formula and its model disagree.

    Parameters
    ----------
    expr : sympy expression or str, or a list of them (one per output)
    data : dataset dict (its test split is used) or a pair (x (n, d), y (n,) or (n, m))
    variables : sympy symbols or names for the columns of x, in order; default x1 … xd
        (a model's ``input_names`` for a model's formula).

    Returns
    -------
    float
        sqrt(mean over all n·m entries of (expr(x) − y)²).
    """
    x, y = (data["test_input"], data["test_label"]) if isinstance(data, dict) else data
    x = validate.as_float_array(x, "x", ndim=2, shape_hint="(n, d)")   # (n, d)
    y = validate.as_float_array(y, "y", ndim=(1, 2), shape_hint="(n, m)")
    y = y[:, None] if y.ndim == 1 else y                               # (n, m)
    exprs = [sp.sympify(e) for e in (expr if isinstance(expr, (list, tuple)) else [expr])]
    if len(exprs) != y.shape[1]:
        raise ValueError(f"expr must give one formula per output ({y.shape[1]}), got {len(exprs)}")
    names = [f"x{i + 1}" for i in range(x.shape[1])] if variables is None else list(variables)
    if len(names) != x.shape[1]:
        raise ValueError(f"variables must name the {x.shape[1]} columns of x, got {len(names)}")
    symbols = [sp.Symbol(v, real=True) if isinstance(v, str) else v for v in names]
    by_name = {str(v): v for v in symbols}
    pred = np.empty_like(y)                                            # (n, m)
    for j, e in enumerate(exprs):
        # match by name, so that a formula parsed from text (symbols without real=True) works
        unknown = sorted(str(v) for v in e.free_symbols if str(v) not in by_name)
        if unknown:
            raise ValueError(f"expr uses {unknown}, which are not among the variables {list(by_name)}")
        e = e.xreplace({v: by_name[str(v)] for v in e.free_symbols})
        f = sp.lambdify(symbols, e, modules="numpy")
        pred[:, j] = np.broadcast_to(np.asarray(f(*x.T), dtype=float), (len(x),))
    return float(np.sqrt(np.mean((pred - y) ** 2)))
