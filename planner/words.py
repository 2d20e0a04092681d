"""Plain-language wording shared by every message: counts, lists, files, colleges, cadres.

The messages of the checker, the diagnosis, the reasons and the explanations are built from
these helpers, so a file, a college, a cadre, a list or a count reads the same in all of them.
They go through :mod:`planner.i18n` (plural forms by :func:`~planner.i18n.ngettext`), where the
Chinese catalogue of the messages will hang off this one place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from planner.contract import ROLE_LABELS_ZH, Role
from planner.i18n import gettext as _
from planner.i18n import ngettext

if TYPE_CHECKING:
    import pandas as pd

    from planner.dataset import Dataset

KIND_WORDS: dict[str, tuple[str, str]] = {
    "class": ("class", "classes"),
    "branch": ("branch", "branches"),
    "society": ("society", "societies"),
    "dorm": ("dorm room", "dorm rooms"),
}
"""Each kind of target as a noun, singular and plural."""

KINDS_AS_LISTED: tuple[str, ...] = ("class", "branch", "society", "dorm")
"""Kinds in the order people list them: classes, branches, societies, dorm rooms."""

NAMED = 8
"""How many cadres, targets or rows a list names before it says "and N more"."""


def count_words(n: int, noun: str, plural: str | None = None) -> str:
    """``1 class``, ``3 classes``, ``2 dorm rooms``, ``5 targets``: ``n`` and the noun in the
    right form (a kind's own plural, ``plural`` when given, else the noun with ``s``)."""
    one, many = (noun, plural) if plural else KIND_WORDS.get(noun, (noun, noun + "s"))
    return f"{n} {ngettext(one, many, n)}"


def join_words(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def listed(items: Sequence[str], limit: int = NAMED) -> str:
    """``a, b, c`` or, past ``limit`` items, ``a, b and 7 more``."""
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def is_are(n: int) -> str:
    """``is`` for one, ``are`` for any other number."""
    return "is" if n == 1 else "are"


def range_words(low: int, high: int) -> str:
    """A count range: ``exactly 1`` or ``1 to 3``."""
    return f"exactly {low}" if low == high else f"{low} to {high}"


def row_list(rows: Sequence[int]) -> str:
    """``row 4``, ``rows 4, 7``, ``rows 12–15, 20`` (runs of consecutive rows joined)."""
    numbers = sorted({int(r) for r in rows})
    if not numbers:
        return "no rows"
    runs: list[tuple[int, int]] = []
    for r in numbers:
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs]
    return ("row " if len(numbers) == 1 else "rows ") + listed(parts)


def file_name(dataset: Dataset, table: str) -> str:
    """The file (or workbook sheet) a table came from, as the user named it."""
    source = dataset.sources.get(table)
    return source.display if source is not None else f"{table}.csv"


def college_name(dataset: Dataset, college: str | None, none: str = "the central offices") -> str:
    """``法学院 (C01)``; ``none`` for no college."""
    if not isinstance(college, str) or not college:
        return none
    names = dataset.colleges.set_index("id")["name"]
    return f"{names.get(college, college)} ({college})"


def cadre_words(row: pd.Series) -> str:
    """``张伟 (T003)`` for a cadre's row."""
    return f"{row['name']} ({row['id']})"


def role_words(role: str) -> str:
    """``学院领导 college_leader``."""
    return f"{ROLE_LABELS_ZH[Role(role)]} {role}"


def target_label(target: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班)`` for a row of a targets frame."""
    return f"{target['kind']} {target['id']} ({target['name']})"


def target_words(dataset: Dataset, target: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班, 法学院 (C01))`` for a row of a targets frame."""
    where = (
        college_name(dataset, target["college"])
        if isinstance(target["college"], str)
        else f"university level, {target['campus']}"
    )
    return f"{target['kind']} {target['id']} ({target['name']}, {where})"


def cadres_by_college(dataset: Dataset, cadres: pd.DataFrame) -> str:
    """``8 of 法学院 (C01), 4 of 管理学院 (C06) and 31 central`` for cadres with ``college``
    and ``central`` columns."""
    colleges = sorted({c for c in cadres["college"] if isinstance(c, str)})
    parts = [
        f"{int((cadres['college'] == c).sum())} of {college_name(dataset, c)}" for c in colleges
    ]
    if cadres["central"].any():
        parts.append(f"{int(cadres['central'].sum())} central")
    return join_words(parts)


def gone_words(kind: str, target: str) -> str:
    """Last semester's contact with a target that no longer exists, with the usual reason for
    its kind: a class graduates, a society or a branch is dissolved; a dorm room just is no
    longer in the data (dorms do not graduate)."""
    if kind == "class":
        return _("class '{target}' no longer exists (it graduated?); the contact ends").format(
            target=target
        )
    if kind == "dorm":
        return _("dorm room '{target}' is no longer in the data; the contact ends").format(
            target=target
        )
    return _("{kind} '{target}' no longer exists (dissolved?); the contact ends").format(
        kind=kind, target=target
    )
