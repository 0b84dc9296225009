"""Each exercise's solution is one disclosure, "Show solution", holding the
solution's code, its output and the explanation.

The notebooks write a solution in two parts (WORKTREE.md, "The exercise
convention"): a code cell hidden by myst-nb (tag hide-input or hide-cell,
labelled "Show solution"), then a Markdown dropdown "About the solution" that
sphinx-togglebutton would show as a second, differently styled disclosure. At
build time the explanation moves into the code cell's disclosure (with the
output, where the cell hid only its input). A pen-and-paper exercise has only
the dropdown: it becomes a disclosure of the same kind, so every solution on
the site opens the same way.
"""

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx.transforms.post_transforms import SphinxPostTransform

SHOW, HIDE = "Show solution", "Hide solution"
ABOUT = "About the solution"


def is_explanation(node) -> bool:
    """A dropdown admonition titled "About the solution"."""
    return (
        isinstance(node, nodes.admonition)
        and "dropdown" in node["classes"]
        and isinstance(node.next_node(nodes.title), nodes.title)
        and node.next_node(nodes.title).astext() == ABOUT
    )


def is_solution_cell(node) -> bool:
    """A code cell that myst-nb hid behind "Show solution"."""
    return (
        isinstance(node, nodes.container)
        and node.get("nb_element") == "cell_code"
        and node.get("prompt_show") == SHOW
        and len(node.children) > 0
        and isinstance(node[0], HideCodeCellNode)
    )


class MergeSolutions(SphinxPostTransform):
    # After myst-nb has wrapped hidden cells in their disclosures
    # (myst_nb.sphinx_.HideInputCells, priority 199).
    default_priority = 250
    formats = ("html",)

    def run(self, **kwargs):
        for explanation in list(self.document.findall(is_explanation)):
            parent = explanation.parent
            index = parent.index(explanation)
            previous = parent[index - 1] if index > 0 else None
            if is_solution_cell(previous):
                cell, disclosure = previous, previous[0]
                # hide-input left the output outside the disclosure.
                for part in cell.children[1:]:
                    cell.remove(part)
                    disclosure += part
            else:
                cell = nodes.container(classes=["cell"])
                disclosure = HideCodeCellNode(prompt_show=SHOW, prompt_hide=HIDE)
                disclosure["classes"].append("above-input")
                cell += disclosure
                parent.insert(index, cell)
            cell["classes"].append("solution")
            body = nodes.container(classes=["solution-explanation"])
            for part in explanation.children[1:]:
                explanation.remove(part)
                body += part
            disclosure += body
            parent.remove(explanation)


def setup(app):
    app.add_post_transform(MergeSolutions)
