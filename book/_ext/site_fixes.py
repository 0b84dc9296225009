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
"""

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


def setup(app):
    app.add_js_file(None, body=THEME_MODE_DEFAULT, priority=100)
    # Late, after the extensions that add page scripts have run.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    # After sphinx-book-theme has added its buttons (priority 501).
    app.connect("html-page-context", drop_launch_buttons, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
