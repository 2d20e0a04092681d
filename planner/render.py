"""The plan files made from a solved plan rather than written from its tables: the workbook
(:mod:`planner.report_xlsx`) and the heatmaps (:mod:`planner.plot`).

The workbook takes openpyxl, most of a second to load and write for a small plan, so
``planner plan`` has a helper process make it (see :mod:`planner.helper`): forked once pandas
is loaded, the helper reads the data set while the main process imports the rest, then loads
openpyxl, and writes the workbook while the main process checks the plan, draws the
heatmaps (Pillow: a few hundredths of a second each) and writes the CSV files. This module is
what the helper runs; it imports nothing heavy itself.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from planner.helper import Helper, HelperLost

if TYPE_CHECKING:
    import pandas as pd

    from planner.plan import Plan

WORKBOOK = "assignments.xlsx"
"""File name of the workbook in a plan folder."""


class Rendering:
    """A plan's workbook and heatmaps as file contents; the workbook made by ``writer``.

    Made as soon as the plan exists, so that the helper writes the workbook while the main
    process checks the plan and writes the other files. :meth:`files` waits for it; without
    a helper, or if it was lost, the workbook is made here when asked for.
    """

    def __init__(
        self, plan: Plan, targets: pd.DataFrame | None, writer: Helper | None = None
    ) -> None:
        self._plan = plan
        self._targets = targets
        self._writer = writer
        self._writing = writer is not None and writer.submit(render_workbook, plan)

    def files(self) -> dict[str, bytes]:
        """``{file name: bytes}``: the workbook, then the heatmaps (in their file order)."""
        from planner import plot

        images = plot.render_heatmaps(self._plan, self._targets)  # while the workbook is made
        workbook: bytes | None = None
        if self._writing and self._writer is not None:
            with contextlib.suppress(HelperLost):  # lost: made here below
                workbook = self._writer.result()
        if workbook is None:
            workbook = render_workbook(self._plan)
        return {WORKBOOK: workbook, **images}


def render_files(plan: Plan, targets: pd.DataFrame | None) -> dict[str, bytes]:
    """The workbook and the heatmaps of ``plan`` (see :class:`Rendering`), made here."""
    from planner import plot

    return {WORKBOOK: render_workbook(plan), **plot.render_heatmaps(plan, targets)}


def render_workbook(plan: Plan) -> bytes:
    """The plan's workbook (:func:`planner.report_xlsx.render_workbook`)."""
    from planner import report_xlsx  # openpyxl: only when needed

    return report_xlsx.render_workbook(plan)


def warm_up_workbook() -> None:
    """Import openpyxl and the workbook writer: run by the helper once the data is read."""
    from planner import report_xlsx  # noqa: F401 - imported for the job to come
