"""Optimisers that update a dict of parameter arrays in place: Adam and L-BFGS.

``adam.py`` (Kingma & Ba, Alg. 1); ``lbfgs.py``, the two-loop recursion (Nocedal & Wright,
Alg. 7.4), whose step lengths come from ``linesearch.py``, the strong-Wolfe search
(N&W Alg. 3.5–3.6). Each takes ``params`` (dict of arrays) and a ``closure() -> (loss, grads)``.
"""

from minikan.optim.adam import Adam
from minikan.optim.lbfgs import LBFGS

__all__ = ["LBFGS", "Adam"]
