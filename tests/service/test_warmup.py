"""A starting web process fills its caches by asking for the first pages itself, as a reader
that has no account, writing nothing."""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from planner.service import memo, warmup
from planner.service.accounts.models import Role, User, UserSession
from planner.service.app import create_app
from planner.service.audit.models import AuditEntry
from planner.service.jobs.models import Job

from .conftest import Service


def _counts(service: Service) -> dict[str, int]:
    with service.db.session() as db:
        return {
            table.__name__: int(db.scalar(select(func.count()).select_from(table)) or 0)
            for table in (AuditEntry, User, UserSession, Job)
        }


def _cached(service: Service) -> int:
    pools = memo._MEMOS.get(service.db.engine, {})
    return sum(len(pool.values) for pool in pools.values())


def test_the_warm_up_asks_every_first_page_and_writes_nothing(service: Service) -> None:
    readers = warmup.pages(service.db)
    roles = [(role, college) for role, college, _ in readers]
    assert (None, None) in roles and (Role.SAO_STAFF, None) in roles
    colleges = sorted(c for r, c in roles if r == Role.COLLEGE and c)
    assert colleges[:2] == ["C01", "C02"] and len(colleges) >= 6
    paths = {path for _, _, found in readers for path in found}
    plan = service.plan_id
    for page in (f"/filing/{plan}/C01", "/semesters/1/duties", f"/plans/{plan}", "/signin"):
        assert page in paths
    assert "/semesters/1/calendars/colleges/C03.ics" in paths

    before, cached = _counts(service), _cached(service)
    answered = warmup.warm_up(service.settings, service.db)
    assert answered == sum(len(found) for _, _, found in readers)  # every page: 200
    assert _counts(service) == before  # no session, no audit line, no job
    assert _cached(service) > cached  # the served app's caches (same database) are filled


def test_the_warm_up_app_is_never_the_served_one(service: Service) -> None:
    served = create_app(service.settings, service.db, warm_up=False)
    assert served.dependency_overrides == {}
    reading = warmup.reading_app(service.settings, service.db, warmup.reader(Role.COLLEGE, "C01"))
    assert reading.dependency_overrides  # only this instance, never bound to a socket
    # a college reader of the warm-up sees what a college secretary sees: its own part only
    client = TestClient(reading, follow_redirects=False)
    assert client.get(f"/filing/{service.plan_id}/C01").status_code == 200
    assert client.get(f"/filing/{service.plan_id}/C02").status_code == 404
    # the served app asks for a session as before
    anonymous = TestClient(served, follow_redirects=False)
    assert anonymous.get(f"/filing/{service.plan_id}/C01").status_code == 303


def test_a_started_app_takes_requests_once_warm(service: Service) -> None:
    cached = _cached(service)
    app = create_app(service.settings, service.db, warm_up=True)
    with TestClient(app) as client:  # runs the lifespan
        assert _cached(service) > cached
        assert client.get("/healthz").status_code == 200


def test_an_empty_service_has_nothing_to_warm(tmp_path: os.PathLike[str]) -> None:
    from planner.service.config import Settings
    from planner.service.db import Database

    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/p.sqlite3")
    db = Database(settings.database_url)
    db.migrate()
    assert warmup.pages(db) == []
    assert warmup.warm_up(settings, db) == 0
    db.dispose()


def test_a_web_process_warms_again_when_the_plan_changes(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.service.semesters.models import Semester

    calls: list[tuple[int | None, ...]] = []
    real = warmup.warm_up

    def counting(settings: Any, db: Any) -> int:
        calls.append(warmup.stamp(db))
        return real(settings, db)

    monkeypatch.setattr(warmup, "warm_up", counting)
    monkeypatch.setattr(warmup, "WATCH_SECONDS", 0.05)
    warmer = warmup.start(service.settings, service.db)
    try:
        assert warmer.ready.wait(60)
        time.sleep(0.3)
        assert len(calls) == 1  # nothing changed: warmed once
        with service.db.session() as db:  # the SAO approves the plan
            semester = db.get(Semester, 1)
            assert semester is not None
            semester.approved_plan_id = service.plan_id
        deadline = time.monotonic() + 60
        while len(calls) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(calls) == 2 and calls[1] != calls[0]
        assert calls[1][1] == service.plan_id
    finally:
        warmer.stop.set()
        warmer.join(60)
    assert not warmer.is_alive()
