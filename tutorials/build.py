"""Execute the tutorial notebooks in fresh kernels and write them back with their outputs.

    python tutorials/build.py              # every tutorials/NN_*.ipynb, in order
    python tutorials/build.py 01 03        # the notebooks whose names start with 01, 03

Each notebook runs top to bottom in a new kernel of this Python interpreter, with the
repository on PYTHONPATH (so ``import minikan`` finds this checkout, installed or not) and
a temporary working directory (so nothing a notebook writes lands in the repository).
The result is saved without volatile metadata (execution timestamps, the interpreter's
patch version), so that rebuilding an unchanged notebook changes only what really changed.
The tests (tests/test_tutorials.py) execute the notebooks through the same ``execute``.
"""
import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CELL_TIMEOUT = 300        # seconds; a notebook is meant to take < 40 s in total
# matplotlib's inline backend renders with Agg into the cell's output and never opens a
# window; plain "Agg" would run headless too but would drop the pictures from the notebook.
MPL_BACKEND = "module://matplotlib_inline.backend_inline"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class ThisPython(KernelSpecManager):
    """The kernel "python3" is always ipykernel on the interpreter running this script.

    Without this, a "python3" kernelspec found elsewhere on the machine (a user-wide
    Jupyter install) could run the notebooks on a different Python.
    """

    def get_kernel_spec(self, kernel_name):
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        return KernelSpec(argv=argv, display_name=KERNELSPEC["display_name"],
                          language="python", resource_dir=str(HERE))


def notebooks(names=()):
    """The notebooks tutorials/NN_*.ipynb in order, or those whose file names start with ``names``."""
    found = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return found
    chosen = [p for p in found if any(p.name.startswith(n) for n in names)]
    missing = [n for n in names if not any(p.name.startswith(n) for p in found)]
    if missing:
        raise SystemExit(f"no notebook in {HERE} starts with {', '.join(missing)}")
    return chosen


def kernel_env():
    """The environment of the kernel: ours, plus the repository on PYTHONPATH and the backend."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + [p for p in [env.get("PYTHONPATH")] if p])
    env["MPLBACKEND"] = MPL_BACKEND
    env.setdefault("OMP_NUM_THREADS", "1")          # small arrays: threads cost more than they give
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def execute(path):
    """Run the notebook at ``path`` in a fresh kernel; return it executed (not saved).

    Raises ``nbclient.exceptions.CellExecutionError`` on the first cell that fails.
    """
    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory() as tmp:
        # Unix sockets in the temporary directory where there are any: no open port, and
        # no warning from ipykernel about unencrypted TCP in the output.
        transport = dict(transport="ipc", ip=os.path.join(tmp, "kernel")) if os.name == "posix" else {}
        km = KernelManager(kernel_name="python3", kernel_spec_manager=ThisPython(), **transport)
        client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, record_timing=False,
                                resources={"metadata": {"path": tmp}})
        client.execute(env=kernel_env(), cwd=tmp)
    return clean(nb)


def clean(nb):
    """Drop what changes from run to run without changing what a reader sees."""
    nb.metadata = nbformat.from_dict({
        "kernelspec": dict(KERNELSPEC),
        "language_info": {"name": "python", "pygments_lexer": "ipython3"},
    })
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            for out in cell.outputs:
                out.get("metadata", {}).pop("execution", None)
    return nb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="notebook name prefixes, e.g. 01 or 03_training")
    args = parser.parse_args(argv)
    for path in notebooks(args.names):
        start = time.perf_counter()
        nb = execute(path)
        nbformat.validate(nb)
        nbformat.write(nb, path)
        size = path.stat().st_size / 1024
        print(f"{path.name}: {time.perf_counter() - start:.1f} s, {size:.0f} kB")


if __name__ == "__main__":
    main()
