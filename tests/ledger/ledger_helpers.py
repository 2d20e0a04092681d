"""Tiny hand-made semesters, contacts and ledgers for the ledger's tests.

The semester runs from Tuesday 1 September 2026 to Friday 15 January 2027 (137 days), so its
first week (31 Aug–6 Sep) holds 6 semester days, its last week (11–17 Jan) 5, and January
only 15 of its 31 days.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from planner.ledger.records import ContactRecord, records_frame
from planner.ledger.semester import Semester, contacts_frame

D = dt.date

AUTUMN = Semester(id="2026-autumn", name="2026年秋季学期", start=D(2026, 9, 1), end=D(2027, 1, 15))
SPRING = Semester(id="2027-spring", name="2027年春季学期", start=D(2027, 2, 22), end=D(2027, 7, 2))


def contact(
    cadre: str,
    kind: str,
    target: str,
    *,
    role: str = "young_teacher",
    college: str | None = "C01",
    start: dt.date = AUTUMN.start,
    end: dt.date = AUTUMN.end,
    target_college: str | None = None,
) -> dict[str, Any]:
    """One contact period (a college cadre by default, for the whole autumn semester)."""
    return {
        "cadre_id": cadre,
        "cadre_name": f"干部{cadre}",
        "role": role,
        "college": college,
        "kind": kind,
        "target_id": target,
        "target_name": f"{kind}-{target}",
        "target_college": target_college if target_college is not None else college,
        "start": start,
        "end": end,
    }


def record(
    cadre: str, kind: str, target: str, day: dt.date, activity: str, **more: Any
) -> ContactRecord:
    """One ledger record (5 students unless told)."""
    more.setdefault("students", 5)
    return ContactRecord(
        cadre_id=cadre, kind=kind, target_id=target, date=day, activity=activity, **more
    )


def ledger(*records: ContactRecord) -> pd.DataFrame:
    """A canonical ledger frame."""
    return records_frame(records)


def contacts(*rows: dict[str, Any]) -> pd.DataFrame:
    """A contacts frame."""
    return contacts_frame(rows)
