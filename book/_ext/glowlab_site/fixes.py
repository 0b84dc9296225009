"""Small fixes of other projects' behaviour, where no setting does it; each
names the upstream report, or the upstream code where none was found."""

import re
from html import escape
from pathlib import Path

from myst_nb.sphinx_ import HideCodeCellNode

# Where "Suggest edit" sends a reader: the branch the next release is made from.
EDIT_BRANCH = "main"


def edit_on_development_branch(app, pagename, templatename, context, doctree):
    """ "Suggest edit" opens the page on the development branch.

    sphinx-book-theme 1.3 builds the repository, source and edit links all
    from `repository.branch` (header_buttons/__init__.py,
    update_context_with_repository_info), which here is the release tag:
    GitHub cannot edit a tag."""
    tag = app.config.html_theme_options["repository_branch"]
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", [group]):
            if button.get("label") == "source-edit-button":
                button["url"] = button["url"].replace(
                    f"/edit/{tag}/", f"/edit/{EDIT_BRANCH}/"
                )


def visit_hidden_cell(self, node):
    """myst-nb's disclosure for a hidden cell, less its aria-label.

    myst-nb 1.4 gives every <summary> aria-label="Toggle hidden content"
    (myst_nb/sphinx_.py, visit_HideCellInput), which a screen reader reads
    instead of the visible "Show solution". No upstream report found."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n<summary>\n')
    for state, prompt in (("collapsed", "prompt_show"), ("expanded", "prompt_hide")):
        self.body.append(
            f'<p class="{state} admonition-title">{escape(node[prompt])}</p>\n'
        )
    self.body.append("</summary>\n")


def depart_hidden_cell(self, node):
    self.body.append("</details>\n")


FONTAWESOME_JS = "_static/scripts/fontawesome.js"
FONTAWESOME_TAG = re.compile(
    r'[ \t]*<script defer src="[^"]*scripts/fontawesome\.js[^"]*"></script>\n?'
)


def drop_fontawesome_js(app, exception):
    """No fontawesome.js: 1.5 MB on every page, which pydata-sphinx-theme 0.17
    loads for custom icons (pydata-sphinx-theme#2379, #2115). The site has
    none; its icons come from the Font Awesome web fonts in the theme's CSS."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    # Every page: an incremental build leaves pages it did not rewrite trimmed.
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        trimmed = FONTAWESOME_TAG.sub("", text)
        if "fontawesome.js" in trimmed:
            # The theme changed how it loads the script: say so, not ship it.
            raise RuntimeError(f"{page} still loads fontawesome.js: update fixes.py")
        if trimmed != text:
            page.write_text(trimmed, encoding="utf-8")
    for path in out.glob(f"{FONTAWESOME_JS}*"):
        path.unlink()


SOURCE_MAP_COMMENT = re.compile(r"\n?(//|/\*)# sourceMappingURL=[^\n]*?(\*/)?[ \t]*$")


def drop_source_maps(app, exception):
    """No source maps (3.5 MB that only a browser's developer tools ask for):
    pydata-sphinx-theme and sphinx-book-theme ship them with their scripts and
    styles, and Sphinx copies every static file. No upstream report found."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    for source_map in out.rglob("*.map"):
        source_map.unlink()
    for asset in [*out.rglob("_static/**/*.js"), *out.rglob("_static/**/*.css")]:
        text = asset.read_text(encoding="utf-8", errors="surrogateescape")
        if "sourceMappingURL=" in text:
            asset.write_text(
                SOURCE_MAP_COMMENT.sub("", text.rstrip("\n")) + "\n",
                encoding="utf-8",
                errors="surrogateescape",
            )


def open_graph_site_url(app, config):
    """Link previews point at the published site: sphinxext-opengraph reads its
    own `ogp_site_url`, not Sphinx's `html_baseurl` (which Jupyter Book sets
    from html.baseurl), and without either writes a relative og:url."""
    if not config.ogp_site_url and config.html_baseurl:
        config.ogp_site_url = config.html_baseurl


def setup(app):
    app.add_node(
        HideCodeCellNode,
        override=True,
        html=(visit_hidden_cell, depart_hidden_cell),
    )
    # After sphinx-book-theme has added its buttons (priority 501).
    app.connect("html-page-context", edit_on_development_branch, priority=900)
    app.connect("config-inited", open_graph_site_url)
    app.connect("build-finished", drop_fontawesome_js)
    app.connect("build-finished", drop_source_maps)
