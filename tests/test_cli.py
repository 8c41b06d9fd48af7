"""Tests for minikan.cli: every command, end to end on a CSV in real units, and bad input."""
import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from minikan import KAN, formula_rmse
from minikan.cli import main
from minikan.cli.csvfile import read_csv

COMMANDS = ["fit", "formula", "plot", "predict", "gradcheck", "demo"]


def test_gradcheck_command_passes(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "verdict: PASS" in out and "FAIL" not in out
    assert out.count("verdict:") == 8            # layer, mult, deep, normalised, 2 objectives, CE, symbolic


def test_demo_quick_prints_a_formula(capsys, tmp_path):
    assert main(["demo", "--quick", "--log", "0", "--plots", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "target: exp(x2**2 + sin(pi*x1))" in out
    assert "prune ->" in out and "auto_symbolic" in out
    formula_lines = [line for line in out.splitlines() if line.startswith("formula")]
    assert len(formula_lines) == 2                # 4 digits, then snapped
    assert all("x1" in line for line in formula_lines)
    pytest.importorskip("minikan.plot")
    assert {p.name for p in tmp_path.iterdir()} == {"demo_before_prune.png", "demo_after_prune.png"}


@pytest.mark.parametrize("argv", [[], ["nope"], ["demo", "--seed", "x"], ["fit", "d.csv"],
                                  ["fit", "d.csv", "--target", "y", "--out", "m.npz", "--width", "3,x"],
                                  ["fit", "d.csv", "--target", "y", "--out", "m.npz", "--steps", "0"],
                                  ["fit", "d.csv", "--target", "y", "--out", "m.npz", "--lib", "sin,nosuchfn"],
                                  ["fit", "d.csv", "--target", "y", "--out", "m.npz", "--refine", "10,x"],
                                  ["fit", "d.csv", "--target", "y", "--out", "m.npz", "--width", "2,0+0,1"],
                                  ["fit", "d.csv", "--target", "y", "--out", "m.npz", "--width", "2,1+1+1,1"]])
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage" in capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: minikan {command}") and "--debug" in out


def test_python_dash_m_runs_the_command_line():
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-m", "minikan", "--help"], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0 and all(c in done.stdout for c in COMMANDS)


# ---------------------------------------------------------------- end to end, real units
def _write_csv(path, rows, header=("x", "w", "z", "y")):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """y = 3 sin(x/10) + z/2 on x in [0, 60], z in [2, 8]; w is noise the model must drop."""
    tmp = tmp_path_factory.mktemp("fit")
    rng = np.random.default_rng(0)
    n = 400
    x, w, z = rng.uniform(0, 60, n), rng.uniform(-5, 5, n), rng.uniform(2, 8, n)
    y = 3 * np.sin(x / 10) + 0.5 * z
    data_csv, model = tmp / "data.csv", tmp / "model.npz"
    _write_csv(data_csv, [[repr(float(v)) for v in row] for row in zip(x, w, z, y)])
    return tmp, data_csv, model, np.column_stack([x, w, z]), y


def test_fit_prune_symbolic_then_formula_gives_the_formula_in_data_units(fitted, capsys):
    tmp, data_csv, model, X, y = fitted
    code = main(["fit", str(data_csv), "--target", "y", "--prune", "--symbolic", "--steps", "30",
                 "--log", "0", "--out", str(model)])               # the defaults otherwise
    out = capsys.readouterr().out
    assert code == 0, out
    assert "400 rows; inputs x, w, z; target y" in out and "test RMSE" in out
    assert main(["formula", str(model)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("y = ")
    expr = sp.sympify(lines[0][len("y = "):])                          # pastes back into sympy
    assert {str(s) for s in expr.free_symbols} == {"x", "z"}           # w pruned away
    assert formula_rmse(expr, (X, y), ["x", "w", "z"]) < 1e-2
    xs, zs = sp.symbols("x z")
    assert "3*sin(x/10)" in lines[0] and "z/2" in lines[0]
    rest = sp.nsimplify(expr - 3 * sp.sin(xs / 10) - zs / 2)
    assert not rest.free_symbols and abs(float(rest)) < 1e-2          # only a constant ~0 left
    loaded = KAN.load(model)
    assert loaded.input_names == ["x", "z"] and loaded.output_names == ["y"]


def test_predict_writes_the_model_outputs_as_csv(fitted, capsys):
    tmp, data_csv, model, X, y = fitted
    if not model.exists():
        main(["fit", str(data_csv), "--target", "y", "--steps", "2", "--log", "0", "--no-plot",
              "--out", str(model)])
    capsys.readouterr()
    assert main(["predict", str(model), str(data_csv)]) == 0
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["y"] and len(rows) == 401
    kan = KAN.load(model)
    cols = [["x", "w", "z"].index(n) for n in kan.input_names]
    assert np.array_equal(np.array(rows[1:], dtype=float)[:, 0], kan.predict(X[:, cols])[:, 0])


def test_plot_command_draws_the_saved_model(fitted, tmp_path):
    pytest.importorskip("minikan.plot")
    _, data_csv, model, _, _ = fitted
    if not model.exists():
        main(["fit", str(data_csv), "--target", "y", "--steps", "2", "--log", "0", "--out", str(model)])
    assert model.with_suffix(".png").read_bytes()[:4] == b"\x89PNG"       # fit's PNG beside the model
    assert main(["plot", str(model), str(tmp_path / "net.png")]) == 0
    assert (tmp_path / "net.png").read_bytes()[:4] == b"\x89PNG"


def test_classify_prints_accuracy_and_predicts_classes(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.uniform(-3, 3, (120, 2))
    label = (X[:, 0] + X[:, 1] > 0).astype(int)
    _write_csv(tmp_path / "c.csv", [[*map(repr, map(float, row)), int(c)] for row, c in zip(X, label)],
               header=("a", "b", "label"))
    assert main(["fit", str(tmp_path / "c.csv"), "--target", "label", "--classify", "--steps", "5",
                 "--log", "0", "--no-plot", "--out", str(tmp_path / "c.npz")]) == 0
    accuracy = float(capsys.readouterr().out.split("test accuracy ")[-1].split()[0])
    assert accuracy > 0.9
    assert main(["predict", str(tmp_path / "c.npz"), str(tmp_path / "c.csv"), "--classes"]) == 0
    rows = capsys.readouterr().out.split()
    assert rows[0] == "class" and np.mean(np.array(rows[1:], dtype=int) == label) > 0.9


def test_formula_of_a_spline_model_lists_the_edges_and_fails(tmp_path, capsys):
    KAN([2, 2, 1], seed=0).save(tmp_path / "m.npz")
    assert main(["formula", str(tmp_path / "m.npz")]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "still splines: (0,0,0)" in err and "(1,1,0)" in err


# ---------------------------------------------------------------- malformed input
GOOD = "x,z,y\n1,2,3\n4,5,6\n7,8,9\n10,11,12\n"
MALFORMED = {
    "missing target column": ("x,z,q\n1,2,3\n4,5,6\n7,8,9\n", 2, "target column(s) ['y'] not in the header"),
    "non-numeric cell": ("x,z,y\n1,2,3\n4,five,6\n7,8,9\n", 1, "row 3, column 'z': 'five' is not a number"),
    "decimal comma": ("x;z;y\n1;2;3\n4;5,5;6\n7;8;9\n", 1, "'5,5' is not a number; the decimal mark must be '.'"),
    "empty file": ("", 1, "the file is empty"),
    "single row": ("x,z,y\n1,2,3\n", 1, "1 data row(s); fitting needs at least 3"),
    "ragged row": ("x,z,y\n1,2,3\n4,5\n7,8,9\n", 1, "row 3 has 2 cells, expected 3"),
    "NaN cell": ("x,z,y\n1,2,3\n4,nan,6\n7,8,9\n", 1, "row 3, column 'z': 'nan'; expected a finite number"),
    "empty cell": ("x,z,y\n1,2,3\n4,,6\n7,8,9\n", 1, "row 3, column 'z': empty cell"),
    "no header": ("1,2,3\n4,5,6\n7,8,9\n", 1, "row 1 must be a header of column names"),
    "bad name": ("x,E,y\n1,2,3\n4,5,6\n7,8,9\n", 2, "column 'E' cannot be a variable"),
    "wrong width": (GOOD, 2, "--width must start with the 2 inputs"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_csv_exits_with_one_clear_line(case, tmp_path, capsys):
    text, code, message = MALFORMED[case]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    extra = ["--width", "3,1"] if case == "wrong width" else []
    assert main(["fit", str(path), "--target", "y", "--steps", "1", "--log", "0", "--no-plot",
                 "--out", str(tmp_path / "m.npz"), *extra]) == code
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert len(err.splitlines()) == 1 and message in err, err
    assert "Traceback" not in err and (case in ("missing target column", "wrong width", "bad name")
                                       or str(path) in err)
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_cells_may_be_separated_by_commas_semicolons_or_tabs(sep, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text(GOOD.replace(",", sep))
    assert read_csv(path)[0] == ["x", "z", "y"]
    assert read_csv(path)[1].tolist() == [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]


def test_bad_files_for_other_commands(tmp_path, capsys):
    (tmp_path / "m.npz").write_bytes(b"not a zip")
    (tmp_path / "d.csv").write_text(GOOD)
    assert main(["formula", str(tmp_path / "m.npz")]) == 1
    assert main(["predict", str(tmp_path / "nothing.npz"), str(tmp_path / "d.csv")]) == 1
    KAN([3, 1], input_names=["x", "z", "w"]).save(tmp_path / "k.npz")
    assert main(["predict", str(tmp_path / "k.npz"), str(tmp_path / "d.csv")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 3 and "not a minikan model file" in lines[0]
    assert "no such file" in lines[1] and "input column(s) ['w'] not in the header" in lines[2]


def test_debug_shows_the_traceback(tmp_path):
    (tmp_path / "d.csv").write_text("x,y\n1,2\n")
    with pytest.raises(Exception, match="fitting needs at least"):
        main(["fit", str(tmp_path / "d.csv"), "--target", "y", "--out", str(tmp_path / "m.npz"), "--debug"])


def test_fit_and_plot_draw_through_minikan_plot(tmp_path, monkeypatch):
    """The PNGs go through plot.plot_model(model, path=..., x=...) with the model's own inputs."""
    import types

    import minikan
    calls = []

    def plot_model(model, path=None, x=None):
        calls.append((model.input_names, x.shape))
        Path(path).write_bytes(b"png")
    fake = types.SimpleNamespace(plot_model=plot_model)
    monkeypatch.setitem(sys.modules, "minikan.plot", fake)
    monkeypatch.setattr(minikan, "plot", fake, raising=False)
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(f"{i},{i % 7},{i * 0.5}\n" for i in range(30)))
    model = tmp_path / "m.npz"
    assert main(["fit", str(tmp_path / "d.csv"), "--target", "y", "--steps", "2", "--log", "0",
                 "--out", str(model)]) == 0
    assert (tmp_path / "m.png").read_bytes() == b"png"
    assert main(["plot", str(model), str(tmp_path / "again.png")]) == 0
    assert calls == [(["a", "b"], (24, 2))] * 2          # the training inputs, stored in the file


def test_formula_falls_back_to_exact_constants_when_snapping_would_change_it(tmp_path, capsys):
    from minikan import Normalization
    model = KAN([1, 1], input_names=["x"], output_names=["y"])
    model.fix_symbolic(0, 0, 0, "x", fit_params=False)               # z -> z
    model.normalization = Normalization([5000.0], [1e4], [0.0], [5.0])  # y = 5e-4·x − 2.5
    model.train_input = np.linspace(0, 1e4, 50)[:, None]
    model.save(tmp_path / "m.npz", keep_inputs=True)
    assert main(["formula", str(tmp_path / "m.npz")]) == 0
    captured = capsys.readouterr()
    expr = sp.sympify(captured.out.split("=")[1])
    assert abs(float(expr.coeff(sp.Symbol("x"))) - 5e-4) < 1e-15        # snapping would make it 0
    assert "showing the exact constants" in captured.err
    assert main(["formula", str(tmp_path / "m.npz"), "--snap", "1e-5"]) == 0
    captured = capsys.readouterr()                                     # a finer snap keeps 5e-4, snaps −2.5
    assert captured.out.strip() == "y = 0.0005*x - 5/2" and captured.err == ""


def test_fit_library_default_is_general_lib_and_documented():
    """The fit command's --lib default is GENERAL_LIB (benchmarks/cli_lib.py measured it) and the
    README states that list, so neither drifts from the other."""
    from minikan.cli import build_parser
    from minikan.symbolic.library import GENERAL_LIB, LIBRARY
    args = build_parser().parse_args(["fit", "d.csv", "--target", "y", "--out", "m.npz"])
    assert args.lib.split(",") == GENERAL_LIB and set(GENERAL_LIB) <= set(LIBRARY)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"`{','.join(GENERAL_LIB)}`" in readme


def test_width_with_a_multiplication_node_reaches_the_model(tmp_path, capsys):
    """--width 2,0+1,1 is KAN(width=[2, [0, 1], 1]): one KAN 2.0 multiplication node."""
    from minikan.cli import build_parser
    args = build_parser().parse_args(["fit", "d.csv", "--target", "y", "--out", "m.npz", "--width", "3,2+1,1"])
    assert args.width == [3, [2, 1], 1]
    rng = np.random.default_rng(0)
    p, q = rng.uniform(-1, 1, 200), rng.uniform(-1, 1, 200)
    data_csv, model = tmp_path / "pq.csv", tmp_path / "pq.npz"
    _write_csv(data_csv, [[repr(float(v)) for v in row] for row in zip(p, q, p * q)], header=("p", "q", "y"))
    assert main(["fit", str(data_csv), "--target", "y", "--width", "2,0+1,1", "--steps", "5", "--log", "0",
                 "--no-plot", "--out", str(model)]) == 0
    assert KAN.load(model).width == [[2, 0], [0, 1], [1, 0]]
    assert main(["fit", str(data_csv), "--target", "y", "--width", "3,0+1,1", "--out", str(model)]) == 2
    assert "--width must start with the 2 inputs and end with the 1 outputs, got 3,0+1,1" in capsys.readouterr().err
