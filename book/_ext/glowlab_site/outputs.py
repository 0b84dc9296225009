"""Printed tables keep their rows: an output whose lines are aligned with runs
of spaces (a check_bijection report, a per-seed table, an indented list) gets
the class "tabular", and glowlab.css lets it scroll inside its box rather than
wrap mid-row. Every other output is prose, and wraps between words."""

from docutils import nodes


def is_printed_output(node) -> bool:
    return (
        isinstance(node, nodes.literal_block)
        and "output" in node["classes"]
        and node.parent.get("nb_element") == "cell_code_output"
    )


def tabular(text: str) -> bool:
    """Aligned: columns padded with spaces, or indented lines."""
    return "  " in text


def mark_tabular_outputs(app, doctree, docname):
    for output in doctree.findall(is_printed_output):
        if tabular(output.astext()):
            output["classes"].append("tabular")


def setup(app):
    app.connect("doctree-resolved", mark_tabular_outputs)
