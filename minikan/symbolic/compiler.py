"""The "kanpiler": a formula compiled into a KAN, and a symbolic KAN turned into splines.

KAN 2.0 (arXiv:2408.10205, §3.3) runs symbolic regression backwards: a known formula becomes
a KAN whose edges compute it exactly, which can then be converted to splines and trained
further on data. ``parse.py`` reads the formula's expression tree as a DAG of nodes and
edges (sums, products, library functions); here that DAG is laid out on levels and made
into a KAN:

- node levels: an input is on level 0, any other node one above its highest child, and
  the outputs on the top level D; the KAN has widths [n_sum, n_mult] per level, sums first;
- every edge joins adjacent levels, so a value needed further up is carried by identity
  edges ("x", a = b = 1, c = d = 0) through sum nodes on the levels in between.

``to_splines`` goes the other way: each symbolic edge becomes the spline closest to it.
"""
import itertools

import numpy as np
import sympy as sp

from minikan import bspline, nodes, validate
from minikan.model import KAN
from minikan.symbolic import edges as sym_edges
from minikan.symbolic.parse import (  # noqa: F401  (FUNCTIONS, POWERS, SUPPORTED: re-exported)
    FUNCTIONS,
    POWERS,
    SUPPORTED,
    Edge,
    Group,
    Node,
    parse,
)

# Samples stored as the compiled model's ``train_input``, so that data-dependent operations
# (``to_splines``, ``prune``, ``refine``) work before any fit: N_SAMPLES uniform points plus
# the 2^d corners of the box when d <= MAX_CORNER_DIM. The corners are where monotone pieces
# (x·y, x/y, x²+y²) reach their extremes; without them a hidden node's knots end a little
# inside the range new data reaches, and a spline is poor outside its knots.
N_SAMPLES = 1000
MAX_CORNER_DIM = 10


def layout(inputs, outputs):
    """Nodes on each level 0..D, sums before products, every edge now one level long.

    A child more than one level below its parent is replaced by a chain of carriers
    (sum nodes with one identity edge), shared by all parents that need it on that level.

    Parameters
    ----------
    inputs, outputs : list of Node
        As ``parse`` returns them; the outputs' edges are rewired in place.

    Returns
    -------
    levels : list of list of Node, length D + 1
        ``levels[0]`` the inputs, ``levels[D]`` the outputs in order.
    """
    D = max(node.level for node in outputs)
    levels = [[] for _ in range(D + 1)]
    carriers = {}

    def carry(child, level):                    # child's value on ``level`` ≥ child.level
        if level == child.level:
            return child
        if (child, level) not in carriers:
            below = carry(child, level - 1)
            carriers[child, level] = Node(groups=[Group([Edge("x", 1.0, 1.0, 0.0, below)])], level=level)
            place(carriers[child, level])
        return carriers[child, level]

    placed = set()

    def place(node):
        if node in placed or node.var is not None:
            return
        placed.add(node)
        levels[node.level].append(node)
        for g in node.groups:
            for e in g.edges:
                place(e.child)
                e.child = carry(e.child, node.level - 1)

    for node in outputs:                        # the top level: the outputs, in order
        node.level = D
        place(node)
    for L in range(1, D):
        levels[L].sort(key=lambda n: len(n.groups) > 1)             # stable: sums first
    levels[0] = list(inputs)
    return levels


def build(levels, variables, grid, k, seed):
    """The KAN for a layout: widths, arities, masks, names and affine numbers of every edge.

    Parameters
    ----------
    levels : list of list of Node
        From ``layout``.
    variables : list of sympy.Symbol
        The inputs; their names become ``input_names``.
    grid, k, seed
        As for ``KAN``.

    Returns
    -------
    KAN
        Edge (i, j) of layer L-1 is active and symbolic exactly when node i of level L-1
        feeds sub-node j of level L.
    """
    width = [[sum(len(n.groups) == 1 for n in lev), sum(len(n.groups) > 1 for n in lev)] for lev in levels]
    arities = [[len(n.groups) for n in lev if len(n.groups) > 1] for lev in levels]
    width[0] = [len(variables), 0]
    model = KAN(width, grid, k, seed, mult_arity=arities, input_names=[str(x) for x in variables])
    for L in range(1, len(levels)):
        layer = model.layers[L - 1]
        index = {n: i for i, n in enumerate(levels[L - 1])}
        layer.mask[:] = 0.0
        columns = nodes.subnode_groups(model.width[L][0], model.arities[L])   # sub-nodes of each node
        for node, cols in zip(levels[L], columns):
            for g, j in zip(node.groups, cols):
                for e_index, e in enumerate(g.edges):
                    i = index[e.child]
                    d = g.const if e_index == 0 else 0.0
                    layer.mask[i, j] = 1.0
                    layer.symbolic[(i, j)] = e.name
                    layer.params["sym_affine"][i, j] = (e.a, e.b, e.c, d)
    return model


def from_formula(expr, variables, grid=5, k=3, ranges=(-1.0, 1.0), seed=0):
    """A KAN whose symbolic edges compute ``expr`` exactly (KAN 2.0 §3.3, the kanpiler).

    Parameters
    ----------
    expr : sympy expression, or a list of them (one per output)
        Built from sums, products, real constants and the library's functions (see module
        docstring); anything else raises ValueError naming the subexpression.
    variables : list of sympy.Symbol
        The inputs, in order; their names become ``input_names``. ``symbolic_formula``
        reads the model back with real symbols, so declare them ``real=True`` to compare.
    grid, k, seed
        As for ``KAN``; the splines stay unused until ``to_splines``.
    ranges : [lo, hi] or one pair per variable
        Where the inputs live: ``N_SAMPLES`` seeded uniform samples there, plus the box's
        corners, become ``model.train_input``, the samples ``to_splines`` uses by default.

    Returns
    -------
    KAN
        Every active edge symbolic, every other edge masked. Edges clamp their inputs into
        f's domain (``library.Domain``), so the model equals expr wherever expr is defined
        and more than ``DOMAIN_EPS`` away from a pole or a domain's end.
    """
    exprs = [sp.sympify(e) for e in (expr if isinstance(expr, (list, tuple)) else [expr])]
    for e in exprs:
        if not isinstance(e, sp.Expr):
            raise TypeError(f"expr must be a sympy expression or a list of them, got {e!r}")
    variables = list(variables)
    if not variables or not all(isinstance(x, sp.Symbol) for x in variables) \
            or len(set(variables)) != len(variables):
        raise ValueError(f"variables must be a non-empty list of distinct sympy Symbols, got {variables!r}")
    unknown = set().union(*(e.free_symbols for e in exprs)) - set(variables)
    if unknown:
        raise ValueError(f"expr has symbols that are not in variables: {sorted(map(str, unknown))}")
    ranges = validate.as_ranges(ranges, len(variables))                      # (d, 2)
    levels = layout(*parse(exprs, variables))
    model = build(levels, variables, grid, k, seed)
    model.train_input = box_samples(ranges, seed)
    return model


def box_samples(ranges, seed):
    """``N_SAMPLES`` uniform points in a box, then its 2^d corners if d ≤ MAX_CORNER_DIM.

    Parameters
    ----------
    ranges : ndarray, shape (d, 2)
        [lo, hi] per variable.
    seed : int or numpy.random.Generator

    Returns
    -------
    x : ndarray, shape (N_SAMPLES + 2^d, d), or (N_SAMPLES, d) for large d
    """
    lo, hi = ranges[:, 0], ranges[:, 1]                               # (d,), (d,)
    x = validate.as_rng(seed).uniform(lo, hi, (N_SAMPLES, len(lo)))  # (N_SAMPLES, d)
    if len(lo) <= MAX_CORNER_DIM:
        corners = np.array(list(itertools.product((0.0, 1.0), repeat=len(lo))))  # (2^d, d)
        x = np.vstack([x, lo + (hi - lo) * corners])
    return x


def to_splines(model, x=None):
    """A new model with every symbolic edge replaced by the spline closest to it; model is kept.

    Layer by layer, on the inputs the already-converted layers give for x (default: the
    model's training inputs, see ``from_formula``): the knots move to the data
    (``update_grid``, KAN §2.2 detail 3), then each symbolic edge a·f(b·x + c) + d becomes the
    least-squares spline through its values, with w_b = 0 and w_s = 1.

    Parameters
    ----------
    model : KAN
    x : array_like, shape (N, d), optional
        Samples; default the model's training inputs.

    Returns
    -------
    KAN
        No symbolic edge left.
    """
    x = model.data_x(x)
    new = model.copy()
    for l, layer in enumerate(new.layers):
        xl = new.layer_inputs(x)[l]                                  # (N, in_l)
        layer.update_grid(xl, new.grid_eps)
        if not layer.symbolic:
            continue
        v, _ = sym_edges.values(xl, layer.params["sym_affine"], layer.symbolic)  # (N, n_sym)
        i, j = sym_edges.edge_index(layer.symbolic)
        y = np.zeros((xl.shape[0], layer.in_dim, layer.out_dim))     # (N, in_l, out_l)
        y[:, i, j] = v
        coef = bspline.curve_to_coef(xl, y, layer.knots, layer.k)   # (in_l, out_l, n_basis)
        layer.params["coef"][i, j] = coef[i, j]
        layer.params["scale_base"][i, j] = 0.0
        layer.params["scale_sp"][i, j] = 1.0
        layer.symbolic.clear()
    return new
