"""Heatmap of coverage by campus × kind (``coverage_campus_kind.png``)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from planner.contract import KIND_LABELS_ZH, KINDS
from planner.plot._heatmap import draw_share_heatmap, new_axes, printable
from planner.plot.fonts import font_family, resolve_labels


def plot_campus_kind(
    coverage: pd.DataFrame, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Plot the share of targets covered per campus (rows) and kind (columns).

    ``coverage`` has ``campus, kind, targets, covered`` (see
    :func:`planner.plot.coverage.campus_kind_coverage`). ``labels`` as in
    :func:`~planner.plot.college_kind.plot_college_kind`; without a CJK font a Chinese
    campus name is shown as ``campus 1``, ``campus 2``, … Returns the figure.
    """
    use_cjk = resolve_labels(labels)
    frame = coverage.assign(
        campus=coverage["campus"].astype(str), kind=coverage["kind"].astype(str)
    )
    kinds = [k for k in KINDS if k.value in set(frame["kind"])] or list(KINDS)
    campuses = sorted(frame["campus"].unique())

    def pivot(column: str) -> pd.DataFrame:
        table = frame.pivot_table(
            index="campus", columns="kind", values=column, aggfunc="sum", fill_value=0
        )
        return table.reindex(index=campuses, columns=[k.value for k in kinds], fill_value=0)

    row_labels = [printable(c, use_cjk, f"campus {i + 1}") for i, c in enumerate(campuses)]
    col_labels = [f"{KIND_LABELS_ZH[k]}\n{k.value}" if use_cjk else k.value for k in kinds]
    if ax is None:
        ax = new_axes(len(campuses), len(kinds), max((len(s) for s in row_labels), default=4) * 2)
    return draw_share_heatmap(
        ax,
        pivot("covered"),
        pivot("targets"),
        row_labels=row_labels,
        col_labels=col_labels,
        title=(
            "各校区覆盖率\nCoverage by campus × kind" if use_cjk else "Coverage by campus × kind"
        ),
        xlabel="类型 kind" if use_cjk else "kind",
        ylabel="校区 campus" if use_cjk else "campus",
        colorbar_label="覆盖率 coverage" if use_cjk else "coverage",
        family=font_family(use_cjk),
    )
