"""A semester of ledger data for the demo university (``planner serve --demo``), so the pages
show realistic gaps on first start: the engine's :func:`planner.ledger.demo_ledger` (steady,
irregular and lagging cadres, leave, online contacts, students' problems at every stage) from
the semester's plan in force, up to today (or a given day)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner import ledger
from planner.service.audit.service import record as audit
from planner.service.cases.models import CaseStep, ProblemCase
from planner.service.ledger.models import ContactEntry, Leave
from planner.service.ledger.service import (
    assignments_of_plan,
    engine_semester,
    plan_in_force,
    today,
)
from planner.service.semesters.models import Semester

if TYPE_CHECKING:
    from planner.service.permissions import Principal


def demo_day(term: ledger.Semester, day: dt.date | None = None) -> dt.date:
    """The day the demo's ledger runs to: ``day``, else today within the semester (the day
    after it once it is over; two thirds of the way through before it starts)."""
    if day is not None:
        return day
    now = today()
    if now <= term.start:
        return term.start + dt.timedelta(days=term.days * 2 // 3)
    return min(now, term.end + dt.timedelta(days=1))


def seed_demo_ledger(
    db: Session, semester: Semester, actor: Principal, day: dt.date | None = None
) -> int:
    """Fill the semester's ledger, leave and cases with the demo's (when the ledger is empty);
    returns how many records were added."""
    if db.scalar(select(func.count()).where(ContactEntry.semester_id == semester.id)):
        return 0
    plan = plan_in_force(db, semester)
    if plan is None:
        return 0
    term = engine_semester(db, semester)
    demo = ledger.demo_ledger(assignments_of_plan(db, plan.id), term, as_of=demo_day(term, day))
    ids = _records(db, semester.id, demo)
    for leave in demo.leaves.itertuples():
        first = demo.contacts[demo.contacts["cadre_id"] == leave.cadre_id].iloc[0]
        db.add(
            Leave(
                semester_id=semester.id,
                cadre_id=leave.cadre_id,
                cadre_name=str(first["cadre_name"]),
                college=first["college"],
                starts_on=leave.start,
                ends_on=leave.end,
                note="",
            )
        )
    _cases(db, semester.id, demo.cases, ids)
    audit(
        db,
        actor,
        "ledger.demo",
        "semester",
        semester.name,
        semester_id=semester.id,
        detail={"records": len(ids), "cases": len(demo.cases), "until": str(demo.as_of)},
    )
    return len(ids)


def _records(db: Session, semester_id: int, demo: ledger.DemoLedger) -> dict[str, int]:
    """Store the demo's records; the database id of each by the demo's record id."""
    contacts = demo.contacts
    cadres = contacts.drop_duplicates("cadre_id").set_index("cadre_id")
    targets = {
        (k, t): n
        for k, t, n in zip(
            contacts["kind"], contacts["target_id"], contacts["target_name"], strict=True
        )
    }
    entries = {}
    for r in demo.records.itertuples():
        cadre = cadres.loc[r.cadre_id]
        entries[str(r.record_id)] = ContactEntry(
            semester_id=semester_id,
            cadre_id=str(r.cadre_id),
            cadre_name=str(cadre["cadre_name"]),
            college=cadre["college"],
            kind=str(r.kind),
            target_id=str(r.target_id),
            target_name=targets.get((r.kind, r.target_id), ""),
            day=r.date,
            activity=str(r.activity),
            students=int(r.students),
            note=str(r.note),
            problems=str(r.problems),
            category=str(r.category),
            source="demo",
        )
    db.add_all(entries.values())
    db.flush()
    return {key: entry.id for key, entry in entries.items()}


def _cases(db: Session, semester_id: int, cases: list[ledger.Case], ids: dict[str, int]) -> None:
    """Store the demo's cases, each with its steps so far."""
    rows = []
    for case in cases:
        row = ProblemCase(
            semester_id=semester_id,
            record_id=ids[case.record_id],
            line=int(case.case_id.rsplit("-", 1)[1]),
            college=case.college,
            cadre_id=case.cadre_id,
            category=case.category.value,
            text=case.text,
            status=case.status,
            office=case.office,
            raised_on=case.raised_on,
        )
        rows.append((row, case))
    db.add_all([row for row, _case in rows])
    db.flush()
    db.add_all(
        CaseStep(case_id=row.id, status=s.status, on=s.on, by=s.by, office=s.office, note=s.note)
        for row, case in rows
        for s in case.steps
    )
