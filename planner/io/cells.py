"""Cells a spreadsheet will never run as a formula (OWASP "CSV injection").

A cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return is read by a
spreadsheet as a formula. The plan's CSV files get such text with a leading ``'``
(:func:`neutralize`; :func:`unneutralize` undoes it for readers such as ``planner check``), and
the workbooks write it as a plain text cell (:func:`is_formula_like` is the one test).
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP)."""

_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet could evaluate as a formula.

    True for text starting with one of :data:`FORMULA_PREFIXES`, except plain signed numbers
    such as ``-12`` or ``+3.5``: a spreadsheet reads those as numbers, never as formulas, and
    leaving them alone keeps ids like ``-12`` readable and round-trippable.
    """
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and _PLAIN_NUMBER.match(value) is None
    )


def neutralize(value: Any) -> Any:
    """``value`` made inert for a CSV cell: formula-like text gets a leading ``'``.

    Text that already starts with quotes before formula-like text (``'=x``) gets one more, so
    :func:`unneutralize` restores every value exactly. Any other value is returned unchanged.
    The workbook uses :func:`is_formula_like` (the same test) and writes such text as a text
    cell instead, so it reads exactly as in the data.
    """
    if isinstance(value, str) and is_formula_like(value.lstrip("'")):
        return "'" + value
    return value


def unneutralize(value: Any) -> Any:
    """The value :func:`neutralize` was given: for readers of the plan's CSV files."""
    if isinstance(value, str) and value.startswith("'") and is_formula_like(value.lstrip("'")):
        return value[1:]
    return value
