"""The committed notebooks are stored executed, so nbval cannot compare nothing.

nbval skips a code cell with no stored output only in lax mode, but it compares
nothing for a notebook that was saved unexecuted with empty outputs. These tests
make sure every notebook on main was run top to bottom once, without errors,
before it was committed.
"""

import json
import re
from pathlib import Path

import pytest

from tests.nbval_tolerance import declared_tolerance

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))  # the chapters
PAGES = sorted((ROOT / "book").glob("*.ipynb"))  # pages that read saved results
EXECUTED = NOTEBOOKS + PAGES


def code_cells(path):
    cells = json.loads(path.read_text())["cells"]
    return [
        c for c in cells if c["cell_type"] == "code" and "".join(c["source"]).strip()
    ]


def markdown_text(path):
    cells = json.loads(path.read_text())["cells"]
    return "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found under notebooks/"


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_every_code_cell_was_executed_in_order(path):
    counts = [cell["execution_count"] for cell in code_cells(path)]
    assert None not in counts, f"{path.name}: cells not executed: run `make execute`"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not one top-to-bottom run; "
        "run `make execute`"
    )


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_no_stored_errors_or_stderr(path):
    for cell in code_cells(path):
        tags = cell["metadata"].get("tags", [])
        for output in cell["outputs"]:
            if output["output_type"] == "error":
                assert "raises-exception" in tags, f"{path.name}: stored error"
            if output["output_type"] == "stream" and output["name"] == "stderr":
                pytest.fail(f"{path.name}: stored stderr: {''.join(output['text'])}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_most_cells_have_output_to_compare(path):
    cells = code_cells(path)
    with_output = [c for c in cells if c["outputs"]]
    assert len(with_output) >= len(cells) / 2, (
        f"{path.name}: only {len(with_output)} of {len(cells)} code cells print "
        "anything; nbval would verify little"
    )


def times_something(source, timers=()):
    """Whether a cell's source uses a timer, or calls a function that does."""
    if "timeit" in source or "perf_counter" in source:
        return True
    return any(re.search(rf"\b{name}\(", source) for name in timers)


def timing_functions(cells):
    """The functions that a notebook's cells define with a timer in their cell."""
    names = set()
    for cell in cells:
        source = "".join(cell["source"])
        if times_something(source):
            names.update(re.findall(r"^def (\w+)\(", source, re.MULTILINE))
    return names


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_only_timing_cells_skip_comparison(path):
    """`nbval-ignore-output` is for timings (a timer, or a call of a function
    that an earlier cell defines with one); any other use needs a reason."""
    cells = code_cells(path)
    timers = timing_functions(cells)
    for cell in cells:
        if "nbval-ignore-output" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            assert times_something(source, timers), (
                f"{path.name}: a cell that is not a timing skips nbval:\n{source[:200]}"
            )


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_declared_tolerances_have_a_reason_and_something_to_compare(path):
    """A tolerance is stated with its reason (declared_tolerance raises without
    one), and only on a cell that prints decimal numbers for it to apply to."""
    for cell in code_cells(path):
        tolerance = declared_tolerance("".join(cell["source"]))
        if tolerance is None:
            continue
        printed = "".join(
            "".join(o.get("text", ""))
            + "".join(o.get("data", {}).get("text/plain", ""))
            for o in cell["outputs"]
        )
        assert re.search(r"\d\.\d", printed), (
            f"{path.name}: a tolerance on a cell that prints no decimal number:\n"
            f"{''.join(cell['source'])[:200]}"
        )


def test_sanitize_rules_each_say_why():
    text = (ROOT / "tests" / "nbval_sanitize.cfg").read_text()
    for section in text.split("\n[")[1:]:
        body = section.split("]", 1)[1]
        assert body.lstrip("\n").startswith("#"), (
            f"rule [{section.split(']')[0]}] has no comment"
        )


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_saved_by_make_execute(path):
    """`make execute` merges stream chunks and records no cell timings, so a
    re-execution leaves `git diff` empty; a notebook saved another way may not."""
    for cell in code_cells(path):
        names = [o.get("name") for o in cell["outputs"] if o["output_type"] == "stream"]
        outputs = cell["outputs"]
        for first, second in zip(outputs, outputs[1:], strict=False):
            assert not (
                first["output_type"] == second["output_type"] == "stream"
                and first["name"] == second["name"]
            ), f"{path.name}: split {names} streams; run `make execute`"
        assert "execution" not in cell["metadata"], f"{path.name}: cell timings stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ends_with_exercises_whose_solutions_are_hidden_and_run(path):
    cells = json.loads(path.read_text())["cells"]
    solutions = [
        c for c in cells
        if c["cell_type"] == "code" and "hide-cell" in c["metadata"].get("tags", [])
    ]  # fmt: skip
    assert len(solutions) >= 2, f"{path.name}: fewer than 2 hidden solutions"
    assert all(c["outputs"] for c in solutions), f"{path.name}: a silent solution"
    markdown = markdown_text(path)
    assert "## Exercises" in markdown and "## Recap" in markdown


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_cites_its_sources(path):
    assert "{cite}`" in markdown_text(path), f"{path.name}: no {{cite}} reference"


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_no_negative_zero_printed(path):
    """A printed -0.00 is rounding noise of a 0 whose sign can flip: never print it."""
    negative_zero = re.compile(r"-0\.0*(?![0-9]*[1-9])\b")
    for cell in code_cells(path):
        for output in cell["outputs"]:
            text = "".join(output.get("text", []))
            text += "".join(output.get("data", {}).get("text/plain", []))
            assert not negative_zero.search(text), f"{path.name}: -0 in {text!r}"


@pytest.mark.parametrize("path", EXECUTED, ids=lambda p: p.name)
def test_closing_fences_stand_on_their_own_line(path):
    # MyST closes a directive (a dropdown, a figure) only with a fence on its
    # own line; one at the end of a text line renders as literal backticks.
    cells = json.loads(path.read_text())["cells"]
    glued = [
        line
        for cell in cells
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if line.rstrip().endswith("```") and not line.lstrip().startswith("```")
    ]
    assert not glued, f"a fence glued to text: {glued}"
