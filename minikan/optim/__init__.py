"""Optimisers that update a dict of parameter arrays in place: Adam and L-BFGS.

``adam.py`` (Kingma & Ba, Alg. 1); ``lbfgs.py``, the two-loop recursion (Nocedal & Wright,
Alg. 7.4), whose step lengths come from ``linesearch.py``, the strong-Wolfe search
(N&W Alg. 3.5–3.6).

The contract both share: the optimiser is built on ``params``, a dict of arrays it updates
in place, and each ``step(closure)`` calls ``closure() -> (loss, grads)``, the loss at the
params as they are at that call and ``grads`` with the keys and shapes of ``params``.
"""

from minikan.optim.adam import Adam
from minikan.optim.lbfgs import LBFGS

__all__ = ["LBFGS", "Adam"]
