"""Printed pages of a plan as downloads: the approval pack (审批表), a college's 备案 copy and
the letters to each cadre (联系通知书) with their mail-merge sheet, per college.

The whole-university pack is for the SAO and viewers; a college secretary gets the 备案 copy
and the letters of the college's own cadres only (their phone and e-mail are in them); asking
for another college's is answered with 404, as for one that does not exist.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from planner.i18n import current_language
from planner.i18n import gettext as _
from planner.service import engine
from planner.service import permissions as perms
from planner.service.permissions import Principal
from planner.service.plans.models import Plan
from planner.service.semesters import service as semesters
from planner.service.semesters.models import DataVersion
from planner.service.semesters.views import XLSX, attachment
from planner.service.storage import Storage

router = APIRouter()
SignedIn = Annotated[Principal, Depends(perms.SIGNED_IN)]
ViewAll = Annotated[Principal, Depends(perms.VIEW_ALL)]
PDF = "application/pdf"
CENTRAL = "central"
_BUNDLE = re.compile(r"^[\w\-]{1,64}$")


def _inputs(request: Request, plan_id: int) -> tuple[Plan, Path, Path]:
    """The plan, its folder and the data it was made from (404 when any is missing)."""
    state = request.app.state
    with state.db.session() as db:
        plan = db.get(Plan, plan_id)
        version = db.get(DataVersion, plan.data_version_id) if plan else None
        if plan is None or version is None:
            raise HTTPException(status_code=404)
        data = semesters.data_path(db, Storage(state.settings.data_dir), version)
    folder = state.settings.data_dir / plan.folder
    if not folder.is_dir():
        raise HTTPException(status_code=404)
    return plan, folder, data


def _mine(who: Principal, college: str) -> None:
    """404 unless ``who`` may print for ``college`` (a college only its own)."""
    if not _BUNDLE.match(college):
        raise HTTPException(status_code=404)
    scope = who.scope_college
    if scope is not None and college != scope:
        raise HTTPException(status_code=404)


async def _pack(request: Request, plan_id: int, college: str | None) -> Response:
    plan, folder, data = _inputs(request, plan_id)
    language = current_language()
    try:
        pdf = await run_in_threadpool(engine.approval_pack, folder, data, college, language)
    except engine.UsageError:
        raise HTTPException(status_code=404) from None
    what = _("approval form") if college is None else _("filing form") + f"-{college}"
    return attachment(f"plan{plan.id}-{what}.pdf", pdf, PDF)


@router.get("/plans/{plan_id}/print/pack.pdf")
async def approval_pack(request: Request, plan_id: int, who: ViewAll) -> Response:
    """The approval pack of the whole plan (审批表)."""
    return await _pack(request, plan_id, None)


@router.get("/plans/{plan_id}/print/filing/{college}.pdf")
async def filing_copy(request: Request, plan_id: int, college: str, who: SignedIn) -> Response:
    """A college's 备案 copy: its part of the plan, for the college and the SAO to sign."""
    _mine(who, college)
    return await _pack(request, plan_id, college)


async def _letters(request: Request, plan_id: int, bundle: str, fmt: str) -> Response:
    plan, folder, data = _inputs(request, plan_id)
    language = current_language()
    out = await run_in_threadpool(engine.letter_bundle, folder, data, bundle, language, fmt)
    if out is None:
        raise HTTPException(status_code=404)
    name = f"plan{plan.id}-{_('letters')}-{bundle}.{fmt}"
    return attachment(name, out, PDF if fmt == "pdf" else XLSX)


@router.get("/plans/{plan_id}/print/letters/{bundle}.pdf")
async def letters_pdf(request: Request, plan_id: int, bundle: str, who: SignedIn) -> Response:
    """The letters to the cadres of a college (``central``: the SAO's cadres), one a page."""
    _mine(who, bundle)
    return await _letters(request, plan_id, bundle, "pdf")


@router.get("/plans/{plan_id}/print/letters/{bundle}.xlsx")
async def letters_sheet(request: Request, plan_id: int, bundle: str, who: SignedIn) -> Response:
    """The mail-merge sheet of a bundle of letters (one row per cadre)."""
    _mine(who, bundle)
    return await _letters(request, plan_id, bundle, "xlsx")
