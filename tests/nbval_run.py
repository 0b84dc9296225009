"""Runs nbval on one notebook as `make nbval` does, for the tests of nbval itself."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_nbval(path: Path, *options: str) -> subprocess.CompletedProcess:
    """pytest --nbval on `path`, in its folder, with the book's sanitize rules and
    tolerance plugin (the root conftest.py loads it for notebooks in the repo)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-p", "tests.nbval_tolerance",
            "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
            *options, str(path),
        ],
        capture_output=True, text=True, cwd=path.parent, timeout=600, env=env,
    )  # fmt: skip
