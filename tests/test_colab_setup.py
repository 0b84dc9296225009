"""Colab: every notebook's setup cell and the launch buttons follow `_config.yml`."""

import json
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from setup_cells import TAG, repository, setup_source  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def first_code_cell(path):
    cells = json.loads(path.read_text())["cells"]
    return next(c for c in cells if c["cell_type"] == "code")


def test_config_names_a_repository_branch_and_colab():
    url, branch = repository()
    assert url.startswith("https://github.com/") and branch
    assert CONFIG["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    # Jupyter Book's own default branch is "master": it must be set explicitly.
    assert "branch" in CONFIG["repository"]
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
