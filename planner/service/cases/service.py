"""Students' problems in the database: opened from ledger records, listed with their ages and
holders, moved along the engine's life cycle (:mod:`planner.ledger.cases`).

Every step goes through :func:`planner.ledger.cases.advance`, so the life cycle and who may
take each step are the engine's rules, checked here on the server: a college sends its own
cases to the SAO and feeds answers back; only the SAO passes a case on and records answers.
A college never sees another college's case: asking for one is answered as for a missing one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from planner.i18n import gettext as _
from planner.ledger.cases import MAY, NEXT, Actor, Case, CaseError, Step, advance
from planner.ledger.records import holds_personal_details
from planner.service.audit.service import record as audit
from planner.service.cases.models import CaseStep, ProblemCase
from planner.service.forms import FormError
from planner.service.plans.service import TablePage

if TYPE_CHECKING:
    from planner.service.ledger.models import ContactEntry
    from planner.service.permissions import Principal

OPEN = ("raised", "with_sao", "passed")
"""The statuses of a case still waiting for an answer."""

FILTERS: dict[str, tuple[str, ...]] = {
    "open": OPEN,
    "answered": ("answered",),
    "closed": ("fed_back",),
    "all": ("raised", "with_sao", "passed", "answered", "fed_back"),
}
"""The status filter of the case list: still open (the default), answered but not yet fed
back, closed, or every case."""


def actor_of(who: Principal) -> Actor:
    """The engine's actor for a signed-in user: the SAO, or their college."""
    if who.is_sao:
        return Actor(kind="sao", name=who.display_name)
    return Actor(kind="college", name=who.display_name, college=who.college)


def visible_to(case: ProblemCase, who: Principal) -> bool:
    """Whether ``who`` may see ``case`` (a college its own cases only)."""
    scope = who.scope_college
    return scope is None or case.college == scope


# --------------------------------------------------------------------------------------------
# Cases of ledger records


def open_cases(db: Session, entry: ContactEntry, by: str, user_id: int | None) -> int:
    """One ``raised`` case per line of the record's problems; how many were opened."""
    lines = [line.strip() for line in entry.problems.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        case = ProblemCase(
            semester_id=entry.semester_id,
            record_id=entry.id,
            line=number,
            college=entry.college,
            cadre_id=entry.cadre_id,
            category=entry.category,
            text=line,
            status="raised",
            raised_on=entry.day,
        )
        db.add(case)
        db.flush()
        db.add(CaseStep(case_id=case.id, status="raised", on=entry.day, by=by, user_id=user_id))
    return len(lines)


def followed_up(db: Session, record_id: int) -> bool:
    """Whether a case of the record has left the college (its problems are then fixed)."""
    query = select(func.count()).where(
        ProblemCase.record_id == record_id, ProblemCase.status != "raised"
    )
    return bool(db.scalar(query))


def drop_raised(db: Session, record_id: int) -> None:
    """Remove the record's cases that never left the college (the record changed)."""
    ids = list(db.scalars(select(ProblemCase.id).where(ProblemCase.record_id == record_id)))
    if ids:
        db.execute(delete(CaseStep).where(CaseStep.case_id.in_(ids)))
        db.execute(delete(ProblemCase).where(ProblemCase.id.in_(ids)))


def cases_of_record(db: Session, record_id: int) -> list[ProblemCase]:
    """The record's cases, in the order of its problem lines."""
    query = select(ProblemCase).where(ProblemCase.record_id == record_id)
    return list(db.scalars(query.order_by(ProblemCase.line)))


# --------------------------------------------------------------------------------------------
# The engine's view of a case


def steps_of(db: Session, case_ids: list[int]) -> dict[int, list[CaseStep]]:
    """The steps of each case, in order."""
    out: dict[int, list[CaseStep]] = {i: [] for i in case_ids}
    if case_ids:
        query = select(CaseStep).where(CaseStep.case_id.in_(case_ids))
        for step in db.scalars(query.order_by(CaseStep.case_id, CaseStep.id)):
            out[step.case_id].append(step)
    return out


def engine_case(case: ProblemCase, steps: list[CaseStep]) -> Case:
    """The case as the engine reads it."""
    return Case(
        case_id=str(case.id),
        record_id=str(case.record_id),
        cadre_id=case.cadre_id,
        college=case.college,
        category=case.category,  # type: ignore[arg-type]
        text=case.text,
        steps=tuple(
            Step(status=s.status, on=s.on, by=s.by, office=s.office, note=s.note)  # type: ignore[arg-type]
            for s in steps
        ),
    )


def engine_cases(db: Session, cases: list[ProblemCase]) -> list[Case]:
    """The engine's cases of ``cases`` (their steps loaded at once)."""
    steps = steps_of(db, [c.id for c in cases])
    return [engine_case(c, steps[c.id]) for c in cases]


def semester_cases(db: Session, semester_ids: list[int]) -> list[Case]:
    """Every case raised in these semesters (for the annual report)."""
    query = select(ProblemCase).where(ProblemCase.semester_id.in_(semester_ids))
    return engine_cases(db, list(db.scalars(query.order_by(ProblemCase.id))))


# --------------------------------------------------------------------------------------------
# Lists


@dataclass
class CaseQuery:
    """What the case list was asked for."""

    status: str = "open"
    college: str | None = None
    category: str = ""
    semester_id: int | None = None
    page: int = 1


def case_list(db: Session, asked: CaseQuery, as_of: dt.date) -> tuple[TablePage, pd.DataFrame]:
    """One page of cases, oldest first, and the engine's table of that page (ages, holder)."""
    from planner.service.ledger.service import paged, visible

    statuses = FILTERS.get(asked.status, OPEN)
    query = select(ProblemCase).where(ProblemCase.status.in_(statuses))
    query = visible(query, ProblemCase.college, asked.college)
    if asked.category:
        query = query.where(ProblemCase.category == asked.category)
    if asked.semester_id is not None:
        query = query.where(ProblemCase.semester_id == asked.semester_id)
    page = paged(db, query, asked.page, ProblemCase.raised_on, ProblemCase.id)
    from planner.ledger.cases import case_table

    table = case_table(engine_cases(db, page.rows), as_of)
    return page, table


def fingerprint(db: Session, college: str | None) -> tuple[Any, ...]:
    """A fingerprint of the cases (one college's) that changes with any case opened, moved
    or removed: how many, the sum and largest of their ids, the latest change (every step
    sets ``updated_at``)."""
    from planner.service.ledger.service import visible

    query = select(
        func.count(ProblemCase.id),
        func.max(ProblemCase.id),
        func.sum(ProblemCase.id),
        func.max(ProblemCase.updated_at),
    )
    return tuple(db.execute(visible(query, ProblemCase.college, college)).one())


def counts_by_status(db: Session, college: str | None) -> dict[str, int]:
    """How many cases are at each status (one college's, or all)."""
    from planner.service.ledger.service import visible

    query = select(ProblemCase.status, func.count()).group_by(ProblemCase.status)
    query = visible(query, ProblemCase.college, college)
    return {str(row[0]): int(row[1]) for row in db.execute(query)}


def oldest_open(db: Session, college: str | None, as_of: dt.date, limit: int = 8) -> pd.DataFrame:
    """The open cases that have waited longest (the engine's table, oldest first)."""
    _page, table = case_list(db, CaseQuery(status="open", college=college), as_of)
    return table.head(limit)


def open_summary(
    db: Session, college: str | None, as_of: dt.date
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The duties page's cases: :func:`oldest_open` as :func:`summary_rows`, and
    :func:`counts_by_status`; kept per college, day, language (who holds a case is named)
    and :func:`fingerprint` (read-only)."""
    from planner.i18n import current_language
    from planner.service.memo import memo

    key = ("open cases", college, as_of, current_language(), fingerprint(db, college))

    def make() -> tuple[list[dict[str, Any]], dict[str, int]]:
        return summary_rows(oldest_open(db, college, as_of)), counts_by_status(db, college)

    return memo(db, key, make, pool="cases", slot=key[:-1])


# --------------------------------------------------------------------------------------------
# Steps


def get_case(db: Session, case_id: int, who: Principal) -> ProblemCase | None:
    """The case, if it exists and ``who`` may see it (None for both "missing" and "not yours")."""
    case = db.get(ProblemCase, case_id)
    return case if case is not None and visible_to(case, who) else None


def next_steps(case: ProblemCase, who: Principal) -> list[str]:
    """The steps ``who`` may take with the case now (by the engine's rules)."""
    actor = actor_of(who)
    return [
        to
        for to in NEXT.get(case.status, ())
        if actor.kind in MAY[(case.status, to)]
        and (actor.kind == "sao" or case.college == actor.college)
    ]


def take_step(
    db: Session,
    case: ProblemCase,
    who: Principal,
    *,
    to: str,
    on: dt.date,
    today: dt.date,
    office: str = "",
    note: str = "",
) -> None:
    """Move ``case`` one step to ``to`` (the engine decides whether that is allowed).

    Raises :class:`FormError` naming the field at fault; nothing changes then.
    """
    if on > today:
        raise FormError({"on": _("a step cannot be dated in the future")})
    if len(office) > 100:
        raise FormError({"office": _("at most {n} characters").format(n=100)})
    if len(note) > 2000 or holds_personal_details(note):
        message = _("the note holds a phone or identity card number: leave it out")
        raise FormError({"note": message if len(note) <= 2000 else _("keep the note short")})
    steps = steps_of(db, [case.id])[case.id]
    try:
        moved = advance(engine_case(case, steps), to, on, actor_of(who), office=office, note=note)
    except CaseError as exc:
        raise FormError({_field_of(to, str(exc)): str(exc)}) from None
    step = moved.steps[-1]
    db.add(
        CaseStep(
            case_id=case.id,
            status=step.status,
            on=step.on,
            by=step.by,
            office=step.office,
            note=step.note,
            user_id=who.user_id,
        )
    )
    before = case.status
    case.status, case.office = moved.status, moved.office
    from planner.service.db import utcnow

    case.updated_at = utcnow()
    audit(
        db,
        who,
        "case.step",
        "case",
        str(case.id),
        semester_id=case.semester_id,
        college=case.college,
        detail={"from": before, "to": moved.status},
    )


def _field_of(to: str, message: str) -> str:
    """The form field a refused step is about: the office, the note, or the step itself."""
    if to == "passed" and _("name the office the case is passed to") == message:
        return "office"
    if to in ("answered", "fed_back") and message in (
        _("write the answer the students will be given"),
        _("write how the answer was fed back: the feedback note closes the case"),
    ):
        return "note"
    return "to"


def history(db: Session, case: ProblemCase) -> list[CaseStep]:
    """The case's steps, in order."""
    return steps_of(db, [case.id])[case.id]


def summary_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The engine's case table as plain rows for a template."""
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_dict("records")]


def _plain(value: Any) -> Any:
    """A cell as a template shows it: None for pandas' missing values."""
    try:
        return None if pd.isna(value) else value
    except (TypeError, ValueError):
        return value
