"""Tests of canon.plots: the book's figure style."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from canon import plots  # noqa: E402


@pytest.mark.parametrize("ncols, width", [(1, None), (2, 6.5), (1, plots.COLUMN_WIDTH)])
def test_figures_that_fit_the_column_keep_the_book_sizes(ncols, width):
    fig, _ = plots.figure(ncols=ncols, width=width)
    try:
        assert plt.rcParams["font.size"] == 11
        assert plt.rcParams["legend.fontsize"] == 10
        assert plt.rcParams["lines.linewidth"] == 1.8
    finally:
        plots.show(fig)


@pytest.mark.parametrize("ncols, width", [(3, None), (2, 10.5), (1, 14.0)])
def test_wide_figures_enlarge_text_by_what_the_page_shrinks(ncols, width):
    fig, _ = plots.figure(ncols=ncols, width=width)
    try:
        shrink = plots.COLUMN_WIDTH / fig.get_figwidth()
        assert shrink < 1
        # what reaches the reader: the size on the figure times the page's shrink
        assert plt.rcParams["font.size"] * shrink == pytest.approx(11)
        assert plt.rcParams["xtick.labelsize"] * shrink == pytest.approx(10)
    finally:
        plots.show(fig)


def test_a_narrow_figure_after_a_wide_one_is_not_left_enlarged():
    plots.show(plots.figure(ncols=3)[0])
    fig, _ = plots.figure()
    assert plt.rcParams["font.size"] == 11
    plots.show(fig)


def test_style_rejects_a_scale_that_is_not_positive():
    with pytest.raises(ValueError, match=r"^scale: expected a number > 0, got 0"):
        plots.style(scale=0)
