"""Symbolic edges: an edge fixed to a·f(b·x + c) + d, with its hand-written backward.

Once an edge's spline looks like a known function, fixing it (KAN arXiv:2404.19756,
§2.5.1 item 4, "Symbolification"; step 3 of §2.5.2) replaces the spline by f from the
library, with four trainable numbers (a, b, c, d) kept in the layer's ``sym_affine``
(in, out, 4). Training can go on after fixing: the affine parameters are fine-tuned by the
same optimisers.

Shapes: batch; in_dim, out_dim; n_sym symbolic edges, in the order of ``edge_index``.
"""
from typing import NamedTuple

import numpy as np

from minikan.symbolic.library import LIBRARY


class SymbolicCache(NamedTuple):
    """What ``values_backward`` needs from ``values``."""
    x: np.ndarray            # (batch, in_dim) the layer's input
    i: np.ndarray            # (n_sym,) input index of each symbolic edge
    j: np.ndarray            # (n_sym,) output index of each symbolic edge
    fz: np.ndarray           # (batch, n_sym) f(z), z = b·x_i + c
    dfz: np.ndarray          # (batch, n_sym) f'(z)
    a: np.ndarray            # (n_sym,)
    b: np.ndarray            # (n_sym,)
    shape: tuple             # sym_affine's shape (in_dim, out_dim, 4)


def edge_index(symbolic):
    """Input and output indices (i, j) of the symbolic edges, in sorted order: 2 × (n_sym,)."""
    keys = sorted(symbolic)
    return (np.array([i for i, _ in keys], dtype=np.intp),
            np.array([j for _, j in keys], dtype=np.intp))


def scatter_matrix(symbolic, out_dim):
    """S (n_sym, out_dim) with S[e, j_e] = 1, so that y += v @ S adds each edge to its node."""
    _, j = edge_index(symbolic)
    S = np.zeros((len(j), out_dim))
    S[np.arange(len(j)), j] = 1.0
    return S


def values(x, sym_affine, symbolic):
    """v_e = a·f(b·x_i + c) + d for every symbolic edge e = (i, j).

    Parameters
    ----------
    x : ndarray, shape (batch, in_dim)
    sym_affine : ndarray, shape (in_dim, out_dim, 4)
        (a, b, c, d) of every edge; only the symbolic edges' are read.
    symbolic : dict
        {(i, j): library name} of the edges to evaluate.

    Returns
    -------
    v : ndarray, shape (batch, n_sym)
        Columns in the order of ``edge_index``.
    cache : SymbolicCache
        For ``values_backward``.
    """
    i, j = edge_index(symbolic)
    names = [symbolic[key] for key in sorted(symbolic)]
    a, b, c, d = sym_affine[i, j].T                            # 4 × (n_sym,)
    z = b * x[:, i] + c                                        # (batch, n_sym)
    fz, dfz = np.empty_like(z), np.empty_like(z)
    for name in set(names):                                    # one call per function
        cols = [e for e, n in enumerate(names) if n == name]
        fz[:, cols] = LIBRARY[name].f(z[:, cols])
        dfz[:, cols] = LIBRARY[name].df(z[:, cols])
    v = a * fz + d                                             # (batch, n_sym)
    return v, SymbolicCache(x, i, j, fz, dfz, a, b, sym_affine.shape)


def values_backward(dv, cache):
    """Chain rule through v = a·f(z) + d, z = b·x + c, given dv = ∂L/∂v (batch, n_sym).

    ∂v/∂a = f(z), ∂v/∂d = 1, ∂v/∂z = a·f'(z), and z passes that on as ∂z/∂b = x,
    ∂z/∂c = 1, ∂z/∂x = b.

    Returns
    -------
    dx : ndarray, shape (batch, in_dim)
    dsym_affine : ndarray, shape (in_dim, out_dim, 4)
        Zero except at the symbolic edges.
    """
    x, i, j, fz, dfz, a, b, shape = cache
    dz = dv * a * dfz                                          # (batch, n_sym)
    dsym = np.zeros(shape)                                     # (in_dim, out_dim, 4)
    dsym[i, j] = np.stack([(dv * fz).sum(0), (dz * x[:, i]).sum(0), dz.sum(0), dv.sum(0)], axis=1)
    to_input = np.zeros((len(i), x.shape[1]))                  # (n_sym, in_dim): edge e reads x_{i_e}
    to_input[np.arange(len(i)), i] = 1.0
    dx = (dz * b) @ to_input                                   # (batch, in_dim)
    return dx, dsym
