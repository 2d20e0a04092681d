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
from planner.i18n import current_language, ngettext, npgettext, pgettext
from planner.i18n import gettext as _

if TYPE_CHECKING:
    import pandas as pd

    from planner.dataset import Dataset

KIND_WORDS: dict[str, tuple[str, str]] = {
    "class": ("class", "classes"),
    "branch": ("branch", "branches"),
    "society": ("society", "societies"),
    "dorm": ("dorm room", "dorm rooms"),
}
"""Each kind of target as an English noun, singular and plural."""

KINDS_AS_LISTED: tuple[str, ...] = ("class", "branch", "society", "dorm")
"""Kinds in the order people list them: classes, branches, societies, dorm rooms."""

NAMED = 8
"""How many cadres, targets or rows a list names before it says "and N more"."""


def _nouns(n: int) -> dict[str, str]:
    """The nouns that messages count, in the context's language, for ``n``. Chinese counts
    with a measure word and no plural (3个班级, 2间宿舍, 5名联系人): the Chinese catalogue
    holds each noun with its measure word."""
    return {
        "class": npgettext("count", "class", "classes", n),
        "branch": npgettext("count", "branch", "branches", n),
        "society": npgettext("count", "society", "societies", n),
        "dorm": npgettext("count", "dorm room", "dorm rooms", n),
        "target": npgettext("count", "target", "targets", n),
        "cadre": npgettext("count", "cadre", "cadres", n),
        "available cadre": npgettext("count", "available cadre", "available cadres", n),
        "available central cadre": npgettext(
            "count", "available central cadre", "available central cadres", n
        ),
        "central cadre": npgettext("count", "central cadre", "central cadres", n),
        "college cadre": npgettext("count", "college cadre", "college cadres", n),
        "other cadre": npgettext("count", "other cadre", "other cadres", n),
        "school leader": npgettext("count", "school leader", "school leaders", n),
        "available school leader": npgettext(
            "count", "available school leader", "available school leaders", n
        ),
        "more school leader": npgettext("count", "more school leader", "more school leaders", n),
        "cadre place": npgettext("count", "cadre place", "cadre places", n),
        "target place": npgettext("count", "target place", "target places", n),
        "college": npgettext("count", "college", "colleges", n),
        "file": npgettext("count", "file", "files", n),
        "row": npgettext("count", "row", "rows", n),
    }


def chinese() -> bool:
    """True when the context speaks Chinese (words are joined without spaces)."""
    return current_language() == "zh"


def count_words(n: int, noun: str, plural: str | None = None) -> str:
    """``1 class``, ``3 classes``, ``2 dorm rooms``, ``5 targets`` (Chinese ``3个班级``): ``n``
    and the noun in the right form (a kind's own plural, ``plural`` when given, else the noun
    with ``s``)."""
    known = _nouns(n).get(noun)
    if known is not None:
        return f"{n}{known}" if chinese() else f"{n} {known}"
    one, many = (noun, plural) if plural else KIND_WORDS.get(noun, (noun, noun + "s"))
    return f"{n} {one if n == 1 else many}"


def kind_word(kind: str, *, short: bool = False) -> str:
    """A kind of target as a word: ``class`` (班级), ``dorm`` (宿舍), …; another value as it is.
    ``short``: the word for a narrow column (党支部 rather than 学生党支部)."""
    if short and kind == "branch":
        return pgettext("kind", "branch")
    words = {
        "class": pgettext("kind", "class"),
        "dorm": pgettext("kind", "dorm room"),
        "society": pgettext("kind", "society"),
        "branch": pgettext("kind", "party branch"),
    }
    return words.get(str(kind), str(kind))


def kind_code(kind: object) -> str:
    """A kind as a message names it: in English its value, as the data and the scenario write
    it (``class``, ``dorm``); in Chinese its word (班级, 宿舍)."""
    return kind_word(str(kind)) if chinese() else str(kind)


def role_code(role: object) -> str:
    """A role as a message names it: in English its value (``professor``); in Chinese its
    name (知名教授)."""
    return role_name(str(role)) if chinese() else str(role)


def role_name(role: str) -> str:
    """A role as a word: ``college_leader`` → college leader (学院领导)."""
    words = {
        "school_leader": pgettext("role", "school leader"),
        "office_leader": pgettext("role", "office head"),
        "sao_cadre": pgettext("role", "Student Affairs Office cadre"),
        "league_cadre": pgettext("role", "Youth League cadre"),
        "college_leader": pgettext("role", "college leader"),
        "dept_leader": pgettext("role", "department leader"),
        "professor": pgettext("role", "renowned professor"),
        "young_teacher": pgettext("role", "young teacher"),
    }
    return words.get(str(role), str(role))


def join_words(parts: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c`` (Chinese ``a、b和c``)."""
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0]
    return _("{items} and {last}").format(
        items=pgettext("list", ", ").join(parts[:-1]), last=parts[-1]
    )


def listed(items: Sequence[str], limit: int = NAMED) -> str:
    """``a, b, c`` or, past ``limit`` items, ``a, b and 7 more``."""
    comma = pgettext("list", ", ")
    if len(items) <= limit:
        return comma.join(items)
    return _("{items} and {n} more").format(items=comma.join(items[:limit]), n=len(items) - limit)


def is_are(n: int) -> str:
    """``is`` for one, ``are`` for any other number (English only: nothing in Chinese)."""
    if chinese():
        return ""
    return "is" if n == 1 else "are"


def range_words(low: int, high: int) -> str:
    """A count range: ``exactly 1`` or ``1 to 3``."""
    if low == high:
        return _("exactly {n}").format(n=low)
    return _("{low} to {high}").format(low=low, high=high)


def row_list(rows: Sequence[int]) -> str:
    """``row 4``, ``rows 4, 7``, ``rows 12–15, 20`` (runs of consecutive rows joined);
    Chinese ``第4行``, ``第4、7行``."""
    numbers = sorted({int(r) for r in rows})
    if not numbers:
        return _("no rows")
    runs: list[tuple[int, int]] = []
    for r in numbers:
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs]
    return ngettext("row {rows}", "rows {rows}", len(numbers)).format(rows=listed(parts))


def file_name(dataset: Dataset, table: str) -> str:
    """The file (or workbook sheet) a table came from, as the user named it."""
    source = dataset.sources.get(table)
    return source.display if source is not None else f"{table}.csv"


def college_name(dataset: Dataset, college: str | None, none: str | None = None) -> str:
    """``法学院 (C01)`` (Chinese ``法学院（C01）``); ``none`` (default: the central offices)
    for no college."""
    if not isinstance(college, str) or not college:
        return _("the central offices") if none is None else none
    names = dataset.colleges.set_index("id")["name"]
    return _("{name} ({code})").format(name=names.get(college, college), code=college)


def cadre_words(row: pd.Series) -> str:
    """``张伟 (T003)`` for a cadre's row."""
    return _("{name} ({code})").format(name=row["name"], code=row["id"])


def role_words(role: str) -> str:
    """``学院领导 college_leader`` (Chinese: ``学院领导``)."""
    label = ROLE_LABELS_ZH[Role(role)]
    return label if chinese() else f"{label} {role}"


def target_label(target: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班)`` for a row of a targets frame."""
    return _("{kind} {id} ({name})").format(
        kind=kind_word(target["kind"]) if chinese() else target["kind"],
        id=target["id"],
        name=target["name"],
    )


def target_words(dataset: Dataset, target: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班, 法学院 (C01))`` for a row of a targets frame."""
    where = (
        college_name(dataset, target["college"])
        if isinstance(target["college"], str)
        else _("university level, {campus}").format(campus=target["campus"])
    )
    return _("{kind} {id} ({name}, {where})").format(
        kind=kind_word(target["kind"]) if chinese() else target["kind"],
        id=target["id"],
        name=target["name"],
        where=where,
    )


def cadres_by_college(dataset: Dataset, cadres: pd.DataFrame) -> str:
    """``8 of 法学院 (C01), 4 of 管理学院 (C06) and 31 central`` for cadres with ``college``
    and ``central`` columns."""
    colleges = sorted({c for c in cadres["college"] if isinstance(c, str)})
    parts = [
        _("{n} of {college}").format(
            n=int((cadres["college"] == c).sum()), college=college_name(dataset, c)
        )
        for c in colleges
    ]
    if cadres["central"].any():
        parts.append(_("{n} central").format(n=int(cadres["central"].sum())))
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
