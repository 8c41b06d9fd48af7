"""Optimisers that update a dict of parameter arrays in place: Adam and L-BFGS."""

from minikan.optim.adam import Adam
from minikan.optim.lbfgs import LBFGS

__all__ = ["LBFGS", "Adam"]
