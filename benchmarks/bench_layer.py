"""Speed of one KAN layer: forward, forward + backward, next to the dense-matmul floor.

Run (from the repository root; the env vars steady glibc's allocator, which else unmaps large temporaries —
set them for both sides of any comparison):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
        PYTHONPATH=. python benchmarks/bench_layer.py [--repeats 50]

Measured, for in = out = 32, G = 5, k = 3, batch 1024, float64 (medians over repeats):
- minikan ``layer_forward`` and ``layer_forward`` + ``layer_backward``;
- the floor: the three dense products of the same size, (batch, in·(G+k)) @ (in·(G+k), out),
  its transpose product for dW, and dout @ Wᵀ; and the ratio to it;
- a breakdown of forward + backward: find_interval, local_basis (the de Boor triangle, without
  find_interval), scatter (+ gather), the three matrix products, the rest;
- pykan's KANLayer forward + backward at the same size, when torch and pykan are importable.

The machine's load average is printed with the table: on a 2-core machine shared with other
work, multi-threaded BLAS stalls and the products can take 10x longer; compare runs at equal
load, or set OPENBLAS_NUM_THREADS=1 (for both sides) to measure single-core speed.
"""
import argparse
import os
import time

import numpy as np

from minikan import bspline
from minikan.layer import KANLayer, layer_backward, layer_forward

IN, OUT, G, K, BATCH = 32, 32, 5, 3, 1024


def median_ms(fn, repeats, warmup=5):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def bench_minikan(repeats):
    rng = np.random.default_rng(0)
    layer = KANLayer(IN, OUT, grid=G, k=K, seed=0)
    layer.params["coef"][:] = rng.normal(size=layer.params["coef"].shape)
    args = layer._spline_args()
    x = rng.uniform(-1, 1, (BATCH, IN))                                  # (batch, in)
    dout = rng.normal(size=(BATCH, OUT))                                 # (batch, out)

    def fwd():
        return layer_forward(x, *args)

    def fwd_bwd():
        _, cache = layer_forward(x, *args)
        return layer_backward(dout, cache)

    # the floor: three dense products of the same size as the layer's
    n = IN * (G + K)
    A, W = rng.normal(size=(BATCH, n)), rng.normal(size=(n, OUT))

    def floor():
        A @ W
        A.T @ dout
        dout @ W.T

    # the pieces
    t = layer.knots
    n_cols = G + K + 2 * K + 1
    mu, V, dV = bspline.local_basis(x, t, K)
    _, cache = layer_forward(x, *args)
    A_full, W_full = cache[3], cache[4]
    A2, W2 = A_full.reshape(BATCH, -1), W_full.reshape(-1, OUT)         # (batch, in·n_cols), (in·n_cols, out)
    dA = (dout @ W2.T).reshape(BATCH, IN, n_cols)
    out_buf = np.zeros((BATCH, IN, n_cols))

    def matmuls():
        A2 @ W2
        A2.T @ dout
        dout @ W2.T

    rows = {
        "forward": median_ms(fwd, repeats),
        "forward + backward": median_ms(fwd_bwd, repeats),
        "floor (3 dense products)": median_ms(floor, repeats),
    }
    parts = {
        "find_interval": median_ms(lambda: bspline.find_interval(x, t, K), repeats),
        "local_basis (w/o find_interval)": median_ms(lambda: bspline.local_basis(x, t, K), repeats),
        "scatter + gather": median_ms(lambda: (bspline.scatter(mu, V, n_cols, out=out_buf),
                                               bspline.gather(dA, mu, K + 1)), repeats),
        "matrix products (3)": median_ms(matmuls, repeats),
    }
    parts["local_basis (w/o find_interval)"] -= parts["find_interval"]
    parts["rest"] = rows["forward + backward"] - sum(parts.values())
    return rows, parts


def bench_pykan(repeats):
    try:
        import torch
        from kan.KANLayer import KANLayer as PykanLayer
    except ImportError:
        return None
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float64)
    layer = PykanLayer(in_dim=IN, out_dim=OUT, num=G, k=K)
    x = torch.rand(BATCH, IN) * 2 - 1
    dout = torch.randn(BATCH, OUT)

    def fwd_bwd():
        xr = x.clone().requires_grad_(True)
        y = layer(xr)[0]
        y.backward(dout)
    return median_ms(fwd_bwd, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    repeats = parser.parse_args().repeats
    rows, parts = bench_minikan(repeats)
    floor = rows["floor (3 dense products)"]
    print(f"one KAN layer: in = out = {IN}, G = {G}, k = {K}, batch {BATCH}, float64; "
          f"median of {repeats} runs")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'':34}{'ms':>8}{'x floor':>9}")
    for name, ms in rows.items():
        print(f"{name:34}{ms:8.2f}{ms / floor:9.2f}")
    print("breakdown of forward + backward:")
    for name, ms in parts.items():
        share = 100 * ms / rows["forward + backward"]
        print(f"  {name:32}{ms:8.2f}{share:8.0f} %")
    pykan = bench_pykan(repeats)
    if pykan is None:
        print("pykan not installed (needs torch and pykan): no side-by-side run")
    else:
        print(f"{'pykan KANLayer forward + backward':34}{pykan:8.2f}{pykan / floor:9.2f}")
        print(f"pykan / minikan: {pykan / rows['forward + backward']:.2f}x")


if __name__ == "__main__":
    main()
