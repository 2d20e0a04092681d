"""Uploads, the template workbook, proposals as jobs (cancel, re-run, recovery), the audit
log and accounts, through HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import io
import signal
import threading
import time
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text, update

from planner.api import load_data
from planner.service import engine
from planner.service.audit.models import AuditEntry
from planner.service.jobs import service as jobs
from planner.service.jobs.models import Job, JobState
from planner.service.jobs.worker import Worker
from planner.service.plans.models import Explanation, Plan
from planner.service.semesters import service as semesters
from planner.service.semesters.models import DataVersion, StoredFile

from .conftest import Service, csrf_of

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def demo_workbook(tmp_path: Path) -> bytes:
    """The demo university as one workbook with Chinese sheet and column names."""
    [path] = engine.write_generated(tmp_path / "wb", "demo", fmt="workbook", headers="zh")
    return path.read_bytes()


def upload(service: Service, client: object, files: list[tuple[str, bytes]]) -> object:
    token = csrf_of(client.get("/semesters/1").text)  # type: ignore[attr-defined]
    return client.post(  # type: ignore[attr-defined]
        "/semesters/1/uploads",
        data={"csrf_token": token, "note": "test"},
        files=[("files", (name, data, XLSX)) for name, data in files],
    )


def counts(service: Service) -> tuple[int, int, int]:
    with service.db.session() as db:
        return (
            db.scalar(select(func.count()).select_from(DataVersion)) or 0,
            db.scalar(select(func.count()).select_from(StoredFile)) or 0,
            len(list((service.settings.data_dir / "blobs").rglob("*"))),
        )


def test_a_workbook_upload_becomes_a_data_version(service: Service, tmp_path: Path) -> None:
    client = service.client("staff")
    book = demo_workbook(tmp_path)
    response = upload(service, client, [("全校名单.xlsx", book)])
    assert response.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/semesters/1")
    assert "v2" in page.text
    with service.db.session() as db:
        version = db.scalar(select(DataVersion).where(DataVersion.number == 2))
        assert version is not None and version.source == "workbook"
        assert version.counts["cadres"] == 400
        entry = db.scalar(
            select(AuditEntry)
            .where(AuditEntry.action == "data.upload")
            .order_by(AuditEntry.id.desc())
        )
        assert entry is not None and entry.after_sha == version.sha256
        assert entry.username == "staff"
    download = client.get("/semesters/1/versions/2/download")
    assert download.status_code == 200
    assert download.content == book


def test_a_broken_upload_is_located_and_nothing_is_stored(service: Service, tmp_path: Path) -> None:
    client = service.client("admin")
    book = openpyxl.load_workbook(io.BytesIO(demo_workbook(tmp_path)))
    sheet = book["联系人"]
    sheet["D3"] = "校长助理"  # not a role
    sheet["A5"] = sheet["A4"].value  # a repeated id
    buffer = io.BytesIO()
    book.save(buffer)
    before = counts(service)
    response = upload(service, client, [("名单.xlsx", buffer.getvalue())])
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert "名单.xlsx[联系人]" in html and "<td>3</td><td>类别</td>" in html
    assert "<td>5</td><td>工号</td>" in html
    assert "未保存任何内容" in html
    assert counts(service) == before
    assert list((service.settings.data_dir / "tmp").iterdir()) == []


def test_only_table_files_are_accepted(service: Service) -> None:
    client = service.client("admin")
    response = upload(service, client, [("../../etc/passwd", b"root:x:0:0")])
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "只能读取 .xlsx 和 .csv" in response.text  # type: ignore[attr-defined]
    response = upload(service, client, [("classes.csv", b"id,name\n")])
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "缺少表" in response.text  # type: ignore[attr-defined]  # the page's language


def test_the_template_has_dropdowns_and_reads_back_when_filled(
    service: Service, tmp_path: Path
) -> None:
    client = service.client("c01")
    response = client.get("/template.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cadres = book["联系人"]
    assert [c.value for c in cadres[1]] == [
        "工号",
        "姓名",
        "性别",
        "类别",
        "单位",
        "校区",
        "在岗",
        "职务",
        "联系电话",
        "邮箱",
    ]
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in cadres.data_validations.dataValidation}
    assert "校领导" in lists["D2"] and lists["C2"] == '"男,女"' and lists["G2"] == '"是,否"'
    assert "选项" in lists["F2"]
    assert (
        "学院"
        in {
            str(v.formula1)
            for v in book["班级"].data_validations.dataValidation
            if str(v.sqref).startswith("C2")
        }.pop()
    )
    assert '"班级,宿舍,社团,党支部"' in {
        v.formula1 for v in book["上学期安排"].data_validations.dataValidation
    }
    # fill it with the demo university (Chinese values) and read it back with the planner
    filled = openpyxl.load_workbook(io.BytesIO(demo_workbook(tmp_path)))
    for sheet in filled.worksheets:
        target = book[sheet.title]
        for r, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), 2):
            for c, value in enumerate(row, 1):
                target.cell(row=r, column=c, value=value)
    path = tmp_path / "filled.xlsx"
    book.save(path)
    data = load_data(path)
    assert len(data.cadres) == 400 and len(data.colleges) == 6


def test_a_proposal_runs_as_a_job_and_is_shown(service: Service) -> None:
    client = service.client("staff")
    token = csrf_of(client.get("/semesters/1").text)
    response = client.post(
        "/semesters/1/proposals",
        data={"csrf_token": token, "version": "1", "scenario": "strict-campus"},
    )
    assert response.status_code == 303
    job_url = response.headers["location"].split("?")[0]
    assert client.get(job_url + ".json").json()["state"] == "queued"
    assert "排队中" in client.get(job_url).text
    [job_id] = service.run_jobs()
    status = client.get(f"/jobs/{job_id}.json").json()
    assert status["state"] == "succeeded" and status["plan"] and status["finished"]
    assert any("planning" in line or "solving" in line for line in status["log"])
    plan = client.get(f"/plans/{status['plan']}")
    assert plan.status_code == 200 and "strict-campus" in plan.text
    with service.db.session() as db:
        actions = set(db.scalars(select(AuditEntry.action)))
    assert {"job.start", "job.finish", "data.upload", "user.add"} <= actions


def test_a_bad_scenario_upload_is_refused(service: Service) -> None:
    client = service.client("admin")
    token = csrf_of(client.get("/semesters/1").text)
    response = client.post(
        "/semesters/1/proposals",
        data={"csrf_token": token, "version": "1", "scenario": "default"},
        files={"scenario_file": ("mine.yaml", b"campus: sideways\n", "text/yaml")},
    )
    assert response.status_code == 400
    assert "campus" in response.text
    response = client.post(
        "/semesters/1/proposals", data={"csrf_token": token, "scenario": "nonexistent"}
    )
    assert response.status_code == 400 and "请选择一个方案规则" in response.text


def test_a_queued_job_cancels_at_once_and_runs_again(service: Service) -> None:
    client = service.client("admin")
    token = csrf_of(client.get("/semesters/1").text)
    job_url = (
        client.post("/semesters/1/proposals", data={"csrf_token": token})
        .headers["location"]
        .split("?")[0]
    )
    job_id = int(job_url.rsplit("/", 1)[1])
    token = csrf_of(client.get(job_url).text)
    assert client.post(f"{job_url}/cancel", data={"csrf_token": token}).status_code == 303
    assert client.get(f"{job_url}.json").json()["state"] == "cancelled"
    assert service.run_jobs() == []
    response = client.post(f"{job_url}/rerun", data={"csrf_token": token})
    new_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert new_id != job_id
    assert service.run_jobs() == [new_id]
    with service.db.session() as db:
        job = db.get(Job, new_id)
        assert job is not None and job.state == JobState.SUCCEEDED and job.rerun_of_id == job_id


def test_cancelling_a_running_job_kills_it_and_stores_nothing(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    def slow(*args: object, **kwargs: object) -> None:
        time.sleep(60)

    monkeypatch.setattr(engine, "run_proposal", slow)  # the forked child inherits it
    client = service.client("admin")
    token = csrf_of(client.get("/semesters/1").text)
    job_url = (
        client.post("/semesters/1/proposals", data={"csrf_token": token})
        .headers["location"]
        .split("?")[0]
    )
    with service.db.session() as db:
        plans_before = db.scalar(select(func.count()).select_from(Plan))
    worker = Worker(service.settings, service.db, fork=True)
    thread = threading.Thread(target=worker.run_once)
    thread.start()
    deadline = time.monotonic() + 20
    while client.get(f"{job_url}.json").json()["state"] != "running":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    started = time.monotonic()
    token = csrf_of(client.get(job_url).text)
    client.post(f"{job_url}/cancel", data={"csrf_token": token})
    thread.join(20)
    assert not thread.is_alive() and time.monotonic() - started < 10
    page = client.get(job_url)
    assert "已取消" in page.text and "重新计算" in page.text
    with service.db.session() as db:
        assert db.scalar(select(func.count()).select_from(Plan)) == plans_before


def test_a_parts_re_plan_is_claimed_before_earlier_jobs_and_a_lane_takes_only_those(
    service: Service,
) -> None:
    with service.db.session() as db:
        queued = [
            jobs.enqueue(db, kind=kind, semester_id=1, data_version_id=1, actor=None).id
            for kind in ("explain", "proposal", "replan", "explain", "replan")
        ]
    lane = ("replan",)
    assert jobs.claim_next(service.db, "nohost:9", lane) == queued[2]
    assert jobs.claim_next(service.db, "nohost:1") == queued[4]  # re-plans first, oldest first
    assert jobs.claim_next(service.db, "nohost:9", lane) is None  # the lane takes nothing else
    assert [jobs.claim_next(service.db, "nohost:1") for _ in range(4)] == [
        queued[0],
        queued[1],
        queued[3],
        None,
    ]


def test_a_queued_job_wakes_at_once_the_idle_workers_of_its_kind(service: Service) -> None:
    """On PostgreSQL a job queued wakes the idle workers it concerns as its transaction
    commits (LISTEN/NOTIFY): a part's re-plan the re-plan lane, other jobs the other workers
    (they leave re-plans to the lane); on SQLite an idle worker sleeps its poll interval."""
    from planner.service.jobs.worker import NOT_REPLANS, REPLAN_KINDS, Wakeup

    stop = threading.Event()
    lane, others = Wakeup(service.db, frozenset(REPLAN_KINDS)), Wakeup(service.db, NOT_REPLANS)

    def queue(kind: str) -> None:
        with service.db.session() as db:
            jobs.enqueue(db, kind=kind, semester_id=1, data_version_id=1, actor=None)

    def waited(wakeup: Wakeup, seconds: float) -> float:
        started = time.monotonic()
        wakeup.wait(seconds, stop)
        return time.monotonic() - started

    try:
        for wakeup in (lane, others):
            wakeup.wait(0.01, stop)  # listening from here on
        assert (lane.connection is not None) == (service.backend == "postgres")
        queue("replan")
        if service.backend == "postgres":
            assert waited(lane, 60) < 30  # woken, long before its time is up
            assert waited(others, 1.0) >= 0.9  # not by a re-plan
            queue("explain")
            assert waited(others, 60) < 30
            assert waited(lane, 1.0) >= 0.9
        else:
            assert waited(lane, 0.5) >= 0.45
    finally:
        lane.close()
        others.close()


def test_jobs_of_a_dead_worker_are_marked_interrupted(service: Service) -> None:
    with service.db.session() as db:
        job = jobs.enqueue(db, kind="proposal", semester_id=1, data_version_id=1, actor=None)
        job_id = job.id
    assert jobs.claim_next(service.db, "nohost:1") == job_id
    assert jobs.claim_next(service.db, "nohost:2") is None  # never two workers on one job
    with service.db.session() as db:
        assert jobs.recover(db) == []  # its heartbeat is fresh
        later = dt.datetime.now(dt.UTC) + jobs.STALE_AFTER * 2
        assert jobs.recover(db, later) == [job_id]
    with service.db.session() as db:
        db.execute(update(Job).where(Job.id == job_id).values(state="running", worker="x:1"))
    with service.db.session() as db:
        # a worker of this host whose process is gone: interrupted at once
        import os
        import socket

        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                worker=f"{socket.gethostname()}:{2**22 + os.getpid()}",
                heartbeat_at=dt.datetime.now(dt.UTC),
            )
        )
    with service.db.session() as db:
        assert jobs.recover(db) == [job_id]
        assert db.get(Job, job_id).state == JobState.INTERRUPTED  # type: ignore[union-attr]


def test_the_audit_log_is_append_only_in_the_database(service: Service) -> None:
    with service.db.engine.connect() as connection:
        for statement in ("UPDATE audit_log SET username = 'x'", "DELETE FROM audit_log"):
            with pytest.raises(Exception, match="append-only"):
                connection.execute(text(statement))
            connection.rollback()
    page = service.client("staff").get("/audit?action=data.upload")
    assert page.status_code == 200 and "上传名单" in page.text and "admin" in page.text


def test_accounts_are_added_checked_and_disabled(service: Service) -> None:
    client = service.client("admin")
    token = csrf_of(client.get("/accounts").text)
    bad = client.post(
        "/accounts",
        data={
            "csrf_token": token,
            "username": "a b",
            "display_name": "",
            "password": "short",
            "role": "college",
            "college": "",
        },
    )
    assert bad.status_code == 400
    for message in ("不能有空格", "请填写姓名", "至少 8 个字符", "须指定所属学院"):
        assert message in bad.text
    good = client.post(
        "/accounts",
        data={
            "csrf_token": token,
            "username": "c03",
            "display_name": "C03 联络员",
            "password": "longenough1",
            "role": "college",
            "college": "C03",
        },
    )
    assert good.status_code == 303
    new = service.client()
    from .conftest import sign_in

    sign_in(new, "c03", "longenough1")
    assert new.get(f"/plans/{service.plan_id}").status_code == 200
    assert (
        client.post("/accounts/c03/active", data={"csrf_token": token, "active": "0"}).status_code
        == 303
    )
    assert new.get("/semesters").status_code == 303  # its session ended
    assert client.post("/accounts/nobody/active", data={"csrf_token": token}).status_code == 404


def test_an_explanation_is_computed_by_a_job_and_cached(service: Service) -> None:
    client = service.client("c01")
    with service.db.session() as db:
        from planner.service.plans.models import Assignment

        row = db.scalars(
            select(Assignment).where(
                Assignment.plan_id == service.plan_id,
                Assignment.target_college == "C01",
                Assignment.kind == "class",
            )
        ).first()
    assert row is not None
    url = f"/plans/{service.plan_id}/explain/page?kind=class&target={row.target_id}"
    waiting = client.get(url)
    assert waiting.status_code == 200 and "data-poll" in waiting.text
    state = f"/plans/{service.plan_id}/explain/state.json?kind=class&target={row.target_id}"
    assert client.get(state).json()["ready"] is False
    assert len(service.run_jobs()) == 1
    assert client.get(state).json()["ready"] is True
    page = client.get(url)
    assert row.target_id in page.text and row.cadre_id in page.text
    assert "最佳替代安排" in page.text
    assert service.run_jobs() == []  # cached: no second job
    signal.getsignal(signal.SIGTERM)  # (the worker installed no handler in this process)


def test_a_worker_reads_the_data_and_indexes_the_plan_once_for_its_explanations(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job worker reads a data version and indexes a plan before it forks an explanation's
    child (``warm_up_explanation``); the explanations after it start from both, with the same
    answers as a cold run."""
    from planner.explain.why import index as plan_index
    from planner.service.plans.flows import warm_up_explanation
    from planner.service.plans.models import Assignment
    from planner.service.storage import Storage

    with service.db.session() as db:
        rows = db.scalars(
            select(Assignment)
            .where(Assignment.plan_id == service.plan_id, Assignment.target_college == "C01")
            .order_by(Assignment.id)
            .limit(2)
        ).all()
        targets = [(str(r.kind), str(r.target_id)) for r in rows]
    client = service.client("c01")
    for kind, target in targets:
        client.get(f"/plans/{service.plan_id}/explain/page?kind={kind}&target={target}")
    reads: list[int] = []
    indexed: list[int] = []
    load_data, load_plan = engine.load_data, plan_index._load_plan
    monkeypatch.setattr(engine, "load_data", lambda data: reads.append(1) or load_data(data))
    monkeypatch.setattr(plan_index, "_load_plan", lambda d, p: indexed.append(1) or load_plan(d, p))
    engine._stored_data.cache_clear()
    storage = Storage(service.settings.data_dir)
    with service.db.session() as db:
        first = db.scalar(select(Job.id).where(Job.kind == "explain").order_by(Job.id))
    assert first is not None
    warm_up_explanation(service.db, storage, first)
    assert (len(reads), len(indexed)) == (1, 1)
    assert len(service.run_jobs()) == 2
    assert (len(reads), len(indexed)) == (1, 1)  # both answered from what the worker kept
    with service.db.session() as db:
        plan = db.get(Plan, service.plan_id)
        assert plan is not None
        version = db.scalar(select(DataVersion).order_by(DataVersion.id.desc()).limit(1))
        assert version is not None
        data = semesters.data_path(db, storage, version)
        plan_dir = storage.root / plan.folder
        stored = {
            e.key: e.content
            for e in db.scalars(select(Explanation).where(Explanation.plan_id == plan.id))
        }
    engine._stored_data.cache_clear()
    plan_index._cache.clear()
    for kind, target in targets:
        cold = engine.explain(data, plan_dir, target=target, kind=kind)
        kept = stored[f"{kind}:{target}"]
        assert {k: v for k, v in cold.items() if k != "seconds"} == {
            k: v for k, v in kept.items() if k != "seconds"
        }


def test_an_explanations_child_solves_its_alternatives_in_turn(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked explanation job keeps its alternatives in its own process (one core, not two:
    the pages and the colleges' re-plans keep the other) and answers as a cold run does."""
    from planner.explain.why import alternatives
    from planner.service.plans.models import Assignment
    from planner.service.storage import Storage

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("an explanation job started solver processes")

    monkeypatch.setattr(alternatives, "ProcessPoolExecutor", no_pool)  # inherited by the fork
    with service.db.session() as db:
        row = db.scalars(
            select(Assignment)
            .where(Assignment.plan_id == service.plan_id, Assignment.target_college == "C02")
            .order_by(Assignment.id)
        ).first()
        assert row is not None
        cadre = str(row.cadre_id)
    client = service.client("c02")
    client.get(f"/plans/{service.plan_id}/explain/page?cadre={cadre}")
    worker = Worker(service.settings, service.db, fork=True)
    assert worker.run_once() is not None
    storage = Storage(service.settings.data_dir)
    with service.db.session() as db:
        job = db.scalar(select(Job).where(Job.kind == "explain").order_by(Job.id.desc()))
        assert job is not None and job.state == "succeeded", job and job.error
        plan = db.get(Plan, service.plan_id)
        assert plan is not None
        version = db.scalar(select(DataVersion).order_by(DataVersion.id.desc()).limit(1))
        assert version is not None
        data = semesters.data_path(db, storage, version)
        found = db.scalar(select(Explanation).where(Explanation.key == cadre))
        assert found is not None
        stored = found.content
    monkeypatch.setenv("PLANNER_HELPER", "0")
    cold = engine.explain(data, storage.root / plan.folder, cadre=cadre)
    assert {k: v for k, v in stored.items() if k != "seconds"} == {
        k: v for k, v in cold.items() if k != "seconds"
    }
