"""Concurrent writers (SQLite WAL and busy timeout; PostgreSQL), the database out of reach or
restarted under load, and a full disk while files are written — on both databases."""

from __future__ import annotations

import errno
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from planner.service.accounts import service as accounts
from planner.service.app import create_app
from planner.service.audit.models import AuditEntry
from planner.service.audit.service import record
from planner.service.db import BUSY_TIMEOUT_MS, Database
from planner.service.jobs.models import Job
from planner.service.plans.models import Plan
from planner.service.semesters.models import Semester

from .conftest import Service, csrf_of

RESTART_ENV = "PLANNER_TEST_POSTGRES_RESTART"
"""A shell command that restarts the test PostgreSQL server (the restart test is skipped
without it), e.g. ``runuser -u postgres -- pg_ctl -D … -w -m fast restart``."""


def test_concurrent_writers_lose_nothing(service: Service) -> None:
    writers, each = 8, 25
    start = threading.Barrier(writers)
    failures: list[str] = []

    def write(n: int) -> None:
        db = Database(service.settings.database_url)  # a process's own engine and pool
        try:
            start.wait()
            for i in range(each):
                with db.session() as session:
                    record(session, None, "session.start", "user", f"writer-{n}-{i}")
        except Exception as exc:  # collected: the assertion below names it
            failures.append(repr(exc))
        finally:
            db.dispose()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    with service.db.session() as session:
        written = session.scalar(select(func.count()).where(AuditEntry.object_id.like("writer-%")))
    assert written == writers * each
    if service.backend == "sqlite":
        with service.db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() == BUSY_TIMEOUT_MS


def test_a_database_out_of_reach_gets_a_clear_answer(service: Service, tmp_path: Path) -> None:
    client = service.client("staff")
    cookie = client.cookies.get(accounts.SESSION_COOKIE)
    if service.backend == "postgres":
        gone = "postgresql+psycopg://postgres@/nowhere?host=/tmp/no-such-socket-dir&port=1"
    else:
        gone = f"sqlite:///{tmp_path}"  # a folder: the database file cannot be opened
    db = Database(gone)
    down = TestClient(create_app(service.settings, db), follow_redirects=False)
    down.cookies.set(accounts.SESSION_COOKIE, cookie or "")
    response = down.get("/semesters")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "10"
    assert "数据库暂时无法连接" in response.text
    db.dispose()


@pytest.mark.postgres
def test_postgres_restarted_under_load(service: Service) -> None:
    command = os.environ.get(RESTART_ENV)
    if service.backend != "postgres" or not command:
        pytest.skip(f"set {RESTART_ENV} to a command that restarts the test server")
    client = service.client("admin")
    answers: list[tuple[str, int, str]] = []
    stop = threading.Event()

    def write() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            name = f"压测{i:04d}"
            try:
                page = client.get("/semesters")
                if page.status_code != 200:  # the form itself could not be shown
                    answers.append((name, page.status_code, page.text))
                    continue
                response = client.post(
                    "/semesters", data={"name": name, "csrf_token": csrf_of(page.text)}
                )
                answers.append((name, response.status_code, response.text))
            except Exception as exc:  # a clear answer is a response; record what came
                answers.append((name, -1, repr(exc)))
            time.sleep(0.05)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(1.5)
    subprocess.run(
        command,
        shell=True,
        check=True,
        timeout=60,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(3)
    stop.set()
    writer.join(60)
    statuses = [status for _name, status, _text in answers]
    assert 303 in statuses
    odd = [(n, s, t[:200]) for n, s, t in answers if s not in (303, 503, 200)]
    assert not odd, odd  # only "done" or "try again", never a bare 500
    assert all("数据库暂时无法连接" in t for _n, s, t in answers if s == 503)
    assert statuses[-1] == 303  # the pool recovered by itself
    assert 503 in statuses  # the restart was seen, and answered clearly
    with service.db.session() as session:
        stored = set(session.scalars(select(Semester.name).where(Semester.name.like("压测%"))))
    acknowledged = {n for n, s, _t in answers if s == 303}
    assert acknowledged <= stored  # no acknowledged write is lost
    assert len(stored - acknowledged) <= statuses.count(503)


def _enospc(*args: Any, **kwargs: Any) -> Any:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_a_download_is_made(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner import ledger

    def half_then_full(path: Path, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        _enospc()

    monkeypatch.setattr(ledger, "write_ledger_workbook", half_then_full)
    client = service.client("staff")
    response = client.get("/semesters/1/ledger/ledger.xlsx")
    assert response.status_code == 507
    assert "磁盘已满" in response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "attachment" not in response.headers.get("content-disposition", "")
    assert client.get("/healthz").status_code == 200


def test_disk_full_while_a_plan_is_written(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.report import write

    original = write._write_files

    def half_then_full(plan: Any, temp: Path, **kwargs: Any) -> list[str]:
        (Path(temp) / "assignments.csv").write_text("half,a,file\n")
        _enospc()
        return original(plan, temp, **kwargs)  # never reached

    monkeypatch.setattr(write, "_write_files", half_then_full)
    client = service.client("staff")
    token = csrf_of(client.get("/semesters/1").text)
    assert client.post("/semesters/1/proposals", data={"csrf_token": token}).status_code == 303
    plans_before = _count(service, Plan)
    [job_id] = service.run_jobs()
    with service.db.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        assert job.state == "failed" and job.result_plan_id is None
        assert "disk is full" in (job.error or "") or "磁盘已满" in (job.error or "")
    assert _count(service, Plan) == plans_before
    plans = service.settings.data_dir / "plans"
    assert not (plans / f"job-{job_id}").exists()
    assert not [p for p in plans.iterdir() if p.name.startswith(".")], list(plans.iterdir())
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200


def _count(service: Service, model: Any) -> int:
    with service.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)
