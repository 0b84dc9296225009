"""What the browser tests share: the built site, its pages, and how to open one.

Every page is opened from `file://` in headless Chromium with no network, at
the size of a phone (390 px, a touch screen), a narrow desktop (1100 px, where
the page's contents become a button) or a desktop (1400 px).
"""

import os
import shutil
from pathlib import Path

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

# A phone, the width where the page contents become a button, and a desktop.
PHONE, NARROW_DESKTOP, DESKTOP = 390, 1100, 1400


def toc_pages() -> list[str]:
    pages = [TOC["root"]]
    for part in TOC.get("parts", []):
        pages += [chapter["file"] for chapter in part["chapters"]]
    return pages


PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("notebooks/")]
# Pages Sphinx writes itself, which a reader reaches from the header and the API.
GENERATED = ["genindex", "py-modindex", "search"]


def find_chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and (path := shutil.which(candidate)):
            return path
    return None


def open_page(browser, page_name, width=1280):
    """Open one built page; return the page and the problems the browser logged.

    `page.requested` lists every URL the page asked for, in order."""
    phone = width < 600  # a touch screen, as a phone has
    page = browser.new_page(
        viewport={"width": width, "height": 844 if phone else 900}, has_touch=phone
    )
    problems = []
    page.requested = []
    page.on("request", lambda r: page.requested.append(r.url))
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


def wait_for_layout(page):
    """Wait until the site's script has laid the page out (book/_static/glowlab.js:
    formulas fitted, wide tables stacked), after MathJax and the fonts."""
    page.wait_for_function("document.documentElement.dataset.layout === 'done'")


def load_lazy_images(page):
    """Figures load when they near the screen (loading="lazy"): ask for every
    one now, and wait until each has loaded or failed."""
    page.evaluate(
        """Promise.all(Array.from(document.images, i => {
          i.loading = 'eager';
          return i.complete ? null
            : new Promise(done => { i.onload = i.onerror = done; });
        }))"""
    )


def press(locator, width):
    """Tap on a phone, click on a desktop."""
    if width == PHONE:
        locator.tap()
    else:
        locator.click()
