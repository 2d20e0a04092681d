"""What a coverage heatmap shows, apart from how it is drawn: :class:`Heatmap`.

The chart modules (:mod:`planner.plot.college_kind` and the others) turn a plan's tables into
a :class:`Heatmap` with pandas; :func:`planner.plot.heatmap.draw_heatmap` draws one with
matplotlib. Neither side needs the other's library, so ``planner plan``'s helper process draws
the heatmaps without importing pandas (see :mod:`planner.report.render`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

DPI = 120
"""Resolution of the PNG files (their size in inches follows the notebook charts)."""

Label = tuple[str, str]
"""A text in both label sets: ``(with Chinese, codes and English only)``."""


@dataclass(frozen=True)
class Heatmap:
    """Counts per cell and every text of one coverage heatmap.

    ``covered`` and ``targets`` are aligned ``rows × cols`` arrays; the share drawn is
    ``covered / targets`` (a cell without targets is grey). Each text is a :data:`Label`, so
    the choice between Chinese names and codes is made when drawing (it depends on the fonts
    installed where the chart is drawn).
    """

    covered: np.ndarray
    targets: np.ndarray
    rows: list[Label]
    cols: list[Label]
    title: Label
    xlabel: Label
    ylabel: Label
    colorbar_label: Label
    neutral: tuple[int, ...] = ()
    """Columns whose coverage the scenario does not count (dorm rooms by default): drawn in a
    neutral colour with their counts, not on the red scale, since a low share there is no
    failure."""


NOT_COUNTED: Label = ("（不考核）", "(not counted)")
"""Added to the label of a column whose coverage is not counted."""


def not_counted(label: Label) -> Label:
    """``label`` marked as not counted: 宿舍（不考核）, dorm (not counted)."""
    return label[0] + NOT_COUNTED[0], f"{label[1]} {NOT_COUNTED[1]}"


def printable(text: str, fallback: str) -> Label:
    """``text`` in both label sets; without Chinese, ``fallback`` when it is not ASCII."""
    return text, text if text.isascii() else fallback


def grids(
    row_keys: Iterable[object],
    col_keys: Iterable[object],
    rows: list[str],
    cols: list[str],
    *values: Iterable[float],
) -> list[np.ndarray]:
    """For each of ``values``, its sums per (row key, column key) as a ``rows × cols`` array:
    0 where a cell has none; keys outside ``rows`` or ``cols`` are left out.

    What pandas pivot tables would give here, without their cost on a table of a few rows.
    """
    row_at = {row: i for i, row in enumerate(rows)}
    col_at = {col: j for j, col in enumerate(cols)}
    out = [np.zeros((len(rows), len(cols))) for _ in values]
    for row, col, *cell in zip(row_keys, col_keys, *values, strict=True):
        i, j = row_at.get(str(row)), col_at.get(str(col))
        if i is not None and j is not None:
            for array, value in zip(out, cell, strict=True):
                array[i, j] += float(value)
    return out


def is_light(rgb: tuple[float, ...]) -> bool:
    """Whether a colour (RGB, 0–1; any alpha is ignored) is light: cell text on it is black,
    on a dark one white (relative luminance), in the notebook charts and the PNG files alike."""
    red, green, blue = rgb[:3]
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.5
