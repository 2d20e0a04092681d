"""Semesters: the list, one semester's page (data versions, upload, proposals), downloads."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from planner.i18n import gettext as _
from planner.service import engine
from planner.service import permissions as perms
from planner.service.failpoints import failpoint
from planner.service.forms import FormError
from planner.service.jobs import service as jobs
from planner.service.permissions import Principal
from planner.service.plans import service as plans
from planner.service.semesters import service
from planner.service.semesters.workbook import template_bytes
from planner.service.storage import Storage
from planner.service.web import redirect, render

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
ViewAll = Annotated[Principal, Depends(perms.VIEW_ALL)]
Rosters = Annotated[Principal, Depends(perms.MANAGE_ROSTERS)]
Semesters = Annotated[Principal, Depends(perms.MANAGE_SEMESTERS)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(name: str, data: bytes, media_type: str) -> Response:
    """A download with its (possibly Chinese) file name."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/semesters")
def semester_list(request: Request, who: SignedIn) -> Response:
    """Every semester; the SAO administrator opens new ones here."""
    with request.app.state.db.session() as db:
        items = service.list_semesters(db)
    return render(request, "semesters/list.html", {"semesters": items, "problems": {}})


@router.post("/semesters")
def create_semester(
    request: Request, who: Semesters, name: Annotated[str, Form(max_length=200)] = ""
) -> Response:
    """Open a semester (it continues from the newest one)."""
    try:
        with request.app.state.db.session() as db:
            semester = service.create_semester(db, name, who)
    except FormError as exc:
        with request.app.state.db.session() as db:
            items = service.list_semesters(db)
        return render(
            request,
            "semesters/list.html",
            {"semesters": items, "problems": exc.problems, "name": name},
            status=400,
        )
    return redirect(f"/semesters/{semester.id}", "semester_created")


def semester_page(
    request: Request,
    who: Principal,
    semester_id: int,
    context: dict[str, object] | None = None,
    status: int = 200,
) -> Response:
    """The page of one semester, with ``context`` (form problems) added."""
    with request.app.state.db.session() as db:
        semester = service.get_semester(db, semester_id)
        if semester is None:
            raise HTTPException(status_code=404)
        values = {
            "semester": semester,
            "versions": service.versions(db, semester.id),
            "plans": plans.plans_for_semester(db, semester.id),
            "jobs": jobs.jobs_for_semester(db, semester.id) if who.sees_everything else [],
            "scenarios": engine.scenario_names(),
            "previous": service.get_semester(db, semester.previous_id)
            if semester.previous_id
            else None,
            "problems": {},
            "upload_problems": [],
        }
    values.update(context or {})
    return render(request, "semesters/detail.html", values, status=status)


@router.get("/semesters/{semester_id}")
def semester_detail(request: Request, semester_id: int, who: SignedIn) -> Response:
    """Data versions, the upload form, proposals and their plans."""
    return semester_page(request, who, semester_id)


@router.post("/semesters/{semester_id}/uploads")
async def upload(request: Request, semester_id: int, who: Rosters) -> Response:
    """Check uploaded rosters; store them as a data version, or show every problem."""
    settings = request.app.state.settings
    form = await request.form()
    uploads = []
    for item in form.getlist("files"):
        if isinstance(item, UploadFile):
            data = await item.read(settings.max_upload_bytes + 1)
            if len(data) > settings.max_upload_bytes:
                raise HTTPException(status_code=413)
            uploads.append(service.Upload(item.filename or "", data))
    note = str(form.get("note") or "")[:200]

    def accept() -> Response:
        state = request.app.state
        try:
            with state.db.session() as db:
                semester = service.get_semester(db, semester_id)
                if semester is None:
                    raise HTTPException(status_code=404)
                storage = Storage(settings.data_dir)
                version = service.accept_upload(db, storage, semester, uploads, who, note)
                from planner.service.filing.flows import after_upload

                after_upload(db, storage, semester, version)  # filed parts it touches go back
        except engine.InputError as exc:
            return semester_page(
                request, who, semester_id, {"upload_problems": exc.problems}, status=400
            )
        except FormError as exc:
            return semester_page(request, who, semester_id, {"problems": exc.problems}, status=400)
        failpoint("upload.stored")  # committed, not yet answered
        return redirect(f"/semesters/{semester_id}", "uploaded")

    return await run_in_threadpool(accept)


@router.get("/semesters/{semester_id}/versions/{number}/download")
def download_version(request: Request, semester_id: int, number: int, who: ViewAll) -> Response:
    """The files of a data version as uploaded (a zip when there were several)."""
    state = request.app.state
    with state.db.session() as db:
        semester = service.get_semester(db, semester_id)
        version = service.get_version(db, semester_id, number) if semester else None
        if semester is None or version is None:
            raise HTTPException(status_code=404)
        name, data = service.version_download(
            db, Storage(state.settings.data_dir), semester, version
        )
    media = (
        XLSX
        if name.endswith(".xlsx")
        else ("text/csv" if name.endswith(".csv") else "application/zip")
    )
    return attachment(name, data, media)


@router.get("/template.xlsx")
def template(request: Request, who: SignedIn) -> Response:
    """The blank roster workbook (colleges and campuses of the newest data version filled)."""
    with request.app.state.db.session() as db:
        colleges = [(c.college, c.name, c.campus) for c in service.known_colleges(db)]
    campuses = sorted({c[2] for c in colleges})
    return attachment(_("roster-template") + ".xlsx", template_bytes(campuses, colleges), XLSX)
