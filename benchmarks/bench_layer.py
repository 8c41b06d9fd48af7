"""Speed of one KAN layer: forward, forward + backward, next to the dense-matmul floor.

Run (from the repository root; the env vars steady glibc's allocator, which otherwise
returns large temporaries to the OS and faults them back in — set them for both sides of
any comparison):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
        PYTHONPATH=. python benchmarks/bench_layer.py [--repeats 30] [--rounds 3]

Measured, for in = out = 32, G = 5, k = 3, batch 1024, float64, on uniform knots and on
the non-uniform knots of a grid update (``KANLayer.update_grid`` on skewed samples):
- minikan ``layer_forward`` and ``layer_forward`` + ``layer_backward``;
- the floor: the three dense products of the same size, (batch, in·(G+k)) @ (in·(G+k), out),
  its transpose product for dW, and dout @ Wᵀ; and the ratio to it;
- a breakdown of forward + backward: find_interval, the de Boor triangle (local_basis
  without find_interval), positions + scatter, gather_dot, the spline's three products,
  silu's three small products with σ(x) (once), silu and silu', and the rest (weights, grads);
- pykan's KANLayer forward + backward at the same size, when torch and pykan are importable.
Each call is timed twice: its wall time and the CPU time of this process. The table shows
the median wall time and the least CPU time over ``repeats`` calls, each the median over
``rounds`` rounds that alternate all measurements, so a burst of load hits every row alike.

The machine's load average is printed with the table. On a 2-core machine shared with other
work the wall times mostly measure the wait for a core (and multi-threaded BLAS stalls, so
the products can take 10x longer); the least CPU time is then the comparable number. Set
OPENBLAS_NUM_THREADS=1 (for both sides) to measure single-core speed; with threaded BLAS the
CPU time adds up the threads.

Measured on the 2-core development machine, OPENBLAS_NUM_THREADS=1, allocator pinned as
above, while other work kept the load average at 2-18 (least CPU time, x the floor in the
same run):

    forward + backward              uniform knots        after a grid update
    load ~2, two rounds alternating with the previous version (floor 1.4 ms):
      this version                  4.62-5.11 ms = 3.3-3.5x   4.69-4.87 ms = 3.4x
      before the batched binary search and the leaner triangle
                                    5.20-5.52 ms = 3.7-3.8x   5.22-5.38 ms = 3.7-3.8x
      with σ(x) from one exp instead of tanh (changes rounding; not in the code)
                                    4.27-4.46 ms = 3.1-3.2x   4.18-4.23 ms = 2.9-3.0x
    breakdown, same runs, uniform (ms, before -> now): find_interval 0.62 -> 0.30, de Boor
    triangle 1.21-1.29 -> 0.98-1.02, positions + scatter 0.51-0.55 -> 0.41-0.47, gather_dot
    0.21-0.24 -> 0.19, spline products 1.40-1.45 (both), silu branch 0.74-0.76 (both; 0.46
    with the exp), the rest (weights, grads) 0.4-0.9 (it absorbs the load's noise).
    load 17.8 (an earlier version)  4.45 ms = 3.6x       4.81 ms = 4.0x     (floor 1.2 ms)
    load ~5 (before the per-interval reciprocal spans, which made local_basis 15-20 % faster)
                                    3.0-3.2x             3.1-3.3x
    previous layer (padded basis with a silu column, per-degree lists), same runs, load ~10
                                    4.4-5.8x             4.7-5.5x

    breakdown at load 17.8, uniform (ms): find_interval 0.60, de Boor triangle 0.94,
    positions + scatter 0.27, gather_dot 0.16, spline products 1.21, silu branch 0.45
    (σ was computed three times there, not once as in the layer), the rest 0.82.

Without the two MALLOC_ variables glibc gives the ~1 MB temporaries of a call back to the OS
and faults them in again on the next: local_basis at this size took 6.0 ms instead of 1.3 ms
(least CPU time, same run). Computing it in slices of 128 rows avoided that (2.3 ms) but is
slower with the allocator pinned (2.2 ms), so the code does not slice.
"""
import argparse
import os
import time

import numpy as np

from minikan import bspline
from minikan.layer import KANLayer, layer_backward, layer_forward, sigmoid, silu_grad

IN, OUT, G, K, BATCH = 32, 32, 5, 3, 1024
STATS = ("median wall time", "least CPU time")


def time_ms(fn, repeats, warmup=3):
    """(median wall time, least CPU time) of fn in ms over ``repeats`` calls.

    The CPU time of the process is what a call costs when nothing else runs: on a machine
    shared with other work, wall times include the time other processes held the core.
    With multi-threaded BLAS it adds up all threads, so read it with OPENBLAS_NUM_THREADS=1.
    """
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return 1e3 * float(np.median(wall)), 1e3 * float(np.min(cpu))


def make_layer(knots):
    """The benchmark layer with O(1) coefficients, on uniform or grid-updated knots."""
    rng = np.random.default_rng(0)
    layer = KANLayer(IN, OUT, grid=G, k=K, seed=0)
    layer.params["coef"][:] = rng.normal(size=layer.params["coef"].shape)
    if knots == "non-uniform":
        layer.update_grid(rng.uniform(-1, 1, (BATCH, IN)) ** 3)     # skewed samples: uneven knots
    return layer


def cases(knots):
    """name → zero-argument function, for one knot kind."""
    rng = np.random.default_rng(1)
    layer = make_layer(knots)
    args = layer._spline_args()
    t = layer.knots
    x = rng.uniform(-1, 1, (BATCH, IN))                                  # (batch, in)
    dout = rng.normal(size=(BATCH, OUT))                                 # (batch, out)
    n_basis = G + K
    # the floor: three dense products of the same size as the layer's spline products
    A, W = rng.normal(size=(BATCH, IN * n_basis)), rng.normal(size=(IN * n_basis, OUT))
    W_base = rng.normal(size=(IN, OUT))
    mu, V, dV = bspline.local_basis(x, t, K)
    pos = bspline.positions(mu, K, n_basis)
    _, cache = layer_forward(x, *args)
    dB = dout @ cache.W.T

    def fwd_bwd():
        return layer_backward(dout, layer_forward(x, *args)[1])

    def silu_branch():                       # as the layer computes it: σ(x) once
        sig = sigmoid(x)
        s = x * sig
        return s @ W_base, s.T @ dout, (dout @ W_base.T) * silu_grad(x, sig)

    return {
        "forward": lambda: layer_forward(x, *args),
        "forward + backward": fwd_bwd,
        "floor (3 dense products)": lambda: (A @ W, A.T @ dout, dout @ W.T),
        "find_interval": lambda: bspline.find_interval(x, t, K),
        "local_basis": lambda: bspline.local_basis(x, t, K),
        "positions + scatter": lambda: bspline.scatter(V, bspline.positions(mu, K, n_basis),
                                                       (BATCH, IN * n_basis)),
        "gather_dot": lambda: bspline.gather_dot(dB, pos, dV),
        "spline products (3)": lambda: (cache.B @ cache.W, cache.B.T @ dout, dout @ cache.W.T),
        "silu branch": silu_branch,
    }


def measure(repeats, rounds):
    """{stat: {knots: {name: ms}}} for the two stats of ``time_ms``, each the median over
    rounds; all measurements alternate within a round."""
    all_cases = {knots: cases(knots) for knots in ("uniform", "non-uniform")}
    runs = {knots: {name: [] for name in c} for knots, c in all_cases.items()}
    for _ in range(rounds):
        for knots, c in all_cases.items():
            for name, fn in c.items():
                runs[knots][name].append(time_ms(fn, repeats))
    return {stat: {knots: {name: float(np.median([v[s] for v in r])) for name, r in per.items()}
                   for knots, per in runs.items()}
            for s, stat in enumerate(STATS)}


def breakdown(ms):
    parts = {
        "find_interval": ms["find_interval"],
        "de Boor triangle": ms["local_basis"] - ms["find_interval"],
        "positions + scatter": ms["positions + scatter"],
        "gather_dot": ms["gather_dot"],
        "spline products (3)": ms["spline products (3)"],
        "silu branch": ms["silu branch"],
    }
    parts["rest"] = ms["forward + backward"] - sum(parts.values())
    return parts


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
    return time_ms(fwd_bwd, repeats)


def print_table(results, stat):
    u, n = results["uniform"], results["non-uniform"]
    floor = "floor (3 dense products)"
    print(f"{stat:30}{'uniform':>18}{'non-uniform':>18}")
    print(f"{'':30}{'ms':>9}{'x floor':>9}{'ms':>9}{'x floor':>9}")
    for name in ("forward", "forward + backward", floor):
        print(f"{name:30}{u[name]:9.2f}{u[name] / u[floor]:9.2f}{n[name]:9.2f}{n[name] / n[floor]:9.2f}")
    print("  breakdown of forward + backward (ms, share):")
    bu, bn = breakdown(u), breakdown(n)
    for name in bu:
        print(f"  {name:28}{bu[name]:9.2f}{100 * bu[name] / u['forward + backward']:8.0f}%"
              f"{bn[name]:9.2f}{100 * bn[name] / n['forward + backward']:8.0f}%")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results = measure(args.repeats, args.rounds)
    print(f"one KAN layer: in = out = {IN}, G = {G}, k = {K}, batch {BATCH}, float64; "
          f"median of {args.rounds} rounds x {args.repeats} calls")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    for stat in STATS:
        print_table(results[stat], stat)
    pykan = bench_pykan(args.repeats)
    if pykan is None:
        print("pykan not installed (needs torch and pykan): no side-by-side run")
    else:
        u = results[STATS[0]]["uniform"]
        print(f"pykan KANLayer forward + backward, median {pykan[0]:.2f} ms; "
              f"pykan / minikan (uniform, medians): {pykan[0] / u['forward + backward']:.2f}x")


if __name__ == "__main__":
    main()
