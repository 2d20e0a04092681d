"""Charts of a plan: one plotting function per module, each taking ``ax=None``.

Each function returns the :class:`~matplotlib.figure.Figure` it drew on; with ``ax=None`` it
makes a new figure without pyplot, so nothing global changes and nothing needs closing (in a
notebook the returned figure displays itself). :func:`write_heatmaps` writes the PNG files of
a plan folder.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from matplotlib.figure import Figure

from planner.plot.campus_kind import plot_campus_kind
from planner.plot.college_kind import plot_college_kind
from planner.plot.coverage import (
    campus_kind_coverage,
    dorm_campus_grade_coverage,
    target_coverage,
)
from planner.plot.dorm_campus_grade import plot_dorm_campus_grade
from planner.plot.fonts import cjk_font

if TYPE_CHECKING:
    from planner.plan import Plan

__all__ = [
    "DPI",
    "HEATMAP_FILES",
    "campus_kind_coverage",
    "cjk_font",
    "dorm_campus_grade_coverage",
    "plot_campus_kind",
    "plot_college_kind",
    "plot_dorm_campus_grade",
    "target_coverage",
    "write_heatmaps",
]

DPI = 120
"""Resolution of the PNG files."""

HEATMAP_FILES: tuple[str, ...] = (
    "coverage_college_kind.png",
    "coverage_campus_kind.png",
    "dorm_coverage_campus_grade.png",
)
"""The heatmaps of a plan folder; the last two need the targets frame."""


def write_heatmaps(
    plan: Plan, dataset_targets: pd.DataFrame | None, out_dir: Path, *, labels: str = "auto"
) -> list[Path]:
    """Write the plan's coverage heatmaps into ``out_dir``; return the files written.

    ``dataset_targets`` is ``Dataset.targets()``; when it is ``None`` only the college × kind
    heatmap (drawn from ``plan.coverage``) is written. The campus × kind chart and the dorm
    chart show targets holding at least one cadre and not listed as uncovered.
    """
    out_dir = Path(out_dir)
    written = [_save(plot_college_kind(plan.coverage, labels=labels), out_dir / HEATMAP_FILES[0])]
    if dataset_targets is None:
        return written
    campus = campus_kind_coverage(plan.assignments, dataset_targets, plan.uncovered)
    written.append(_save(plot_campus_kind(campus, labels=labels), out_dir / HEATMAP_FILES[1]))
    dorms = dorm_campus_grade_coverage(plan.assignments, dataset_targets)
    if len(dorms):
        figure = plot_dorm_campus_grade(dorms, labels=labels)
        written.append(_save(figure, out_dir / HEATMAP_FILES[2]))
    return written


def _save(figure: Figure, path: Path) -> Path:
    # Figure.savefig on a pyplot-free figure renders with Agg for PNG.
    figure.savefig(path, dpi=DPI, facecolor="white", metadata={"Software": None})
    figure.clear()
    return path
