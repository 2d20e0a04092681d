"""The service killed (SIGKILL, its whole process group) at precise points of an upload and of
a proposal job, on SQLite and PostgreSQL: after a restart the data is as before the step or
holds it whole, and an interrupted job is shown so and can be re-run.

Each fault is one row of :data:`FAULTS`: the fail point (``planner.service.failpoints``) where
the server dies, the step that reaches it, and the check after the restart. **To add a fault**
(e.g. ``approval``: a fail point between the approval's writes, its check that the plan is
either approved whole or not at all) append a :class:`Fault`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from planner.check.checker import check_plan_dir
from planner.service.config import DATA_DIR_ENV, DATABASE_URL_ENV
from planner.service.db import Database
from planner.service.engine import load_data
from planner.service.failpoints import ENV as FAILPOINT_ENV
from planner.service.jobs.models import Job
from planner.service.plans.models import Plan
from planner.service.semesters import service as semesters
from planner.service.semesters.models import DataVersion
from planner.service.storage import Storage

from .conftest import PASSWORDS, Service, csrf_of, sign_in
from .server import PLANNER, free_port, launch, stop

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "demo"


def rosters() -> list[tuple[str, bytes]]:
    """The demo rosters, one file changed (new bytes, same meaning): new blobs are written."""
    files = [(p.name, p.read_bytes()) for p in sorted(DEMO.glob("*.csv"))]
    return [(n, d + b"\n" if n == "cadres.csv" else d) for n, d in files]


@dataclass
class Ctx:
    """What a fault's steps share: the service, the browser, notes of the step."""

    service: Service
    client: httpx.Client
    notes: dict[str, Any]

    def count(self, model: Any) -> int:
        db = Database(self.service.settings.database_url)
        try:
            with db.session() as session:
                return int(session.scalar(select(func.count()).select_from(model)) or 0)
        finally:
            db.dispose()


def post_upload(ctx: Ctx) -> httpx.Response:
    token = csrf_of(ctx.client.get("/semesters/1").text)
    return ctx.client.post(
        "/semesters/1/uploads",
        data={"csrf_token": token},
        files=[("files", (n, d, "text/csv")) for n, d in rosters()],
    )


def upload_step(ctx: Ctx) -> None:
    ctx.notes["versions"] = ctx.count(DataVersion)
    with contextlib.suppress(httpx.TransportError):
        post_upload(ctx)  # the server dies before it answers


def upload_as_before(ctx: Ctx) -> None:
    assert ctx.count(DataVersion) == ctx.notes["versions"]
    # the upload can be made again, and is then stored whole
    assert post_upload(ctx).status_code == 303
    upload_is_whole(ctx)


def upload_is_whole(ctx: Ctx) -> None:
    assert ctx.count(DataVersion) == ctx.notes["versions"] + 1
    number = ctx.notes["versions"] + 1
    download = ctx.client.get(f"/semesters/1/versions/{number}/download")
    assert download.status_code == 200
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(download.content)) as book:
        assert {n: book.read(n) for n in book.namelist()} == dict(rosters())


def proposal_step(ctx: Ctx) -> None:
    ctx.notes["plans"] = ctx.count(Plan)
    token = csrf_of(ctx.client.get("/semesters/1").text)
    response = ctx.client.post("/semesters/1/proposals", data={"csrf_token": token})
    assert response.status_code == 303
    ctx.notes["job"] = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])


def proposal_interrupted_and_rerun(ctx: Ctx) -> None:
    job_id = ctx.notes["job"]
    assert ctx.count(Plan) == ctx.notes["plans"]  # nothing half-written is shown
    deadline = time.monotonic() + 60  # marked at start, or by the worker's next recovery
    while time.monotonic() < deadline:
        status = ctx.client.get(f"/jobs/{job_id}.json").json()
        if status["state"] != "running":
            break
        time.sleep(1)
    assert status["state"] == "interrupted", status
    assert "已中断" in ctx.client.get(f"/jobs/{job_id}").text
    token = csrf_of(ctx.client.get(f"/jobs/{job_id}").text)
    rerun = ctx.client.post(f"/jobs/{job_id}/rerun", data={"csrf_token": token})
    assert rerun.status_code == 303
    new_id = int(rerun.headers["location"].split("?")[0].rsplit("/", 1)[1])
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = ctx.client.get(f"/jobs/{new_id}.json").json()
        if status["finished"]:
            break
        time.sleep(1)
    assert status["state"] == "succeeded", status
    assert ctx.count(Plan) == ctx.notes["plans"] + 1
    db = Database(ctx.service.settings.database_url)
    try:
        with db.session() as session:
            job = session.get(Job, new_id)
            assert job is not None
            plan = session.get(Plan, job.result_plan_id)
            version = session.get(DataVersion, job.data_version_id)
            assert plan is not None and version is not None
            storage = Storage(ctx.service.settings.data_dir)
            data = semesters.data_path(session, storage, version)
    finally:
        db.dispose()
    report = check_plan_dir(load_data(data), ctx.service.settings.data_dir / plan.folder)
    assert report.ok, report.violations


def approval_step(ctx: Ctx) -> None:
    """Every college files its part (its secretary signed in), then the SAO administrator
    approves; the server dies with the approval written but not committed."""
    from .test_filing import COLLEGES, add_secretaries

    add_secretaries(ctx.service)
    base = str(ctx.client.base_url)
    for college in COLLEGES:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as secretary:
            name = college.lower()
            sign_in(secretary, name, PASSWORDS.get(name, f"demo-{name}-2026"))  # type: ignore[arg-type]
            url = f"/filing/{ctx.service.plan_id}/{college}"
            token = csrf_of(secretary.get(url).text)
            assert secretary.post(f"{url}/file", data={"csrf_token": token}).status_code == 303
    ctx.notes["plans"] = ctx.count(Plan)
    with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as admin:
        sign_in(admin, "admin", PASSWORDS["admin"])  # type: ignore[arg-type]
        ctx.client = admin
        board = "/semesters/1/filing"
        token = csrf_of(admin.get(board).text)
        with contextlib.suppress(httpx.TransportError):
            admin.post(f"{board}/approve", data={"csrf_token": token})


def approval_not_made_and_made_again(ctx: Ctx) -> None:
    """Nothing of the killed approval is stored; approving again gives a whole, checked plan."""
    from planner.service.semesters.models import Semester

    assert ctx.count(Plan) == ctx.notes["plans"]
    db = Database(ctx.service.settings.database_url)
    try:
        with db.session() as session:
            semester = session.get(Semester, 1)
            assert semester is not None and semester.approved_plan_id is None
    finally:
        db.dispose()
    ctx.client.cookies.clear()
    sign_in(ctx.client, "admin", PASSWORDS["admin"])  # type: ignore[arg-type]
    board = "/semesters/1/filing"
    token = csrf_of(ctx.client.get(board).text)
    assert ctx.client.post(f"{board}/approve", data={"csrf_token": token}).status_code == 303
    assert ctx.count(Plan) == ctx.notes["plans"] + 1
    db = Database(ctx.service.settings.database_url)
    try:
        with db.session() as session:
            semester = session.get(Semester, 1)
            assert semester is not None and semester.approved_plan_id is not None
            plan = session.get(Plan, semester.approved_plan_id)
            assert plan is not None and plan.state == "approved"
            version = session.get(DataVersion, plan.data_version_id)
            assert version is not None
            data = semesters.data_path(session, Storage(ctx.service.settings.data_dir), version)
            folder = ctx.service.settings.data_dir / plan.folder
    finally:
        db.dispose()
    report = check_plan_dir(load_data(data), folder)
    assert report.ok, report.violations
    assert ctx.client.get(f"{board}/verify").status_code == 200  # the frozen files are whole


@dataclass(frozen=True)
class Fault:
    """The server dies at ``failpoint`` during ``step``; ``after`` checks the restarted one."""

    name: str
    failpoint: str
    step: Callable[[Ctx], None]
    after: Callable[[Ctx], None]


FAULTS = [
    Fault("upload-before-commit", "upload.store", upload_step, upload_as_before),
    Fault("upload-after-commit", "upload.stored", upload_step, upload_is_whole),
    Fault(
        "proposal-while-storing", "proposal.store", proposal_step, proposal_interrupted_and_rerun
    ),
    Fault(
        "approval-before-commit", "approval.store", approval_step, approval_not_made_and_made_again
    ),
]
"""Each fault: where the server dies, what it was doing, what the restarted one shows."""


def serve(service: Service, tmp_path: Path, failpoint: str = "") -> tuple[Any, str]:
    port = free_port()
    env = {
        DATA_DIR_ENV: str(service.settings.data_dir),
        DATABASE_URL_ENV: service.settings.database_url,
        FAILPOINT_ENV: failpoint,
    }
    args = [PLANNER, "serve", "--port", str(port), "--job-workers", "1"]
    return launch(args, env, port, tmp_path)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
def test_killed_server_recovers(service: Service, tmp_path: Path, fault: Fault) -> None:
    service.db.dispose()
    process, base = serve(service, tmp_path, fault.failpoint)
    try:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as client:
            sign_in(client, "staff", PASSWORDS["staff"])  # type: ignore[arg-type]
            ctx = Ctx(service, client, {})
            fault.step(ctx)
        process.wait(180)  # the fail point killed the whole group
        assert process.returncode == -9
    finally:
        stop(process, 9)
    process, base = serve(service, tmp_path)
    try:
        with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as client:
            sign_in(client, "staff", PASSWORDS["staff"])  # type: ignore[arg-type]
            ctx.client = client
            fault.after(ctx)
    finally:
        stop(process)
