"""Sparsity: edge scores, their L1 and entropy, coefficient penalties, exact gradients.

Two ways to score an edge, chosen by ``reg_metric`` (KAN arXiv:2404.19756 §2.5.1; pykan
0.2.8's ``MultKAN.reg``). A_ij is an edge's score throughout this module and ``edge_stats``
(the paper's §2.5.1 item 2 also writes an edge's magnitude A_{l,i,j}).

"l1" — the paper's definitions (eqs. 2.17–2.20, as the tutorials teach them):
    A_ij = |φ_ij|₁ = (1/N) Σ_s |φ_ij(x_s)|          edge L1 over the N samples (masked edge: 0)
    S = S(A) = −Σ_{i,j} p_ij log p_ij,  p = A/ΣA     whole-layer entropy (0·log 0 = 0)

"spread" — the scale-aware variant, not in the paper; after pykan 0.2.8's code default
(``fit(reg_metric="edge_forward_spline_n")``: std of the spline branch over std of the
input + 0.1, row and column entropies in log₂ with its own +1 and 1e-4 inside), here with
φ's whole spread, ε = SPREAD_FLOOR and the natural-log entropy of the "l1" score:
    A_ij = σ_ij / (ρ_i + ε),  σ_ij = std_s φ_ij(x_s),  ρ_i = std_s x_i,  ε = SPREAD_FLOOR
    S = mean_i S(A_i·) + mean_j S(A_·j)              each node's outgoing and incoming edges

and for both: penalty = λ (μ₁ Σ_l Σ_ij A_ij + μ₂ Σ_l S_l + μ₃ Σ_l C₁ + μ₄ Σ_l C₂), with
    C₁ = mean_{edges} Σ_m |c_m|,  C₂ = mean_{edges} Σ_m |c_{m+1} − c_m|.
The μ₁, μ₂ terms are eq. 2.20; the coefficient terms C₁, C₂ (μ₃ = ``lamb_coef``, μ₄ =
``lamb_coefdiff``) are not in the paper but in pykan 0.2.8's code, which averages over the
out_dim axis only (mean over dim 1 of coef (in, out, n_basis)); here over all in·out edges.

Why "spread". Scale a hidden node by c: its incoming edges' L1 scales by c, while the next
layer, whose knots follow its narrower inputs at each grid update, computes the same
function of it with the same L1. So Σ|φ|₁ falls without bound as c → 0: the paper's penalty
drives a layer's edges under the pruning threshold while the network is unchanged. σ/ρ is
each edge's average slope: the incoming edges' scores scale by c and the outgoing edges'
by 1/c, so the penalty has a finite optimum in c. Whole-layer entropy lets a node that got
a large share early keep it (−log p grows as p → 0, so a small edge is hard to regrow);
the per-node entropies ask only that each node use few edges in and few out.

Gradient, one variable at a time. Write G_ij = ∂penalty/∂A_ij. For the entropy of one
group, with T = Σ A over the group, ∂S/∂A_ij = −(log p_ij + S)/T. Then
    "l1":     ∂A_ij/∂φ_ij(x_s) = sign(φ_ij(x_s))/N
    "spread": ∂A_ij/∂φ_ij(x_s) = (φ_ij(x_s) − φ̄_ij) / (N σ_ij (ρ_i + ε)),
              ∂A_ij/∂x_i(s)  = −σ_ij/(ρ_i + ε)² · (x_i(s) − x̄_i)/(N ρ_i)   (the direct path)
The ∂/∂φ flows through the layer's ``edge_backward`` into the edge's parameters and into
the layer's input; for "spread" the direct path through ρ_i is added to that input
gradient. Both reach every earlier layer. Subgradient choices at the kinks: sign(0) = 0;
∂S/∂A_ij = 0 where A_ij = 0; ∂σ/∂φ = 0 where σ = 0 (a dead edge), ∂ρ/∂x = 0 where ρ = 0.

Measured (benchmarks/discovery.py, 16 formulas, [n, 5, 1], the familiar sequence
fit(lamb=0.01) → prune() → fit → auto_symbolic → fit, grid updates on; formula recovered
= its own test RMSE < 1e-3, or within 10× a spline model that fits):

    recipe (fit's score, μ₂; prune's score)             seed 0          seeds 0–2
    paper's "l1", μ₂ = 2; prune by |φ|₁ (old)      6/16            21/48, 14 prune errors
    "spread", μ₂ = 2;  prune by attribution             11/16           —
    "spread", μ₂ = 0;  prune by attribution (defaults)  13/16           41/48, 0 prune errors
    minikan.discover (3 starts, the same defaults)      15/16           seeds 0–1: 30/32

so ``fit`` defaults to ``reg_metric="spread"``, ``lamb_entropy=0`` and ``prune`` to the KAN 2.0
attribution score, which is scale-free as the spread score is (by the |φ|₁ score a flat
edge with an offset looks alive). With these defaults exp(sin(πx) + y²) on [2, 5, 1] pruned
to [2, 1, 1] for only 3 of seeds 0–14: grid updates narrowed the hidden layers' knots onto
shrinking nodes, which split the function across two or three of them. Since sparsity fits
let hidden knots widen but never narrow (``fitting.sparsity_grid_update``) it is 15 of 15,
and the table's manual sequence is 41/48 with 30 formulas exact. Still worse than the
paper's penalty: x·y on [2, [0, 1], 1] (seed 0, 30 steps) feeds x1 into both factors of
the product (tests/test_kan2.py keeps the paper's penalty there).

Where it is computed: from the basis the layer's forward already cached for the batch
(``edge_stats.py``): "spread" as quadratic forms of each input's feature covariance, "l1"
from φ = features·w a slice of rows at a time — neither builds the (batch, in, out) tensor
nor evaluates the basis again. Measured (benchmarks/memory.py, [8, 16, 1], G = 10, batch
20 000): one regularised objective peaks at 1.03× the plain one (1.48× with the old
chunked edge pass, which evaluated the basis twice more); on [8, 8, 1], 50 000 rows
(issue 17's workload, 5 L-BFGS steps, 2 alternating rounds) a step with lamb = 0.01 costs
1.38× a plain one (2.4× before).
"""
from collections import namedtuple

import numpy as np

from minikan import edge_stats
from minikan.symbolic import edges

Weights = namedtuple("Weights", "lamb lamb_l1 lamb_entropy lamb_coef lamb_coefdiff reg_metric",
                     defaults=("l1",))
METRICS = ("l1", "spread")

# Per-edge values in one slice of the batch, for passes that need φ itself (prune's
# attribution scores): 2**20 float64 ≈ 8 MiB, so a slice and its few companions stay in tens of MiB.
CHUNK_ELEMENTS = 2 ** 20

# ε in A = σ/(ρ + ε): keeps the score finite for an input with no spread (a dead hidden
# node), and is small next to the spread of any input that carries information (data on
# [-1, 1] has ρ ≈ 0.58; a hidden node that matters, ρ ≳ 0.1). pykan uses 0.1, which damps
# the invariance for narrow hidden nodes.
SPREAD_FLOOR = 1e-2


def _chunks(batch, in_dim, out_dim, chunk_elements):
    """Row slices holding ``chunk_elements`` per-edge values each (for passes that need φ itself)."""
    rows = max(1, chunk_elements // (in_dim * out_dim))
    return [slice(s, min(s + rows, batch)) for s in range(0, batch, rows)]


def _symbolic(layer, x):
    """(v (batch, n_sym), cache, (i, j)) of the layer's active symbolic edges, or None."""
    sym = layer.active_symbolic()
    if not sym:
        return None
    v, cache = edges.values(x, layer.params["sym_affine"], sym)
    return v, cache, edges.edge_index(sym)


def _layer_scores(layer, x, reg_metric, reuse=False):
    """One layer's scores A (in, out) on its inputs x (N, in) and what their gradient needs.

    From the basis (``edge_stats``; with ``reuse`` the last forward's), the symbolic edges
    from their own values (their spline weights are masked to 0).
    """
    cache = layer.spline_cache(x, reuse)
    p = layer.params
    w = edge_stats.edge_weights(p["coef"], p["scale_base"], p["scale_sp"], layer.spline_mask())
    sym = _symbolic(layer, x)
    if reg_metric == "l1":
        A, phi = edge_stats.l1(cache, w, keep=reuse)
        if sym is not None:
            A[sym[2]] = np.abs(sym[0]).mean(axis=0)
        return A, (x, cache, w, sym, phi)
    sigma, _, stats = edge_stats.spread(cache, w)
    if sym is not None:
        sigma[sym[2]] = sym[0].std(axis=0)
    xc = x - edge_stats.column_mean(x)                         # (N, in): x − x̄
    rho = np.sqrt(edge_stats.column_mean(xc * xc))             # (in,)
    return sigma / (rho + SPREAD_FLOOR)[:, None], (x, cache, w, sym, (sigma, stats, rho, xc))


def edge_l1(layer, x, reuse=False):
    """A_ij = (1/N) Σ_s |φ_ij(x_s)| for x (N, in_dim): (in_dim, out_dim), computed in slices.

    ``reuse``: take the basis from the layer's last forward if it ran on this very x.
    """
    return _layer_scores(layer, x, "l1", reuse)[0]


def edge_scores(layer, x, reg_metric="l1", reuse=False):
    """The A_ij the penalty of ``reg_metric`` adds up, for x (N, in_dim): (in_dim, out_dim)."""
    return _layer_scores(layer, x, reg_metric, reuse)[0]


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


def node_entropy(A):
    """mean over input nodes of S(outgoing edges) + mean over output nodes of S(incoming), and ∂/∂A."""
    in_dim, out_dim = A.shape
    S, dS = 0.0, np.zeros_like(A)                              # (in, out)
    for i in range(in_dim):
        s, d = entropy(A[i:i + 1, :])
        S, dS[i:i + 1, :] = S + s / in_dim, dS[i:i + 1, :] + d / in_dim
    for j in range(out_dim):
        s, d = entropy(A[:, j:j + 1])
        S, dS[:, j:j + 1] = S + s / out_dim, dS[:, j:j + 1] + d / out_dim
    return S, dS


def _entropy_of(A, reg_metric):
    return entropy(A) if reg_metric == "l1" else node_entropy(A)


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
    """The penalty alone, from each layer's edge scores A[l] (in, out) — for reporting."""
    value = 0.0
    for layer, a in zip(layers, A):
        S = _entropy_of(a, w.reg_metric)[0] if w.lamb_entropy else 0.0
        value += w.lamb * (w.lamb_l1 * a.sum() + w.lamb_entropy * S)
        if w.lamb_coef or w.lamb_coefdiff:
            C1, C2, _, _ = coef_penalties(layer.params["coef"])
            value += w.lamb * (w.lamb_coef * C1 + w.lamb_coefdiff * C2)
    return value


def _dx_direct(xc, dA, sigma, rho):
    """The "spread" penalty's gradient on x (batch, in) through ρ_i = std x_i; xc = x − x̄."""
    dA_drho = -(dA * sigma).sum(axis=1) / (rho + SPREAD_FLOOR) ** 2   # (in,)
    drho_dxc = np.divide(1.0, len(xc) * rho, out=np.zeros_like(rho), where=rho > 0)  # (in,): ∂ρ/∂x = xc/(Nρ)
    return xc * (dA_drho * drho_dxc)                           # (batch, in)


def _scores_backward(dA, layer, state, reg_metric, input_grad=True):
    """∂penalty/∂(coef, scale_base, scale_sp, sym_affine) and ∂/∂x (batch, in) from dA = ∂penalty/∂A
    (None for ∂/∂x without ``input_grad``)."""
    x, cache, w, sym, extra = state
    n = len(x)
    if reg_metric == "l1":
        gw, dx = edge_stats.l1_backward(dA, w, cache, extra, input_grad)
        dv = None if sym is None else np.sign(sym[0]) * dA[sym[2]] / n                 # (batch, n_sym)
    else:
        sigma, stats, rho, xc = extra
        g_sigma = dA / (rho + SPREAD_FLOOR)[:, None]           # (in, out): ∂penalty/∂σ
        gw, dx = edge_stats.spread_backward(g_sigma, sigma, w, stats, cache, input_grad)
        if input_grad:
            dx += _dx_direct(xc, dA, sigma, rho)
        if sym is not None:                                    # ∂σ_e/∂v_e(s) = (v_e(s) − v̄_e)/(N σ_e)
            v, s_e = sym[0], sigma[sym[2]]
            scale = np.divide(g_sigma[sym[2]], n * s_e, out=np.zeros_like(s_e), where=s_e > 0)
            dv = scale * (v - v.mean(axis=0))                  # (batch, n_sym)
    grads = edge_stats.weights_backward(gw, layer.params["coef"], layer.params["scale_sp"], layer.spline_mask())
    grads["sym_affine"] = np.zeros(w.shape[:2] + (4,))
    if sym is not None:
        dx_sym, grads["sym_affine"] = edges.values_backward(dv, sym[1])
        if input_grad:
            dx += dx_sym
    return dx, grads


def penalty_and_grads(layers, inputs, w):
    """The penalty, its gradient on each layer's input, and on the parameters.

    Parameters
    ----------
    layers : list of KANLayer
    inputs : inputs[l] (batch, in_l), the inputs the last forward gave each layer
        (whose basis it reuses).
    w : a ``Weights``.

    Returns
    -------
    value
    dx_extra : list of (batch, in_l), dx_extra[0] None: layer 0's input is the data, which
        training does not differentiate (for [2, 5, 1] most of its penalty's backward).
    grads : {"layers.l.name": array}
    """
    value, dx_extra, grads = 0.0, [], {}
    for l, (layer, x) in enumerate(zip(layers, inputs)):
        A, state = _layer_scores(layer, x, w.reg_metric, reuse=True)
        # fit's default lamb_entropy = 0 skips the entropy: 9-13% of a regularised [2,5,1] objective
        S, dS = _entropy_of(A, w.reg_metric) if w.lamb_entropy else (0.0, np.zeros_like(A))
        value += w.lamb * (w.lamb_l1 * A.sum() + w.lamb_entropy * S)
        dA = w.lamb * (w.lamb_l1 + w.lamb_entropy * dS)        # (in, out): ∂penalty/∂A_ij
        dx, g = _scores_backward(dA, layer, state, w.reg_metric, input_grad=l > 0)
        if w.lamb_coef or w.lamb_coefdiff:
            C1, C2, dC1, dC2 = coef_penalties(layer.params["coef"])
            value += w.lamb * (w.lamb_coef * C1 + w.lamb_coefdiff * C2)
            g["coef"] += w.lamb * (w.lamb_coef * dC1 + w.lamb_coefdiff * dC2)
        dx_extra.append(dx)
        grads.update({f"layers.{l}.{name}": v for name, v in g.items()})
    return value, dx_extra, grads
