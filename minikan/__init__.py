"""minikan: Kolmogorov–Arnold Networks in NumPy, every gradient written by hand.

Reading order (the README's module map): knotgrid → bspline → layer → nodes → model → losses →
regularize → edge_stats → optim → train → fitting → prune → discover → symbolic → data → zoo → mlp →
plot; gradcheck checks any of them, and validate, fit_checks, units, io and cli serve them.
"""
__version__ = "0.1.0"    # first, so that io.py (imported below, through model) can read it

from minikan.data import create_dataset, dataset_from_arrays
from minikan.discover import discover
from minikan.mlp import MLP
from minikan.model import KAN
from minikan.units import Normalization

__all__ = ["KAN", "MLP", "Normalization", "create_dataset", "dataset_from_arrays", "discover", "formula_rmse"]


def __getattr__(name):
    # formula_rmse needs sympy (≈ 0.3 s to import), which a model that only trains never
    # uses: it is looked up on first access (PEP 562) rather than imported here.
    if name == "formula_rmse":
        from minikan.symbolic.formula import formula_rmse
        return formula_rmse
    raise AttributeError(f"module 'minikan' has no attribute {name!r}")
