"""Executing a notebook twice gives the same stored notebook, byte for byte.

This is what keeps `make execute` from producing a diff when nothing changed,
and nbval from flaking: seeds, stream chunks, cell metadata and figures must
all be reproducible. Timing cells keep their stored outputs (tools/execute.py).
"""

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from execute import execute  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "01_invertible_1x1_conv.ipynb"


@pytest.mark.slow
def test_executing_twice_gives_identical_notebooks(tmp_path):
    runs = []
    for name in ("first", "second"):
        folder = tmp_path / name
        folder.mkdir()
        copy = folder / NOTEBOOK.name
        shutil.copy(NOTEBOOK, copy)
        execute(copy, refresh_timings=False)
        runs.append(copy.read_bytes())
    assert runs[0] == runs[1]
