"""The semester, its periods (weeks, months), the contacts in force and the cadres' leave.

A semester runs from ``start`` to ``end`` (both included). Its periods are the calendar's:
weeks run Monday to Sunday (week 1 is the week holding the first day), months are calendar
months, and the semester itself is one period. A period at the edge may run over the
semester's ends; see :mod:`planner.ledger.duties` for when such a period owes a duty.

The contacts in force are *periods*: a cadre holds a target from ``start`` to ``end``. The
approved plan gives one contact per assignment for the whole semester
(:func:`contacts_from_plan`); a cadre who changes target mid-semester gets two
(:func:`change_target`). Leave is a separate table (``cadre_id, start, end``): a cadre on leave
keeps the contact but owes nothing for the days away.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from planner.errors import UsageError
from planner.i18n import gettext as _

CONTACT_COLUMNS = [
    "cadre_id",
    "cadre_name",
    "role",
    "college",
    "kind",
    "target_id",
    "target_name",
    "target_college",
    "start",
    "end",
]
"""The contacts in force: who holds what, from when to when (dates included).

``college`` is the cadre's own college (``None`` for a cadre placed by the SAO);
``target_college`` the college of the target (``None`` for a university-level society)."""

LEAVE_COLUMNS = ["cadre_id", "start", "end"]
"""Leave: the cadre is away from ``start`` to ``end`` (dates included)."""


class Semester(BaseModel):
    """A semester: an id (``2026-autumn``), the name users read (``2026年秋季学期``), dates."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> Semester:
        if self.end < self.start:
            raise ValueError(_("the semester ends before it starts"))
        return self

    @property
    def days(self) -> int:
        """How many days the semester runs (both ends included)."""
        return (self.end - self.start).days + 1

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` is in the semester."""
        return self.start <= day <= self.end

    def periods(self, every: str) -> list[Period]:
        """The weeks, months or the one semester period that overlap the semester, in order."""
        if every == "semester":
            return [Period("semester", self.id, self.start, self.end, 1)]
        if every == "week":
            monday = self.start - dt.timedelta(days=self.start.weekday())
            out = []
            number = 1
            while monday <= self.end:
                year, week, _day = monday.isocalendar()
                key = f"{year}-W{week:02d}"
                out.append(Period("week", key, monday, monday + dt.timedelta(days=6), number))
                monday += dt.timedelta(days=7)
                number += 1
            return out
        if every == "month":
            first = self.start.replace(day=1)
            out = []
            number = 1
            while first <= self.end:
                following = (first + dt.timedelta(days=32)).replace(day=1)
                key = f"{first.year}-{first.month:02d}"
                out.append(Period("month", key, first, following - dt.timedelta(days=1), number))
                first = following
                number += 1
            return out
        raise ValueError(f"unknown period {every!r}: week, month or semester")


@dataclass(frozen=True)
class Period:
    """One calendar period: its kind, key (``2026-W37``, ``2026-09``, the semester id), the
    full calendar span (it may run over the semester's ends) and its number in the semester."""

    every: str
    key: str
    start: dt.date
    end: dt.date
    number: int

    @property
    def days(self) -> int:
        """The period's full length in days (7 for a week, 28–31 for a month)."""
        return (self.end - self.start).days + 1

    def label(self) -> str:
        """``week 3 (14 Sep–20 Sep)``, ``September 2026``, or the semester, in this language."""
        if self.every == "week":
            return _("week {n} ({start}–{end})").format(
                n=self.number, start=short_date(self.start), end=short_date(self.end)
            )
        if self.every == "month":
            return _("{year}-{month:02d}").format(year=self.start.year, month=self.start.month)
        return _("the semester")


def short_date(day: dt.date) -> str:
    """A day without its year, as people write it (``9月14日`` / ``14 Sep``)."""
    return _("{month}/{day}").format(month=day.month, day=day.day)


def long_date(day: dt.date) -> str:
    """A full date as people write it (``2026年9月14日`` / ``2026-09-14``)."""
    return _("{year}-{month:02d}-{day:02d}").format(year=day.year, month=day.month, day=day.day)


# --------------------------------------------------------------------------- contacts


def contacts_from_plan(assignments: pd.DataFrame, semester: Semester) -> pd.DataFrame:
    """The contacts in force for a whole semester, one per assignment of the approved plan.

    ``assignments`` is :attr:`planner.plan.Plan.assignments` (``cadre_id, kind, target_id,
    cadre_name, role, cadre_college, target_name, target_college`` are used).
    """
    a = assignments
    frame = pd.DataFrame(
        {
            "cadre_id": a["cadre_id"].astype(str),
            "cadre_name": a.get("cadre_name", a["cadre_id"]).astype(str),
            "role": a["role"].astype(str),
            "college": _optional(a.get("cadre_college")),
            "kind": a["kind"].astype(str),
            "target_id": a["target_id"].astype(str),
            "target_name": a.get("target_name", a["target_id"]).astype(str),
            "target_college": _optional(a.get("target_college")),
        }
    )
    frame["start"] = semester.start
    frame["end"] = semester.end
    frame = frame.sort_values(["cadre_id", "kind", "target_id"], kind="stable")
    return frame.reset_index(drop=True)[CONTACT_COLUMNS]


def _optional(column: Any) -> Any:
    """Text ids with blanks and NaN as ``None`` (a central cadre's or university college),
    kept as objects: pandas would otherwise store a missing text as NaN."""
    if column is None:
        return None
    values = [None if v is None or v == "" or pd.isna(v) else str(v) for v in column]
    return pd.Series(values, dtype=object, index=getattr(column, "index", None))


def _dates(column: pd.Series) -> pd.Series:
    """Days as :class:`datetime.date` objects, whether given as dates, datetimes, timestamps
    or ISO text (a database or a notebook may hand over any of them)."""
    days = [pd.Timestamp(v).date() for v in column]
    return pd.Series(days, index=column.index, dtype=object)


def contacts_frame(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """A contacts frame from records (missing names default to the ids; for tests, the service)."""
    frame = pd.DataFrame(list(rows))
    for column in CONTACT_COLUMNS:
        if column not in frame:
            source = {"cadre_name": "cadre_id", "target_name": "target_id"}.get(column)
            frame[column] = frame[source] if source else None
    frame = frame[CONTACT_COLUMNS].copy()
    for column in ("college", "target_college"):
        frame[column] = _optional(frame[column])
    for column in ("start", "end"):
        frame[column] = _dates(frame[column])
    bad = frame[frame["end"] < frame["start"]]
    if len(bad):
        row = bad.iloc[0]
        raise UsageError(
            _("the contact of {cadre} with {target} ends before it starts").format(
                cadre=row["cadre_id"], target=row["target_id"]
            )
        )
    return frame.reset_index(drop=True)


def change_target(
    contacts: pd.DataFrame,
    cadre_id: str,
    on: dt.date,
    kind: str,
    target_id: str,
    *,
    target_name: str | None = None,
    target_college: str | None = None,
) -> pd.DataFrame:
    """The contacts after ``cadre_id`` moves to another target on day ``on``.

    The contact in force on ``on`` ends the day before and the new one runs from ``on`` to the
    old one's end. Nothing else changes; the frame given is not modified.
    """
    mine = (contacts["cadre_id"] == cadre_id) & (contacts["start"] <= on) & (contacts["end"] >= on)
    if not mine.any():
        raise UsageError(
            _("cadre {cadre} holds no contact on {day}: nothing to change").format(
                cadre=cadre_id, day=long_date(on)
            )
        )
    if (contacts.loc[mine, "start"] == on).any():
        raise UsageError(
            _("cadre {cadre}'s contact starts on {day}: change it instead of ending it").format(
                cadre=cadre_id, day=long_date(on)
            )
        )
    old = contacts.loc[mine].iloc[0]
    new = old.copy()
    new["kind"], new["target_id"] = kind, target_id
    new["target_name"] = target_name or target_id
    new["target_college"] = target_college
    new["start"] = on
    out = contacts.copy()
    out.loc[mine, "end"] = on - dt.timedelta(days=1)
    out = pd.concat([out, new.to_frame().T], ignore_index=True)
    return out.sort_values(["cadre_id", "start"], kind="stable").reset_index(drop=True)


def leaves_frame(rows: Iterable[tuple[str, dt.date, dt.date]] = ()) -> pd.DataFrame:
    """A leave table from ``(cadre_id, start, end)`` rows (dates included)."""
    frame = pd.DataFrame(list(rows), columns=LEAVE_COLUMNS)
    for column in ("start", "end"):
        frame[column] = _dates(frame[column])
    for row in frame.itertuples():
        if row.end < row.start:
            raise UsageError(
                _("the leave of {cadre} ends before it starts").format(cadre=row.cadre_id)
            )
    frame["cadre_id"] = frame["cadre_id"].astype(str)
    return frame
