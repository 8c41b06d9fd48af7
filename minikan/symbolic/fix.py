"""Turning spline edges into symbolic ones: suggest, fix, auto-fix, unfix (KAN §2.5.1 step 3).

An edge's spline is sampled on the inputs the data gives it, each library function is
fitted to those samples as a·f(b·x + c) + d (``fit.py``), and the chosen one replaces the
spline: the layer's ``symbolic`` state records its name and ``sym_affine`` its (a, b, c, d).
"""
import numpy as np

from minikan import validate
from minikan.symbolic.fit import WEIGHT_SIMPLE, fit_affine, suggest
from minikan.symbolic.library import LIBRARY


def _check_edge(model, l, i, j):
    if not (isinstance(l, (int, np.integer)) and 0 <= l < model.depth):
        raise ValueError(f"layer index l must be in [0, {model.depth}), got {l!r}")
    layer = model.layers[l]
    if not (isinstance(i, (int, np.integer)) and 0 <= i < layer.in_dim
            and isinstance(j, (int, np.integer)) and 0 <= j < layer.out_dim):
        raise ValueError(f"edge (i, j) of layer {l} must have 0 <= i < {layer.in_dim} and "
                         f"0 <= j < {layer.out_dim}, got ({i!r}, {j!r})")
    if not layer.mask[i, j]:
        raise ValueError(f"edge ({l}, {i}, {j}) is pruned (masked); only active edges can be fixed")
    return layer


def edge_samples(model, l, i, j, x=None):
    """The edge's input samples x_{l,i} and values φ_{l,j,i}(x_{l,i}): two (N,) arrays."""
    layer = _check_edge(model, l, i, j)
    xl = model.layer_inputs(model.data_x(x))[l]                        # (N, in_l)
    phi, _ = layer.edge_forward(xl)
    return xl[:, i], phi[:, i, j]


def suggest_symbolic(model, l, i, j, lib=None, topk=5, weight_simple=WEIGHT_SIMPLE, x=None):
    """The library functions that best fit edge (l, i, j), best first (``fit.suggest`` rows)."""
    xs, ys = edge_samples(model, l, i, j, x)
    return suggest(xs, ys, lib=lib, topk=topk, weight_simple=weight_simple)


def fix_symbolic(model, l, i, j, name, fit_params=True, x=None):
    """Make edge (l, i, j) the symbolic function ``name``; returns the ``AffineFit`` (R² etc.).

    With ``fit_params`` the affine parameters are fitted to the current spline on the
    data; otherwise the edge becomes exactly f(x) (a, b, c, d = 1, 1, 0, 0).
    """
    if not isinstance(name, str) or name not in LIBRARY:
        raise ValueError(f"name must be a library function ({', '.join(LIBRARY)}), got {name!r}")
    layer = _check_edge(model, l, i, j)
    if fit_params:
        xs, ys = edge_samples(model, l, i, j, x)
        fit = fit_affine(xs, ys, name)
        abcd = (fit.a, fit.b, fit.c, fit.d)
    else:
        fit, abcd = None, (1.0, 1.0, 0.0, 0.0)
    layer.params["sym_affine"][i, j] = abcd
    layer.symbolic[(int(i), int(j))] = name
    return fit


def unfix_symbolic(model, l, i, j):
    """Give edge (l, i, j) back its spline (kept unchanged while the edge was symbolic)."""
    layer = _check_edge(model, l, i, j)
    layer.symbolic.pop((int(i), int(j)), None)


def auto_symbolic(model, lib=None, r2_threshold=0.0, weight_simple=WEIGHT_SIMPLE, x=None):
    """Fix every active spline edge to its best-ranked library function.

    Layer by layer, each on the inputs the already-fixed layers before it give; an edge
    whose best fit has R² < ``r2_threshold`` stays a spline. Returns rows
    (l, i, j, name, r2) of what was fixed, and of what was not (name None).
    """
    validate.check_real(r2_threshold, "r2_threshold", maximum=1.0)
    x = model.data_x(x)
    rows = []
    for l, layer in enumerate(model.layers):
        xl = model.layer_inputs(x)[l]                                  # (N, in_l)
        phi, _ = layer.edge_forward(xl)                                # (N, in_l, out_l)
        for i, j in zip(*np.nonzero(layer.spline_mask())):
            best = suggest(xl[:, i], phi[:, i, j], lib=lib, topk=1, weight_simple=weight_simple)[0]
            if best.r2 < r2_threshold:
                rows.append((l, int(i), int(j), None, best.r2))
                continue
            layer.params["sym_affine"][i, j] = (best.a, best.b, best.c, best.d)
            layer.symbolic[(int(i), int(j))] = best.name
            rows.append((l, int(i), int(j), best.name, best.r2))
    return rows
