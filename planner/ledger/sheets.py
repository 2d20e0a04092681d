"""One table file read with the project's reader, for tables outside the data contract.

The ledger is declared like the rosters (a :class:`planner.contract.Table` with English names
and Chinese aliases) and read by the same machinery as the rosters (:mod:`planner.io`):
CSV in UTF-8 or GB18030, ``.xlsx``, English or Chinese headers, NFKC-folded cells, every
problem located as ``FILE:ROW:COLUMN``: :func:`planner.io.sheets.read_table_file` reads the
file into clean text cells and :func:`planner.io.readers.check_cells` converts them by the
columns' types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.contract import Table
from planner.dataset import Source
from planner.errors import Problem
from planner.i18n import gettext as _
from planner.io.located import Report
from planner.io.readers import check_cells
from planner.io.sheets import read_table_file as read_sheet

SUFFIXES = (".csv", ".xlsx")
"""The files a table is read from (the first sheet of a workbook)."""


@dataclass
class TableSheet:
    """A table as read: clean text cells indexed by spreadsheet row (header = 1), under the
    table's English column names, and every problem and warning found so far."""

    display: str
    cells: pd.DataFrame
    headers: dict[str, str]
    source: Source
    values: dict[str, pd.Series]
    """Cells converted by the reader's own column types (``int``, ``id``, ``text``…)."""
    problems: list[Problem]
    warnings: list[str]

    def header(self, column: str, table: Table) -> str:
        """The header as the user wrote it, or the Chinese name if the column is absent."""
        return self.headers.get(column) or table.column(column).alias

    def cells_problem(
        self, table: Table, column: str, bad: pd.Series, message: Callable[[Any], str]
    ) -> None:
        """One problem per row where ``bad`` holds; ``message`` gets the row's index label."""
        header = self.header(column, table)
        for row in bad.index[bad.to_numpy(dtype=bool)]:
            self.problems.append(Problem(self.display, int(row), header, message(row)))

    def cells_warning(
        self, table: Table, column: str, bad: pd.Series, message: Callable[[Any], str]
    ) -> None:
        """As :meth:`cells_problem`, for doubtful but legal cells (``FILE:ROW:COLUMN: …``)."""
        header = self.header(column, table)
        for row in bad.index[bad.to_numpy(dtype=bool)]:
            self.warnings.append(str(Problem(self.display, int(row), header, message(row))))


def read_table_file(path: Path, table: Table) -> tuple[TableSheet | None, list[Problem]]:
    """Read ``path`` (CSV or the first sheet of an ``.xlsx``) as ``table``.

    Returns the sheet (None if the file could not be read at all) and the problems found
    while reading it: unreadable bytes, missing required columns, blank required cells,
    cells that are not whole numbers in an ``int`` column.
    """
    path = Path(path)
    if not path.is_file():
        return None, [Problem(str(path), 0, "", _("no such file"))]
    if path.suffix.lower() not in SUFFIXES:
        message = _("a {table} is read from a .xlsx workbook or a .csv file").format(
            table=table.alias
        )
        return None, [Problem(path.name, 0, "", message)]
    report = Report()
    sheet = read_sheet(path, table, report)
    if sheet is None:
        return None, report.problems
    values = check_cells(sheet, report)
    out = TableSheet(
        display=sheet.display,
        cells=sheet.cells,
        headers=sheet.headers,
        source=sheet.source,
        values=values,
        problems=report.problems,
        warnings=report.warnings,
    )
    return out, out.problems
