"""Write each notebook's Colab setup cell from `_config.yml`: `make setup-cells`.

The repository URL and the release the book is published at live in one place,
`_config.yml` (`repository:`), which also drives the site's Colab launch
buttons. Colab opens a notebook on its own, without the repository, so each
notebook's first code cell must carry the install line itself; this script
writes it, and `tests/test_colab_setup.py` checks that every notebook agrees
with the configuration.

The setup cell installs glowlab at a release tag, never a moving branch, so
that Colab runs the code that produced the stored outputs. It keeps Colab's
preinstalled jax, jaxlib and numpy (pip may choose only versions that fit
them), and if pip fails it stops with one sentence that says what to do.
"""

import sys
import tomllib
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
TAG = "colab-setup"
# The setup cell's source is hidden on the site; its toggle says what it hides
# (myst-nb's cell-level labels, instead of "Show code cell source").
LABELS = {
    "code_prompt_show": "Show the Colab setup cell",
    "code_prompt_hide": "Hide the Colab setup cell",
}

TEMPLATE = """\
# Colab only: install glowlab at this book's release, keeping
# Colab's own jax, jaxlib and numpy. Anywhere else this cell does
# nothing: `make install` has set everything up.
import subprocess
import sys

URL = "{url}"
GLOWLAB = f"glowlab[notebooks] @ git+{{URL}}@{ref}"
if "google.colab" in sys.modules:
    from importlib.metadata import distributions

    own = ("jax", "jaxlib", "numpy")  # Colab's
    keep = [
        f"{{d.name}}=={{d.version}}"
        for d in distributions()
        if d.name in own
    ]
    with open("/tmp/colab-keep.txt", "w") as constraints:
        constraints.write("\\n".join(keep))
    pip = [sys.executable, "-m", "pip", "install", "-q"]
    pip += ["-c", "/tmp/colab-keep.txt"]
    installed = subprocess.run(
        [*pip, GLOWLAB], capture_output=True, text=True
    )
    if installed.returncode != 0:
        print(installed.stderr[-2000:])
        raise RuntimeError(
            "glowlab could not be installed (pip's message is above):"
            " check that this runtime has internet access, then run"
            " this cell again."
        ) from None"""


def repository() -> tuple[str, str]:
    """The repository URL and the release tag that `_config.yml` publishes."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = config["repository"]
    return repo["url"].rstrip("/"), repo["branch"]


def release_tag() -> str:
    """The tag of glowlab's version in pyproject.toml: what `_config.yml` names."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return f"v{project['version']}"


def setup_source() -> str:
    url, ref = repository()
    if ref != release_tag():
        raise ValueError(
            f"_config.yml's repository.branch is {ref!r}: it must be the release "
            f"tag of pyproject.toml's version, {release_tag()!r}"
        )
    return TEMPLATE.format(url=url, ref=ref)


def write_setup_cell(path: Path) -> bool:
    """Insert or update the setup cell of one notebook; return whether it changed."""
    nb = nbformat.read(path, as_version=4)
    source = setup_source()
    code = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    first = nb.cells[code[0]] if code else None
    if first is not None and TAG in first.metadata.get("tags", []):
        if first.source == source and first.metadata.get("mystnb") == LABELS:
            return False
        first.source = source
        first.metadata["mystnb"] = dict(LABELS)
    else:
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["tags"] = [TAG, "hide-input"]
        cell.metadata["mystnb"] = dict(LABELS)
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
