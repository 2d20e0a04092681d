"""Look-ups shared by the ledger's service tests (read from the database the demo filled)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from planner.service.audit.models import AuditEntry
from planner.service.cases.models import ProblemCase
from planner.service.ledger.models import ContactEntry
from planner.service.plans.models import Assignment

from .conftest import Service, csrf_of

SEMESTER = 1
NEW = f"/semesters/{SEMESTER}/ledger/new"


def holder(service: Service, college: str | None, kind: str, skip: int = 0) -> dict[str, Any]:
    """A cadre of ``college`` (None: the SAO's) holding a ``kind``: ids and names."""
    column = Assignment.cadre_college
    where = column.is_(None) if college is None else column == college
    with service.db.session() as db:
        rows = db.scalars(
            select(Assignment)
            .where(Assignment.plan_id == service.plan_id, where, Assignment.kind == kind)
            .order_by(Assignment.cadre_id)
        ).all()
        row = rows[skip]
        return {
            "cadre_id": row.cadre_id,
            "cadre_name": row.cadre_name,
            "kind": row.kind,
            "target_id": row.target_id,
            "target_name": row.target_name,
            "role": row.role,
        }


def record_count(service: Service, **where: Any) -> int:
    """How many ledger records match ``where`` (column = value)."""
    query = select(func.count()).select_from(ContactEntry)
    for name, value in where.items():
        query = query.where(getattr(ContactEntry, name) == value)
    with service.db.session() as db:
        return int(db.scalar(query) or 0)


def a_record(service: Service, college: str | None, **where: Any) -> ContactEntry:
    """A stored record of a cadre of ``college`` (the first by id)."""
    column = ContactEntry.college
    query = select(ContactEntry).where(column.is_(None) if college is None else column == college)
    for name, value in where.items():
        query = query.where(getattr(ContactEntry, name) == value)
    with service.db.session() as db:
        found = db.scalars(query.order_by(ContactEntry.id)).first()
    assert found is not None
    return found


def a_case(service: Service, college: str | None, status: str) -> ProblemCase:
    """A stored case of ``college`` at ``status``."""
    column = ProblemCase.college
    query = select(ProblemCase).where(
        column.is_(None) if college is None else column == college, ProblemCase.status == status
    )
    with service.db.session() as db:
        found = db.scalars(query.order_by(ProblemCase.id)).first()
    assert found is not None
    return found


def audit_actions(service: Service, action: str) -> list[AuditEntry]:
    """The audit log's entries of ``action``, oldest first."""
    with service.db.session() as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def form(person: dict[str, Any], day: dt.date, activity: str, **more: str) -> dict[str, str]:
    """The record form's fields for a contact of ``person`` (a :func:`holder`)."""
    return {
        "cadre_id": person["cadre_id"],
        "target": f"{person['kind']}:{person['target_id']}",
        "date": day.isoformat(),
        "activity": activity,
        "students": "3",
        "note": "",
        "problems": "",
        "category": "",
        **more,
    }


def post(client: Any, page: str, url: str, data: dict[str, str], **kwargs: Any) -> Any:
    """Post ``data`` to ``url`` with the CSRF token of ``page``."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def kept_on(service: Service, user: str, day: dt.date) -> Any:
    """Every duty the user's duties page counts, with its status on ``day``."""
    from planner.service.accounts.service import get_user, principal_of
    from planner.service.ledger import duties
    from planner.service.ledger import service as ledger_service
    from planner.service.semesters.models import Semester

    with service.db.session() as db:
        principal = principal_of(get_user(db, user))  # type: ignore[arg-type]
        semester = db.get(Semester, SEMESTER)
        assert semester is not None
        view = ledger_service.ledger_view(db, semester, principal)
        return duties.kept_frame(db, view, day)


def fill_template(book: Any, rows: list[list[object]], out: Path) -> Path:
    """The ledger template (a workbook or its file) with ``rows`` below the headers, saved
    as ``out``."""
    import openpyxl

    if isinstance(book, Path):
        book = openpyxl.load_workbook(book)
    sheet = book.worksheets[0]
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            sheet.cell(number, column, value)
    book.save(out)
    return out
