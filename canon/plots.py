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


def style():
    """Apply the book's matplotlib style (called by :func:`figure`)."""
    plt.rcParams.update(_STYLE)


def figure(ncols=1, nrows=1, width=None, height=3.4, **kwargs):
    """Open a figure in the book's style.

    Parameters
    ----------
    ncols, nrows : int
        Grid of axes.
    width : float, optional
        Width in inches (default 4.6 per column, at most 11).
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
    style()
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


