"""Every edge's L1 and spread from its layer's basis, without the (batch, in, out) tensor.

Math. An edge's value is linear in P = n_basis + 1 features of its input [KAN §2.2]:

    φ_ij(s) = w_ij · f_i(s),   f_i(s) = [silu(x_si), B_1(x_si), …, B_M(x_si)],
                               w_ij = mask_ij [w_b,ij, w_s,ij c_ij1, …, w_s,ij c_ijM].

The features are what the layer's forward already built for the whole batch (``LayerCache``:
silu(x) and the basis B), so the sparsity penalty reuses them instead of evaluating the
basis again. With the feature mean f̄_i and covariance C_i = (1/N) Σ_s (f_i − f̄_i)(f_i − f̄_i)ᵀ
(P, P), each edge's mean and spread are quadratic forms:

    φ̄_ij = w_ij · f̄_i,    σ²_ij = w_ijᵀ C_i w_ij,

N·in·P² operations for all edges together, against N·in·out·P for the per-edge values, and
no array of size out per sample. Given gσ = ∂L/∂σ (in, out), with r_ij = gσ_ij/σ_ij:

    ∂L/∂w_ij   = r_ij C_i w_ij
    ∂L/∂f_i(s) = Q_i (f_i(s) − f̄_i),   Q_i = (1/N) Σ_j r_ij w_ij w_ijᵀ

(the f̄ term of ∂σ/∂f sums to zero over s), and f_i's derivative in x is [silu'(x), B'_m(x)],
whose k + 1 non-zero B' the forward also cached. An edge with σ = 0 (dead or masked) gets
the subgradient 0. The L1 score |φ|₁ is not a quadratic form, so "l1" forms φ = w·f from
the cached B and silu(x) one slice of rows at a time and sends ∂L/∂φ back the same way:
∂L/∂w = Σ_s ∂L/∂φ(s) f(s), ∂L/∂f(s) = Σ_j ∂L/∂φ_j(s) w_j. Neither ever forms f itself.

Slices. A slice's arrays are laid out per input, (in, rows, P) or (in, rows, out), and
rows = ``FEATURE_BYTES`` / (8·in·max(P, out)) — a memory budget, not a row count, so a
wide layer takes fewer rows per slice and every slice's temporaries stay near that size.
"""
import numpy as np

from minikan import bspline
from minikan.layer import silu_grad

# Bytes of one slice's array (in, rows, max(P, out)). Measured on [8, 8, 1]'s first layer,
# batch 50 000 (P = 9), the penalty's scores and gradient: 56 ms with 0.5–1 MiB slices,
# 58–66 ms with 0.125–0.25 MiB (per-slice overhead) and with 2–8 MiB (past the 2 MiB L2
# cache), 72 ms in one piece; and a slice's few arrays of this size add ≲ 4 MiB to the peak.
FEATURE_BYTES = 2 ** 20


def column_mean(a):
    """(1/N) Σ_s a[s] for a (N, ...): the mean over the batch, as the product 1ᵀa/N.

    NumPy's ``a.mean(axis=0)`` walks a tall, narrow array in a strided loop; the matrix-vector
    product is 5–12× faster (one thread: 17 against 3.6 µs at (1000, 5), 800 against 68 µs at
    (50 000, 8); ``l1``'s sum over the rows of (in, rows, out), 35 against 6 µs at (2, 1000, 5)).
    The same N terms are summed; BLAS may group them otherwise (rounding only).
    """
    n = len(a)
    return (np.ones(n) @ a.reshape(n, -1)).reshape(a.shape[1:]) / n


def edge_weights(coef, scale_base, scale_sp, mask):
    """w (in, out, P): each edge's weights on its input's features [silu, B_1 … B_M]."""
    w = np.empty(coef.shape[:2] + (coef.shape[2] + 1,))       # (in, out, P)
    w[:, :, 0] = mask * scale_base
    w[:, :, 1:] = (mask * scale_sp)[:, :, None] * coef
    return w


def weights_backward(gw, coef, scale_sp, mask):
    """∂L/∂(coef, scale_base, scale_sp) from gw = ∂L/∂w (in, out, P)."""
    g_spline = gw[:, :, 1:]                                    # (in, out, M)
    return {"coef": (mask * scale_sp)[:, :, None] * g_spline,
            "scale_base": mask * gw[:, :, 0],
            "scale_sp": mask * np.einsum("ijm,ijm->ij", g_spline, coef)}


def slices(cache, out_dim=1):
    """Row slices of the batch whose arrays (in, rows, max(P, out)) fit ``FEATURE_BYTES``."""
    batch, in_dim = cache.x.shape
    width = max(cache.B.shape[1] // in_dim + 1, out_dim)      # P or out
    rows = max(1, FEATURE_BYTES // (8 * in_dim * width))
    return [slice(s, min(s + rows, batch)) for s in range(0, batch, rows)]


def features_backward(dF, cache, rows):
    """∂L/∂x (r, in) of the slice from dF = ∂L/∂f (in, r, P): Σ_m dF_m B_m'(x) + dF_silu silu'(x)."""
    dB = np.ascontiguousarray(dF[:, :, 1:].transpose(1, 0, 2))  # (r, in, M), laid out as the batch's B
    offset = rows.start * dB.shape[1] * dB.shape[2]             # pos indexes the whole batch
    dx = bspline.gather_dot(dB, cache.pos[:, rows] - offset, cache.dV[:, rows])  # (r, in)
    dx += dF[:, :, 0].T * silu_grad(cache.x[rows], cache.sigmoid_x[rows])
    return dx


def spread(cache, w):
    """σ (in, out), φ̄ (in, out) and what ``spread_backward`` needs, from the forward's cache."""
    mean, C, sc = feature_moments(cache)
    Cw = w @ C                                                 # (in, out, P); C is symmetric
    sigma = np.sqrt(np.maximum(np.einsum("ijp,ijp->ij", Cw, w), 0.0))  # (in, out)
    return sigma, np.einsum("ijp,ip->ij", w, mean), (mean, Cw, sc)


def feature_moments(cache):
    """f̄ (in, P), C (in, P, P) and silu(x) − its mean (N, in): the features' moments.

    They depend on the basis alone, so they are kept with it (``cache.derived``): a fit's
    first layer reuses its basis at every evaluation (``KANLayer._data_basis``) and computes
    them once (a regularised [2, 5, 1] L-BFGS step 31.0 → 27.3 ms).

    C_i in blocks from the cache's silu(x) and B, each centred before it is multiplied
    (two passes, one slice of B at a time): uncentred, BᵀB/N − b̄b̄ᵀ cancels for an input
    narrow next to its knot spacing — measured on a hidden node of std 0.017 on knots over
    [−1, 1]: σ off by 1e-12 relative, enough to fail a gradient check at 1e-6. Centring x
    does not centre w: the B_m sum to one, so an edge's constant offset lies along a
    direction C maps to ~0 and wᵀCw loses ~(offset/σ)²·eps (σ ≈ 9e-3: offset 1e4 → 4e-5
    relative, 1e8 → 88× too large). The penalty's edges are far from that; prune's
    attribution takes moments of φ itself (``prune._edge_std_and_sums``).
    """
    if "moments" in cache.derived:
        return cache.derived["moments"]
    n, in_dim = cache.x.shape
    B3 = cache.B.reshape(n, in_dim, -1)                        # (N, in, M), a view
    s_mean = column_mean(cache.silu_x)                         # (in,)
    sc = cache.silu_x - s_mean                                 # (N, in): silu(x) − its mean
    b_mean = column_mean(cache.B).reshape(in_dim, -1)          # (in, M)
    P, diag = b_mean.shape[1] + 1, np.arange(in_dim)
    C = np.zeros((in_dim, P, P))                               # (in, P, P)
    for rows in slices(cache):
        Bc = B3[rows] - b_mean                                 # (r, in, M), centred
        Bt = Bc.transpose(1, 0, 2)                             # (in, r, M), a view
        C[:, 1:, 1:] += Bt.transpose(0, 2, 1) @ Bt
        sB = (sc[rows].T @ Bc.reshape(len(Bc), -1)).reshape(in_dim, in_dim, -1)  # (in, in, M), dense
        C[:, 0, 1:] += sB[diag, diag]                          # its diagonal blocks: Σ_s sc_i B_i
    C[:, 1:, 0] = C[:, 0, 1:]
    C /= n
    C[:, 0, 0] = column_mean(sc * sc)
    mean = np.concatenate([s_mean[:, None], b_mean], axis=1)  # (in, P): f̄
    cache.derived["moments"] = mean, C, sc
    return mean, C, sc


def spread_backward(g_sigma, sigma, w, stats, cache, input_grad=True):
    """∂L/∂w (in, out, P) and ∂L/∂x (batch, in) from g_sigma = ∂L/∂σ (in, out); without
    ``input_grad``, ∂L/∂w and None (∂L/∂w = (g/σ)·Cw needs no pass over the batch).

    Per slice, ∂L/∂f = Q (f − f̄) = Q_B·B + Q_s·(silu − its mean) − Q_B·b̄, as two batched
    products (the second with a column of ones for the constant), never forming f: an
    elementwise broadcast over the short last axis P costs 3× as much (measured).
    """
    mean, Cw, sc = stats
    n, in_dim = cache.x.shape
    r = np.divide(g_sigma, sigma, out=np.zeros_like(sigma), where=sigma > 0)  # (in, out)
    if not input_grad:
        return r[:, :, None] * Cw, None
    Q = (r[:, :, None] * w).transpose(0, 2, 1) @ w / n         # (in, P, P), symmetric
    Q_sc = np.empty((in_dim, 2, Q.shape[2]))                   # (in, 2, P)
    Q_sc[:, 0] = Q[:, 0]
    Q_sc[:, 1:] = -(mean[:, None, 1:] @ Q[:, 1:, :])           # −b̄ᵀ Q_B
    B3 = cache.B.reshape(n, in_dim, -1)                        # (N, in, M), a view
    dx = np.empty_like(cache.x)                                # (batch, in)
    for rows in slices(cache):
        sc1 = np.ones((in_dim, rows.stop - rows.start, 2))     # (in, r, 2): [silu − mean, 1]
        sc1[:, :, 0] = sc[rows].T
        dF = B3[rows].transpose(1, 0, 2) @ Q[:, 1:, :]         # (in, r, P)
        dF += sc1 @ Q_sc
        dx[rows] = features_backward(dF, cache, rows)
    return r[:, :, None] * Cw, dx


def _values(cache, rows, w):
    """φ (in, r, out) of the slice, and the views of B (in, r, M) and silu(x) (in, r, 1) it used."""
    Bt = cache.B[rows].reshape(rows.stop - rows.start, cache.x.shape[1], -1).transpose(1, 0, 2)
    s1 = cache.silu_x[rows].T[:, :, None]                      # (in, r, 1)
    phi = Bt @ w[:, :, 1:].transpose(0, 2, 1)                  # (in, r, out): Σ_m w_s c B
    phi += s1 @ w[:, None, :, 0]                               # + w_b silu(x)
    return phi, Bt, s1


def l1(cache, w, keep=False):
    """A_ij = (1/N) Σ_s |φ_ij(s)| (in, out); with ``keep`` also φ of a one-slice batch."""
    parts = slices(cache, w.shape[1])
    A, phi = 0.0, None
    for rows in parts:
        phi = _values(cache, rows, w)[0]                       # (in, r, out)
        A = A + np.ones(phi.shape[1]) @ np.abs(phi)              # Σ_s |φ| (in, out): as ``column_mean``, a product
    return A / len(cache.x), (phi if keep and len(parts) == 1 else None)


def l1_backward(dA, w, cache, phi=None, input_grad=True):
    """∂L/∂w and ∂L/∂x (batch, in) from dA = ∂L/∂A (in, out), or ∂L/∂w and None without
    ``input_grad``; phi: ``l1``'s kept values."""
    n = len(cache.x)
    gw, dx = np.zeros_like(w), (np.empty_like(cache.x) if input_grad else None)
    for rows in slices(cache, w.shape[1]):
        p, Bt, s1 = _values(cache, rows, w)
        p = phi if phi is not None else p                      # (in, r, out)
        dphi = np.sign(p) * (dA / n)[:, None, :]               # (in, r, out)
        dphi_t = dphi.transpose(0, 2, 1)                       # (in, out, r)
        gw[:, :, 1:] += dphi_t @ Bt                            # (in, out, M)
        gw[:, :, 0] += (dphi_t @ s1)[:, :, 0]
        if input_grad:
            dx[rows] = features_backward(dphi @ w, cache, rows)  # dphi @ w: (in, r, P), ∂L/∂f
    return gw, dx
