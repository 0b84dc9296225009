"""Colab: every notebook's setup cell and the launch buttons follow `_config.yml`."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.colab.test_colab_path import redirect_git
from tools.setup_cells import LABELS, TAG, release_tag, repository, setup_source

ROOT = Path(__file__).resolve().parents[1]

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def first_code_cell(path):
    cells = json.loads(path.read_text())["cells"]
    return next(c for c in cells if c["cell_type"] == "code")


def test_config_names_a_repository_release_and_colab():
    url, ref = repository()
    assert url.startswith("https://github.com/")
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    # Jupyter Book's own default branch is "master": it must be set explicitly,
    # and to the release tag, so that Colab opens and installs that release.
    assert CONFIG["repository"]["branch"] == ref == release_tag()
    assert CONFIG["repository"]["path_to_book"] == ""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_installs_from_the_configured_repository(path):
    cell = first_code_cell(path)
    assert TAG in cell["metadata"].get("tags", []), (
        f"{path.name}: the first code cell is not the Colab setup cell; "
        "run `make setup-cells`"
    )
    assert "".join(cell["source"]) == setup_source(), (
        f"{path.name}: setup cell differs from _config.yml; run `make setup-cells`"
    )
    assert cell["metadata"].get("mystnb") == LABELS, (
        f"{path.name}: the setup cell's toggle label is not set; run `make setup-cells`"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_setup_cell_prints_nothing_outside_colab(path):
    assert first_code_cell(path)["outputs"] == []


def test_setup_cell_does_nothing_outside_colab(capsys):
    namespace = {}
    exec(setup_source(), namespace)  # noqa: S102 - our own template
    assert "google.colab" not in sys.modules
    assert capsys.readouterr() == ("", "")
    url, branch = repository()
    assert namespace["GLOWLAB"] == f"glowlab[notebooks] @ git+{url}@{branch}"


# Colab's kernel has imported google.colab before the first cell runs.
AS_IN_COLAB = "import sys, types\nsys.modules['google.colab'] = types.ModuleType('c')\n"


def test_setup_cell_stops_with_one_sentence_when_the_install_fails(tmp_path):
    """pip cannot fetch the repository (here: git is sent to a folder that does
    not exist): the cell prints pip's message and stops with what to do."""
    url, _ = repository()
    env = os.environ | redirect_git(url, tmp_path / "missing")
    result = subprocess.run(
        [sys.executable, "-c", AS_IN_COLAB + setup_source()],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode != 0
    assert "git clone" in result.stdout  # pip's own message, shown to the reader
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line == (
        "RuntimeError: glowlab could not be installed (pip's message is above): "
        "check that this runtime has internet access, then run this cell again."
    )
    assert "CalledProcessError" not in result.stderr
