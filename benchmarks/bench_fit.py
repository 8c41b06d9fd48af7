"""Speed and accuracy of an end-to-end fit: [2,5,1], G = 5, k = 3 on exp(sin(πx) + y²).

Run (from the repository root; the env vars steady glibc's allocator, which else unmaps large temporaries —
set them for both sides of any comparison):

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 \\
        PYTHONPATH=. python benchmarks/bench_fit.py [--steps 50] [--repeats 3]
    PYTHONPATH=. python benchmarks/bench_fit.py --seeds        # the accuracy bar over seeds 0–4

Measured (medians over repeats): wall time per L-BFGS step and per Adam step of
``model.fit(dataset, steps=..., log=0)`` with 1000 train / 1000 test points (a step includes
fit's per-step metrics: train and test loss, penalty, edge count), objective evaluations per
L-BFGS step, one ``model.objective`` evaluation (loss + gradient on the 1000 points), and the
test RMSE reached. pykan runs the same workload side by side when torch and pykan are
importable (``KAN(width=[2,5,1], grid=5, k=3, seed=0)``, ``model.fit(dataset, opt="LBFGS")``).

``--seeds``: seeds 0–4 (the model's and the dataset's), 50 L-BFGS steps each; prints test RMSE
per seed, the median and the max. The bar: median < 4e-3, none > 8e-3.
"""
import argparse
import os
import time

import numpy as np

from minikan import KAN, create_dataset
from minikan.data import FUNCTIONS

F = FUNCTIONS["exp_sin"].f


def data(seed=0):
    return create_dataset(F, n_var=2, train_num=1000, test_num=1000, seed=seed)


def timed_fit(dataset, opt, steps, lr, seed=0):
    """(seconds per step, objective evaluations per step, test RMSE) of one fresh fit."""
    model = KAN([2, 5, 1], grid=5, k=3, seed=seed)
    n_evals = [0]
    objective = model.objective

    def counting(*args, **kwargs):
        n_evals[0] += 1
        return objective(*args, **kwargs)
    model.objective = counting                                           # instance attribute: counts calls
    t0 = time.perf_counter()
    model.fit(dataset, opt=opt, steps=steps, lr=lr, log=0)
    seconds = time.perf_counter() - t0
    return seconds / steps, n_evals[0] / steps, model.evaluate(dataset)["test_rmse"]


def objective_ms(dataset, repeats=50):
    model = KAN([2, 5, 1], grid=5, k=3, seed=0)
    x, y = dataset["train_input"], dataset["train_label"]
    model.objective(x, y)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.objective(x, y)
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def pykan_fit(dataset, steps):
    """(seconds per step, test RMSE) of pykan on the same workload, or None without pykan."""
    try:
        import torch
        from kan import KAN as PyKAN
    except ImportError:
        return None
    torch.set_default_dtype(torch.float64)
    ds = {key: torch.tensor(v) for key, v in dataset.items()}
    model = PyKAN(width=[2, 5, 1], grid=5, k=3, seed=0, auto_save=False)
    t0 = time.perf_counter()
    model.fit(ds, opt="LBFGS", steps=steps, log=steps + 1)
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        rmse = torch.sqrt(torch.mean((model(ds["test_input"]) - ds["test_label"]) ** 2)).item()
    return seconds / steps, rmse


def sum_sin(n_var, n, seed=0):
    """y = Σ sin x_i on [-1, 1]^n_var, n train and min(n, 10000) test points (issue 17's data)."""
    return create_dataset(lambda x: np.sin(x).sum(axis=1, keepdims=True), n_var=n_var,
                          train_num=n, test_num=min(n, 10000), seed=seed)


def workload_data(width, n, seed=0):
    """exp(sin(πx) + y²) for 2 inputs (the KAN paper's example), Σ sin x_i otherwise."""
    if width[0] == 2:
        return create_dataset(F, n_var=2, train_num=n, test_num=1000, seed=seed)
    return sum_sin(width[0], n, seed)


def minikan_workload(dataset, width, G, opt, steps, lamb=0.0, batch=-1):
    """(CPU seconds per step, test RMSE) of ``KAN(width, grid=G).fit`` on dataset.

    CPU time (``time.process_time``), not wall time: on a machine shared with other work it
    is what the step costs with a core to itself. Read it with OPENBLAS_NUM_THREADS=1 and
    OMP_NUM_THREADS=1 (else it adds up the threads), and the same for both implementations.
    """
    model = KAN(list(width), grid=G, k=3, seed=0)
    lr = 1.0 if opt == "LBFGS" else 0.01
    t0 = time.process_time()
    model.fit(dataset, opt=opt, steps=steps, lr=lr, lamb=lamb, batch=batch, log=0)
    seconds = (time.process_time() - t0) / steps
    # the test set only (as for pykan): a forward over a large train set would dominate peak RSS
    pred = model(dataset["test_input"])
    return seconds, float(np.sqrt(np.mean((pred - dataset["test_label"]) ** 2)))


def pykan_workload(dataset, width, G, opt, steps, lamb=0.0, batch=-1):
    """The same (CPU seconds per step, test RMSE) with pykan 0.2.8 (``model.fit``, same
    optimiser, lr and batch), or None without torch and pykan. Its tqdm bar is discarded."""
    try:
        import torch
        from kan import KAN as PyKAN
    except ImportError:
        return None
    import contextlib
    import io
    torch.set_default_dtype(torch.float64)
    ds = {key: torch.tensor(v) for key, v in dataset.items()}
    lr = 1.0 if opt == "LBFGS" else 0.01
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        model = PyKAN(width=list(width), grid=G, k=3, seed=0, auto_save=False)
        t0 = time.process_time()
        model.fit(ds, opt=opt, steps=steps, lr=lr, lamb=lamb, batch=batch, log=steps + 1)
        seconds = (time.process_time() - t0) / steps
    with torch.no_grad():
        rmse = torch.sqrt(torch.mean((model(ds["test_input"]) - ds["test_label"]) ** 2)).item()
    return seconds, rmse


def speed(steps, repeats):
    dataset = data(0)
    runs = [timed_fit(dataset, "LBFGS", steps, 1.0) for _ in range(repeats)]
    lbfgs_ms = 1e3 * np.median([r[0] for r in runs])
    evals = runs[0][1]
    rmse = runs[0][2]
    adam_ms = 1e3 * np.median([timed_fit(dataset, "Adam", steps, 0.01)[0] for _ in range(repeats)])
    obj_ms = objective_ms(dataset)
    print(f"[2,5,1], G = 5, k = 3, exp(sin(pi x) + y^2), 1000 train points, {steps} steps, "
          f"median of {repeats} fits; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'':36}{'minikan':>12}{'pykan':>12}{'ratio':>8}")
    py = pykan_fit(dataset, steps)
    if py is None:
        print(f"{'ms per L-BFGS step':36}{lbfgs_ms:12.2f}{'-':>12}{'-':>8}")
    else:
        print(f"{'ms per L-BFGS step':36}{lbfgs_ms:12.2f}{1e3 * py[0]:12.2f}{1e3 * py[0] / lbfgs_ms:8.2f}")
    print(f"{'objective evaluations per step':36}{evals:12.1f}")
    print(f"{'ms per objective (loss + grad)':36}{obj_ms:12.3f}")
    print(f"{'ms per Adam step':36}{adam_ms:12.2f}")
    print(f"{'test RMSE after L-BFGS':36}{rmse:12.2e}" + (f"{py[1]:12.2e}" if py else ""))
    if py is None:
        print("pykan not installed (needs torch and pykan): no side-by-side run")


def seeds(steps):
    rows = []
    print(f"[2,5,1], G = 5, {steps} L-BFGS steps; seed = model and dataset seed")
    print(f"{'seed':>6}{'test RMSE':>12}{'seconds':>9}")
    for seed in range(5):
        t0 = time.perf_counter()
        model = KAN([2, 5, 1], grid=5, k=3, seed=seed)
        dataset = data(seed)
        model.fit(dataset, opt="LBFGS", steps=steps, log=0)
        rmse = model.evaluate(dataset)["test_rmse"]
        rows.append(rmse)
        print(f"{seed:6d}{rmse:12.2e}{time.perf_counter() - t0:9.1f}")
    med, worst = float(np.median(rows)), float(np.max(rows))
    ok = med < 4e-3 and worst <= 8e-3
    print(f"median {med:.2e} (bar < 4e-3), max {worst:.2e} (bar <= 8e-3): {'PASS' if ok else 'FAIL'}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seeds", action="store_true", help="accuracy over seeds 0-4 instead of speed")
    args = parser.parse_args()
    if args.seeds:
        seeds(args.steps)
    else:
        speed(args.steps, args.repeats)


if __name__ == "__main__":
    main()
