"""Filing (issue 16) through HTTP on SQLite and PostgreSQL: each state change of a part and
each forbidden one, approval (once, and only when every college has filed), verification, the
next semester, and the conflicts that send a filed part back to adjusting.

Every re-plan is checked by the independent checker inside the workflow (``replan_part``
raises when it fails); the approved plan is checked again here, from its folder.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from planner.api import DEMO_DATA, load_data
from planner.check.checker import check_plan_dir
from planner.service.accounts import service as accounts
from planner.service.accounts.models import Role
from planner.service.audit.models import AuditEntry
from planner.service.filing import flows
from planner.service.filing.models import Adjustment
from planner.service.plans.models import Assignment, Plan, PlanPart
from planner.service.semesters import service as semesters
from planner.service.semesters.models import DataVersion, Semester
from planner.service.storage import Storage

from .conftest import Service, csrf_of

COLLEGES = ("C01", "C02", "C03", "C04", "C05", "C06")


def add_secretaries(service: Service) -> None:
    """Accounts c03 … c06 (the demo has c01 and c02)."""
    with service.db.session() as db:
        for college in COLLEGES[2:]:
            accounts.add_user(
                db,
                username=college.lower(),
                display_name=f"{college} 学院联络员",
                password=f"demo-{college.lower()}-2026",
                role=Role.COLLEGE,
                college=college,
            )


def client_of(service: Service, username: str) -> Any:
    from .conftest import PASSWORDS, sign_in

    if username in PASSWORDS:
        return service.client(username)
    client = service.client()
    sign_in(client, username, f"demo-{username}-2026")
    return client


def post(client: Any, url: str, page: str, data: dict[str, str] | None = None) -> Any:
    """Post a form of ``page`` (its CSRF token) to ``url``."""
    token = csrf_of(client.get(page).text)
    return client.post(url, data={**(data or {}), "csrf_token": token})


def part_of(service: Service, college: str) -> PlanPart:
    with service.db.session() as db:
        part = db.scalar(
            select(PlanPart).where(PlanPart.plan_id == service.plan_id, PlanPart.college == college)
        )
        assert part is not None
        db.expunge(part)
        return part


def actions(service: Service) -> list[str]:
    with service.db.session() as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def a_pair(service: Service, college: str | None) -> tuple[str, str, str]:
    """A contact of the proposal held by a cadre of ``college`` (None: a central cadre)."""
    with service.db.session() as db:
        where = (
            Assignment.cadre_college.is_(None)
            if college is None
            else Assignment.cadre_college == college
        )
        row = db.execute(
            select(Assignment.cadre_id, Assignment.kind, Assignment.target_id)
            .where(Assignment.plan_id == service.plan_id, where)
            .order_by(Assignment.id)
            .limit(1)
        ).one()
        return str(row[0]), str(row[1]), str(row[2])


def test_a_college_adjusts_undoes_files_is_returned_and_files_again(service: Service) -> None:
    plan = service.plan_id
    page_url = f"/filing/{plan}/C01"
    c01 = service.client("c01")
    assert c01.get("/filing").headers["location"] == page_url
    page = c01.get(page_url)
    assert page.status_code == 200 and "法学院" in page.text and "未开始" in page.text
    other = a_pair(service, "C02")
    assert other[0] not in page.text  # nothing of another college
    # another college's part: not found, for reading and for every step
    assert c01.get(f"/filing/{plan}/C02").status_code == 404
    assert c01.get(f"/filing/{plan}/central").status_code == 404
    assert post(c01, f"/filing/{plan}/C02/file", page_url).status_code == 404
    assert post(c01, f"/filing/{plan}/C02/pins", page_url).status_code == 404
    # a pin outside the college's authority is refused, in words
    refused = post(
        c01,
        f"{page_url}/pins",
        page_url,
        {"cadre": other[0], "kind": other[1], "target": other[2], "rule": "require"},
    )
    assert refused.status_code == 400 and "经济学院" in refused.text

    cadre, kind, target = a_pair(service, "C01")
    pin = {"cadre": cadre, "kind": kind, "target": target, "rule": "forbid"}
    assert post(c01, f"{page_url}/pins", page_url, pin).status_code == 303
    assert part_of(service, "C01").state == "adjusting"
    running = c01.get(page_url)
    assert "data-poll" in running.text
    assert post(c01, f"{page_url}/file", page_url).status_code == 409  # re-plan running
    assert len(service.run_jobs()) == 1
    with service.db.session() as db:
        [done] = db.scalars(select(Adjustment)).all()
        assert done.state == "done"
        assert [cadre, kind, target] not in done.pairs
        assert done.terms_before != done.terms_after or done.pairs
    page = c01.get(page_url)
    assert "生效中" in page.text and "data-poll" not in page.text

    assert post(c01, f"{page_url}/undo", page_url).status_code == 303
    with service.db.session() as db:
        assert db.scalar(select(Adjustment.state)) == "undone"
    assert post(c01, f"{page_url}/undo", page_url).status_code == 409  # nothing left to undo

    filed = post(c01, f"{page_url}/file", page_url, {"note": "已核对"})
    assert filed.status_code == 303
    part = part_of(service, "C01")
    assert part.state == "filed" and part.filed_by and part.note == "已核对"
    assert part.filed_at is not None and part.sha256
    # read-only after filing
    assert post(c01, f"{page_url}/pins", page_url, pin).status_code == 409
    assert post(c01, f"{page_url}/undo", page_url).status_code == 409
    assert post(c01, f"{page_url}/file", page_url).status_code == 409
    # only the SAO returns; a viewer changes nothing
    assert post(c01, f"{page_url}/return", page_url, {"reason": "x"}).status_code == 403
    viewer = service.client("viewer")
    assert viewer.get(page_url).status_code == 200
    assert post(viewer, f"{page_url}/file", page_url).status_code == 403
    assert post(viewer, f"{page_url}/withdraw", page_url).status_code == 403
    # the SAO sees the part but does not file a college's part for it
    staff = service.client("staff")
    assert post(staff, f"{page_url}/withdraw", page_url).status_code == 403
    assert post(staff, f"{page_url}/return", page_url, {"reason": ""}).status_code == 400
    returned = post(staff, f"{page_url}/return", page_url, {"reason": "请补充党支部的联系人"})
    assert returned.status_code == 303
    part = part_of(service, "C01")
    assert part.state == "returned" and part.return_reason == "请补充党支部的联系人"
    page = c01.get(page_url)
    assert "请补充党支部的联系人" in page.text and "退回修改" in page.text
    assert post(staff, f"{page_url}/return", page_url, {"reason": "again"}).status_code == 409

    assert post(c01, f"{page_url}/file", page_url).status_code == 303
    assert post(c01, f"{page_url}/withdraw", page_url).status_code == 303
    assert part_of(service, "C01").state == "adjusting"
    assert post(c01, f"{page_url}/withdraw", page_url).status_code == 409
    log = actions(service)
    for action in ("plan.pin", "plan.undo", "plan.file", "plan.return", "plan.withdraw"):
        assert action in log, action
    board = staff.get("/semesters/1/filing")
    assert board.status_code == 200 and "调整中" in board.text and "尚未备案" in board.text
    assert c01.get("/semesters/1/filing").status_code == 403


def test_the_re_plan_lane_forks_warm_re_plans_equal_to_cold_ones(service: Service) -> None:
    """The re-plan worker of ``planner serve`` (forked children, the proposal kept warm in the
    worker) stores for each adjustment the contacts and figures a cold re-plan gives."""
    from planner.service.filing import flows
    from planner.service.filing import parts as workflow
    from planner.service.jobs.worker import REPLAN_KINDS, Worker

    plan, page_url = service.plan_id, f"/filing/{service.plan_id}/C02"
    c02 = service.client("c02")
    lane = Worker(service.settings, service.db, fork=True, kinds=REPLAN_KINDS)
    with service.db.session() as db:
        proposal = flows.load_proposal(db, Storage(service.settings.data_dir), db.get(Plan, plan))
    held = workflow.part_pairs(proposal, "C02")
    pins: list[list[str]] = []
    before = held
    for pair in (held[0], held[len(held) // 2]):
        pin = dict(zip(("cadre", "kind", "target"), pair, strict=True), rule="forbid")
        assert post(c02, f"{page_url}/pins", page_url, pin).status_code == 303
        assert lane.run_once() is not None
        with service.db.session() as db:
            done = db.scalars(select(Adjustment).order_by(Adjustment.id.desc())).first()
            assert done is not None and done.state == "done", done and done.error
            stored = (done.pairs, done.terms_before, done.terms_after)
        pins.append([*pair, "forbid"])
        cold = workflow.replan(workflow.load_proposal(*_paths(service, plan)), "C02", pins, before)
        assert stored == (cold.pairs, cold.before, cold.after)
        assert list(pair) not in done.pairs
        before = cold.pairs
    assert "data-poll" not in c02.get(page_url).text


def test_an_idle_re_plan_lane_warms_every_part_one_step_at_a_time(service: Service) -> None:
    """Between jobs the re-plan worker makes the current proposal's parts warm, one part per
    step (a re-plan queued meanwhile waits for one part at most); the "before" figures it
    keeps are those a cold re-plan works out."""
    from planner.service.filing import flows
    from planner.service.filing import parts as workflow
    from planner.service.jobs.worker import REPLAN_KINDS, Worker

    lane = Worker(service.settings, service.db, fork=False, kinds=REPLAN_KINDS)
    with service.db.session() as db:
        plan = db.get(Plan, service.plan_id)
        assert plan is not None
        colleges = [p.college for p in flows.parts_of(db, plan.id)]
        proposal = flows.load_proposal(db, Storage(service.settings.data_dir), plan)
    warming = lane._warming()
    steps = 0
    while lane._warm_step(warming):
        steps += 1
    assert steps == 1 + len(colleges) and len(colleges) >= 7  # the proposal, then each part
    assert not lane._warm_step(warming)
    warm = flows.warm_parts(proposal)
    for college in ("C03", ""):
        kept = workflow.proposal_figures(proposal, college, warm)
        pin = [*workflow.part_pairs(proposal, college)[0], "forbid"]
        cold = workflow.replan(proposal, college, [pin], workflow.part_pairs(proposal, college))
        assert kept == cold.before


def test_a_pin_waits_for_its_re_plan_and_goes_straight_to_the_updated_part(
    service: Service,
) -> None:
    """With a re-plan worker running (``planner serve``), the pin answers once the part is
    re-planned: the browser's next page is the updated part, not the one that polls; with no
    worker it answers after the wait with the polling page, as before."""
    import dataclasses
    import threading

    from fastapi.testclient import TestClient

    from planner.service.app import create_app
    from planner.service.jobs.worker import REPLAN_KINDS, Worker

    from .conftest import PASSWORDS, sign_in

    settings = dataclasses.replace(service.settings, replan_wait_seconds=0.3)
    c02 = TestClient(create_app(settings, service.db), follow_redirects=False)
    sign_in(c02, "c02", PASSWORDS["c02"])
    page_url = f"/filing/{service.plan_id}/C02"
    first = a_pair(service, "C02")
    pin = dict(zip(("cadre", "kind", "target"), first, strict=True), rule="forbid")
    answer = post(c02, f"{page_url}/pins", page_url, pin)  # no worker: the wait ends
    assert answer.headers["location"] == f"{page_url}?done=pin"
    assert "data-poll" in c02.get(answer.headers["location"]).text
    assert len(service.run_jobs()) == 1

    settings = dataclasses.replace(service.settings, replan_wait_seconds=60)
    c02 = TestClient(create_app(settings, service.db), follow_redirects=False)
    sign_in(c02, "c02", PASSWORDS["c02"])
    stop = threading.Event()
    lane = Worker(settings, service.db, fork=False, kinds=REPLAN_KINDS)
    thread = threading.Thread(target=lane.run_forever, args=(stop,))
    thread.start()
    try:
        with service.db.session() as db:
            done = db.scalars(select(Adjustment).order_by(Adjustment.id.desc())).first()
            assert done is not None
            other = next(p for p in done.pairs if p[0] != first[0])
        pin = dict(zip(("cadre", "kind", "target"), other, strict=True), rule="forbid")
        answer = post(c02, f"{page_url}/pins", page_url, pin)
        assert answer.headers["location"] == f"{page_url}?done=replanned"
        shown = c02.get(answer.headers["location"])
        assert "data-poll" not in shown.text and "本部分已重新编排" in shown.text
        with service.db.session() as db:
            newest = db.scalars(select(Adjustment).order_by(Adjustment.id.desc())).first()
            assert newest is not None and newest.state == "done", newest and newest.error
            assert list(other) not in newest.pairs
    finally:
        stop.set()
        thread.join(60)


def _paths(service: Service, plan_id: int) -> tuple[Any, Any]:
    """The data version and plan folder a proposal is read from (read again, not cached)."""
    storage = Storage(service.settings.data_dir)
    with service.db.session() as db:
        plan = db.get(Plan, plan_id)
        assert plan is not None
        version = db.scalars(select(DataVersion).order_by(DataVersion.id.desc())).first()
        assert version is not None
        return semesters.data_path(db, storage, version), storage.root / plan.folder


def file_everything(service: Service) -> None:
    add_secretaries(service)
    for college in COLLEGES:
        client = client_of(service, college.lower())
        url = f"/filing/{service.plan_id}/{college}"
        assert post(client, f"{url}/file", url).status_code == 303


def test_with_no_adjustments_the_approved_plan_is_the_proposal_term_by_term(
    service: Service,
) -> None:
    admin = service.client("admin")
    board = "/semesters/1/filing"
    assert post(admin, f"{board}/approve", board).status_code == 409  # nobody has filed
    file_everything(service)
    staff = service.client("staff")
    assert post(staff, f"{board}/approve", board).status_code == 403
    assert post(admin, f"{board}/approve", board).status_code == 303
    assert post(admin, f"{board}/approve", board).status_code == 409  # approved already
    with service.db.session() as db:
        semester = db.get(Semester, 1)
        assert semester is not None and semester.approved_plan_id is not None
        approved = db.get(Plan, semester.approved_plan_id)
        proposal = db.get(Plan, service.plan_id)
        assert approved is not None and proposal is not None
        assert approved.state == "approved"
        assert {n: t["value"] for n, t in approved.terms.items()} == {
            n: t["value"] for n, t in proposal.terms.items()
        }

        def pairs(plan_id: int) -> set[tuple[str, str, str]]:
            rows = db.execute(
                select(Assignment.cadre_id, Assignment.kind, Assignment.target_id).where(
                    Assignment.plan_id == plan_id
                )
            )
            return {(str(a), str(b), str(c)) for a, b, c in rows}

        assert pairs(approved.id) == pairs(proposal.id)
        version = db.scalar(select(DataVersion).order_by(DataVersion.id.desc()).limit(1))
        assert version is not None
        data = semesters.data_path(db, Storage(service.settings.data_dir), version)
        folder = service.settings.data_dir / approved.folder
        approved_id = approved.id
    assert check_plan_dir(load_data(data), folder).ok  # the independent checker
    assert (folder / "approval.json").is_file()
    # nothing can change any more
    c01 = service.client("c01")
    url = f"/filing/{service.plan_id}/C01"
    assert post(c01, f"{url}/withdraw", url).status_code == 409
    # downloads come from the frozen plan
    page = admin.get(board)
    states = page.text.split('id="board"')[1].split("</table>")[0]
    assert states.count("已审批") == len(COLLEGES) + 1 and "未开始" not in states
    assert f"/plans/{approved_id}/files/assignments.xlsx" in page.text
    assert admin.get(f"/plans/{approved_id}/files/assignments.xlsx").status_code == 200
    mine = c01.get(f"/filing/approved/{approved_id}/C01.xlsx")
    assert mine.status_code == 200 and mine.content[:2] == b"PK"
    assert c01.get(f"/filing/approved/{approved_id}/C02.xlsx").status_code == 404
    verified = admin.get(f"{board}/verify")
    assert verified.status_code == 200 and "与批准时完全一致" in verified.text
    csv = folder / "assignments.csv"
    csv.chmod(0o644)
    csv.write_text(csv.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = admin.get(f"{board}/verify")
    assert "assignments.csv" in changed.text and "批准后被改动" in changed.text
    assert "plan.approve" in actions(service)
    # the next semester starts from the approved plan, with the rosters copied
    assert post(staff, f"{board}/next", board, {"name": "2027春"}).status_code == 403
    started = post(admin, f"{board}/next", board, {"name": "2027春"})
    assert started.status_code == 303
    with service.db.session() as db:
        nxt = db.scalar(select(Semester).where(Semester.name == "2027春"))
        assert nxt is not None and nxt.previous_id == 1
        assert len(semesters.versions(db, nxt.id)) == 1


def test_a_part_page_shows_the_part_as_adjusted(service: Service) -> None:
    """After an adjustment the part's page shows the coverage of its contacts as they now
    are (the proposal's pairs held from outside the part, the re-plan's for the rest) and the
    re-plan's uncovered targets, not the proposal's figures."""
    plan_id = service.plan_id
    url = f"/filing/{plan_id}/C01"
    c01 = service.client("c01")
    before = c01.get(url).text
    assert "以上为方案初稿的数字" in before and "（方案初稿中）" in before
    cadre, kind, target = a_pair(service, "C01")
    pin = {"cadre": cadre, "kind": kind, "target": target, "rule": "forbid"}
    assert post(c01, f"{url}/pins", url, pin).status_code == 303
    assert len(service.run_jobs()) == 1
    colleges = {
        (str(k), str(i)): str(c)
        for k, i, c in load_data(DEMO_DATA)
        .targets()[["kind", "id", "college"]]
        .itertuples(index=False, name=None)
    }
    with service.db.session() as db:
        plan = db.get(Plan, plan_id)
        adjustment = db.scalar(select(Adjustment))
        assert plan is not None and adjustment is not None and adjustment.state == "done"
        held = db.execute(
            select(Assignment.kind, Assignment.target_id).where(
                Assignment.plan_id == plan_id,
                Assignment.target_college == "C01",
                (Assignment.cadre_college != "C01") | Assignment.cadre_college.is_(None),
            )
        )
        now = {(str(k), str(t)) for k, t in held} | {
            (k, t) for _, k, t in adjustment.pairs if colleges.get((k, t)) == "C01"
        }
        shown = flows.part_figures(db, plan, "C01", adjustment)
        assert shown.adjusted
        for each in ("class", "branch", "society", "dorm"):
            covered, targets = shown.mine["coverage"][each]
            assert covered == sum(1 for k, _ in now if k == each), each
            assert targets == sum(1 for (k, _), c in colleges.items() if k == each and c == "C01")
        # the re-plan's uncovered targets are what the page lists (one made up here: the
        # demo's colleges have cadres enough to cover every class after one forbidden pair)
        after = dict(adjustment.terms_after)
        part = dict(after["part"])
        part["coverage"] = {
            **part["coverage"],
            "class": [part["coverage"]["class"][0] - 1, part["coverage"]["class"][1]],
        }
        part["uncovered"] = [["class", "C01-X99", "测试班", "本学院在岗干部不足（测试）"]]
        adjustment.terms_after = {**after, "part": part}
        classes = shown.mine["coverage"]["class"]
    page = c01.get(url).text
    assert "以上数字已计入本部分下方的调整" in page and "（已计入上方的调整）" in page
    assert "本学院在岗干部不足（测试）" in page and "C01-X99" in page
    assert f"{classes[0] - 1} / {classes[1]}" in page


def test_a_central_adjustment_sends_a_filed_college_part_back(service: Service) -> None:
    plan = service.plan_id
    with service.db.session() as db:
        row = db.execute(
            select(
                Assignment.cadre_id,
                Assignment.kind,
                Assignment.target_id,
                Assignment.target_college,
            )
            .where(
                Assignment.plan_id == plan,
                Assignment.cadre_college.is_(None),
                Assignment.target_college.is_not(None),
            )
            .order_by(Assignment.id)
            .limit(1)
        ).one()
    cadre, kind, target, college = (str(v) for v in row)
    secretary = client_of(service, college.lower()) if college in ("C01", "C02") else None
    if secretary is None:
        add_secretaries(service)
        secretary = client_of(service, college.lower())
    url = f"/filing/{plan}/{college}"
    assert post(secretary, f"{url}/file", url).status_code == 303
    # a college secretary cannot adjust the central part
    assert post(secretary, f"/filing/{plan}/central/pins", url).status_code == 404
    staff = service.client("staff")
    central = f"/filing/{plan}/central"
    assert staff.get(central).status_code == 200
    pin = {"cadre": cadre, "kind": kind, "target": target, "rule": "forbid"}
    assert post(staff, f"{central}/pins", central, pin).status_code == 303
    service.run_jobs()
    part = part_of(service, college)
    assert part.state == "adjusting"
    assert part.notice and target in part.notice
    assert target in secretary.get(url).text
    assert "plan.conflict" in actions(service)


def test_correcting_availability_makes_a_new_data_version(service: Service) -> None:
    plan = service.plan_id
    c01 = service.client("c01")
    url = f"/filing/{plan}/C01"
    cadre, _kind, _target = a_pair(service, "C01")
    with service.db.session() as db:
        before = db.scalar(select(func.count()).select_from(DataVersion))
    answer = post(c01, f"{url}/available", url, {"cadre": cadre, "available": "no"})
    assert answer.status_code == 303
    with service.db.session() as db:
        assert db.scalar(select(func.count()).select_from(DataVersion)) == (before or 0) + 1
    other, _k, _t = a_pair(service, "C02")
    assert (
        post(c01, f"{url}/available", url, {"cadre": other, "available": "no"}).status_code == 404
    )
    # the re-plan runs on the new version: the cadre no longer holds anything
    with service.db.session() as db:
        rows = db.execute(
            select(Assignment.cadre_id, Assignment.kind, Assignment.target_id)
            .where(
                Assignment.plan_id == plan,
                Assignment.cadre_college == "C01",
                Assignment.cadre_id != cadre,
            )
            .limit(1)
        ).one()
    pin = {"cadre": str(rows[0]), "kind": str(rows[1]), "target": str(rows[2]), "rule": "forbid"}
    assert post(c01, f"{url}/pins", url, pin).status_code == 303
    service.run_jobs()
    with service.db.session() as db:
        done = db.scalar(select(Adjustment))
        assert done is not None and done.state == "done", done.error if done else None
        assert all(p[0] != cadre for p in done.pairs)
    assert "data.upload" in actions(service)


def test_new_rosters_send_back_only_the_filed_parts_they_touch(service: Service) -> None:
    from planner.service.filing.rosters import with_availability

    plan = service.plan_id
    for college in ("C01", "C02"):
        client = service.client(college.lower())
        url = f"/filing/{plan}/{college}"
        assert post(client, f"{url}/file", url).status_code == 303
    cadre, _kind, _target = a_pair(service, "C02")
    storage = Storage(service.settings.data_dir)
    with service.db.session() as db:
        version = semesters.versions(db, 1)[0]
        files = [
            (f.name, storage.read_blob(f.sha256)) for f in semesters.version_files(db, version.id)
        ]
    changed = with_availability(files, cadre, False)
    admin = service.client("admin")
    token = csrf_of(admin.get("/semesters/1").text)
    answer = admin.post(
        "/semesters/1/uploads",
        data={"csrf_token": token, "note": "C02 调整"},
        files=[("files", (name, data, "text/csv")) for name, data in changed],
    )
    assert answer.status_code == 303
    assert part_of(service, "C01").state == "filed"  # untouched: stays filed
    c02 = part_of(service, "C02")
    assert c02.state == "adjusting" and c02.notice and "v2" in c02.notice
    page = service.client("c02").get(f"/filing/{plan}/C02")
    assert "v2" in page.text and "重新备案" in page.text


def test_an_approval_that_fails_stores_nothing_and_can_be_made_again(
    service: Service, monkeypatch: Any
) -> None:
    """The approval's database block is all or nothing: a failure inside it (here the audit
    entry) leaves no approved plan, no approved semester and no frozen folder behind."""
    from planner.service.filing import flows

    file_everything(service)
    admin = service.client("admin")
    board = "/semesters/1/filing"
    real = flows.record

    def broken(db: Any, actor: Any, action: str, *args: Any, **kwargs: Any) -> Any:
        if action == "plan.approve":
            raise RuntimeError("the database went away")
        return real(db, actor, action, *args, **kwargs)

    monkeypatch.setattr(flows, "record", broken)
    with pytest.raises(RuntimeError):
        post(admin, f"{board}/approve", board)
    with service.db.session() as db:
        semester = db.get(Semester, 1)
        assert semester is not None and semester.approved_plan_id is None
        assert db.scalar(select(func.count()).where(Plan.state == "approved")) == 0
    assert not list(service.settings.data_dir.joinpath("plans").glob("approved-*"))
    monkeypatch.setattr(flows, "record", real)
    assert post(admin, f"{board}/approve", board).status_code == 303
    with service.db.session() as db:
        assert db.scalar(select(func.count()).where(Plan.state == "approved")) == 1


def test_the_next_semester_continues_from_the_approved_plan(service: Service) -> None:
    file_everything(service)
    admin = service.client("admin")
    board = "/semesters/1/filing"
    assert post(admin, f"{board}/approve", board).status_code == 303
    assert post(admin, f"{board}/next", board, {"name": "2027春"}).status_code == 303
    with service.db.session() as db:
        nxt = db.scalar(select(Semester).where(Semester.name == "2027春"))
        first = db.get(Semester, 1)
        assert nxt is not None and first is not None
        approved_id, next_id = first.approved_plan_id, nxt.id
    started = post(admin, f"/semesters/{next_id}/proposals", f"/semesters/{next_id}")
    assert started.status_code == 303
    service.run_jobs()
    with service.db.session() as db:
        plan = db.scalar(select(Plan).where(Plan.semester_id == next_id))
        assert plan is not None and plan.previous_plan_id == approved_id
        kept = plan.kpis["kept_from_previous"]
        folder = service.settings.data_dir / plan.folder
        version = semesters.versions(db, next_id)[0]
        data = semesters.data_path(db, Storage(service.settings.data_dir), version)
    assert kept > 0  # the approved plan's contacts carry over
    assert check_plan_dir(load_data(data), folder).ok


def test_an_alternative_of_the_explanation_page_can_be_required(service: Service) -> None:
    import re

    plan = service.plan_id
    c01 = service.client("c01")
    with service.db.session() as db:
        row = db.execute(
            select(Assignment.kind, Assignment.target_id)
            .where(
                Assignment.plan_id == plan,
                Assignment.target_college == "C01",
                Assignment.cadre_college == "C01",
                Assignment.kind == "class",
            )
            .limit(1)
        ).one()
    url = f"/plans/{plan}/explain/page?kind={row[0]}&target={row[1]}"
    c01.get(url)
    service.run_jobs()
    page = c01.get(url).text
    forms = re.findall(
        r'action="/filing/\d+/C01/pins".*?name="cadre" value="([^"]+)".*?name="kind" '
        r'value="([^"]+)".*?name="target" value="([^"]+)"',
        page,
    )
    assert forms, "the alternatives can be required in the college's own part"
    mine = set()
    with service.db.session() as db:
        mine = {
            str(c)
            for c in db.scalars(
                select(Assignment.cadre_id).where(
                    Assignment.plan_id == plan, Assignment.cadre_college == "C01"
                )
            )
        }
    cadre, kind, target = next((f for f in forms if f[0] in mine), forms[0])
    pin = {"cadre": cadre, "kind": kind, "target": target, "rule": "require"}
    answer = post(c01, f"/filing/{plan}/C01/pins", f"/filing/{plan}/C01", pin)
    if cadre in mine:
        assert answer.status_code == 303
        service.run_jobs()
        with service.db.session() as db:
            done = db.scalar(select(Adjustment))
            assert done is not None and done.state == "done"
            assert [cadre, kind, target] in done.pairs
    else:  # a cadre the college does not place: refused, saying whose it is
        assert answer.status_code == 400 and "权限" in answer.text
    # the staff see the central part's button, a viewer none
    assert "/filing/" not in service.client("viewer").get(url).text.split("<main>")[1]
