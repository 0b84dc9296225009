"""Where a chapter runs: an "Open in Colab" badge under each notebook page's
title, for the notebook at the release (the badge is served with the site);
and no launch button or badge on pages that cannot run in Colab."""

from pathlib import Path

from docutils import nodes

# Pages that are notebooks but only read results saved in the repository
# (benchmarks/results), which a Colab runtime does not have: a launch button
# there would open a notebook that fails in its first cell.
NO_LAUNCH = {"book/performance"}
BADGE = "_static/colab-badge.svg"


def release(app) -> tuple[str, str]:
    """The repository's URL and the release tag the book is published at."""
    options = app.config.html_theme_options
    return options["repository_url"].rstrip("/"), options["repository_branch"]


def drop_launch_buttons(app, pagename, templatename, context, doctree):
    # sphinx-book-theme gives every notebook page the launch buttons; it has no
    # setting for one page.
    if pagename in NO_LAUNCH and "header_buttons" in context:
        context["header_buttons"] = [
            button
            for button in context["header_buttons"]
            if button.get("label") != "launch-buttons"
        ]


def add_colab_badge(app, doctree, docname):
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb" or docname in NO_LAUNCH:
        return
    url, tag = release(app)
    colab = app.config.html_theme_options["launch_buttons"]["colab_url"].rstrip("/")
    github = url.removeprefix("https://github.com/")
    href = f"{colab}/github/{github}/blob/{tag}/{docname}.ipynb"
    badge = "../" * docname.count("/") + BADGE
    title = doctree.next_node(nodes.title)
    if title is None:
        return
    title.parent.insert(
        title.parent.index(title) + 1,
        nodes.raw(
            "",
            f'<p class="colab-badge"><a href="{href}" target="_blank" '
            f'rel="noopener"><img src="{badge}" alt="Open in Colab" '
            'width="117" height="20"></a></p>',
            format="html",
        ),
    )


def setup(app):
    # After sphinx-book-theme has added its buttons (priority 501).
    app.connect("html-page-context", drop_launch_buttons, priority=900)
    app.connect("doctree-resolved", add_colab_badge)
