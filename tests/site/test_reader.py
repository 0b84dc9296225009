"""The site as a reader meets it, on a 390 px phone and a 1400 px desktop.

Each page is opened once per width and measured with every disclosure open
(tests/site/measure.js); the tests below read those measurements, one test
for each thing a reader would notice:

- results tables are tables, not paragraphs of pipes;
- code reads without sideways scrolling: 70 characters fit each code box;
- printed tables keep their rows (they scroll inside their box), and printed
  prose wraps only between words;
- the text of a drawn figure (book/*.svg) is 10 px or more;
- no formula, title or link to the next page is cut off;
- the contents drawer closes when a section is chosen, and the menu's logo
  leaves room for the menu;
- only wide tables with a header are shown row by row, never the index;
- the bibliography is sorted by author and shows no LaTeX;
- each exercise has one disclosure, holding its code, output and explanation,
  and no control's aria-label hides its visible text;
- a page loads only what it uses, figures load lazily, the root page is a
  page, and the search icon leaves the query readable.

A full-page screenshot of each page at each width is saved under
`_build/screenshots/` (NAME-390.png, NAME-1400.png).
"""

import json
import re
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from .browsing import (
    CHAPTERS,
    DESKTOP,
    GENERATED,
    HTML,
    NARROW_DESKTOP,
    PAGES,
    PHONE,
    ROOT,
    SCREENSHOTS,
    load_lazy_images,
    open_page,
    press,
    wait_for_layout,
)

READER_PAGES = PAGES + GENERATED
WIDTHS = [PHONE, DESKTOP]
MEASURE = (Path(__file__).parent / "measure.js").read_text()
_measured = {}


def measured(browser, page_name, width) -> dict:
    """What measure.js finds on one page at one width, measured once."""
    key = (page_name, width)
    if key not in _measured:
        page, _ = open_page(browser, page_name, width)
        try:
            wait_for_layout(page)
            load_lazy_images(page)  # the screenshot shows every figure
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = page_name.replace("/", "_")
            page.screenshot(
                path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True
            )
            facts = page.evaluate(MEASURE)
            facts["requested"] = list(page.requested)
        finally:
            page.close()
        _measured[key] = facts
    return _measured[key]


def source(page_name) -> Path | None:
    for suffix in (".ipynb", ".md"):
        if (path := ROOT / f"{page_name}{suffix}").exists():
            return path
    return None


def notebook(page_name) -> dict | None:
    path = source(page_name)
    return json.loads(path.read_text()) if path and path.suffix == ".ipynb" else None


# Item 1 ---------------------------------------------------------------------

PIPE_TABLE = re.compile(r"^\|.*\|\s*\n\|[\s:|-]+\|\s*$", re.MULTILINE)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_tables_printed_as_markdown_are_tables(browser, page_name, width):
    """A Markdown table that a cell prints (text/markdown) is a table on the
    page, not a paragraph beginning with "|" (myst-nb parses outputs as
    CommonMark unless told otherwise: _config.yml)."""
    facts = measured(browser, page_name, width)
    assert facts["pipes"] == [], f"raw Markdown tables: {facts['pipes']}"
    printed = sum(
        bool(
            PIPE_TABLE.search("".join(output.get("data", {}).get("text/markdown", "")))
        )
        for cell in (notebook(page_name) or {}).get("cells", [])
        for output in cell.get("outputs", [])
    )
    assert facts["outputTables"] >= printed


# Item 2 ---------------------------------------------------------------------

RUFF = tomllib.loads((ROOT / "notebooks" / "ruff.toml").read_text())
LINE_LENGTH = RUFF["line-length"]
# Chapters not yet rewritten to the phone's width keep longer lines (strings,
# comments): each leaves this list when its rewrite fixes them.
LONG_LINES_ALLOWED = {
    f"notebooks/{Path(name).stem}"
    for name, rules in RUFF.get("lint", {}).get("per-file-ignores", {}).items()
    if "E501" in rules
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_a_code_line_of_the_books_width_fits(browser, page_name, width):
    """Every code box holds a line of notebooks/ruff.toml's width (70
    characters) without scrolling, on a phone too: the code font is set from the
    box's width there (glowlab.css)."""
    facts = measured(browser, page_name, width)
    narrow = [c for c in facts["code"] if c["capacity"] < LINE_LENGTH]
    assert narrow == [], f"{len(narrow)} code boxes hold fewer than {LINE_LENGTH}"
    for block in facts["code"]:
        assert block["fontSize"] >= 8, f"code set at {block['fontSize']} px"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_no_code_line_scrolls_sideways(browser, page_name, width):
    if page_name in LONG_LINES_ALLOWED:
        pytest.skip(
            f"{page_name}.ipynb is on notebooks/ruff.toml's E501 ignore list: "
            f"it has code lines over {LINE_LENGTH} characters until its rewrite"
        )
    facts = measured(browser, page_name, width)
    scrolling = [(c["longest"], c["text"][:50]) for c in facts["code"] if c["scrolls"]]
    assert scrolling == [], f"code that scrolls sideways: {scrolling}"


# Item 3 ---------------------------------------------------------------------


def tabular(text) -> bool:
    """Aligned output: columns padded with spaces, or indented lines."""
    return "  " in text


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_printed_tables_keep_their_rows(browser, page_name, width):
    """Aligned output (a check_bijection report, a per-seed table) never wraps
    a row; a row wider than the box scrolls inside the box."""
    for output in measured(browser, page_name, width)["outputs"]:
        if not tabular(output["text"]):
            continue
        first = output["text"].splitlines()[0][:40]
        assert output["wraps"] == [], f"{first!r} wraps at {output['wraps'][:2]}"
        assert output["scrolls"] or not output["overflows"], f"{first!r} is cut"
        assert output["cut"] is None, f"{first!r}: {output['cut']}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_printed_prose_wraps_between_words(browser, page_name, width):
    """Output that is a sentence (an error message, a bounded check) wraps at a
    space, never inside a word or a number such as 1e-12."""
    for output in measured(browser, page_name, width)["outputs"]:
        if tabular(output["text"]):
            continue
        inside = [w for w in output["wraps"] if not w["before"].isspace()]
        assert inside == [], f"wraps inside a word: {inside[:3]}"
        assert not output["overflows"] and output["cut"] is None


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_table_cells_keep_numbers_whole(browser, page_name, width):
    """A number in a table cell ("3.0e-07") is not broken after its minus, as a
    narrow column would break it (a hyphenated word may be)."""
    broken = measured(browser, page_name, width)["tableBreaks"]
    assert broken == [], f"broken after a hyphen: {[b['at'] for b in broken]}"


# Item 4 ---------------------------------------------------------------------


def smallest_text(svg: Path) -> tuple[float, float]:
    """The smallest font size an SVG drawing uses, and its viewBox width."""
    root = ET.parse(svg).getroot()
    width = float(root.get("viewBox").split()[2])
    sizes = []

    def walk(element, inherited):
        size = float(element.get("font-size", inherited))
        if element.tag.endswith("text"):
            sizes.append(size)
        for child in element:
            walk(child, size)

    walk(root, 16)
    return min(sizes), width


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_drawn_figures_have_readable_text(browser, page_name, width):
    """The text of a drawn figure (book/*.svg) is 10 CSS px or more as shown."""
    for image in measured(browser, page_name, width)["images"]:
        if not image["src"].endswith(".svg"):
            continue
        svg = (HTML / page_name).parent / image["src"]
        font, drawn = smallest_text(svg)
        shown = font * image["shown"] / drawn
        assert shown >= 10, f"{image['src']}: text {shown:.1f} px at {width} px"


# Item 5 ---------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_no_formula_is_cut_off(browser, page_name, width):
    """Every formula, inline or displayed, is whole on the screen: none runs
    past the screen's edge or its box (the page cannot scroll to it)."""
    cut = measured(browser, page_name, width)["mathsCut"]
    assert cut == [], f"formulas cut off: {cut}"


# Item 6 ---------------------------------------------------------------------

CHAPTER = "notebooks/04_glow_step"
SECTION = "the-squeeze"


@pytest.mark.parametrize("width", [PHONE, NARROW_DESKTOP])
def test_contents_drawer_closes_when_a_section_is_chosen(browser, width):
    page, problems = open_page(browser, CHAPTER, width)
    try:
        press(page.locator(".secondary-toggle"), width)
        link = page.locator(f"#pst-secondary-sidebar-modal a[href='#{SECTION}']")
        link.wait_for(state="visible")
        press(link, width)
        page.wait_for_timeout(500)
        assert not page.evaluate(
            "document.querySelector('#pst-secondary-sidebar-modal').open"
        ), "the drawer stayed open over the section"
        top = page.evaluate(
            f"document.getElementById('{SECTION}').getBoundingClientRect().top"
        )
        assert 0 <= top < 200, f"the section is at {top} px"
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


# Item 7 ---------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_links_to_the_next_page_are_whole(browser, page_name, width):
    cut = measured(browser, page_name, width)["navCut"]
    assert cut == [], f"cut off: {cut}"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_titles_fit_in_a_few_lines(browser, page_name, width):
    """A chapter's title takes at most two lines on a phone (the longest,
    chapter 6's, three) and leaves the first screen to the chapter."""
    for title in measured(browser, page_name, width)["titles"]:
        assert title["lines"] <= (3 if len(title["text"]) > 48 else 2), title
        assert title["fontSize"] >= 24, title


def test_phone_menu_starts_with_the_chapters(browser):
    """The logo at the top of the phone menu is header-sized, so the chapter
    list starts on the first screen."""
    page, problems = open_page(browser, CHAPTER, PHONE)
    try:
        press(page.locator(".primary-toggle"), PHONE)
        page.wait_for_function(
            "document.querySelector('#pst-primary-sidebar-modal').open"
        )
        logo = page.locator("#pst-primary-sidebar-modal .navbar-brand img").first
        first = page.locator("#pst-primary-sidebar-modal a.reference").first
        first.wait_for(state="visible")
        assert logo.bounding_box()["height"] <= 64
        assert first.bounding_box()["y"] < 844 / 2
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


# Item 8 ---------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_only_wide_tables_with_a_header_are_stacked(browser, page_name, width):
    """glowlab.js shows a table row by row only where it has a header row and
    three or more columns, never the index's letter tables."""
    for table in measured(browser, page_name, width)["stacked"]:
        assert not table["index"], "the index is stacked"
        assert table["header"] >= 3 and table["columns"] >= 3, table


# Item 9 ---------------------------------------------------------------------


def author_key(label) -> str:
    return label.casefold()


def test_bibliography_is_sorted_by_author_and_shows_no_latex(browser):
    for width in WIDTHS:
        citations = measured(browser, "book/references", width)["citations"]
        labels = [c["label"] for c in citations]
        assert len(labels) >= 10
        assert labels == sorted(labels, key=author_key), labels
        latex = [
            c["text"] for c in citations if re.search(r"\\[a-zA-Z]+|[{}]", c["text"])
        ]
        assert latex == [], f"LaTeX shown: {latex}"


# Item 10 --------------------------------------------------------------------

EXERCISE = re.compile(r"\*\*Exercise (\d+)\.\*\*")
ABOUT = re.compile(
    r"```\{admonition\} About the solution\n(?::[^\n]*\n)*(.*?)```", re.DOTALL
)


def words_of(explanation) -> str:
    """A run of plain words from an explanation (no maths or markup), to find
    it on the page."""
    runs = re.findall(r"(?:[A-Za-z][A-Za-z,;]* ){4,}[A-Za-z]+", explanation)
    return max(runs, key=len)


def exercises(page_name) -> list[dict]:
    """Each exercise in the notebook: does a code cell answer it, what does
    its explanation say."""
    found = []
    for cell in notebook(page_name)["cells"]:
        text = "".join(cell["source"])
        if cell["cell_type"] == "code":
            prompt = cell["metadata"].get("mystnb", {}).get("code_prompt_show")
            if prompt == "Show solution" and found:
                found[-1]["code"] = True
                found[-1]["output"] = bool(cell.get("outputs"))
            continue
        headings = re.findall(r"\*\*Exercise\b[^*]*\*\*", text)
        assert len(headings) == len(EXERCISE.findall(text)), (
            f"{page_name}: an exercise heading must read **Exercise N.**, "
            f"the site's solution merge finds no other: {headings}"
        )
        events = [(m.start(), "exercise", m[1]) for m in EXERCISE.finditer(text)]
        events += [(m.start(), "about", m[1]) for m in ABOUT.finditer(text)]
        for _, kind, value in sorted(events):
            if kind == "exercise":
                found.append({"number": value, "code": False, "output": False})
            elif found:
                found[-1]["about"] = words_of(value)
    return found


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", CHAPTERS)
def test_each_exercise_has_one_disclosure(browser, page_name, width):
    """One "Show solution" disclosure per exercise, holding the solution's
    code and output (where it has code) and the explanation."""
    expected = exercises(page_name)
    shown = measured(browser, page_name, width)["exercises"]
    assert [e["exercise"] for e in shown] == [
        f"Exercise {e['number']}." for e in expected
    ]
    for exercise, page in zip(expected, shown, strict=True):
        name = f"exercise {exercise['number']}"
        assert len(page["disclosures"]) == 1, f"{name}: {page['disclosures']}"
        (disclosure,) = page["disclosures"]
        assert disclosure["label"] == "Show solution", name
        assert bool(disclosure["code"]) == exercise["code"], name
        assert bool(disclosure["output"]) == exercise["output"], name
        assert exercise["about"] in disclosure["text"], name


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_no_aria_label_hides_visible_text(browser, page_name, width):
    """A screen reader reads a control's visible text ("Show solution"), not a
    generic aria-label that replaces it."""
    replaced = measured(browser, page_name, width)["ariaReplaced"]
    assert replaced == [], replaced


# Item 11 --------------------------------------------------------------------

UNUSED = re.compile(r"thebe|sphinx-design|design-tabs")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_name", READER_PAGES)
def test_page_loads_only_what_it_uses(browser, page_name, width):
    """No sphinx-thebe or sphinx-design: nothing on the site uses them."""
    facts = measured(browser, page_name, width)
    unused = [url for url in facts["requested"] if UNUSED.search(url)]
    assert unused == [], f"loads {unused}"
    assert not UNUSED.search((HTML / f"{page_name}.html").read_text())


FIGURE = re.compile(r'<img [^>]*src="[^"]*_images/[^"]*"[^>]*>')


@pytest.mark.parametrize("page_name", READER_PAGES)
def test_figures_load_lazily(page_name):
    """Every figure (a notebook's output, a drawing) loads as a reader nears
    it; the page's first screen does not wait for it."""
    figures = FIGURE.findall((HTML / f"{page_name}.html").read_text())
    eager = [f[:80] for f in figures if 'loading="lazy"' not in f]
    assert eager == [], f"figures without loading=lazy: {eager}"


def test_root_page_is_a_page(browser):
    """The root index.html, which sends a reader on to the first page, has a
    language, a title and a link to follow where redirects are off."""
    text = (HTML / "index.html").read_text()
    assert re.search(r'<html lang="en"', text)
    assert re.search(r"<title>[^<]+</title>", text)
    first = f"{PAGES[0]}.html"
    assert re.search(rf'<a href="{re.escape(first)}">', text)
    page, problems = open_page(browser, "index")
    try:
        page.wait_for_url(f"**/{first}")
        assert problems == [], "\n".join(problems)
    finally:
        page.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("where", ["dialog", "page"])
def test_search_icon_leaves_the_query_readable(browser, width, where):
    """The magnifier icon sits before the query's first letter, in the search
    dialog (the header's button) and on the search page."""
    page, problems = open_page(browser, "search" if where == "page" else CHAPTER, width)
    try:
        if where == "dialog":
            press(
                page.locator(
                    ".search-button:visible, .search-button-field:visible"
                ).first,
                width,
            )
        form = page.locator("form.bd-search:visible").first
        field = form.locator("input[name=q]")
        field.fill("invertible")
        icon = form.locator("i, svg").first.bounding_box()
        start = field.evaluate(
            """i => { const s = getComputedStyle(i);
            return i.getBoundingClientRect().left + parseFloat(s.borderLeftWidth)
              + parseFloat(s.paddingLeft); }"""
        )
        end = icon["x"] + icon["width"]
        assert end <= start, f"icon ends at {end:.0f} px, text starts at {start:.0f}"
        assert problems == [], "\n".join(problems)
    finally:
        page.close()
