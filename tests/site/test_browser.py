"""The built site, opened from disk in headless Chromium, as a reader meets it.

Runs after the book is built (`make test` does both). Every page in `_toc.yml`
is opened from `file://` with no network: no console errors, every image loaded,
maths typeset by the MathJax copy served with the site, and on notebook pages a
Colab link to that notebook on the configured repository and branch. A
screenshot of each page is saved under `_build/screenshots/`. Skipped, with a
message, where no Chromium is installed (Debian's `chromium`; `.ci/run`
installs it).
"""

import os
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())

# As this machine's probe starts it: no sandbox as root, and nothing that
# reaches for the (closed) network in the background.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def toc_pages() -> list[str]:
    pages = [TOC["root"]]
    for part in TOC.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


PAGES = toc_pages()


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


@pytest.fixture(scope="module")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(
            "browser test skipped: no Chromium found. Install Debian's chromium "
            "(apt-get install chromium) or set CHROMIUM to its path."
        )
    if not (HTML / "index.html").exists():
        pytest.fail("no built site in _build/html: run `make book` first")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def open_page(browser, page_name):
    """Open one built page; return the page and the problems the browser logged."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"failed request: {r.url} {r.failure}"),
    )
    page.goto((HTML / f"{page_name}.html").as_uri(), wait_until="load")
    return page, problems


def wait_for_maths(page):
    """Wait until MathJax has typeset the page; Sphinx loads it only where there
    is maths, so a page without any returns at once."""
    if page.evaluate("document.querySelectorAll('.math').length") == 0:
        return
    page.wait_for_function(
        "window.MathJax && MathJax.startup && MathJax.startup.promise"
    )
    page.evaluate("MathJax.startup.promise")


@pytest.mark.parametrize("page_name", PAGES)
def test_page_renders_cleanly(browser, page_name):
    page, problems = open_page(browser, page_name)
    try:
        wait_for_maths(page)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_load_state("load")

        maths = page.evaluate("document.querySelectorAll('.math').length")
        typeset = page.evaluate("document.querySelectorAll('mjx-container').length")
        assert typeset >= maths, f"{maths} maths elements, only {typeset} typeset"
        assert page.evaluate("document.querySelectorAll('mjx-merror').length") == 0
        text = page.evaluate("document.querySelector('main').innerText")
        for raw in ("$$", "\\(", "\\[", "\\begin{"):
            assert raw not in text, f"raw TeX {raw!r} left on the page"

        broken = page.evaluate(
            "Array.from(document.images)"
            ".filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
        )
        assert broken == [], f"images not loaded: {broken}"

        page.evaluate("window.scrollTo(0, 0)")  # sticky headers draw where scrolled
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = page_name.replace("/", "_")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


def test_chapters_have_typeset_maths_and_figures(browser):
    """The chapters are not empty of what the test above checks (the JAX primer,
    all code, has neither)."""
    chapters = [p for p in PAGES if p.startswith("notebooks/") and "primer" not in p]
    assert len(chapters) >= 6
    for page_name in chapters:
        page, _ = open_page(browser, page_name)
        wait_for_maths(page)
        assert page.evaluate("document.querySelectorAll('mjx-container').length") > 5
        assert page.evaluate("document.querySelectorAll('main img').length") >= 1
        page.close()


@pytest.mark.parametrize("page_name", [p for p in PAGES if p.startswith("notebooks/")])
def test_colab_link_points_at_this_notebook(browser, page_name):
    page, _ = open_page(browser, page_name)
    links = page.evaluate(
        "Array.from(document.querySelectorAll('a'))"
        ".map(a => a.href).filter(h => h.startsWith('https://colab.research.google.com'))"
    )
    page.close()
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = CONFIG["repository"]["branch"]
    expected = (
        f"{CONFIG['launch_buttons']['colab_url']}/github/{repo}/blob/{branch}/"
        f"{page_name}.ipynb"
    )
    assert links == [expected]


def test_navigation_reaches_every_chapter(browser):
    page, _ = open_page(browser, TOC["root"])
    hrefs = page.evaluate(
        "Array.from(document.querySelectorAll('.bd-sidebar-primary a.reference'))"
        ".map(a => a.href)"
    )
    page.close()
    files = [unquote(urlparse(h).path) for h in hrefs if h.startswith("file:")]
    reached = {Path(f).resolve() for f in files}
    missing = [p for p in PAGES if (HTML / f"{p}.html").resolve() not in reached]
    assert missing == [], f"pages not reachable from the navigation: {missing}"
