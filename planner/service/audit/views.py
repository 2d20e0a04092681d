"""The audit log page (SAO only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from planner.service import permissions as perms
from planner.service.audit import service
from planner.service.permissions import Principal
from planner.service.web import render

router = APIRouter()
Auditor = Annotated[Principal, Depends(perms.VIEW_AUDIT)]


@router.get("/audit")
def audit_log(
    request: Request,
    who: Auditor,
    action: Annotated[str, Query(max_length=40)] = "",
    user: Annotated[str, Query(max_length=64)] = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    """Every recorded change, newest first, filtered by action and user."""
    with request.app.state.db.session() as db:
        result = service.entries(db, action=action, username=user, page=page)
    params = {"action": action, "user": user}
    return render(
        request, "audit/log.html", {"log": result, "params": params, "ACTIONS": service.ACTIONS}
    )
