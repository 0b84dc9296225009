"""The built site, opened from disk in headless Chromium, as a reader meets it.

Runs after the book is built (`make test` does both). Every page in `_toc.yml`
is opened from `file://` with no network: no console errors, every image loaded,
maths typeset by the MathJax copy served with the site, and on notebook pages a
Colab link to that notebook on the configured repository and branch. A
screenshot of each page is saved under `_build/screenshots/`. Skipped, with a
message, where no Chromium is installed (Debian's `chromium`; `.ci/run`
installs it).
"""

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from book._ext.glowlab_site import colab, fixes

from .browsing import (
    CONFIG,
    DESKTOP,
    HTML,
    NARROW_DESKTOP,
    PAGES,
    PHONE,
    ROOT,
    SCREENSHOTS,
    TOC,
    load_lazy_images,
    open_page,
    press,
    wait_for_layout,
    wait_for_maths,
)


@pytest.mark.parametrize("page_name", PAGES)
def test_page_renders_cleanly(browser, page_name):
    page, problems = open_page(browser, page_name)
    try:
        wait_for_maths(page)
        load_lazy_images(page)

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
    """The launch button and the badge under the title both open this notebook
    at the release; the badge image is the site's own."""
    page, _ = open_page(browser, page_name)
    links = page.evaluate(
        "Array.from(document.querySelectorAll('a'))"
        ".map(a => a.href).filter(h => h.startsWith('https://colab.research.google.com'))"
    )
    badge = page.evaluate(
        """(() => { const a = document.querySelector('main section .colab-badge a');
        const i = a && a.querySelector('img');
        return a && [a.href, i.complete && i.naturalWidth > 0, i.alt,
          a.closest('section').querySelector('h1') !== null]; })()"""
    )
    page.close()
    repo = CONFIG["repository"]["url"].removeprefix("https://github.com/").rstrip("/")
    branch = CONFIG["repository"]["branch"]
    expected = (
        f"{CONFIG['launch_buttons']['colab_url']}/github/{repo}/blob/{branch}/"
        f"{page_name}.ipynb"
    )
    assert links == [expected, expected]
    assert badge == [expected, True, "Open in Colab", True]


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


def test_pages_that_cannot_run_in_colab_have_no_launch_button(browser):
    """The performance page only reads benchmark results saved in the repository,
    which Colab lacks (book/_ext/glowlab_site/colab.py); every chapter has its button
    (test_colab_link_points_at_this_notebook)."""
    for page_name in colab.NO_LAUNCH:
        page, _ = open_page(browser, page_name)
        links = page.evaluate(
            "Array.from(document.querySelectorAll('a')).map(a => a.href)"
            ".filter(h => h.includes('colab.research.google.com'))"
        )
        page.close()
        assert links == [], f"{page_name} offers Colab, where it cannot run"


CHAPTER = "notebooks/04_glow_step"
CHAPTER_LINK = (
    ".bd-sidebar-primary a.reference[href$='02_lu_invertibility_under_training.html']"
)
SECTION_LINK = "a.nav-link[href='#the-squeeze']"


@pytest.mark.parametrize("width", [PHONE, NARROW_DESKTOP, DESKTOP])
def test_menu_button_shows_and_hides_the_chapter_list(browser, width):
    """One menu button in the page, and tapping it works at every width: on a
    phone it opens the chapter list over the page, on a desktop it hides the
    sidebar and a second tap brings it back. (pydata-sphinx-theme 0.17's hidden
    copy of the button once took its place: see _config.yml.)"""
    page, problems = open_page(browser, CHAPTER, width)
    try:
        assert page.locator(".primary-toggle").count() == 1
        chapter_link = page.locator(CHAPTER_LINK).first
        if width == PHONE:
            assert not chapter_link.is_visible()
            press(page.locator(".primary-toggle"), width)
            page.wait_for_function(
                "document.querySelector('#pst-primary-sidebar-modal').open"
            )
            chapter_link = page.locator(
                "#pst-primary-sidebar-modal a.reference"
                "[href$='02_lu_invertibility_under_training.html']"
            )
            chapter_link.wait_for(state="visible")
        else:
            assert chapter_link.is_visible()
            press(page.locator(".primary-toggle"), width)
            chapter_link.wait_for(state="hidden")
            press(page.locator(".primary-toggle"), width)
            chapter_link.wait_for(state="visible")
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("width", [PHONE, NARROW_DESKTOP, DESKTOP])
def test_page_contents_can_be_opened(browser, width):
    """A chapter's own sections: a "Contents" button where the page is narrow,
    shown beside the text on a wide desktop."""
    page, problems = open_page(browser, CHAPTER, width)
    try:
        toggle = page.locator(".secondary-toggle")
        assert toggle.count() == 1
        if width == DESKTOP:
            assert page.locator(f"#pst-secondary-sidebar {SECTION_LINK}").is_visible()
        else:
            press(toggle, width)
            page.locator(f"#pst-secondary-sidebar-modal {SECTION_LINK}").wait_for(
                state="visible"
            )
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("page_name", PAGES)
def test_page_fits_a_phone(browser, page_name):
    """Nothing makes the page scroll sideways at 390 px: long inline code, API
    signatures and printed prose wrap (book/_static/glowlab.css), and long
    display equations are broken over lines. Only code and printed tables
    scroll inside their own boxes (test_reader.py checks both; tables:
    test_tables_show_every_column)."""
    page, _ = open_page(browser, page_name, PHONE)
    wait_for_maths(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    # Boxes that would scroll sideways: display maths, printed outputs.
    cut = page.evaluate(
        """Array.from(document.querySelectorAll(
            'main mjx-container[display="true"],'
            + 'main .cell_output .output:not(.tabular) pre'))
          .filter(e => e.scrollWidth > e.clientWidth + 1)
          .map(e => e.textContent.slice(0, 60))"""
    )
    page.close()
    assert width <= PHONE, f"{page_name} is {width} px wide on a {PHONE} px phone"
    assert cut == [], f"cut off at {PHONE} px: {cut}"


@pytest.mark.parametrize("page_name", [p for p in PAGES if p.startswith("notebooks/")])
def test_hidden_cells_say_what_they_hide(browser, page_name):
    """Each exercise's hidden answer says "Show solution" (test_reader.py checks
    that it is one per exercise), the setup cell says it is Colab's; no toggle
    says myst-nb's generic "Show code cell ..."."""
    notebook = json.loads((ROOT / f"{page_name}.ipynb").read_text())
    solutions = sum(
        "**Exercise " in line
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
        for line in cell["source"]
    )
    page, _ = open_page(browser, page_name)
    labels = page.locator("details.hide summary .collapsed").all_inner_texts()
    page.close()
    assert labels.count("Show solution") == solutions
    assert labels.count("Show the Colab setup cell") == 1
    assert not [label for label in labels if label.startswith("Show code cell")]


def test_chapters_are_numbered_as_the_text_cites_them(browser):
    """The text says "chapter 2": the sidebar and each chapter's title say 2 too,
    the number in the notebook's file name."""
    chapters = [p for p in PAGES if p.startswith("notebooks/") and "primer" not in p]
    page, _ = open_page(browser, TOC["root"])
    for page_name in chapters:
        link = page.locator(
            f".bd-sidebar-primary a.reference[href$='{Path(page_name).name}.html']"
        ).inner_text()
        number = int(Path(page_name).name.split("_")[0])
        assert link.startswith(f"{number}. "), link
    page.close()
    for page_name in chapters:
        page, _ = open_page(browser, page_name)
        title = page.locator("main section h1").first.inner_text()
        page.close()
        number = int(Path(page_name).name.split("_")[0])
        assert title.startswith(f"{number}. "), title


def bibliography_labels(browser) -> dict[str, list[str]]:
    """Each entry of the references page: its label, and the links it holds."""
    page, _ = open_page(browser, "book/references")
    entries = page.evaluate(
        "Array.from(document.querySelectorAll('main .citation')).map(c => ["
        "c.querySelector('.label').innerText.replace(/^\\[|\\]$/g, ''),"
        "Array.from(c.querySelectorAll('a[href^=\"http\"]')).map(a => a.href)])"
    )
    page.close()
    return dict(entries)


def test_bibliography_entries_link_to_their_source(browser):
    entries = bibliography_labels(browser)
    assert len(entries) >= 10
    unlinked = [label for label, links in entries.items() if not links]
    assert unlinked == [], f"entries with no DOI or URL: {unlinked}"


@pytest.mark.parametrize("page_name", PAGES)
def test_citations_read_as_the_bibliography_labels_them(browser, page_name):
    """A citation in the text, "Kingma and Dhariwal, 2018", is the label of its
    entry on the references page; and no page (the API page's docstrings
    included) cites in plain text where a link belongs."""
    labels = {" ".join(label.split()) for label in bibliography_labels(browser)}
    page, _ = open_page(browser, page_name)
    # Text contents, not inner texts: a citation inside a closed solution is
    # not rendered, and its inner text is empty. Spaces compared as spaces
    # (a label's no-break space in "Van Loan" reads the same).
    cited = [
        " ".join(text.split())
        for text in page.locator("main .bibtex-citation a").all_text_contents()
    ]
    text = page.locator("main").inner_text()
    page.close()
    assert set(cited) <= labels, f"cited as {set(cited) - labels}"
    plain = re.findall(r"\([A-Z][\w-]+(?: et al\.| & [A-Z][\w-]+)?, \d{4}", text)
    assert plain == [], f"citations in plain text: {plain}"
    if page_name == "book/api":
        assert len(cited) >= 5


@pytest.mark.parametrize("page_name", PAGES)
def test_page_is_published_as_a_site(browser, page_name):
    """Logo and favicon; repository, issue and (on pages with a source) edit
    links for the configured repository; the licence and the date in the
    footer; a description and link-preview tags in the head."""
    repo = CONFIG["repository"]["url"].rstrip("/")
    page, _ = open_page(browser, page_name)
    try:
        logo = page.locator(".navbar-brand img").first
        assert logo.evaluate("i => i.complete && i.naturalWidth > 0")
        icon = page.evaluate("document.querySelector('link[rel=icon]').href")
        assert icon.endswith("logo.svg") and Path(urlparse(icon).path).exists()
        links = page.evaluate(
            "Array.from(document.querySelectorAll('a')).map(a => a.href)"
        )
        assert repo in links
        assert any(h.startswith(f"{repo}/issues/new") for h in links)
        edits = [h for h in links if h.startswith(f"{repo}/edit/")]
        assert edits == [
            f"{repo}/edit/{fixes.EDIT_BRANCH}/{page_name}.{suffix}"
            for suffix in ("ipynb", "md")
            if (ROOT / f"{page_name}.{suffix}").exists()
        ]
        branch = CONFIG["repository"]["branch"]
        assert f"{repo}/blob/{branch}/LICENSE" in links
        assert (ROOT / "LICENSE").exists()
        footer = page.locator("footer.bd-footer-content").inner_text()
        assert "Last updated on" in footer and "MIT licence" in footer
        meta = page.evaluate(
            "Object.fromEntries(Array.from(document.querySelectorAll("
            "'meta[name], meta[property]')).map(m => "
            "[m.getAttribute('name') || m.getAttribute('property'), m.content]))"
        )
        for key in ("description", "og:title", "og:description", "og:site_name"):
            assert len(meta.get(key, "")) > 3, key
        assert "\\" not in meta["description"], "TeX in the description"
        assert "[ " not in meta["description"], "a citation split in the description"
        assert meta["og:description"] == meta["description"]
        assert (
            len(meta["description"])
            <= CONFIG["sphinx"]["config"]["ogp_description_length"]
        )
    finally:
        page.close()


def test_site_ships_only_what_pages_use(browser):
    """No source maps, no MathJax SVG output, no fontawesome.js (see
    book/_ext/glowlab_site/fixes.py and the Makefile's mathjax target); the icons
    still draw, from the theme's Font Awesome web fonts."""
    assert list(HTML.rglob("*.map")) == []
    assert not (HTML / "_static" / "mathjax" / "output" / "svg").exists()
    assert not (HTML / fixes.FONTAWESOME_JS).exists()
    loading = [p for p in HTML.rglob("*.html") if "fontawesome.js" in p.read_text()]
    assert loading == [], f"pages that still load fontawesome.js: {loading[:3]}"
    page, problems = open_page(browser, "notebooks/04_glow_step")
    try:
        page.wait_for_load_state("networkidle")
        icons = page.evaluate(
            "Array.from(document.querySelectorAll("
            "'.primary-toggle .fa-solid, .article-header-buttons [class*=fa-]'))"
            ".filter(i => i.offsetParent !== null)"
            ".map(i => [getComputedStyle(i, '::before').content,"
            " getComputedStyle(i, '::before').fontFamily,"
            " i.getBoundingClientRect().width])"
        )
        assert len(icons) >= 3
        for content, font, width in icons:
            assert content not in ("none", "normal", '""'), "an icon with no glyph"
            assert "Font Awesome" in font and width > 0
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("page_name", [p for p in PAGES if p.startswith("notebooks/")])
def test_punctuation_stays_with_its_formula(browser, page_name, width):
    """No "." alone at the start of a line after a formula: inline maths and
    the punctuation after it are one unbreakable span
    (book/_ext/glowlab_site/punctuation.py)."""
    page, _ = open_page(browser, page_name, width)
    wait_for_maths(page)
    loose, split = page.evaluate(
        """() => {
        const loose = Array.from(document.querySelectorAll('main span.math'))
          .filter(m => !m.closest('.math-with-punctuation'))
          .filter(m => m.nextSibling && m.nextSibling.nodeType === Node.TEXT_NODE
                       && /^[.,;:!?)]/.test(m.nextSibling.textContent));
        const split = Array.from(document.querySelectorAll('.math-with-punctuation'))
          .filter(s => s.getClientRects().length > 1);
        return [loose.length, split.length];
        }"""
    )
    page.close()
    assert (loose, split) == (0, 0)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
@pytest.mark.parametrize("page_name", PAGES)
def test_tables_show_every_column(browser, page_name, width):
    """No table is cut off: each fits its column, a table too wide shown row by
    row (book/_static/glowlab.js) with every cell labelled by its column; every
    table has a header. On a desktop the chapters' tables are real tables."""
    page, problems = open_page(browser, page_name, width)
    wait_for_layout(page)
    tables = page.evaluate(
        """Array.from(document.querySelectorAll('main table')).map(t => ({
          fits: t.scrollWidth <= t.parentElement.clientWidth + 1,
          stacked: t.classList.contains('stacked'),
          header: Array.from(t.querySelectorAll('thead th'), h => h.innerText.trim()),
          unlabelled: !t.classList.contains('stacked') ? 0
            : Array.from(t.querySelectorAll('tbody tr')).flatMap(r =>
            Array.from(r.children).filter((d, i) =>
              t.querySelectorAll('thead th')[i]?.innerText.trim()
              && !d.dataset.label)).length,
        }))"""
    )
    page.close()
    for table in tables:
        assert table["fits"], f"a table is wider than the text: {table['header']}"
        assert any(table["header"]), "a table with an empty header row"
        assert table["unlabelled"] == 0, "cells without their column's label"
        if width == DESKTOP and page_name.startswith("notebooks/"):
            assert not table["stacked"], f"{table['header']} does not fit a desktop"
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_have_captions_and_alt_text(browser, page_name):
    """Every figure a notebook draws has a caption and alt text that describes
    it (myst-nb's cell metadata), not the image's file path."""
    page, _ = open_page(browser, page_name)
    images = page.evaluate(
        """Array.from(document.querySelectorAll('main .cell_output img'), i => [
          i.getAttribute('alt') || '',
          (i.closest('figure')?.querySelector('figcaption')?.innerText || '').trim(),
        ])"""
    )
    page.close()
    for alt, caption in images:
        assert len(alt) > 40 and not re.search(r"\.(png|svg|jpe?g)$", alt), alt
        assert len(caption) > 20, f"a figure without a caption: {alt[:60]}"


# _style draws all text at 10 pt, 13.9 px at its 100 dpi; shown at 0.57x or
# more of that size, the smallest text on a figure is 8 px or more.
SMALLEST_FIGURE_SCALE = 8 / (10 * 100 / 72)


@pytest.mark.parametrize("page_name", PAGES)
def test_figures_are_sharp_and_readable_on_a_phone(browser, page_name):
    """Every figure is a retina image (twice the pixels it is shown with), keeps
    its aspect ratio when the column shrinks it, and on a 390 px phone is shown
    at a scale where its smallest text is 8 px or more: panels are stacked, not
    squeezed side by side."""
    page, problems = open_page(browser, page_name, PHONE)
    load_lazy_images(page)
    figures = page.evaluate(
        """Array.from(document.querySelectorAll('main .cell_output img'), i => {
          const box = i.getBoundingClientRect();
          return {alt: (i.getAttribute('alt') || '').slice(0, 60),
                  natural: [i.naturalWidth, i.naturalHeight],
                  css: parseFloat(i.style.width) || 0,
                  shown: [box.width, box.height]};
        })"""
    )
    page.close()
    for figure in figures:
        (natural_w, natural_h), (shown_w, shown_h) = figure["natural"], figure["shown"]
        assert figure["css"] > 0, f"no retina size stored: {figure['alt']}"
        assert natural_w >= 1.99 * figure["css"], f"not retina: {figure}"
        assert abs(shown_h / shown_w - natural_h / natural_w) < 0.02, figure
        scale = shown_w / figure["css"]
        assert scale >= SMALLEST_FIGURE_SCALE, (
            f"{figure['alt']}: shown at {scale:.2f}x on a phone, text under 8 px"
        )
    assert problems == [], "\n".join(problems)


def test_notebooks_draw_no_text_smaller_than_the_style():
    """The phone test above assumes 10-pt text: no figure sets a smaller size."""
    import _style

    assert _style.RC["font.size"] >= 10
    notebooks = [*ROOT.glob("notebooks/*.ipynb"), ROOT / "book" / "performance.ipynb"]
    for path in notebooks:
        for cell in json.loads(path.read_text())["cells"]:
            for size in re.findall(r"fontsize=(\d+)", "".join(cell["source"])):
                assert int(size) >= 10, f"{path.name}: fontsize={size}"


def test_intro_shows_how_the_chapters_build_on_each_other(browser):
    page, _ = open_page(browser, TOC["root"], PHONE)
    load_lazy_images(page)
    figure = page.locator("#fig-chapters img")
    loaded = figure.evaluate("i => i.complete && i.naturalWidth > 0")
    alt, width = figure.get_attribute("alt"), figure.bounding_box()["width"]
    caption = page.locator("#fig-chapters figcaption").inner_text()
    page.close()
    assert loaded and width <= PHONE
    assert "chapter" in alt.lower() and all(str(n) in alt for n in range(1, 7)), alt
    assert "How the chapters build on each other" in caption


def test_api_page_lists_every_public_name(browser):
    import glowlab

    page, _ = open_page(browser, "book/api")
    ids = set(page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)"))
    page.close()
    missing = [
        name
        for name in glowlab.__all__
        if f"glowlab.{name}" not in ids
        and not any(i.startswith("glowlab.") and i.endswith(f".{name}") for i in ids)
    ]
    assert missing == [], f"public names not on the API page: {missing}"
    assert {"glowlab.Squeeze.transform_and_log_det", "glowlab.Squeeze.inverse"} <= ids


@pytest.mark.parametrize("page_name", [p for p in PAGES if p.startswith("notebooks/")])
def test_glowlab_names_link_to_the_api_page(browser, page_name):
    """Inline code naming a glowlab object (`GlowStep`, `glowlab.data_init`,
    `ActNorm.from_data(batch)`) is a link to its entry on the API page."""
    import glowlab

    page, _ = open_page(browser, page_name)
    codes = page.evaluate(
        """Array.from(document.querySelectorAll('main p code, main li code'),
            c => [c.innerText, c.closest('a') ? c.closest('a').href : null])"""
    )
    page.close()
    public = set(glowlab.__all__)
    named = [
        (text, href)
        for text, href in codes
        if (m := re.match(r"(?:glowlab\.)?([A-Za-z_]\w*)", text)) and m[1] in public
    ]
    assert named, f"{page_name} names no glowlab object in its text"
    unlinked = [text for text, href in named if "api.html#glowlab." not in (href or "")]
    assert unlinked == [], f"not linked to the API page: {unlinked}"


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_no_empty_header_strip(browser, width):
    """The top navbar holds nothing, so it takes no room, and the page has one
    search button, in the article header."""
    page, _ = open_page(browser, CHAPTER, width)
    height = page.evaluate("document.querySelector('#pst-header').offsetHeight")
    searches = page.locator(".search-button:visible, .search-button-field:visible")
    count = searches.count()
    page.close()
    assert height == 0
    assert count == 1
