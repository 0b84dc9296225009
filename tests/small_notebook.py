"""A small notebook with every kind of output the chapters store, for the tests
of the verification tools (tools/execute.py and nbval), which need a notebook
that runs in seconds rather than a chapter.

It has the chapters' own Colab set-up cell (as tools/setup_cells.py writes it),
seeded JAX arithmetic printed as signed log-dets and bounded checks, a stream
the kernel sends in several chunks, a figure in the book's style, and a timing
cell whose stored output tools/execute.py must keep.
"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tools.execute import IGNORED, execute, source_hash
from tools.setup_cells import TAG, setup_source

NAME = "small.ipynb"

IMPORTS = """\
import time

import jax
import jax.numpy as jnp
import jax.random as jr
import matplotlib.pyplot as plt

import _style
from glowlab import Invertible1x1Conv, assert_below, format_signed, moved_from_init

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_threefry_partitionable", True)
key = jr.key(0)
_style.use()"""

LOG_DETS = """\
layer = Invertible1x1Conv(jr.fold_in(key, 1), (4, 5, 3))
layer = moved_from_init(layer, jr.fold_in(key, 2), scale=0.4)
x = jr.normal(jr.fold_in(key, 3), layer.shape)
y, log_det = layer.transform_and_log_det(x)
print(f"log-det of the layer   {format_signed(log_det)}")
assert_below("round trip", jnp.max(jnp.abs(layer.inverse(y) - x)), 1e-12)"""

# Printed with pauses, so the kernel sends the lines as separate messages.
STREAM = """\
for step in range(3):
    print(f"step {step}: sum {format_signed(jnp.sum(x[step]))}", flush=True)
    time.sleep(0.2)"""

FIGURE = """\
fig, ax = plt.subplots(figsize=_style.FIGSIZE)
ax.plot(jnp.cumsum(x.ravel()), label="cumulative sum of x")
ax.set_xlabel("entry")
ax.legend()
plt.show()"""

TIMING = """\
start = time.perf_counter()
layer.transform(x).block_until_ready()
print(f"one call took {time.perf_counter() - start:.1e} s")"""
STORED_TIMING = "one call took 1.0e-03 s\n"


def executed_small_notebook(folder: Path) -> Path:
    """The notebook, written to ``folder`` and executed as `make execute` does.

    Before it runs, its timing cell already holds a stored output and its
    source's hash, as tools/execute.py leaves them, so the run must keep it."""
    timing = new_code_cell(TIMING, metadata={"tags": [IGNORED]})
    timing.metadata["glowlab"] = {"source_hash": source_hash(timing)}
    timing.outputs = [new_output("stream", name="stdout", text=STORED_TIMING)]
    nb = new_notebook(
        cells=[
            new_markdown_cell("# A small notebook"),
            new_code_cell(setup_source(), metadata={"tags": [TAG]}),
            new_code_cell(IMPORTS),
            new_code_cell(LOG_DETS),
            new_code_cell(STREAM),
            new_code_cell(FIGURE),
            timing,
        ]
    )
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i}"  # stored, as the chapters' are (new ones are random)
    path = folder / NAME
    nbformat.write(nb, path)
    execute(path, refresh_timings=False)
    return path
