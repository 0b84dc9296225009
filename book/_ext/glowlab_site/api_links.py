"""Inline code in the chapters that names a glowlab object (`data_init`,
`glowlab.GlowStep`, `ActNorm.from_data(batch)`) links to its entry on the API
page, through the Python domain's index of what the API page documents."""

import re

from docutils import nodes

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


def setup(app):
    app.connect("doctree-resolved", link_glowlab_names)
