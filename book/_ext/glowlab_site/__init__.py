"""The site's own Sphinx extension: what no configuration of Jupyter Book, its
theme or a maintained extension does. One idea a module:

- `colab`: an "Open in Colab" badge under each chapter's title, and no launch
  button on pages that cannot run in Colab;
- `api_links`: glowlab names in the chapters' text link to the API page;
- `exercises`: each exercise's solution is one disclosure, holding the code,
  its output and the explanation;
- `outputs`: printed tables keep their rows (they scroll), printed prose wraps;
- `figures`: figures load lazily;
- `punctuation`: a formula and the punctuation after it break as one;
- `bibliography`: the references labelled and sorted as the text cites them;
- `descriptions`: each page's description in plain words (no TeX);
- `fixes`: small fixes of other projects' behaviour, each naming its upstream
  report or code.

Everything else is configuration, in _config.yml: meta tags and link previews
(sphinxext-opengraph), the licence in the footer (html.extra_footer), the root
index.html (html_additional_pages), the theme's default mode (html_context).
"""

from . import (
    api_links,
    bibliography,
    colab,
    descriptions,
    exercises,
    figures,
    fixes,
    outputs,
    punctuation,
)


def setup(app):
    for module in (
        api_links,
        bibliography,
        colab,
        descriptions,
        exercises,
        figures,
        fixes,
        outputs,
        punctuation,
    ):
        module.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
