"""Duties kept (per cadre, per college, university-wide, on a chosen day), one cadre's duties,
the reminders workbook, the duty calendars and the annual report.

A college secretary sees the college's own cadres only; asking for another college's cadre or
calendar is answered with 404, as for one that does not exist.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from planner import ledger
from planner.i18n import current_language, pgettext
from planner.i18n import gettext as _
from planner.ledger.duties import AREAS
from planner.service import engine
from planner.service import permissions as perms
from planner.service.cases import service as cases
from planner.service.ledger import annual, duties, records, service
from planner.service.ledger.models import ContactEntry
from planner.service.ledger.views import semester_or_404, vocabulary
from planner.service.permissions import Principal
from planner.service.semesters.models import Semester
from planner.service.semesters.views import XLSX, attachment
from planner.service.web import ENVIRONMENT, redirect, render

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
ViewAll = Annotated[Principal, Depends(perms.VIEW_ALL)]
College = Annotated[str, Query(max_length=64)]
Day = Annotated[str, Query(max_length=20)]
ICS = "text/calendar; charset=utf-8"
PDF = "application/pdf"


def _day(text: str, term: ledger.Semester) -> dt.date:
    """The day asked for, or today (kept within the semester)."""
    asked = records.day_or_none(text)
    return asked if asked is not None else duties.default_day(term)


@router.get("/duties")
def duties_home(request: Request, who: SignedIn) -> Response:
    """The newest semester's duties page."""
    with request.app.state.db.session() as db:
        newest = db.scalar(select(Semester.id).order_by(Semester.id.desc()).limit(1))
    return redirect(f"/semesters/{newest}/duties" if newest else "/semesters")


@router.get("/semesters/{semester_id}/duties")
def duties_page(
    request: Request, semester_id: int, who: SignedIn, college: College = "", as_of: Day = ""
) -> Response:
    """Duties met, due and overdue on a day: the SAO's glance (dorm visits this month, open
    problems), the heatmap per college × kind, colleges, cadres, and the overdue list."""
    with request.app.state.db.session() as db:
        semester = semester_or_404(db, semester_id)
        view = service.ledger_view(db, semester, who, college)
        day = _day(as_of, view.term)
        summary = duties.page_summary(db, view, day)
        open_cases, counts = cases.open_summary(db, view.college, day)
    params = {k: v for k, v in {"college": college, "as_of": as_of}.items() if v}
    context: dict[str, Any] = {
        "semester": semester,
        "view": view,
        "as_of": day,
        "params": params,
        "figures": summary.figures,
        "month": duties.month_rows(summary.month, view) if view.college is None else [],
        "month_start": duties.month_of(day, view.term),
        "tables": _tables(summary, view, semester, day, params),
        "open_cases": open_cases,
        "case_counts": counts,
        "open_total": sum(counts.get(s, 0) for s in cases.OPEN),
    }
    return render(request, "ledger/duties.html", context)


def _tables(
    summary: duties.PageSummary,
    view: service.LedgerView,
    semester: Semester,
    day: dt.date,
    params: dict[str, str],
) -> Markup:
    """The heatmap, the cadres and the overdue list of the duties page, rendered once per
    summary, language and query (nothing in them depends on who reads them)."""
    key = (current_language(), semester.id, day, tuple(sorted(params.items())))
    found = summary.tables.get(key)
    if found is None:
        whole = view.college is None
        values = {
            "semester": semester,
            "view": view,
            "as_of": day,
            "params": params,
            "heat": duties.page_heat(summary, view) if whole else [],
            "areas": [(a, duties.area_label(a)) for a in AREAS],
            "cadres": summary.cadres,
            "overdue": duties.page_overdue(summary),
            "overdue_total": summary.overdue_total,
        }
        html = ENVIRONMENT.get_template("ledger/duties_tables.html").render(values)
        found = summary.tables[key] = Markup(html)
    return found


@router.get("/semesters/{semester_id}/duties/cadres/{cadre_id}")
def cadre_page(
    request: Request, semester_id: int, cadre_id: str, who: SignedIn, as_of: Day = ""
) -> Response:
    """One cadre: the contacts they hold, each duty with its status, their records."""
    with request.app.state.db.session() as db:
        semester = semester_or_404(db, semester_id)
        view = service.ledger_view(db, semester, who)
        contacts = view.contacts[view.contacts["cadre_id"] == cadre_id]
        if contacts.empty:
            raise HTTPException(status_code=404)
        day = _day(as_of, view.term)
        kept = duties.cadre_kept(db, view, day, cadre_id)
        entries = list(
            db.scalars(
                select(ContactEntry)
                .where(ContactEntry.semester_id == semester_id, ContactEntry.cadre_id == cadre_id)
                .order_by(ContactEntry.day.desc(), ContactEntry.id.desc())
            )
        )
        leaves = [x for x in service.leaves_of(db, semester_id) if x.cadre_id == cadre_id]
    context = {
        "semester": semester,
        "view": view,
        "as_of": day,
        "cadre": contacts.iloc[0].to_dict(),
        "contacts": contacts.to_dict("records"),
        "duties": duties.cadre_duties(kept, cadre_id),
        "figures": duties.figures(kept),
        "entries": entries,
        "leaves": leaves,
        **vocabulary(),
    }
    return render(request, "ledger/cadre.html", context)


@router.get("/semesters/{semester_id}/duties/reminders.xlsx")
def reminders_workbook(
    request: Request, semester_id: int, who: SignedIn, college: College = "", as_of: Day = ""
) -> Response:
    """One row per cadre with overdue duties and what each is (for reminders)."""
    with request.app.state.db.session() as db:
        semester = semester_or_404(db, semester_id)
        view = service.ledger_view(db, semester, who, college)
        day = _day(as_of, view.term)
        rows = duties.reminder_rows(duties.kept_frame(db, view, day))
    headers = [
        pgettext("column", "college"),
        _("Staff id"),
        _("Name"),
        pgettext("column", "overdue duties"),
        _("What is overdue"),
    ]

    def build(book: Any) -> None:
        sheet = book.active
        sheet.title = _("reminders")
        sheet.append(headers)
        for r in rows.to_dict("records"):
            lines = "\n".join(f"{i}. {line}" for i, line in enumerate(r["lines"], 1))
            sheet.append(
                [
                    view.college_label(r["college"]),
                    r["cadre_id"],
                    r["cadre_name"],
                    r["overdue"],
                    lines,
                ]
            )
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.data_type = "s" if isinstance(cell.value, str) else cell.data_type
        for column, width in zip("ABCDE", (22, 12, 12, 10, 90), strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A2"

    name = f"{semester.name}-{_('reminders')}-{day.isoformat()}.xlsx"
    return attachment(name, engine.workbook_bytes(build), XLSX)


# --------------------------------------------------------------------------------------------
# Calendars


@router.get("/semesters/{semester_id}/calendars/cadres/{cadre_id}.ics")
def cadre_calendar(request: Request, semester_id: int, cadre_id: str, who: SignedIn) -> Response:
    """A cadre's duties as an ``.ics`` calendar (recurring all-day events)."""
    with request.app.state.db.session() as db:
        semester = semester_or_404(db, semester_id)
        view = service.ledger_view(db, semester, who)
        mine = view.contacts[view.contacts["cadre_id"] == cadre_id]
        found = annual.calendar(
            db, semester, mine, view.college, current_language(), "cadres", cadre_id
        )
    return _calendar_file(request, f"{semester.name}-{cadre_id}.ics", found)


@router.get("/semesters/{semester_id}/calendars/colleges/{college}.ics")
def college_calendar(request: Request, semester_id: int, college: str, who: SignedIn) -> Response:
    """Every duty of a college's cadres (``central``: the SAO's cadres) as one calendar."""
    scope = who.scope_college
    if scope is not None and college != scope:
        raise HTTPException(status_code=404)
    with request.app.state.db.session() as db:
        semester = semester_or_404(db, semester_id)
        view = service.ledger_view(db, semester, who, college)
        found = annual.calendar(
            db, semester, view.contacts, view.college, current_language(), "colleges", college
        )
    return _calendar_file(request, f"{semester.name}-{college}.ics", found)


def _calendar_file(request: Request, name: str, found: tuple[bytes, str] | None) -> Response:
    """The calendar as a download with its entity tag (304 when the client has it already)."""
    if found is None:
        raise HTTPException(status_code=404)
    data, tag = found
    asked = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
    if tag in asked or f"W/{tag}" in asked:
        return Response(status_code=304, headers={"ETag": tag})
    response = attachment(name, data, ICS)
    response.headers["ETag"] = tag
    return response


# --------------------------------------------------------------------------------------------
# The annual report


@router.get("/ledger/annual")
def annual_page(request: Request, who: ViewAll) -> Response:
    """The school years with their semesters, and the report's downloads."""
    with request.app.state.db.session() as db:
        years = annual.school_years(db)
    return render(request, "ledger/annual.html", {"years": years})


async def _report(request: Request, year: str) -> annual.AnnualReport:
    if len(year) > 20:
        raise HTTPException(status_code=404)
    language = current_language()

    def make() -> annual.AnnualReport | None:
        with request.app.state.db.session() as db:
            return annual.annual_report(db, year, language)

    found = await run_in_threadpool(make)
    if found is None:
        raise HTTPException(status_code=404)
    return found


@router.get("/ledger/annual/{year}.pdf")
async def annual_pdf(request: Request, year: str, who: ViewAll) -> Response:
    """The annual report of a school year as a PDF."""
    report = await _report(request, year)
    data = await run_in_threadpool(annual.report_pdf, report)
    return attachment(f"{report.report.title}.pdf", data, PDF)


@router.get("/ledger/annual/{year}.xlsx")
async def annual_workbook(request: Request, year: str, who: ViewAll) -> Response:
    """The annual report of a school year as a workbook."""
    report = await _report(request, year)
    data = await run_in_threadpool(annual.report_workbook, report)
    return attachment(f"{report.report.title}.xlsx", data, XLSX)
