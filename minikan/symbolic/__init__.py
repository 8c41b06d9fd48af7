"""Symbolic regression on KAN edges (KAN arXiv:2404.19756 §2.5.1).

``primitive``: what one primitive f is: f', sympy form, complexity and domain clamp.
``library``: the table of primitives, and the registry that ``add_primitive`` extends.
``fit``: the affine fit y ≈ a·f(b·x + c) + d, and ``suggest``, every candidate fitted.
``ranking``: how fits are compared (R² against simplicity), their order and table.
``edges``: an edge fixed to a·f(b·x + c) + d inside a layer, with its backward.
``fix``: suggest, fix, auto-fix and unfix edges of a model.
``formula``: a fully symbolic model read out as sympy expressions.
``constants``: what its constants become: folded, rounded for display, snapped.
``parse``: a sympy formula read as a DAG of sums, products and library edges.
``compiler``: a formula compiled into a KAN, and a symbolic KAN back into splines.

Importing the package loads none of them: ``fit`` needs scipy.optimize and ``formula`` and
``compiler`` need sympy, which a network that only trains never uses. The names below are
imported from their modules on first access (PEP 562), so ``from minikan.symbolic import
fit_affine`` still works.
"""
import importlib

_EXPORTS = {
    "DOMAIN_EPS": "primitive", "Domain": "primitive", "Primitive": "primitive", "LIBRARY": "library",
    "add_primitive": "library", "get_library": "library",
    "AffineFit": "fit", "Suggestion": "ranking", "fit_affine": "fit", "format_table": "ranking",
    "score": "ranking", "suggest": "fit",
}

__all__ = list(_EXPORTS)


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"minikan.symbolic.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'minikan.symbolic' has no attribute {name!r}")
