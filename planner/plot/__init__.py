"""Charts of a plan: one plotting function per module, each taking ``ax=None``.

Each function returns the :class:`~matplotlib.figure.Figure` it drew on; with ``ax=None`` it
makes a new figure without pyplot, so nothing global changes and nothing needs closing (in a
notebook the returned figure displays itself). :func:`write_heatmaps` writes the PNG files of
a plan folder.

A chart is made in two steps: its data (:class:`~planner.plot.spec.Heatmap`, made with
pandas: :func:`heatmaps`) and its picture: a matplotlib figure for notebooks (the ``plot_*``
functions), or, for the PNG files of a plan folder, pixels drawn with Pillow
(:func:`draw_pngs`, :mod:`planner.plot.png`: the same chart, without the second it takes
to load matplotlib). Importing this package loads none of these libraries; each name below
is loaded when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan import Plan
    from planner.plot.campus_kind import plot_campus_kind
    from planner.plot.college_kind import plot_college_kind
    from planner.plot.coverage import (
        campus_kind_coverage,
        dorm_campus_grade_coverage,
        target_coverage,
    )
    from planner.plot.dorm_campus_grade import plot_dorm_campus_grade
    from planner.plot.fonts import cjk_font
    from planner.plot.spec import Heatmap

__all__ = [
    "DPI",
    "HEATMAP_FILES",
    "campus_kind_coverage",
    "cjk_font",
    "dorm_campus_grade_coverage",
    "draw_pngs",
    "heatmaps",
    "plot_campus_kind",
    "plot_college_kind",
    "plot_dorm_campus_grade",
    "render_heatmaps",
    "target_coverage",
    "write_heatmaps",
]

_LAZY = {
    "plot_campus_kind": "planner.plot.campus_kind",
    "plot_college_kind": "planner.plot.college_kind",
    "plot_dorm_campus_grade": "planner.plot.dorm_campus_grade",
    "campus_kind_coverage": "planner.plot.coverage",
    "dorm_campus_grade_coverage": "planner.plot.coverage",
    "target_coverage": "planner.plot.coverage",
    "cjk_font": "planner.plot.fonts",
}
"""Names of this package that live in a submodule, loaded when first asked for."""

DPI = 120
"""Resolution of the PNG files (their size in inches follows the notebook charts)."""

HEATMAP_FILES: tuple[str, ...] = (
    "coverage_college_kind.png",
    "coverage_campus_kind.png",
    "dorm_coverage_campus_grade.png",
)
"""The heatmaps of a plan folder; the last two need the targets frame."""


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # loaded once
    return value


def write_heatmaps(
    plan: Plan, dataset_targets: pd.DataFrame | None, out_dir: Path, *, labels: str = "auto"
) -> list[Path]:
    """Write the plan's coverage heatmaps into ``out_dir``; return the files written.

    ``dataset_targets`` is ``Dataset.targets()``; when it is ``None`` only the college × kind
    heatmap (drawn from ``plan.coverage``) is written. The campus × kind chart and the dorm
    chart count the targets in the plan's scope (a college's own, say) and show those holding
    at least one cadre and not listed as uncovered.
    """
    out_dir = Path(out_dir)
    written = []
    for name, data in render_heatmaps(plan, dataset_targets, labels=labels).items():
        (out_dir / name).write_bytes(data)
        written.append(out_dir / name)
    return written


def render_heatmaps(
    plan: Plan,
    dataset_targets: pd.DataFrame | None,
    *,
    labels: str = "auto",
    only: Collection[str] | None = None,
) -> dict[str, bytes]:
    """The PNG files :func:`write_heatmaps` writes, as ``{file name: bytes}`` in file order.

    ``only`` names the files wanted (of :data:`HEATMAP_FILES`); by default all of them.
    """
    return draw_pngs(heatmaps(plan, dataset_targets, only=only), labels=labels)


def heatmaps(
    plan: Plan, dataset_targets: pd.DataFrame | None, *, only: Collection[str] | None = None
) -> dict[str, Heatmap]:
    """The data of the heatmaps :func:`render_heatmaps` draws, by file name (pandas only)."""
    from planner.dataset import targets_in_scope
    from planner.plot.campus_kind import campus_kind_heatmap
    from planner.plot.college_kind import college_kind_heatmap
    from planner.plot.coverage import campus_kind_coverage, dorm_campus_grade_coverage
    from planner.plot.dorm_campus_grade import dorm_campus_grade_heatmap

    wanted = set(HEATMAP_FILES if only is None else only)
    charts = {}
    if HEATMAP_FILES[0] in wanted:
        charts[HEATMAP_FILES[0]] = college_kind_heatmap(plan.coverage)
    if dataset_targets is None:
        return charts
    dataset_targets = targets_in_scope(dataset_targets, plan.scope, plan.held)
    if HEATMAP_FILES[1] in wanted:
        campus = campus_kind_coverage(plan.assignments, dataset_targets, plan.uncovered)
        charts[HEATMAP_FILES[1]] = campus_kind_heatmap(campus)
    if HEATMAP_FILES[2] in wanted:
        dorms = dorm_campus_grade_coverage(plan.assignments, dataset_targets)
        if len(dorms):
            charts[HEATMAP_FILES[2]] = dorm_campus_grade_heatmap(dorms)
    return charts


def draw_pngs(charts: Mapping[str, Heatmap], *, labels: str = "auto") -> dict[str, bytes]:
    """Each heatmap drawn as a PNG file's bytes, by file name (Pillow, no matplotlib)."""
    from planner.plot.png import render_png

    return {name: render_png(chart, labels=labels) for name, chart in charts.items()}
