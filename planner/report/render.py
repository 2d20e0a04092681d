"""The plan files made from a solved plan rather than written from its tables: the workbook
(:mod:`planner.report.workbook`) and the heatmaps (:mod:`planner.plot`).

The workbook takes openpyxl, most of a second to load and write for a small plan, so
``planner plan`` has a helper process make these files (see :mod:`planner.report.helper`): forked
once pandas is loaded, the helper reads the data set while the main process imports the
rest, then loads openpyxl and Pillow's fonts, and makes the workbook and the heatmaps while
the main process checks the plan and writes the CSV files. This module is what the helper
runs; it imports nothing heavy itself.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from planner.report.helper import Helper, HelperLost

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan import Plan

WORKBOOK = "assignments.xlsx"
"""File name of the workbook in a plan folder."""


class Rendering:
    """A plan's workbook and heatmaps as file contents, made by ``helper`` if given.

    Made as soon as the plan exists, so that the helper makes the files while the main
    process checks the plan and writes the CSV files. :meth:`files` waits for them; without
    a helper, or if it was lost, they are made here when asked for.
    """

    def __init__(
        self, plan: Plan, targets: pd.DataFrame | None, helper: Helper | None = None
    ) -> None:
        self._plan = plan
        self._targets = targets
        self._helper = helper
        self._in_helper = helper is not None and helper.submit(render_files, plan, targets)

    def files(self) -> dict[str, bytes]:
        """``{file name: bytes}``: the workbook, then the heatmaps (in their file order)."""
        if self._in_helper and self._helper is not None:
            with contextlib.suppress(HelperLost):  # lost: made here below
                files: dict[str, bytes] = self._helper.result()
                return files
        return render_files(self._plan, self._targets)


def render_files(plan: Plan, targets: pd.DataFrame | None) -> dict[str, bytes]:
    """The workbook and the heatmaps of ``plan`` (see :class:`Rendering`), made here."""
    from planner import plot

    return {WORKBOOK: render_workbook(plan), **plot.render_heatmaps(plan, targets)}


def render_workbook(plan: Plan) -> bytes:
    """The plan's workbook (:func:`planner.report.workbook.render_workbook`)."""
    from planner.report import workbook  # openpyxl: only when needed

    return workbook.render_workbook(plan)


def warm_up() -> None:
    """Import openpyxl, the workbook writer and Pillow's fonts: run by the helper once the
    data is read, while the main process solves."""
    from planner.plot import png
    from planner.report import workbook  # noqa: F401 - imported for the job to come

    png.warm_up()
