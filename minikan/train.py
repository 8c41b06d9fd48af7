"""The fit loop: batches, the optimiser, a history, stopping — and nothing about KANs.

It drives any object with ``params`` (dict of arrays) and ``objective(x, y, **kw)``
returning (value, grads) — minGPT's trainer "could apply to any arbitrary neural network",
and so can this one. What is specific to a model (KAN grid updates, which metrics to
record, how progress is shown) comes in as callbacks.
"""
import signal
import threading
import time
import warnings
from collections import defaultdict

import numpy as np

from minikan import validate
from minikan.optim import LBFGS, Adam

OPTIMIZERS = ("LBFGS", "Adam")


class DivergenceWarning(RuntimeWarning):
    """Training stopped because the objective or a parameter became NaN or inf."""

# pykan's L-BFGS settings, so that one step here is one step there: 20 iterations and at
# most 25 objective evaluations per step, history 10, and tolerances so small that a
# step never stops early on them.
LBFGS_SETTINGS = dict(max_iter=20, history_size=10, tolerance_grad=1e-32, tolerance_change=1e-32)


def make_optimizer(opt, params, lr):
    """An optimiser by name over ``params`` (dict of arrays, updated in place).

    Parameters
    ----------
    opt : {"LBFGS", "Adam"}
    params : dict of str to ndarray
    lr : float

    Returns
    -------
    LBFGS or Adam
    """
    validate.check_choice(opt, "opt", OPTIMIZERS)
    if opt == "LBFGS":
        return LBFGS(params, lr=lr, **LBFGS_SETTINGS)
    return Adam(params, lr=lr)


class _StopOnInterrupt:
    """Ctrl-C sets a flag that the loop reads after each step, so a step always finishes.

    Signal handlers can only be installed from the main thread; elsewhere Ctrl-C is not
    delivered to this loop anyway, and the context does nothing.
    """

    def __enter__(self):
        self.stop, self._old = False, None
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        self.stop = True

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def fit(model, x, y, opt="LBFGS", steps=100, lr=1.0, batch=-1, seed=0, objective_kwargs=None,
        before_step=None, metrics=None, progress=None, start_metrics=None):
    """Minimise ``model.objective`` on (x, y) for ``steps`` optimiser steps.

    Parameters
    ----------
    model : object
        Has ``params`` (dict of arrays) and ``objective(x, y, **objective_kwargs) ->
        (value, grads)``, grads keyed as params.
    x : ndarray, shape (n, d)
    y : ndarray, one row per sample
        Already validated by the caller.
    opt : {"LBFGS", "Adam"}
    steps : int
        Optimiser steps (an L-BFGS step is up to 20 iterations, see ``LBFGS_SETTINGS``).
    lr : float
        The optimiser's learning rate.
    batch : int
        -1 (or ≥ n) for the full batch; else a fresh random batch of that size each step.
    seed : int or numpy.random.Generator
        Draws the batches.
    objective_kwargs : dict, optional
        Passed to every ``objective`` call (loss name, regularisation weights).
    before_step : callable, optional
        ``before_step(step, x_batch)``, called before each step (e.g. grid updates). It
        returns the keys of params whose entries it re-expressed on new knots (or nothing):
        Adam resets their moments, and parameters saved before it no longer fit the model.
    metrics : callable, optional
        ``metrics(step) -> dict`` of values recorded after each step (e.g. test loss).
    progress : callable, optional
        ``progress(step, steps, record)``, called once a step's record is complete.
    start_metrics : callable, optional
        ``start_metrics(step) -> dict``, called right after step ``step``'s first objective
        evaluation, which ran at the parameters step ``step - 1`` ended with. Given it, on a
        full batch ``metrics`` is called as ``metrics(step, defer)``; with ``defer`` True (a
        next step follows on the same rows) it may give None for values measured on those
        rows, and ``start_metrics(step + 1)`` fills them in from that evaluation's forward
        instead of a second one. ``before_step(step + 1)`` must then change nothing.

    Returns
    -------
    history : dict of str to ndarray, shape (completed steps,)
        ``objective`` (before the step), ``time`` (seconds since the start) and every key
        ``metrics`` returns. Ctrl-C ends the loop after the current step; the history so
        far is returned.

    Divergence: after every step the objective value and gradient at the step's start,
    and every parameter after it, are checked. If any is NaN or inf (a learning rate
    far too large: the optimisers themselves refuse a non-finite update, so without
    this check training would stall silently), training stops with a
    ``DivergenceWarning`` and the parameters are put back to the last ones known to
    give a finite objective: those before this step if the step wrote a non-finite
    parameter, else those before the previous step (whose history row, computed at the
    diverged parameters, is dropped) — or, if the state changed in between
    (``before_step``), those before this step, which are finite. Nothing non-finite is
    ever left in ``params``. This check is the loop's, so it holds for any optimiser.
    """
    rng = validate.as_rng(seed)
    n = len(x)
    optimizer = make_optimizer(opt, model.params, lr)
    kwargs = objective_kwargs or {}
    history = defaultdict(list)
    start = time.perf_counter()
    prev = None                       # params before the previous step, while they still fit the model
    full = batch < 0 or batch >= n
    pending = []                      # the previous step's record, waiting for start_metrics' values

    def add(step, record):
        for key, v in record.items():
            history[key].append(v)
        if progress is not None:
            progress(step, steps, record)
    with _StopOnInterrupt() as interrupt:
        for step in range(steps):
            rows = slice(None) if full else rng.choice(n, batch, replace=False)
            xb, yb = x[rows], y[rows]
            if before_step is not None:
                changed = before_step(step, xb)
                if changed and pending:
                    raise RuntimeError(f"before_step({step}) changed the model while step {step - 1}'s "
                                       "metrics waited for this step's first evaluation")
                if changed:
                    prev = None                 # knots moved: older parameter snapshots are stale
                    # Arrays the callback re-expressed (a grid update's refitted coefficients)
                    # lose their Adam moments, which described the old basis (optim/adam.py,
                    # Notes). L-BFGS keeps its curvature pairs, as torch's does under pykan.
                    if isinstance(optimizer, Adam):
                        optimizer.reset(changed)
            # The copy and the finiteness check below cost < 1% of one Adam step (measured on
            # 1000 samples: 0.8% for [2, 5, 1], 0.7% for [4, 10, 10, 1]), less for L-BFGS.
            snap = {key: p.copy() for key, p in model.params.items()}
            start_ok = []             # is the step's first evaluation (value and gradient) finite?

            def closure():
                v, g = model.objective(xb, yb, **kwargs)
                if not start_ok:
                    start_ok.append(bool(np.isfinite(v)) and validate.all_finite(g.values()))
                    if pending:               # this evaluation is at the params the last step ended with
                        with np.errstate(over="ignore", invalid="ignore"):
                            pending[0].update(start_metrics(step))
                        add(step - 1, pending.pop())
                return v, g
            # Overflow inside a diverging step is expected and handled below, with one clear warning.
            with np.errstate(over="ignore", invalid="ignore"):
                value = optimizer.step(closure)
            if not (start_ok[0] and validate.all_finite(model.params.values())):
                _stop_diverged(model, step, start_ok[0], snap, prev, history)
                break
            prev = snap
            record = {"objective": float(value), "time": time.perf_counter() - start}
            if metrics is not None:
                defer = (step + 1 < steps and not interrupt.stop,) if start_metrics and full else ()
                with np.errstate(over="ignore", invalid="ignore"):   # diverged params: caught next step
                    record.update(metrics(step, *defer))
            if any(v is None for v in record.values()):
                pending.append(record)        # completed by the next step's first evaluation
            else:
                add(step, record)
            if interrupt.stop:
                break
        if pending:                           # Ctrl-C came just after a step deferred its metrics
            with np.errstate(over="ignore", invalid="ignore"):
                pending[0].update(metrics(step, False))
            add(step, pending.pop())
    return {key: np.asarray(v) for key, v in history.items()}


def _stop_diverged(model, step, start_ok, snap, prev, history):
    """Put back the last parameters with a finite objective and warn (see ``fit``)."""
    if start_ok or prev is None:
        back, when = snap, f"before step {step}"
    else:
        back, when = prev, f"before step {step - 1}"
        for v in history.values():
            v.pop()                   # the row of step - 1 was measured at the diverged parameters
    for key, p in model.params.items():
        p[...] = back[key]
    what = "a parameter became NaN or inf" if start_ok else "the objective or its gradient is NaN or inf"
    warnings.warn(f"training stopped at step {step}: {what}; the parameters are restored to those {when} "
                  "(finite). Lower lr, or use L-BFGS, which shrinks its step instead.",
                  DivergenceWarning, stacklevel=3)
