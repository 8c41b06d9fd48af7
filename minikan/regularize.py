"""Sparsity: L1 and entropy of the edge activations, coefficient penalties, exact gradients.

Definitions (KAN arXiv:2404.19756, §2.5.1, eqs. 2.17–2.20, as the README's conventions fix them):
    |φ|₁ = (1/N) Σ_s |φ(x_s)|                       edge L1 over the N samples (masked edge: 0)
    |Φ|₁ = Σ_{i,j} |φ_{i,j}|₁                       layer L1
    S(Φ) = −Σ_{i,j} p_{ij} log p_{ij},  p = |φ|₁/|Φ|₁   layer entropy (0·log 0 = 0; S = 0 if |Φ|₁ = 0)
    C₁ = mean_{edges} Σ_m |c_m|,  C₂ = mean_{edges} Σ_m |c_{m+1} − c_m|
    penalty = λ (μ₁ Σ_l |Φ_l|₁ + μ₂ Σ_l S(Φ_l) + μ₃ Σ_l C₁ + μ₄ Σ_l C₂)

Gradient, one variable at a time. Write A_ij = |φ_ij|₁ and T = Σ A. Then
    ∂S/∂A_ij = −(log p_ij + S)/T,
    ∂A_ij/∂φ_ij(x_s) = sign(φ_ij(x_s))/N,
so the penalty sends ∂/∂φ_ij(x_s) = λ (μ₁ + μ₂ ∂S/∂A_ij) sign(φ_ij(x_s))/N into each edge,
and from there, through the layer's ``edge_backward``, into the edge's parameters and into
the layer's input — hence into every earlier layer. Subgradient choices at the kinks:
sign(0) = 0, and ∂S/∂A_ij = 0 for an edge with A_ij = 0 (only a dead edge has that).

In practice (benchmarks/pipeline_seeds.py, exp(sin(πx) + y²), [2, 5, 1] → [2, 1, 1]): the L1
term alone, with the knots held fixed, finds the one-node network for every seed tried; the
entropy term makes small edges hard to regrow (−log p grows as p → 0), so an early split of
the work over two hidden nodes stays. minikan/cli/demo.py documents the recipe.

Memory: the per-edge activations (batch, in, out) are built one slice of the batch at a
time, twice — once for the A_ij, once for the gradient, which needs all of A first.
"""
from collections import namedtuple

import numpy as np

Weights = namedtuple("Weights", "lamb lamb_l1 lamb_entropy lamb_coef lamb_coefdiff")

# Per-edge values in one slice of the batch: 2**20 float64 ≈ 8 MiB, so that a slice and
# the few arrays of its size that the edge backward keeps stay in tens of MiB.
CHUNK_ELEMENTS = 2 ** 20


def _chunks(batch, in_dim, out_dim, chunk_elements):
    rows = max(1, chunk_elements // (in_dim * out_dim))
    return [slice(s, min(s + rows, batch)) for s in range(0, batch, rows)]


def edge_l1(layer, x, chunk_elements=None):
    """A_ij = (1/N) Σ_s |φ_ij(x_s)| for x (N, in_dim): (in_dim, out_dim), computed in slices."""
    A = np.zeros((layer.in_dim, layer.out_dim))
    for rows in _chunks(len(x), layer.in_dim, layer.out_dim, chunk_elements or CHUNK_ELEMENTS):
        phi, _ = layer.edge_forward(x[rows])                   # (rows, in, out)
        A += np.abs(phi).sum(axis=0)
    return A / len(x)


def entropy(A):
    """S = −Σ p log p with p = A/ΣA (natural log, 0·log 0 = 0), and ∂S/∂A.  A (in, out)."""
    T = A.sum()
    if T <= 0:
        return 0.0, np.zeros_like(A)
    p = A / T
    logp = np.log(p, out=np.zeros_like(p), where=p > 0)       # 0 where p = 0: 0·log 0 = 0
    S = -np.sum(p * logp)
    dS = np.where(p > 0, -(logp + S) / T, 0.0)                # subgradient 0 at dead edges
    return S, dS


def coef_penalties(coef):
    """C₁, C₂ and their gradients for coef (in, out, n_basis)."""
    n_edges = coef.shape[0] * coef.shape[1]
    diff = np.diff(coef, axis=2)                               # (in, out, n_basis - 1)
    C1, C2 = np.abs(coef).sum() / n_edges, np.abs(diff).sum() / n_edges
    dC1 = np.sign(coef) / n_edges
    s = np.sign(diff) / n_edges                                # ∂C₂/∂(c_{m+1} − c_m)
    dC2 = np.zeros_like(coef)
    dC2[:, :, 1:] += s                                         # c_{m+1} enters with +1
    dC2[:, :, :-1] -= s                                        # c_m with −1
    return C1, C2, dC1, dC2


def penalty_value(layers, A, w):
    """The penalty alone, from each layer's edge L1s A[l] (in, out) — for reporting."""
    value = 0.0
    for layer, a in zip(layers, A):
        value += w.lamb * (w.lamb_l1 * a.sum() + w.lamb_entropy * entropy(a)[0])
        if w.lamb_coef or w.lamb_coefdiff:
            C1, C2, _, _ = coef_penalties(layer.params["coef"])
            value += w.lamb * (w.lamb_coef * C1 + w.lamb_coefdiff * C2)
    return value


def penalty_and_grads(layers, inputs, w, chunk_elements=None):
    """The penalty, its gradient on each layer's input, and on the parameters.

    Parameters: layers (list of KANLayer); inputs[l] (batch, in_l), the inputs the last
    forward gave each layer; w a ``Weights``; chunk_elements per-edge values per slice
    (default ``CHUNK_ELEMENTS``, read at call time).
    Returns: value; dx_extra (list of (batch, in_l)); grads {"layers.l.name": array}.
    """
    value, dx_extra, grads = 0.0, [], {}
    for l, (layer, x) in enumerate(zip(layers, inputs)):
        chunks = _chunks(len(x), layer.in_dim, layer.out_dim, chunk_elements or CHUNK_ELEMENTS)
        if len(chunks) == 1:                                   # small batch: one pass serves both
            kept = layer.edge_forward(x)                       # (phi (batch, in, out), cache)
            A = np.abs(kept[0]).mean(axis=0)                   # (in, out)
        else:
            kept, A = None, edge_l1(layer, x, chunk_elements)
        S, dS = entropy(A)
        value += w.lamb * (w.lamb_l1 * A.sum() + w.lamb_entropy * S)
        dA = w.lamb * (w.lamb_l1 + w.lamb_entropy * dS)        # (in, out): ∂penalty/∂A_ij
        dx = np.empty_like(x)                                  # (batch, in)
        g = {name: np.zeros_like(p) for name, p in layer.params.items()}
        for rows in chunks:
            phi, cache = kept if kept is not None else layer.edge_forward(x[rows])  # (rows, in, out)
            dphi = dA * np.sign(phi) / len(x)                  # ∂penalty/∂φ_ij(x_s)
            dx[rows], g_rows = layer.edge_backward(dphi, cache)
            for name in g:
                g[name] += g_rows[name]
        if w.lamb_coef or w.lamb_coefdiff:
            C1, C2, dC1, dC2 = coef_penalties(layer.params["coef"])
            value += w.lamb * (w.lamb_coef * C1 + w.lamb_coefdiff * C2)
            g["coef"] += w.lamb * (w.lamb_coef * dC1 + w.lamb_coefdiff * dC2)
        dx_extra.append(dx)
        grads.update({f"layers.{l}.{name}": v for name, v in g.items()})
    return value, dx_extra, grads
