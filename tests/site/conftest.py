"""One headless Chromium for every browser test; skipped, saying why, without one."""

import pytest

from .browsing import CHROMIUM_ARGS, HTML, find_chromium


@pytest.fixture(scope="session")
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
