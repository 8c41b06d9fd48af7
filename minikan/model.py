"""KAN: a stack of KAN layers with node operations between them — the public object.

Math: KAN(x) = (Ψ_{L-1} ∘ … ∘ Ψ_0)(x), Ψ_l = M_l ∘ Φ_l       [KAN §2.2, eq. 2.7; KAN 2.0 §2]
where Φ_l is a KAN layer (``layer.py``) and M_l the node operation after it (identity for
sum nodes, products for multiplication nodes, ``nodes.py``).

Shapes: batch; d = width[0] inputs; m = width[-1] outputs.
params keys are dotted: "layers.{l}.coef", "layers.{l}.scale_base", "layers.{l}.scale_sp",
"layers.{l}.sym_affine"; ``grads`` has the same keys after ``backward``.
"""
import numpy as np

from minikan import fitting, io, losses, nodes, prune, regularize, units, validate
from minikan.layer import KANLayer
from minikan.prune import EDGE_TH, NODE_TH
from minikan.symbolic.ranking import WEIGHT_SIMPLE


class KAN(losses.Predictor):
    """A Kolmogorov–Arnold network.

    Parameters
    ----------
    width : list
        Nodes per layer, e.g. [2, 5, 1]; a hidden entry may be [n_sum, n_mult] for KAN 2.0
        multiplication nodes (``nodes.py``).
    grid : int
        G, the number of spline intervals on ``grid_range``.
    k : int
        Spline degree (3 = cubic).
    seed : int or numpy.random.Generator
        Seeds the initialisation.
    grid_range : [lo, hi]
        Where the knots start; grid updates move them to the data.
    noise_scale : float
        Size of the initial spline noise (``KANLayer``).
    mult_arity : int or list
        Factors per multiplication node (``nodes.normalize_width``).
    grid_eps : float
        Mix of uniform and data-following knots in grid updates (``knotgrid.adaptive_knots``).
    input_names : list of str, optional
        Names of the inputs in formulas; default x1, x2, ….
    output_names : list of str, optional
        Names of the outputs (files, the command line); default y1, y2, ….

    A model may carry a ``normalization`` (``units.py``; set by ``normalize``): then it
    is called in the data's units and standardises inside ``forward``.

    In place or new: ``fit``, ``update_grid``, ``normalize``, ``fix_symbolic``, ``auto_symbolic``
    change this model; ``refine``, ``prune``, ``prune_input``, ``to_splines``, ``copy`` return a
    new one (as ``KANLayer.update_grid``/``restrict`` change a layer, ``refined`` copies it).
    """

    def __init__(self, width, grid=5, k=3, seed=0, grid_range=(-1.0, 1.0), noise_scale=0.3,
                 mult_arity=2, grid_eps=0.02, input_names=None, output_names=None):
        self.width, self.arities = nodes.normalize_width(width, mult_arity)
        self.grid_eps = validate.check_real(grid_eps, "grid_eps", 0.0, 1.0)
        rng = validate.as_rng(seed)
        self.layers = [KANLayer(sum(w_in), self.width[l + 1][0] + sum(self.arities[l + 1]),
                                grid, k, grid_range, noise_scale, seed=rng)
                       for l, w_in in enumerate(self.width[:-1])]
        self.input_names = validate.check_names(input_names, sum(self.width[0]), "x", "input_names")
        self.output_names = validate.check_names(output_names, sum(self.width[-1]), "y", "output_names")
        self.normalization = None        # units.Normalization, applied inside forward
        self.grads = None
        self.train_input = None          # inputs of the last fit, for data-dependent operations
        self.train_label = None          # and its labels (auto_symbolic reads the model's accuracy)
        self._cache = None

    # ------------------------------------------------------------------ structure
    @property
    def params(self):
        """The trainable arrays, by dotted name (the layers' own arrays, not copies)."""
        return {f"layers.{l}.{name}": v for l, layer in enumerate(self.layers)
                for name, v in layer.params.items()}

    depth = property(lambda self: len(self.layers), doc="L, the number of KAN layers")
    grid = property(lambda self: self.layers[0].grid, doc="G of the first layer (refine sets every layer's)")
    k = property(lambda self: self.layers[0].k, doc="the spline degree, the same in every layer")

    def n_params(self):
        """Parameters in use: n_basis + 2 per active spline edge, 4 per unmasked symbolic edge."""
        return sum(int(layer.spline_mask().sum()) * (layer.grid + layer.k + 2)
                   + 4 * len(layer.active_symbolic()) for layer in self.layers)

    def __repr__(self):
        width = [w[0] if not w[1] else w for w in self.width]
        return (f"KAN(width={width}, grid={self.grid}, k={self.k}, "
                f"params={self.n_params()}, inputs={self.input_names})")

    def copy(self):
        """An independent copy (parameters, state and the reference to the training inputs)."""
        new = object.__new__(KAN)
        new.__dict__.update(self.__dict__)
        new.width = [list(w) for w in self.width]
        new.arities = [list(a) for a in self.arities]
        new.layers = [layer.copy() for layer in self.layers]
        new.input_names, new.output_names = list(self.input_names), list(self.output_names)
        new.grads, new._cache = None, None
        return new

    def check_input(self, x, name="x"):
        """x as a float64 array (batch, d), batch ≥ 1, or a clear error."""
        x = validate.as_inputs(x, self.layers[0].in_dim, name)
        if len(x) == 0:
            raise ValueError(f"{name} must hold at least one sample (batch >= 1), got shape {x.shape}")
        return x

    # ------------------------------------------------------------------ forward / backward
    def forward(self, x):
        """Network output (batch, m); keeps what ``backward`` needs (one cache per call)."""
        return self.forward_with_inputs(x)[0]

    __call__ = forward

    def forward_with_inputs(self, x):
        """``forward``, also returning every layer's input: (out (batch, m), [(batch, in_l)])."""
        x = self._first_input(x)                               # (batch, d)
        inputs, node_caches = [], []
        for l in range(self.depth):
            inputs.append(x)                                   # (batch, in_l)
            x, cache = self._through_layer(l, x)               # (batch, in_{l+1})
            node_caches.append(cache)
        norm = self.normalization
        self._cache = (node_caches, norm)
        return (x if norm is None else norm.outputs(x)), inputs   # (batch, m): σ_y·out + μ_y

    def _first_input(self, x):
        """Layer 0's input: x checked, and standardised if the model carries a normalization."""
        x, norm = self.check_input(x), self.normalization
        return x if norm is None else norm.inputs(x)           # (batch, d): z = (x − μ_x)/σ_x

    def _through_layer(self, l, x):
        """Ψ_l = M_l ∘ Φ_l on layer l's input x (batch, in_l): layer l's output after its node
        operation (batch, in_{l+1}), and ``nodes.mult_forward``'s cache (None for sum nodes)."""
        x = self.layers[l].forward(x, data=l == 0)             # (batch, sub-nodes of l+1)
        if self.arities[l + 1]:
            return nodes.mult_forward(x, self.width[l + 1][0], self.arities[l + 1])
        return x, None

    def backward(self, dout, dx_extra=None, input_grad=True):
        """Replace ``grads`` for dout = ∂L/∂output (batch, m); return ∂L/∂x (batch, d).

        ``dx_extra[l]``, when given, is a gradient on layer l's input from outside the
        main path (the sparsity penalty's), added before it flows further down. Without
        ``input_grad`` the gradient stops at the parameters and None is returned (training:
        the input is data).
        """
        if self._cache is None:
            raise RuntimeError("KAN.backward called before forward")
        node_caches, norm = self._cache
        if norm is not None:
            dout = dout * norm.y_std                           # out = σ_y·KAN(z) + μ_y
        grads = {}
        for l in reversed(range(self.depth)):
            if node_caches[l] is not None:
                dout = nodes.mult_backward(dout, node_caches[l])
            dout = self.layers[l].backward(dout, input_grad or l > 0)
            if dx_extra is not None and dout is not None:
                dout = dout + dx_extra[l]
            grads.update({f"layers.{l}.{n}": g for n, g in self.layers[l].grads.items()})
        self.grads = {key: grads[key] for key in self.params}   # in params order
        if dout is None or norm is None:
            return dout
        return dout / norm.x_std                               # z = (x − μ_x)/σ_x

    def layer_inputs(self, x):
        """The input of every layer for x (batch, d): a list of (batch, in_l), layer 0's normalised."""
        return self.forward_with_inputs(x)[1]

    def normalize(self, dataset):
        """Standardise inputs (and float targets) inside the model, fitted on the training split.

        Call before ``fit``: from then on the model is used in the data's units (``units.py``).
        Returns self. ``model.normalization = None`` removes it.
        """
        if not isinstance(dataset, dict) or "train_input" not in dataset:
            raise TypeError("dataset must be a dict with train_input and train_label (create_dataset's)")
        x = self.check_input(dataset["train_input"], "train_input")
        norm = units.Normalization.from_data(x, dataset.get("train_label"), self.layers[-1].out_dim)
        self.normalization = norm.check(x.shape[1], self.layers[-1].out_dim)
        return self

    def save(self, path, keep_inputs=False):
        """Write the model to one .npz file, atomically (``io.save``)."""
        io.save(self, path, keep_inputs)

    @classmethod
    def load(cls, path):
        """A model read from a file written by ``save``, validated first (``io.load``)."""
        return io.load(path, cls)

    # ------------------------------------------------------------------ training objective
    def objective(self, x, y, loss_fn="mse", lamb=0.0, lamb_l1=1.0, lamb_entropy=0.0,
                  lamb_coef=0.0, lamb_coefdiff=0.0, reg_metric="spread"):
        """Training objective ℓ = ℓ_pred + λ(μ₁ Σ|Φ|₁ + μ₂ Σ S(Φ) + μ₃ Σ C₁ + μ₄ Σ C₂), and its gradient.

        [KAN §2.5.1, eq. 2.20 for the μ₁, μ₂ terms; μ₃, μ₄ (C₁, C₂, the coefficient penalties)
        are not in the paper but in pykan 0.2.8's code, ``MultKAN.reg``'s ``lamb_coef`` and
        ``lamb_coefdiff``; README, Conventions] ℓ_pred is the MSE or cross-entropy of ``losses.py``;
        the penalty and its exact gradient, through every layer's inputs, are
        ``regularize.py``'s; ``reg_metric`` picks the edge score (``regularize.METRICS``).
        Returns (value, grads) with grads keyed as ``params``.
        """
        pred, inputs = self.forward_with_inputs(x)
        # fit's history reads the train loss and the penalty off it (fitting.py); the penalty
        # is None until computed below (a non-finite pred returns before it)
        self.last_evaluation = (pred, inputs, None if lamb else 0.0)
        if not np.isfinite(pred).all():     # an overflowing trial (line search, huge lr): say so, don't raise
            self.grads = {key: np.full_like(p, np.nan) for key, p in self.params.items()}
            return np.inf, self.grads
        value, dpred = losses.get_loss(loss_fn)(pred, y)
        dx_extra, reg_grads = None, None
        if lamb:
            validate.check_choice(reg_metric, "reg_metric", regularize.METRICS)
            weights = regularize.Weights(lamb, lamb_l1, lamb_entropy, lamb_coef, lamb_coefdiff,
                                         reg_metric)
            reg, dx_extra, reg_grads = regularize.penalty_and_grads(self.layers, inputs, weights)
            self.last_evaluation = (pred, inputs, reg)
            value += reg
        self.backward(dpred, dx_extra, input_grad=False)
        if reg_grads is not None:
            for key, g in reg_grads.items():
                self.grads[key] = self.grads[key] + g
        return value, self.grads

    # ------------------------------------------------------------------ training
    def fit(self, dataset, opt="LBFGS", steps=100, lr=1.0, batch=-1, loss_fn="mse", lamb=0.0,
            lamb_l1=1.0, lamb_entropy=0.0, lamb_coef=0.0, lamb_coefdiff=0.0, update_grid=True,
            grid_update_num=10, stop_grid_update_step=50, log=1, seed=0, reg_metric="spread"):
        """Train on ``dataset`` (``create_dataset``'s dict); returns the history of per-step arrays.

        Arguments mirror pykan's ``fit``. ``lamb``… are the sparsity weights of
        ``objective``, ``reg_metric`` its edge score (the defaults — the scale-aware "spread"
        score, no entropy term — are measured in ``regularize.py``); with ``update_grid`` the knots
        follow the batch ``grid_update_num`` times, evenly spaced over the first
        ``stop_grid_update_step`` steps (KAN §2.2, detail 3);
        with ``lamb`` > 0 hidden layers' knots only widen (``fitting.sparsity_grid_update`` says why).
        ``log=0`` silences the progress line (else it is shown every ``log`` steps once a
        run takes more than a couple of seconds). History keys: train_loss, test_loss
        (RMSE, or mean cross-entropy), train_acc/test_acc for "ce", reg (the penalty),
        n_edges (edges with |φ|₁ above ``prune.EDGE_TH``), objective, time. With mini-batches
        (``batch`` > 0) all but objective and time are measured on a fixed, evenly spaced
        subset of max(batch, ``METRICS_MIN_ROWS``) rows of each set, so memory and time per
        step follow the batch, not the dataset; full-batch fits measure every row.
        Ctrl-C stops after the current step, leaving a consistent model.
        """
        return fitting.fit(self, dataset, opt, steps, lr, batch, loss_fn,
                           regularize.Weights(lamb, lamb_l1, lamb_entropy, lamb_coef, lamb_coefdiff, reg_metric),
                           update_grid, grid_update_num, stop_grid_update_step, log, seed)

    def data_x(self, x=None):
        """Samples for a data-dependent operation: ``x``, or the inputs of the last ``fit``."""
        if x is not None:
            return self.check_input(x)
        if self.train_input is None:
            raise ValueError("this operation needs samples: pass x (batch, "
                             f"{self.layers[0].in_dim}) or call fit first")
        return self.train_input

    def update_grid(self, x=None, layers=None, widen_only=False):
        """Move every layer's knots (or those of the indices ``layers``) to its input samples,
        keeping each φ, in place (KAN §2.2, implementation detail 3, "update of spline grids").

        Layer by layer, each on the inputs the already-updated layers before it give, in one
        forward pass (``_through_layer`` after each update), not one forward per layer. With
        ``widen_only`` a hidden layer is updated on its samples plus the two ends of its current
        base interval (where the old spline is known), so its knots may widen, never narrow
        (``fitting.sparsity_grid_update`` says why); the input layer is updated as usual.
        """
        x = self.data_x(x)
        chosen = [l for l in range(self.depth) if layers is None or l in layers]
        xl = self._first_input(x)                                  # (batch, d)
        for l in range(max(chosen, default=-1) + 1):               # one forward, as the updates go
            if l in chosen:
                layer = self.layers[l]
                samples = xl
                if widen_only and l > 0:
                    ends = layer.knots[:, [layer.k, -layer.k - 1]].T   # (2, in_l): base interval's ends
                    samples = np.concatenate([xl, ends])           # (batch + 2, in_l)
                layer.update_grid(samples, self.grid_eps, data=l == 0)
            if l + 1 < self.depth:
                xl = self._through_layer(l, xl)[0]                 # (batch, in_{l+1}), through updated layer l

    def attribute(self, x=None, mode="l1"):
        """Edge and node scores on x or the last fit's inputs (``prune.scores``): by default the
        |φ|₁ scores that ``plot`` draws; ``mode="attribution"`` gives what ``prune`` uses."""
        return prune.scores(self, self.data_x(x), mode)

    def prune(self, node_th=NODE_TH, edge_th=EDGE_TH, x=None, mode="attribution", keep_strongest=True):
        """A new, smaller model without weak nodes and edges (``prune.prune``); self is unchanged."""
        return prune.prune(self, node_th, edge_th, x, mode, keep_strongest)

    def prune_input(self, threshold=EDGE_TH, x=None, mode="attribution"):
        """A new model without the inputs that do not matter (``prune.prune_input``); names are kept."""
        return prune.prune_input(self, threshold, x, mode)

    def plot(self, path=None, x=None, scale=1.0, in_vars=None, out_vars=None, title=None):
        """The network with each edge's φ as a small inset; returns the Figure (``plot.plot_model``)."""
        from minikan import plot
        return plot.plot_model(self, path, x, scale, in_vars, out_vars, title)

    # ------------------------------------------------------ symbolic (symbolic/fix.py, formula.py, compiler.py)
    # These methods (and ``plot`` above, which needs matplotlib) import their module when
    # first called, for two reasons. Fitting a function to an edge needs scipy.optimize
    # (fix.py → fit.py), and formulas need sympy (formula.py, compiler.py):
    # together ≈ 0.3 s that a model which only trains never pays.
    # And compiler.py builds a KAN, so it imports this module: the one import cycle in
    # minikan, broken here, where ``from_formula`` and ``to_splines`` hand over to it.
    def suggest_symbolic(self, l, i, j, lib=None, topk=5, weight_simple=WEIGHT_SIMPLE, x=None):
        """Library functions ranked by how well a·f(b·x+c)+d fits edge (l, i, j); rows, best first."""
        from minikan.symbolic import fix
        return fix.suggest_symbolic(self, l, i, j, lib, topk, weight_simple, x)

    def fix_symbolic(self, l, i, j, name, fit_params=True, x=None):
        """Make edge (l, i, j) the library function ``name``, fitted to its spline; returns the fit."""
        from minikan.symbolic import fix
        return fix.fix_symbolic(self, l, i, j, name, fit_params, x)

    def unfix_symbolic(self, l, i, j):
        """Give edge (l, i, j) its spline back."""
        from minikan.symbolic import fix
        fix.unfix_symbolic(self, l, i, j)

    def auto_symbolic(self, lib=None, r2_threshold=None, weight_simple=WEIGHT_SIMPLE, x=None, check=True,
                      tolerance=None, y=None):
        """Fix every active spline edge whose best library function fits (R² ≥ r2_threshold), then
        check the model against its splines on x (or labels y) and revert edges that made it much
        worse; returns rows (l, i, j, name, r2, ...), name None where a spline stays.

        None for r2_threshold / tolerance means ``symbolic.fix.R2_FIX`` / ``CHECK_TOLERANCE``.
        """
        from minikan.symbolic import fix
        r2_threshold = fix.R2_FIX if r2_threshold is None else r2_threshold
        tolerance = fix.CHECK_TOLERANCE if tolerance is None else tolerance
        return fix.auto_symbolic(self, lib, r2_threshold, weight_simple, x, check, tolerance, y)

    def simplify_symbolic(self, lib=None, x=None, y=None):
        """After a fine-tune, switch symbolic edges to simpler functions that fit them as well
        (arctan of a tiny argument → x); returns the edges switched (``symbolic.fix.simplify_symbolic``)."""
        from minikan.symbolic import fix
        return fix.simplify_symbolic(self, lib, x=x, y=y)

    def symbolic_formula(self, var=None, digits=None, snap=None):
        """One sympy expression per output; exact unless ``digits``/``snap`` (symbolic/formula.py, constants.py)."""
        from minikan.symbolic import formula
        return formula.symbolic_formula(self, var, digits, snap)

    @staticmethod
    def from_formula(expr, variables, grid=5, k=3, ranges=(-1.0, 1.0), seed=0):
        """A KAN whose symbolic edges compute the sympy ``expr`` exactly (symbolic/compiler.py, KAN 2.0 §3.3)."""
        from minikan.symbolic import compiler
        return compiler.from_formula(expr, variables, grid, k, ranges, seed)

    def to_splines(self, x=None):
        """A new model with every symbolic edge replaced by a spline fitted to it (symbolic/compiler.py)."""
        from minikan.symbolic import compiler
        return compiler.to_splines(self, x)

    def refine(self, new_grid, x=None):
        """A new model on grids of ``new_grid`` intervals, fitted to this one (grid extension, KAN §2.4)."""
        inputs = self.layer_inputs(self.data_x(x))
        new = self.copy()
        new.layers = [layer.refined(new_grid, xl) for layer, xl in zip(self.layers, inputs)]
        return new

