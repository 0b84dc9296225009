"""Executing a notebook twice gives the same stored notebook, byte for byte.

This is what keeps `make execute` from producing a diff when nothing changed,
and nbval from flaking: seeds, stream chunks, cell metadata and figures must
all be reproducible, and timing cells keep their stored outputs. The notebook is
tests/small_notebook.py's, which has each of those in a few seconds of running;
`make nbval` re-executes every chapter and compares what they print.
"""

import nbformat
import pytest

from tests.small_notebook import STORED_TIMING, executed_small_notebook


@pytest.mark.slow
def test_executing_twice_gives_identical_notebooks(tmp_path):
    runs = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        runs.append(executed_small_notebook(folder).read_bytes())
    assert runs[0] == runs[1]

    nb = nbformat.reads(runs[0], as_version=4)
    outputs = [cell.outputs for cell in nb.cells if cell.cell_type == "code"]
    # The chunks the kernel sent are stored as one output per stream.
    for cell_outputs in outputs:
        streams = [o.name for o in cell_outputs if o.output_type == "stream"]
        assert len(streams) == len(set(streams))
    printed = ["".join(o.get("text", "")) for cell in outputs for o in cell]
    assert any(text.count("step ") == 3 for text in printed)
    assert any("image/png" in o.get("data", {}) for cell in outputs for o in cell)
    assert outputs[-1][0].text == STORED_TIMING
