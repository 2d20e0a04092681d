"""The audit log: :func:`record` appends; nothing here (or in the database) changes a row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from planner.i18n import N_
from planner.service.audit.models import AuditEntry

if TYPE_CHECKING:
    from planner.service.permissions import Principal

ACTIONS: dict[str, str] = {
    "user.add": N_("Account added"),
    "user.password": N_("Password changed"),
    "user.enable": N_("Account enabled"),
    "user.disable": N_("Account disabled"),
    "session.start": N_("Signed in"),
    "semester.create": N_("Semester created"),
    "data.upload": N_("Rosters uploaded"),
    "scenario.upload": N_("Scenario uploaded"),
    "job.start": N_("Plan run started"),
    "job.cancel": N_("Plan run cancelled"),
    "job.finish": N_("Plan run finished"),
    "job.fail": N_("Plan run failed"),
    "job.interrupt": N_("Plan run interrupted"),
    "plan.pin": N_("Pin set"),
    "plan.undo": N_("Adjustment undone"),
    "plan.file": N_("Part filed"),
    "plan.withdraw": N_("Filing withdrawn"),
    "plan.return": N_("Part returned for changes"),
    "plan.conflict": N_("Filed part sent back by a change"),
    "plan.approve": N_("Plan approved"),
    "ledger.dates": N_("Semester dates set"),
    "ledger.add": N_("Contact record added"),
    "ledger.edit": N_("Contact record changed"),
    "ledger.delete": N_("Contact record deleted"),
    "ledger.import": N_("Ledger imported"),
    "ledger.demo": N_("Demo ledger loaded"),
    "leave.add": N_("Leave recorded"),
    "leave.delete": N_("Leave deleted"),
    "case.step": N_("Students' problem moved on"),
}
"""Every action the log records, as users read it (issue 16 adds pins, filing, approval;
issue 19 the ledger, leave and students' problems)."""

PAGE_SIZE = 50


def record(
    db: Session,
    actor: Principal | None,
    action: str,
    object_type: str,
    object_id: str = "",
    *,
    semester_id: int | None = None,
    college: str | None = None,
    before_sha: str | None = None,
    after_sha: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry (in the caller's transaction: it is written with the change itself).

    ``actor`` None is the command line or the service itself. ``detail`` must hold no
    password, token or personal field: only ids, counts and hashes.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        user_id=actor.user_id if actor else None,
        username=actor.username if actor else "(system)",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        semester_id=semester_id,
        college=college,
        before_sha=before_sha,
        after_sha=after_sha,
        detail=detail or {},
    )
    db.add(entry)
    return entry


@dataclass
class AuditPage:
    """One page of the log, newest first."""

    entries: list[AuditEntry]
    total: int
    page: int
    pages: int


def entries(
    db: Session,
    *,
    action: str = "",
    username: str = "",
    semester_id: int | None = None,
    page: int = 1,
) -> AuditPage:
    """The log filtered by action, user and semester, paged."""
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if username:
        query = query.where(AuditEntry.username == username)
    if semester_id is not None:
        query = query.where(AuditEntry.semester_id == semester_id)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = db.scalars(
        query.order_by(AuditEntry.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    )
    return AuditPage(list(rows), total, page, pages)
