"""The tolerance plugin: declared tolerances apply, and nothing else is loosened.

Unit tests of its parsing and alignment, then nbval itself on a small notebook
whose stored outputs differ from what its cells print, the way another machine's
outputs differ.
"""

import re

import nbformat
import pytest

from tests.nbval_run import run_nbval
from tests.nbval_tolerance import align, declared_tolerance

REASON = "float32 Adam over 400 steps; spread 0.003 across the numerics matrix"


def test_a_declared_tolerance_is_read_with_its_reason():
    source = f"x = train()\n# tolerance ±0.01: {REASON}\nprint(x)"
    tolerance = declared_tolerance(source)
    assert tolerance.value == 0.01
    assert tolerance.reason == REASON


def test_a_cell_without_a_declaration_has_no_tolerance():
    assert declared_tolerance("print(f'{loss:+.3f}')  # the loss, in nats") is None


@pytest.mark.parametrize(
    "line",
    [
        "# tolerance ±0.01",
        "# tolerance ±0.01:",
        "# tolerance ±0.01: float32",  # a word is not a reason
        "# tolerance 0.01: " + REASON,  # no ±
        "# tolerance ±: " + REASON,
        "# tolerance ±0: " + REASON,
    ],
)
def test_a_tolerance_cannot_be_declared_without_a_reason_or_a_value(line):
    with pytest.raises(ValueError, match="tolerance"):
        declared_tolerance(f"x = 1\n{line}\nprint(x)")


def test_a_tolerance_is_declared_once():
    line = f"# tolerance ±0.01: {REASON}"
    with pytest.raises(ValueError, match="once"):
        declared_tolerance(f"{line}\n{line}")


@pytest.mark.parametrize(
    ("stored", "fresh", "expected"),
    [
        # within: the stored text comes back, padding included
        ("NLL +0.859, bits 2.14", "NLL +0.865, bits 2.15", "NLL +0.859, bits 2.14"),
        ("std   9.998", "std  10.004", "std   9.998"),
        # one number outside: only it stays fresh, so nbval's diff points at it
        ("a +0.859, b 2.14", "a +0.899, b 2.15", "a +0.899, b 2.14"),
        # integers are exact, whatever the tolerance
        ("at step 299 +0.13", "at step 298 +0.13", "at step 298 +0.13"),
        # other words, or another count of numbers: nothing is paired
        ("train 1.94", "test 1.94", "test 1.94"),
        ("1.94", "1.94 1.95", "1.94 1.95"),
        ("loss +0.10", "loss nan", "loss nan"),
    ],
)
def test_align_replaces_only_numbers_within_tolerance(stored, fresh, expected):
    assert align(stored, fresh, 0.01) == expected


def test_numbers_inside_words_are_text():
    # "L2" and "x10" are names, not numbers: changing them is a text change.
    assert align("L2 c1 1.00", "L3 c1 1.00", 0.5) == "L3 c1 1.00"


def code_cell(source, stored_text):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stored_text)]
    return cell


def notebook(cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    for count, cell in enumerate(nb.cells, start=1):
        cell.execution_count = count
    return nb


def failed_cells(stdout):
    return sorted(int(n) for n in re.findall(r"::Cell (\d+) _", stdout))


@pytest.mark.slow
def test_nbval_applies_declared_tolerances_and_nothing_more(tmp_path):
    tolerance = f"# tolerance ±0.01: {REASON}\n"
    cells = [
        # 0: within its tolerance: passes
        code_cell(tolerance + "print(f'NLL {0.865:+.3f}')", "NLL +0.859\n"),
        # 1: outside its tolerance: fails
        code_cell(tolerance + "print(f'NLL {0.885:+.3f}')", "NLL +0.859\n"),
        # 2: the same change with no tolerance declared: compared exactly, fails
        code_cell("print(f'NLL {0.865:+.3f}')", "NLL +0.859\n"),
        # 3: an integer in a tolerant cell is exact: fails
        code_cell(tolerance + "print(f'step {300}: {0.1:.2f}')", "step 299: 0.10\n"),
        # 4: the text of a tolerant cell is exact: fails
        code_cell(tolerance + "print(f'test {2.14:.2f}')", "train 2.14\n"),
        # 5: unchanged, no tolerance: passes
        code_cell("print(f'{2.0:.2f}')", "2.00\n"),
    ]
    path = tmp_path / "tolerances.ipynb"
    nbformat.write(notebook(cells), path)
    result = run_nbval(path)
    assert failed_cells(result.stdout) == [1, 2, 3, 4], result.stdout[-3000:]
    assert "4 failed, 2 passed" in result.stdout, result.stdout[-3000:]


@pytest.mark.slow
def test_nbval_refuses_a_tolerance_without_a_reason(tmp_path):
    path = tmp_path / "no_reason.ipynb"
    cell = code_cell("# tolerance ±0.01\nprint(f'{0.865:+.3f}')", "+0.859\n")
    nbformat.write(notebook([cell]), path)
    result = run_nbval(path)
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout[-2000:]
    assert "needs a reason" in result.stderr, result.stderr[-2000:]
