"""Heatmap of coverage by college × kind (``coverage_college_kind.png``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import pandas as pd

from planner.contract import KIND_LABELS_ZH, KINDS, Kind
from planner.plot.spec import Heatmap, Label, grids, not_counted

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

UNIVERSITY_CODE = "(university)"
"""Row label of targets without a college (university-level societies) in code mode."""


def plot_college_kind(
    coverage: pd.DataFrame, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Plot the share of targets covered per college (rows) and kind (columns).

    ``coverage`` is ``Plan.coverage``: ``college, college_name, campus, kind, targets,
    covered``. Each cell shows ``covered/targets``. ``labels`` is ``auto`` (Chinese college
    names when a CJK font is installed, else codes), ``names`` or ``codes`` (codes and
    English only: the same picture on every machine). Returns the figure.
    """
    from planner.plot.heatmap import draw_heatmap  # matplotlib: only when drawing

    return draw_heatmap(college_kind_heatmap(coverage), ax, labels=labels)


def college_kind_heatmap(coverage: pd.DataFrame, uncounted: Collection[str] = ()) -> Heatmap:
    """What :func:`plot_college_kind` draws (no matplotlib needed); the kinds ``uncounted``
    (whose coverage the scenario does not count) are drawn neutral."""
    frame = coverage.copy()
    frame["college"] = frame["college"].astype(object).where(frame["college"].notna(), None)
    frame["_row"] = frame["college"].fillna(UNIVERSITY_CODE).astype(str)
    kinds = [k for k in KINDS if k.value in set(frame["kind"].astype(str))] or list(KINDS)
    rows = sorted(frame["_row"].unique(), key=lambda c: (c == UNIVERSITY_CODE, c))
    names = (
        frame.assign(college_name=frame["college_name"].fillna("").astype(str))
        .drop_duplicates("_row")
        .set_index("_row")["college_name"]
    )
    covered, targets = grids(
        frame["_row"],
        frame["kind"].astype(str),
        rows,
        [k.value for k in kinds],
        frame["covered"],
        frame["targets"],
    )
    return Heatmap(
        covered=covered,
        targets=targets,
        rows=[_row_label(row, str(names.get(row, ""))) for row in rows],
        cols=[_kind_label(k, uncounted) for k in kinds],
        title=("各学院覆盖率\nCoverage by college × kind", "Coverage by college × kind"),
        xlabel=("类型 kind", "kind"),
        ylabel=("学院 college", "college"),
        colorbar_label=("覆盖率 coverage", "coverage"),
        neutral=tuple(j for j, k in enumerate(kinds) if k.value in uncounted),
    )


def _kind_label(kind: Kind, uncounted: Collection[str]) -> Label:
    label = (f"{KIND_LABELS_ZH[kind]}\n{kind.value}", kind.value)
    return not_counted(label) if kind.value in uncounted else label


def _row_label(code: str, name: str) -> Label:
    if code == UNIVERSITY_CODE:
        return "校级 university", UNIVERSITY_CODE
    return (f"{code} {name}" if name else code), code
