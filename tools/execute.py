"""Re-execute notebooks in place, deterministically: `make execute`.

Run after editing a notebook; `git diff` then shows exactly what changed. Each
notebook runs top to bottom in a fresh kernel of this environment, with cell
timings left out of the metadata. Cells tagged `nbval-ignore-output` (timings)
differ from run to run, so their stored outputs are kept while their source is
unchanged (a hash of it is stored in the cell's metadata); pass --refresh-timings
to measure again.
"""

import argparse
import hashlib
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

IGNORED = "nbval-ignore-output"
KERNEL = {
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
    "name": "python3",
}


def source_hash(cell) -> str:
    return hashlib.sha256(cell.source.encode()).hexdigest()[:16]


def execute(path: Path, refresh_timings: bool) -> None:
    nb = nbformat.read(path, as_version=4)
    kept = {
        i: cell.outputs
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and IGNORED in cell.metadata.get("tags", [])
        and cell.metadata.get("glowlab", {}).get("source_hash") == source_hash(cell)
        and cell.outputs
        and not refresh_timings
    }
    nb.metadata.pop("jupytext", None)
    nb.metadata["kernelspec"] = KERNEL
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=600,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    # How a kernel splits a stream into chunks depends on timing; the stored
    # notebook must not, so adjacent chunks are merged.
    coalesce = CoalesceStreamsPreprocessor()
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        coalesce.preprocess_cell(cell, {}, i)
        if IGNORED in cell.metadata.get("tags", []):
            cell.metadata["glowlab"] = {"source_hash": source_hash(cell)}
            if i in kept:
                cell.outputs = kept[i]
    nbformat.write(nb, path)
    note = f", kept {len(kept)} timing output(s)" if kept else ""
    print(f"executed {path}{note}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--refresh-timings",
        action="store_true",
        help=f"also replace the stored outputs of cells tagged {IGNORED}",
    )
    args = parser.parse_args()
    for path in args.notebooks:
        execute(path, args.refresh_timings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
