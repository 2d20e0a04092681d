"""The plan files made from a solved plan rather than written from its tables: the workbook
(:mod:`planner.report.workbook`) and the heatmaps (charts of :mod:`planner.plot`).

The workbook takes openpyxl, most of a second to load and write for a small plan, so
``planner plan`` has a helper process make these files (see :mod:`planner.report.helper`):
forked once pandas is loaded, the helper reads the data set while the main process imports the
rest, then loads openpyxl, and makes the workbook while the main process checks the plan,
writes the CSV files and draws the heatmaps. This module is what the helper runs; it imports
nothing heavy itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from planner.i18n import current_language, use_language
from planner.io.plan_folder import HEATMAP_FILES, WORKBOOK
from planner.report.helper import Helper, HelperLost

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan import Plan
    from planner.plot.spec import Heatmap


class Rendering:
    """A plan's workbook and heatmaps as file contents, made by ``helper`` if given.

    Made as soon as the plan exists, so that the helper makes the workbook (the larger job)
    while the main process checks the plan, writes the CSV files and draws the heatmaps.
    :meth:`files` waits for it; without a helper, or if it was lost, it is made here.
    """

    def __init__(
        self, plan: Plan, targets: pd.DataFrame | None, helper: Helper | None = None
    ) -> None:
        self._plan = plan
        self._targets = targets
        self._helper = helper
        # The workbook speaks the language of this context, wherever it is made.
        self._language = current_language()
        self._in_helper = helper is not None and helper.submit(
            render_workbook, plan, self._language
        )

    def files(self) -> dict[str, bytes]:
        """``{file name: bytes}``: the workbook, then the heatmaps (in their file order)."""
        if not (self._in_helper and self._helper is not None):
            return render_files(self._plan, self._targets)
        pictures = render_heatmaps(self._plan, self._targets)  # while the helper works
        book = None
        with contextlib.suppress(HelperLost):  # lost: made here below
            book = self._helper.result()
        if book is None:
            book = render_workbook(self._plan, self._language)
        return {WORKBOOK: book, **pictures}


def render_files(plan: Plan, targets: pd.DataFrame | None) -> dict[str, bytes]:
    """The workbook and the heatmaps of ``plan`` (see :class:`Rendering`), made here."""
    return {WORKBOOK: render_workbook(plan), **render_heatmaps(plan, targets)}


def render_workbook(plan: Plan, language: str | None = None) -> bytes:
    """The plan's workbook (:func:`planner.report.workbook.render_workbook`) in ``language``
    (default: the context's)."""
    from planner.report import workbook  # openpyxl: only when needed

    with use_language(language or current_language()):
        return workbook.render_workbook(plan)


def render_heatmaps(
    plan: Plan,
    targets: pd.DataFrame | None,
    *,
    labels: str = "auto",
    only: Collection[str] | None = None,
) -> dict[str, bytes]:
    """The heatmap files of the plan folder, ``{file name: PNG bytes}`` in file order.

    ``targets`` is ``Dataset.targets()``; when it is ``None`` only the college × kind heatmap
    (drawn from ``plan.coverage``) is made. ``only`` names the files wanted (of
    :data:`~planner.io.plan_folder.HEATMAP_FILES`); by default all of them.
    """
    return draw_pngs(heatmaps(plan, targets, only=only), labels=labels)


def heatmaps(
    plan: Plan, targets: pd.DataFrame | None, *, only: Collection[str] | None = None
) -> dict[str, Heatmap]:
    """The data of the heatmaps :func:`render_heatmaps` draws, by file name (pandas only).

    The campus × kind chart and the dorm chart count the targets in the plan's scope (a
    college's own, say) and show those holding at least one cadre and not listed as uncovered.
    """
    from planner.dataset import targets_in_scope
    from planner.plot.campus_kind import campus_kind_heatmap
    from planner.plot.college_kind import college_kind_heatmap
    from planner.plot.coverage import campus_kind_coverage, dorm_campus_grade_coverage
    from planner.plot.dorm_campus_grade import dorm_campus_grade_heatmap

    wanted = set(HEATMAP_FILES if only is None else only)
    uncounted = plan.kinds_not_counted()
    charts = {}
    if HEATMAP_FILES[0] in wanted:
        charts[HEATMAP_FILES[0]] = college_kind_heatmap(plan.coverage, uncounted)
    if targets is None:
        return charts
    targets = targets_in_scope(targets, plan.scope, plan.held)
    if HEATMAP_FILES[1] in wanted:
        campus = campus_kind_coverage(plan.assignments, targets, plan.uncovered)
        charts[HEATMAP_FILES[1]] = campus_kind_heatmap(campus, uncounted)
    if HEATMAP_FILES[2] in wanted:
        dorms = dorm_campus_grade_coverage(plan.assignments, targets)
        if len(dorms):
            charts[HEATMAP_FILES[2]] = dorm_campus_grade_heatmap(
                dorms, counted="dorm" not in uncounted
            )
    return charts


def draw_pngs(charts: Mapping[str, Heatmap], *, labels: str = "auto") -> dict[str, bytes]:
    """Each heatmap drawn as a PNG file's bytes, by file name (Pillow, no matplotlib)."""
    from planner.plot.png import render_png

    return {name: render_png(chart, labels=labels) for name, chart in charts.items()}


def warm_up() -> None:
    """Import openpyxl and the workbook writer: run by the helper once the data is read,
    while the main process solves."""
    from planner.report import workbook  # noqa: F401 - imported for the job to come
