"""The plan files made from a solved plan rather than written from its tables: the workbook
(:mod:`planner.report_xlsx`) and the heatmaps (:mod:`planner.plot`).

They take most of the time of a small plan, so ``planner plan`` has a helper process make them
(see :mod:`planner.helper`): this module is what the helper runs, and it imports nothing heavy
itself, so that the helper can be forked before pandas, openpyxl and matplotlib are loaded and
load them on the other core.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from planner.helper import Helper, HelperLost, run_forked

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan import Plan

WORKBOOK = "assignments.xlsx"
"""File name of the workbook in a plan folder."""


class Rendering:
    """A plan's workbook and heatmaps as file contents, made by a helper process if given.

    Made as soon as the plan exists, so that the helper (see :mod:`planner.helper`) works while
    the main process checks the plan and writes the CSV files: the helper writes the workbook
    and forks one child per heatmap. :meth:`files` waits for it; without a helper, or if the
    helper was lost, the files are made here when asked for.
    """

    def __init__(
        self, plan: Plan, targets: pd.DataFrame | None, helper: Helper | None = None
    ) -> None:
        self._plan = plan
        self._targets = targets
        self._helper = helper
        self._in_helper = helper is not None and helper.submit(render_files_forked, plan, targets)

    def files(self) -> dict[str, bytes]:
        """``{file name: bytes}``: the workbook, then the heatmaps (in their file order)."""
        if self._in_helper and self._helper is not None:
            try:
                files: dict[str, bytes] = self._helper.result()
                return files
            except HelperLost:
                pass
        return render_files(self._plan, self._targets)


def render_files(plan: Plan, targets: pd.DataFrame | None) -> dict[str, bytes]:
    """The workbook and the heatmaps of ``plan`` (see :class:`Rendering`), made here."""
    from planner import plot, report_xlsx  # openpyxl and matplotlib: only when needed

    return {WORKBOOK: report_xlsx.render_workbook(plan), **plot.render_heatmaps(plan, targets)}


def render_files_forked(plan: Plan, targets: pd.DataFrame | None) -> dict[str, bytes]:
    """:func:`render_files`, each heatmap drawn in a forked child at the same time."""
    from planner import plot, report_xlsx

    names = plot.HEATMAP_FILES
    parts = run_forked(
        [
            functools.partial(report_xlsx.render_workbook, plan),
            *(functools.partial(plot.render_heatmaps, plan, targets, only=[n]) for n in names),
        ]
    )
    images: dict[str, bytes] = {}
    for part in parts[1:]:
        images.update(part)
    return {WORKBOOK: parts[0], **{name: images[name] for name in names if name in images}}


def warm_up() -> None:
    """Import what the job needs and warm matplotlib's fonts: run by the helper process.

    Matplotlib first: the helper is forked before the main process imports pandas, and
    matplotlib is what the job waits for longest.
    """
    import matplotlib.figure  # noqa: F401 - imported for the job to come
    import openpyxl  # noqa: F401

    from planner import plot, report_xlsx, write  # noqa: F401

    plot.warm_up()
