"""Pictures of a KAN: the network with every edge's learned φ, one edge large, training and scaling curves.

The network is drawn as in KAN arXiv:2404.19756 (§2.5.1's pictures): nodes in rows, inputs at
the bottom and outputs at the top, and on every active edge a small plot of its function
φ_{l,j,i} over the inputs that edge saw. How opaque an edge is says how much it matters:
its score |φ|₁ = mean_s |φ(x_s)| (``prune.scores``, mode "l1"), divided by the largest score
in its layer (the paper's §2.5.1 item 2 sets it to tanh(3·|φ|₁), an absolute scale; here
each layer is relative to its strongest edge). A network trained for sparsity therefore
shows its few important edges dark and the rest faint; pruned (masked) edges are not drawn at all.

This package is the only place minikan imports matplotlib, and only inside functions, so
``import minikan`` (and ``import minikan.plot``) stays light. Figures are
``matplotlib.figure.Figure`` objects on an Agg canvas, never pyplot's global state: they
work without a display, every function returns its figure (a notebook shows it as a PNG),
and ``path=`` also writes it as a PNG (or any format matplotlib knows from the suffix).

Modules: ``network.py`` (``plot_model``, also ``KAN.plot``), ``edge.py`` (``plot_edge``),
``curves.py`` (``plot_history``, ``plot_scaling``), ``figure.py`` (what they share).

Figure geometry is in inches (the drawing axes span the figure with 1 data unit = 1 inch).
"""
from minikan.plot.curves import plot_history, plot_scaling
from minikan.plot.edge import plot_edge
from minikan.plot.network import plot_model

__all__ = ["plot_model", "plot_edge", "plot_history", "plot_scaling"]
