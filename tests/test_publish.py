"""`make publish`, the way a maintainer publishes by hand (ghp-import): the built
book becomes the gh-pages branch of a remote, which GitHub Pages serves.

No network: the remote is a bare repository in a temporary folder, and the
repository that ghp-import commits in is a scratch one (GIT_DIR), so that the
checkout's own branches are left alone. `make publish` runs `make book`, which
reuses the build `make test` has just made (Sphinx finds nothing out of date;
the Makefile runs this test after that build), and builds it when run alone.
"""

import os
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "_build" / "html"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [TOC["root"]] + [
    chapter["file"] for part in TOC["parts"] for chapter in part["chapters"]
]


def git(*args) -> str:
    return subprocess.run(
        ["git", *map(str, args)], check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The files of the remote's gh-pages branch after `make publish`."""
    folder = tmp_path_factory.mktemp("publish")
    remote, scratch = folder / "remote.git", folder / "local.git"
    git("init", "--quiet", "--bare", remote)
    git("init", "--quiet", "--bare", scratch)
    env = os.environ | {
        "GIT_DIR": str(scratch),
        "GIT_COMMITTER_NAME": "make publish",
        "GIT_COMMITTER_EMAIL": "publish@example.invalid",
    }
    done = subprocess.run(
        ["make", "--no-print-directory", "publish", f"REMOTE={remote}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert git("--git-dir", remote, "branch", "--list", "gh-pages"), (
        "make publish pushed no gh-pages branch to the remote"
    )
    files = git("--git-dir", remote, "ls-tree", "-r", "--name-only", "gh-pages")
    return remote, set(files.splitlines())


def test_the_remote_gh_pages_branch_holds_the_book(published):
    _, files = published
    # .nojekyll: without it, Pages' Jekyll drops the _static and _images folders.
    expected = {"index.html", ".nojekyll"} | {f"{page}.html" for page in PAGES}
    assert expected <= files, f"missing from gh-pages: {sorted(expected - files)}"
    built = {str(p.relative_to(HTML)) for p in HTML.rglob("*") if p.is_file()}
    assert files == built | {".nojekyll"}


def test_the_pushed_pages_are_the_build_and_name_the_site(published):
    remote, _ = published
    baseurl = CONFIG["html"]["baseurl"]
    for page in PAGES:
        pushed = git("--git-dir", remote, "show", f"gh-pages:{page}.html")
        assert pushed == (HTML / f"{page}.html").read_text()
        canonical = f'<link rel="canonical" href="{baseurl}{page}.html" />'
        assert canonical in pushed, f"{page}: no canonical link to the site"
