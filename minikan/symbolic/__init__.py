"""Symbolic regression on KAN edges (KAN arXiv:2404.19756 §2.5.1).

``library``: the primitives f with f', sympy form, complexity and domain clamp.
``fit``: the affine fit y ≈ a·f(b·x + c) + d and the ranking of the library by it.
"""
from minikan.symbolic.fit import (
    AffineFit,
    Suggestion,
    fit_affine,
    format_table,
    score,
    suggest,
)
from minikan.symbolic.library import (
    DOMAIN_EPS,
    LIBRARY,
    Domain,
    Primitive,
    add_primitive,
    get_library,
)

__all__ = [
    "DOMAIN_EPS", "LIBRARY", "Domain", "Primitive", "add_primitive", "get_library",
    "AffineFit", "Suggestion", "fit_affine", "format_table", "score", "suggest",
]
