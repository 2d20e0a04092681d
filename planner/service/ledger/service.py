"""What every ledger page starts from: the semester's dates, the plan in force, the contacts a
user may see, and the ledger, leave and cases as the engine's frames.

The plan in force is the semester's approved plan (``semesters.approved_plan_id``, set by the
approval of issue 16) or, until a plan is approved, the latest proposal; the pages say which.
A college secretary's :class:`LedgerView` holds only the contacts of the college's own cadres,
so every check against it (a form, an imported file) refuses another college's cadre exactly
as it refuses one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from planner import ledger
from planner.i18n import gettext as _
from planner.service.audit.service import record as audit
from planner.service.forms import FormError
from planner.service.ledger.models import ContactEntry, Leave, LedgerTerm
from planner.service.memo import memo
from planner.service.plans.models import Assignment, Plan
from planner.service.plans.service import PAGE_SIZE, TablePage
from planner.service.semesters.models import Semester, VersionCollege
from planner.service.web import TIMEZONE

if TYPE_CHECKING:
    from planner.service.permissions import Principal

CENTRAL = "central"
"""The college filter value of the cadres the SAO places (their ``college`` is None)."""

T = TypeVar("T")
SelectT = TypeVar("SelectT", bound=Select)
"""A SELECT of any columns (its type is kept when a filter is added)."""

_SEASON = re.compile(r"^\s*(\d{4})\s*(?:年)?\s*(秋|春|autumn|fall|spring)", re.IGNORECASE)


def today() -> dt.date:
    """Today in the university's time zone."""
    return dt.datetime.now(TIMEZONE).date()


def default_dates(name: str, fallback: dt.date) -> tuple[dt.date, dt.date]:
    """The usual dates of a semester named like ``2026秋`` (1 September to 15 January) or
    ``2027春`` (20 February to 10 July); other names run 20 weeks from ``fallback``."""
    found = _SEASON.match(name)
    if found is None:
        return fallback, fallback + dt.timedelta(weeks=20, days=-1)
    year = int(found[1])
    if found[2].lower() in ("秋", "autumn", "fall"):
        return dt.date(year, 9, 1), dt.date(year + 1, 1, 15)
    return dt.date(year, 2, 20), dt.date(year, 7, 10)


def engine_id(name: str, semester_id: int) -> str:
    """The engine's id of a semester: ``2026-autumn`` for 2026秋, else ``semester-ID``."""
    found = _SEASON.match(name)
    if found is None:
        return f"semester-{semester_id}"
    season = "autumn" if found[2].lower() in ("秋", "autumn", "fall") else "spring"
    return f"{found[1]}-{season}"


def term_dates(db: Session, semester: Semester) -> tuple[dt.date, dt.date, bool]:
    """The first and last day of the semester's contact work, and whether the SAO set them."""
    term = db.get(LedgerTerm, semester.id)
    if term is not None:
        return term.starts_on, term.ends_on, True
    start, end = default_dates(semester.name, semester.created_at.astimezone(TIMEZONE).date())
    return start, end, False


def engine_semester(db: Session, semester: Semester) -> ledger.Semester:
    """The semester as the engine reads it (its dates from :func:`term_dates`)."""
    start, end, _set = term_dates(db, semester)
    return ledger.Semester(
        id=engine_id(semester.name, semester.id), name=semester.name, start=start, end=end
    )


def set_dates(
    db: Session, semester: Semester, start_text: str, end_text: str, actor: Principal
) -> None:
    """Set the semester's dates; every record and leave must stay inside them."""
    from planner.ledger.records import parse_date

    problems: dict[str, str] = {}
    start, end = parse_date(start_text or ""), parse_date(end_text or "")
    for name, value in (("starts_on", start), ("ends_on", end)):
        if value is None:
            problems[name] = _("write a date such as 2026-09-01")
    if start and end and end < start:
        problems["ends_on"] = _("the semester ends before it starts")
    if start and end and not problems:
        outside = _outside(db, semester.id, start, end)
        if outside:
            problems["starts_on"] = _(
                "{n} records or leaves of this semester fall outside these dates: move or "
                "delete them first"
            ).format(n=outside)
    if problems:
        raise FormError(problems)
    assert start is not None and end is not None
    before = term_dates(db, semester)
    term = db.get(LedgerTerm, semester.id) or LedgerTerm(semester_id=semester.id)
    term.starts_on, term.ends_on = start, end
    term.updated_by_id = actor.user_id
    db.add(term)
    audit(
        db,
        actor,
        "ledger.dates",
        "semester",
        semester.name,
        semester_id=semester.id,
        detail={"before": f"{before[0]}–{before[1]}", "after": f"{start}–{end}"},
    )


def _outside(db: Session, semester_id: int, start: dt.date, end: dt.date) -> int:
    records = select(func.count()).where(
        ContactEntry.semester_id == semester_id,
        (ContactEntry.day < start) | (ContactEntry.day > end),
    )
    leaves = select(func.count()).where(
        Leave.semester_id == semester_id, (Leave.starts_on < start) | (Leave.ends_on > end)
    )
    return (db.scalar(records) or 0) + (db.scalar(leaves) or 0)


# --------------------------------------------------------------------------------------------
# What the pages compute once: kept per database, by a key naming everything it depends on


def plan_key(plan: Plan) -> tuple[Any, ...]:
    """What names a plan's assignments (a plan's rows never change once written)."""
    return (plan.id, plan.created_at)


def term_key(term: ledger.Semester) -> tuple[Any, ...]:
    """The engine semester's identity and dates."""
    return (term.id, term.name, term.start, term.end)


def records_fingerprint(
    db: Session, semester_id: int, college: str | None, cadre_id: str | None = None
) -> tuple[Any, ...]:
    """A fingerprint of the semester's records (one college's, one cadre's) that changes with
    any record added, changed or deleted: how many, the sum and largest of their ids and the
    latest change (a change sets ``updated_at``; a new record's is the newest)."""
    query = select(
        func.count(ContactEntry.id),
        func.max(ContactEntry.id),
        func.sum(ContactEntry.id),
        func.max(ContactEntry.updated_at),
    ).where(ContactEntry.semester_id == semester_id)
    if cadre_id is not None:
        query = query.where(ContactEntry.cadre_id == cadre_id)
    row = db.execute(visible(query, ContactEntry.college, college)).one()
    return tuple(row)


# --------------------------------------------------------------------------------------------
# The plan in force and the contacts


def plan_in_force(db: Session, semester: Semester) -> Plan | None:
    """The semester's approved plan, else its latest proposal, else None."""
    if semester.approved_plan_id is not None:
        return db.get(Plan, semester.approved_plan_id)
    query = select(Plan).where(Plan.semester_id == semester.id).order_by(Plan.id.desc()).limit(1)
    return db.scalar(query)


def scope_filter(who: Principal, asked: str = "") -> str | None:
    """The college whose cadres a page shows: a college secretary's own, whatever was asked;
    for everyone else what was asked (a college id, :data:`CENTRAL`), or None for all."""
    scope = who.scope_college
    if scope is not None:
        return scope
    return asked.strip()[:64] or None


ASSIGNMENT_COLUMNS = [
    "cadre_id",
    "cadre_name",
    "role",
    "cadre_college",
    "kind",
    "target_id",
    "target_name",
    "target_college",
]
"""The columns of a plan's assignments the ledger reads (as :attr:`planner.plan.Plan.assignments`
names them)."""


def assignments_of_plan(db: Session, plan_id: int, college: str | None = None) -> pd.DataFrame:
    """The plan's assignments (:data:`ASSIGNMENT_COLUMNS`), one college's cadres' (or
    :data:`CENTRAL`) when ``college`` is given."""
    query = select(*(getattr(Assignment, c) for c in ASSIGNMENT_COLUMNS)).where(
        Assignment.plan_id == plan_id
    )
    query = _by_college(query, Assignment.cadre_college, college)
    rows = db.execute(query.order_by(Assignment.cadre_id, Assignment.kind, Assignment.target_id))
    return pd.DataFrame([tuple(r) for r in rows], columns=ASSIGNMENT_COLUMNS)


def contacts_of_plan(
    db: Session, plan_id: int, semester: ledger.Semester, college: str | None = None
) -> pd.DataFrame:
    """The contacts in force (:data:`planner.ledger.CONTACT_COLUMNS`) of the plan's cadres,
    one college's (or :data:`CENTRAL`) when ``college`` is given."""
    frame = assignments_of_plan(db, plan_id, college)
    if frame.empty:
        return pd.DataFrame(columns=ledger.CONTACT_COLUMNS)
    return ledger.contacts_from_plan(frame, semester)


Roster = list[tuple[str, str, str | None]]
"""Cadres as ``(id, name, college)``, by college then id."""


def roster_of(contacts: pd.DataFrame) -> Roster:
    """The cadres holding ``contacts``, by college then id."""
    first = contacts.drop_duplicates("cadre_id")
    rows = [
        (str(c), str(n), None if pd.isna(k) else str(k))
        for c, n, k in zip(first["cadre_id"], first["cadre_name"], first["college"], strict=True)
    ]
    return sorted(rows, key=lambda r: (r[2] or "", r[0]))


def plan_contacts(
    db: Session, plan: Plan, semester: ledger.Semester, college: str | None = None
) -> tuple[pd.DataFrame, Roster]:
    """:func:`contacts_of_plan` and their cadres, computed once per plan, semester dates and
    college (shared between requests: read-only)."""
    key = ("contacts", plan_key(plan), term_key(semester), college)

    def make() -> tuple[pd.DataFrame, Roster]:
        contacts = contacts_of_plan(db, plan.id, semester, college)
        return contacts, roster_of(contacts)

    return memo(db, key, make)


def _by_college(query: SelectT, column: Any, college: str | None) -> SelectT:
    if college is None:
        return query
    if college == CENTRAL:
        return query.where(column.is_(None))
    return query.where(column == college)


def college_names(db: Session, plan: Plan | None) -> dict[str, str]:
    """The names of the colleges of the plan's data version, by id."""
    if plan is None:
        return {}

    def make() -> dict[str, str]:
        query = select(VersionCollege.college, VersionCollege.name).where(
            VersionCollege.data_version_id == plan.data_version_id
        )
        return {c: n for c, n in db.execute(query.order_by(VersionCollege.college))}

    return dict(memo(db, ("college names", plan_key(plan), plan.data_version_id), make))


@dataclass
class LedgerView:
    """The ledger of one semester as one user may see it (see the module docstring)."""

    semester: Semester
    term: ledger.Semester
    dates_set: bool
    plan: Plan | None
    college: str | None
    """The college shown (None: every college; :data:`CENTRAL`: the SAO's cadres)."""
    contacts: pd.DataFrame
    colleges: dict[str, str] = field(default_factory=dict)
    roster: Roster | None = None
    """The cadres of ``contacts`` (:func:`roster_of`), when known already."""

    FORM_CADRES = 400
    """Above this many cadres, the forms ask the SAO to choose a college first (a list of
    every cadre and target of a whole university is too long to choose from)."""

    @property
    def needs_college(self) -> bool:
        """Whether the forms should ask for a college before listing cadres."""
        return self.college is None and len(self._roster()) > self.FORM_CADRES

    @property
    def approved(self) -> bool:
        """Whether the ledger follows an approved plan (else the latest proposal)."""
        return self.plan is not None and self.plan.id == self.semester.approved_plan_id

    def cadres(self) -> list[tuple[str, str, str | None]]:
        """The cadres of the view: ``(id, name, college)``, by college then id."""
        return list(self._roster())

    def _roster(self) -> Roster:
        if self.roster is None:
            self.roster = roster_of(self.contacts)
        return self.roster

    def college_label(self, college: str | None) -> str:
        """A college as the pages name it (the SAO's cadres for None)."""
        if college is None or college == CENTRAL:
            return _("cadres placed by the SAO")
        return f"{college} {self.colleges.get(college, '')}".strip()


def ledger_view(db: Session, semester: Semester, who: Principal, asked: str = "") -> LedgerView:
    """The ledger view of ``semester`` for ``who`` (``asked``: the college filter)."""
    term = engine_semester(db, semester)
    _start, _end, dates_set = term_dates(db, semester)
    plan = plan_in_force(db, semester)
    college = scope_filter(who, asked)
    roster: Roster
    if plan is None:
        contacts, roster = pd.DataFrame(columns=ledger.CONTACT_COLUMNS), []
    else:
        contacts, roster = plan_contacts(db, plan, term, college)
    names = college_names(db, plan)
    return LedgerView(semester, term, dates_set, plan, college, contacts, names, roster)


# --------------------------------------------------------------------------------------------
# The ledger and leave as the engine's frames


def visible(query: SelectT, column: Any, college: str | None) -> SelectT:
    """``query`` limited to one college's rows (or the SAO's cadres'), or left as it is."""
    return _by_college(query, column, college)


def records_frame(
    db: Session, semester_id: int, college: str | None = None, cadre_id: str | None = None
) -> pd.DataFrame:
    """The semester's records as the engine reads them (``record_id`` is the row's id), one
    college's (see :func:`visible`) and one cadre's when given."""
    rows = _entries(
        db,
        (
            ContactEntry.id,
            ContactEntry.cadre_id,
            ContactEntry.kind,
            ContactEntry.target_id,
            ContactEntry.day,
            ContactEntry.activity,
            ContactEntry.students,
            ContactEntry.note,
            ContactEntry.problems,
            ContactEntry.category,
        ),
        semester_id,
        college,
        cadre_id,
    )
    columns = [c for c in ledger.RECORD_COLUMNS if c != "row"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["record_id"] = frame["record_id"].astype(str)
    frame["students"] = frame["students"].astype("int64")
    frame["row"] = 0
    return frame[ledger.RECORD_COLUMNS]


def leaves_of(db: Session, semester_id: int, college: str | None = None) -> list[Leave]:
    """The semester's leave (one college's), by cadre and start."""
    query = visible(select(Leave).where(Leave.semester_id == semester_id), Leave.college, college)
    return list(db.scalars(query.order_by(Leave.cadre_id, Leave.starts_on)))


COUNTED_COLUMNS = ["cadre_id", "kind", "target_id", "date", "activity"]
"""The columns of a record the duty engine counts by (:func:`planner.ledger.status_of`)."""


def counted_records(
    db: Session, semester_id: int, college: str | None = None, cadre_id: str | None = None
) -> pd.DataFrame:
    """:func:`records_frame` with :data:`COUNTED_COLUMNS` only (what the duties need; the
    notes and problems stay in the database)."""
    columns = (
        ContactEntry.cadre_id,
        ContactEntry.kind,
        ContactEntry.target_id,
        ContactEntry.day,
        ContactEntry.activity,
    )
    rows = _entries(db, columns, semester_id, college, cadre_id)
    return pd.DataFrame(rows, columns=COUNTED_COLUMNS)


def _entries(
    db: Session,
    columns: tuple[Any, ...],
    semester_id: int,
    college: str | None,
    cadre_id: str | None,
) -> list[tuple[Any, ...]]:
    """``columns`` of the semester's records (one college's, one cadre's when given), by day."""
    query = select(*columns).where(ContactEntry.semester_id == semester_id)
    if cadre_id is not None:
        query = query.where(ContactEntry.cadre_id == cadre_id)
    query = visible(query, ContactEntry.college, college)
    return [tuple(r) for r in db.execute(query.order_by(ContactEntry.day, ContactEntry.id))]


def leave_rows(
    db: Session, semester_id: int, college: str | None = None, cadre_id: str | None = None
) -> tuple[tuple[str, dt.date, dt.date], ...]:
    """The semester's leave (one college's, one cadre's) as ``(cadre_id, start, end)``, in the
    order of :func:`leaves_of`."""
    query = select(Leave.cadre_id, Leave.starts_on, Leave.ends_on).where(
        Leave.semester_id == semester_id
    )
    if cadre_id is not None:
        query = query.where(Leave.cadre_id == cadre_id)
    query = visible(query, Leave.college, college).order_by(
        Leave.cadre_id, Leave.starts_on, Leave.id
    )
    return tuple((str(c), a, b) for c, a, b in db.execute(query))


def leaves_frame(
    db: Session, semester_id: int, college: str | None = None, cadre_id: str | None = None
) -> pd.DataFrame:
    """The semester's leave as the engine reads it."""
    return ledger.leaves_frame(leave_rows(db, semester_id, college, cadre_id))


def paged(db: Session, query: Select[Any], page: int, *order: Any) -> TablePage:
    """One page of ``query`` in ``order`` (the plan tables' page size)."""
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.scalars(query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return TablePage(list(rows), total, page, pages)
