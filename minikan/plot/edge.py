"""One activation φ_{l,j,i} large: curve, samples, knots, and a symbolic fit over it."""
import numpy as np

from minikan import validate
from minikan.layer import edge_forward
from minikan.plot.figure import CANDIDATE_COLOR, SPLINE_COLOR, SYMBOLIC_COLOR, new_figure, samples, save
from minikan.symbolic.library import LIBRARY

EDGE_POINTS = 400            # points on the large curve: smooth at 6 inches



def _r2(y, fit):
    ss_tot = np.sum((y - y.mean()) ** 2)
    return 1.0 - np.sum((y - fit) ** 2) / ss_tot if ss_tot > 0 else float(np.allclose(y, fit))


def _affine_text(name, a, b, c, d):
    """a·f(b·x + c) + d as sympy prints it, 3 significant digits: 0.098*sin(3.14*x + 3.14) + 0.141."""
    import sympy as sp  # only for the label text; a plot without a symbolic edge never loads it

    r = [sp.Float(float(f"{v:.3g}"), 3) for v in (a, b, c, d)]
    return str(r[0] * LIBRARY[name].sympy(r[1] * sp.Symbol("x") + r[2]) + r[3])


def _r2_text(r2):
    return f"1 − R² = {1 - r2:.1e}" if r2 > 0.9999 else f"R² = {r2:.4f}"


def plot_edge(model, l, i, j, x=None, candidate=None, path=None):
    """One activation φ_{l,j,i} large: its curve, its input samples, its knots, a fit over it.

    Parameters
    ----------
    model : KAN
    l, i, j : int
        Edge (l, i, j): input i of layer l to output j.
    x : array_like, shape (batch, d), optional
        Samples; default the last fit's inputs.
    candidate : Suggestion, optional
        A row of ``model.suggest_symbolic(l, i, j)`` (anything with name, a, b, c, d):
        its a·f(b·x + c) + d is drawn over the edge, with its R² against the edge on the
        samples in the legend.
    path : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure
        Lines with gids "edge" (φ on the samples' range), "extension" (φ over the rest of
        the knot span, dashed), "candidate", "symbolic", "rug", "knots".

    Notes
    -----
    The rug (ticks at the bottom) marks the samples x_{l,i}; the ticks at the top mark the
    knots t (the G + 2k + 1 of the extended grid). For a symbolic edge the curve drawn as
    "edge" is the spline it replaced (kept unchanged underneath) and the symbolic curve
    a·f(b·x + c) + d is drawn over it, with its R² against that spline; for a model made
    by ``from_formula`` that spline was never trained, so the R² is low.
    """
    layer = validate.check_edge(model, l, i, j, ": it is 0 everywhere")
    fits = []                                                  # (name, a, b, c, d, colour, gid, style)
    sym = layer.active_symbolic().get((i, j))
    if sym:
        fits.append((sym, *layer.params["sym_affine"][i, j], SYMBOLIC_COLOR, "symbolic", "-"))
    if candidate is not None:
        if not all(hasattr(candidate, f) for f in ("name", "a", "b", "c", "d")):
            raise TypeError("candidate must be a row of suggest_symbolic (with name, a, b, c, d), "
                            f"got {type(candidate).__name__}")
        if candidate.name not in LIBRARY:
            raise ValueError(f"candidate.name must be a library function, got {candidate.name!r}")
        fits.append((candidate.name, candidate.a, candidate.b, candidate.c, candidate.d,
                     CANDIDATE_COLOR, "candidate", "--"))
    xs = model.layer_inputs(samples(model, x))[l][:, i].copy()  # (batch,)
    t = layer.knots[i]                                         # (n_knots,)
    lo, hi = xs.min(), xs.max()
    u = np.linspace(lo, hi, EDGE_POINTS)                       # (EDGE_POINTS,) the samples' range
    outside = np.concatenate([np.linspace(t[0], lo, EDGE_POINTS // 4) if t[0] < lo else [],
                              [np.nan],
                              np.linspace(hi, t[-1], EDGE_POINTS // 4) if t[-1] > hi else []])
    fig = new_figure(6.0, 4.6, layout="constrained")
    ax = fig.add_subplot()
    ax.plot(u, _spline(layer, i, j, u), color="0.55" if sym else SPLINE_COLOR, lw=2, gid="edge",
            label="spline (replaced)" if sym else "spline φ on the samples' range")
    ax.plot(outside, _spline(layer, i, j, outside), color="0.55", lw=1, ls="--", gid="extension",
            label="spline outside the samples")
    ref = _spline(layer, i, j, xs)                             # (batch,) what a fit is compared to
    for name, a, b, c, d, color, gid, ls in fits:
        f = LIBRARY[name].f
        ax.plot(u, a * f(b * u + c) + d, color=color, lw=1.5, ls=ls, gid=gid,
                label=f"{_affine_text(name, a, b, c, d)},  {_r2_text(_r2(ref, a * f(b * xs + c) + d))}")
    ax.plot(xs, np.full(len(xs), 0.015), "|", color="tab:blue", alpha=0.25, ms=8,
            transform=ax.get_xaxis_transform(), gid="rug", label=f"samples ({len(xs)})")
    ax.plot(t, np.full(len(t), 0.985), "|", color="tab:green", ms=10, mew=1.5,
            transform=ax.get_xaxis_transform(), gid="knots",
            label=f"knots (G = {layer.grid}, k = {layer.k})")
    ax.set_xlabel(model.input_names[i] if l == 0 else f"$x_{{{l},{i}}}$")
    ax.set_ylabel(f"$\\varphi_{{{l},{j},{i}}}$")
    ax.set_title(f"edge ({l}, {i}, {j})" + (f", symbolic: {sym}" if sym else ""), fontsize=11)
    fig.legend(fontsize=8, loc="outside lower center", ncol=2, frameon=False)
    return save(fig, path)


def _spline(layer, i, j, u):
    """The spline form w_b·silu(u) + w_s·Σ c B(u) of edge (i, j) at u (n,), even if it is symbolic."""
    grid = np.zeros((len(u), layer.in_dim))                    # (n, in_dim): φ_{j,i} reads column i only
    grid[:, i] = u
    p = layer.params
    phi, _ = edge_forward(grid, p["coef"], p["scale_base"], p["scale_sp"], layer.mask,
                          layer.knots, layer.k)                # (n, in_dim, out_dim)
    return phi[:, i, j]
