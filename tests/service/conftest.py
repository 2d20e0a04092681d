"""Fixtures of the service tests: a service on SQLite and on PostgreSQL, signed-in clients.

PostgreSQL comes from ``PLANNER_TEST_POSTGRES_URL`` (a database the tests may create databases
next to); each test gets a database of its own. Without it the PostgreSQL cases are skipped,
unless ``PLANNER_REQUIRE_POSTGRES=1`` (CI), where they fail.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from planner.service.app import create_app
from planner.service.config import Settings, normalise_url
from planner.service.db import Database
from planner.service.demo import DEMO_ACCOUNTS, set_up_demo
from planner.service.jobs.worker import Worker

LEDGER_DAY = dt.date(2026, 11, 20)
"""The demo ledger of the tests runs to this day (the pages are asked ``as_of`` it), so the
tests do not depend on the day they run."""
POSTGRES_ENV = "PLANNER_TEST_POSTGRES_URL"
REQUIRE_ENV = "PLANNER_REQUIRE_POSTGRES"
PASSWORDS = {a.username: a.password for a in DEMO_ACCOUNTS}


def postgres_url() -> str | None:
    """The test PostgreSQL server's URL, or None (skip; fail when it is required)."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {POSTGRES_ENV} is not set")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV}")
    return normalise_url(url)


def _create_database(base: str, name: str, template: str | None = None) -> str:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
    except Exception as exc:  # the server is down or refuses: a clear failure, never a skip
        pytest.fail(f"cannot create a database on {POSTGRES_ENV}: {exc}")
    finally:
        admin.dispose()
    return make_url(base).set(database=name).render_as_string(hide_password=False)


def _drop_database(base: str, name: str) -> None:
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    base = postgres_url()
    assert base is not None
    name = f"planner_t_{uuid.uuid4().hex[:12]}"
    url = _create_database(base, name)
    try:
        yield url
    finally:
        _drop_database(base, name)


@dataclass
class Service:
    """A migrated service on one database, with the demo university set up."""

    settings: Settings
    db: Database
    backend: str
    plan_id: int

    def client(self, username: str | None = None) -> TestClient:
        """A browser, signed in as ``username`` (a demo account) unless None."""
        client = TestClient(create_app(self.settings, self.db), follow_redirects=False)
        if username:
            sign_in(client, username, PASSWORDS[username])
        return client

    def run_jobs(self) -> list[int]:
        """Run every queued job to its end (inline)."""
        return Worker(self.settings, self.db, fork=False).run_pending()


def make_service(data_dir: Path, database_url: str, backend: str) -> Service:
    settings = Settings(data_dir=data_dir, database_url=database_url)
    plan_id = set_up_demo(settings, ledger_day=LEDGER_DAY)
    assert plan_id is not None
    return Service(settings, Database(database_url), backend, plan_id)


@pytest.fixture(scope="session")
def demo_templates(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Path, str, int]]]:
    """The demo service set up once per backend (data folder, database, plan id); each test
    gets a copy (``CREATE DATABASE … TEMPLATE`` on PostgreSQL)."""
    cache: dict[str, tuple[Path, str, int]] = {}
    yield cache
    if "postgres" in cache:
        base = os.environ.get(POSTGRES_ENV)
        if base:
            _drop_database(normalise_url(base), cache["postgres"][1])


def _template(
    cache: dict[str, tuple[Path, str, int]], backend: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, int]:
    if backend not in cache:
        folder = tmp_path_factory.mktemp(f"demo-{backend}") / "service"
        if backend == "postgres":
            base = postgres_url()
            assert base is not None
            name = f"planner_tpl_{uuid.uuid4().hex[:12]}"
            url = _create_database(base, name)
        else:
            name, url = "", f"sqlite:///{folder / 'planner.sqlite3'}"
        svc = make_service(folder, url, backend)
        svc.db.dispose()
        cache[backend] = (folder, name, svc.plan_id)
    return cache[backend]


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    demo_templates: dict[str, tuple[Path, str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    """The demo service (semester 2026秋, demo rosters, a planned proposal, the demo
    accounts, the demo ledger up to :data:`LEDGER_DAY`) on SQLite and on PostgreSQL; each
    test has its own copy."""
    backend = request.param
    folder, template, plan_id = _template(demo_templates, backend, tmp_path_factory)
    data_dir = tmp_path / "service"
    shutil.copytree(folder, data_dir)
    if backend == "postgres":
        base = postgres_url()
        assert base is not None
        name = f"planner_t_{uuid.uuid4().hex[:12]}"
        url = _create_database(base, name, template)
    else:
        url = f"sqlite:///{data_dir / 'planner.sqlite3'}"
    svc = Service(Settings(data_dir=data_dir, database_url=url), Database(url), backend, plan_id)
    yield svc
    svc.db.dispose()
    if backend == "postgres":
        _drop_database(base, name)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form of a page."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str) -> None:
    """Sign in through the form, as a browser does."""
    page = client.get("/signin")
    if page.status_code == 303:  # signed in already: the session's token signs in again
        page = client.get("/semesters")
    response = client.post(
        "/signin",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": "/",
        },
    )
    assert response.status_code == 303, response.text[:500]


def post_form(
    client: TestClient,
    page_url: str,
    url: str,
    data: dict[str, str] | None = None,
    **kwargs: object,
) -> object:
    """Open ``page_url``, take its CSRF token and post ``data`` to ``url``."""
    token = csrf_of(client.get(page_url).text)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)  # type: ignore[arg-type]
