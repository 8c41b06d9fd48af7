"""Attribution scores and pruning: cut a trained KAN down to the edges that matter.

Two ways to score:
- "l1" (KAN arXiv:2404.19756 §2.5.1, item 3 "Pruning", eq. 2.21): the edge score is
  |φ|₁ = mean_s |φ(x_s)| on the data (eq. 2.17); a hidden node's incoming score is the max
  over its incoming edges, its outgoing score the max over its outgoing edges; it survives
  if both exceed ``node_th``.
- "attribution" (KAN 2.0 arXiv:2408.10205 §4.1): importance flows back from the outputs.
  Output nodes score 1; an edge gets its output node's score times its share of that node's
  spread, and a node sums its outgoing edges' scores:
      s^edge_{l,i,j} = s^node_{l+1,j} · std(φ_{l,j,i}) / std(x_{l+1,j}),
      s^node_{l,i} = Σ_j s^edge_{l,i,j};
  a hidden node survives if s^node_{l,i} > node_th. (KAN 2.0 writes s^node as A and
  s^edge as B; here A is the sparsity penalty's edge score, ``regularize.py``, and B the
  spline basis, so the scores are spelt out.)

``prune`` does nodes, then edges (score < ``edge_th`` → masked), then removes the hidden
nodes left with no incoming or no outgoing edge, and builds a new, smaller model with the
dead nodes physically gone. Removing a node also removes its edges, so the new model
equals the original with those edges masked. Multiplication nodes count their sub-nodes'
incoming edges as theirs; removing one removes its sub-nodes.
"""
import warnings

import numpy as np

from minikan import nodes, regularize, validate

NODE_TH = 1e-2   # the KAN paper's default θ for node scores (§2.5.1, item 3); pykan 0.2.8's node_th
EDGE_TH = 3e-2   # not in the papers: pykan 0.2.8's code default (MultKAN.prune's edge_th)
MODES = ("l1", "attribution")


def _subnode_groups(model, l):
    """For the nodes of layer l (l ≥ 1): the sub-node columns of layer l-1 feeding each."""
    return nodes.subnode_groups(model.width[l][0], model.arities[l])


def scores(model, x, mode="l1"):
    """Edge scores per layer (in_l, out_l) and node scores per layer, on samples x (batch, d).

    Returns {"edge": [...], "node": [...]}; node scores of layer l are (n_nodes_l,), for
    "l1" the min of incoming and outgoing score (inputs: outgoing only; outputs: incoming).
    """
    validate.check_choice(mode, "mode", MODES)
    inputs = model.layer_inputs(x)                                     # list of (batch, in_l)
    if mode == "l1":
        edge = [regularize.edge_l1(layer, xl) for layer, xl in zip(model.layers, inputs)]
        node = []
        for l in range(model.depth + 1):
            out_score = edge[l].max(axis=1) if l < model.depth else np.inf
            in_score = (np.array([edge[l - 1][:, g].max() for g in _subnode_groups(model, l)])
                        if l > 0 else np.inf)
            node.append(np.minimum(in_score, out_score) * np.ones(sum(model.width[l])))
        return {"edge": edge, "node": node}
    return _attribution(model, inputs)


def _attribution(model, inputs):
    """KAN 2.0 attribution scores (§4.1), from the outputs back to the inputs."""
    node_score = np.ones(sum(model.width[-1]))                         # output nodes score 1
    edge, node = [None] * model.depth, [None] * (model.depth + 1)
    node[-1] = node_score
    for l in reversed(range(model.depth)):
        layer = model.layers[l]
        groups = _subnode_groups(model, l + 1)
        sub_score = np.empty(layer.out_dim)                            # a sub-node inherits its node's score
        for n, g in enumerate(groups):
            sub_score[g] = node_score[n]
        phi_std, sub_values = _edge_std_and_sums(layer, inputs[l])      # (in, out), (batch, out)
        sub_std = sub_values.std(axis=0)                                # (out_l,): each sub-node Σ_i φ_{l,j,i}
        share = np.divide(phi_std, sub_std, out=np.zeros_like(phi_std), where=sub_std > 0)
        edge[l] = share * sub_score                                     # (in_l, out_l): s^edge_{l,i,j}
        node_score = edge[l].sum(axis=1)                                # (in_l,): s^node_{l,i}
        node[l] = node_score
    return {"edge": edge, "node": node}


def _edge_std_and_sums(layer, x):
    """std over samples of each φ_{j,i}(x_i) (in, out), and each sub-node's value Σ_i φ (batch, out).

    One pass over slices of the batch, so the per-edge tensor is never whole. The moments
    are taken about the first slice's mean c: var = E[(φ−c)²] − (E[φ−c])², which keeps its
    precision for a near-constant edge with an offset (the ones attribution must score
    low), where E[φ²] − E[φ]² would cancel to rounding noise.

    Why not ``edge_stats.spread``, which gives the same σ from the forward's cached basis as
    a quadratic form wᵀCw: the B-splines sum to one, so an edge's constant offset lies along
    a direction C maps to ~0, and the form loses about (offset/σ)²·eps. Measured on
    [2, 3, 1] with σ ≈ 9e-3 (500 samples): offset 1e2 → 4e-9 relative, 1e4 → 4e-5, 1e8 → σ
    88× too large; this pass: 1.5e-11 at 1e8. Fine for the penalty, not for the scores
    that must rank such an edge low.
    """
    n, s1, s2, c = len(x), 0.0, 0.0, None
    sums = np.zeros((n, layer.out_dim))                                 # (batch, out)
    for rows in regularize._chunks(n, layer.in_dim, layer.out_dim, regularize.CHUNK_ELEMENTS):
        phi, _ = layer.edge_forward(x[rows])                            # (rows, in, out)
        c = phi.mean(axis=0) if c is None else c                        # (in, out) shift
        s1, s2 = s1 + (phi - c).sum(axis=0), s2 + ((phi - c) ** 2).sum(axis=0)
        sums[rows] = phi.sum(axis=1)
    return np.sqrt(np.maximum(s2 / n - (s1 / n) ** 2, 0.0)), sums


def prune(model, node_th=NODE_TH, edge_th=EDGE_TH, x=None, mode="attribution", keep_strongest=True):
    """A new, smaller model: weak hidden nodes and edges removed. The original is untouched.

    When the thresholds would remove every node of a hidden layer — the network would be
    constant — ``keep_strongest`` keeps that layer's highest-scoring node with its
    strongest incoming and outgoing edges, and warns; otherwise it is a ValueError.
    """
    node_th = validate.check_real(node_th, "node_th", minimum=0.0)
    edge_th = validate.check_real(edge_th, "edge_th", minimum=0.0)
    if not isinstance(keep_strongest, bool):
        raise TypeError(f"keep_strongest must be True or False, got {keep_strongest!r}")
    s = scores(model, model.data_x(x), mode)
    masks = [layer.mask * (e >= edge_th) for layer, e in zip(model.layers, s["edge"])]
    alive = [np.ones(sum(w), bool) for w in model.width]
    for l in range(1, model.depth):
        alive[l] = s["node"][l] > node_th
    _settle(model, masks, alive)
    empty = [l for l in range(1, model.depth) if not alive[l].any()]
    if empty and keep_strongest:
        for l in empty:
            n = _keep_strongest_node(model, s, masks, alive, l)
            warnings.warn(f"pruning with node_th={node_th}, edge_th={edge_th} would remove every node "
                          f"of hidden layer {l}; kept its strongest node {n} (score "
                          f"{s['node'][l][n]:.2e})", RuntimeWarning, stacklevel=3)
        _settle(model, masks, alive)
        empty = [l for l in range(1, model.depth) if not alive[l].any()]
    if empty:                        # every path cut: the pruned network would be constant 0
        raise ValueError(f"pruning with node_th={node_th}, edge_th={edge_th} removes every node of "
                         f"hidden layer {empty[0]}, leaving a constant network; lower the thresholds "
                         "or train with a smaller lamb")
    return _rebuild(model, masks, alive)


def _settle(model, masks, alive):
    """Remove, until nothing changes, the nodes left without incoming or outgoing edges (in place)."""
    while True:
        _cut_dead(model, masks, alive)
        changed = False
        for l in range(1, model.depth):
            # A sum node needs one incoming edge; a product needs one into every factor,
            # since a factor with none is 0 and so is the product.
            has_in = np.array([masks[l - 1][:, g].any(axis=0).all() for g in _subnode_groups(model, l)])
            has_out = masks[l].any(axis=1)
            now = alive[l] & has_in & has_out
            changed |= bool((now != alive[l]).any())
            alive[l] = now
        if not changed:
            return


def _keep_strongest_node(model, s, masks, alive, l):
    """Revive hidden layer l's best node with its best edge into each sub-node and its best edge out."""
    n = int(np.argmax(s["node"][l]))
    alive[l][n] = True
    for c in _subnode_groups(model, l)[n]:
        into = s["edge"][l - 1][:, c] * model.layers[l - 1].mask[:, c] * alive[l - 1]   # (in_{l-1},)
        masks[l - 1][int(np.argmax(into)), c] = 1.0
    out = s["edge"][l][n] * model.layers[l].mask[n]                                    # (out_l,)
    masks[l][n, int(np.argmax(out))] = 1.0
    for m, g in enumerate(_subnode_groups(model, l + 1)):
        if any(masks[l][n, c] for c in g):
            alive[l + 1][m] = True
    return n


def _cut_dead(model, masks, alive):
    """Mask every edge into or out of a dead node (in place)."""
    for l in range(model.depth):
        masks[l][~alive[l], :] = 0.0
        for n, g in enumerate(_subnode_groups(model, l + 1)):
            if not alive[l + 1][n]:
                masks[l][:, g] = 0.0


def _rebuild(model, masks, alive, keep_inputs=None):
    """The model restricted to the live nodes, with the given masks."""
    new = model.copy()
    alive = list(alive)
    if keep_inputs is not None:
        alive[0] = keep_inputs
    for l in range(model.depth + 1):
        n_sum = model.width[l][0]
        idx = np.flatnonzero(alive[l])
        new.width[l] = [int((idx < n_sum).sum()), int((idx >= n_sum).sum())]
        new.arities[l] = [model.arities[l][n - n_sum] for n in idx if n >= n_sum]
    for l, layer in enumerate(new.layers):
        rows = np.flatnonzero(alive[l])
        groups = _subnode_groups(model, l + 1)
        cols = [c for n in np.flatnonzero(alive[l + 1]) for c in groups[n]]
        layer.mask = masks[l].copy()
        layer.restrict(rows, cols)
    new.input_names = [name for name, a in zip(model.input_names, alive[0]) if a]
    if new.train_input is not None:
        new.train_input = new.train_input[:, alive[0]]
    if new.normalization is not None:
        new.normalization = new.normalization.restrict(alive[0])
    return new


def prune_input(model, threshold=EDGE_TH, x=None, mode="attribution"):
    """A new model without the inputs that do not matter (names kept).

    "attribution": an input goes when its node score — its share of the outputs' spread —
    is below ``threshold``; "l1": when every one of its edges has |φ|₁ below it. (An input
    whose edges are flat but offset carries no information, yet its |φ|₁ can be large.)
    """
    threshold = validate.check_real(threshold, "threshold", minimum=0.0)
    s = scores(model, model.data_x(x), mode)
    if mode == "l1":
        keep = (s["edge"][0] * model.layers[0].mask).max(axis=1) >= threshold
    else:
        keep = s["node"][0] >= threshold
    if not keep.any():
        raise ValueError(f"prune_input would remove every input (all scores < threshold={threshold})")
    masks = [layer.mask.copy() for layer in model.layers]
    masks[0][~keep] = 0.0
    alive = [np.ones(sum(w), bool) for w in model.width]
    return _rebuild(model, masks, alive, keep_inputs=keep)
