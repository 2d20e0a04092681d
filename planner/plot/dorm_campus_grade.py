"""Heatmap of dorm coverage by campus × entry year (``dorm_coverage_campus_grade.png``)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from planner.plot._heatmap import draw_share_heatmap, new_axes, printable
from planner.plot.fonts import font_family, resolve_labels

UNKNOWN_GRADE = "?"
"""Column of dorms whose residents' entry year is not known."""


def plot_dorm_campus_grade(
    dorms_coverage: pd.DataFrame, ax: Axes | None = None, *, labels: str = "auto"
) -> Figure:
    """Plot the share of dorm rooms holding a cadre per campus (rows) and entry year (columns).

    ``dorms_coverage`` has ``campus, grade, targets, covered`` (see
    :func:`planner.plot.coverage.dorm_campus_grade_coverage`); rooms of unknown entry year
    form a ``?`` column. ``labels`` as in
    :func:`~planner.plot.college_kind.plot_college_kind`. Returns the figure.
    """
    use_cjk = resolve_labels(labels)
    grade = dorms_coverage["grade"].astype("Int64")
    frame = pd.DataFrame(
        {
            "campus": dorms_coverage["campus"].astype(str).to_numpy(),
            "grade": [UNKNOWN_GRADE if pd.isna(g) else str(int(g)) for g in grade],
            "targets": dorms_coverage["targets"].to_numpy(),
            "covered": dorms_coverage["covered"].to_numpy(),
        }
    )
    campuses = sorted(frame["campus"].unique())
    grades = sorted(frame["grade"].unique(), key=lambda g: (g == UNKNOWN_GRADE, g))

    def pivot(column: str) -> pd.DataFrame:
        table = frame.pivot_table(
            index="campus", columns="grade", values=column, aggfunc="sum", fill_value=0
        )
        return table.reindex(index=campuses, columns=grades, fill_value=0)

    row_labels = [printable(c, use_cjk, f"campus {i + 1}") for i, c in enumerate(campuses)]
    col_labels = [("未知" if use_cjk else "unknown") if g == UNKNOWN_GRADE else g for g in grades]
    if ax is None:
        ax = new_axes(len(campuses), len(grades), max((len(s) for s in row_labels), default=4) * 2)
    return draw_share_heatmap(
        ax,
        pivot("covered"),
        pivot("targets"),
        row_labels=row_labels,
        col_labels=col_labels,
        title=(
            "宿舍覆盖率（按校区、年级）\nDorm coverage by campus × entry year"
            if use_cjk
            else "Dorm coverage by campus × entry year"
        ),
        xlabel="年级 entry year" if use_cjk else "entry year",
        ylabel="校区 campus" if use_cjk else "campus",
        colorbar_label="覆盖率 coverage" if use_cjk else "coverage",
        family=font_family(use_cjk),
    )
