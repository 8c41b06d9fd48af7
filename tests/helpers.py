"""Shared test helper: non-trivial parameters for gradient checks."""
import numpy as np


def perturb(model, seed=0, scale=0.7):
    """O(1) random spline parameters, in place: ~0 coefficients could hide a wrong backward
    (makemore's warning about zero init). Symbolic affine parameters stay as they are.
    ``seed`` is an int or a Generator."""
    rng = np.random.default_rng(seed)
    for name, p in model.params.items():
        if not name.endswith("sym_affine"):
            p[:] = rng.normal(scale=scale, size=p.shape)
    return model
