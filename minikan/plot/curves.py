"""Training curves (loss, regularisation, active edges) and scaling plots (RMSE against N)."""
import numpy as np

from minikan import validate
from minikan.plot.figure import check_names, new_figure, save


def _as_histories(history):
    """[(label or None, history dict)] from one dict, a list of dicts or of (label, dict)."""
    items = [history] if isinstance(history, dict) else list(history)
    out = []
    for n, item in enumerate(items):
        label, h = item if isinstance(item, tuple) and len(item) == 2 else (None, item)
        if not isinstance(h, dict) or "train_loss" not in h:
            raise TypeError(f"history {n} must be a dict from fit with 'train_loss', or a "
                            f"(label, dict) pair, got {type(h).__name__}")
        out.append((label, h))
    if not out:
        raise ValueError("history must hold at least one fit's history, got an empty list")
    return out


def plot_history(history, path=None):
    """Training curves: loss (log scale), regularisation and active edges against step.

    Parameters
    ----------
    history : dict, or list of dicts or of (label, dict)
        What ``KAN.fit`` returns (keys train_loss, test_loss, reg, n_edges, …). A list is
        drawn end to end, each fit after the previous one, with a dotted vertical line
        (gid "boundary", in every panel) between consecutive fits — e.g. where a grid was
        refined or the model pruned — and each label written at the start of its fit.
    path : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure
        Panels: loss (RMSE, or cross-entropy for "ce"; lines "train_loss", "test_loss"), then
        "reg" and "n_edges" when every history has them. A log axis hides zeros (e.g. reg
        in a fit with lamb = 0).
    """
    items = _as_histories(history)
    keys = [k for k in ("reg", "n_edges") if all(k in h for _, h in items)]
    cat = {k: np.concatenate([np.asarray(h[k], float) for _, h in items])
           for k in ["train_loss", "test_loss"] + keys if all(k in h for _, h in items)}
    lengths = [len(h["train_loss"]) for _, h in items]
    steps = np.arange(1, sum(lengths) + 1)
    for k, v in cat.items():
        if len(v) != len(steps):
            raise ValueError(f"history key {k!r} must have one value per step ({len(steps)} "
                             f"in all), got {len(v)}")
    fig = new_figure(6.4, 1.6 + 1.5 * (1 + len(keys)))
    axes = fig.subplots(1 + len(keys), 1, sharex=True, squeeze=False)[:, 0]
    for k, style in (("train_loss", "-"), ("test_loss", "--")):
        if k in cat:
            axes[0].plot(steps, cat[k], ls=style, gid=k, label=k.replace("_", " "))
    ylabels = {"reg": "regularisation", "n_edges": "active edges"}
    for ax, k in zip(axes[1:], keys):
        ax.plot(steps, cat[k], gid=k, color="tab:purple" if k == "reg" else "tab:green",
                drawstyle="steps-mid" if k == "n_edges" else "default")
        ax.set_ylabel(ylabels[k])
        if k == "n_edges":
            from matplotlib.ticker import MaxNLocator
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax, k in zip(axes, ["train_loss"] + keys):
        v = cat[k]
        if k != "n_edges" and np.any(v > 0):
            ax.set_yscale("log", nonpositive="mask")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("loss")
    axes[0].legend(fontsize=8)
    edges = np.cumsum(lengths)[:-1] + 0.5
    for ax in axes:
        for b in edges:
            ax.axvline(b, color="0.5", ls=":", lw=1, gid="boundary")
    for (label, _), start in zip(items, np.concatenate([[0.5], edges])):
        if label:
            axes[0].text(start, 1.02, f" {label}", transform=axes[0].get_xaxis_transform(),
                         fontsize=8, va="bottom", gid="stage_label")
    axes[-1].set_xlabel("step")
    fig.tight_layout()
    return save(fig, path)


def _as_series(params, rmse):
    """[(N (n,), rmse (n,))] from one series or a list of them."""
    if not all(hasattr(v, "__len__") for v in (params, rmse)):
        raise TypeError(f"params and rmse must be sequences, got {type(params).__name__} "
                        f"and {type(rmse).__name__}")
    several = len(params) > 0 and np.ndim(params[0]) == 1
    P, R = (params, rmse) if several else ([params], [rmse])
    if len(P) != len(R):
        raise ValueError(f"params and rmse must hold as many series, got {len(P)} and {len(R)}")
    out = []
    for n, (p, r) in enumerate(zip(P, R)):
        p = validate.as_float_array(p, f"params[{n}]" if several else "params", ndim=1)
        r = validate.as_float_array(r, f"rmse[{n}]" if several else "rmse", ndim=1)
        if len(p) != len(r) or len(p) == 0 or np.any(p <= 0) or np.any(r <= 0):
            raise ValueError(f"series {n} must have as many positive params as positive rmse "
                             f"values (at least one), got {len(p)} and {len(r)}")
        out.append((p, r))
    return out


def plot_scaling(params, rmse, slope_ref=-4, labels=None, styles=None, title=None, path=None):
    """Log-log test RMSE against parameter count N, with reference lines N^slope.

    Parameters
    ----------
    params, rmse : array_like (n,), or lists of them for several series
    slope_ref : float, list of floats, or None
        Reference slopes; the default −4 is the KAN scaling law for cubic splines
        (KAN arXiv:2404.19756 §2.3, ℓ ∝ N^−(k+1)).
    labels : list of str, optional
        One per series, for the legend.
    styles : list of str, optional
        One matplotlib format string per series (e.g. "o-" for test, "x:" for train);
        default "o-" for all.
    title : str, optional
    path : str or path-like, optional

    Returns
    -------
    matplotlib.figure.Figure
        Series lines have gid "series"; reference lines gid "reference". Each reference
        line passes through the first series' point with the fewest parameters, so it
        shows where that series would go if it kept the slope from its start.
    """
    series = _as_series(params, rmse)
    if labels is not None:
        labels = check_names(labels, len(series), "labels", None)
    styles = check_names(styles, len(series), "styles", ["o-"] * len(series))
    slopes = [] if slope_ref is None else list(np.atleast_1d(slope_ref).astype(float))
    fig = new_figure(5.2, 3.9)
    ax = fig.add_subplot()
    for n, (p, r) in enumerate(series):
        order = np.argsort(p)
        ax.plot(p[order], r[order], styles[n], ms=4, gid="series",
                label=labels[n] if labels else None)
    p0, r0 = series[0][0], series[0][1]
    anchor = (p0.min(), r0[np.argmin(p0)])
    n_lo = min(p.min() for p, _ in series)
    n_hi = max(p.max() for p, _ in series)
    span = np.geomspace(n_lo, n_hi, 50)                       # (50,)
    r_all = np.concatenate([r for _, r in series])
    for s, ls in zip(slopes, ["--", ":", "-."] * 4):
        ax.plot(span, anchor[1] * (span / anchor[0]) ** s, color="0.4", ls=ls, lw=1,
                gid="reference", label=f"$N^{{{s:g}}}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_ylim(r_all.min() / 5, r_all.max() * 3)              # data in view; references may leave it
    ax.set_xlabel("parameters N")
    ax.set_ylabel("test RMSE")
    if title:
        ax.set_title(title, fontsize=11)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    if n_hi / n_lo < 1e3:                                      # few decades: label 1, 2, 5 × 10^n plainly
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())              # no overlapping minor labels
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, path)
