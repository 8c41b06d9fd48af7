"""Peak memory of one regularised training step, with and without slicing the penalty's features.

    python benchmarks/memory.py

One evaluation of ``model.objective`` (forward, MSE, L1 + entropy penalty, full backward)
for width [8, 16, 1], G = 10, batch 20000, measured by ``tracemalloc`` (which counts NumPy's
allocations). The penalty never builds the (batch, in, out) per-edge tensor: it reuses the
forward's basis and works on slices of rows (``edge_stats.py``). "unsliced" sets the slice
budget above the whole batch; "sliced" uses the library default ``edge_stats.FEATURE_BYTES``.
The regularisation-free step is shown for reference.
"""
import tracemalloc

import numpy as np

from minikan import KAN, edge_stats


def peak_mib(model, x, y, **kw):
    tracemalloc.start()
    tracemalloc.reset_peak()
    model.objective(x, y, **kw)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2 ** 20


def measure(batch=20000, width=(8, 16, 1), G=10, unchunked=True):
    """[(name, peak MiB)] of one objective evaluation: plain, (unsliced,) sliced penalty."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (batch, width[0]))                  # (batch, d)
    y = np.sin(x.sum(axis=1, keepdims=True))                   # (batch, 1)
    model = KAN(list(width), grid=G, k=3, seed=0)
    default = edge_stats.FEATURE_BYTES
    rows = [("no regularisation", peak_mib(model, x, y))]
    if unchunked:
        edge_stats.FEATURE_BYTES = 10 ** 15                    # one slice: the whole batch
        rows.append(("lamb=0.01, unsliced", peak_mib(model, x, y, lamb=0.01)))
        edge_stats.FEATURE_BYTES = default
    rows.append((f"lamb=0.01, sliced ({default / 2 ** 20:g} MiB per slice)", peak_mib(model, x, y, lamb=0.01)))
    return rows


def main():
    batch, width, G = 20000, [8, 16, 1], 10
    edge_tensor = batch * width[0] * width[1] * 8 / 2 ** 20
    rows = measure(batch, width, G)
    print(f"width {width}, G={G}, batch {batch}; one (batch, in, out) float64 tensor of layer 0 = "
          f"{edge_tensor:.1f} MiB")
    for name, mib in rows:
        print(f"{name:<45} peak {mib:8.1f} MiB")


if __name__ == "__main__":
    main()
