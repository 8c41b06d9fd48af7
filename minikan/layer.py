"""One KAN layer: a learnable 1-D function on every edge, nodes that only sum.

Math: y_j = Σ_i mask_{ij} φ_{j,i}(x_i),
      φ_{j,i}(x) = w_b·silu(x) + w_s·Σ_m c_m B_m(x)     [KAN arXiv:2404.19756, §2.2, eqs. 2.5, 2.10–2.12]
In code every per-edge array is indexed [i, j] (input i, output j): coef (in, out, n_basis)
holds c_m, scale_base (in, out) w_b, scale_sp (in, out) w_s.
Shapes: batch; in_dim, out_dim; G intervals; k degree; n_basis = G + k.

The forward never builds the (batch, in, out) tensor of edge values. Summing over i and m
first, the layer is two matrix products (the backward is their transposes):

    y = B·W + silu(x)·W_b,   B[b, (i, m)] = B_m(x_{b,i}),   W[(i, m), j] = mask_ij w_s,ij c_ijm,
                             W_b[i, j] = mask_ij w_b,ij,

with B (batch, in·n_basis) input-major, built from the k + 1 non-zero basis values of each
input (``bspline.local_basis``, ``bspline.scatter``). The per-edge values, for plots and
symbolic fitting, come from a second pair, ``edge_forward``/``edge_backward``, run on slices;
the sparsity penalty reads the forward's cached basis instead (``spline_cache``, edge_stats.py).
The basis depends on x and the knots only (``input_basis``), so a model's first layer, whose
input is the data a fit sees again and again, keeps the last ones (``KANLayer._data_basis``).

Symbolic edges (``symbolic/edges.py``, a later step of the reading order) add their values
in ``KANLayer.forward``; the symbolic package is imported only when a layer has one.
"""
from typing import NamedTuple

import numpy as np

from minikan import bspline, knotgrid, validate


def sigmoid(x):
    """σ(x) = 1/(1 + e^{-x}); e^{-x} = inf below x ≈ -709 gives the right limit 0.

    Written as the definition, it keeps the relative precision of σ(x) ≈ e^x for x ≪ 0,
    where (1 + tanh(x/2))/2 cancels to 0 (x < -38); as fast (0.040 against 0.042 ms on
    1024 × 32 inputs, numpy 2.4).
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def silu(x):
    """silu(x) = x·σ(x)."""
    return x * sigmoid(x)


def silu_grad(x, sig=None):
    """d silu/dx = σ(x) + x·σ(x)(1 - σ(x)); pass sig = σ(x) if it is already known."""
    s = sigmoid(x) if sig is None else sig
    return s * (1.0 + x * (1.0 - s))


class Basis(NamedTuple):
    """What ``layer_forward`` computes from x and the knots alone (``input_basis``)."""
    x: np.ndarray            # (batch, in_dim) the input
    sigmoid_x: np.ndarray    # (batch, in_dim) σ(x), for silu'(x)
    silu_x: np.ndarray       # (batch, in_dim) silu(x) = x σ(x)
    B: np.ndarray            # (batch, in_dim·n_basis) the basis, input-major
    pos: np.ndarray          # (k+1, batch, in_dim) where each non-zero B_m(x_i) sits in B
    dV: np.ndarray           # (k+1, batch, in_dim) the derivatives of those B_m
    derived: dict            # what others compute from these alone, kept with them (edge_stats.py)


def input_basis(x, t, k, n_basis):
    """The ``Basis`` of x (batch, in_dim) on knots t (in_dim, n_knots) of degree k."""
    batch, in_dim = x.shape
    mu, V, dV = bspline.local_basis(x, t, k)                   # (batch, in_dim), 2 × (k+1, batch, in_dim)
    pos = bspline.positions(mu, k, n_basis)                    # (k+1, batch, in_dim)
    B = bspline.scatter(V, pos, (batch, in_dim * n_basis))     # (batch, in_dim·n_basis)
    sig = sigmoid(x)                                           # (batch, in_dim)
    return Basis(x, sig, x * sig, B, pos, dV, {})              # x·σ(x) = silu(x)


class LayerCache(NamedTuple):
    """What ``layer_backward`` needs from ``layer_forward``: the ``Basis`` fields, then the weights."""
    x: np.ndarray            # (batch, in_dim) the input
    sigmoid_x: np.ndarray    # (batch, in_dim) σ(x)
    silu_x: np.ndarray       # (batch, in_dim) silu(x)
    B: np.ndarray            # (batch, in_dim·n_basis)
    pos: np.ndarray          # (k+1, batch, in_dim)
    dV: np.ndarray           # (k+1, batch, in_dim)
    derived: dict
    W: np.ndarray            # (in_dim·n_basis, out_dim) mask·w_s·c
    W_base: np.ndarray       # (in_dim, out_dim) mask·w_b
    coef: np.ndarray         # (in_dim, out_dim, n_basis)
    scale_sp: np.ndarray     # (in_dim, out_dim)
    mask: np.ndarray         # (in_dim, out_dim)


def layer_forward(x, coef, scale_base, scale_sp, mask, t, k, basis=None):
    """y_j = Σ_i mask_ij (w_b silu(x_i) + w_s Σ_m c_ijm B_m(x_i)), as two matrix products.

    Parameters
    ----------
    x : (batch, in_dim)
    coef : (in_dim, out_dim, n_basis)
    scale_base, scale_sp, mask : (in_dim, out_dim)
    t, k : (in_dim, n_knots) knots; degree.
    basis : ``input_basis(x, t, k, n_basis)`` when it is already known, else None.

    Returns
    -------
    y : (batch, out_dim)
    cache : the ``LayerCache`` for ``layer_backward``.
    """
    out_dim, n_basis = coef.shape[1:]
    if basis is None:
        basis = input_basis(x, t, k, n_basis)
    W = ((mask * scale_sp)[:, :, None] * coef).transpose(0, 2, 1).reshape(-1, out_dim)  # (in·n_basis, out)
    W_base = mask * scale_base                                 # (in_dim, out_dim)
    y = basis.B @ W + basis.silu_x @ W_base                    # (batch, out_dim): spline + residual
    return y, LayerCache(x, *basis[1:], W, W_base, coef, scale_sp, mask)


def layer_backward(dout, cache, input_grad=True):
    """Gradients of a scalar loss L through ``layer_forward``, given dout = ∂L/∂y.

    Go one factor at a time: y = B·W + silu(x)·W_b, so ∂L/∂W = Bᵀ·dout, ∂L/∂W_b =
    silu(x)ᵀ·dout, ∂L/∂B = dout·Wᵀ and ∂L/∂silu(x) = dout·W_bᵀ; W's entries are products
    mask·w_s·c (W_b's mask·w_b), and B depends on x only through the k+1 non-zero B_m(x).

    Returns
    -------
    dx : (batch, in_dim), or None without ``input_grad`` (a first layer in training, whose
        input is data: it skips the product dout·Wᵀ, the gather and silu').
    grads : {coef, scale_base, scale_sp} shaped as the params.
    """
    c = cache
    in_dim, out_dim, n_basis = c.coef.shape
    dW = (c.B.T @ dout).reshape(in_dim, n_basis, out_dim).transpose(0, 2, 1)  # (in, out, n_basis): ∂L/∂(mask w_s c)
    grads = {
        "coef": (c.mask * c.scale_sp)[:, :, None] * dW,
        "scale_base": c.mask * (c.silu_x.T @ dout),
        "scale_sp": c.mask * np.einsum("ijm,ijm->ij", dW, c.coef),
    }
    if not input_grad:
        return None, grads
    dB = dout @ c.W.T                                          # (batch, in_dim·n_basis)
    dx = bspline.gather_dot(dB, c.pos, c.dV)                   # (batch, in_dim): Σ_m ∂L/∂B_m · B_m'
    dx += (dout @ c.W_base.T) * silu_grad(c.x, c.sigmoid_x)
    return dx, grads


class EdgeCache(NamedTuple):
    """What ``edge_backward`` needs from ``edge_forward``."""
    x: np.ndarray            # (batch, in_dim)
    silu_x: np.ndarray       # (batch, in_dim)
    B: np.ndarray            # (in_dim, batch, n_basis) the basis, per input
    pos: np.ndarray          # (k+1, batch, in_dim) where each non-zero B_m(x_i) sits in B
    dV: np.ndarray           # (k+1, batch, in_dim) the derivatives of those B_m
    spline: np.ndarray       # (batch, in_dim, out_dim) Σ_m c B
    coef: np.ndarray         # (in_dim, out_dim, n_basis)
    scale_base: np.ndarray   # (in_dim, out_dim)
    scale_sp: np.ndarray     # (in_dim, out_dim)
    mask: np.ndarray         # (in_dim, out_dim)


def edge_forward(x, coef, scale_base, scale_sp, mask, t, k):
    """Every edge's value φ_{j,i}(x_i), masked: (batch, in_dim, out_dim).

    Materialises the per-edge tensor, so call it on a slice of the batch when the batch
    is large.

    Returns
    -------
    phi : (batch, in_dim, out_dim)
    cache : the ``EdgeCache`` for ``edge_backward``.
    """
    batch, in_dim = x.shape
    n_basis = coef.shape[2]
    mu, V, dV = bspline.local_basis(x, t, k)                   # (batch, in_dim), 2 × (k+1, batch, in_dim)
    pos = bspline.positions(mu, k, n_basis)                    # (k+1, batch, in_dim)
    B = bspline.scatter(V, pos, (batch, in_dim, n_basis)).transpose(1, 0, 2)  # (in, batch, n_basis)
    spline = (B @ coef.transpose(0, 2, 1)).transpose(1, 0, 2)  # (batch, in_dim, out_dim): Σ_m c B
    s = silu(x)                                                # (batch, in_dim)
    phi = mask * (scale_base * s[:, :, None] + scale_sp * spline)
    return phi, EdgeCache(x, s, B, pos, dV, spline, coef, scale_base, scale_sp, mask)


def edge_backward(dphi, cache):
    """Gradients of a scalar loss L through ``edge_forward``, given dphi = ∂L/∂φ.

    Parameters
    ----------
    dphi, cache : (batch, in_dim, out_dim); the ``EdgeCache`` of ``edge_forward``.

    Returns
    -------
    dx, grads : (batch, in_dim); {coef, scale_base, scale_sp} shaped as the params.
    """
    c = cache
    dphi = dphi * c.mask                                       # (batch, in_dim, out_dim)
    grads = {
        "coef": c.scale_sp[:, :, None] * (dphi.transpose(1, 2, 0) @ c.B),  # (in, out, batch)@(in, batch, n_basis)
        "scale_base": np.einsum("bij,bi->ij", dphi, c.silu_x),
        "scale_sp": np.einsum("bij,bij->ij", dphi, c.spline),
    }
    batch, in_dim, out_dim = dphi.shape
    dB = bspline.scatter(c.dV, c.pos, (batch, in_dim, c.coef.shape[2])).transpose(1, 0, 2)  # (in, batch, n_basis)
    dspline = (dB @ c.coef.transpose(0, 2, 1)).transpose(1, 0, 2)  # (batch, in_dim, out_dim): Σ_m c B'
    dphi_dx = c.scale_base * silu_grad(c.x)[:, :, None] + c.scale_sp * dspline
    dx = np.einsum("bij,bij->bi", dphi, dphi_dx)               # (batch, in_dim)
    return dx, grads


def _symbolic_edges():
    """symbolic/edges.py, imported on first use: a layer has symbolic edges only after
    ``fix_symbolic`` (KAN §2.5.1 item 4, "Symbolification"; step 3 of §2.5.2's example), a
    later step of the reading order, so this module does not depend on it at import."""
    from minikan.symbolic import edges
    return edges


BASES_KEPT = 2           # the training and the test inputs of a fit
BASIS_BYTES_KEPT = 2 ** 28   # a larger basis (e.g. a prediction on millions of rows) is not kept


class ForwardCache(NamedTuple):
    """``KANLayer``'s cache: the spline pair's and the symbolic edges' (None without any)."""
    spline: tuple            # LayerCache or EdgeCache
    symbolic: dict           # {(i, j): name} of the active symbolic edges
    symbolic_cache: tuple    # symbolic/edges.py's cache, or None


class KANLayer:
    """A KAN layer with its parameters, state and one forward cache.

    Initialisation as pykan 0.2.8's KANLayer (KAN §2.2 "Initialization scales" gives w_s = 1,
    Xavier w_b and c ~ N(0, 0.1²) instead): each spline starts as small noise (uniform in
    ±noise_scale/(2G), fitted at the G + 1 base knots), so every φ starts near w_b·silu(x);
    w_b ~ U(-1, 1)/√in_dim and w_s = 1/√in_dim, so the sum over the inputs keeps the scale.

    params (trainable): coef (in, out, n_basis), scale_base (in, out), scale_sp (in, out),
    sym_affine (in, out, 4) — (a, b, c, d) of symbolic edges a·f(b·x + c) + d, unused while
    an edge is a spline. State: mask (in, out), knots (in, n_knots), symbolic {(i, j): name}.

    ``update_grid``, ``restrict`` change it in place; ``refined``, ``copy`` return a new layer.
    """

    def __init__(self, in_dim, out_dim, grid=5, k=3, grid_range=(-1.0, 1.0), noise_scale=0.3, seed=0):
        for name, v in (("in_dim", in_dim), ("out_dim", out_dim), ("grid", grid), ("k", k)):
            validate.check_positive_int(v, name)
        grid_range = validate.check_range(grid_range, "grid_range")
        noise_scale = validate.check_real(noise_scale, "noise_scale", minimum=0.0)
        rng = validate.as_rng(seed)
        self.k = int(k)
        self.knots = knotgrid.uniform_knots(grid, k, in_dim, grid_range)    # (in, n_knots)
        self.mask = np.ones((in_dim, out_dim))
        self.symbolic = {}
        x0 = self.knots[:, k:-k].T                                         # (G + 1, in) base knots
        noise = (rng.random((grid + 1, in_dim, out_dim)) - 0.5) * noise_scale / grid
        self.params = {
            "coef": bspline.curve_to_coef(x0, noise, self.knots, k),        # (in, out, n_basis)
            "scale_base": (rng.random((in_dim, out_dim)) * 2 - 1) / np.sqrt(in_dim),
            "scale_sp": np.ones((in_dim, out_dim)) / np.sqrt(in_dim),
            "sym_affine": np.tile([1.0, 1.0, 0.0, 0.0], (in_dim, out_dim, 1)),  # (in, out, 4)
        }
        self.grads = None
        self._cache = None
        self._bases = []         # [(x copy, knots copy, Basis)], newest first (``_data_basis``)
        self._update_basis = []  # [(x copy, knots copy, Basis)] of the last grid update (``_updated_basis``)

    in_dim = property(lambda self: self.mask.shape[0])
    out_dim = property(lambda self: self.mask.shape[1])
    grid = property(lambda self: self.knots.shape[1] - 2 * self.k - 1)

    def spline_mask(self):
        """mask with the symbolic edges switched off: the edges whose spline branch counts."""
        m = self.mask.copy()
        for i, j in self.symbolic:
            m[i, j] = 0.0
        return m

    def active_symbolic(self):
        """The symbolic edges that count: those not masked (a pruned edge is zero, symbolic or not)."""
        return {e: name for e, name in self.symbolic.items() if self.mask[e]}

    def _spline_args(self):
        p = self.params
        return p["coef"], p["scale_base"], p["scale_sp"], self.spline_mask(), self.knots, self.k

    def _symbolic_values(self, x):
        """(sym, v, cache): the active symbolic edges, their values v (batch, n_sym) on x and
        the cache for ``values_backward``; (sym, None, None) when there are none."""
        sym = self.active_symbolic()
        if not sym:
            return sym, None, None
        v, cache = _symbolic_edges().values(x, self.params["sym_affine"], sym)
        return sym, v, cache

    def forward(self, x, data=False):
        """y (batch, out_dim) for x (batch, in_dim); keeps the cache for ``backward``.

        ``data``: x is a model's input, likely to come again (``_data_basis``).
        """
        basis = self._data_basis(x) if data else self._updated_basis(x)
        y, cache = layer_forward(x, *self._spline_args(), basis=basis)
        sym, v, sym_cache = self._symbolic_values(x)
        if sym:
            y += v @ _symbolic_edges().scatter_matrix(sym, self.out_dim)  # (batch, n_sym)@(n_sym, out)
        self._cache = ForwardCache(cache, sym, sym_cache)
        return y

    __call__ = forward

    def _data_basis(self, x):
        """``input_basis`` of x, the one kept from an earlier call when x and the knots equal its.

        A fit evaluates the first layer on the same data again and again: L-BFGS ~20 times a
        step on the training inputs, and fit the test inputs once a step. The basis depends on
        x and the knots only, so the layer keeps the last BASES_KEPT with copies of their x
        and knots (a copy and a comparison of x, where the basis is ~60 passes over it and
        its gathers); the params change between the calls, the basis does not.
        """
        basis = self._kept(self._bases, x)
        if basis is None:
            x = x.copy()                     # the caller may change its array in place later
            basis = input_basis(x, self.knots, self.k, self.params["coef"].shape[2])
            if basis.B.nbytes <= BASIS_BYTES_KEPT:
                self._bases = [(x, self.knots.copy(), basis)] + self._bases[:BASES_KEPT - 1]
        return basis

    def _updated_basis(self, x):
        """The basis ``update_grid`` built on its samples (new knots), if x equals them, else None.

        A hidden layer's grid update refits c on the basis of its samples, and the forwards
        that follow evaluate the layer on those very samples: ``KAN.update_grid``'s own pass
        to the next layer, then the next objective (its layers before this one have the same
        params and inputs). The first forward on another x drops it (for [2, 5, 1]'s hidden
        layer on 1000 rows, one basis of ~0.25 ms per grid update).
        """
        basis = self._kept(self._update_basis, x)
        if basis is None:
            self._update_basis = []
        return basis

    def _kept(self, entries, x):
        """The Basis of the (x copy, knots copy, Basis) entry whose x and knots equal x and
        the layer's knots, or None."""
        for kept_x, kept_t, basis in entries:
            if kept_x.shape == x.shape and np.array_equal(kept_t, self.knots) and np.array_equal(kept_x, x):
                return basis
        return None

    def backward(self, dout, input_grad=True):
        """Replace ``grads`` with ∂L/∂params for dout = ∂L/∂y; return dx = ∂L/∂x (None
        without ``input_grad``)."""
        if self._cache is None:
            raise RuntimeError("KANLayer.backward called before forward")
        cache = self._cache
        dx, grads = layer_backward(dout, cache.spline, input_grad)
        grads["sym_affine"] = np.zeros_like(self.params["sym_affine"])
        if cache.symbolic_cache is not None:
            edges = _symbolic_edges()
            dv = dout @ edges.scatter_matrix(cache.symbolic, self.out_dim).T  # (batch, n_sym)
            dx_sym, grads["sym_affine"] = edges.values_backward(dv, cache.symbolic_cache)
            if input_grad:
                dx += dx_sym
        self.grads = grads
        return dx

    def edge_forward(self, x):
        """Every edge's φ_{j,i}(x_i) (batch, in_dim, out_dim) and the cache for ``edge_backward``."""
        phi, cache = edge_forward(x, *self._spline_args())
        sym, v, sym_cache = self._symbolic_values(x)
        if sym:
            i, j = _symbolic_edges().edge_index(sym)
            phi[:, i, j] = v                                           # (batch, n_sym)
        return phi, ForwardCache(cache, sym, sym_cache)

    def spline_cache(self, x, reuse=False):
        """``layer_forward``'s cache on x (batch, in_dim): silu(x), the basis and its derivatives.

        With ``reuse``, the last forward's when it ran on this very array (right after that
        forward, as in ``KAN.objective``: the knots have not moved since), so the sparsity
        penalty does not evaluate the basis again; else a fresh one. Leaves this layer's cache.
        """
        c = self._cache
        if reuse and c is not None and c.spline.x is x:
            return c.spline
        return layer_forward(x, *self._spline_args())[1]

    def edge_backward(self, dphi, cache):
        """dx (batch, in_dim) and grads (dict like params) for dphi = ∂L/∂φ (batch, in, out)."""
        dx, grads = edge_backward(dphi, cache.spline)
        grads["sym_affine"] = np.zeros_like(self.params["sym_affine"])
        if cache.symbolic_cache is not None:
            edges = _symbolic_edges()
            i, j = edges.edge_index(cache.symbolic)
            dx_sym, grads["sym_affine"] = edges.values_backward(dphi[:, i, j], cache.symbolic_cache)
            dx += dx_sym
        return dx, grads

    def spline_values(self, x, data=False):
        """Σ_m c_ijm B_m(x_i) for every edge, without w_s or mask: (batch, in_dim, out_dim)."""
        B = self._dense_basis(x, data).transpose(1, 0, 2)                 # (in, batch, n_basis)
        return (B @ self.params["coef"].transpose(0, 2, 1)).transpose(1, 0, 2)

    def _dense_basis(self, x, data=False):
        """B_m(x_i) (batch, in_dim, n_basis); with ``data`` (x is a model's input) the one
        ``_data_basis`` keeps, shared with the forward passes on x."""
        if data:
            return self._data_basis(x).B.reshape(len(x), self.in_dim, -1)
        return bspline.basis(x, self.knots, self.k)

    def update_grid(self, x, grid_eps=0.02, data=False):
        """Move the knots to the samples x (batch, in_dim) and refit c so each spline is kept.

        In place [KAN §2.2, implementation detail 3]. New knots by ``knotgrid.adaptive_knots`` with the margin
        ``knotgrid.GRID_MARGIN``: the base interval covers the samples and about eight sample
        spacings beyond each end, where unseen inputs from the same distribution still fall
        (past the base interval a fine-grid spline drops off towards zero). The coefficients
        are the least-squares fit of the old splines on x, so φ changes only by the fit error.
        ``data``: x is a model's input, as for ``forward``; both bases come from ``_data_basis``,
        where the old one usually is already and the next forward finds the new one ([2, 5, 1]'s
        first layer on 1000 rows, both bases kept: 0.79 → 0.41 ms; in a fit the update computes the
        new basis once and spares the next forward its own). Without ``data`` the new basis is
        kept for the forwards on these samples that follow (``_updated_basis``).
        """
        y = self.spline_values(x, data)                                    # (batch, in, out)
        self.knots = knotgrid.adaptive_knots(x, self.grid, self.k, grid_eps, knotgrid.GRID_MARGIN)
        if data:
            basis = self._data_basis(x)
        else:                                # kept for the forwards that follow (``_updated_basis``)
            x = x.copy()
            basis = input_basis(x, self.knots, self.k, self.params["coef"].shape[2])
            self._update_basis = [(x, self.knots.copy(), basis)] if basis.B.nbytes <= BASIS_BYTES_KEPT else []
        self.params["coef"][...] = bspline.least_squares(basis.B.reshape(len(x), self.in_dim, -1), y)

    def refined(self, new_grid, x):
        """A new layer on a grid of ``new_grid`` intervals, its splines fitted to these [KAN §2.4,
        eq. 2.16]; this layer is unchanged (``KAN.refine`` builds its new model from these).

        The base interval is kept (``knotgrid.refine_knots``), margins and extension knots
        included, and widened where x has drifted past it (``knotgrid.cover_samples``). The fit is
        least squares on the samples x (batch, in_dim) plus ``knotgrid.base_points`` of the
        new grid, where the old spline is known too: samples alone leave the margins and
        sparse tails to extrapolation (measured on skewed samples, 10 → 23 intervals: 4e-4
        relative error there; with the points, 4e-6).
        """
        validate.check_positive_int(new_grid, "new_grid")
        new = self.copy()
        new.knots = knotgrid.cover_samples(knotgrid.refine_knots(self.knots, self.k, new_grid), self.k, x,
                                          knotgrid.GRID_MARGIN)
        xf = np.concatenate([x, knotgrid.base_points(new.knots, self.k, self.k + 1)])  # (batch + G(k+1), in)
        new.params["coef"] = bspline.curve_to_coef(xf, self.spline_values(xf), new.knots, self.k)
        return new

    def restrict(self, rows, cols):
        """Keep only inputs ``rows`` and outputs ``cols`` (index lists), in place."""
        rows, cols = np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp)
        self.mask = self.mask[np.ix_(rows, cols)]
        self.knots = self.knots[rows]
        self.params = {name: v[np.ix_(rows, cols)].copy() for name, v in self.params.items()}
        new_i = {int(i): a for a, i in enumerate(rows)}
        new_j = {int(j): b for b, j in enumerate(cols)}
        self.symbolic = {(new_i[i], new_j[j]): name for (i, j), name in self.symbolic.items()
                         if i in new_i and j in new_j}
        self.grads, self._cache, self._bases, self._update_basis = None, None, [], []

    def copy(self):
        new = object.__new__(KANLayer)
        new.k, new.knots, new.mask = self.k, self.knots.copy(), self.mask.copy()
        new.symbolic = dict(self.symbolic)
        new.params = {name: v.copy() for name, v in self.params.items()}
        new.grads, new._cache, new._bases, new._update_basis = None, None, [], []
        return new
