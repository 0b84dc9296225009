"""Run notebooks top to bottom and fail on any error; outputs are not compared.

For environments other than the verified one (`make test-lowest`, the Colab
simulation), where the numbers may differ but every cell must still run. Each
notebook runs in a fresh kernel of the Python that runs this script, in a
working folder of your choice (default: the notebook's own), and the printed
table says which Python and packages ran, how long each chapter took, and the
first error of any chapter that failed.

`make test-lowest` runs it as `python -m tools.run_chapters`. It imports nothing
from the repository, so the Colab simulation (tests/colab) runs it by its path
in an environment that has only what the notebooks' setup cell installed.
"""

import argparse
import concurrent.futures
import importlib.metadata
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

PACKAGES = ["jax", "jaxlib", "equinox", "flowjax", "paramax", "numpy", "optax"]
PACKAGES += ["matplotlib", "scikit-learn", "glowlab"]


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    return f"Python {platform.python_version()}: " + ", ".join(found)


def run(path: Path, workdir: Path | None, timeout: int) -> tuple[float, str | None]:
    """Execute one notebook; return its wall time and its first error, if any."""
    nb = nbformat.read(path, as_version=4)
    if workdir is not None:
        # Colab opens a notebook alone: copy it, so nothing beside it is found.
        path = Path(shutil.copy(path, workdir))
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=timeout,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    try:
        client.execute()
        error = None
    except CellExecutionError as failure:
        error = f"{failure.ename}: {failure.evalue}"
    seconds = time.perf_counter() - start
    if workdir is not None:
        nbformat.write(nb, path)
    return seconds, error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="run copies of the notebooks here (the executed copies stay there)",
    )
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="notebooks run at once, each in its own process and kernel (not with "
        "setup cells that install: those would run pip concurrently)",
    )
    args = parser.parse_args()
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    # Kernels inherit this: older ipykernels warn about a debugger nobody uses.
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    print(versions(), flush=True)
    failed = 0
    paths = [path.resolve() for path in args.notebooks]
    with concurrent.futures.ProcessPoolExecutor(args.jobs) as pool:
        results = pool.map(
            run, paths, [args.workdir] * len(paths), [args.timeout] * len(paths)
        )
        for path, (seconds, error) in zip(paths, results, strict=True):
            status = "ok" if error is None else f"FAILED, {error}"
            print(f"  {path.name}: {seconds:.0f} s, {status}", flush=True)
            failed += error is not None
    total = len(args.notebooks)
    print(f"{total - failed} of {total} notebooks ran without an error")
    # A setup cell may have installed packages: say what the chapters ran with.
    print(f"after: {versions()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
