"""A plain-text summary of a data set, for the Student Affairs Office to read after ``validate``.

Columns are aligned by display width, so Chinese names (two columns wide in a terminal) line
up with English ones. No colour codes: the text may be pasted into an e-mail or a ticket.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import pandas as pd

from planner.contract import KIND_TABLE, KINDS, ROLE_LABELS_ZH, ROLES, TABLES, Kind
from planner.dataset import Dataset
from planner.explain.capacity import capacity_notes, central_available, college_capacity
from planner.i18n import gettext as _
from planner.i18n import ngettext, pgettext
from planner.scenario import Scenario
from planner.words import chinese, count_words, role_name

ON_LEAVE_LISTED = 20
"""At most this many cadres on leave are listed by name; the rest are counted."""


def summarize(ds: Dataset) -> str:
    """A plain-text summary of ``ds``: tables, colleges, capacity, campuses, roles, leave and
    plan inputs."""
    sections = [
        [_headline(ds)],
        _tables(ds),
        _colleges(ds),
        capacity_section(ds),
        _campuses(ds),
        _roles(ds),
        _on_leave(ds),
        _plan_inputs(ds),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections)


def _headline(ds: Dataset) -> str:
    n_available = int(ds.cadres["available"].sum())
    n_targets = sum(len(ds.table(KIND_TABLE[k])) for k in KINDS)
    return _(
        "Data set: {colleges}, {cadres} ({available} available, {leave} on leave), {targets}"
    ).format(
        colleges=count_words(len(ds.colleges), "college"),
        cadres=count_words(len(ds.cadres), "cadre"),
        available=n_available,
        leave=len(ds.cadres) - n_available,
        targets=count_words(n_targets, "target"),
    )


def _tables(ds: Dataset) -> list[str]:
    rows = []
    for name, table in TABLES.items():
        source = ds.sources.get(name)
        rows.append(
            [
                name,
                table.alias,
                len(ds.table(name)),
                source.display if source else _("(not given)"),
            ]
        )
    header = [
        pgettext("column", "table"),
        "",
        pgettext("column", "rows"),
        pgettext("column", "file"),
    ]
    return [pgettext("heading", "Tables"), *_align(header, rows, right={2})]


def _target_counts(ds: Dataset, by: str) -> pd.DataFrame:
    """Targets per ``by`` (``college`` or ``campus``) and kind, one column per kind."""
    targets = ds.targets()
    targets[by] = targets[by].fillna("")
    counts = targets.groupby([by, "kind"]).size().unstack("kind", fill_value=0)
    return counts.reindex(columns=[k.value for k in KINDS], fill_value=0)


def _colleges(ds: Dataset) -> list[str]:
    cadres = ds.cadres
    college_cadres = cadres[~cadres["central"]]
    available = college_cadres.groupby("college")["available"].agg(["sum", "size"])
    targets = _target_counts(ds, "college")
    rows: list[list[object]] = []
    for college in ds.colleges.itertuples():
        n_available = int(available["sum"].get(college.id, 0))
        n_leave = int(available["size"].get(college.id, 0)) - n_available
        kinds = [int(targets[k.value].get(college.id, 0)) for k in KINDS]
        rows.append([college.id, college.name, college.campus, n_available, n_leave, *kinds])
    central = cadres[cadres["central"]]
    rows.append(
        [
            pgettext("row", "central"),
            _("(placed by SAO)"),
            "",
            int(central["available"].sum()),
            int((~central["available"]).sum()),
            "",
            "",
            "",
            "",
        ]
    )
    university = [int(targets[k.value].get("", 0)) for k in KINDS]
    if any(university):
        rows.append([pgettext("row", "university"), _("(no college)"), "", "", "", *university])
    header = [
        pgettext("column", "college"),
        pgettext("column", "name"),
        pgettext("column", "campus"),
        pgettext("column", "cadres"),
        pgettext("column", "on leave"),
    ]
    header += [_kinds_header(k) for k in KINDS]
    return [pgettext("heading", "Colleges"), *_align(header, rows, right=set(range(3, 9)))]


def _kinds_header(kind: Kind) -> str:
    """A kind's column header: ``classes`` (Chinese 班级)."""
    if not chinese():
        return KIND_TABLE[kind]
    return pgettext("kind", "branch") if kind.value == "branch" else _kind_word(kind.value)


def _kind_word(kind: str) -> str:
    from planner.words import kind_word

    return kind_word(kind)


def capacity_section(ds: Dataset, scenario: Scenario | None = None) -> list[str]:
    """Capacity before solving (:mod:`planner.explain.capacity`): per college, targets to cover
    against cadres who can cover them, then plain-language notes for the colleges that fall
    short."""
    scenario = scenario or Scenario()
    capacity = college_capacity(ds, scenario)
    cover = capacity.attrs.get("coverable_kinds", ["class", "branch", "society"])
    kinds = [k for k in ("class", "branch", "society", "dorm") if k in cover]
    rows: list[list[object]] = []
    for _index, r in capacity.iterrows():
        rows.append(
            [
                r["college"],
                r["name"],
                *(r[k] for k in kinds),
                r["need"],
                r["available"],
                r["on_leave"],
                r["able"],
                r["central"],
                r["short"] or "",
            ]
        )
    header = [
        pgettext("column", "college"),
        pgettext("column", "name"),
        *(_kinds_header(Kind(k)) for k in kinds),
        pgettext("column", "to cover"),
    ]
    header += [
        pgettext("column", "cadres"),
        pgettext("column", "on leave"),
        pgettext("column", "can cover"),
        pgettext("column", "central"),
        pgettext("column", "short"),
    ]
    title = (
        _(
            "Capacity (default policy: every available cadre holds one target; classes, "
            "branches and societies should each hold one)"
        )
        if scenario == Scenario()
        else _("Capacity (scenario {name})").format(name=scenario.name)
    )
    lines = [title, *_align(header, rows, right=set(range(2, len(header))))]
    notes = capacity_notes(capacity, central_available(ds))
    if notes:
        lines += [f"  ! {note}" for note in notes]
    else:
        lines.append("  " + _("Every college can cover its targets with its own cadres."))
    return lines


def _campuses(ds: Dataset) -> list[str]:
    cadres = ds.cadres.groupby("campus")["available"].agg(["sum", "size"])
    targets = _target_counts(ds, "campus")
    campuses = sorted(set(ds.colleges["campus"]) | set(cadres.index) | set(targets.index))
    rows: list[list[object]] = []
    for campus in campuses:
        n_available = int(cadres["sum"].get(campus, 0))
        n_leave = int(cadres["size"].get(campus, 0)) - n_available
        kinds = [int(targets[k.value].get(campus, 0)) for k in KINDS]
        rows.append([campus, n_available, n_leave, *kinds])
    header = [
        pgettext("column", "campus"),
        pgettext("column", "cadres"),
        pgettext("column", "on leave"),
        *(_kinds_header(k) for k in KINDS),
    ]
    return [pgettext("heading", "Campuses"), *_align(header, rows, right=set(range(1, 7)))]


def _roles(ds: Dataset) -> list[str]:
    counts = ds.cadres.groupby("role")["available"].agg(["sum", "size"])
    rows: list[list[object]] = []
    for role in ROLES:
        n_available = int(counts["sum"].get(role.value, 0))
        n_leave = int(counts["size"].get(role.value, 0)) - n_available
        rows.append([role.value, ROLE_LABELS_ZH[role], n_available, n_leave])
    total = len(ds.cadres)
    n_available = int(ds.cadres["available"].sum())
    rows.append([pgettext("row", "all roles"), "", n_available, total - n_available])
    header = [
        pgettext("column", "role"),
        "",
        pgettext("column", "cadres"),
        pgettext("column", "on leave"),
    ]
    return [pgettext("heading", "Roles"), *_align(header, rows, right={2, 3})]


def _on_leave(ds: Dataset) -> list[str]:
    away = ds.cadres[~ds.cadres["available"]]
    lines = [_("Cadres on leave: {n}").format(n=len(away))]
    for cadre in away.head(ON_LEAVE_LISTED).itertuples():
        where = cadre.college if cadre.college is not None else cadre.unit
        role = role_name(str(cadre.role)) if chinese() else cadre.role
        lines.append(f"  {cadre.id!s}  {cadre.name!s}  ({role!s}, {where!s})")
    if len(away) > ON_LEAVE_LISTED:
        lines.append("  " + _("… and {n} more").format(n=len(away) - ON_LEAVE_LISTED))
    return lines


def _plan_inputs(ds: Dataset) -> list[str]:
    previous = ds.previous["kind"].value_counts()
    comma = pgettext("list", ", ")
    by_kind = comma.join(
        _kind_count(int(previous[k.value]), k) for k in KINDS if k.value in previous
    )
    rules = ds.pins["rule"].value_counts()
    words = {"require": pgettext("pin", "require"), "forbid": pgettext("pin", "forbid")}
    pins = comma.join(
        _("{n} {rule}").format(n=int(rules[r]), rule=words[r])
        for r in ("require", "forbid")
        if r in rules
    )
    return [
        _("Previous plan: {n}").format(
            n=ngettext("{n} assignment", "{n} assignments", len(ds.previous)).format(
                n=len(ds.previous)
            )
        )
        + (f" ({by_kind})" if by_kind else ""),
        _("Pins: {n}").format(n=len(ds.pins)) + (f" ({pins})" if pins else ""),
    ]


def _kind_count(n: int, kind: Kind) -> str:
    """``2 classes``, ``1 dorm`` (Chinese ``2个班级``, ``1间宿舍``)."""
    if chinese():
        return count_words(n, kind.value)
    return f"{n} {kind.value if n == 1 else KIND_TABLE[kind]}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _align(header: Sequence[str], rows: Sequence[Sequence[object]], right: set[int]) -> list[str]:
    """``header`` and ``rows`` as aligned lines; columns in ``right`` are right-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(_width(row[j]) for row in cells) for j in range(len(header))]
    lines = []
    for row in cells:
        parts = []
        for j, text in enumerate(row):
            pad = " " * (widths[j] - _width(text))
            parts.append(pad + text if j in right else text + pad)
        lines.append("  " + "  ".join(parts).rstrip())
    return lines
