"""The "kanpiler": a formula compiled into a KAN, and a symbolic KAN turned into splines.

KAN 2.0 (arXiv:2408.10205, §3) runs symbolic regression backwards: a known formula becomes
a KAN whose edges compute it exactly, which can then be converted to splines and trained
further on data. The formula's expression tree is the network:

- an Add is a sum node; each of its terms is one edge a·f(b·u + c) + d, the numbers
  absorbing the term's coefficients (3·sin(2x + 1) is one sin edge, a = 3, b = 2, c = 1),
  and the Add's constant goes into the d of its first edge;
- a Mul of several non-constant factors is a multiplication node of that arity
  (KAN 2.0 §2.1), each factor one sub-node; x/y arrives from sympy as x·y⁻¹, so it is a
  product of x and a 1/x edge on y;
- a library function (``library.LIBRARY``) or a power xⁿ of a supported n is an edge;
- every edge joins adjacent levels, so a value needed further up is carried by identity
  edges ("x", a = b = 1, c = d = 0) through sum nodes on the levels in between.

Node levels: an input is on level 0, any other node one above its highest child, and the
outputs on the top level D; the KAN has widths [n_sum, n_mult] per level, sums first.
"""
import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from minikan import bspline, validate
from minikan.data import _as_ranges
from minikan.model import KAN
from minikan.symbolic import edges as sym_edges

FUNCTIONS = {sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.tanh: "tanh", sp.exp: "exp",
             sp.log: "log", sp.Abs: "abs", sp.sign: "sgn", sp.asin: "arcsin",
             sp.atan: "arctan", sp.atanh: "arctanh", sp.cosh: "cosh", sp.sinh: "sinh"}
POWERS = {2.0: "x^2", 3.0: "x^3", 4.0: "x^4", 5.0: "x^5", -1.0: "1/x", -2.0: "1/x^2",
          0.5: "sqrt", 1.5: "x^1.5", -0.5: "1/sqrt(x)"}
SUPPORTED = ("sums, products, real constants, x**n for n in {2, 3, 4, 5, -1, -2, 1/2, 3/2, "
             "-1/2}, c**u for a constant c > 0, exp(-u**2) and " + ", ".join(f.__name__ for f in FUNCTIONS))
# Samples stored as the compiled model's ``train_input``, so that data-dependent operations
# (``to_splines``, ``prune``, ``refine``) work before any fit: N_SAMPLES uniform points plus
# the 2^d corners of the box when d <= MAX_CORNER_DIM. The corners are where monotone pieces
# (x·y, x/y, x²+y²) reach their extremes; without them a hidden node's knots end a little
# inside the range new data reaches, and a spline is poor outside its knots.
N_SAMPLES = 1000
MAX_CORNER_DIM = 10


@dataclass(eq=False)
class Edge:
    """One edge a·f(b·u + c) + d into a sub-node, u the value of ``child``; d is the group's."""
    name: str
    a: float
    b: float
    c: float
    child: "Node"


@dataclass(eq=False)
class Group:
    """One sub-node: the sum of its edges plus a constant."""
    edges: list
    const: float = 0.0


@dataclass(eq=False)
class Node:
    """An input (``var`` its index), a sum node (one group) or a multiplication node (several)."""
    var: int | None = None
    groups: list = field(default_factory=list)
    level: int = 0


def _unsupported(expr, reason):
    return ValueError(f"from_formula cannot compile {expr}: {reason}; supported are {SUPPORTED}")


def _number(v, where):
    """A sympy constant as a finite float, or a clear error."""
    try:
        out = float(v)
    except TypeError:
        raise _unsupported(where, f"the constant {v} is not a real number") from None
    if not np.isfinite(out):
        raise _unsupported(where, f"the constant {v} is not finite")
    return out


class _Parser:
    """Expression → DAG of nodes; one node per distinct subexpression."""

    def __init__(self, variables):
        self.xs = variables
        self.memo = {x: Node(var=v) for v, x in enumerate(variables)}

    def split_mul(self, expr):                        # expr = coeff · rest
        coeff, rest = expr.as_independent(*self.xs, as_Add=False)
        return _number(coeff, expr), rest

    def split_add(self, expr):                        # expr = const + rest
        const, rest = expr.as_independent(*self.xs, as_Add=True)
        return _number(const, expr), rest

    def node(self, expr):
        if expr not in self.memo:
            coeff, rest = self.split_mul(expr)
            factors = sp.Mul.make_args(rest)
            if len(factors) < 2:
                groups = [self.group(expr)]
            else:                                     # a multiplication node, coeff in factor 1
                groups = [self.group(f) for f in factors]
                groups[0] = Group([Edge(e.name, coeff * e.a, e.b, e.c, e.child) for e in groups[0].edges],
                                  coeff * groups[0].const)
            level = 1 + max(e.child.level for g in groups for e in g.edges)
            self.memo[expr] = Node(groups=groups, level=level)
        return self.memo[expr]

    def group(self, expr):
        """Σ_terms a·f(b·u + c) + const; a second edge from the same child goes through its own node."""
        const, rest = self.split_add(expr)
        edges = []
        for term in sp.Add.make_args(rest) if rest != 0 else ():
            e = self.edge(term)
            if any(e.child is other.child for other in edges):     # one edge per (i, j) only
                e = Edge("x", 1.0, 1.0, 0.0, Node(groups=[Group([e])], level=e.child.level + 1))
            edges.append(e)
        return Group(edges, const)

    def edge(self, term):
        a, rest = self.split_mul(term)
        name, b, c, inner = self.unary(rest)
        return Edge(name, a, b, c, self.node(inner))

    def inner(self, arg, factor=1.0):
        """arg = b·u + c with u non-constant: (b, c, u), both scaled by ``factor``."""
        c, rest = self.split_add(arg)
        b, u = self.split_mul(rest)
        return factor * b, factor * c, u

    def unary(self, expr):
        """expr as f(b·u + c): (library name, b, c, u)."""
        if expr.is_Symbol or expr.is_Add or expr.is_Mul:           # an identity edge
            return ("x", 1.0, 0.0, expr)
        if expr.func is sp.exp:
            k, w = self.split_mul(expr.args[0])
            if k < 0 and w.is_Pow and w.exp == 2:                   # exp(-k·w²) = exp(-(√-k·w)²)
                return ("gaussian", *self.inner(w.base, np.sqrt(-k)))
        if expr.func in FUNCTIONS:
            if len(expr.args) != 1:
                raise _unsupported(expr, "a library function takes one argument")
            return (FUNCTIONS[expr.func], *self.inner(expr.args[0]))
        if expr.is_Pow:
            base, n = expr.as_base_exp()
            if not n.free_symbols:
                n_value = _number(n, expr)
                if n_value not in POWERS:
                    raise _unsupported(expr, f"the power {n} has no library function")
                return (POWERS[n_value], *self.inner(base))
            if not base.free_symbols and _number(base, expr) > 0:   # c**u = exp(log(c)·u)
                return ("exp", *self.inner(n, np.log(_number(base, expr))))
            raise _unsupported(expr, "a power with a variable exponent needs a positive constant base")
        raise _unsupported(expr, f"{expr.func.__name__} is not in the library")


def parse(exprs, variables):
    """The input nodes, and the output nodes (one per expression) over the DAG of subexpressions."""
    parser = _Parser(variables)
    outputs = []
    for expr in exprs:
        if not expr.free_symbols:                  # a constant: the zero function plus d
            outputs.append(Node(groups=[Group([Edge("0", 1.0, 1.0, 0.0, parser.memo[variables[0]])],
                                              _number(expr, expr))], level=1))
            continue
        group = parser.group(expr)
        outputs.append(Node(groups=[group], level=1 + max(e.child.level for e in group.edges)))
    return [parser.memo[x] for x in variables], outputs


def layout(inputs, outputs):
    """Nodes on each level 0..D, sums before products, every edge now one level long.

    A child more than one level below its parent is replaced by a chain of carriers
    (sum nodes with one identity edge), shared by all parents that need it on that level.
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
    """The KAN for a layout: widths, arities, masks, names and affine numbers of every edge."""
    width = [[sum(len(n.groups) == 1 for n in lev), sum(len(n.groups) > 1 for n in lev)] for lev in levels]
    arities = [[len(n.groups) for n in lev if len(n.groups) > 1] for lev in levels]
    width[0] = [len(variables), 0]
    model = KAN(width, grid, k, seed, mult_arity=arities, input_names=[str(x) for x in variables])
    for L in range(1, len(levels)):
        layer = model.layers[L - 1]
        index = {n: i for i, n in enumerate(levels[L - 1])}
        layer.mask[:] = 0.0
        j = 0                                       # sub-node index on level L
        for node in levels[L]:
            for g in node.groups:
                for e_index, e in enumerate(g.edges):
                    i = index[e.child]
                    d = g.const if e_index == 0 else 0.0
                    layer.mask[i, j] = 1.0
                    layer.symbolic[(i, j)] = e.name
                    layer.params["sym_affine"][i, j] = (e.a, e.b, e.c, d)
                j += 1
    return model


def from_formula(expr, variables, grid=5, k=3, ranges=(-1.0, 1.0), seed=0):
    """A KAN whose symbolic edges compute ``expr`` exactly (KAN 2.0 §3, the kanpiler).

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
    ranges = _as_ranges(ranges, len(variables))                      # (d, 2)
    levels = layout(*parse(exprs, variables))
    model = build(levels, variables, grid, k, seed)
    model.train_input = box_samples(ranges, seed)
    return model


def box_samples(ranges, seed):
    """``N_SAMPLES`` uniform points in the box ``ranges`` (d, 2), then its corners if d is small."""
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
    (``update_grid``, KAN §2.4), then each symbolic edge a·f(b·x + c) + d becomes the
    least-squares spline through its values, with w_b = 0 and w_s = 1.
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
