"""Heatmap of dorm coverage by campus × entry year (``dorm_coverage_campus_grade.png``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from planner.plot.spec import Heatmap, grids, printable

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

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
    from planner.plot.heatmap import draw_heatmap  # matplotlib: only when drawing

    return draw_heatmap(dorm_campus_grade_heatmap(dorms_coverage), ax, labels=labels)


def dorm_campus_grade_heatmap(dorms_coverage: pd.DataFrame, *, counted: bool = True) -> Heatmap:
    """What :func:`plot_dorm_campus_grade` draws (no matplotlib needed); with ``counted``
    false (the scenario does not count dorm coverage, the default) every cell is neutral."""
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

    covered, targets = grids(
        frame["campus"], frame["grade"], campuses, grades, frame["covered"], frame["targets"]
    )
    return Heatmap(
        covered=covered,
        targets=targets,
        rows=[printable(c, f"campus {i + 1}") for i, c in enumerate(campuses)],
        cols=[("未知", "unknown") if g == UNKNOWN_GRADE else (g, g) for g in grades],
        title=(
            "宿舍覆盖率（按校区、年级）\nDorm coverage by campus × entry year",
            "Dorm coverage by campus × entry year",
        )
        if counted
        else (
            "宿舍联系情况（按校区、年级；不考核）\nDorm rooms holding a cadre (not counted)",
            "Dorm rooms holding a cadre by campus × entry year (not counted)",
        ),
        neutral=() if counted else tuple(range(len(grades))),
        xlabel=("年级 entry year", "entry year"),
        ylabel=("校区 campus", "campus"),
        colorbar_label=("覆盖率 coverage", "coverage"),
    )
