"""The network diagram: nodes in rows, each active edge's φ as a small inset (KAN arXiv:2404.19756 §2.5.1)."""
import textwrap

import numpy as np

from minikan import prune, validate
from minikan.plot.figure import SPLINE_COLOR, SYMBOLIC_COLOR, check_names, new_figure, samples, save

CURVE_POINTS = 80            # points per inset curve: smooth at inset size
MAX_INSETS = 24              # per layer; beyond this insets would be < 0.4 in wide (see plot_model)
ALPHA_MIN = 0.12             # the weakest active edge stays visible, so masked ≠ weak
# Network geometry, inches at scale=1.
LAYER_H = 1.9                # between node rows
INSET_MAX = 0.62             # largest inset side
INSET_PITCH = 1.3            # inset spacing / inset side
PAD = 0.3                    # left/right margin
MIN_W, MAX_W = 3.5, 12.0     # figure width limits
SUB_DX, SUB_DY = 0.2, 0.32   # sub-node spacing below a multiplication node
INSET_MARGIN = 0.1           # blank fraction of an inset on each side of its curve
# A curve whose range is below this fraction of its size is drawn flat: its wiggle is round-off.
FLAT_RTOL = 1e-9
MIN_FONT = 6                 # points: smaller labels are unreadable at DPI, whatever the scale


def plot_model(model, path=None, x=None, scale=1.0, in_vars=None, out_vars=None, title=None):
    """Draw the network: nodes in rows, each active edge's φ as a small inset on its way.

    Parameters
    ----------
    model : KAN
    path : str or path-like, optional
        Also save the figure there (PNG at ``DPI`` unless the suffix says otherwise).
    x : array_like, shape (batch, d), optional
        Samples that set each inset's range and each edge's score; default the inputs of
        the model's last ``fit`` (``model.data_x``). At most MAX_SAMPLES are used.
    scale : float
        Multiplies every size (figure, insets, fonts).
    in_vars, out_vars : list of str, optional
        Names under the inputs (default ``model.input_names``) and over the outputs
        (default y, or y1, y2, … for several outputs).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
        One Axes (``fig.axes[0]``) holds the drawing. Each inset is a Rectangle with gid
        "edge_inset" and label "edge l,i,j", its curve a Line2D with gid "edge_curve" and the
        same label; a symbolic edge's function name (its library key) is a Text with gid
        "symbolic_name" and that label; edges without an inset are lines with gid
        "edge_line"; ⊗ texts have gid "mult_node", names "input_name" / "output_name".

    Notes
    -----
    - Each inset plots φ_{l,j,i} on CURVE_POINTS points spanning the range of x_{l,i} on
      the samples; spline edges are black, symbolic edges red. Line and inset opacity is
      ALPHA_MIN + (1 − ALPHA_MIN)·s/s_max, s the edge's |φ|₁ and s_max the layer's largest.
    - Insets sit in one row between two node rows, ordered by where their edge runs.
      A row is at most MAX_W·scale inches wide, and each inset at most INSET_MAX·scale;
      when a layer has more than MAX_INSETS = 24 active edges (insets would shrink below
      ~0.4 in), only its 24 highest-scoring edges get insets and the others are plain
      lines with the same opacity rule.
    - A multiplication node is drawn as ⊗ with its sub-nodes, small dots just below it,
      where that node's incoming edges end (KAN 2.0 arXiv:2408.10205 §2).
    """
    scale = validate.check_real(scale, "scale", minimum=0.0)
    if scale <= 0 or scale > 10:
        raise ValueError(f"scale must be in (0, 10], got {scale!r}")
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a string or None, got {type(title).__name__}")
    m = model.layers[-1].out_dim
    in_vars = check_names(in_vars, model.layers[0].in_dim, "in_vars", model.input_names)
    out_vars = check_names(out_vars, m, "out_vars", model.output_names)
    xs = samples(model, x)
    edge_scores = prune.scores(model, xs, "l1")["edge"]        # per layer (in_l, out_l)
    inputs = [xl.copy() for xl in model.layer_inputs(xs)]     # per layer (batch, in_l)

    plans = [_layer_plan(model, l, edge_scores[l]) for l in range(model.depth)]
    fig, ax, W, bottom = _canvas(model, plans, title, scale)
    pos = _node_positions(model, W, bottom, scale)
    for l, plan in enumerate(plans):
        _draw_layer(ax, model, l, plan, pos, inputs[l], W, scale)
    _draw_nodes(ax, model, pos, in_vars, out_vars, scale)
    return save(fig, path)


def _canvas(model, plans, title, scale):
    """Figure and drawing axes sized to the widest row; 1 data unit = 1 inch. Draws the title."""
    max_row = max([len(p["inset"]) for p in plans] + [1])
    max_nodes = max(sum(w) for w in model.width)
    W = float(np.clip(max(max_row * INSET_MAX * INSET_PITCH, max_nodes * 0.55) * scale
                      + 2 * PAD * scale, MIN_W * scale, MAX_W * scale))
    # The title wraps to the width: a character of 11 pt DejaVu Sans is ~0.6 em = 0.09 in wide.
    lines = textwrap.wrap(title, max(10, int(W / (0.09 * scale)))) if title else []
    bottom, top = 0.55 * scale, (0.5 + 0.1 * bool(lines) + 0.22 * len(lines)) * scale
    H = bottom + model.depth * LAYER_H * scale + top
    fig = new_figure(W, H)
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, W)
    ax.set_ylim(0, H)
    ax.set_axis_off()
    if lines:
        ax.text(W / 2, H - 0.12 * scale, "\n".join(lines), ha="center", va="top", fontsize=11 * scale)
    return fig, ax, W, bottom


def _layer_plan(model, l, score):
    """Active edges of layer l, which get insets, and each one's opacity."""
    layer = model.layers[l]
    edges = [(int(i), int(j)) for i, j in zip(*np.nonzero(layer.mask))]
    s_max = max([score[e] for e in edges] + [0.0])
    alpha = {e: ALPHA_MIN + (1 - ALPHA_MIN) * (score[e] / s_max if s_max > 0 else 1.0) for e in edges}
    ranked = sorted(edges, key=lambda e: -score[e])
    inset = set(ranked[:MAX_INSETS])
    return {"edges": edges, "inset": [e for e in edges if e in inset], "alpha": alpha,
            "symbolic": layer.active_symbolic()}


def _row_x(n, W, scale):
    """n evenly spaced centres across the usable width."""
    usable = W - 2 * PAD * scale
    return PAD * scale + usable * (np.arange(n) + 0.5) / n


def _node_positions(model, W, bottom, scale):
    """Node centres per node row, and where each KAN layer's output (sub-node) c ends."""
    nodes, ends = [], []
    for l, w in enumerate(model.width):
        y = bottom + l * LAYER_H * scale
        xs = _row_x(sum(w), W, scale)
        nodes.append([(float(xn), y) for xn in xs])
        if l == 0:
            continue
        end = [(float(xs[s]), y) for s in range(w[0])]         # sum nodes: edges end at the node
        for g, a in enumerate(model.arities[l]):
            xg = xs[w[0] + g]
            end += [(float(xg + (r - (a - 1) / 2) * SUB_DX * scale), y - SUB_DY * scale) for r in range(a)]
        ends.append(end)
    return {"nodes": nodes, "ends": ends}


def _spread(ideal, pitch, lo, hi):
    """Centres as close as possible to ``ideal`` (sorted) with at least ``pitch`` between them."""
    p = np.array(ideal, dtype=float)
    for k in range(1, len(p)):
        p[k] = max(p[k], p[k - 1] + pitch)
    if p[-1] - p[0] > hi - lo:                                 # no room for the gaps: even spacing
        return np.linspace(lo, hi, len(p)) if len(p) > 1 else np.array([(lo + hi) / 2])
    p += np.mean(ideal) - p.mean()                             # centred on where the edges run
    p += max(0.0, lo - p[0]) - max(0.0, p[-1] - hi)
    return p


def _draw_layer(ax, model, l, plan, pos, xl, W, scale):
    """Lines and insets for the active edges of KAN layer l."""
    layer = model.layers[l]
    starts, ends = pos["nodes"][l], pos["ends"][l]
    r = 0.06 * scale                                           # keep lines off the node markers
    for e in plan["edges"]:
        if e not in plan["inset"]:
            (x0, y0), (x1, y1) = starts[e[0]], ends[e[1]]
            color = SYMBOLIC_COLOR if e in plan["symbolic"] else SPLINE_COLOR
            ax.plot([x0, x1], [y0 + r, y1 - r], color=color, lw=0.8 * scale,
                    alpha=plan["alpha"][e], gid="edge_line", zorder=1)
    if not plan["inset"]:
        return
    order = sorted(plan["inset"], key=lambda e: (starts[e[0]][0] + ends[e[1]][0], e))
    pitch = min(INSET_MAX * INSET_PITCH * scale, (W - 2 * PAD * scale) / len(order))
    w = pitch / INSET_PITCH
    y_lo, y_hi = starts[0][1], min(y for _, y in ends)
    h = min(w * 0.8, 0.45 * (y_hi - y_lo))
    yc = (y_lo + y_hi) / 2
    centres = _spread([(starts[i][0] + ends[j][0]) / 2 for i, j in order], pitch,
                      PAD * scale + w / 2, W - PAD * scale - w / 2)
    lo, hi = xl.min(axis=0), xl.max(axis=0)                    # (in_l,) each
    grid = lo + (hi - lo) * np.linspace(0, 1, CURVE_POINTS)[:, None]  # (CURVE_POINTS, in_l)
    phi, _ = layer.edge_forward(grid)                          # (CURVE_POINTS, in_l, out_l)
    for (i, j), xc in zip(order, centres):
        a, sym = plan["alpha"][(i, j)], plan["symbolic"].get((i, j))
        color = SYMBOLIC_COLOR if sym else SPLINE_COLOR
        (x0, y0), (x1, y1) = starts[i], ends[j]
        ax.plot([x0, xc], [y0 + r, yc - h / 2], color=color, lw=0.8 * scale, alpha=a, zorder=1)
        ax.plot([xc, x1], [yc + h / 2, y1 - r], color=color, lw=0.8 * scale, alpha=a, zorder=1)
        _inset(ax, (xc - w / 2, yc - h / 2, w, h), phi[:, i, j], color, a, scale,
               f"edge {l},{i},{j}")
        if sym:
            ax.text(xc, yc + h / 2 + 0.03 * scale, sym, ha="center", va="bottom",
                    fontsize=max(MIN_FONT, 7 * scale),
                    color=SYMBOLIC_COLOR, gid="symbolic_name", label=f"edge {l},{i},{j}", zorder=4,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8))


def _inset(ax, box, y, color, alpha, scale, label):
    """A framed box (gid "edge_inset") with the curve y drawn across it (gid "edge_curve").

    The curve is drawn in the diagram's own axes, rescaled into the box (its x is the
    edge's input range, its y its own min..max). An Axes per edge was slower: drawing and
    writing the PNG took 0.43–0.56 s against 0.30 s for [2, 5, 1], and 3.0–3.8 s against
    1.2 s for [10, 10, 10, 1] (medians of 5, 1000 samples, on a loaded 2-core machine).
    """
    from matplotlib.colors import to_rgba
    from matplotlib.patches import Rectangle
    x0, y0, w, h = box
    ax.add_patch(Rectangle((x0, y0), w, h, fc=(1, 1, 1, 0.9), ec=to_rgba(color, alpha),
                           lw=0.6 * scale, zorder=2, gid="edge_inset", label=label))
    span = np.ptp(y)
    flat = span <= FLAT_RTOL * max(np.abs(y).max(), 1.0)
    u = np.full_like(y, 0.5) if flat else (y - y.min()) / span   # (CURVE_POINTS,) in [0, 1]
    t = np.linspace(0, 1, len(y))
    ax.plot(x0 + w * (INSET_MARGIN + (1 - 2 * INSET_MARGIN) * t),
            y0 + h * (INSET_MARGIN + (1 - 2 * INSET_MARGIN) * u),
            color=color, lw=1.2 * scale, alpha=alpha, zorder=3, gid="edge_curve", label=label)


def _draw_nodes(ax, model, pos, in_vars, out_vars, scale):
    """Node markers (⊗ for products, with their sub-nodes), input and output names."""
    for l, w in enumerate(model.width):
        row = pos["nodes"][l]
        for n, (xn, yn) in enumerate(row):
            if n < w[0]:
                ax.plot([xn], [yn], "o", color="black", ms=5 * scale, zorder=3)
                continue
            ax.text(xn, yn, "⊗", ha="center", va="center", fontsize=18 * scale, zorder=3,
                    gid="mult_node", bbox=dict(boxstyle="circle,pad=0.0", fc="white", ec="none"))
            g = n - w[0]
            first = w[0] + sum(model.arities[l][:g])
            for xs_, ys_ in pos["ends"][l - 1][first:first + model.arities[l][g]]:
                ax.plot([xs_, xn], [ys_, yn - 0.09 * scale], color="0.4", lw=0.8 * scale)
                ax.plot([xs_], [ys_], "o", color="0.4", ms=3 * scale, zorder=3)
    fs = max(MIN_FONT + 1, 10 * scale)
    for (xn, yn), name in zip(pos["nodes"][0], in_vars):
        ax.text(xn, yn - 0.14 * scale, name, ha="center", va="top", fontsize=fs, gid="input_name")
    for (xn, yn), name in zip(pos["nodes"][-1], out_vars):
        ax.text(xn, yn + 0.14 * scale, name, ha="center", va="bottom", fontsize=fs, gid="output_name")
