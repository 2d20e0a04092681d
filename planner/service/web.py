"""What every page shares: the Jinja2 templates (with the message catalogue), the language of
each request, notices after a redirect, security headers and the pre-session CSRF cookie."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from planner import i18n
from planner.i18n import N_
from planner.i18n import gettext as _
from planner.service.accounts.models import ROLE_LABELS, Role
from planner.service.jobs.models import STATE_LABELS

HERE = Path(__file__).resolve().parent
DOMAINS = ("accounts", "semesters", "jobs", "plans", "audit", "ledger", "cases", "filing")
TEMPLATE_DIRS = [HERE / "templates", *(HERE / d / "templates" for d in DOMAINS)]
STATIC_DIR = HERE / "static"
LANGUAGE_COOKIE = "planner_lang"
PRE_SESSION_COOKIE = "planner_csrf"
DEFAULT_LANGUAGE = "zh"
TIMEZONE = ZoneInfo(os.environ.get("PLANNER_TIMEZONE") or "Asia/Shanghai")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline script or style anywhere: pages load ``/static/app.js`` and ``app.css`` only."""

NOTICES: dict[str, str] = {
    "signed_out": N_("You have signed out."),
    "semester_created": N_("The semester was created."),
    "uploaded": N_("The rosters were checked and stored as a new data version."),
    "job_queued": N_("The plan run is queued; this page shows its progress."),
    "job_cancel": N_("Cancelling: the run stops within a few seconds and writes nothing."),
    "user_added": N_("The account was added."),
    "password_set": N_("The password was changed; the account's sessions were ended."),
    "user_changed": N_("The account was changed."),
    "record_added": N_("The contact record was checked and added to the ledger."),
    "record_changed": N_("The contact record was changed."),
    "record_deleted": N_("The contact record was deleted."),
    "leave_added": N_("The leave was recorded: no duty is owed for those days."),
    "leave_deleted": N_("The leave was deleted."),
    "dates_set": N_("The semester's dates were set."),
    "case_moved": N_("The problem moved on; the step is in its history."),
}
"""Messages a redirect may ask the next page to show (by key: no text travels in the URL)."""


def local_time(value: dt.datetime | None) -> str:
    """A timestamp as an office reads it: ``2026-12-03 16:05`` in the university's zone."""
    if value is None:
        return ""
    return value.astimezone(TIMEZONE).strftime("%Y-%m-%d %H:%M")


def number(value: Any) -> str:
    """``12,345``; an empty cell for None."""
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}"


def percent(part: int, whole: int) -> str:
    """``97.5%``; a dash when there is nothing to divide."""
    return f"{part / whole:.1%}" if whole else "—"


def kind_label(kind: str) -> str:
    """A target kind in the reader's language."""
    return _(KIND_WORDS.get(kind, kind))


def role_label(role: str) -> str:
    """A cadre role (contract vocabulary) in the reader's language."""
    return _(CADRE_ROLE_WORDS.get(role, role))


KIND_WORDS = {
    "class": N_("class"),
    "dorm": N_("dorm room"),
    "society": N_("society"),
    "branch": N_("party branch"),
}
VERDICTS = {
    "worse": N_("worse"),
    "as good": N_("as good"),
    "better": N_("better"),
    "impossible": N_("impossible"),
    "unknown": N_("unknown"),
}
"""An alternative's verdict (:class:`planner.explain.Alternative`) as users read it."""
DOWNLOAD_LABELS = {
    "assignments.xlsx": N_("Workbook of the plan (all sheets)"),
    "assignments.csv": N_("Assignments (CSV)"),
    "uncovered.csv": N_("Uncovered targets (CSV)"),
    "changes.csv": N_("Changes since last semester (CSV)"),
    "coverage.csv": N_("Coverage by college (CSV)"),
    "coverage_college_kind.png": N_("Heatmap: college × kind"),
    "coverage_campus_kind.png": N_("Heatmap: campus × kind"),
    "dorm_coverage_campus_grade.png": N_("Heatmap: dorm rooms by campus × entry year"),
    "plan.json": N_("Figures and fingerprints (plan.json)"),
}
"""The files of a plan folder as the download list names them."""
CADRE_ROLE_WORDS = {
    "school_leader": N_("school leader"),
    "office_leader": N_("office leader"),
    "sao_cadre": N_("SAO cadre"),
    "league_cadre": N_("Youth League cadre"),
    "college_leader": N_("college leader"),
    "dept_leader": N_("department leader"),
    "professor": N_("distinguished professor"),
    "young_teacher": N_("young teacher"),
}


def query_string(params: dict[str, Any], **changes: Any) -> str:
    """``?a=1&b=2`` from ``params`` with ``changes`` (None drops a key)."""
    merged = {k: v for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


def make_environment() -> Environment:
    """The Jinja2 environment: autoescaped, with ``_``/``ngettext`` from the catalogue."""
    env = Environment(
        loader=FileSystemLoader([str(d) for d in TEMPLATE_DIRS]),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters.update(
        local_time=local_time,
        number=number,
        kind_label=kind_label,
        role_label=role_label,
        tr=i18n.gettext,  # translate a stored text as it is (no %-formatting)
    )
    env.globals.update(
        percent=percent,
        ROLE_LABELS=ROLE_LABELS,
        STATE_LABELS=STATE_LABELS,
        Role=Role,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        KIND_WORDS=KIND_WORDS,
        CADRE_ROLE_WORDS=CADRE_ROLE_WORDS,
        VERDICTS=VERDICTS,
        DOWNLOAD_LABELS=DOWNLOAD_LABELS,
        query=query_string,
    )
    return env


ENVIRONMENT = make_environment()


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render ``template`` for ``request`` (the signed-in user, language and notice known)."""
    principal = getattr(request.state, "principal", None)
    notice_key = request.query_params.get("notice", "")
    values = {
        "request": request,
        "principal": principal,
        "csrf_token": principal.csrf_token if principal else pre_session_token(request),
        "language": i18n.current_language(),
        "notice": _(NOTICES[notice_key]) if notice_key in NOTICES else "",
        "here": quote(request.url.path + ("?" + request.url.query if request.url.query else "")),
        **(context or {}),
    }
    html = ENVIRONMENT.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    if principal is None and not request.cookies.get(PRE_SESSION_COOKIE):
        response.set_cookie(
            PRE_SESSION_COOKIE,
            values["csrf_token"],
            httponly=True,
            samesite="lax",
            secure=secure_request(request),
        )
    return response


def secure_request(request: Request) -> bool:
    """Whether cookies are marked ``Secure``: always when the settings say so, and whenever the
    request came over TLS (directly, or through the reverse proxy's ``X-Forwarded-Proto``,
    which uvicorn trusts from the proxy's address)."""
    return bool(request.app.state.settings.secure_cookies or request.url.scheme == "https")


def pre_session_token(request: Request) -> str:
    """The CSRF token of a visitor who is not signed in (double-submit cookie)."""
    existing = request.cookies.get(PRE_SESSION_COOKIE, "")
    if existing and len(existing) <= 100:
        return existing
    token = getattr(request.state, "pre_session_token", None)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.state.pre_session_token = token
    return str(token)


def redirect(url: str, notice: str | None = None) -> RedirectResponse:
    """303 to ``url`` (a path of this site), optionally with a notice key."""
    if notice:
        url += ("&" if "?" in url else "?") + urlencode({"notice": notice})
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to (never another site: ``//evil`` and ``http:`` are refused)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


class LanguageMiddleware:
    """Each request speaks the language of its cookie (Chinese by default); pure ASGI, so the
    language reaches the route and its thread pool through the context."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        language = DEFAULT_LANGUAGE
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                for part in value.decode("latin-1").split(";"):
                    key, _sep, val = part.strip().partition("=")
                    if key == LANGUAGE_COOKIE:
                        language = i18n.normalise(val) or DEFAULT_LANGUAGE
        with i18n.use_language(language):
            await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    """CSP without inline script, no framing, no sniffing, no referrer to other sites; pages
    (which show personal data) are never stored by the browser or a proxy; over TLS, HSTS."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"content-security-policy", CSP.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    NO_STORE = (b"cache-control", b"no-store")
    HSTS = (b"strict-transport-security", b"max-age=31536000")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = list(self.HEADERS)
        if not scope.get("path", "").startswith("/static/"):
            extra.append(self.NO_STORE)
        if scope.get("scheme") == "https":
            extra.append(self.HSTS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _value in message.get("headers", [])}
                added = [(n, v) for n, v in extra if n not in present]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimitMiddleware:
    """Refuse a request body larger than the upload limit (plus room for the form's other
    fields) with 413, before it is read or spooled to disk: by its ``Content-Length`` at once,
    or, for a body sent in chunks, as soon as the bytes received pass the limit."""

    SLACK = 1024 * 1024

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = scope["app"].state.settings.max_upload_bytes + self.SLACK
        for name, value in scope.get("headers", []):
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await self._too_large(scope, receive, send)
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        limit = request.app.state.settings.max_upload_bytes // (1024 * 1024)
        message = _("The upload is too large: at most {n} MB at once.").format(n=limit)
        response = render(request, "error.html", {"message": message, "status": 413}, 413)
        response.headers["connection"] = "close"
        await response(scope, receive, send)


class BodyTooLarge(HTTPException):
    """A chunked request body passed the limit (:class:`BodyLimitMiddleware`); an
    ``HTTPException`` so that FastAPI's form parsing passes it on as it is."""

    def __init__(self) -> None:
        super().__init__(status_code=413)
