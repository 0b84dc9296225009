"""The one plotting style of the book: colours, figure sizes, and ``style_ax``.

Every notebook draws with these, so the chapters look alike. It ships as a
top-level module of the glowlab distribution, so ``import _style`` works in the
book build, in Colab and in a local Jupyter started in ``notebooks/``.
"""

import matplotlib as mpl

# One colour per role, kept across chapters: the LU layer is always BLUE.
BLUE = "#1f5f9f"  # the LU-parameterised layer, the model
ORANGE = "#d9731a"  # the dense layer, the baseline
GREEN = "#3a8f4b"  # data
GREY = "#7f7f7f"  # reference lines, bounds
RED = "#b8322c"  # failures

# Diverging map for matrices: zero is white, sign is colour.
MATRIX_CMAP = "RdBu_r"

FIGSIZE = (6.4, 3.6)
WIDE = (9.6, 3.4)

RC = {
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "lines.linewidth": 1.8,
    "lines.markersize": 5,
    # Deterministic PNGs: no timestamps, and no SVG (which is dated).
    "svg.hashsalt": "glowlab",
}

MARKER = {"marker": "o", "markersize": 4}
REFERENCE = {"color": GREY, "linestyle": "--", "linewidth": 1.0}


def use():
    """Apply the book's matplotlib settings (importing this module changes none)."""
    mpl.rcParams.update(RC)


def style_ax(ax, title=None, xlabel=None, ylabel=None, legend=False):
    """Label an axis the book's way and return it."""
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if legend:
        ax.legend()
    return ax


def matshow(ax, matrix, title=None, limit=None):
    """Draw a matrix with a symmetric diverging colour scale; return the image."""
    limit = limit if limit is not None else float(abs(matrix).max()) or 1.0
    image = ax.imshow(matrix, cmap=MATRIX_CMAP, vmin=-limit, vmax=limit)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title)
    return image
