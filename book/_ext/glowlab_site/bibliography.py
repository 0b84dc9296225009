"""The bibliography labelled and sorted as the text cites it: "Kingma and
Dhariwal, 2018", in the order of those labels.

The chapters cite author-year (`bibtex_reference_style: author_year`), but
pybtex's styles label the list at the end "KD18" (alpha) or "1" (plain), so a
reader could not match one to the other, and "unsrt" lists it in citation
order. This style keeps pybtex's "unsrt" entries (with their DOI and URL links),
gives each the label the text shows, and sorts the list by that label. It is
selected with `bibtex_default_style: authoryear`.

glowlab's docstrings cite in plain text, "(Kingma & Dhariwal, 2018)", so that
they read well in `help()`; on the API page each such citation becomes a link
to the bibliography (CITATIONS names the entries). A parenthesised author-year
citation that CITATIONS does not know is a build error.
"""

import re

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle


def authors(entry) -> str:
    names = [
        " ".join(name.render_as("text") for name in person.rich_last_names)
        for person in entry.persons.get("author", [])
    ]
    if len(names) > 2:
        return f"{names[0]} et al."
    return " and ".join(names)


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            # "n.d." (no date) where there is no year, as the text writes it.
            yield f"{authors(entry)}, {entry.fields.get('year', 'n.d.')}"


class ByLabel(BaseSortingStyle):
    """The order a reader scans the labels in: authors, then year. (pybtex's
    author_year_title sorts by every author's full name, which can disagree
    with labels that name only the first.)"""

    def sorting_key(self, entry):
        return (
            authors(entry).casefold(),
            entry.fields.get("year", ""),
            entry.fields.get("title", ""),
        )


class AuthorYear(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = ByLabel


# How glowlab's docstrings cite: text -> key in book/references.bib.
CITATIONS = {
    "Kingma & Dhariwal, 2018": "kingma2018glow",
    "Dinh et al., 2017": "dinh2017realnvp",
    "Mezzadri, 2007": "mezzadri2007random",
}
ONE = r"[A-Z][\w-]+(?: et al\.| & [A-Z][\w-]+)?, \d{4}"
CITATION = re.compile(rf"\(({ONE}(?:; {ONE})*)\)")


class UnknownCitation(ValueError):
    pass


def link_citations(app, what, name, obj, options, lines):
    def role(match):
        cited = match[1].split("; ")
        unknown = [c for c in cited if c not in CITATIONS]
        if unknown:
            raise UnknownCitation(
                f"{name} cites {unknown}: add it to book/references.bib and to "
                "CITATIONS in book/_ext/glowlab_site/bibliography.py"
            )
        return f":cite:p:`{','.join(CITATIONS[c] for c in cited)}`"

    lines[:] = [CITATION.sub(role, line) for line in lines]


def setup(app):
    register_plugin("pybtex.style.formatting", "authoryear", AuthorYear)
    app.connect("autodoc-process-docstring", link_citations)
