"""The one heatmap every coverage chart draws: share of targets covered, cell by cell.

Colour runs from dark red (nothing covered) to pale yellow (everything covered), so gaps are
what catches the eye; the map is ordered by lightness and stays readable in grey and for
colour-blind readers. Each cell is annotated ``covered/targets``; a cell without targets is
grey and shows a dash.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure, SubFigure
from matplotlib.ticker import PercentFormatter

CMAP = "YlOrRd_r"
"""Colour map of coverage share (0 = dark red, 1 = pale yellow)."""

EMPTY_COLOUR = "#d9d9d9"
"""Colour of a cell without targets."""


def new_axes(n_rows: int, n_cols: int, row_label_chars: int) -> Axes:
    """A fresh figure sized for a heatmap of ``n_rows`` × ``n_cols`` cells, and its axes.

    Uses :class:`~matplotlib.figure.Figure` directly (no pyplot), so no global backend or
    figure registry is touched and nothing needs closing.
    """
    width = 2.8 + 0.09 * row_label_chars + 1.15 * max(n_cols, 1)
    height = 1.9 + 0.32 * max(n_rows, 1)
    fig = Figure(figsize=(min(width, 16.0), min(height, 40.0)), layout="constrained")
    return fig.add_subplot()


def root_figure(ax: Axes) -> Figure:
    """The top-level figure holding ``ax`` (also when ``ax`` sits in a subfigure)."""
    fig: Figure | SubFigure | None = ax.figure
    while isinstance(fig, SubFigure):
        fig = fig.figure
    if not isinstance(fig, Figure):
        raise ValueError("the axes belong to no figure")
    return fig


def draw_share_heatmap(
    ax: Axes,
    covered: pd.DataFrame,
    targets: pd.DataFrame,
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    title: str,
    xlabel: str,
    ylabel: str,
    colorbar_label: str,
    family: list[str],
) -> Figure:
    """Draw coverage share ``covered / targets`` (two aligned frames) on ``ax``.

    Returns the figure holding ``ax``. ``family`` is the font family list for every text.
    """
    n_targets = targets.to_numpy(dtype=float)
    n_covered = covered.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_targets > 0, n_covered / n_targets, np.nan)

    cmap = mpl.colormaps[CMAP].with_extremes(bad=EMPTY_COLOUR)
    image = ax.imshow(np.ma.masked_invalid(share), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")

    n_rows, n_cols = share.shape
    font_size = 9 if n_rows <= 40 else 7
    for i in range(n_rows):
        for j in range(n_cols):
            if n_targets[i, j] > 0:
                text = f"{int(n_covered[i, j])}/{int(n_targets[i, j])}"
                colour = _text_colour(cmap(share[i, j]))
            else:
                text, colour = "—", "#555555"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=font_size,
                color=colour,
                fontfamily="DejaVu Sans",  # digits only: one font is faster to lay out
            )

    ax.set_xticks(range(n_cols), labels=list(col_labels), fontfamily=family)
    ax.set_yticks(range(n_rows), labels=list(row_labels), fontfamily=family)
    ax.tick_params(length=0)
    ax.set_xticks(np.arange(-0.5, n_cols, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, n_rows, 1), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(xlabel, fontfamily=family)
    ax.set_ylabel(ylabel, fontfamily=family)
    ax.set_title(title, fontfamily=family)

    fig = root_figure(ax)
    colorbar = fig.colorbar(image, ax=ax, aspect=max(10, min(40, 6 * n_rows)))
    colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    colorbar.set_label(colorbar_label, fontfamily=family)
    colorbar.outline.set_visible(False)
    return fig


def _text_colour(rgba: tuple[float, float, float, float]) -> str:
    """Black on light cells, white on dark ones (relative luminance)."""
    red, green, blue = rgba[:3]
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "black" if luminance > 0.5 else "white"


def printable(text: str, use_cjk: bool, fallback: str) -> str:
    """``text`` when the chart can draw it, else ``fallback`` (non-ASCII without a CJK font)."""
    return text if use_cjk or text.isascii() else fallback
