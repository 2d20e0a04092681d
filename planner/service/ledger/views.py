"""The ledger's pages: the records of a semester (listed, filtered), the form to add or change
one, deleting, importing the Excel ledger, the template and the ledger as workbooks, leave and
the semester's dates.

Routes are thin: each declares its permission, and the service functions scope what they show
and accept to the user's college (a record of another college is answered with 404, as a
missing one is).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from planner import ledger
from planner.i18n import gettext as _
from planner.ledger.duties import STATUS_LABELS as DUTY_STATUS
from planner.ledger.vocabulary import Activity, Category
from planner.service import engine
from planner.service import permissions as perms
from planner.service.forms import FormError
from planner.service.ledger import records, service
from planner.service.ledger.models import ContactEntry
from planner.service.ledger.service import LedgerView
from planner.service.permissions import Principal
from planner.service.semesters.models import Semester
from planner.service.semesters.views import XLSX, attachment
from planner.service.storage import Storage
from planner.service.web import redirect, render

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
Keeper = Annotated[Principal, Depends(perms.KEEP_LEDGER)]
Semesters = Annotated[Principal, Depends(perms.MANAGE_SEMESTERS)]
Text = Annotated[str, Query(max_length=100)]
FORM_FIELDS = ("cadre_id", "target", "date", "activity", "students", "note", "problems", "category")


def semester_or_404(db: Session, semester_id: int) -> Semester:
    """The semester, or 404."""
    semester = db.get(Semester, semester_id)
    if semester is None:
        raise HTTPException(status_code=404)
    return semester


def vocabulary() -> dict[str, Any]:
    """The words the ledger's forms and filters offer, in the reader's language."""
    return {
        "activities": [(a.value, ledger.activity_label(a.value)) for a in Activity],
        "categories": [(c.value, ledger.category_label(c.value)) for c in Category],
        "kinds": [(k, ledger.target_kind_label(k)) for k in ("class", "dorm", "society", "branch")],
        "activity_label": ledger.activity_label,
        "category_label": ledger.category_label,
        "DUTY_STATUS": DUTY_STATUS,
    }


@router.get("/ledger")
def ledger_home(request: Request, who: SignedIn) -> Response:
    """The newest semester's ledger (the semesters' list when there is none)."""
    with request.app.state.db.session() as db:
        newest = db.scalar(select(Semester.id).order_by(Semester.id.desc()).limit(1))
    return redirect(f"/semesters/{newest}/ledger" if newest else "/semesters")


def _filtered(view: LedgerView, params: dict[str, str]) -> Any:
    """The records query of the ledger list with its filters."""
    query = select(ContactEntry).where(ContactEntry.semester_id == view.semester.id)
    query = service.visible(query, ContactEntry.college, view.college)
    if params["q"]:
        needle = params["q"].strip().lower()
        query = query.where(
            or_(
                func.lower(ContactEntry.cadre_id).contains(needle, autoescape=True),
                func.lower(ContactEntry.cadre_name).contains(needle, autoescape=True),
                func.lower(ContactEntry.target_name).contains(needle, autoescape=True),
                func.lower(ContactEntry.target_id).contains(needle, autoescape=True),
            )
        )
    if params["kind"]:
        query = query.where(ContactEntry.kind == params["kind"])
    if params["activity"]:
        query = query.where(ContactEntry.activity == params["activity"])
    month = records.day_or_none(params["month"] + "-01") if params["month"] else None
    if month is not None:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        query = query.where(ContactEntry.day >= month, ContactEntry.day < following)
    if params["problems"]:
        query = query.where(ContactEntry.problems != "")
    return query


def ledger_page(
    request: Request,
    who: Principal,
    semester_id: int,
    params: dict[str, str],
    page: int = 1,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The ledger list of a semester, with ``extra`` (an import's outcome or problems)."""
    with request.app.state.db.session() as db:
        semester = semester_or_404(db, semester_id)
        view = service.ledger_view(db, semester, who, params.get("college", ""))
        rows = service.paged(
            db, _filtered(view, params), page, ContactEntry.day.desc(), ContactEntry.id.desc()
        )
        context = {
            "semester": semester,
            "view": view,
            "rows": rows,
            "params": {k: v for k, v in params.items() if v},
            "leaves": service.leaves_of(db, semester.id, view.college),
            "cadres": view.cadres(),
            "problems": {},
            "upload_problems": [],
            "months": _months(view.term),
            **vocabulary(),
            **(extra or {}),
        }
    return render(request, "ledger/records.html", context, status=status)


def _months(term: ledger.Semester) -> list[str]:
    return [p.key for p in term.periods("month")]


@router.get("/semesters/{semester_id}/ledger")
def ledger_list(
    request: Request,
    semester_id: int,
    who: SignedIn,
    college: Annotated[str, Query(max_length=64)] = "",
    q: Text = "",
    kind: Annotated[str, Query(max_length=10)] = "",
    activity: Annotated[str, Query(max_length=40)] = "",
    month: Annotated[str, Query(max_length=7)] = "",
    problems: Annotated[str, Query(max_length=1)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The semester's contact records, newest first: searched, filtered, paged."""
    params = {
        "college": college,
        "q": q,
        "kind": kind,
        "activity": activity,
        "month": month,
        "problems": problems,
    }
    return ledger_page(request, who, semester_id, params, page)


# --------------------------------------------------------------------------------------------
# One record: the form


def _form_page(
    request: Request,
    view: LedgerView,
    form: records.RecordForm,
    *,
    entry: ContactEntry | None = None,
    problems: dict[str, str] | None = None,
    warnings: list[str] | None = None,
    status: int = 200,
) -> Response:
    held = [
        {
            "cadre": r["cadre_id"],
            "value": f"{r['kind']}:{r['target_id']}",
            "label": f"{ledger.target_kind_label(r['kind'])} · {r['target_name']}",
        }
        for r in view.contacts.to_dict("records")
    ]
    context = {
        "semester": view.semester,
        "view": view,
        "form": form,
        "entry": entry,
        "cadres": view.cadres(),
        "held": held,
        "problems": problems or {},
        "warnings": warnings or [],
        "today": service.today().isoformat(),
        **vocabulary(),
    }
    return render(request, "ledger/record_form.html", context, status=status)


@router.get("/semesters/{semester_id}/ledger/new")
def new_record(
    request: Request,
    semester_id: int,
    who: Keeper,
    college: Annotated[str, Query(max_length=64)] = "",
    cadre: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The form for a new record (the SAO may narrow the cadres to one college)."""
    with request.app.state.db.session() as db:
        view = service.ledger_view(db, semester_or_404(db, semester_id), who, college)
    form = records.RecordForm(cadre_id=cadre, date=service.today().isoformat())
    return _form_page(request, view, form)


async def read_form(request: Request) -> records.RecordForm:
    """The record form as posted (each field cut to a sane length)."""
    data = await request.form()
    values = {name: str(data.get(name) or "")[:4000] for name in FORM_FIELDS}
    return records.RecordForm(**values, confirm=data.get("confirm") == "1")


@router.post("/semesters/{semester_id}/ledger")
async def create_record(request: Request, semester_id: int, who: Keeper) -> Response:
    """Check and store a new record (warnings are shown first, to save anyway)."""
    form = await read_form(request)
    college = str((await request.form()).get("college") or "")[:64]

    def save() -> Response:
        with request.app.state.db.session() as db:
            view = service.ledger_view(db, semester_or_404(db, semester_id), who, college)
            try:
                checked = records.check_record(view, form)
                if checked.warnings and not form.confirm:
                    return _form_page(request, view, form, warnings=checked.warnings)
                entry = records.add_record(db, view, checked, who)
            except FormError as exc:
                return _form_page(request, view, form, problems=exc.problems, status=400)
        return redirect(_cadre_list(semester_id, entry.cadre_id), "record_added")

    return await run_in_threadpool(save)


def _cadre_list(semester_id: int, cadre_id: str) -> str:
    """The ledger list showing one cadre's records (where a saved record is seen at once)."""
    return f"/semesters/{semester_id}/ledger?" + urlencode({"q": cadre_id})


def _record(db: Session, record_id: int, who: Principal) -> tuple[ContactEntry, LedgerView]:
    entry = records.get_record(db, record_id, who)
    if entry is None:
        raise HTTPException(status_code=404)
    semester = semester_or_404(db, entry.semester_id)
    view = service.ledger_view(db, semester, who, entry.college or service.CENTRAL)
    return entry, view


@router.get("/ledger/records/{record_id}/edit")
def edit_record(request: Request, record_id: int, who: Keeper) -> Response:
    """The form of a stored record, to change or delete it."""
    with request.app.state.db.session() as db:
        entry, view = _record(db, record_id, who)
        return _form_page(request, view, records.RecordForm.of(entry), entry=entry)


@router.post("/ledger/records/{record_id}")
async def update_record(request: Request, record_id: int, who: Keeper) -> Response:
    """Check and store the changed record."""
    form = await read_form(request)

    def save() -> Response:
        with request.app.state.db.session() as db:
            entry, view = _record(db, record_id, who)
            try:
                checked = records.check_record(view, form)
                if checked.warnings and not form.confirm:
                    return _form_page(request, view, form, entry=entry, warnings=checked.warnings)
                records.change_record(db, view, entry, checked, who)
            except FormError as exc:
                return _form_page(
                    request, view, form, entry=entry, problems=exc.problems, status=400
                )
            semester_id, cadre_id = entry.semester_id, entry.cadre_id
        return redirect(_cadre_list(semester_id, cadre_id), "record_changed")

    return await run_in_threadpool(save)


@router.post("/ledger/records/{record_id}/delete")
def remove_record(request: Request, record_id: int, who: Keeper) -> Response:
    """Delete a record (refused once one of its problems is with the SAO)."""
    with request.app.state.db.session() as db:
        entry, view = _record(db, record_id, who)
        semester_id = entry.semester_id
        try:
            records.delete_record(db, entry, who)
        except FormError as exc:
            form = records.RecordForm.of(entry)
            return _form_page(request, view, form, entry=entry, problems=exc.problems, status=400)
    return redirect(f"/semesters/{semester_id}/ledger", "record_deleted")


# --------------------------------------------------------------------------------------------
# Importing, the template, the ledger as a workbook


@router.post("/semesters/{semester_id}/ledger/import")
async def import_file(request: Request, semester_id: int, who: Keeper) -> Response:
    """Import a ledger file: every problem located and nothing stored, or the new records."""
    settings = request.app.state.settings
    form = await request.form()
    upload = form.get("file")
    name, data = "", b""
    if isinstance(upload, UploadFile):
        name = upload.filename or ""
        data = await upload.read(settings.max_upload_bytes + 1)
        if len(data) > settings.max_upload_bytes:
            raise HTTPException(status_code=413)
    college = str(form.get("college") or "")[:64]
    params = dict.fromkeys(("college", "q", "kind", "activity", "month", "problems"), "")
    params["college"] = college

    def load() -> Response:
        extra: dict[str, Any]
        try:
            with request.app.state.db.session() as db:
                view = service.ledger_view(db, semester_or_404(db, semester_id), who, college)
                done = records.import_ledger(db, Storage(settings.data_dir), view, name, data, who)
            extra, status = {"imported": done}, 200
        except engine.InputError as exc:
            extra, status = {"upload_problems": exc.problems}, 400
        except FormError as exc:
            extra, status = {"problems": exc.problems}, 400
        return ledger_page(request, who, semester_id, params, 1, extra, status)

    return await run_in_threadpool(load)


def _workbook(view: LedgerView, records_frame: Any = None) -> bytes:
    """The ledger workbook of the view's contacts (blank, or with ``records_frame``)."""
    import tempfile
    from pathlib import Path

    from planner.i18n import current_language

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.xlsx"
        ledger.write_ledger_workbook(
            path, view.contacts, view.term, records_frame, language=current_language()
        )
        return path.read_bytes()


def _file_name(view: LedgerView, what: str) -> str:
    college = view.college or _("whole university")
    return f"{view.semester.name}-{what}-{college}.xlsx"


@router.get("/semesters/{semester_id}/ledger/template.xlsx")
def template_workbook(
    request: Request,
    semester_id: int,
    who: Keeper,
    college: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The ledger template, its dropdowns filled with the college's cadres and targets."""
    with request.app.state.db.session() as db:
        view = service.ledger_view(db, semester_or_404(db, semester_id), who, college)
    return attachment(_file_name(view, _("ledger template")), _workbook(view), XLSX)


@router.get("/semesters/{semester_id}/ledger/ledger.xlsx")
def ledger_workbook(
    request: Request,
    semester_id: int,
    who: SignedIn,
    college: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The ledger written out as the template workbook (it imports back unchanged)."""
    with request.app.state.db.session() as db:
        view = service.ledger_view(db, semester_or_404(db, semester_id), who, college)
        frame = service.records_frame(db, semester_id, view.college)
    return attachment(_file_name(view, _("work ledger")), _workbook(view, frame), XLSX)


# --------------------------------------------------------------------------------------------
# Leave and the semester's dates


@router.post("/semesters/{semester_id}/leaves")
async def add_leave(request: Request, semester_id: int, who: Keeper) -> Response:
    """Record a cadre's leave (no duty is owed for the days away)."""
    data = await request.form()
    fields = {k: str(data.get(k) or "")[:300] for k in ("cadre_id", "starts_on", "ends_on", "note")}

    def save() -> Response:
        with request.app.state.db.session() as db:
            view = service.ledger_view(db, semester_or_404(db, semester_id), who)
            try:
                records.add_leave(
                    db,
                    view,
                    who,
                    fields["cadre_id"],
                    fields["starts_on"],
                    fields["ends_on"],
                    fields["note"],
                )
            except FormError as exc:
                params = dict.fromkeys(
                    ("college", "q", "kind", "activity", "month", "problems"), ""
                )
                extra = {"leave_problems": exc.problems, "leave_form": fields}
                return ledger_page(request, who, semester_id, params, 1, extra, 400)
        return redirect(f"/semesters/{semester_id}/ledger#leave", "leave_added")

    return await run_in_threadpool(save)


@router.post("/ledger/leaves/{leave_id}/delete")
def delete_leave(request: Request, leave_id: int, who: Keeper) -> Response:
    """Delete a leave entry."""
    with request.app.state.db.session() as db:
        leave = records.get_leave(db, leave_id, who)
        if leave is None:
            raise HTTPException(status_code=404)
        semester_id = leave.semester_id
        records.delete_leave(db, leave, who)
    return redirect(f"/semesters/{semester_id}/ledger#leave", "leave_deleted")


@router.post("/semesters/{semester_id}/ledger/dates")
async def set_dates(request: Request, semester_id: int, who: Semesters) -> Response:
    """Set the first and last day of the semester's contact work."""
    data = await request.form()
    start, end = str(data.get("starts_on") or "")[:20], str(data.get("ends_on") or "")[:20]
    try:
        with request.app.state.db.session() as db:
            service.set_dates(db, semester_or_404(db, semester_id), start, end, who)
    except FormError as exc:
        params = dict.fromkeys(("college", "q", "kind", "activity", "month", "problems"), "")
        extra = {"date_problems": exc.problems, "dates_form": {"starts_on": start, "ends_on": end}}
        return ledger_page(request, who, semester_id, params, 1, extra, 400)
    return redirect(f"/semesters/{semester_id}/ledger", "dates_set")
