"""Errors and warnings that reach users, always located and in plain words."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in the input: ``FILE:ROW:COLUMN: message``.

    ``file`` is what the user sees (``classes.csv`` or ``book.xlsx[班级]``); ``row`` is the
    spreadsheet row (header = 1), 0 when the problem concerns the whole file; ``column`` is
    the column header as written in the file, empty when the problem concerns a whole row
    or file.
    """

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


class PlannerError(Exception):
    """Base class of every error the command line turns into a message and an exit code."""

    exit_code = 1


class InputError(PlannerError):
    """The input is bad: every problem found, not just the first (exit code 2)."""

    exit_code = 2

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems), key=_problem_order)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(PlannerError):
    """A command was called wrongly, e.g. a scenario key that does not exist (exit code 2)."""

    exit_code = 2


class InfeasibleError(PlannerError):
    """The hard rules cannot all hold (exit code 3); ``reasons`` are plain-language lines."""

    exit_code = 3

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__("\n".join(reasons))


class NoPlanInTimeError(PlannerError):
    """The time limit ran out before any plan satisfying the hard rules was found (exit 4)."""

    exit_code = 4


class OutputError(PlannerError):
    """A plan could not be written (read-only folder, full disk, approved plan) (exit 1)."""

    exit_code = 1


def _problem_order(p: Problem) -> tuple[str, int, str, str]:
    return (p.file, p.row, p.column, p.message)
