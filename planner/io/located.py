"""What reading a data set works with: a table as read (:class:`Sheet`: clean text cells by
spreadsheet row) and every problem and warning found in it (:class:`Report`), each located by
file, row and column and collected, never raised one by one, so the user sees them all at
once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from planner.contract import Table
from planner.dataset import Source
from planner.errors import Problem


@dataclass
class Report:
    """Every problem and warning found so far."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, file: str, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def cells(
        self,
        sheet: Sheet,
        column: str,
        bad: pd.Series,
        message: Callable[[str], str],
        *,
        warning: bool = False,
    ) -> None:
        """One problem (or warning) per cell of ``column`` where ``bad`` holds."""
        if not bad.any():
            return
        header = sheet.headers[column]
        selected = sheet.cells.loc[bad, column]
        for row, value in zip(selected.index.tolist(), selected.tolist(), strict=True):
            problem = Problem(sheet.display, int(row), header, message(str(value)))
            if warning:
                self.warnings.append(str(problem))
            else:
                self.problems.append(problem)


@dataclass
class Sheet:
    """One table as read: clean text cells indexed by spreadsheet row (header = 1).

    ``cells`` holds only the contract's columns found in the header, under their English
    names; ``headers`` maps each to the header as the user wrote it.
    """

    table: Table
    display: str
    cells: pd.DataFrame
    headers: dict[str, str]
    source: Source
