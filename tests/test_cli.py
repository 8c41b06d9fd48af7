"""Tests for minikan.cli: the gradcheck and demo commands run and say what they should."""
import pytest

from minikan.cli import main


def test_gradcheck_command_passes(capsys):
    assert main(["gradcheck"]) == 0
    out = capsys.readouterr().out
    assert "verdict: PASS" in out and "FAIL" not in out
    assert out.count("verdict:") == 6            # layer, mult nodes, deep KAN, 2 objectives, CE


def test_demo_quick_prints_a_formula(capsys):
    assert main(["demo", "--quick", "--log", "0"]) == 0
    out = capsys.readouterr().out
    assert "target: exp(x2**2 + sin(pi*x1))" in out
    assert "prune ->" in out and "auto_symbolic" in out
    formula_lines = [line for line in out.splitlines() if line.startswith("formula")]
    assert len(formula_lines) == 2                # 4 digits, then snapped
    assert all("x1" in line for line in formula_lines)


@pytest.mark.parametrize("argv", [[], ["nope"], ["demo", "--seed", "x"]])
def test_bad_arguments_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage" in capsys.readouterr().err
