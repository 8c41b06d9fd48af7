"""What every plot shares: an Agg figure without pyplot, saving, the samples a plot reads."""
import functools
import io

DPI = 100                    # modest files: a [2, 5, 1] network is ~50 kB as PNG
MAX_SAMPLES = 2000           # caps a plot's cost on large data; strided, so they keep the data's spread
SPLINE_COLOR, SYMBOLIC_COLOR, CANDIDATE_COLOR = "black", "tab:red", "tab:orange"


@functools.lru_cache(maxsize=None)
def _figure_class():
    """matplotlib's Figure plus ``_repr_png_``, so a notebook shows a returned figure.

    Built on first use, so that importing minikan.plot does not import matplotlib. Without
    it a Figure made outside pyplot prints as text in Jupyter unless pyplot was imported.
    """
    from matplotlib.figure import Figure

    class KANFigure(Figure):
        def _repr_png_(self):
            buf = io.BytesIO()
            self.savefig(buf, format="png", dpi=DPI)
            return buf.getvalue()
    return KANFigure


def new_figure(width, height, layout=None):
    """An empty Figure on its own Agg canvas (no pyplot, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    fig = _figure_class()(figsize=(width, height), dpi=DPI, layout=layout)
    FigureCanvasAgg(fig)
    return fig


def save(fig, path):
    if path is not None:
        fig.savefig(path, dpi=DPI)
    return fig


def samples(model, x):
    """The inputs for a plot (``model.data_x``), at most MAX_SAMPLES of them, evenly strided."""
    x = model.data_x(x)
    return x[::-(-len(x) // MAX_SAMPLES)]                      # (≤ MAX_SAMPLES, d)


def check_names(names, n, what, default):
    if names is None:
        return default
    names = list(names)
    if len(names) != n or not all(isinstance(s, str) for s in names):
        raise ValueError(f"{what} must be {n} strings, got {names!r}")
    return names
