"""Figures load as a reader nears them (loading="lazy"), so a chapter's first
screen does not wait for the dozen figures below it.

Docutils writes the attribute from an image's "loading" option, or from its
`image_loading` setting, which its HTML5 writer defines but Sphinx's HTML
writer (a subclass of the older html4css1 one) does not read from docutils.conf.
"""

from docutils import nodes


def load_figures_lazily(app, doctree, docname):
    for image in doctree.findall(nodes.image):
        image.setdefault("loading", "lazy")


def setup(app):
    app.connect("doctree-resolved", load_figures_lazily)
