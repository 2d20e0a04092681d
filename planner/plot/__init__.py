"""Charts of a plan: one plotting function per module, each taking ``ax=None``.

Each function returns the :class:`~matplotlib.figure.Figure` it drew on; with ``ax=None`` it
makes a new figure without pyplot, so nothing global changes and nothing needs closing (in a
notebook the returned figure displays itself). :func:`write_heatmaps` writes the PNG files of
a plan folder.
"""

from __future__ import annotations

import io
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib import image as mpl_image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from planner.dataset import targets_in_scope
from planner.plot.campus_kind import plot_campus_kind
from planner.plot.college_kind import plot_college_kind
from planner.plot.coverage import (
    campus_kind_coverage,
    dorm_campus_grade_coverage,
    target_coverage,
)
from planner.plot.dorm_campus_grade import plot_dorm_campus_grade
from planner.plot.fonts import cjk_font, font_family, resolve_labels

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
    "render_heatmaps",
    "target_coverage",
    "warm_up",
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
    wanted = set(HEATMAP_FILES if only is None else only)
    images = {}
    if HEATMAP_FILES[0] in wanted:
        images[HEATMAP_FILES[0]] = _png(plot_college_kind(plan.coverage, labels=labels))
    if dataset_targets is None:
        return images
    dataset_targets = targets_in_scope(dataset_targets, plan.scope, plan.held)
    if HEATMAP_FILES[1] in wanted:
        campus = campus_kind_coverage(plan.assignments, dataset_targets, plan.uncovered)
        images[HEATMAP_FILES[1]] = _png(plot_campus_kind(campus, labels=labels))
    if HEATMAP_FILES[2] in wanted:
        dorms = dorm_campus_grade_coverage(plan.assignments, dataset_targets)
        if len(dorms):
            images[HEATMAP_FILES[2]] = _png(plot_dorm_campus_grade(dorms, labels=labels))
    return images


def warm_up() -> None:
    """Load matplotlib's fonts and draw one small chart in memory.

    The helper process (:mod:`planner.helper`) calls this while the main process solves, so
    that the real heatmaps then draw at full speed. Changes nothing that a chart depends on.
    """
    # resolve_labels warns here, once, when no CJK font exists (not once per heatmap child)
    font = cjk_font() if resolve_labels("auto") else None
    figure = Figure(figsize=(2.0, 1.0))
    ax = figure.add_subplot()
    ax.imshow([[0.0, 1.0]], cmap="YlOrRd_r")
    title = "覆盖率 coverage 12/15" if font else "coverage 12/15"
    ax.set_title(title, fontfamily=font_family(bool(font)))
    _png(figure)


def _png(figure: Figure) -> bytes:
    # One draw on an Agg canvas, then the PNG: Figure.savefig would draw the whole figure
    # twice when it has a layout engine (once only to lay it out). The engine runs within
    # this one draw, with the renderer that draws, so text sizes are measured once.
    canvas = figure.canvas
    if not isinstance(canvas, FigureCanvasAgg):
        canvas = FigureCanvasAgg(figure)
    figure.set_dpi(DPI)
    figure.set_facecolor("white")
    canvas.draw()
    buffer = io.BytesIO()
    no_software: dict[str, Any] = {"Software": None}  # None leaves the key out
    mpl_image.imsave(buffer, canvas.buffer_rgba(), format="png", dpi=DPI, metadata=no_software)
    return buffer.getvalue()
