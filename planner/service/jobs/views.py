"""A job's progress page, its JSON for the page's poller, cancel and re-run; starting a
proposal from a semester's page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from planner.i18n import gettext as _
from planner.service import permissions as perms
from planner.service.forms import FormError
from planner.service.jobs import service
from planner.service.jobs.models import FINISHED, STATE_LABELS, Job, JobKind
from planner.service.permissions import Principal
from planner.service.plans import flows
from planner.service.semesters import service as semesters
from planner.service.semesters.views import semester_page
from planner.service.storage import Storage
from planner.service.web import redirect, render

router = APIRouter()
ViewAll = Annotated[Principal, Depends(perms.VIEW_ALL)]
RunProposal = Annotated[Principal, Depends(perms.RUN_PROPOSAL)]


@router.post("/semesters/{semester_id}/proposals")
async def start_proposal(request: Request, semester_id: int, who: RunProposal) -> Response:
    """Queue the whole-university plan; go to its progress page."""
    form = await request.form()
    upload = form.get("scenario_file")
    scenario_upload = None
    if isinstance(upload, UploadFile) and upload.filename:
        scenario_upload = (upload.filename, await upload.read(flows.MAX_SCENARIO_BYTES + 1))
    version = str(form.get("version") or "")
    scenario = str(form.get("scenario") or "default")[:100]

    def start() -> Response:
        state = request.app.state
        try:
            with state.db.session() as db:
                semester = semesters.get_semester(db, semester_id)
                if semester is None:
                    raise HTTPException(status_code=404)
                job = flows.start_proposal(
                    db,
                    Storage(state.settings.data_dir),
                    semester,
                    who,
                    version_number=int(version) if version.isdigit() else None,
                    scenario_name=scenario,
                    scenario_upload=scenario_upload,
                )
        except FormError as exc:
            return semester_page(request, who, semester_id, {"problems": exc.problems}, status=400)
        return redirect(f"/jobs/{job.id}", "job_queued")

    return await run_in_threadpool(start)


def _proposal(request: Request, job_id: int) -> Job:
    with request.app.state.db.session() as db:
        return proposal_job(db, job_id)


def proposal_job(db: Session, job_id: int) -> Job:
    """The proposal job ``job_id``; 404 for any other id."""
    job = db.get(Job, job_id)
    if job is None or job.kind != JobKind.PROPOSAL:
        raise HTTPException(status_code=404)
    return job


@router.get("/jobs/{job_id:int}")
def job_page(request: Request, job_id: int, who: ViewAll) -> Response:
    """Progress of a plan run (a script refreshes it; reloading the page works too)."""
    job = _proposal(request, job_id)
    with request.app.state.db.session() as db:
        semester = semesters.get_semester(db, job.semester_id)
    return render(
        request,
        "jobs/job.html",
        {
            "job": job,
            "semester": semester,
            "finished": job.state in FINISHED,
            "STATE_LABELS": STATE_LABELS,
        },
    )


@router.get("/jobs/{job_id}.json")
def job_status(request: Request, job_id: int, who: ViewAll) -> dict[str, Any]:
    """The job's state and progress (polled by ``app.js``)."""
    job = _proposal(request, job_id)
    status = service.status(job)
    status["stage"] = _(status["stage"]) if status["stage"] else ""
    status["log"] = [_(line) for line in status["log"]]
    return {**status, "state_label": _(STATE_LABELS[job.state])}


@router.post("/jobs/{job_id}/cancel")
def cancel(request: Request, job_id: int, who: RunProposal) -> Response:
    """Stop a queued or running plan run; nothing of it is stored."""
    with request.app.state.db.session() as db:
        service.request_cancel(db, proposal_job(db, job_id), who)
    return redirect(f"/jobs/{job_id}", "job_cancel")


@router.post("/jobs/{job_id}/rerun")
def rerun(request: Request, job_id: int, who: RunProposal) -> Response:
    """Run a finished (cancelled, interrupted, failed) plan run again as a new job."""
    with request.app.state.db.session() as db:
        job = proposal_job(db, job_id)
        if job.state not in FINISHED:
            raise HTTPException(status_code=400)
        new = service.rerun(db, job, who)
    return redirect(f"/jobs/{new.id}", "job_queued")
