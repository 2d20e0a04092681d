"""The duties pages and calendars are computed once and kept: every change of the ledger or
of leave shows at once, on the college's page and on the SAO's, and what they show is what
the engine counts afresh (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

from planner import ledger
from planner.service.cases.models import ProblemCase

from .conftest import LEDGER_DAY, Service
from .ledger_helpers import SEMESTER, a_record, form, holder, kept_on, post

DUTIES = f"/semesters/{SEMESTER}/duties?as_of={LEDGER_DAY.isoformat()}"
LEDGER = f"/semesters/{SEMESTER}/ledger"
NEW = f"{LEDGER}/new"
LABELS = {"met": "已完成工作要求", "due": "进行中", "overdue": "已逾期"}


def _shown(html: str) -> dict[str, int]:
    out = {}
    for key, label in LABELS.items():
        found = re.search(rf'<span class="label">{label}</span><span class="value">([^<]+)<', html)
        assert found, label
        out[key] = int(found.group(1).replace(",", ""))
    badge = re.search(r'id="overdue">\s*<h2>[^<]*<span class="badge[^"]*">([^<]+)<', html)
    assert badge
    out["listed"] = int(badge.group(1).replace(",", ""))
    return out


def _counted(service: Service, user: str) -> dict[str, int]:
    """The figures of ``user``'s duties page, counted by the engine afresh."""
    row = ledger.summarise(kept_on(service, user, LEDGER_DAY)).iloc[0]
    return {k: int(row[k]) for k in LABELS} | {"listed": int(row["overdue"])}


def _check(service: Service, pages: dict[str, object]) -> dict[str, dict[str, int]]:
    out = {}
    for user, client in pages.items():
        shown = _shown(client.get(DUTIES).text)  # type: ignore[attr-defined]
        assert shown == _counted(service, user), user
        out[user] = shown
    return out


def _due_in_november(service: Service) -> dict:
    kept = kept_on(service, "c01", LEDGER_DAY)
    for skip in range(40):
        person = holder(service, "C01", "dorm", skip)
        mine = kept[
            (kept["cadre_id"] == person["cadre_id"])
            & (kept["rule"] == "dorm_visit")
            & (kept["period"] == "2026-11")
        ]
        if len(mine) and mine["status"].iloc[0] == "due":
            return person
    raise AssertionError("no C01 dorm visit is due in the demo")


def test_every_change_of_the_ledger_shows_at_once(service: Service) -> None:
    college, sao = service.client("c01"), service.client("staff")
    pages = {"c01": college, "staff": sao}
    first = _check(service, pages)
    person = _due_in_november(service)
    cadre_page = f"/semesters/{SEMESTER}/duties/cadres/{person['cadre_id']}?as_of=2026-11-20"
    assert college.get(cadre_page).status_code == 200
    data = form(person, dt.date(2026, 11, 18), "dorm_visit", note="走访后补记", confirm="1")
    assert post(college, NEW, LEDGER, data).status_code == 303
    added = _check(service, pages)
    for user in pages:
        assert added[user]["met"] == first[user]["met"] + 1
        assert added[user]["due"] == first[user]["due"] - 1
    mine = kept_on(service, "c01", LEDGER_DAY)
    mine = mine[mine["cadre_id"] == person["cadre_id"]]
    assert f"{int((mine['status'] == 'met').sum())}</span>" in college.get(cadre_page).text
    record = a_record(service, "C01", note="走访后补记")
    edit = f"/ledger/records/{record.id}/edit"
    moved = {**data, "date": "2026-09-03"}
    assert post(college, edit, f"/ledger/records/{record.id}", moved).status_code == 303
    changed = _check(service, pages)
    assert changed["c01"]["due"] == first["c01"]["due"]
    assert post(college, edit, f"/ledger/records/{record.id}/delete", {}).status_code == 303
    assert _check(service, pages) == first


def test_leave_changes_the_duties_and_the_calendar(service: Service) -> None:
    college, sao = service.client("c01"), service.client("staff")
    pages = {"c01": college, "staff": sao}
    first = _check(service, pages)
    url = f"/semesters/{SEMESTER}/calendars/colleges/C01.ics"
    before = college.get(url)
    tag = before.headers["etag"]
    assert before.status_code == 200 and tag
    again = college.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.headers["etag"] == tag and not again.content
    assert service.client("c02").get(url, headers={"If-None-Match": tag}).status_code == 404
    person = holder(service, "C01", "dorm", 1)
    leave = {
        "cadre_id": person["cadre_id"],
        "starts_on": "2026-10-01",
        "ends_on": "2026-10-31",
        "note": "外出培训",
    }
    assert post(college, LEDGER, f"/semesters/{SEMESTER}/leaves", leave).status_code == 303
    after = _check(service, pages)
    assert after != first
    changed = college.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert changed.content != before.content and b"EXDATE" in changed.content


def test_a_case_moved_shows_at_once_on_the_duties_page(service: Service) -> None:
    college, sao = service.client("c01"), service.client("staff")

    def open_cases() -> str:
        page = college.get(DUTIES).text
        return page.split('id="table-open-cases"')[1].split("</table>")[0]

    before = open_cases()
    listed = re.findall(r'href="/cases/(\d+)"', before)
    assert listed
    case_id = int(listed[0])
    with service.db.session() as db:
        case = db.get(ProblemCase, case_id)
        assert case is not None
        status = case.status
    who, step = {
        "raised": (college, {"to": "with_sao"}),
        "with_sao": (sao, {"to": "passed", "office": "后勤管理处"}),
        "passed": (sao, {"to": "answered", "note": "已安排维修"}),
    }[status]
    page = f"/cases/{case_id}"
    assert post(who, page, f"{page}/steps", step).status_code == 303
    after = open_cases()
    assert after != before


def test_a_kept_value_is_made_once_and_a_new_version_drops_the_old(service: Service) -> None:
    from planner.service.memo import memo

    made: list[str] = []

    def make(version: str) -> object:
        def inner() -> object:
            made.append(version)
            return {"version": version}

        return inner

    with service.db.session() as db:
        first = memo(db, ("test", "a", 1), make("1"), pool="test", slot=("test", "a"))
        assert memo(db, ("test", "a", 1), make("again"), pool="test", slot=("test", "a")) is first
        memo(db, ("test", "a", 2), make("2"), pool="test", slot=("test", "a"))
        memo(db, ("test", "a", 1), make("1 again"), pool="test", slot=("test", "a"))
    assert made == ["1", "2", "1 again"]  # version 1 was dropped when version 2 came
