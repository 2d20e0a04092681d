"""Heatmap of coverage by campus × kind (``coverage_campus_kind.png``)."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import pandas as pd

from planner.contract import KIND_LABELS_ZH, KINDS
from planner.plot.spec import Heatmap, grids, not_counted, printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def plot_campus_kind(
    coverage: pd.DataFrame, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Plot the share of targets covered per campus (rows) and kind (columns).

    ``coverage`` has ``campus, kind, targets, covered`` (see
    :func:`planner.plot.coverage.campus_kind_coverage`). ``labels`` as in
    :func:`~planner.plot.college_kind.plot_college_kind`; without a CJK font a Chinese
    campus name is shown as ``campus 1``, ``campus 2``, … Returns the figure.
    """
    from planner.plot.heatmap import draw_heatmap  # matplotlib: only when drawing

    return draw_heatmap(campus_kind_heatmap(coverage), ax, labels=labels)


def campus_kind_heatmap(coverage: pd.DataFrame, uncounted: Collection[str] = ()) -> Heatmap:
    """What :func:`plot_campus_kind` draws (no matplotlib needed); the kinds ``uncounted``
    are drawn neutral."""
    frame = coverage.assign(
        campus=coverage["campus"].astype(str), kind=coverage["kind"].astype(str)
    )
    kinds = [k for k in KINDS if k.value in set(frame["kind"])] or list(KINDS)
    campuses = sorted(frame["campus"].unique())

    covered, targets = grids(
        frame["campus"],
        frame["kind"],
        campuses,
        [k.value for k in kinds],
        frame["covered"],
        frame["targets"],
    )
    return Heatmap(
        covered=covered,
        targets=targets,
        rows=[printable(c, f"campus {i + 1}") for i, c in enumerate(campuses)],
        cols=[
            not_counted(label) if k.value in uncounted else label
            for k, label in ((k, (f"{KIND_LABELS_ZH[k]}\n{k.value}", k.value)) for k in kinds)
        ],
        neutral=tuple(j for j, k in enumerate(kinds) if k.value in uncounted),
        title=("各校区覆盖率\nCoverage by campus × kind", "Coverage by campus × kind"),
        xlabel=("类型 kind", "kind"),
        ylabel=("校区 campus", "campus"),
        colorbar_label=("覆盖率 coverage", "coverage"),
    )
