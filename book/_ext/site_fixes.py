"""Fixes to the pages Jupyter Book 1 writes.

So that a browser logs no errors:

- sphinx-thebe's and sphinx-togglebutton's inline configuration scripts are
  registered twice (at two priorities), and the second copy of thebe's throws
  "Identifier 'THEBE_JS_URL' has already been declared": identical scripts are
  kept once.
- pydata-sphinx-theme's head script sets the theme mode to "" on a first visit
  (empty localStorage), which the theme then reports as an invalid mode: an
  empty mode is set to "auto", the theme's own default, before it is read.

So that every button works:
- notebook pages that cannot run in Colab get no launch buttons (NO_LAUNCH).
- "Suggest edit" opens the page on the development branch (EDIT_BRANCH): the
  repository buttons name the release tag, which GitHub cannot edit.

So that a page loads only what it uses (after the build, in the output):
- no source maps (3.5 MB that only a browser's developer tools ask for);
- no fontawesome.js (1.5 MB on every page), pydata-sphinx-theme's script for
  custom icons: the site has none, and its icons come from the Font Awesome
  web fonts in the theme's stylesheet.

So that nothing reads broken:
- punctuation after inline maths stays on the formula's line (a lone "." on
  a line of its own, where a formula ended a line): both go in one span that
  does not wrap (glowlab.css, .math-with-punctuation).

So that a chapter can be run at once:
- an "Open in Colab" badge under each notebook page's title, for the notebook
  at the release (not on NO_LAUNCH pages); the badge is served with the site.

So that a reader can look a name up:
- inline code in the chapters that names a glowlab object (`data_init`,
  `glowlab.GlowStep`, `ActNorm.from_data(batch)`) links to its entry on the
  API page, through the Python domain's index of what the API page documents.

So that the site reads as published:
- the footer links the licence at the release;
- every page has a description, and Open Graph tags for link previews.
"""

import html
import re
from pathlib import Path

from docutils import nodes

THEME_MODE_DEFAULT = (
    "if (!document.documentElement.dataset.mode) "
    '{ document.documentElement.dataset.mode = "auto"; }'
)

# Pages that are notebooks but only read results saved in the repository
# (benchmarks/results), which a Colab runtime does not have: a launch button
# there would open a notebook that fails in its first cell.
NO_LAUNCH = {"book/performance"}


def drop_launch_buttons(app, pagename, templatename, context, doctree):
    if pagename in NO_LAUNCH and "header_buttons" in context:
        context["header_buttons"] = [
            button
            for button in context["header_buttons"]
            if button.get("label") != "launch-buttons"
        ]


# Where edits go: the branch the next release is made from.
EDIT_BRANCH = "main"
# Link previews and search results show this where a page has no paragraph.
SITE_DESCRIPTION = (
    "Glow's invertible 1x1 convolution, LU-parameterised, ActNorm and the Glow "
    "step, built and verified in JAX, chapter by chapter."
)
DESCRIPTION_LENGTH = 160


def release(app) -> tuple[str, str]:
    options = app.config.html_theme_options
    return options["repository_url"].rstrip("/"), options["repository_branch"]


def licence_footer(app, config):
    url, tag = release(app)
    config.html_theme_options["extra_footer"] = (
        f'Released under the <a href="{url}/blob/{tag}/LICENSE">MIT licence</a>.'
    )


def edit_on_development_branch(app, pagename, templatename, context, doctree):
    _, tag = release(app)
    for group in context.get("header_buttons", []):
        for button in group.get("buttons", [group]):
            if button.get("label") == "source-edit-button":
                button["url"] = button["url"].replace(
                    f"/edit/{tag}/", f"/edit/{EDIT_BRANCH}/"
                )


def plain_text(paragraph) -> str:
    """A paragraph's text, its maths without TeX commands: \\mathbf{W} is W."""
    parts = []
    for node in paragraph.findall(lambda n: isinstance(n, (nodes.Text, nodes.math))):
        if isinstance(node, nodes.math):
            parts.append(re.sub(r"\\[a-zA-Z]+|[{}]", "", node.astext()))
        elif not isinstance(node.parent, nodes.math):
            parts.append(node.astext())
    return " ".join("".join(parts).split())


def in_citation(node) -> bool:
    while node is not None:
        if isinstance(node, nodes.citation):
            return True
        node = node.parent
    return False


def description(doctree) -> str:
    """The page's first paragraph, cut at a word to a search snippet's length."""
    paragraphs = doctree.findall(nodes.paragraph) if doctree else []
    # Not a bibliography entry: the references page has nothing else.
    paragraph = next((p for p in paragraphs if not in_citation(p)), None)
    text = plain_text(paragraph) if paragraph else ""
    if not text:
        return SITE_DESCRIPTION
    if len(text) > DESCRIPTION_LENGTH:
        text = text[: DESCRIPTION_LENGTH - 1].rsplit(" ", 1)[0] + "…"
    return text


def add_meta_tags(app, pagename, templatename, context, doctree):
    site = app.config.html_title or app.config.project
    title = re.sub(r"<[^>]+>", "", context.get("title", "")) or site
    # The home page says what the site is; every other page, what it teaches.
    text = SITE_DESCRIPTION if pagename == app.config.root_doc else description(doctree)
    tags = {
        "description": text,
        "og:title": html.unescape(title),
        "og:description": text,
        "og:type": "article" if doctree else "website",
        "og:site_name": site,
        "twitter:card": "summary",
    }
    context["metatags"] = context.get("metatags", "") + "".join(
        f'\n<meta {"property" if key.startswith("og:") else "name"}="{key}" '
        f'content="{html.escape(value, quote=True)}">'
        for key, value in tags.items()
    )


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        # The same file or inline body (filename None or ""), at any priority.
        key = (str(script.filename or ""), tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            kept.append(script)
    context["script_files"] = kept


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


COLAB_BADGE = "_static/colab-badge.svg"


def add_colab_badge(app, doctree, docname):
    source = Path(app.env.doc2path(docname))
    if source.suffix != ".ipynb" or docname in NO_LAUNCH:
        return
    url, tag = release(app)
    colab = app.config.html_theme_options["launch_buttons"]["colab_url"].rstrip("/")
    github = url.removeprefix("https://github.com/")
    href = f"{colab}/github/{github}/blob/{tag}/{docname}.ipynb"
    badge = "../" * docname.count("/") + COLAB_BADGE
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


GLOWLAB_NAME = re.compile(r"^(?:glowlab\.)?([A-Za-z_]\w*)(?:\.([A-Za-z_]\w*))?")


def link_glowlab_names(app, doctree, docname):
    if not docname.startswith("notebooks/"):
        return
    documented = app.env.get_domain("py").objects
    for literal in list(doctree.findall(nodes.literal)):
        if isinstance(literal.parent, nodes.reference):
            continue
        match = GLOWLAB_NAME.match(literal.astext())
        if match is None:
            continue
        name, member = match[1], match[2]
        # The member's own entry where it has one (ActNorm.from_data), else
        # the object's (jnp.ndarray methods and the like fall back to nothing).
        candidates = [f"glowlab.{name}.{member}"] if member else []
        candidates.append(f"glowlab.{name}")
        target = next((full for full in candidates if full in documented), None)
        if target is None:
            continue
        entry = documented[target]
        uri = app.builder.get_relative_uri(docname, entry.docname)
        link = nodes.reference("", "", refuri=f"{uri}#{entry.node_id}", internal=True)
        link["classes"].append("glowlab-api")
        literal.replace_self(link)
        link += literal


FONTAWESOME_JS = "_static/scripts/fontawesome.js"
FONTAWESOME_TAG = re.compile(
    r'[ \t]*<script defer src="[^"]*scripts/fontawesome\.js[^"]*"></script>\n?'
)
SOURCE_MAP_COMMENT = re.compile(r"\n?(//|/\*)# sourceMappingURL=[^\n]*?(\*/)?[ \t]*$")


def trim_output(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    # Every page: an incremental build leaves pages it did not rewrite trimmed.
    for page in out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        trimmed = FONTAWESOME_TAG.sub("", text)
        if "fontawesome.js" in trimmed:
            # The theme changed how it loads the script: say so, not ship it.
            raise RuntimeError(
                f"{page} still loads fontawesome.js: update site_fixes.py"
            )
        if trimmed != text:
            page.write_text(trimmed, encoding="utf-8")
    for path in out.glob(f"{FONTAWESOME_JS}*"):
        path.unlink()
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


def setup(app):
    app.add_js_file(None, body=THEME_MODE_DEFAULT, priority=100)
    # Late, after the extensions that add page scripts have run.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # After sphinx-book-theme has added its buttons (priority 501).
    app.connect("html-page-context", drop_launch_buttons, priority=900)
    app.connect("html-page-context", edit_on_development_branch, priority=900)
    app.connect("html-page-context", add_meta_tags)
    app.connect("config-inited", licence_footer)
    app.connect("build-finished", trim_output)
    app.connect("doctree-resolved", keep_punctuation_with_maths)
    app.connect("doctree-resolved", link_glowlab_names)
    app.connect("doctree-resolved", add_colab_badge)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
