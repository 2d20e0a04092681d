"""Who may call which route: one :class:`Permission` per capability, declared by every route.

Each route names its permission as a dependency (``Depends(perms.UPLOAD_ROSTERS)``); the
permission loads the signed-in user from the session cookie, answers 303 to the sign-in page
when there is none, 403 when the role may not, and checks the CSRF token of every request that
changes something. :func:`route_table` lists every route with its permission, so a test can
walk every route × every role (and fail on a route that declares none).

Object-level checks (a college secretary asking for another college's rows) are made by the
service functions, which take the :class:`Principal` and answer "not found" for both "not
yours" and "does not exist".
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Mount

from planner.service.accounts.models import Role

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass(frozen=True)
class Principal:
    """The signed-in user of a request."""

    user_id: int
    username: str
    display_name: str
    role: str
    college: str | None
    csrf_token: str
    session_hash: str

    @property
    def is_sao(self) -> bool:
        """SAO administrator or staff."""
        return self.role in (Role.SAO_ADMIN, Role.SAO_STAFF)

    @property
    def sees_everything(self) -> bool:
        """Everyone but a college secretary sees the whole university."""
        return self.role != Role.COLLEGE

    @property
    def scope_college(self) -> str | None:
        """The only college this user may see, or None when it may see every college."""
        return None if self.sees_everything else (self.college or "\x00none")


class SignInRequired(Exception):
    """No valid session: the app answers with a redirect to the sign-in page."""


ALL_ROLES = frozenset(Role)


class Permission:
    """A capability: the roles that have it; ``public`` routes need no session."""

    def __init__(self, name: str, roles: frozenset[Role], *, public: bool = False) -> None:
        self.name = name
        self.roles = roles
        self.public = public

    def __repr__(self) -> str:
        return f"Permission({self.name})"

    def allows(self, role: str | None) -> bool:
        """Whether ``role`` (None: not signed in) may use routes with this permission."""
        return self.public or (role is not None and role in self.roles)

    async def __call__(self, request: Request) -> Principal | None:
        from planner.service.accounts.service import principal_for_request

        principal = await run_in_threadpool(principal_for_request, request)
        request.state.principal = principal
        if self.public:
            if request.method not in SAFE_METHODS:
                await check_anonymous_csrf(request, principal)
            return principal
        if principal is None:
            raise SignInRequired
        if principal.role not in self.roles:
            raise HTTPException(status_code=403)
        if request.method not in SAFE_METHODS:
            await check_csrf(request, principal.csrf_token)
        return principal


async def submitted_csrf(request: Request) -> str:
    """The CSRF token sent with a request: the header (scripts) or the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


async def check_csrf(request: Request, expected: str) -> None:
    """403 unless the request carries ``expected`` (compared in constant time)."""
    sent = await submitted_csrf(request)
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(status_code=403, detail="csrf")


async def check_anonymous_csrf(request: Request, principal: Principal | None) -> None:
    """Public forms (sign-in, sign-out) carry the pre-session token of the ``csrf`` cookie
    (double submit), or the session's token when signed in."""
    from planner.service.web import PRE_SESSION_COOKIE

    expected = principal.csrf_token if principal else request.cookies.get(PRE_SESSION_COOKIE, "")
    await check_csrf(request, expected)


PUBLIC = Permission("public", ALL_ROLES, public=True)
"""Sign-in page, language switch, static files, health check."""
SIGNED_IN = Permission("signed_in", ALL_ROLES)
"""Any signed-in user (pages scope what they show to the user's college)."""
VIEW_ALL = Permission("view_all", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF, Role.VIEWER}))
"""Whole-university data: rosters, jobs, whole-plan downloads."""
MANAGE_ROSTERS = Permission("manage_rosters", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF}))
RUN_PROPOSAL = Permission("run_proposal", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF}))
VIEW_AUDIT = Permission("view_audit", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF}))
MANAGE_SEMESTERS = Permission("manage_semesters", frozenset({Role.SAO_ADMIN}))
MANAGE_ACCOUNTS = Permission("manage_accounts", frozenset({Role.SAO_ADMIN}))
KEEP_LEDGER = Permission("keep_ledger", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF, Role.COLLEGE}))
"""Enter, import, change and delete contact records and leave (a college its own cadres')."""
ACT_ON_CASES = Permission("act_on_cases", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF, Role.COLLEGE}))
"""Take a step with a students' problem; which steps, and on whose cases, the ledger
engine's life cycle decides (a college sends its own to the SAO and feeds answers back)."""
ADJUST_PART = Permission("adjust_part", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF, Role.COLLEGE}))
"""Pins, re-plans, undo, filing and withdrawal of a part (issue 16): a college its own part,
the SAO the central part (the filing flows check which part)."""
RETURN_PART = Permission("return_part", frozenset({Role.SAO_ADMIN, Role.SAO_STAFF}))
"""Return a college's filed part for changes (退回修改)."""
APPROVE_PLAN = Permission("approve_plan", frozenset({Role.SAO_ADMIN}))
"""Approve the university plan once every college has filed."""

PERMISSIONS: tuple[Permission, ...] = (
    PUBLIC,
    SIGNED_IN,
    VIEW_ALL,
    MANAGE_ROSTERS,
    RUN_PROPOSAL,
    VIEW_AUDIT,
    MANAGE_SEMESTERS,
    MANAGE_ACCOUNTS,
    KEEP_LEDGER,
    ACT_ON_CASES,
    ADJUST_PART,
    RETURN_PART,
    APPROVE_PLAN,
)


@dataclass(frozen=True)
class RouteInfo:
    """One route of the app: method, path template, the permissions it declares."""

    method: str
    path: str
    name: str
    permissions: tuple[Permission, ...]


def route_permissions(route: APIRoute) -> tuple[Permission, ...]:
    """The :class:`Permission` dependencies ``route`` declares (directly)."""
    return tuple(
        dep.call for dep in route.dependant.dependencies if isinstance(dep.call, Permission)
    )


def _flatten(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The routes, with included routers opened (FastAPI keeps them as included routers;
    the service's routers have no prefix)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flatten(inner.routes)
        else:
            yield route


def route_table(routes: list[BaseRoute]) -> list[RouteInfo]:
    """Every route × method of the app with its permissions; static mounts are public."""
    table: list[RouteInfo] = []
    for route in _flatten(routes):
        if isinstance(route, APIRoute):
            for method in sorted(route.methods or ()):
                table.append(RouteInfo(method, route.path, route.name, route_permissions(route)))
        elif isinstance(route, Mount):
            table.append(RouteInfo("GET", route.path + "/{path}", route.name or "", (PUBLIC,)))
        else:  # any other kind of route would escape the table: make it visible
            table.append(RouteInfo("?", getattr(route, "path", "?"), type(route).__name__, ()))
    return table
