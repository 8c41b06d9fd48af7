"""Tests for tutorials/: every notebook executes in a fresh kernel without error, and the
committed notebooks show a reader what they promise (outputs, order, pictures, the opening
and closing sections), checked without a kernel.

The notebooks' own ``assert`` cells are the numerical checks; outputs are not compared
byte for byte (floats and PNGs differ across machines). Rebuild the committed outputs
with ``python tutorials/build.py``.
"""
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

TUTORIALS = Path(__file__).resolve().parent.parent / "tutorials"
NOTEBOOKS = sorted(TUTORIALS.glob("[0-9][0-9]_*.ipynb"))
MAX_BYTES = 1_000_000          # a notebook is read on a code host; keep figures modest
OPENING = ("What you'll do", "What you'll learn", "What you'll need")
CLOSING = ("## Summary", "## Exercises")


def load_build():
    spec = importlib.util.spec_from_file_location("tutorials_build", TUTORIALS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ids(paths):
    return [p.stem for p in paths]


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def has_picture(nb):
    return any("image/png" in out.get("data", {}) for c in code_cells(nb) for out in c.outputs)


# ---------------------------------------------------------------------- execution
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_notebook_executes(path):
    """Restart & Run All: any error in any cell (a failing assert included) fails the test."""
    nb = load_build().execute(path)
    assert [c.execution_count for c in code_cells(nb)] == list(range(1, len(code_cells(nb)) + 1))
    assert has_picture(nb), "the executed notebook drew no picture"


# ---------------------------------------------------------------------- what a reader sees
@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_committed_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    cells = code_cells(nb)
    empty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and not c.outputs]
    assert not empty, f"code cells without outputs (cell indices {empty}); run tutorials/build.py"
    counts = [c.execution_count for c in cells]
    assert counts == list(range(1, len(cells) + 1)), f"cells executed out of order: {counts}"
    for c in cells:
        for out in c.outputs:
            assert out.output_type != "error", f"error output: {out.get('ename')}: {out.get('evalue')}"
            assert not (out.output_type == "stream" and out.name == "stderr"), \
                f"stderr in the committed output (a warning or progress line): {out.text[:200]!r}"
    assert has_picture(nb), "no picture (image/png output)"
    assert path.stat().st_size < MAX_BYTES, f"{path.name} is {path.stat().st_size} bytes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids(NOTEBOOKS))
def test_opening_and_closing(path):
    nb = nbformat.read(path, as_version=4)
    first, last = nb.cells[0], nb.cells[-1]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "first cell: a '# Title'"
    for phrase in OPENING:
        assert phrase in first.source, f"the opening cell lacks {phrase!r}"
    closing = "\n".join(c.source for c in nb.cells[-3:] if c.cell_type == "markdown")
    for heading in CLOSING:
        assert heading in closing, f"the closing cells lack {heading!r}"
    assert last.cell_type == "markdown"
    links = re.findall(r"\]\(((?:\d\d_\w+\.ipynb)|README\.md)\)", last.source)
    assert links, "the last cell links to no next notebook"
    listed = (TUTORIALS / "README.md").read_text()
    for link in links:
        assert link == "README.md" or link in listed, f"{link} is not listed in tutorials/README.md"


def test_every_notebook_is_listed_and_no_checkpoints():
    readme = (TUTORIALS / "README.md").read_text()
    for path in NOTEBOOKS:
        assert f"({path.name})" in readme, f"{path.name} is missing from tutorials/README.md"
    assert not list(TUTORIALS.rglob(".ipynb_checkpoints")), "remove tutorials/**/.ipynb_checkpoints"


def test_clean_strips_volatile_metadata():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.9"}
    nb.cells[0].metadata["execution"] = {"iopub.execute_input": "2026-01-01T00:00:00Z"}
    nb = load_build().clean(nb)
    assert "execution" not in nb.cells[0].metadata
    assert "version" not in nb.metadata["language_info"]
    assert nb.metadata["kernelspec"]["name"] == "python3"
