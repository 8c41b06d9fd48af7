"""The benchmark suite: every speed and memory measurement in one run, one table, one JSON file.

Run from the repository root (pykan side by side when torch and pykan are importable, e.g.
from a separate environment — see the README's "Performance" section):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        PYTHONPATH=. python benchmarks/run.py [--quick] [--only SECTION] [--json PATH]

Sections (``--only`` takes one name, or several separated by commas):
- ``layer``  — one layer's forward and forward + backward over a small (in, out, G, k, batch)
  grid, each beside the three dense products of the same shape, as a ratio; the breakdown of
  ``bench_layer.py`` at its canonical size;
- ``growth`` — forward + backward time against batch, in·out, G and k, each size beside its
  dense floor, with the log-log slope of both fitted over the three largest sizes of each;
- ``fit``    — seconds per L-BFGS and per Adam step of ``KAN.fit`` for [2,1,1] and [2,5,1]
  (1000 samples, G = 5) and [4,8,4,1] (10 000 samples, G = 10), with lamb 0 and 0.01,
  pykan alternating with minikan in the same run (three times the rounds for the 1000-sample
  workloads, whose fits are short), and the ratio;
- ``memory`` — tracemalloc peak of one training objective at batch 20 000, with and without
  the penalty (``memory.py``);
- ``import`` — ``import minikan`` time in a fresh interpreter and which heavy modules it loads;
- ``large``  — issue 17's workloads, [8,8,1] and [16,16,1] on 50 000 and 200 000 samples of
  Σ sin x_i, L-BFGS full batch and Adam batch = 1024, with and without the penalty, and a
  1 000 000-row Adam fit with batch 4096 and the penalty: seconds per step and peak RSS, one
  subprocess per workload (``resource.getrusage``), run with glibc's default malloc
  settings (``_large_workloads`` says which rows run by default, with ``--quick``, ``--full``).

Every time is a median; where two implementations are compared they alternate in rounds and
the ratio is of the medians. On a machine shared with other work, wall times stretch with
the load (printed with the table): read the ratios, not the absolute numbers. JSON goes to
benchmarks/out/run.json unless ``--json`` says otherwise.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT]

import bench_fit  # noqa: E402  (benchmarks/ is not a package)
import bench_layer  # noqa: E402
import memory  # noqa: E402

from minikan.layer import KANLayer  # noqa: E402

SECTIONS = ("layer", "growth", "fit", "memory", "import", "large")
HEAVY_MODULES = ("sympy", "scipy.optimize", "matplotlib", "scipy", "torch")

LAYER_GRID = [(2, 5, 5, 3, 1000), (8, 8, 5, 3, 4096), (32, 32, 5, 3, 1024), (32, 32, 10, 3, 1024),
              (64, 64, 5, 3, 1024)]
# axis → sizes; the others held at (32, 32, 5, 3, 1024). Exponents are fitted over the three
# largest sizes. G reaches 120 (at G ≤ 80 the slope was 0.65: the local basis evaluates k + 1
# functions whatever G, so only the products grow with it, and they dominate from G ≈ 40).
# Batch and G stop where the basis array nears MALLOC_MMAP_THRESHOLD_ (32 MiB): past it every
# call faults it in afresh (batch 16384 fitted 1.23). in·out: the basis grows with in alone,
# so the slope nears 1 only where the products dominate (over 64, 96, 128 it was 0.75; over
# 128, 192, 256, 0.81, 0.84, 0.77 in three runs against the dense floor's own 0.88, 0.92, 0.89:
# BLAS gets more efficient with size too). Each size is timed beside its floor, whose slope is
# printed too.
GROWTH = {
    "batch": [512, 1024, 2048, 4096, 8192],
    "in*out": [32, 64, 128, 192, 256],    # in = out = this; in·out grows as its square
    "G": [10, 20, 40, 80, 120],
    "k": [1, 2, 3, 4, 5],
}
FIT_WORKLOADS = [([2, 1, 1], 1000, 5), ([2, 5, 1], 1000, 5), ([4, 8, 4, 1], 10000, 10)]


# ---------------------------------------------------------------------------- timing helpers
def _ms(fn, repeats, warmup=2):
    """The least CPU time of fn in ms over ``repeats`` calls: what a call costs when it has a
    core to itself (wall times on a loaded machine include other processes' turns; with
    single-threaded BLAS, CPU time is the work)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return 1e3 * float(np.min(times))


def _alternate(fns, rounds, repeats):
    """{name: median over rounds of ``_ms``}; names alternate within a round."""
    runs = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            runs[name].append(_ms(fn, repeats))
    return {name: float(np.median(v)) for name, v in runs.items()}


def _layer_cases(shape):
    """forward, forward + backward (``KANLayer``'s public methods) and the floor, at shape
    (in, out, G, k, batch): three dense products of the spline product's size,
    (batch, in·(G+k)) @ (in·(G+k), out), its transpose for dW, and dout @ Wᵀ."""
    i, o, G, k, b = shape
    rng = np.random.default_rng(0)
    layer = KANLayer(i, o, grid=G, k=k, seed=0)
    layer.params["coef"][:] = rng.normal(size=layer.params["coef"].shape)
    x, dout = rng.uniform(-1, 1, (b, i)), rng.normal(size=(b, o))      # (batch, in), (batch, out)
    A, W = rng.normal(size=(b, i * (G + k))), rng.normal(size=(i * (G + k), o))

    def fwd_bwd():
        layer.forward(x)
        layer.backward(dout)
    return {"forward": lambda: layer.forward(x), "forward + backward": fwd_bwd,
            "floor (3 dense products)": lambda: (A @ W, A.T @ dout, dout @ W.T)}


def _breakdown(a):
    """bench_layer.py's breakdown of forward + backward at its canonical size, {part: ms}."""
    if hasattr(bench_layer, "cases"):            # its measurement functions by name
        return bench_layer.breakdown(_alternate(bench_layer.cases("uniform"), a.rounds, a.repeats))
    return bench_layer.bench_minikan(a.repeats)[1]


def _slope(sizes, ms):
    """Least-squares slope of log ms against log size over the three largest sizes."""
    return float(np.polyfit(np.log(sizes[-3:]), np.log(ms[-3:]), 1)[0])


# ---------------------------------------------------------------------------- sections
def section_layer(a):
    keys = ("forward", "forward + backward", "floor (3 dense products)")
    rows = []
    for shape in LAYER_GRID:
        cases = _layer_cases(shape)
        ms = _alternate({key: cases[key] for key in keys}, a.rounds, a.repeats)
        rows.append({"shape": shape, **ms})
    canonical = (bench_layer.IN, bench_layer.OUT, bench_layer.G, bench_layer.K, bench_layer.BATCH)
    return {"grid": rows, "breakdown_shape": canonical, "breakdown": _breakdown(a)}


def section_growth(a):
    out = {}
    for axis, sizes in GROWTH.items():
        fns = {}
        for s in sizes:
            i, o, G, k, b = 32, 32, 5, 3, 1024
            if axis == "batch":
                b = s
            elif axis == "in*out":
                i = o = s
            elif axis == "G":
                G = s
            else:
                k = s
            cases = _layer_cases((i, o, G, k, b))
            fns[s], fns[s, "floor"] = cases["forward + backward"], cases["floor (3 dense products)"]
        ms = _alternate(fns, a.rounds, max(3, a.repeats // 2))
        x = [s * s for s in sizes] if axis == "in*out" else sizes
        kan, floor = [ms[s] for s in sizes], [ms[s, "floor"] for s in sizes]
        out[axis] = {"sizes": x, "ms": kan, "floor_ms": floor, "exponent": _slope(x, kan),
                     "floor_exponent": _slope(x, floor)}
    return out


def section_fit(a):
    rows = []
    if not a.no_pykan:           # torch's first calls pay one-off set-up: not a step's cost
        bench_fit.pykan_workload(bench_fit.workload_data([2, 1, 1], 100), [2, 1, 1], 5, "LBFGS", 1)
    for width, n, G in FIT_WORKLOADS:
        dataset = bench_fit.workload_data(width, n)
        small = n <= 1000
        for opt in ("LBFGS", "Adam"):
            steps = {"LBFGS": 5 if small else 2, "Adam": 50 if small else 10}[opt]
            if a.quick:
                steps = max(1, steps // 2)
            for lamb in (0.0, 0.01):
                mk, pk = [], []
                # The 1000-sample fits take 0.05-0.8 s a round, and their medians over 3 rounds
                # moved 4.1-7.6x between runs ([2, 1, 1] Adam): three times the rounds there.
                for _ in range(a.rounds * (3 if small else 1)):
                    mk.append(bench_fit.minikan_workload(dataset, width, G, opt, steps, lamb))
                    if not a.no_pykan:
                        p = bench_fit.pykan_workload(dataset, width, G, opt, steps, lamb)
                        if p is not None:
                            pk.append(p)
                row = {"width": width, "n": n, "G": G, "opt": opt, "lamb": lamb, "steps": steps,
                       "minikan_s": float(np.median([m[0] for m in mk])), "minikan_rmse": mk[-1][1]}
                if pk:
                    row.update(pykan_s=float(np.median([p[0] for p in pk])), pykan_rmse=pk[-1][1])
                    row["ratio"] = row["pykan_s"] / row["minikan_s"]
                rows.append(row)
                _progress(f"fit {width} {opt} lamb={lamb}: {_fmt_row(row)}")
    return rows


def section_memory(a):
    rows = memory.measure(20000, (8, 16, 1), 10, unchunked=False)
    return {"batch": 20000, "width": [8, 16, 1], "G": 10, "peak_mib": dict(rows),
            "ratio": rows[-1][1] / rows[0][1]}


IMPORT_PROBE = ("import sys, time; t0 = time.perf_counter(); import minikan; "
                "t = time.perf_counter() - t0; "
                f"print(t, [m for m in {HEAVY_MODULES!r} if m in sys.modules])")


def section_import(a):
    times, loaded = [], None
    for _ in range(3 if a.quick else 5):
        out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True, text=True,
                             cwd=ROOT, env=_env(), check=True).stdout.split(" ", 1)
        times.append(float(out[0]))
        loaded = eval(out[1])                  # the probe's own printed list  # noqa: S307
    return {"seconds": float(np.median(times)), "heavy_modules_loaded": loaded}


def _large_workloads(a):
    """Issue 17's grid. By default: every 50 000-row workload, the 200 000-row Adam ones and
    the 1 000 000-row fit; pykan on [8, 8, 1] at 50 000 rows (issue 17's own workload).
    ``--full`` adds the 200 000-row L-BFGS steps and pykan everywhere; ``--quick`` keeps
    [8, 8, 1] at 50 000 rows and the 1 000 000-row fit, with fewer Adam steps."""
    rows, pykan = [], not a.no_pykan and _pykan_importable()
    for n in (50000, 200000):
        for width in ([8, 8, 1], [16, 16, 1]):
            for opt, batch in (("LBFGS", -1), ("Adam", 1024)):
                if a.quick and (n > 50000 or width[0] > 8):
                    continue
                if n > 50000 and opt == "LBFGS" and not a.full:
                    continue
                steps = 1 if opt == "LBFGS" else (5 if a.quick else 20)
                for lamb in (0.0, 0.01):
                    impls = ["minikan"]
                    if pykan and (a.full or (n == 50000 and width[0] == 8)):
                        impls.append("pykan")
                    rows.append(dict(width=width, n=n, opt=opt, batch=batch, lamb=lamb,
                                     steps=steps, impls=impls))
    rows.append(dict(width=[8, 8, 1], n=1000000, opt="Adam", batch=4096, lamb=0.01,
                     steps=5 if a.quick else 20, impls=["minikan"]))
    return rows


def section_large(a):
    rows = []
    for spec in _large_workloads(a):
        row = {key: v for key, v in spec.items() if key != "impls"}
        for impl in spec["impls"]:
            res = json.loads(subprocess.run(
                [sys.executable, __file__, "--worker", json.dumps({**row, "impl": impl})],
                capture_output=True, text=True, cwd=ROOT, env=_env(default_malloc=True),
                check=True).stdout)
            row[f"{impl}_s"], row[f"{impl}_rss_mib"] = res["seconds"], res["rss_mib"]
        if "pykan_s" in row:
            row["ratio"] = row["pykan_s"] / row["minikan_s"]
            row["rss_ratio"] = row["pykan_rss_mib"] / row["minikan_rss_mib"]
        plain = [r for r in rows if r["lamb"] == 0 and all(r[key] == row[key] for key in ("width", "n", "opt"))]
        if row["lamb"] and plain:                  # the regularised step against the plain one
            row["reg_over_plain"] = row["minikan_s"] / plain[-1]["minikan_s"]
        rows.append(row)
        _progress(f"large {row['width']} n={row['n']} {row['opt']} lamb={row['lamb']}: {_fmt_row(row)}")
    return rows


def worker(spec):
    """One large workload in this fresh process: seconds per step and peak RSS (MiB)."""
    import resource
    dataset = bench_fit.sum_sin(spec["width"][0], spec["n"])
    fn = bench_fit.minikan_workload if spec["impl"] == "minikan" else bench_fit.pykan_workload
    seconds, _ = fn(dataset, spec["width"], 5, spec["opt"], spec["steps"], spec["lamb"], spec["batch"])
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss           # KiB on Linux
    # Linux keeps ru_maxrss across fork + exec, so a worker started by a suite that has grown
    # (after the fit section, ~1 GB) reported the suite's peak; VmHWM is this process's own.
    if os.path.exists("/proc/self/status"):
        with open("/proc/self/status") as f:
            rss_kib = next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    print(json.dumps({"seconds": seconds, "rss_mib": rss_kib / 1024}))


# ---------------------------------------------------------------------------- plumbing
_PYKAN = None


def _pykan_importable():
    global _PYKAN
    if _PYKAN is None:
        _PYKAN = subprocess.run([sys.executable, "-c", "import torch, kan"], capture_output=True,
                                env=_env()).returncode == 0
    return _PYKAN


def _env(default_malloc=False):
    """This environment with the repository on PYTHONPATH; with ``default_malloc``, without
    the MALLOC_* settings, which keep freed memory mapped and so inflate peak RSS: the large
    workloads' peaks are what a user with glibc's defaults sees."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([ROOT, os.environ.get("PYTHONPATH", "")])}
    if default_malloc:
        env = {key: v for key, v in env.items() if not key.startswith("MALLOC_")}
    return env


def _progress(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _fmt_row(row):
    s = f"minikan {row['minikan_s'] * 1e3:.1f} ms/step" + (
        f" ({row['minikan_rss_mib']:.0f} MiB)" if "minikan_rss_mib" in row else "")
    if "pykan_s" in row:
        s += f", pykan {row['pykan_s'] * 1e3:.1f} ms/step" + (
            f" ({row['pykan_rss_mib']:.0f} MiB)" if "pykan_rss_mib" in row else "")
        s += f", ratio {row['ratio']:.1f}x"
    return s


def print_table(columns, rows):
    """One header line and a line per row: columns (title, width, format), the first
    left-aligned; a cell that is None (e.g. no pykan run) prints as '-'."""
    def line(cells):
        return "".join(f"{c:<{w}}" if n == 0 else f"{c:>{w}}" for n, (c, (_, w, _)) in enumerate(zip(cells, columns)))
    print(line([title for title, _, _ in columns]))
    for row in rows:
        print(line(["-" if v is None else format(v, f) for v, (_, _, f) in zip(row, columns)]))


def print_tables(res):
    meta = res["meta"]
    print(f"minikan benchmark suite — {meta['cpus']} cores, load average {meta['load_before']:.1f} "
          f"before / {meta['load_after']:.1f} after, OPENBLAS_NUM_THREADS={meta['openblas']}, "
          f"OMP_NUM_THREADS={meta['omp']}, numpy {meta['numpy']}, {meta['seconds']:.0f} s")
    if "layer" in res:
        print("\nlayer forward (+ backward), ms, and x the 3 dense products of the same shape")
        print(f"{'(in, out, G, k, batch)':26}{'fwd':>8}{'fwd+bwd':>9}{'floor':>8}{'x floor':>9}")
        for r in res["layer"]["grid"]:
            fb, fl = r["forward + backward"], r["floor (3 dense products)"]
            print(f"{str(tuple(r['shape'])):26}{r['forward']:8.2f}{fb:9.2f}{fl:8.2f}{fb / fl:9.2f}")
        b = res["layer"]["breakdown"]
        total = sum(b.values())
        print(f"  breakdown at {tuple(res['layer']['breakdown_shape'])}: "
              + ", ".join(f"{k} {v:.2f} ({100 * v / total:.0f}%)" for k, v in b.items()))
    if "growth" in res:
        print("\ncost growth of forward + backward (others at 32, 32, 5, 3, 1024), and of its floor")
        for axis, g in res["growth"].items():
            pts = ", ".join(f"{s}: {m:.2f}/{f:.2f}" for s, m, f in zip(g["sizes"], g["ms"], g["floor_ms"]))
            print(f"  {axis:7} exponent {g['exponent']:5.2f}, floor {g['floor_exponent']:5.2f}   "
                  f"(ms, layer/floor: {pts})")
    if "fit" in res:
        print("\nend-to-end fit, ms per step (median of rounds; pykan alternating)")
        print_table([("workload", 30, ""), ("opt", 6, ""), ("lamb", 6, ".2f"), ("minikan", 10, ".1f"),
                     ("pykan", 10, ".1f"), ("ratio", 8, ".1f"), ("RMSE mk", 10, ".2e"), ("RMSE pk", 10, ".2e")],
                    [[f"{r['width']} n={r['n']} G={r['G']}", r["opt"], r["lamb"], 1e3 * r["minikan_s"],
                      1e3 * r["pykan_s"] if "pykan_s" in r else None, r.get("ratio"), r["minikan_rmse"],
                      r.get("pykan_rmse")] for r in res["fit"]])
    if "memory" in res:
        m = res["memory"]
        print(f"\npeak memory (tracemalloc) of one objective, {m['width']} G={m['G']}, batch {m['batch']}")
        for name, mib in m["peak_mib"].items():
            print(f"  {name:45}{mib:8.1f} MiB")
        print(f"  regularised / plain: {m['ratio']:.2f}")
    if "import" in res:
        i = res["import"]
        print(f"\nimport minikan: {i['seconds']:.3f} s (median, fresh interpreter); heavy modules "
              f"loaded: {', '.join(i['heavy_modules_loaded']) or 'none'}")
    if "large" in res:
        print("\nlarge data (one subprocess each): s per step, peak RSS MiB")
        print_table([("workload", 24, ""), ("opt", 6, ""), ("batch", 7, "d"), ("lamb", 6, ".2f"),
                     ("minikan", 9, ".3f"), ("RSS", 7, ".0f"), ("pykan", 9, ".2f"), ("RSS", 7, ".0f"),
                     ("ratio", 7, ".1f")],
                    [[f"{r['width']} n={r['n']}", r["opt"], r["batch"], r["lamb"], r["minikan_s"],
                      r["minikan_rss_mib"], r.get("pykan_s"), r.get("pykan_rss_mib"), r.get("ratio")]
                     for r in res["large"]])
        reg = [r for r in res["large"] if "reg_over_plain" in r]
        if reg:
            print("  minikan's regularised step / plain step: " + ", ".join(
                f"{r['width']} n={r['n']} {r['opt']} {r['reg_over_plain']:.2f}" for r in reg))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, steps and workloads")
    parser.add_argument("--full", action="store_true", help="pykan also on the 200 000-row workloads")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated of {SECTIONS}")
    parser.add_argument("--json", default=os.path.join(HERE, "out", "run.json"))
    parser.add_argument("--no-pykan", action="store_true", help="skip pykan even if importable")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    a = parser.parse_args()
    if a.worker:
        return worker(json.loads(a.worker))
    only = [s.strip() for s in a.only.split(",") if s.strip()]
    unknown = sorted(set(only) - set(SECTIONS))
    if unknown:
        parser.error(f"--only takes names from {SECTIONS}, got {unknown}")
    a.rounds, a.repeats = (1, 5) if a.quick else (3, 15)
    t0, load0 = time.perf_counter(), os.getloadavg()[0]
    res = {}
    for name in SECTIONS:
        if name in only:
            _progress(f"section {name}")
            res[name] = globals()[f"section_{name}"](a)
    res["meta"] = {"cpus": os.cpu_count(), "load_before": load0, "load_after": os.getloadavg()[0],
                   "openblas": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
                   "omp": os.environ.get("OMP_NUM_THREADS", "unset"), "numpy": np.__version__,
                   "python": platform.python_version(), "quick": a.quick,
                   "seconds": time.perf_counter() - t0}
    print_tables(res)
    os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
    with open(a.json, "w") as f:
        json.dump(res, f, indent=1, default=float)
    print(f"\nJSON: {os.path.relpath(a.json)}")


if __name__ == "__main__":
    main()
