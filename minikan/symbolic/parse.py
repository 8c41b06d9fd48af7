"""Parsing a sympy formula into a DAG of KAN nodes and edges, the kanpiler's first half.

KAN 2.0 (arXiv:2408.10205, §3.3) compiles a formula into a KAN. Its expression tree is the
network, read here from the top down:

- an Add is a sum node; each of its terms is one edge a·f(b·u + c) + d, the numbers
  absorbing the term's coefficients (3·sin(2x + 1) is one sin edge, a = 3, b = 2, c = 1),
  and the Add's constant goes into the d of its first edge;
- a Mul of several non-constant factors is a multiplication node of that arity
  (KAN 2.0 §2), each factor one sub-node; x/y arrives from sympy as x·y⁻¹, so it is a
  product of x and a 1/x edge on y;
- a library function (``library.LIBRARY``) or a power xⁿ of a supported n is an edge.

Equal subexpressions become one node (``_Parser.memo``). A node's level is one above its
highest child; ``compiler.layout`` then places the nodes on levels and ``compiler.build``
makes the KAN.
"""
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

FUNCTIONS = {sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.tanh: "tanh", sp.exp: "exp",
             sp.log: "log", sp.Abs: "abs", sp.sign: "sgn", sp.asin: "arcsin",
             sp.atan: "arctan", sp.atanh: "arctanh", sp.cosh: "cosh", sp.sinh: "sinh"}
POWERS = {2.0: "x^2", 3.0: "x^3", 4.0: "x^4", 5.0: "x^5", -1.0: "1/x", -2.0: "1/x^2",
          0.5: "sqrt", 1.5: "x^1.5", -0.5: "1/sqrt(x)"}
SUPPORTED = ("sums, products, real constants, x**n for n in {2, 3, 4, 5, -1, -2, 1/2, 3/2, "
             "-1/2}, c**u for a constant c > 0, exp(-u**2) and " + ", ".join(f.__name__ for f in FUNCTIONS))


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
    """The DAG of subexpressions of ``exprs``, one node per distinct subexpression.

    Parameters
    ----------
    exprs : list of sympy.Expr
        One per output.
    variables : list of sympy.Symbol
        The inputs, in order.

    Returns
    -------
    inputs : list of Node
        One per variable (``var`` its index).
    outputs : list of Node
        One per expression; a constant expression is the zero function of the first
        input plus that constant.
    """
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
