"""Plans in the database: storing a written plan's rows, the tables of the plan pages (search,
filter, sort, pages; scoped to a college secretary's college) and explanations."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, insert, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from planner.service import engine
from planner.service.memo import memo
from planner.service.plans.models import (
    CENTRAL,
    Assignment,
    Change,
    Coverage,
    Explanation,
    Plan,
    PlanPart,
    Uncovered,
)
from planner.service.semesters.models import VersionCollege

PAGE_SIZE = 50
KINDS = ("class", "dorm", "society", "branch")
CHANGE_STATUSES = ("kept", "moved", "new", "ended")


def _none(value: Any) -> str | None:
    text = "" if value is None else str(value)
    return None if text in ("", "nan", "None") else text


def store_plan(
    db: Session,
    *,
    semester_id: int,
    data_version_id: int,
    result: engine.ProposalResult,
    folder: str,
    scenario_name: str,
    previous_plan_id: int | None,
    created_by_id: int | None,
) -> Plan:
    """Record a written plan: its figures, its rows, one part per college and the central."""
    plan_obj = result.plan
    kpis = {k: (None if isinstance(v, float) and v != v else v) for k, v in plan_obj.kpis().items()}
    plan = Plan(
        semester_id=semester_id,
        data_version_id=data_version_id,
        previous_plan_id=previous_plan_id,
        scope=plan_obj.scope,
        scenario_name=scenario_name,
        status=plan_obj.status,
        objective=float(plan_obj.objective),
        bound=float(plan_obj.bound),
        gap=float(plan_obj.gap),
        solve_seconds=float(plan_obj.solve_seconds),
        kpis=kpis,
        terms={
            n: {"label": t.label, "value": t.value, "bound": t.bound, "optimal": t.optimal}
            for n, t in plan_obj.terms.items()
        },
        notes=[*result.notes, *plan_obj.capacity],
        folder=folder,
        sha256=result.plan_json_sha256,
        files=result.files,
        created_by_id=created_by_id,
    )
    db.add(plan)
    db.flush()
    _insert_rows(db, plan.id, result)
    colleges = db.scalars(
        select(VersionCollege.college).where(VersionCollege.data_version_id == data_version_id)
    )
    for college in [CENTRAL, *colleges]:
        db.add(PlanPart(plan_id=plan.id, college=college))
    return plan


def _insert_rows(db: Session, plan_id: int, result: engine.ProposalResult) -> None:
    p = result.plan
    a = p.assignments
    db.execute(
        insert(Assignment),
        [
            {
                "plan_id": plan_id,
                "cadre_id": str(r.cadre_id),
                "kind": str(r.kind),
                "target_id": str(r.target_id),
                "cadre_name": str(r.cadre_name),
                "role": str(r.role),
                "cadre_unit": str(r.cadre_unit),
                "cadre_college": _none(r.cadre_college),
                "cadre_campus": str(r.cadre_campus),
                "target_name": str(r.target_name),
                "target_college": _none(r.target_college),
                "target_campus": str(r.target_campus),
                "kept": bool(r.kept),
            }
            for r in a.itertuples(index=False)
        ],
    ) if len(a) else None
    if len(p.uncovered):
        db.execute(
            insert(Uncovered),
            [
                {
                    "plan_id": plan_id,
                    "kind": str(r.kind),
                    "target_id": str(r.target_id),
                    "reason": str(r.reason),
                    "target_name": str(r.target_name),
                    "target_college": _none(r.target_college),
                    "target_campus": str(r.target_campus),
                }
                for r in p.uncovered.itertuples(index=False)
            ],
        )
    roles = dict(zip(a["cadre_id"].astype(str), a["role"].astype(str), strict=True))
    if len(p.changes):
        db.execute(
            insert(Change),
            [
                {
                    "plan_id": plan_id,
                    "cadre_id": str(r.cadre_id),
                    "cadre_name": str(r.cadre_name),
                    "role": roles.get(str(r.cadre_id), ""),
                    "college": result.cadre_colleges.get(str(r.cadre_id)),
                    "kind": str(r.kind),
                    "target_id": str(r.target_id),
                    "status": str(r.status),
                    "reason": str(r.reason),
                }
                for r in p.changes.itertuples(index=False)
            ],
        )
    if len(p.coverage):
        db.execute(
            insert(Coverage),
            [
                {
                    "plan_id": plan_id,
                    "college": str(r.college),
                    "college_name": str(r.college_name),
                    "campus": str(r.campus),
                    "kind": str(r.kind),
                    "targets": int(r.targets),
                    "covered": int(r.covered),
                }
                for r in p.coverage.itertuples(index=False)
            ],
        )


def plans_for_semester(db: Session, semester_id: int) -> list[Plan]:
    """The semester's plans, newest first."""
    query = select(Plan).where(Plan.semester_id == semester_id).order_by(Plan.id.desc())
    return list(db.scalars(query))


# --------------------------------------------------------------------------------------------
# Figures


T = TypeVar("T")


def _kept(db: Session, key: tuple[Any, ...], make: Callable[[], T]) -> T:
    """``make()`` once per process and database for ``key``: what a stored plan's rows give
    (its figures, its coverage, its data version's colleges) never changes, since a plan's
    rows are written once with it and never changed or deleted."""
    return memo(db, key, make, pool="plans", size=4096)


def coverage_rows(db: Session, plan_id: int, college: str | None = None) -> list[Coverage]:
    """Coverage by college × kind (one college's rows when ``college`` is given)."""
    query = select(Coverage).where(Coverage.plan_id == plan_id)
    if college is not None:
        query = query.where(Coverage.college == college)
    query = query.order_by(Coverage.college, Coverage.kind)
    return list(_kept(db, ("coverage", plan_id, college), lambda: list(db.scalars(query))))


def kpi_cards(db: Session, plan: Plan, college: str | None = None) -> dict[str, Any]:
    """The key figures of the plan, or of one college's part of it."""
    return _kept(db, ("kpis", plan.id, college), lambda: _kpi_cards(db, plan, college))


def _kpi_cards(db: Session, plan: Plan, college: str | None) -> dict[str, Any]:
    cover = {k: [0, 0] for k in KINDS}
    for row in coverage_rows(db, plan.id, college):
        cover[row.kind][0] += row.covered
        cover[row.kind][1] += row.targets
    visible = _assignment_scope(plan.id, college)
    kept = db.scalar(select(func.count()).where(visible, Assignment.kept.is_(True))) or 0
    cross = (
        db.scalar(
            select(func.count()).where(visible, Assignment.cadre_campus != Assignment.target_campus)
        )
        or 0
    )
    uncovered = select(func.count()).where(Uncovered.plan_id == plan.id)
    if college is not None:
        uncovered = uncovered.where(Uncovered.target_college == college)
    total = db.scalar(select(func.count()).where(visible)) or 0
    return {
        "coverage": cover,
        "kept": kept,
        "cross_campus": cross,
        "uncovered": db.scalar(uncovered) or 0,
        "assignments": total,
    }


# --------------------------------------------------------------------------------------------
# Tables


@dataclass
class TableQuery:
    """What the user asked of a table (query parameters of the page)."""

    q: str = ""
    college: str = ""
    kind: str = ""
    role: str = ""
    status: str = ""
    sort: str = ""
    dir: str = "asc"
    page: int = 1

    def params(self) -> dict[str, Any]:
        """The query parameters that reproduce this view."""
        return {k: v for k, v in vars(self).items() if v not in ("", None) and k != "page"}


@dataclass
class TablePage:
    """One page of rows."""

    rows: list[Any]
    total: int
    page: int
    pages: int


def _assignment_scope(plan_id: int, college: str | None) -> ColumnElement[bool]:
    where = Assignment.plan_id == plan_id
    if college is not None:
        where = where & or_(
            Assignment.cadre_college == college, Assignment.target_college == college
        )
    return where


def _search(columns: list[InstrumentedAttribute[Any]], text: str) -> ColumnElement[bool]:
    needle = text.strip().lower()[:100]
    return or_(*(func.lower(c).contains(needle, autoescape=True) for c in columns))


def _paged(
    db: Session, query: Select[Any], sort: Any, descending: bool, page: int, tiebreak: Any
) -> TablePage:
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    order = [sort.desc() if descending else sort.asc(), tiebreak]
    rows = db.scalars(query.order_by(*order).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return TablePage(list(rows), total, page, pages)


ASSIGNMENT_SORTS = {
    "cadre": Assignment.cadre_id,
    "name": Assignment.cadre_name,
    "role": Assignment.role,
    "unit": Assignment.cadre_unit,
    "kind": Assignment.kind,
    "target": Assignment.target_id,
    "target_name": Assignment.target_name,
    "college": Assignment.target_college,
    "campus": Assignment.target_campus,
    "kept": Assignment.kept,
}


def assignments(db: Session, plan_id: int, scope: str | None, t: TableQuery) -> TablePage:
    """The plan's assignments a user may see, filtered, sorted and paged."""
    query = select(Assignment).where(_assignment_scope(plan_id, scope))
    if t.q:
        query = query.where(
            _search(
                [
                    Assignment.cadre_id,
                    Assignment.cadre_name,
                    Assignment.target_id,
                    Assignment.target_name,
                ],
                t.q,
            )
        )
    if t.college:
        query = query.where(
            or_(Assignment.cadre_college == t.college, Assignment.target_college == t.college)
        )
    if t.kind:
        query = query.where(Assignment.kind == t.kind)
    if t.role:
        query = query.where(Assignment.role == t.role)
    sort = ASSIGNMENT_SORTS.get(t.sort, Assignment.cadre_id)
    return _paged(db, query, sort, t.dir == "desc", t.page, Assignment.id)


UNCOVERED_SORTS = {
    "kind": Uncovered.kind,
    "target": Uncovered.target_id,
    "name": Uncovered.target_name,
    "college": Uncovered.target_college,
    "campus": Uncovered.target_campus,
}


def uncovered(db: Session, plan_id: int, scope: str | None, t: TableQuery) -> TablePage:
    """The plan's uncovered targets with reasons, as :func:`assignments`."""
    query = select(Uncovered).where(Uncovered.plan_id == plan_id)
    if scope is not None:
        query = query.where(Uncovered.target_college == scope)
    if t.q:
        query = query.where(
            _search([Uncovered.target_id, Uncovered.target_name, Uncovered.reason], t.q)
        )
    if t.college:
        query = query.where(Uncovered.target_college == t.college)
    if t.kind:
        query = query.where(Uncovered.kind == t.kind)
    sort = UNCOVERED_SORTS.get(t.sort, Uncovered.target_college)
    return _paged(db, query, sort, t.dir == "desc", t.page, Uncovered.id)


CHANGE_SORTS = {
    "cadre": Change.cadre_id,
    "name": Change.cadre_name,
    "role": Change.role,
    "college": Change.college,
    "kind": Change.kind,
    "target": Change.target_id,
    "status": Change.status,
}


def changes(db: Session, plan_id: int, scope: str | None, t: TableQuery) -> TablePage:
    """The plan's changes against last semester with reasons, as :func:`assignments`."""
    query = select(Change).where(Change.plan_id == plan_id)
    if scope is not None:
        query = query.where(Change.college == scope)
    if t.q:
        query = query.where(
            _search([Change.cadre_id, Change.cadre_name, Change.target_id, Change.reason], t.q)
        )
    if t.college:
        query = query.where(Change.college == t.college)
    if t.kind:
        query = query.where(Change.kind == t.kind)
    if t.role:
        query = query.where(Change.role == t.role)
    if t.status:
        query = query.where(Change.status == t.status)
    sort = CHANGE_SORTS.get(t.sort, Change.cadre_id)
    return _paged(db, query, sort, t.dir == "desc", t.page, Change.id)


def plan_colleges(db: Session, plan: Plan) -> list[VersionCollege]:
    """The colleges of the plan's data version (for the college filter)."""
    version = plan.data_version_id
    query = select(VersionCollege).where(VersionCollege.data_version_id == version)
    query = query.order_by(VersionCollege.college)
    return list(_kept(db, ("colleges", version), lambda: list(db.scalars(query))))


# --------------------------------------------------------------------------------------------
# Explanations


def subject_key(cadre: str | None, kind: str | None, target: str | None) -> tuple[str, str]:
    """``("cadre", id)`` or ``("target", "kind:id")``; ValueError when neither is given."""
    if cadre:
        return "cadre", cadre.strip()[:64]
    if target and kind in KINDS:
        return "target", f"{kind}:{target.strip()[:64]}"
    raise ValueError("a cadre, or a kind and a target")


def may_explain(db: Session, plan_id: int, scope: str | None, subject: str, key: str) -> bool:
    """Whether the subject is in the plan and visible to the user (the same answer, False,
    for "not yours" and "not there")."""
    if subject == "cadre":
        shown = select(Assignment.id).where(
            _assignment_scope(plan_id, scope), Assignment.cadre_id == key
        )
        changed = select(Change.id).where(Change.plan_id == plan_id, Change.cadre_id == key)
        if scope is not None:
            changed = changed.where(Change.college == scope)
        return bool(db.scalar(shown.limit(1)) or db.scalar(changed.limit(1)))
    kind, _sep, target = key.partition(":")
    held = select(Assignment.id).where(
        _assignment_scope(plan_id, scope), Assignment.kind == kind, Assignment.target_id == target
    )
    left = select(Uncovered.id).where(
        Uncovered.plan_id == plan_id, Uncovered.kind == kind, Uncovered.target_id == target
    )
    if scope is not None:
        left = left.where(Uncovered.target_college == scope)
    return bool(db.scalar(held.limit(1)) or db.scalar(left.limit(1)))


def cached_explanation(db: Session, plan_id: int, subject: str, key: str) -> Explanation | None:
    """The explanation computed before, if any."""
    return db.scalar(
        select(Explanation).where(
            Explanation.plan_id == plan_id, Explanation.subject == subject, Explanation.key == key
        )
    )
