"""The one heatmap every coverage chart draws: share of targets covered, cell by cell.

Colour runs from dark red (nothing covered) to pale yellow (everything covered), so gaps are
what catches the eye; the map is ordered by lightness and stays readable in grey and for
colour-blind readers. Each cell is annotated ``covered/targets``; a cell without targets is
grey and shows a dash.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence

import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import LayoutEngine
from matplotlib.text import Text
from matplotlib.ticker import PercentFormatter

from planner.plot.fonts import font_family, resolve_labels
from planner.plot.spec import Heatmap, is_light

CMAP = "YlOrRd_r"
"""Colour map of coverage share (0 = dark red, 1 = pale yellow)."""

EMPTY_COLOUR = "#d9d9d9"
"""Colour of a cell without targets."""

_OWN_AXES: weakref.WeakSet[Axes] = weakref.WeakSet()
"""Axes made by :func:`new_axes`: their figure gets a :class:`HeatmapLayout`."""

PAD = 0.05
"""Margin around the figure's content, inches."""

COLORBAR_WIDTH = 0.16
"""Width of the colour bar, inches."""

COLORBAR_GAP = 0.2
"""Space between the heatmap and its colour bar, inches."""


def new_axes(n_rows: int, n_cols: int, row_label_chars: int) -> Axes:
    """A fresh figure sized for a heatmap of ``n_rows`` × ``n_cols`` cells, and its axes.

    Uses :class:`~matplotlib.figure.Figure` directly (no pyplot), so no global backend or
    figure registry is touched and nothing needs closing. :func:`draw_share_heatmap` gives such
    a figure its own layout (:class:`HeatmapLayout`); on axes of your own the layout is yours.
    """
    width = 2.8 + 0.09 * row_label_chars + 1.15 * max(n_cols, 1)
    height = 1.9 + 0.32 * max(n_rows, 1)
    fig = Figure(figsize=(min(width, 16.0), min(height, 40.0)))
    FigureCanvasAgg(fig)  # drawn by Agg: the text sizes measured for the layout are kept
    ax = fig.add_axes((0.1, 0.1, 0.7, 0.8))
    _OWN_AXES.add(ax)
    return ax


def root_figure(ax: Axes) -> Figure:
    """The top-level figure holding ``ax`` (also when ``ax`` sits in a subfigure)."""
    fig: Figure | SubFigure | None = ax.figure
    while isinstance(fig, SubFigure):
        fig = fig.figure
    if not isinstance(fig, Figure):
        raise ValueError("the axes belong to no figure")
    return fig


def draw_heatmap(heatmap: Heatmap, ax: Axes | None = None, *, labels: str = "auto") -> Figure:
    """Draw ``heatmap`` on ``ax`` (default: a new figure sized for it); return the figure.

    ``labels`` is ``auto`` (Chinese names when a CJK font is installed, else codes),
    ``names`` or ``codes`` (codes and English only: the same picture on every machine).
    """
    use_cjk = resolve_labels(labels)
    pick = 0 if use_cjk else 1
    row_labels = [label[pick] for label in heatmap.rows]
    if ax is None:
        widest = max((len(s) for s in row_labels), default=4)
        ax = new_axes(len(heatmap.rows), len(heatmap.cols), widest * 2)
    return draw_share_heatmap(
        ax,
        heatmap.covered,
        heatmap.targets,
        row_labels=row_labels,
        col_labels=[label[pick] for label in heatmap.cols],
        title=heatmap.title[pick],
        xlabel=heatmap.xlabel[pick],
        ylabel=heatmap.ylabel[pick],
        colorbar_label=heatmap.colorbar_label[pick],
        family=font_family(use_cjk),
        neutral=heatmap.neutral,
    )


def draw_share_heatmap(
    ax: Axes,
    covered: np.ndarray,
    targets: np.ndarray,
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    title: str,
    xlabel: str,
    ylabel: str,
    colorbar_label: str,
    family: list[str],
    neutral: Sequence[int] = (),
) -> Figure:
    """Draw coverage share ``covered / targets`` (two aligned arrays) on ``ax``.

    Returns the figure holding ``ax``. ``family`` is the font family list for every text.
    """
    n_targets = np.asarray(targets, dtype=float)
    n_covered = np.asarray(covered, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(n_targets > 0, n_covered / n_targets, np.nan)
    counted = share.copy()
    for j in neutral:  # coverage not counted: no colour on the red scale, the counts stay
        counted[:, j] = np.nan

    cmap = mpl.colormaps[CMAP].with_extremes(bad=EMPTY_COLOUR)
    image = ax.imshow(np.ma.masked_invalid(counted), cmap=cmap, vmin=0.0, vmax=1.0, aspect="auto")

    n_rows, n_cols = share.shape
    font_size = 9 if n_rows <= 40 else 7
    for i in range(n_rows):
        for j in range(n_cols):
            if n_targets[i, j] > 0:
                text = f"{int(n_covered[i, j])}/{int(n_targets[i, j])}"
                colour = "black" if j in neutral or is_light(cmap(share[i, j])) else "white"
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
    # White lines between the cells: one collection each way (a grid on minor ticks would
    # make two tick objects per line, which is most of a small chart's drawing time).
    ax.vlines(np.arange(0.5, n_cols - 1, 1), -0.5, n_rows - 0.5, colors="white", linewidth=1.5)
    ax.hlines(np.arange(0.5, n_rows - 1, 1), -0.5, n_cols - 0.5, colors="white", linewidth=1.5)
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(xlabel, fontfamily=family)
    ax.set_ylabel(ylabel, fontfamily=family)
    ax.set_title(title, fontfamily=family)

    fig = root_figure(ax)
    own = ax in _OWN_AXES
    if own:
        colorbar = fig.colorbar(image, cax=fig.add_axes((0.85, 0.1, 0.03, 0.8)))
    else:
        colorbar = fig.colorbar(image, ax=ax, aspect=max(10, min(40, 6 * n_rows)))
    colorbar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    colorbar.set_label(colorbar_label, fontfamily=family)
    colorbar.outline.set_visible(False)
    if own:
        fig.set_layout_engine(HeatmapLayout(ax, colorbar.ax))
    return fig


class HeatmapLayout(LayoutEngine):
    """Places a heatmap and its colour bar so that every label around them fits.

    A layout engine, so that it runs when the figure is drawn, with the renderer that draws
    it (text sizes measured here are not measured again). Constrained layout measures every
    artist of the figure several times over; this measures only the texts around the two
    axes, once, which makes a small chart about a third faster to draw.
    """

    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, ax: Axes, cax: Axes) -> None:
        super().__init__()
        self._ax = ax
        self._cax = cax

    def execute(self, fig: Figure | SubFigure) -> None:
        """Set the positions of the heatmap and colour bar axes from their labels' sizes."""
        ax, cax = self._ax, self._cax
        root = root_figure(ax)
        # The canvas's own renderer (the one that draws), as constrained layout does it.
        renderer = root._get_renderer()  # type: ignore[attr-defined]
        inch = root.dpi

        def widest(texts: Iterable[Text]) -> float:
            sizes = [t.get_window_extent(renderer).width for t in texts if t.get_text()]
            return max(sizes, default=0.0) / inch

        def tallest(texts: Iterable[Text]) -> float:
            sizes = [t.get_window_extent(renderer).height for t in texts if t.get_text()]
            return max(sizes, default=0.0) / inch

        tick_pad = (ax.xaxis.get_tick_padding() + 3.5) / 72  # points to inches
        label_pad = (ax.xaxis.labelpad + 2) / 72
        left = PAD + widest([ax.yaxis.label]) + label_pad + widest(ax.get_yticklabels())
        left += tick_pad
        bottom = PAD + tallest([ax.xaxis.label]) + label_pad + tallest(ax.get_xticklabels())
        bottom += tick_pad
        top = PAD + tallest([ax.title]) + 6 / 72
        right = PAD + widest([cax.yaxis.label]) + label_pad + widest(cax.get_yticklabels())
        right += tick_pad + COLORBAR_WIDTH + COLORBAR_GAP
        width, height = root.get_size_inches()
        ax_width = max(width - left - right, 0.5)
        ax_height = max(height - bottom - top, 0.5)
        ax.set_position((left / width, bottom / height, ax_width / width, ax_height / height))
        cax.set_position(
            (
                (left + ax_width + COLORBAR_GAP) / width,
                bottom / height,
                COLORBAR_WIDTH / width,
                ax_height / height,
            )
        )
