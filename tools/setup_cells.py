"""Write each notebook's Colab setup cell from `_config.yml`: `make setup-cells`.

The repository URL and branch live in one place, `_config.yml` (`repository:`),
which also drives the site's Colab launch buttons. Colab opens a notebook on its
own, without the repository, so each notebook's first code cell must carry the
install line itself; this script writes it, and `tests/test_colab_setup.py`
checks that every notebook agrees with the configuration.
"""

import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-setup"

TEMPLATE = """\
# Colab only: install what Colab lacks (equinox, flowjax, glowlab itself).
# Anywhere else this cell does nothing: `make install` has set everything up.
import subprocess
import sys

GLOWLAB = "glowlab[notebooks] @ git+{url}@{branch}"
if "google.colab" in sys.modules:
    pip_install = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run([*pip_install, GLOWLAB], check=True)"""


def repository() -> tuple[str, str]:
    """The repository URL and branch that `_config.yml` publishes from."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo["branch"]


def setup_source() -> str:
    url, branch = repository()
    return TEMPLATE.format(url=url, branch=branch)


def write_setup_cell(path: Path) -> bool:
    """Insert or update the setup cell of one notebook; return whether it changed."""
    nb = nbformat.read(path, as_version=4)
    source = setup_source()
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    first = nb.cells[code[0]] if code else None
    if first is not None and TAG in first.metadata.get("tags", []):
        if first.source == source:
            return False
        first.source = source
    else:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = [TAG, "hide-input"]
        nb.cells.insert(code[0] if code else len(nb.cells), cell)
    nbformat.write(nb, path)
    return True


def main() -> int:
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    paths = [Path(p) for p in sys.argv[1:]] or notebooks
    for path in paths:
        if write_setup_cell(path):
            print(f"wrote the Colab setup cell of {path.name}; run `make execute`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
