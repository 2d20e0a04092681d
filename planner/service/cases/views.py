"""Students' problems: the list (ages, who holds each), one case with its history and the
steps the user may take, and taking a step.

Which steps a user may take is the ledger engine's rule (:data:`planner.ledger.cases.MAY`),
checked again on the server when the step is posted; a college never reaches another
college's case (404, as for a missing one).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from planner import ledger
from planner.i18n import gettext as _
from planner.ledger.cases import STATUS_LABELS, office_label
from planner.ledger.vocabulary import CATEGORY_OFFICES, Category
from planner.service import permissions as perms
from planner.service.cases import service
from planner.service.forms import FormError
from planner.service.ledger.models import ContactEntry
from planner.service.ledger.records import day_or_none
from planner.service.ledger.service import college_names, plan_in_force, scope_filter, today
from planner.service.permissions import Principal
from planner.service.semesters.models import Semester
from planner.service.web import redirect, render

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
Actor = Annotated[Principal, Depends(perms.ACT_ON_CASES)]


def _newest(db: Any) -> tuple[Semester | None, dict[str, str]]:
    """The newest semester and the college names of its plan in force."""
    newest = db.scalar(select(Semester).order_by(Semester.id.desc()).limit(1))
    return newest, (college_names(db, plan_in_force(db, newest)) if newest else {})


def _words() -> dict[str, Any]:
    return {
        "STATUS_LABELS": STATUS_LABELS,
        "categories": [(c.value, ledger.category_label(c.value)) for c in Category],
        "category_label": ledger.category_label,
        "activity_label": ledger.activity_label,
        "office_label": office_label,
    }


@router.get("/cases")
def case_list(
    request: Request,
    who: SignedIn,
    status: Annotated[str, Query(max_length=10)] = "open",
    college: Annotated[str, Query(max_length=64)] = "",
    category: Annotated[str, Query(max_length=20)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """The cases not yet answered (or another status), oldest first, with who holds each."""
    status = status if status in service.FILTERS else "open"
    asked = service.CaseQuery(status, scope_filter(who, college), category, None, page)
    day = today()
    with request.app.state.db.session() as db:
        rows, table = service.case_list(db, asked, day)
        counts = service.counts_by_status(db, asked.college)
        semester, names = _newest(db)
    context = {
        "semester": semester,
        "rows": rows,
        "cases": service.summary_rows(table),
        "counts": counts,
        "names": names,
        "params": {
            k: v
            for k, v in {"status": status, "college": college, "category": category}.items()
            if v
        },
        "today": day,
        **_words(),
    }
    return render(request, "cases/list.html", context)


def _case_page(
    request: Request,
    who: Principal,
    case_id: int,
    problems: dict[str, str],
    status: int = 200,
    posted: str = "",
) -> Response:
    with request.app.state.db.session() as db:
        case = service.get_case(db, case_id, who)
        if case is None:
            raise HTTPException(status_code=404)
        steps = service.history(db, case)
        entry = db.get(ContactEntry, case.record_id)
        semester = db.get(Semester, case.semester_id)
        table = service.summary_rows(
            ledger.case_table([service.engine_case(case, steps)], today())
        )[0]
        _semester, names = _newest(db)
    context = {
        "posted": posted,
        "case": case,
        "row": table,
        "steps": steps,
        "entry": entry,
        "semester": semester,
        "names": names,
        "next_steps": service.next_steps(case, who),
        "suggested_office": _suggested_office(case.category),
        "problems": problems,
        "today": today().isoformat(),
        **_words(),
    }
    return render(request, "cases/case.html", context, status=status)


def _suggested_office(category: str) -> str:
    """The office a problem of ``category`` usually goes to (a suggestion; the SAO decides)."""
    try:
        return _(CATEGORY_OFFICES[Category(category)])
    except ValueError:
        return ""


@router.get("/cases/{case_id}")
def case_page(request: Request, case_id: int, who: SignedIn) -> Response:
    """One case: the problem, where it is, its history, and the next steps."""
    return _case_page(request, who, case_id, {})


@router.post("/cases/{case_id}/steps")
async def take_step(request: Request, case_id: int, who: Actor) -> Response:
    """Take one step (send to the SAO, pass on, answer, feed back)."""
    data = await request.form()
    to = str(data.get("to") or "")[:20]
    office = str(data.get("office") or "")[:200].strip()
    note = str(data.get("note") or "")[:4000].strip()
    on_text = str(data.get("on") or "")[:20]
    problems: dict[str, str] = {}
    with request.app.state.db.session() as db:
        case = service.get_case(db, case_id, who)
        if case is None:
            raise HTTPException(status_code=404)
        on = day_or_none(on_text) or (today() if not on_text else None)
        if on is None:
            problems = {"on": _("write a date such as 2026-09-15")}
        else:
            try:
                service.take_step(
                    db, case, who, to=to, on=on, today=today(), office=office, note=note
                )
            except FormError as exc:
                problems = exc.problems
    if problems:
        return _case_page(request, who, case_id, problems, status=400, posted=to)
    return redirect(f"/cases/{case_id}", "case_moved")
