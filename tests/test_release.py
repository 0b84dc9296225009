"""The release and where it is published: the workflow that tests the book and
deploys it (.github/workflows/book.yml), the release check it runs first, and
the addresses that name the release (_config.yml, the README).

The workflow cannot run here: actionlint (`make lint`) checks its syntax,
expressions and scripts, and these tests what it must do: deploy only from a
tag v*, after the test job, with every action pinned to a commit and
pyproject.toml's Python.
"""

import re
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tools import release_check

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WORKFLOW = yaml.safe_load((ROOT / ".github/workflows/book.yml").read_text())
JOBS = WORKFLOW["jobs"]
# YAML 1.1, which PyYAML reads, takes the key `on` for the boolean true.
TRIGGERS = WORKFLOW[True]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def starts(event: str, ref: str) -> bool:
    """Whether a push or pull request of `ref` starts the workflow: GitHub's
    branch and tag filters (fnmatch's `*` also crosses `/`, as `**` does)."""
    if event not in TRIGGERS:
        return False
    filters = TRIGGERS[event] or {}
    if event != "push" or not {"branches", "tags"} & set(filters):
        return True
    kind, name = (
        ("tags", ref[10:]) if ref.startswith("refs/tags/") else ("branches", ref[11:])
    )
    return any(fnmatchcase(name, pattern) for pattern in filters.get(kind, []))


def condition_holds(condition: str, event: str, ref: str) -> bool:
    """A job's `if:` for one event: the operators and functions such conditions
    use, translated to Python (GitHub compares strings case-insensitively)."""
    ref_type = "tag" if ref.startswith("refs/tags/") else "branch"
    github = SimpleNamespace(
        event_name=event, ref=ref, ref_name=ref.split("/", 2)[2], ref_type=ref_type
    )
    python = condition.strip().removeprefix("${{").removesuffix("}}")
    python = python.replace("&&", " and ").replace("||", " or ")
    python = re.sub(r"!(?!=)", " not ", python)
    names = {
        "github": github,
        "startsWith": lambda a, b: a.lower().startswith(b.lower()),
        "endsWith": lambda a, b: a.lower().endswith(b.lower()),
        "contains": lambda a, b: b.lower() in a.lower(),
        "success": lambda: True,
        "always": lambda: True,
        "true": True,
        "false": False,
    }
    return bool(eval(python, {"__builtins__": {}}, names))  # noqa: S307 - ours


def runs(job: str, event: str, ref: str) -> bool:
    condition = JOBS[job].get("if", "success()")
    return starts(event, ref) and condition_holds(condition, event, ref)


EVENTS = [
    # event, ref, whether the tests run, whether the site is deployed
    ("push", "refs/heads/main", True, False),
    ("push", "refs/heads/v2-draft", True, False),
    ("pull_request", "refs/pull/7/merge", True, False),
    ("push", "refs/tags/nightly", False, False),
    ("push", "refs/tags/v0.1.0", True, True),
]


@pytest.mark.parametrize(("event", "ref", "tested", "deployed"), EVENTS)
def test_every_push_is_tested_and_only_a_v_tag_deployed(event, ref, tested, deployed):
    assert runs("test", event, ref) == tested
    assert runs("deploy", event, ref) == deployed


def test_the_deploy_job_needs_the_tests_which_run_make_test():
    needs = JOBS["deploy"]["needs"]
    assert "test" in ([needs] if isinstance(needs, str) else needs)
    commands = [step.get("run", "").strip() for step in JOBS["test"]["steps"]]
    assert "make test" in commands


def test_the_release_check_runs_before_the_book_is_built_and_deployed():
    steps = JOBS["deploy"]["steps"]
    runs_ = [step.get("run", "") for step in steps]
    uses = [step.get("uses", "").split("@")[0] for step in steps]
    check = next(i for i, run in enumerate(runs_) if "-m tools.release_check" in run)
    assert '"$GITHUB_REF_NAME"' in runs_[check]
    assert check < runs_.index("make book") < uses.index("actions/deploy-pages")


def every_uses():
    for name, job in JOBS.items():
        if "uses" in job:
            yield name, job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield name, step["uses"]


def test_every_action_is_pinned_to_a_commit():
    """A tag can be moved to other code; a commit cannot."""
    unpinned = [
        (job, uses)
        for job, uses in every_uses()
        if not re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", uses)
    ]
    assert not unpinned, f"pin these to a full commit hash: {unpinned}"


def test_every_job_sets_up_the_python_of_pyproject_toml():
    python = re.fullmatch(r">=(\d+\.\d+)", PROJECT["requires-python"])[1]
    for name, job in JOBS.items():
        setups = [
            step.get("with", {}).get("python-version")
            for step in job.get("steps", [])
            if step.get("uses", "").startswith("actions/setup-python@")
        ]
        # A string: YAML reads 3.10 as the number 3.1.
        assert setups == [python], f"job {name!r} sets up {setups}"


def test_the_site_address_is_that_of_the_repository():
    url = CONFIG["repository"]["url"]
    assert CONFIG["html"]["baseurl"] == release_check.site_address(url), (
        "set _config.yml's html.baseurl to the GitHub Pages address of "
        "repository.url (tools/release_check.py, site_address)"
    )


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://github.com/Owner/Book", "https://owner.github.io/Book/"),
        ("https://github.com/owner/owner.github.io/", "https://owner.github.io/"),
    ],
)
def test_site_address(url, address):
    assert release_check.site_address(url) == address


RELEASE = {
    "tag": "v0.1.0",
    "version_tag": "v0.1.0",
    "branch": "v0.1.0",
    "url": "https://github.com/owner/book",
    "baseurl": "https://owner.github.io/book/",
    "github_repository": "owner/book",
}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"tag": "v0.1"}, "not the release of pyproject.toml's version"),
        ({"branch": "main"}, "repository.branch is 'main'"),
        ({"baseurl": "https://owner.github.io/"}, "html.baseurl"),
        ({"github_repository": "fork/book"}, "repository.url"),
    ],
    ids=["agree", "tag", "branch", "baseurl", "fork"],
)
def test_the_release_check_names_what_disagrees(change, problem):
    found = release_check.problems(**(RELEASE | change))
    if problem is None:
        assert found == []
    else:
        assert len(found) == 1 and problem in found[0], found


def test_the_release_check_reads_this_repository(capsys):
    tag = f"v{PROJECT['version']}"
    assert release_check.main([tag]) == 0
    assert release_check.main([tag + "1"]) == 1
    assert "is not the release" in capsys.readouterr().err


def test_the_readme_links_the_site_and_opens_every_chapter_at_the_release():
    readme = (ROOT / "README.md").read_text()
    assert CONFIG["html"]["baseurl"] in readme
    repository = CONFIG["repository"]["url"].removeprefix("https://github.com/")
    tag = CONFIG["repository"]["branch"]
    colab = "https://colab.research.google.com/github/"
    links = re.findall(re.escape(colab) + r"([^)\s]+)", readme)
    expected = [f"{repository}/blob/{tag}/notebooks/{p.name}" for p in NOTEBOOKS]
    assert links == expected, (
        "the README's Colab links must open every chapter at the release that "
        "_config.yml names, in order"
    )
