"""The release check, run before the site is published.

    python -m tools.release_check v0.1.0 [--repository OWNER/REPO]

A release goes by three names, and the book is published only if they agree:
the git tag that was pushed, "v" + the version in pyproject.toml, and
`repository.branch` in _config.yml (the release that the Colab buttons open and
every notebook's setup cell installs; tests/test_colab_setup.py checks the
notebooks against it). The site's address, `html.baseurl` in _config.yml, which
every page names in its canonical link, must be the GitHub Pages address of
`repository.url`; and with --repository (the repository the workflow runs in,
$GITHUB_REPOSITORY), `repository.url` must name that repository, so that a fork
that has not set it yet does not publish pages that point at another one.

The deploy job of .github/workflows/book.yml runs this before it builds, so a
mismatched tag never publishes.
"""

import argparse
import sys

import yaml

from tools.setup_cells import ROOT, release_tag, repository

GITHUB = "https://github.com/"


def site_address(repository_url: str) -> str:
    """The GitHub Pages address of a repository: https://OWNER.github.io/REPO/
    (https://OWNER.github.io/ for the repository named OWNER.github.io)."""
    owner, name = repository_url.removeprefix(GITHUB).strip("/").split("/")
    host = f"{owner.lower()}.github.io"
    return f"https://{host}/" if name.lower() == host else f"https://{host}/{name}/"


def problems(
    tag: str,
    *,
    version_tag: str,
    branch: str,
    url: str,
    baseurl: str | None,
    github_repository: str | None = None,
) -> list[str]:
    """What keeps `tag` from being published, one sentence each; [] if nothing."""
    found = []
    if tag != version_tag:
        found.append(
            f"the tag {tag!r} is not the release of pyproject.toml's version, "
            f"{version_tag!r}: tag that version, or set the version to the tag's"
        )
    if branch != version_tag:
        found.append(
            f"_config.yml's repository.branch is {branch!r}, not {version_tag!r}: "
            "the Colab buttons and setup cells would install another release "
            "(set it, then `make setup-cells`)"
        )
    if baseurl != site_address(url):
        found.append(
            f"_config.yml's html.baseurl is {baseurl!r}, but the site of "
            f"{url} is {site_address(url)!r}"
        )
    if github_repository is not None and (
        url.removeprefix(GITHUB).strip("/").lower() != github_repository.lower()
    ):
        found.append(
            f"_config.yml's repository.url is {url}, but this is "
            f"{GITHUB}{github_repository}: set repository.url and html.baseurl "
            "to this repository's (CONTRIBUTING.md, 'How a fork goes live')"
        )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tag", help="the pushed tag, for example v0.1.0")
    parser.add_argument(
        "--repository", help="OWNER/REPO that publishes ($GITHUB_REPOSITORY)"
    )
    args = parser.parse_args(argv)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    url, branch = repository()
    baseurl = config.get("html", {}).get("baseurl")
    found = problems(
        args.tag,
        version_tag=release_tag(),
        branch=branch,
        url=url,
        baseurl=baseurl,
        github_repository=args.repository,
    )
    for problem in found:
        print(f"release check: {problem}", file=sys.stderr)
    if not found:
        print(f"release check: {args.tag} is the version the book names; {baseurl}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
