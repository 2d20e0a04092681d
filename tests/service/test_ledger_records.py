"""The ledger through HTTP on SQLite and PostgreSQL: a contact entered in the form (problems
located per field, in Chinese), changed, deleted, audited; a ledger imported from the template
(located problems, nothing stored on error, nothing stored twice); leave; the semester's
dates; and a college never reaching another college's records."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from planner import ledger
from planner.service.cases.models import ProblemCase
from planner.service.ledger.models import ContactEntry, Leave
from planner.service.semesters.models import Semester

from .conftest import LEDGER_DAY, Service
from .ledger_helpers import (
    NEW,
    SEMESTER,
    a_case,
    a_record,
    audit_actions,
    fill_template,
    form,
    holder,
    kept_on,
    post,
    record_count,
)

LEDGER = f"/semesters/{SEMESTER}/ledger"


def _status(service: Service, who: str, cadre: str, rule: str, period: str) -> str:
    """The status on the test day of one duty, as the duties page computes it."""
    kept = kept_on(service, who, LEDGER_DAY)
    row = kept[(kept["cadre_id"] == cadre) & (kept["rule"] == rule) & (kept["period"] == period)]
    return str(row["status"].iloc[0])


def _due_dorm_holder(service: Service) -> dict:
    """A C01 cadre whose November dorm visit is still due on the test day."""
    for skip in range(40):
        person = holder(service, "C01", "dorm", skip)
        if _status(service, "c01", person["cadre_id"], "dorm_visit", "2026-11") == "due":
            return person
    raise AssertionError("no C01 dorm visit is due in the demo")


def test_a_college_enters_a_contact_and_the_duty_is_met(service: Service) -> None:
    client = service.client("c01")
    page = client.get(NEW)
    assert page.status_code == 200 and "登记联系记录" in page.text
    person = _due_dorm_holder(service)
    assert person["cadre_id"] in page.text
    before = record_count(service, cadre_id=person["cadre_id"])
    data = form(person, dt.date(2026, 11, 18), "dorm_visit", note="了解学生学习情况")
    response = post(client, NEW, LEDGER, data)
    assert response.status_code == 303, response.text[:2000]
    assert record_count(service, cadre_id=person["cadre_id"]) == before + 1
    stored = a_record(service, "C01", cadre_id=person["cadre_id"], note="了解学生学习情况")
    assert (stored.kind, stored.target_id, stored.source) == ("dorm", person["target_id"], "form")
    assert _status(service, "c01", person["cadre_id"], "dorm_visit", "2026-11") == "met"
    [entry] = [e for e in audit_actions(service, "ledger.add") if e.object_id == str(stored.id)]
    assert entry.college == "C01" and entry.after_sha and entry.username == "c01"
    listed = client.get(LEDGER + "?q=" + person["cadre_id"])
    assert "了解学生学习情况" in listed.text


def test_form_problems_are_located_per_field_and_nothing_is_stored(service: Service) -> None:
    client = service.client("c01")
    person = holder(service, "C01", "dorm")
    before = record_count(service)
    data = form(
        person,
        dt.date(2026, 11, 18),
        "no-such-activity",
        date="2026-13-40",
        students="-3",
        note="学生电话13812345678",
    )
    response = post(client, NEW, LEDGER, data)
    assert response.status_code == 400
    html = response.text
    assert "该记录有4处问题，未保存" in html
    assert 'id="error-date"' in html and "请填写日期" in html
    assert 'id="error-activity"' in html and "请从列表中选择活动类型" in html
    assert 'id="error-students"' in html and "学生人数" in html
    assert 'id="error-note"' in html and "身份证号" in html
    assert record_count(service) == before


def test_the_engine_checks_target_and_semester(service: Service) -> None:
    client = service.client("c01")
    person = holder(service, "C01", "dorm")
    other = holder(service, "C01", "dorm", 1)
    data = form(person, dt.date(2026, 11, 18), "dorm_visit", target=f"dorm:{other['target_id']}")
    response = post(client, NEW, LEDGER, data)
    assert response.status_code == 400
    assert 'id="error-target"' in response.text and other["target_id"] in response.text
    late = form(person, dt.date(2027, 3, 1), "dorm_visit")
    response = post(client, NEW, LEDGER, late)
    assert response.status_code == 400 and 'id="error-date"' in response.text
    assert "2027年3月1日不在2026秋" in response.text


def test_a_doubtful_record_is_shown_first_and_saved_when_confirmed(service: Service) -> None:
    client = service.client("c01")
    person = holder(service, "C01", "dorm")
    data = form(person, dt.date(2026, 11, 18), "class_meeting", note="待确认")
    response = post(client, NEW, LEDGER, data)
    assert response.status_code == 200 and 'id="warnings"' in response.text
    assert "仍然保存" in response.text
    assert record_count(service, note="待确认") == 0
    response = post(client, NEW, LEDGER, {**data, "confirm": "1"})
    assert response.status_code == 303
    assert record_count(service, note="待确认") == 1


def test_a_college_never_reaches_another_colleges_records(service: Service) -> None:
    client = service.client("c01")
    theirs = a_record(service, "C02")
    missing = 999_999
    for record_id in (theirs.id, missing):
        assert client.get(f"/ledger/records/{record_id}/edit").status_code == 404
        change = post(client, LEDGER, f"/ledger/records/{record_id}", {"students": "1"})
        assert change.status_code == 404
        assert post(client, LEDGER, f"/ledger/records/{record_id}/delete", {}).status_code == 404
    # a C02 cadre in the form is refused as an unknown one is
    person = holder(service, "C02", "dorm")
    for cadre in (person["cadre_id"], "no-such-cadre"):
        data = form({**person, "cadre_id": cadre}, dt.date(2026, 11, 18), "dorm_visit")
        response = post(client, NEW, LEDGER, data)
        assert response.status_code == 400
        assert 'id="error-cadre_id"' in response.text and "请从列表中选择联系人" in response.text
    page = client.get(LEDGER + "?college=C02")
    assert theirs.cadre_id not in page.text and person["cadre_name"] not in page.text
    assert client.get(LEDGER + "/ledger.xlsx?college=C02").status_code == 200
    assert record_count(service, id=theirs.id) == 1


def test_the_sao_chooses_a_college_before_a_whole_universitys_list(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from planner.service.ledger.service import LedgerView

    monkeypatch.setattr(LedgerView, "FORM_CADRES", 10)
    client = service.client("staff")
    page = client.get(NEW)
    assert 'id="choose-college"' in page.text and 'id="record-form"' not in page.text
    narrowed = client.get(NEW + "?college=C04")
    assert 'id="record-form"' in narrowed.text and 'id="choose-college"' not in narrowed.text
    assert holder(service, "C04", "dorm")["cadre_id"] in narrowed.text
    assert holder(service, "C01", "dorm")["cadre_id"] not in narrowed.text


def test_a_viewer_reads_the_ledger_and_changes_nothing(service: Service) -> None:
    client = service.client("viewer")
    assert client.get(LEDGER).status_code == 200
    assert client.get(NEW).status_code == 403
    record = a_record(service, "C01")
    assert post(client, LEDGER, f"/ledger/records/{record.id}/delete", {}).status_code == 403
    assert post(client, LEDGER, LEDGER, {"cadre_id": "x"}).status_code == 403


def test_changes_and_deletions_are_audited_with_hashes(service: Service) -> None:
    client = service.client("staff")
    record = a_record(service, "C03", problems="")
    edit = f"/ledger/records/{record.id}/edit"
    page = client.get(edit)
    assert page.status_code == 200 and "修改联系记录" in page.text
    data = {
        "cadre_id": record.cadre_id,
        "target": "other" if record.kind == "other" else f"{record.kind}:{record.target_id}",
        "date": record.day.isoformat(),
        "activity": record.activity,
        "students": str(record.students + 5),
        "note": "人数更正",
        "category": "",
        "problems": "",
        "confirm": "1",
    }
    assert post(client, edit, f"/ledger/records/{record.id}", data).status_code == 303
    with service.db.session() as db:
        changed = db.get(ContactEntry, record.id)
        assert changed is not None and changed.students == record.students + 5
    [entry] = [e for e in audit_actions(service, "ledger.edit") if e.object_id == str(record.id)]
    assert entry.before_sha and entry.after_sha and entry.before_sha != entry.after_sha
    assert post(client, edit, f"/ledger/records/{record.id}/delete", {}).status_code == 303
    assert record_count(service, id=record.id) == 0
    [gone] = [e for e in audit_actions(service, "ledger.delete") if e.object_id == str(record.id)]
    assert gone.before_sha == entry.after_sha and gone.after_sha is None


def test_problems_become_cases_and_stay_once_with_the_sao(service: Service) -> None:
    client = service.client("c01")
    person = holder(service, "C01", "class")
    data = form(
        person,
        dt.date(2026, 11, 16),
        "class_meeting",
        problems="希望增加自习室\n食堂排队时间长",
        category="life",
    )
    assert post(client, NEW, LEDGER, data).status_code == 303
    record = a_record(service, "C01", problems="希望增加自习室\n食堂排队时间长")
    with service.db.session() as db:
        cases = db.scalars(select(ProblemCase).where(ProblemCase.record_id == record.id)).all()
        assert [(c.text, c.status, c.category) for c in cases] == [
            ("希望增加自习室", "raised", "life"),
            ("食堂排队时间长", "raised", "life"),
        ]
    edit = f"/ledger/records/{record.id}/edit"
    # while the cases are the college's own, changing the problems re-makes them
    changed = {**data, "problems": "希望增加自习室"}
    assert post(client, edit, f"/ledger/records/{record.id}", changed).status_code == 303
    with service.db.session() as db:
        texts = db.scalars(select(ProblemCase.text).where(ProblemCase.record_id == record.id))
        assert list(texts) == ["希望增加自习室"]
        case_id = db.scalar(select(ProblemCase.id).where(ProblemCase.record_id == record.id))
    sent = post(client, f"/cases/{case_id}", f"/cases/{case_id}/steps", {"to": "with_sao"})
    assert sent.status_code == 303
    again = {**data, "problems": "改写后的问题"}
    response = post(client, edit, f"/ledger/records/{record.id}", again)
    assert response.status_code == 400 and "已由学生处办理" in response.text
    response = post(client, edit, f"/ledger/records/{record.id}/delete", {})
    assert response.status_code == 400 and "不能删除" in response.text
    assert record_count(service, id=record.id) == 1
    assert a_case(service, "C01", "with_sao").text


def _template(client, college: str | None = None) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    url = LEDGER + "/template.xlsx" + (f"?college={college}" if college else "")
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _options(book: openpyxl.Workbook) -> set[str]:
    """The staff numbers the template's cadre dropdown offers."""
    sheet = book.worksheets[-1]
    return {str(row[0].value) for row in sheet.iter_rows(min_row=2) if row[0].value}


def test_the_template_is_filled_with_the_colleges_cadres(service: Service) -> None:
    c01 = _options(_template(service.client("c01"), "C02"))  # the filter is ignored
    with service.db.session() as db:
        from planner.service.plans.models import Assignment

        mine = set(
            db.scalars(
                select(Assignment.cadre_id).where(
                    Assignment.plan_id == service.plan_id, Assignment.cadre_college == "C01"
                )
            )
        )
    assert c01 == mine
    everyone = _options(_template(service.client("admin")))
    assert mine < everyone
    assert service.client("viewer").get(LEDGER + "/template.xlsx").status_code == 403


def _upload(client, path: Path) -> object:  # type: ignore[no-untyped-def]
    token_page = client.get(LEDGER).text
    from .conftest import csrf_of

    with path.open("rb") as handle:
        return client.post(
            LEDGER + "/import",
            data={"csrf_token": csrf_of(token_page)},
            files={"file": (path.name, handle.read(), "application/octet-stream")},
        )


def test_an_imported_ledger_is_checked_then_stored_once(service: Service, tmp_path: Path) -> None:
    client = service.client("c01")
    person = holder(service, "C01", "dorm")
    theirs = holder(service, "C02", "dorm")
    good = [
        person["cadre_id"], "", "宿舍", person["target_id"], "", dt.date(2026, 11, 9),
        "走访宿舍", 3, "导入测试一", "", "",
    ]  # fmt: skip
    second = [
        person["cadre_id"], "", "其他", "", "", dt.date(2026, 11, 10),
        "线上交流", 12, "导入测试二", "希望延长图书馆开放时间", "学业",
    ]  # fmt: skip
    bad = [
        theirs["cadre_id"], "", "宿舍", theirs["target_id"], "", "2026-02-30",
        "跳舞", 2, "", "", "",
    ]  # fmt: skip
    before = record_count(service)
    broken = fill_template(_template(client), [good, bad, second], tmp_path / "台账-有误.xlsx")
    response = _upload(client, broken)
    assert response.status_code == 400  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert "台账-有误.xlsx" in html and "未保存" in html
    assert "跳舞" in html and "2026-02-30" in html
    assert "<td>3</td>" in html  # the row of the bad line
    assert record_count(service) == before
    fixed = fill_template(_template(client), [good, second], tmp_path / "台账.xlsx")
    response = _upload(client, fixed)
    assert response.status_code == 200, response.text[:3000]  # type: ignore[attr-defined]
    assert "新增2条联系记录" in response.text  # type: ignore[attr-defined]
    assert "新增学生反映问题1件" in response.text  # type: ignore[attr-defined]
    assert record_count(service) == before + 2
    assert record_count(service, note="导入测试二", kind="other", source="import") == 1
    again = _upload(client, fixed)
    assert "2行已在台账中，未重复导入" in again.text  # type: ignore[attr-defined]
    assert record_count(service) == before + 2
    [entry] = audit_actions(service, "ledger.import")[-1:]
    assert entry.detail["already"] == 2 and len(entry.after_sha or "") == 64


def test_the_ledger_workbook_reads_back(service: Service, tmp_path: Path) -> None:
    response = service.client("c02").get(LEDGER + "/ledger.xlsx")
    assert response.status_code == 200
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(response.content)
    read = ledger.read_ledger(path)
    assert len(read.records) == record_count(service, college="C02")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "工作台账"


def test_the_list_is_scoped_and_filtered(service: Service) -> None:
    client = service.client("c02")
    page = client.get(LEDGER + "?month=2026-10&kind=dorm")
    assert page.status_code == 200
    with service.db.session() as db:
        count = len(
            db.scalars(
                select(ContactEntry.id).where(
                    ContactEntry.college == "C02",
                    ContactEntry.kind == "dorm",
                    ContactEntry.day >= dt.date(2026, 10, 1),
                    ContactEntry.day <= dt.date(2026, 10, 31),
                )
            ).all()
        )
    assert f"共 {count:,} 行" in page.text
    assert "2026-09-" not in page.text.split('id="table-records"')[1].split("</table>")[0]
    admin = service.client("admin").get(LEDGER + "?college=C02&month=2026-10&kind=dorm")
    assert f"共 {count:,} 行" in admin.text


def test_leave_is_recorded_and_scoped(service: Service) -> None:
    client = service.client("c01")
    person = holder(service, "C01", "dorm", 2)
    data = {
        "cadre_id": person["cadre_id"],
        "starts_on": "2026-10-01",
        "ends_on": "2026-10-31",
        "note": "外出培训",
    }
    assert post(client, LEDGER, f"/semesters/{SEMESTER}/leaves", data).status_code == 303
    with service.db.session() as db:
        leave = db.scalars(select(Leave).where(Leave.note == "外出培训")).one()
    assert leave.college == "C01"
    kept = kept_on(service, "c01", LEDGER_DAY)
    october = kept[(kept["cadre_id"] == person["cadre_id"]) & (kept["period"] == "2026-10")]
    assert october.empty  # a month on leave owes nothing
    bad = {**data, "starts_on": "2026-12-01", "ends_on": "2026-11-01", "note": ""}
    response = post(client, LEDGER, f"/semesters/{SEMESTER}/leaves", bad)
    assert response.status_code == 400 and "请假结束日期早于开始日期" in response.text
    other = service.client("c02")
    assert post(other, LEDGER, f"/ledger/leaves/{leave.id}/delete", {}).status_code == 404
    assert post(client, LEDGER, f"/ledger/leaves/{leave.id}/delete", {}).status_code == 303
    assert [e.action for e in audit_actions(service, "leave.delete")] == ["leave.delete"]


@pytest.mark.parametrize("user", ["staff", "c01", "viewer"])
def test_only_the_sao_administrator_sets_the_dates(service: Service, user: str) -> None:
    data = {"starts_on": "2026-09-07", "ends_on": "2027-01-15"}
    response = post(service.client(user), LEDGER, LEDGER + "/dates", data)
    assert response.status_code == 403


def test_the_dates_keep_every_record_inside(service: Service) -> None:
    client = service.client("admin")
    response = post(
        client, LEDGER, LEDGER + "/dates", {"starts_on": "2026-09-15", "ends_on": "2027-01-15"}
    )
    assert response.status_code == 400 and "不在这段日期内" in response.text
    response = post(
        client, LEDGER, LEDGER + "/dates", {"starts_on": "2026-08-31", "ends_on": "2027-01-22"}
    )
    assert response.status_code == 303
    page = client.get(LEDGER)
    assert "2026-08-31至2027-01-22" in page.text and "按惯例日期" not in page.text


def test_the_ledger_follows_the_approved_plan_else_the_latest_proposal(service: Service) -> None:
    from planner.service.plans.models import Plan

    client = service.client("admin")
    assert "台账暂按最新的方案草案登记" in client.get(LEDGER).text
    person = holder(service, "C01", "dorm")
    with service.db.session() as db:  # a newer proposal, holding no contact at all
        first = db.get(Plan, service.plan_id)
        assert first is not None
        columns = {c.name: getattr(first, c.name) for c in Plan.__table__.columns if c.name != "id"}
        newer = Plan(**columns)
        db.add(newer)
        db.flush()
        newer_id = newer.id
    page = client.get(NEW + "?college=C01")
    assert f"方案 {newer_id}" in page.text and person["cadre_id"] not in page.text
    with service.db.session() as db:
        semester = db.get(Semester, SEMESTER)
        assert semester is not None
        semester.approved_plan_id = service.plan_id
    page = client.get(NEW + "?college=C01")
    assert "台账按已审批的方案登记" in page.text and person["cadre_id"] in page.text
