"""A web process fills its caches when it starts, before the first person asks.

A page computed for the first time in a process costs several times what it costs after:
the templates are compiled, the semester's data is read, a plan's figures, a college's part,
its duties and calendar are worked out once and then kept (:mod:`planner.service.memo`). When
the offices open in the morning, everyone's first page would pay for it at once — on a
2-core machine, seconds. ``planner serve`` therefore starts each web process with a thread
that asks for the pages people open first, for the newest semester, its plan and every
college's part (:func:`warm_up`), and takes requests once it is done (or after
:data:`READY_WAIT_SECONDS` at most, the warm-up going on behind). It warms them again when a
new proposal, an approval or new rosters arrive (:class:`Warmer`). The job workers keep the
current proposal warm the same way (:func:`planner.service.filing.flows.warm_current`).

The pages are asked of a second instance of the application that is never served: it shares
the database (and so the caches) of the served one, and its permissions are replaced by a
fixed reader — the SAO's view, then each college's — so no account, session or password is
involved and nothing is written (only ``GET`` pages are asked). A page that fails is skipped
(its error is logged without its address's values); the served pages compute what is missing
as before.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import func, select

from planner.service import permissions as perms
from planner.service.accounts.models import Role
from planner.service.config import Settings
from planner.service.db import Database

log = logging.getLogger("uvicorn.error.warmup")
"""Beside the web server's own lines (uvicorn's log): how long each warm-up took."""

WARM_UP_ENV = "PLANNER_WARM_UP"
"""Set (to ``1``) by ``planner serve`` in the web processes' environment, unless it is set
already (``0`` switches the warm-up off: the tests that start a server for other things do)."""
WATCH_SECONDS = 10.0
"""How often a web process looks whether its warmed pages are still those of the newest
semester and plan (one small query)."""
READY_WAIT_SECONDS = 10.0
"""How long a starting web process waits for its warm-up before it takes requests (the
warm-up goes on in the background after that): the demo university is warm in about 4 s of
CPU per process, a university of 38 colleges in about 18 s — a restart should not keep the
offices out that long."""


def reader(role: Role, college: str | None = None) -> perms.Principal:
    """The fixed reader the warm-up pages are asked as (no account behind it)."""
    return perms.Principal(
        user_id=0,
        username="warm-up",
        display_name="",
        role=str(role),
        college=college,
        csrf_token="",
        session_hash="",
    )


def reading_app(settings: Settings, db: Database, who: perms.Principal | None) -> FastAPI:
    """An instance of the application on ``db`` whose every permission (but the public
    one) answers ``who`` (None: an anonymous visitor, the permissions as they are); it is
    never served."""
    from planner.service.app import create_app

    app = create_app(settings, db, warm_up=False)
    if who is None:
        return app

    def as_reader(request: Request) -> perms.Principal:
        request.state.principal = who
        return who

    for value in vars(perms).values():
        if isinstance(value, perms.Permission) and not value.public:
            app.dependency_overrides[value] = as_reader
    return app


async def _get(app: FastAPI, path: str, query: str = "") -> int:
    """``GET path?query`` of ``app`` in this thread's event loop; the answer's status."""
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"warm-up"), (b"accept-language", b"zh-CN,zh")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
    }
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)  # the page never reads past its (empty) body
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


def pages(db: Database) -> list[tuple[Role | None, str | None, list[str]]]:
    """What the warm-up asks for: as the SAO, then as each college, the pages of the newest
    semester and of its plan (the proposal being filed, else the plan in force)."""
    from planner.service.filing import flows
    from planner.service.ledger.service import plan_in_force
    from planner.service.plans.models import Assignment
    from planner.service.semesters.models import Semester

    with db.session() as session:
        semester = session.scalar(select(Semester).order_by(Semester.id.desc()).limit(1))
        if semester is None:
            return []
        s = semester.id
        plan = flows.current_proposal(session, s) or plan_in_force(session, semester)
        colleges: list[str] = []
        if plan is not None:
            found = session.scalars(
                select(Assignment.cadre_college)
                .where(Assignment.plan_id == plan.id, Assignment.cadre_college.is_not(None))
                .distinct()
            )
            colleges = sorted(c for c in found if c)
        p = plan.id if plan is not None else None
    common = [f"/semesters/{s}", f"/semesters/{s}/ledger", f"/semesters/{s}/duties"]
    plan_pages = [f"/plans/{p}", f"/plans/{p}/assignments"] if p is not None else []
    out: list[tuple[Role | None, str | None, list[str]]] = [
        (None, None, ["/signin"]),
        (Role.SAO_STAFF, None, [*plan_pages, *common, "/audit"]),
    ]
    for college in colleges:
        mine = [*common, f"/semesters/{s}/calendars/colleges/{college}.ics"]
        if p is not None:
            mine += [f"/filing/{p}/{college}", f"/plans/{p}"]
        out.append((Role.COLLEGE, college, mine))
    return out


def compile_templates() -> int:
    """Compile every page template once (Jinja2 keeps them); how many."""
    from planner.service.web import ENVIRONMENT

    names = ENVIRONMENT.list_templates(extensions=["html", "ics", "txt"])
    for name in names:
        ENVIRONMENT.get_template(name)
    return len(names)


def warm_up(
    settings: Settings,
    db: Database,
    readers: Iterable[tuple[Role | None, str | None, list[str]]] | None = None,
) -> int:
    """Compile the templates, then ask for every page of ``readers`` (by default
    :func:`pages`) once, in this thread; how many pages answered 200."""
    started = time.perf_counter()
    compile_templates()
    done = 0
    loop = asyncio.new_event_loop()
    try:
        for role, college, paths in readers if readers is not None else pages(db):
            app = reading_app(settings, db, reader(role, college) if role is not None else None)
            for path in paths:
                try:
                    status = loop.run_until_complete(_get(app, path))
                except Exception:  # the served page will compute (and report) it
                    log.warning("warm-up: a page failed (%s)", path.split("/")[1], exc_info=True)
                    continue
                done += status == 200
    finally:
        loop.close()
    log.info("warm-up: %d pages in %.1f s", done, time.perf_counter() - started)
    return done


def stamp(db: Database) -> tuple[int | None, ...]:
    """What the warmed pages are of: the newest semester, its approved plan, its newest plan
    and data version. A new proposal, an approval or new rosters change it."""
    from planner.service.plans.models import Plan
    from planner.service.semesters.models import DataVersion, Semester

    with db.session() as session:
        semester = session.scalar(select(Semester).order_by(Semester.id.desc()).limit(1))
        if semester is None:
            return ()
        plan = session.scalar(select(func.max(Plan.id)).where(Plan.semester_id == semester.id))
        version = session.scalar(
            select(func.max(DataVersion.id)).where(DataVersion.semester_id == semester.id)
        )
        return (semester.id, semester.approved_plan_id, plan, version)


class Warmer(threading.Thread):
    """The warm-up of one web process: :func:`warm_up` once (:attr:`ready` is set then), and
    again whenever :func:`stamp` changes (looked at every :data:`WATCH_SECONDS`), until
    :attr:`stop` is set."""

    def __init__(self, settings: Settings, db: Database) -> None:
        super().__init__(name="warm-up", daemon=True)
        self.settings, self.db = settings, db
        self.ready = threading.Event()
        self.stop = threading.Event()

    def run(self) -> None:
        last: tuple[int | None, ...] | None = None
        while not self.stop.is_set():
            try:
                now = stamp(self.db)
                if now != last:
                    warm_up(self.settings, self.db)
                    last = now
            except Exception:  # the database out of reach a moment: try again later
                log.warning("warm-up failed; trying again later", exc_info=True)
            self.ready.set()
            self.stop.wait(WATCH_SECONDS)


def start(settings: Settings, db: Database) -> Warmer:
    """A :class:`Warmer` of this process, started."""
    warmer = Warmer(settings, db)
    warmer.start()
    return warmer
