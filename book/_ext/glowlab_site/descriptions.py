"""A page's description (search results, link previews) in plain words.

sphinxext-opengraph 0.13 writes the description and the link-preview tags. It
joins a page's text nodes one by one (_description_parser.py,
DescriptionParser): a formula gives its TeX ("\\mathbf{W}"), a citation comes
apart from its brackets ("Glow[ Kingma"), and a figure's alt text and caption
read as the page's text. Here its own parser reads a copy of the page without
its title and figures, in which each paragraph is one text and formulas are
plain text. No upstream report found.
"""

import re
import unicodedata

from docutils import nodes

# sphinxext-opengraph's own parser: a private module of the exact version that
# requirements.txt pins (tests/site checks every page's description).
from sphinxext.opengraph._description_parser import get_description

TEX_COMMAND = re.compile(r"\\([a-zA-Z]+)|[{}]")
TEX_SYMBOLS = {"times": "×", "cdot": "·", "sum": "Σ", "prod": "Π", "ell": "ℓ"}
TEX_SYMBOLS |= {"to": "→", "in": "∈", "le": "≤", "ge": "≥", "lvert": "|", "rvert": "|"}
TEX_WORDS = {"log", "det", "exp", "max", "min", "tanh"}


def tex_in_words(match) -> str:
    """A TeX command as plain text: \\times is ×, \\lambda λ, \\log log;
    \\mathbf and other markup nothing."""
    name = match[1] or ""
    if name in TEX_SYMBOLS:
        return TEX_SYMBOLS[name]
    if name in TEX_WORDS:
        return name
    case = "CAPITAL" if name[:1].isupper() else "SMALL"
    try:
        return unicodedata.lookup(
            f"GREEK {case} LETTER {name.replace('lambda', 'lamda')}"
        )
    except KeyError:
        return ""


def describe_in_plain_words(app, pagename, templatename, context, doctree):
    if doctree is None:
        return
    page = doctree.deepcopy()
    # A figure's alt text and caption describe the figure, not the page.
    for figure in list(
        page.findall(lambda n: isinstance(n, (nodes.figure, nodes.image)))
    ):
        if figure.parent is not None:
            figure.parent.remove(figure)
    for maths in list(page.findall(nodes.math)):
        maths.replace_self(nodes.Text(TEX_COMMAND.sub(tex_in_words, maths.astext())))
    # The page's title is the preview's title, not the start of its text.
    title = page.next_node(nodes.title)
    if title is not None:
        title.parent.remove(title)
    for paragraph in page.findall(nodes.paragraph):
        paragraph[:] = [nodes.Text(" ".join(paragraph.astext().split()))]
    text = get_description(page, app.config.ogp_description_length)
    # sphinxext-opengraph takes og: fields as given, and adds no description
    # where the page has one.
    context["meta"] = {**(context.get("meta") or {}), "og:description": text}
    context["metatags"] += f'\n<meta name="description" content="{text}" />'


def setup(app):
    # Before sphinxext-opengraph writes its tags (priority 500).
    app.connect("html-page-context", describe_in_plain_words, priority=400)
