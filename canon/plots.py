"""The book's figure style: one look for every chapter.

Use :func:`figure` to open a figure, label every axis, and close the figure after
showing it (``plt.show()`` then ``plt.close(fig)``, or :func:`show`), so that no figure
is drawn twice and nbval sees only the numbers each figure cell prints.
"""

import matplotlib

import matplotlib.pyplot as plt

from . import _checks

__all__ = ["COLORS", "figure", "show", "mark_level", "style"]

#: A colour-blind-safe cycle (Okabe & Ito).
COLORS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

_STYLE = {
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.fontsize": 10,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=COLORS),
    "lines.linewidth": 1.8,
    "image.cmap": "RdBu_r",
}


#: Width in inches of the book's text column at ``figure.dpi`` (about 770 pixels).
COLUMN_WIDTH = 7.0

_SCALED = ("font.size", "axes.titlesize", "axes.labelsize", "legend.fontsize",
           "xtick.labelsize", "ytick.labelsize", "lines.linewidth", "lines.markersize")


def style(scale=1.0):
    """Apply the book's matplotlib style (called by :func:`figure`).

    Parameters
    ----------
    scale : float
        Factor for font sizes and line widths: a figure wider than the text column
        is shrunk to fit it, so :func:`figure` enlarges its text by the same factor
        and every figure reads at the same size on the page.
    """
    scale = _checks.real("scale", scale, minimum=0, strict_minimum=True)
    plt.rcParams.update(_STYLE)
    plt.rcParams.update({"xtick.labelsize": 10, "ytick.labelsize": 10, "lines.markersize": 6})
    for key in _SCALED:
        plt.rcParams[key] = plt.rcParams[key] * scale


def figure(ncols=1, nrows=1, width=None, height=3.4, **kwargs):
    """Open a figure in the book's style.

    Parameters
    ----------
    ncols, nrows : int
        Grid of axes.
    width : float, optional
        Width in inches (default 4.6 per column, at most 11). Wider than the text
        column (``COLUMN_WIDTH``), the page shrinks the figure: its text and lines
        are enlarged to match, so they read at the book's size.
    height : float
        Height in inches per row.
    **kwargs
        Passed to ``matplotlib.pyplot.subplots``.

    Returns
    -------
    fig, axes
        As ``plt.subplots`` returns them.
    """
    ncols = _checks.integer("ncols", ncols, minimum=1)
    nrows = _checks.integer("nrows", nrows, minimum=1)
    height = _checks.real("height", height, minimum=0, strict_minimum=True)
    if width is None:
        width = min(11.0, 4.6 * ncols)
    width = _checks.real("width", width, minimum=0, strict_minimum=True)
    style(scale=max(1.0, width / COLUMN_WIDTH))
    kwargs.setdefault("layout", "constrained")
    return plt.subplots(nrows, ncols, figsize=(width, height * nrows), **kwargs)


def show(fig):
    """Show a figure once and close it (a closed figure is not drawn twice)."""
    plt.show()
    plt.close(fig)


def mark_level(ax, value, label=None, axis="y", color="0.35"):
    """Draw a dashed line for a tolerance or a bound at ``value``."""
    value = _checks.real("value", value)
    _checks.choice("axis", axis, ("x", "y"))
    line = ax.axhline if axis == "y" else ax.axvline
    line(value, linestyle="--", color=color, linewidth=1.2, label=label)
    return ax


