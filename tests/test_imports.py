"""``import minikan`` stays light: sympy, scipy.optimize and matplotlib load only when the
symbolic, fitting or plotting code that needs them is first used."""
import subprocess
import sys

HEAVY = ("sympy", "scipy.optimize", "matplotlib")


def loaded_after(code):
    """The heavy modules in sys.modules after running ``code`` in a fresh interpreter."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_import_minikan_loads_no_heavy_module():
    assert loaded_after("import minikan") == set()


def test_training_loads_no_heavy_module():
    code = ("import numpy as np, minikan\n"
            "data = minikan.create_dataset(lambda x: x[:, 0] * x[:, 1], n_var=2, train_num=50, "
            "test_num=10, seed=0)\n"
            "model = minikan.KAN([2, 3, 1], grid=3, seed=0)\n"
            "model.fit(data, steps=2, lamb=0.01, log=0)\n"
            "model.prune(); model.refine(5)")
    assert loaded_after(code) == set()


def test_symbolic_edges_need_numpy_only_and_formulas_load_sympy():
    code = ("import numpy as np, minikan\n"
            "model = minikan.KAN([1, 1], grid=3, seed=0)\n"
            "model.fix_symbolic(0, 0, 0, 'sin', fit_params=False)\n"
            "model(np.zeros((4, 1)))")
    assert "sympy" not in loaded_after(code)
    assert "sympy" in loaded_after(code + "\nmodel.symbolic_formula()")
