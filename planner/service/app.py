"""The web application: routers of every domain, middleware, error pages.

``create_app()`` is what uvicorn runs (``--factory``); settings come from the environment
(:class:`~planner.service.config.Settings`). The database must be migrated first
(:func:`planner.service.server.prepare` does, once, before web and job workers start).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
from collections.abc import AsyncIterator

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, InterfaceError, OperationalError

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.service import logs, warmup
from planner.service.config import Settings
from planner.service.db import Database
from planner.service.permissions import SignInRequired
from planner.service.web import (
    STATIC_DIR,
    BodyLimitMiddleware,
    LanguageMiddleware,
    SecurityHeadersMiddleware,
    redirect,
    render,
)


def create_app(
    settings: Settings | None = None, db: Database | None = None, *, warm_up: bool | None = None
) -> FastAPI:
    """The service as an ASGI app, on ``db`` (or the database the settings name).
    ``warm_up``: fill the pages' caches in a thread once the app has started
    (:mod:`planner.service.warmup`; by default when ``planner serve`` asks for it)."""
    from planner.service.accounts.views import router as accounts
    from planner.service.audit.views import router as audit
    from planner.service.cases.views import router as cases
    from planner.service.documents.views import router as documents
    from planner.service.filing.views import router as filing
    from planner.service.jobs.views import router as jobs
    from planner.service.ledger.duty_views import router as duties
    from planner.service.ledger.views import router as ledger
    from planner.service.plans.views import router as plans
    from planner.service.semesters.views import router as semesters

    logs.install()
    settings = settings or Settings.from_env()
    if warm_up is None:
        warm_up = os.environ.get(warmup.WARM_UP_ENV) == "1"

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not warm_up:
            yield
            return
        warmer = warmup.start(app.state.settings, app.state.db)
        # take requests once warm, or after a while at most
        await asyncio.to_thread(warmer.ready.wait, warmup.READY_WAIT_SECONDS)
        yield
        warmer.stop.set()

    app = FastAPI(
        docs_url=None, redoc_url=None, openapi_url=None, title="planner", lifespan=lifespan
    )
    app.state.settings = settings
    app.state.db = db or Database(settings.database_url)
    routers = (accounts, semesters, jobs, plans, audit, ledger, duties, cases, documents, filing)
    for router in routers:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(HTTPException, _error_page)
    app.add_exception_handler(RequestValidationError, _bad_request)
    # a number too large for the database (an id of 30 digits in a URL or a form) or a value
    # the database refuses: the request is bad, not the server
    app.add_exception_handler(OverflowError, _bad_request)
    app.add_exception_handler(DataError, _bad_request)
    # the database restarting or out of reach, SQLite locked past its busy timeout: the
    # transaction was rolled back; say so and when to try again (never a bare 500)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(OSError, _disk_full)
    return app


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    if request.url.path.endswith(".json"):
        return Response(status_code=401)
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    from urllib.parse import urlencode

    return redirect("/signin?" + urlencode({"next": target}))


ERROR_TITLES = {
    400: N_("The request is not valid."),
    403: N_("You may not open this page or do this."),
    404: N_("This page does not exist, or it is not yours to see."),
    405: N_("This page cannot be used this way."),
    413: N_("The upload is too large."),
}


async def _error_page(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if getattr(exc, "detail", None) == "csrf":
        message = _("The form has expired. Go back, reload the page and try again.")
    else:
        title = ERROR_TITLES.get(status)
        message = _(title) if title else _("Something went wrong.")
    if request.url.path.endswith(".json"):
        return Response(status_code=status)
    return render(request, "error.html", {"message": message, "status": status}, status=status)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return render(
        request, "error.html", {"message": _(ERROR_TITLES[400]), "status": 400}, status=400
    )


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    message = _(
        "The database cannot be reached right now, so nothing was changed. Try again in a minute."
    )
    response = render(request, "error.html", {"message": message, "status": 503}, status=503)
    response.headers["retry-after"] = "10"
    return response


async def _disk_full(request: Request, exc: Exception) -> Response:
    if not (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
        raise exc
    message = _(
        "The server's disk is full, so the file could not be written and nothing was changed. "
        "Please tell the administrator."
    )
    return render(request, "error.html", {"message": message, "status": 507}, status=507)
