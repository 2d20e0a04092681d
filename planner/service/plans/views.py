"""A plan's pages: key figures and heatmaps, the three tables, explanations, downloads.

A college secretary sees the university's totals and only the rows of their own college; the
whole-plan downloads and the heatmaps (every college's figures) are for the SAO and viewers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, Response

from planner.service import permissions as perms
from planner.service.jobs.models import FINISHED
from planner.service.permissions import Principal
from planner.service.plans import flows, service
from planner.service.plans.models import Plan
from planner.service.semesters import service as semesters
from planner.service.web import render

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
ViewAll = Annotated[Principal, Depends(perms.VIEW_ALL)]
TABLES = {
    "assignments": service.assignments,
    "uncovered": service.uncovered,
    "changes": service.changes,
}
MEDIA = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".png": "image/png",
    ".json": "application/json",
}
Text = Annotated[str, Query(max_length=100)]


def _plan(request: Request, plan_id: int) -> Plan:
    with request.app.state.db.session() as db:
        plan = db.get(Plan, plan_id)
    if plan is None:
        raise HTTPException(status_code=404)
    return plan


def _page(
    request: Request, who: Principal, plan: Plan, tab: str, extra: dict[str, Any]
) -> Response:
    scope = who.scope_college
    with request.app.state.db.session() as db:
        context = {
            "plan": plan,
            "semester": semesters.get_semester(db, plan.semester_id),
            "tab": tab,
            "university": service.kpi_cards(db, plan),
            "mine": service.kpi_cards(db, plan, scope) if scope is not None else None,
            "colleges": service.plan_colleges(db, plan),
            "heatmaps": [f for f in plan.files if f.endswith(".png")]
            if who.sees_everything
            else [],
            "downloads": plan.files if who.sees_everything else [],
            **extra,
        }
    return render(request, "plans/plan.html", context)


@router.get("/plans/{plan_id}")
def plan_overview(request: Request, plan_id: int, who: SignedIn) -> Response:
    """Key figures, heatmaps, coverage per college, downloads."""
    plan = _plan(request, plan_id)
    with request.app.state.db.session() as db:
        coverage = service.coverage_rows(db, plan.id, who.scope_college)
    return _page(request, who, plan, "overview", {"coverage": coverage})


@router.get("/plans/{plan_id}/{table}")
def plan_table(
    request: Request,
    plan_id: int,
    table: str,
    who: SignedIn,
    q: Text = "",
    college: Annotated[str, Query(max_length=64)] = "",
    kind: Annotated[str, Query(max_length=10)] = "",
    role: Annotated[str, Query(max_length=20)] = "",
    status: Annotated[str, Query(max_length=10)] = "",
    sort: Annotated[str, Query(max_length=20)] = "",
    dir: Annotated[str, Query(max_length=4)] = "asc",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Assignments, uncovered targets or changes: searched, filtered, sorted, paged."""
    if table not in TABLES:
        raise HTTPException(status_code=404)
    plan = _plan(request, plan_id)
    query = service.TableQuery(q, college, kind, role, status, sort, dir, page)
    with request.app.state.db.session() as db:
        rows = TABLES[table](db, plan.id, who.scope_college, query)
    return _page(request, who, plan, table, {"rows": rows, "params": query.params()})


def _subject(
    request: Request, who: Principal, plan: Plan, cadre: str, kind: str, target: str
) -> tuple[str, str]:
    try:
        subject, key = service.subject_key(cadre, kind, target)
    except ValueError:
        raise HTTPException(status_code=404) from None
    with request.app.state.db.session() as db:
        if not service.may_explain(db, plan.id, who.scope_college, subject, key):
            raise HTTPException(status_code=404)
    return subject, key


def _explanation_state(
    request: Request, who: Principal, plan: Plan, subject: str, key: str
) -> dict[str, Any]:
    """The explanation if computed; else its job (queued now if there is none running)."""
    with request.app.state.db.session() as db:
        found = service.cached_explanation(db, plan.id, subject, key)
        if found is not None:
            return {"ready": True, "content": found.content}
        job = flows.latest_explanation_job(db, plan.id, subject, key)
        if job is None or (job.state in FINISHED and job.state != "failed"):
            job = flows.start_explanation(db, plan, subject, key, who)
        return {
            "ready": False,
            "state": job.state,
            "stage": job.stage,
            "error": job.error,
            "failed": job.state in FINISHED,
        }


@dataclass
class SubjectQuery:
    """A cadre (``cadre``) or a target (``kind`` and ``target``) to explain."""

    cadre: Text = ""
    kind: Annotated[str, Query(max_length=10)] = ""
    target: Text = ""


Subject = Annotated[SubjectQuery, Depends()]


def _explained(
    request: Request, who: Principal, plan_id: int, asked: SubjectQuery
) -> tuple[Plan, str, str, dict[str, Any]]:
    plan = _plan(request, plan_id)
    subject, key = _subject(request, who, plan, asked.cadre, asked.kind, asked.target)
    return plan, subject, key, _explanation_state(request, who, plan, subject, key)


@router.get("/plans/{plan_id}/explain/page")
def explain(request: Request, plan_id: int, who: SignedIn, asked: Subject) -> Response:
    """Why this cadre holds this target (or a target its cadre), with priced alternatives."""
    plan, subject, key, state = _explained(request, who, plan_id, asked)
    with request.app.state.db.session() as db:
        semester = semesters.get_semester(db, plan.semester_id)
    context = {
        "plan": plan,
        "semester": semester,
        "subject": subject,
        "key": key,
        **state,
        "params": vars(asked),
    }
    return render(request, "plans/explain.html", context)


@router.get("/plans/{plan_id}/explain/state.json")
def explain_state(request: Request, plan_id: int, who: SignedIn, asked: Subject) -> dict[str, Any]:
    """Whether the explanation is ready (polled by ``app.js``)."""
    _plan_row, _subject_name, _key, state = _explained(request, who, plan_id, asked)
    return {
        "ready": state["ready"],
        "finished": state.get("failed", state["ready"]),
        "stage": state.get("stage", ""),
    }


@router.get("/plans/{plan_id}/files/{name}")
def download(request: Request, plan_id: int, name: str, who: ViewAll) -> Response:
    """A file of the plan folder: the workbook, a CSV table, a heatmap, ``plan.json``."""
    plan = _plan(request, plan_id)
    if name not in plan.files:
        raise HTTPException(status_code=404)
    path = request.app.state.settings.data_dir / plan.folder / name
    if not path.is_file():
        raise HTTPException(status_code=404)
    suffix = path.suffix.lower()
    inline = suffix == ".png" and request.query_params.get("inline") == "1"
    return FileResponse(
        path,
        media_type=MEDIA.get(suffix, "application/octet-stream"),
        filename=f"plan{plan.id}-{name}",
        content_disposition_type="inline" if inline else "attachment",
    )
