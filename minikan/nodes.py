"""Node operations between layers: sum nodes pass through, KAN 2.0 multiplication nodes multiply.

Math: Ψ^(l) = M^(l) ∘ Φ^(l)                                      [KAN 2.0 arXiv:2408.10205, §2]
A hidden layer of width [n_sum, n_mult] receives n_sum + Σ_g a_g sub-nodes from the KAN
layer before it: the first n_sum pass through as sums; then each consecutive group of
a_g sub-nodes (the arity of node g) is multiplied into one node. A plain KAN layer can
only make a product through squares, 2xy = (x+y)² − (x² + y²); a multiplication node
makes it explicit.

Shapes: batch; n_sub = n_sum + Σ arities (sub-nodes in); n_nodes = n_sum + n_mult (out).
"""
import numpy as np


def normalize_width(width, mult_arity=2):
    """Width as [[n_sum, n_mult], …] and the arity of every multiplication node per layer.

    Parameters
    ----------
    width : list
        One entry per layer of nodes, at least two: an int (sum nodes only) or a pair
        [n_sum, n_mult]. Only hidden layers may have multiplication nodes.
    mult_arity : int or list
        One int for every multiplication node, or a list with one entry per layer of
        nodes, each an int or a list of one arity (≥ 2) per multiplication node there.

    Returns
    -------
    widths : list of [n_sum, n_mult]
    arities : list of list of int
        ``arities[l][g]``: the factors of multiplication node g of layer l.
    """
    if not isinstance(width, (list, tuple)) or len(width) < 2:
        raise ValueError(f"width must be a list of at least 2 layer sizes, got {width!r}")
    widths = []
    for l, w in enumerate(width):
        pair = list(w) if isinstance(w, (list, tuple)) else [w, 0]
        if len(pair) != 2 or not all(_is_count(n) for n in pair):
            raise ValueError(f"width[{l}] must be a non-negative integer or a pair "
                             f"[n_sum, n_mult] of them, got {w!r}")
        pair = [int(n) for n in pair]
        if sum(pair) < 1:
            raise ValueError(f"width[{l}] must have at least one node, got {w!r}")
        if pair[1] and l in (0, len(width) - 1):
            raise ValueError(f"width[{l}]: multiplication nodes are only allowed in hidden "
                             f"layers, got {w!r} in the {'input' if l == 0 else 'output'} layer")
        widths.append(pair)
    return widths, _normalize_arity(widths, mult_arity)


def _is_count(n):
    return isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 0


def _normalize_arity(widths, mult_arity):
    if isinstance(mult_arity, (int, np.integer)) and not isinstance(mult_arity, bool):
        per_layer = [[int(mult_arity)] * n_mult for _, n_mult in widths]
    elif isinstance(mult_arity, (list, tuple)) and len(mult_arity) == len(widths):
        per_layer = []
        for l, (a, (_, n_mult)) in enumerate(zip(mult_arity, widths)):
            a = [a] * n_mult if isinstance(a, (int, np.integer)) else list(a)
            if len(a) != n_mult:
                raise ValueError(f"mult_arity[{l}] must give one arity per multiplication node "
                                 f"({n_mult}), got {mult_arity[l]!r}")
            per_layer.append([int(v) for v in a])
    else:
        raise ValueError("mult_arity must be an int or a list with one entry per layer "
                         f"({len(widths)}), got {mult_arity!r}")
    for l, arities in enumerate(per_layer):
        if any(a < 2 for a in arities):
            raise ValueError(f"mult_arity must be at least 2 (a product of one factor is a "
                             f"sum node), got {arities} in layer {l}")
    return per_layer


def subnode_groups(n_sum, arities):
    """The sub-nodes that feed each node of a layer of width [n_sum, len(arities)].

    Sum node s reads sub-node s alone; multiplication node g reads the next a_g
    consecutive sub-nodes, in order after the sums.

    Parameters
    ----------
    n_sum : int
        Number of sum nodes.
    arities : list of int
        a_g, the number of factors of each multiplication node.

    Returns
    -------
    list of range, length n_nodes
        ``groups[n]`` are the sub-node indices (columns of the KAN layer's output) of node n:
        ``range(s, s + 1)`` for sum node s, then ``range(start_g, start_g + a_g)``.
    """
    groups = [range(s, s + 1) for s in range(n_sum)]
    start = n_sum
    for a in arities:
        groups.append(range(start, start + a))
        start += a
    return groups


def mult_forward(z, n_sum, arities):
    r"""Sum nodes pass through; each group of a_g sub-nodes becomes their product.

    .. math::
        \mathrm{out}_s = z_s \ (s < n_{sum}), \qquad
        \mathrm{out}_{n_{sum}+g} = \prod_{r \in \mathrm{group}\ g} z_r     [KAN 2.0 §2]

    Parameters
    ----------
    z : ndarray, shape (batch, n_sub)
        The KAN layer's outputs (sub-nodes).
    n_sum : int
        Number of sum nodes.
    arities : list of int
        Factors of each multiplication node.

    Returns
    -------
    out : ndarray, shape (batch, n_nodes)
    cache : tuple
        What ``mult_backward`` needs.
    """
    out = np.empty((z.shape[0], n_sum + len(arities)))        # (batch, n_nodes)
    out[:, :n_sum] = z[:, :n_sum]
    for g, group in enumerate(subnode_groups(n_sum, arities)[n_sum:]):
        out[:, n_sum + g] = np.prod(z[:, group], axis=1)      # (batch,)
    return out, (z, n_sum, arities)


def mult_backward(dout, cache):
    """Product rule: ∂(Π_s z_s)/∂z_r = Π_{s≠r} z_s.

    The product of the others is built from prefix and suffix products, not by dividing
    the whole product by z_r, so a zero factor is handled exactly.

    Parameters
    ----------
    dout : ndarray, shape (batch, n_nodes)
        ∂L/∂out.
    cache : tuple
        From ``mult_forward``.

    Returns
    -------
    dz : ndarray, shape (batch, n_sub)
        ∂L/∂z.
    """
    z, n_sum, arities = cache
    dz = np.empty_like(z)                                      # (batch, n_sub)
    dz[:, :n_sum] = dout[:, :n_sum]
    ones = np.ones((z.shape[0], 1))                            # (batch, 1)
    for g, group in enumerate(subnode_groups(n_sum, arities)[n_sum:]):
        Z = z[:, group]                                        # (batch, a)
        before = np.cumprod(np.hstack([ones, Z[:, :-1]]), axis=1)            # (batch, a): Π_{s<r} z_s
        after = np.cumprod(np.hstack([ones, Z[:, :0:-1]]), axis=1)[:, ::-1]  # (batch, a): Π_{s>r} z_s
        dz[:, group] = dout[:, n_sum + g, None] * before * after
    return dz


def grid_update_layers(arities, first):
    """Indices of the layers a grid update moves: all, except at a fit's first update those
    whose inputs include multiplication nodes (``arities[l]`` non-empty), which wait for the next.

    Why: a product of two untrained factors is concentrated near 0 and one-sided. In
    [2, [0, 1], 1] on x·sin(πy) (seed 0) it spans [−0.017, 0.27] at step 0 and ±0.2 once
    trained; knots adapted to it at step 0 put the next layer's spline on the wrong side of
    zero, and L-BFGS settled where a bent outer function compensates the factors' cross terms
    (test RMSE 8.8e-2). Five steps later the factors have their scale and sign, and the
    update that follows is a good one. Measured (benchmarks/kan2_xy.py --products, seeds 0–4,
    G = 5 then 10, 50 L-BFGS steps each), seeds below 1e-3 at G = 10, updating at step 0 →
    waiting: x·sin(πy) 1 → 5 (all 9.7e-5), x·y 4 → 5 (all ≈ 1e-6), sin(πx)·sin(πy) 0 → 3,
    x·e^y 0 → 4; x·y on [0, 2]² 3 → 2 (medians 9.6e-4 → 2.5e-3: where the product is
    one-sided anyway, waiting gains nothing); cos(2x)·(1 + y²) 0 → 1 (median 1.3e-1 → 3.4e-2).
    """
    return [l for l, a in enumerate(arities[:-1]) if not (first and a)]
