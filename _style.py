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

# Sized for a phone: a figure at most 6 inches wide (600 px at 100 dpi) is
# drawn at 0.57x or more in a 342 px column, so 10-pt text stays 8 px or more.
# Figures with more panels stack them in rows instead of growing wider.
FIGSIZE = (6.0, 3.6)
STACKED = (6.0, 5.6)  # two rows of panels

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
    """Apply the book's matplotlib settings (importing this module changes none),
    and in Jupyter draw figures as retina PNGs: twice the pixels, shown at the
    same size, so they stay sharp on high-resolution screens."""
    mpl.rcParams.update(RC)
    try:
        from IPython import get_ipython
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # no Jupyter here, so nothing draws inline
        return
    if get_ipython() is not None:
        set_matplotlib_formats("retina")


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
