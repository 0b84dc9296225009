"""The Colab path, simulated as it really runs: `make test-colab`.

A Colab runtime has a recent Python with jax, numpy, matplotlib, optax and
scikit-learn preinstalled, imports `google.colab` before any cell runs, and then
runs each notebook's setup cell, which installs glowlab from the book's release
tag. Here, for each variant below:

- a new environment on Python 3.12 (where the machine has it) gets what Colab
  preinstalls: the newest versions, or an older jax and numpy;
- a stub of `google.colab` is imported at start-up, so the setup cell takes its
  Colab branch: the real cell, with its real `pip install` line;
- git fetches the repository's URL from a local copy of this checkout, tagged
  with the release the cell names (the only difference from Colab: no network);
- every chapter runs top to bottom, away from the checkout.

The setup cell must keep the preinstalled jax, jaxlib and numpy, and every cell
of every chapter must run. Outputs are not compared: the versions differ from
the verified build's.
"""

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tools.setup_cells import release_tag, repository

ROOT = Path(__file__).resolve().parents[2]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# What a Colab runtime has before any notebook cell runs (newest unless pinned).
COLAB_PREINSTALLED = ["jax", "jaxlib", "numpy", "matplotlib", "optax", "scikit-learn"]
NOTEBOOK_RUNNER = ["ipykernel", "nbclient", "nbformat"]
VARIANTS = {
    "newest": [],
    # The versions a Colab runtime had in 2025, older than flowjax's newest needs.
    "older-jax": ["jax==0.6.2", "jaxlib==0.6.2", "numpy==2.0.2"],
}
# jax imports `google.colab.output` when it sees `google.colab`.
STUB = {
    "google/colab/__init__.py": '"""A stand-in for Colab\'s own package."""\n',
    "google/colab/output.py": '"""A stand-in for google.colab.output."""\n',
}


def colab_python() -> str:
    """Python 3.12, as Colab has it, where this machine has one that runs
    (a pyenv shim may exist for a version that is not active)."""
    if os.environ.get("COLAB_PYTHON"):
        return os.environ["COLAB_PYTHON"]
    candidates = [
        *sorted(
            glob.glob(os.path.expanduser("~/.pyenv/versions/3.12*/bin/python3.12"))
        ),
        shutil.which("python3.12"),
    ]
    for python in filter(None, candidates):
        check = [python, "-c", "import sys; assert sys.version_info[:2] == (3, 12)"]
        if subprocess.run(check, capture_output=True).returncode == 0:
            return python
    return sys.executable


def run(*args, cwd=None, env=None):
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, env=env)
    command = " ".join(map(str, args))
    output = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, f"{command}\n{output}"
    return result.stdout


def tagged_copy_of_the_checkout(destination: Path) -> Path:
    """The files git tracks, as they are now, in a new repository tagged with
    the release that the setup cells install."""
    for name in run("git", "ls-files", cwd=ROOT).splitlines():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    git = ["git", "-c", "user.name=sim", "-c", "user.email=sim@localhost"]
    run(*git, "init", "--quiet", cwd=destination)
    run(*git, "add", "--all", cwd=destination)
    run(*git, "commit", "--quiet", "-m", "the checkout", cwd=destination)
    run(*git, "tag", release_tag(), cwd=destination)
    return destination


def redirect_git(url: str, to: Path) -> dict[str, str]:
    """Environment that makes every git command fetch `url` from `to`."""
    return {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{to.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": url,
    }


# Where pip says glowlab came from (PEP 610's direct_url.json).
INSTALLED_FROM = """
import importlib.metadata as m, json
origin = json.loads(m.distribution("glowlab").read_text("direct_url.json"))
print(origin["url"].removeprefix("git+"), origin["vcs_info"]["requested_revision"])
"""


def installed_versions(python, names, cwd):
    code = "import importlib.metadata as m, sys; print(*map(m.version, sys.argv[1:]))"
    versions = run(python, "-c", code, *names, cwd=cwd).split()
    return dict(zip(names, versions, strict=True))


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_chapter_runs_after_the_setup_cell(variant, tmp_path):
    venv = tmp_path / "colab"
    run(colab_python(), "-m", "venv", venv)
    python = venv / "bin" / "python"
    run(
        sys.executable, "-m", "uv", "pip", "install", "--quiet", "--python", python,
        *COLAB_PREINSTALLED, *NOTEBOOK_RUNNER, *VARIANTS[variant],
    )  # fmt: skip
    site_packages = run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
    )
    stub = tmp_path / "stub"
    for name, text in STUB.items():
        (stub / name).parent.mkdir(parents=True, exist_ok=True)
        (stub / name).write_text(text)
    # Colab's kernel has imported google.colab before the first cell runs.
    (Path(site_packages.strip()) / "colab_stub.pth").write_text(
        f"{stub}\nimport google.colab\n"
    )
    kept = ["jax", "jaxlib", "numpy"]
    before = installed_versions(python, kept, tmp_path)

    url, _ = repository()
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }
    env |= redirect_git(url, tagged_copy_of_the_checkout(tmp_path / "repository"))
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # a debugger warning, not ours
    # Run where Colab would, away from the checkout, so glowlab and _style
    # must come from what the setup cell installed.
    content = tmp_path / "content"
    content.mkdir()
    report = run(
        python, ROOT / "tools" / "run_chapters.py", "--workdir", content, *NOTEBOOKS,
        cwd=content, env=env,
    )  # fmt: skip
    print(f"Colab simulation, {variant}:\n{report}")

    assert installed_versions(python, kept, content) == before, (
        "the setup cell replaced them"
    )
    # In the folder the chapters ran in: `python -c` also finds packages in its
    # current folder (the checkout holds glowlab's own metadata).
    source = run(python, "-c", INSTALLED_FROM, cwd=content)
    assert source.split() == [url, release_tag()], "glowlab came from elsewhere"
