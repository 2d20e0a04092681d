"""Every route × every role against :data:`tests.service.authz.MATRIX`, on SQLite and
PostgreSQL; a route without an entry fails; another college's ids answer as missing ones."""

from __future__ import annotations

import re
import secrets
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from planner.service.accounts import service as accounts
from planner.service.accounts.models import Role, UserSession
from planner.service.app import create_app
from planner.service.cases.models import ProblemCase
from planner.service.config import Settings
from planner.service.db import Database
from planner.service.jobs.models import Job
from planner.service.ledger import annual
from planner.service.ledger.models import ContactEntry, Leave
from planner.service.permissions import route_table
from planner.service.plans.models import Assignment

from .authz import FORM_FIELD_CASES, MATRIX, OBJECT_CASES, ROLE_USERS, ROLES, Entry
from .conftest import _create_database, _drop_database, _template, csrf_of, postgres_url

MISSING_ID = "987654"


@dataclass
class Matrix:
    """A demo service shared by a module's matrix cells (the cells change nothing that the
    next cell reads: refused data or objects made for the request)."""

    settings: Settings
    db: Database
    app: Any
    ids: dict[str, str]
    fresh: dict[str, Callable[[], str]] = field(default_factory=dict)

    def client(self, role: str) -> tuple[TestClient, str]:
        """A browser of ``role`` with a session of its own, and the token its forms carry."""
        client = TestClient(self.app, follow_redirects=False)
        username = ROLE_USERS[role]
        if username is None:
            page = client.get("/signin")
            return client, csrf_of(page.text)
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self.db.session() as db:
            user = accounts.get_user(db, username)
            assert user is not None
            db.add(
                UserSession(token_hash=accounts._digest(token), user_id=user.id, csrf_token=csrf)
            )
        client.cookies.set(accounts.SESSION_COOKIE, token)
        return client, csrf

    def fill(self, text: str, role: str) -> str:
        """``text`` with its placeholders replaced (``fresh_*`` make a new object)."""

        def value(found: re.Match[str]) -> str:
            name = found.group(1)
            if name == "role":
                return role
            if name in self.fresh:
                return self.fresh[name]()
            return self.ids[name]

        return re.sub(r"\{(\w+)\}", value, text)


def _ids(db: Database, settings: Settings, plan_id: int) -> dict[str, str]:
    with db.session() as session:
        record = session.scalar(
            select(ContactEntry).where(ContactEntry.college == "C01").order_by(ContactEntry.id)
        )
        leave = session.scalar(select(Leave).where(Leave.college == "C01").order_by(Leave.id))
        case = session.scalar(
            select(ProblemCase).where(ProblemCase.college == "C01").order_by(ProblemCase.id)
        )
        cadre = session.scalar(
            select(Assignment.cadre_id)
            .where(Assignment.plan_id == plan_id, Assignment.cadre_college == "C01")
            .order_by(Assignment.cadre_id)
        )
        job = session.scalar(select(Job.id).where(Job.kind == "proposal").order_by(Job.id))
        years = annual.school_years(session)
        assert record and leave and case and cadre and job and years
        accounts.add_user(
            session,
            username="spare",
            display_name="spare",
            password="spare-password-1",
            role=Role.COLLEGE,
            college="C03",
        )
        return {
            "semester": str(record.semester_id),
            "version": "1",
            "plan": str(plan_id),
            "job": str(job),
            "record": str(record.id),
            "leave": str(leave.id),
            "case": str(case.id),
            "cadre": cadre,
            "college": "C01",
            "year": next(iter(years)),
            "user": "spare",
            "missing": MISSING_ID,
        }


def _copy_row(db: Database, model: Any, row_id: int) -> str:
    with db.session() as session:
        row = session.get(model, row_id)
        values = {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key != "id"}
        copy = model(**values)
        session.add(copy)
        session.flush()
        return str(copy.id)


def _fresh_user(db: Database) -> str:
    name = "u" + uuid.uuid4().hex[:10]
    with db.session() as session:
        accounts.add_user(
            session,
            username=name,
            display_name=name,
            password="fresh-password-1",
            role=Role.COLLEGE,
            college="C03",
        )
    return name


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def matrix(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_templates: dict[str, tuple[Path, str, int]],
) -> Iterator[Matrix]:
    """The demo service, once per backend for the whole matrix."""
    backend = request.param
    folder, template, plan_id = _template(demo_templates, backend, tmp_path_factory)
    data_dir = tmp_path_factory.mktemp(f"matrix-{backend}") / "service"
    shutil.copytree(folder, data_dir)
    base = name = ""
    if backend == "postgres":
        base = postgres_url() or ""
        name = f"planner_m_{uuid.uuid4().hex[:12]}"
        url = _create_database(base, name, template)
    else:
        url = f"sqlite:///{data_dir / 'planner.sqlite3'}"
    settings = Settings(data_dir=data_dir, database_url=url)
    db = Database(url)
    ids = _ids(db, settings, plan_id)
    found = Matrix(settings, db, create_app(settings, db), ids)
    found.fresh = {
        "fresh_record": lambda: _copy_row(db, ContactEntry, int(ids["record"])),
        "fresh_leave": lambda: _copy_row(db, Leave, int(ids["leave"])),
        "fresh_user": lambda: _fresh_user(db),
    }
    yield found
    db.dispose()
    if backend == "postgres":
        _drop_database(base, name)


def answer_of(response: Any) -> str:
    """The matrix's word for a response: its status, or ``in`` for a redirect to sign in."""
    if response.status_code == 303 and response.headers["location"].startswith("/signin"):
        return "in"
    return str(response.status_code)


def ask(matrix: Matrix, item: Entry, role: str, url: str | None = None) -> Any:
    """Send ``item``'s request as ``role`` (to ``url`` when given)."""
    client, csrf = matrix.client(role)
    target = url or matrix.fill(item.url, role)
    if item.method == "GET":
        return client.get(target)
    data = {k: matrix.fill(v, role) for k, v in item.data.items()}
    return client.post(target, data={**data, "csrf_token": csrf}, files=item.files or None)


def test_every_route_has_an_entry_and_every_entry_a_route() -> None:
    app = create_app(Settings(data_dir=Path("/nonexistent"), database_url="sqlite://"))
    routes = {f"{r.method} {_plain(r.path)}" for r in route_table(app.routes) if r.method != "HEAD"}
    entries = [e.key for e in MATRIX]
    assert len(entries) == len(set(entries)), "an entry is listed twice"
    missing = sorted(routes - set(entries))
    assert not missing, f"routes without an entry in tests/service/authz.py: {missing}"
    gone = sorted(set(entries) - routes)
    assert not gone, f"entries in tests/service/authz.py for routes the app lacks: {gone}"


def _plain(path: str) -> str:
    """``/jobs/{job_id:int}`` → ``/jobs/{job_id}`` (the matrix names parameters plainly)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


CELLS = [pytest.param(e, role, id=f"{e.key}-{role}") for e in MATRIX for role in ROLES]


@pytest.mark.parametrize(("item", "role"), CELLS)
def test_matrix(matrix: Matrix, item: Entry, role: str) -> None:
    response = ask(matrix, item, role)
    assert answer_of(response) == item.answers[role], response.text[:300]
    if item.answers[role] == "in" and item.path != "/signout":
        assert "next=" in response.headers["location"]


NORMALISE = (
    (re.compile(r'name="csrf_token" value="[^"]+"'), 'name="csrf_token" value=""'),
    (re.compile(r"next=[^\"&]*"), "next="),
)


def _normalised(text: str) -> str:
    for pattern, replacement in NORMALISE:
        text = pattern.sub(replacement, text)
    return text


@pytest.mark.parametrize(("method", "theirs", "missing"), OBJECT_CASES)
def test_another_colleges_object_answers_as_a_missing_one(
    matrix: Matrix, method: str, theirs: str, missing: str
) -> None:
    item = Entry(method, "", "", {}, {"note": "x", "to": "sao"} if method == "POST" else {})
    mine = ask(matrix, item, "own", matrix.fill(theirs, "own"))
    assert mine.status_code in (200, 303, 400), "the owner may use it"
    other = ask(matrix, item, "other", matrix.fill(theirs, "other"))
    absent = ask(matrix, item, "other", matrix.fill(missing, "other"))
    assert other.status_code == absent.status_code == 404
    assert _normalised(other.text) == _normalised(absent.text)


@pytest.mark.parametrize(("url", "data", "missing_cadre"), FORM_FIELD_CASES)
def test_another_colleges_cadre_in_a_form_answers_as_a_missing_one(
    matrix: Matrix, url: str, data: dict[str, str], missing_cadre: str
) -> None:
    item = Entry("POST", "", url, {}, data)
    mine = ask(matrix, item, "own")
    theirs = ask(matrix, item, "other")
    assert (mine.status_code, _normalised(mine.text)) != (400, _normalised(theirs.text))
    absent = ask(matrix, Entry("POST", "", url, {}, {**data, "cadre_id": missing_cadre}), "other")
    assert theirs.status_code == absent.status_code == 400
    cadre = matrix.ids["cadre"]
    assert cadre not in _normalised(theirs.text).replace(f'value="{cadre}"', "")
    assert _normalised(theirs.text).replace(cadre, missing_cadre) == _normalised(absent.text)
