"""Punctuation after inline maths stays on the formula's line: without this, a
formula that ends a line can leave a lone "." at the start of the next. Both go
in one span that does not wrap (glowlab.css, .math-with-punctuation)."""

import re

from docutils import nodes

PUNCTUATION = re.compile(r"^[.,;:!?)]+")


def keep_punctuation_with_maths(app, doctree, docname):
    for maths in list(doctree.findall(nodes.math)):
        parent = maths.parent
        index = parent.index(maths)
        following = parent[index + 1] if index + 1 < len(parent) else None
        if not isinstance(following, nodes.Text):
            continue
        match = PUNCTUATION.match(following.astext())
        if match is None:
            continue
        together = nodes.inline(classes=["math-with-punctuation"])
        parent.replace(maths, together)
        together += maths
        together += nodes.Text(match[0])
        rest = following.astext()[match.end() :]
        if rest:
            parent.replace(following, nodes.Text(rest))
        else:
            parent.remove(following)


def setup(app):
    app.connect("doctree-resolved", keep_punctuation_with_maths)
