"""The README's Python examples run as written and print what their comments promise.

Each ```python block of README.md is executed in a fresh namespace inside a temporary
directory (a block may write files), its printed lines are captured, and each line that
ends in ``# prints: …`` (optionally followed by two spaces and a note in parentheses) is
a promise this test checks against what the block printed: a formula is compared with
sympy (equal after simplification), a number with ``≈ value`` or ``< bound``.
"""
import contextlib
import io
import pathlib
import re

import pytest
import sympy as sp

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
PROMISE = re.compile(r"#\s*prints:\s*(.+?)(?:\s{2,}\(.*\))?\s*$")   # "# prints: P  (a note)"


def promises(block):
    """The ``# prints: …`` comments, in order, one per printing line."""
    return [m.group(1) for line in block.splitlines() if (m := PROMISE.search(line))]


def check(printed, promise):
    """Does one printed line keep one promise?"""
    if promise.startswith("<"):                                  # "< 1e-3": a number below it
        return float(printed) < float(promise[1:])
    number = re.fullmatch(r"≈\s*(\S+)", promise)
    if number:                                                   # "≈ 3e-3": within a factor of 3
        return abs(float(printed)) <= 3 * float(number.group(1))
    try:                                                         # a formula: equal as sympy says
        return sp.simplify(sp.sympify(printed) - sp.sympify(promise)) == 0
    except (sp.SympifyError, TypeError):
        return printed.strip() == promise.strip()


def test_the_readme_has_examples_with_promises():
    assert BLOCKS and all(promises(b) for b in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_prints_what_it_promises(block, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, str(README), "exec"), {"__name__": "__readme__"})
    printed = [line for line in out.getvalue().splitlines() if line.strip()]
    expected = promises(block)
    assert len(printed) == len(expected), (printed, expected)
    for line, promise in zip(printed, expected):
        assert check(line, promise), f"printed {line!r}, the README promises {promise!r}"
