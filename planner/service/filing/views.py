"""Filing pages: a part's page (a college's, or the central one), its steps (pin, undo, file,
withdraw, return, 在岗), the SAO's status board, approval, verification and the next semester.

Routes are thin: each declares its permission; which part a user may see or change is decided
by :mod:`planner.service.filing.flows` (another college's part is "not found", 404; a step the
user's role may not take on a part it sees is 403; a step the state forbids is 409).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.service import engine
from planner.service import permissions as perms
from planner.service.filing import flows
from planner.service.filing.models import AdjustmentState
from planner.service.forms import FormError
from planner.service.jobs.models import FINISHED, Job
from planner.service.permissions import Principal
from planner.service.plans import service as plans
from planner.service.plans.models import CENTRAL, PartState, Plan, PlanPart
from planner.service.semesters import service as semesters
from planner.service.semesters.models import Semester
from planner.service.storage import Storage
from planner.service.web import redirect, render

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
ViewAll = Annotated[Principal, Depends(perms.VIEW_ALL)]
Adjust = Annotated[Principal, Depends(perms.ADJUST_PART)]
ReturnPart = Annotated[Principal, Depends(perms.RETURN_PART)]
Approve = Annotated[Principal, Depends(perms.APPROVE_PLAN)]
Semesters = Annotated[Principal, Depends(perms.MANAGE_SEMESTERS)]
Short = Annotated[str, Form(max_length=100)]
Note = Annotated[str, Form(max_length=1000)]

PART_STATE_LABELS = {
    PartState.NOT_STARTED: N_("Not started"),
    PartState.ADJUSTING: N_("Adjusting"),
    PartState.FILED: N_("Filed"),
    PartState.RETURNED: N_("Returned for changes"),
}
NOTICES = {
    "pin": N_("The pin is set; the part is being re-planned with everything outside it held."),
    "replanned": N_("The pin is set and the part re-planned with everything outside it held."),
    "undone": N_("The adjustment was undone."),
    "filed": N_("The part is filed (备案) and now read-only."),
    "withdrawn": N_("The filing was withdrawn; the part can be adjusted again."),
    "returned": N_("The part was returned to the college for changes."),
    "available": N_("在岗 was changed: a new data version of the rosters was stored."),
    "approved": N_("The university plan is approved, frozen and hashed."),
}
T = TypeVar("T")


def _storage(request: Request) -> Storage:
    return Storage(request.app.state.settings.data_dir)


@contextmanager
def _answers(request: Request) -> Iterator[Session]:
    """A session whose flow errors become HTTP answers (404, 403, 409 with the reason)."""
    try:
        with request.app.state.db.session() as db:
            yield db
    except flows.NotYours:
        raise HTTPException(status_code=404) from None
    except flows.Forbidden:
        raise HTTPException(status_code=403) from None


def _conflict(request: Request, message: str, back: str) -> Response:
    return render(request, "filing/refused.html", {"message": message, "back": back}, status=409)


def _part_url(plan_id: int, part: PlanPart, notice: str | None = None) -> str:
    url = f"/filing/{plan_id}/{flows.key_of(part.college)}"
    return url + (f"?notice={notice}" if notice else "")


def _rows_of(dataset: engine.Dataset, pairs: list[list[str]]) -> list[dict[str, Any]]:
    cadres = dataset.cadres
    people = {
        str(i): (str(n), str(r))
        for i, n, r in zip(cadres["id"], cadres["name"], cadres["role"], strict=True)
    }
    targets = dataset.targets()
    names = {
        (str(k), str(i)): str(n)
        for k, i, n in zip(targets["kind"], targets["id"], targets["name"], strict=True)
    }
    rows = []
    for cadre, kind, target in sorted(pairs):
        name, role = people.get(cadre, ("", ""))
        rows.append(
            {
                "cadre": cadre,
                "name": name,
                "role": role,
                "kind": kind,
                "target": target,
                "target_name": names.get((kind, target), ""),
            }
        )
    return rows


def _part_page(
    request: Request, who: Principal, plan_id: int, key: str, extra: dict[str, Any] | None = None
) -> Response:
    storage = _storage(request)
    with _answers(request) as db:
        plan, part = flows.get_part(db, plan_id, key, who)
        semester = db.get(Semester, plan.semester_id)
        assert semester is not None
        version = flows.newest_version(db, plan.semester_id)
        path = semesters.data_path(db, storage, version)
        dataset = engine.stored_data(path)
        college = part.college
        scope = college if college != CENTRAL else None
        cadres = dataset.cadres
        mine = (
            cadres[cadres["college"].astype(str) == college]
            if scope
            else cadres[cadres["central"].astype(bool)]
        )
        history = flows.adjustments(db, plan.id, college)
        pending = flows.pending_adjustment(db, plan.id, college)
        job = db.get(Job, pending.job_id) if pending and pending.job_id else None
        pairs = flows.part_pairs(db, storage, plan, college)
        table = plans.TableQuery()
        changed = plans.changes(db, plan.id, scope, table) if scope else None
        names = {c.college: c.name for c in plans.plan_colleges(db, plan)}
        active = flows.active_adjustment(db, plan.id, college)
        shown = flows.part_figures(db, plan, college, active) if scope else None
        context = {
            "plan": plan,
            "semester": semester,
            "part": part,
            "key": flows.key_of(college),
            "name": names.get(college, college) if scope else _("Central part"),
            "state_label": _(PART_STATE_LABELS[PartState(part.state)]),
            "may_adjust": flows.may_adjust(who, part),
            "may_return": who.is_sao and scope is not None,
            "approved": semester.approved_plan_id is not None,
            "university": shown.university if shown else plans.kpi_cards(db, plan),
            "mine": shown.mine if shown else None,
            "adjusted": bool(shown and shown.adjusted),
            "coverage": plans.coverage_rows(db, plan.id, scope) if scope else [],
            "cadres": [
                {
                    "id": str(r.id),
                    "name": str(r.name),
                    "role": str(r.role),
                    "available": bool(r.available),
                }
                for r in mine.itertuples(index=False)
            ],
            "rows": _rows_of(dataset, pairs),
            "uncovered": shown.uncovered if shown else [],
            "changes": changed.rows if changed else [],
            "changes_total": changed.total if changed else 0,
            "history": [
                {
                    "adjustment": a,
                    "cost": flows.cost_words(a.terms_before, a.terms_after)
                    if a.state in (AdjustmentState.DONE, AdjustmentState.UNDONE)
                    else [],
                }
                for a in history
            ],
            "active": active,
            "pending": pending,
            "job": job,
            "problems": {},
            "kinds": plans.KINDS,
            "part_notice": _(NOTICES[n])
            if (n := request.query_params.get("done")) in NOTICES
            else "",
            **(extra or {}),
        }
    return render(request, "filing/part.html", context, status=int(context.pop("status", 200)))


@router.get("/filing/{plan_id:int}/{key}")
def part_page(request: Request, plan_id: int, key: str, who: SignedIn) -> Response:
    """A part's page: its cadres (在岗), coverage, contacts, uncovered targets and changes with
    reasons, adjustments with what they cost, and the filing."""
    return _part_page(request, who, plan_id, key)


@router.get("/filing/{plan_id:int}/{key}/state.json")
def part_state(request: Request, plan_id: int, key: str, who: SignedIn) -> dict[str, Any]:
    """Whether the part's re-plan is still running (polled by ``app.js``)."""
    with _answers(request) as db:
        plan, part = flows.get_part(db, plan_id, key, who)
        finished, job = _replan_state(db, plan, part)
        return {
            "finished": finished,
            "state": part.state,
            "stage": _(job.stage) if job and job.stage else "",
        }


def _replan_state(db: Session, plan: Plan, part: PlanPart) -> tuple[bool, Job | None]:
    """Whether the part's re-plan has finished (or none is pending), and its job."""
    pending = flows.pending_adjustment(db, plan.id, part.college)
    job = db.get(Job, pending.job_id) if pending and pending.job_id else None
    return pending is None or (job is not None and job.state in FINISHED), job


def _step(
    request: Request,
    who: Principal,
    plan_id: int,
    key: str,
    step: Callable[[Session, Plan, PlanPart], object],
    done: str,
) -> Response:
    """Run one step on a part; 409 with the reason when its state forbids it, the page with
    the form's problems when the form is wrong."""
    try:
        with _answers(request) as db:
            plan, part = flows.get_part(db, plan_id, key, who)
            step(db, plan, part)
            url = f"/filing/{plan.id}/{flows.key_of(part.college)}?done={done}"
    except flows.WrongState as exc:
        return _conflict(request, exc.message, f"/filing/{plan_id}/{key}")
    except FormError as exc:
        return _part_page(request, who, plan_id, key, {"problems": exc.problems, "status": 400})
    return redirect(url)


@router.post("/filing/{plan_id:int}/{key}/pins")
def add_pin(
    request: Request,
    plan_id: int,
    key: str,
    who: Adjust,
    cadre: Short = "",
    kind: Annotated[str, Form(max_length=10)] = "",
    target: Short = "",
    rule: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Require or forbid a cadre × target within the part's authority; the part is re-planned
    (a job) with everything outside it held."""
    storage = _storage(request)

    queued: list[int] = []

    def step(db: Session, plan: Plan, part: PlanPart) -> object:
        adjustment = flows.adjust(
            db, storage, plan, part, who, cadre=cadre, kind=kind, target=target, rule=rule
        )
        if adjustment.job_id is not None:
            queued.append(adjustment.job_id)
        return adjustment

    answer = _step(request, who, plan_id, key, step, "pin")
    if answer.status_code == 303 and queued and _wait_for_job(request, queued[0]):
        return redirect(answer.headers["location"].split("?")[0] + "?done=replanned")
    return answer


WAIT_POLL_SECONDS = 0.025
"""How often a pin waiting for its re-plan looks at its job (one row by its key)."""


def _wait_for_job(request: Request, job_id: int) -> bool:
    """Wait (``replan_wait_seconds`` at most) until the pin's re-plan job has finished, so that
    the browser's next page is the updated part and not the one that polls for it; whether
    it has."""
    deadline = time.monotonic() + request.app.state.settings.replan_wait_seconds
    while time.monotonic() < deadline:
        time.sleep(WAIT_POLL_SECONDS)
        with _answers(request) as db:
            state = db.scalar(select(Job.state).where(Job.id == job_id))
            if state is None or state in FINISHED:
                return True
    return False


@router.post("/filing/{plan_id:int}/{key}/undo")
def undo(request: Request, plan_id: int, key: str, who: Adjust) -> Response:
    """Undo the part's newest adjustment."""
    return _step(
        request, who, plan_id, key, lambda db, plan, part: flows.undo(db, plan, part, who), "undone"
    )


@router.post("/filing/{plan_id:int}/{key}/file")
def file_part(request: Request, plan_id: int, key: str, who: Adjust, note: Note = "") -> Response:
    """File (备案) the part with a sign-off: it is read-only afterwards."""
    storage = _storage(request)
    return _step(
        request,
        who,
        plan_id,
        key,
        lambda db, plan, part: flows.file_part(db, storage, plan, part, who, note),
        "filed",
    )


@router.post("/filing/{plan_id:int}/{key}/withdraw")
def withdraw(request: Request, plan_id: int, key: str, who: Adjust) -> Response:
    """Withdraw the filing (before approval)."""
    return _step(
        request,
        who,
        plan_id,
        key,
        lambda db, plan, part: flows.withdraw(db, plan, part, who),
        "withdrawn",
    )


@router.post("/filing/{plan_id:int}/{key}/return")
def return_part(
    request: Request, plan_id: int, key: str, who: ReturnPart, reason: Note = ""
) -> Response:
    """The SAO returns a filed part for changes (退回修改), with its reason."""
    return _step(
        request,
        who,
        plan_id,
        key,
        lambda db, plan, part: flows.return_part(db, plan, part, who, reason),
        "returned",
    )


@router.post("/filing/{plan_id:int}/{key}/available")
def set_available(
    request: Request,
    plan_id: int,
    key: str,
    who: Adjust,
    cadre: Short = "",
    available: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Correct a cadre's 在岗: a new data version of the rosters."""
    storage = _storage(request)

    def step(db: Session, plan: Plan, part: PlanPart) -> object:
        if part.college == CENTRAL:
            raise flows.NotYours
        semester = db.get(Semester, plan.semester_id)
        assert semester is not None
        return flows.correct_availability(
            db, storage, semester, who, part.college, cadre.strip(), available == "yes"
        )

    def run() -> Response:
        try:
            return _step(request, who, plan_id, key, step, "available")
        except engine.InputError as exc:
            message = "; ".join(str(p) for p in exc.problems[:5])
            return _conflict(request, message, f"/filing/{plan_id}/{key}")

    return run()


# --------------------------------------------------------------------------------------------
# The SAO's board, approval, verification, next semester


def _semester(db: Session, semester_id: int) -> Semester:
    semester = db.get(Semester, semester_id)
    if semester is None:
        raise HTTPException(status_code=404)
    return semester


def _board_page(
    request: Request, who: Principal, semester_id: int, extra: dict[str, Any] | None = None
) -> Response:
    with request.app.state.db.session() as db:
        semester = _semester(db, semester_id)
        plan = flows.current_proposal(db, semester.id)
        approved = db.get(Plan, semester.approved_plan_id) if semester.approved_plan_id else None
        rows = flows.board(db, plan) if plan else []
        context = {
            "semester": semester,
            "plan": plan,
            "rows": rows,
            "late": [r for r in rows if r.late and r.part.college != CENTRAL],
            "approved": approved,
            "colleges": plans.plan_colleges(db, plan) if plan else [],
            "labels": {s: _(v) for s, v in PART_STATE_LABELS.items()},
            "all_filed": bool(rows)
            and all(r.part.state == PartState.FILED for r in rows if r.part.college != CENTRAL),
            "verified": None,
            "problems": {},
            "board_notice": _(NOTICES[n])
            if (n := request.query_params.get("done")) in NOTICES
            else "",
            **(extra or {}),
        }
    return render(request, "filing/board.html", context, status=int(context.pop("status", 200)))


@router.get("/semesters/{semester_id}/filing")
def filing_board(request: Request, semester_id: int, who: ViewAll) -> Response:
    """The SAO's status board: every part's state, who and when, coverage, changes, the
    colleges that have not filed; approval and the approved plan's downloads."""
    return _board_page(request, who, semester_id)


@router.post("/semesters/{semester_id}/filing/approve")
async def approve(request: Request, semester_id: int, who: Approve) -> Response:
    """Approve the university plan (every college filed): merged, checked, frozen, hashed."""

    def run() -> Response:
        storage = _storage(request)
        try:
            with _answers(request) as db:
                semester = _semester(db, semester_id)
                flows.approve(db, storage, semester, who)
        except flows.WrongState as exc:
            return _conflict(request, exc.message, f"/semesters/{semester_id}/filing")
        return redirect(f"/semesters/{semester_id}/filing?done=approved")

    return await run_in_threadpool(run)


@router.get("/semesters/{semester_id}/filing/verify")
def verify(request: Request, semester_id: int, who: ViewAll) -> Response:
    """Check the approved plan's files against the hashes recorded at approval."""
    storage = _storage(request)
    try:
        with request.app.state.db.session() as db:
            lines = flows.verify(db, storage, _semester(db, semester_id))
    except flows.WrongState as exc:
        return _conflict(request, exc.message, f"/semesters/{semester_id}/filing")
    return _board_page(request, who, semester_id, {"verified": lines})


@router.post("/semesters/{semester_id}/filing/next")
def next_semester(
    request: Request,
    semester_id: int,
    who: Semesters,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Start the next semester from the approved plan (its contacts are ``previous``), with
    this semester's rosters copied to be updated."""
    storage = _storage(request)
    try:
        with _answers(request) as db:
            nxt = flows.start_next_semester(db, storage, _semester(db, semester_id), who, name)
            url = f"/semesters/{nxt.id}"
    except flows.WrongState as exc:
        return _conflict(request, exc.message, f"/semesters/{semester_id}/filing")
    except FormError as exc:
        return _board_page(request, who, semester_id, {"problems": exc.problems, "status": 400})
    return redirect(url, "semester_created")


@router.get("/filing")
def filing_home(request: Request, who: SignedIn) -> Response:
    """The newest semester's filing: a college secretary's own part, everyone else's board."""
    with request.app.state.db.session() as db:
        newest = next(iter(semesters.list_semesters(db)), None)
        plan = flows.current_proposal(db, newest.id) if newest else None
        if newest is None or plan is None:
            raise HTTPException(status_code=404)
        if who.scope_college is not None:
            return redirect(f"/filing/{plan.id}/{who.scope_college}")
        return redirect(f"/semesters/{newest.id}/filing")


@router.get("/filing/approved/{plan_id:int}/{college}.xlsx")
def college_workbook(request: Request, plan_id: int, college: str, who: SignedIn) -> Response:
    """One college's contacts and uncovered targets in the approved plan, as a workbook (a
    college secretary gets its own college's only)."""
    from planner.service.semesters.views import XLSX, attachment

    scope = who.scope_college
    if scope is not None and college != scope:
        raise HTTPException(status_code=404)
    with request.app.state.db.session() as db:
        plan = db.get(Plan, plan_id)
        if plan is None or plan.state != "approved":
            raise HTTPException(status_code=404)
        rows = flows.college_rows(db, plan.id, college)
        if rows is None:
            raise HTTPException(status_code=404)
    data = engine.workbook_bytes(lambda book: flows.fill_college_workbook(book, *rows))
    return attachment(f"plan{plan.id}-{college}.xlsx", data, XLSX)
