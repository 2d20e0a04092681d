"""Duties kept, the calendars and the annual report through HTTP on SQLite and PostgreSQL.

The page's figures are recomputed independently: the demo ledger is made again by the engine
from the plan's rows (same seed, same day) and its duties counted without the service, so a
record lost or changed on its way through the database shows up as a different figure.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from icalendar import Calendar
from printed import flat, needs_poppler, pages_text
from sqlalchemy import func, select

from planner import ledger
from planner.service.ledger.models import ContactEntry
from planner.service.ledger.service import assignments_of_plan

from .conftest import LEDGER_DAY, Service
from .ledger_helpers import SEMESTER, holder

DUTIES = f"/semesters/{SEMESTER}/duties"
DAY = LEDGER_DAY.isoformat()


def _recount(service: Service) -> tuple[pd.DataFrame, ledger.DemoLedger]:
    """The duties of the demo semester on the test day, counted by the engine alone."""
    with service.db.session() as db:
        assignments = assignments_of_plan(db, service.plan_id)
    demo = ledger.demo_ledger(assignments, ledger.DEMO_AUTUMN, as_of=LEDGER_DAY)
    kept = ledger.duties_kept(
        demo.semester, demo.contacts, demo.records, leaves=demo.leaves, as_of=LEDGER_DAY
    )
    return kept, demo


def _kpi(html: str, label: str) -> str:
    found = re.search(rf'<span class="label">{label}</span><span class="value">([^<]+)<', html)
    assert found, label
    return found.group(1)


def test_the_sao_page_figures_match_an_independent_count(service: Service) -> None:
    page = service.client("admin").get(f"{DUTIES}?as_of={DAY}")
    assert page.status_code == 200
    kept, demo = _recount(service)
    whole = ledger.summarise(kept).iloc[0]
    assert _kpi(page.text, "已完成工作要求") == f"{int(whole['met']):,}"
    assert _kpi(page.text, "进行中") == f"{int(whole['due']):,}"
    assert _kpi(page.text, "已逾期") == f"{int(whole['overdue']):,}"
    assert _kpi(page.text, "完成率") == f"{whole['kept_rate']:.0%}"
    heat = page.text.split('id="heatmap"')[1].split("</table>")[0]
    by_college = ledger.summarise(kept, ["college"])
    lagging = by_college[by_college["college"] == demo.lagging_college].iloc[0]
    assert f"{int(lagging['met'])}/{int(lagging['met'] + lagging['overdue'])}" in heat
    assert lagging["kept_rate"] < whole["kept_rate"] - 0.1  # the demo's lagging college shows


def test_the_sao_sees_which_colleges_are_behind_on_dorm_visits(service: Service) -> None:
    page = service.client("staff").get(f"{DUTIES}?as_of={DAY}")
    table = page.text.split('id="table-dorm-month"')[1].split("</table>")[0]
    kept, _demo = _recount(service)
    november = kept[(kept["rule"] == "dorm_visit") & (kept["period"] == "2026-11")]
    gone = (LEDGER_DAY - dt.date(2026, 11, 1)).days / 30
    rows = re.findall(r"<tr( class=\"behind\")?><td><a [^>]*>([^<]+)</a>", table)
    assert rows, table[:500]
    shown_behind = {name for flag, name in rows if flag}
    expected = set()
    for college, group in november.groupby(november["college"].fillna("")):
        share = (group["status"] == "met").mean()
        if share < gone:
            expected.add(college or "学生处")
    assert {name.split()[0] if name[0] == "C" else "学生处" for name in shown_behind} == expected
    assert 'id="table-open-cases"' in page.text  # and the open problems, on the same page


def test_a_college_sees_its_own_cadres_only(service: Service) -> None:
    client = service.client("c01")
    page = client.get(f"{DUTIES}?as_of={DAY}&college=C02")
    assert page.status_code == 200
    theirs = holder(service, "C02", "dorm")
    mine = holder(service, "C01", "dorm")
    assert theirs["cadre_id"] not in page.text and mine["cadre_id"] in page.text
    assert 'id="heatmap"' not in page.text and 'id="table-dorm-month"' not in page.text
    kept, _demo = _recount(service)
    ours = ledger.summarise(kept[kept["college"] == "C01"]).iloc[0]
    assert _kpi(page.text, "已逾期") == f"{int(ours['overdue']):,}"
    for cadre in (theirs["cadre_id"], "no-such-cadre"):
        assert client.get(f"{DUTIES}/cadres/{cadre}").status_code == 404
    detail = client.get(f"{DUTIES}/cadres/{mine['cadre_id']}?as_of={DAY}")
    assert detail.status_code == 200 and mine["target_name"] in detail.text


def test_the_reminders_list_the_overdue_cadres(service: Service) -> None:
    response = service.client("c02").get(f"{DUTIES}/reminders.xlsx?as_of={DAY}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    kept, _demo = _recount(service)
    late = kept[(kept["status"] == "overdue") & (kept["college"] == "C02")]
    assert len(rows) == late["cadre_id"].nunique()
    counts = late.groupby("cadre_id").size()
    for _college, cadre, _name, overdue, lines in rows:
        assert overdue == counts[cadre] and lines.count("\n") == overdue - 1


def test_duty_calendars_per_cadre_and_college(service: Service) -> None:
    client = service.client("c01")
    mine = holder(service, "C01", "dorm")
    response = client.get(f"/semesters/{SEMESTER}/calendars/cadres/{mine['cadre_id']}.ics")
    assert response.status_code == 200 and response.headers["content-type"].startswith(
        "text/calendar"
    )
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    monthly = [e for e in events if e.get("rrule") and e["rrule"]["FREQ"] == ["MONTHLY"]]
    assert monthly and "走访宿舍" in str(monthly[0]["summary"])
    college = client.get(f"/semesters/{SEMESTER}/calendars/colleges/C01.ics")
    assert college.status_code == 200 and mine["cadre_name"] in college.content.decode()
    theirs = holder(service, "C02", "dorm")
    assert (
        client.get(f"/semesters/{SEMESTER}/calendars/cadres/{theirs['cadre_id']}.ics").status_code
        == 404
    )
    for other in ("C02", "central"):
        assert (
            client.get(f"/semesters/{SEMESTER}/calendars/colleges/{other}.ics").status_code == 404
        )
    sao = service.client("admin").get(f"/semesters/{SEMESTER}/calendars/colleges/central.ics")
    assert sao.status_code == 200


@needs_poppler
def test_the_annual_report_downloads_as_pdf_and_workbook(service: Service, tmp_path: Path) -> None:
    client = service.client("viewer")
    page = client.get("/ledger/annual")
    assert page.status_code == 200 and "2026-2027学年" in page.text
    response = client.get("/ledger/annual/2026-2027.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    text = flat("".join(pages_text(path)))
    assert "2026-2027学年领导干部深入基层联系学生工作年度报告" in text
    for heading in ("一、概览", "二、联系安排", "三、工作要求落实情况", "六、需要关注的学院"):
        assert heading in text
    with service.db.session() as db:
        records = db.scalar(select(func.count()).select_from(ContactEntry)) or 0
        students = db.scalar(select(func.sum(ContactEntry.students))) or 0
    assert f"工作台账共记录联系学生{records}次，累计{students}人次" in text
    assert "学生处" in text and "签字" in text
    book = client.get("/ledger/annual/2026-2027.xlsx")
    assert book.status_code == 200
    sheets = openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames
    assert sheets[0] == "报告" and len(sheets) >= 7
    assert client.get("/ledger/annual/1999-2000.pdf").status_code == 404


@pytest.mark.parametrize("user", ["c01", "c02"])
def test_the_annual_report_is_not_for_a_college(service: Service, user: str) -> None:
    client = service.client(user)
    assert client.get("/ledger/annual").status_code == 403
    assert client.get("/ledger/annual/2026-2027.pdf").status_code == 403
