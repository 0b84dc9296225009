"""The Colab path, simulated: a fresh environment with the newest packages.

Colab opens a notebook on a recent Python with a recent JAX preinstalled and no
equinox; the notebook's setup cell then installs glowlab from the repository.
Here a new virtual environment gets what Colab preinstalls, at the newest
versions, then glowlab the way the setup cell installs it, from this checkout
instead of the network, with the newest versions its lower bounds allow (not
the pins of requirements.txt). Notebook 01 must then run top to bottom.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from setup_cells import repository  # noqa: E402

NOTEBOOK = ROOT / "notebooks" / "01_invertible_1x1_conv.ipynb"
# What a Colab runtime has before any notebook cell runs.
COLAB_PREINSTALLED = ["jax", "numpy", "matplotlib", "optax", "scikit-learn"]
NOTEBOOK_RUNNER = ["ipykernel", "nbclient", "nbformat"]

EXECUTE = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, kernel_name="python3", timeout=600).execute()
nbformat.write(nb, sys.argv[1])
"""


def run(*args, cwd=None, env=None):
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env)
    command = " ".join(map(str, args))
    assert result.returncode == 0, f"{command}\n{result.stderr[-3000:]}"
    return result.stdout


def copy_of_the_sources(destination: Path) -> Path:
    """The files git tracks, copied: pip builds in the source tree (build/,
    *.egg-info), and the checkout must stay clean."""
    tracked = run("git", "ls-files", cwd=ROOT).splitlines()
    for name in tracked:
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return destination


def setup_cell_spec(source: Path) -> str:
    """The requirement the setup cell installs, pointed at a local copy."""
    cell = next(
        c for c in json.loads(NOTEBOOK.read_text())["cells"] if c["cell_type"] == "code"
    )
    namespace = {}
    exec("".join(cell["source"]), namespace)  # noqa: S102 - our own setup cell
    url, branch = repository()
    remote = f"git+{url}@{branch}"
    assert remote in namespace["GLOWLAB"]
    return namespace["GLOWLAB"].replace(remote, source.as_uri())


@pytest.mark.slow
def test_notebook_01_runs_with_the_newest_packages(tmp_path):
    venv = tmp_path / "colab"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    run(*pip, "--upgrade", *COLAB_PREINSTALLED, *NOTEBOOK_RUNNER)
    run(*pip, setup_cell_spec(copy_of_the_sources(tmp_path / "repository")))

    versions = run(
        python, "-c",
        "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p "
        "in ['jax', 'equinox', 'flowjax', 'optax', 'numpy', 'glowlab']))",
    )  # fmt: skip
    print(f"Colab-like environment: {versions.strip()}")

    # Run where Colab would, away from the checkout, so glowlab and _style
    # must come from the installed package.
    content = tmp_path / "content"
    content.mkdir()
    notebook = content / NOTEBOOK.name
    shutil.copy(NOTEBOOK, notebook)
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    run(python, "-c", EXECUTE, notebook, cwd=content, env=env)

    executed = json.loads(notebook.read_text())
    code = [c for c in executed["cells"] if c["cell_type"] == "code"]
    assert all(c["execution_count"] is not None for c in code)
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert errors == []
    assert code[0]["outputs"] == [], "the setup cell printed something outside Colab"
