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
  silu's three small products with silu and silu', and the rest (weights, grads);
- pykan's KANLayer forward + backward at the same size, when torch and pykan are importable.
Each time is the median over ``repeats`` calls; the rounds alternate all measurements and
the table reports the median over rounds, so a burst of load hits every row alike.

The machine's load average is printed with the table: on a 2-core machine shared with other
work, multi-threaded BLAS stalls and the products can take 10x longer; compare runs at equal
load, or set OPENBLAS_NUM_THREADS=1 (for both sides) to measure single-core speed.

Measured on the 2-core development machine (OPENBLAS_NUM_THREADS=1, load ≈ 3 from other
work; ms, median of 3 rounds × 30 calls):

    (filled in below the code's last change; see the closing table of a run)
"""
import argparse
import os
import time

import numpy as np

from minikan import bspline
from minikan.layer import KANLayer, layer_backward, layer_forward, silu, silu_grad

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
        "silu branch": lambda: (silu(x) @ W_base, silu(x).T @ dout, (dout @ W_base.T) * silu_grad(x)),
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
