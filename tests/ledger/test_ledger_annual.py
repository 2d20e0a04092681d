"""The annual report: its figures recomputed independently from the ledger (a naive duty
count, day by day), and its workbook and charts as an office would open them."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from pathlib import Path
from statistics import median

import openpyxl
import pandas as pd
import pytest
from ledger_helpers import AUTUMN, SPRING, D, contact, contacts, ledger, record
from PIL import Image

from planner.i18n import use_language
from planner.ledger.annual import YEAR, AnnualFigures, SemesterWork, annual_figures
from planner.ledger.cases import Actor, Case, advance, cases_from_ledger
from planner.ledger.report import annual_report
from planner.ledger.report_files import report_charts, write_report_workbook
from planner.ledger.rules import default_rules
from planner.ledger.semester import Semester, change_target, leaves_frame

SAO = Actor(kind="sao", name="学生处")


def people(semester: Semester) -> pd.DataFrame:
    s, e = semester.start, semester.end
    return contacts(
        contact("A1", "dorm", "D1", college="C01", start=s, end=e),
        contact("A2", "class", "K1", role="college_leader", college="C01", start=s, end=e),
        contact("B1", "branch", "B1", college="C02", start=s, end=e),
        contact("L1", "society", "S1", role="school_leader", college=None, start=s, end=e),
    )


AUTUMN_RECORDS = ledger(
    *(record("A1", "dorm", "D1", D(2026, m, 12), "dorm_visit") for m in (9, 10, 11, 12)),
    record("A1", "dorm", "D1", D(2026, 9, 12), "six_ones", problems="热水不稳定", category="后勤"),
    record("A2", "class", "K1", D(2026, 9, 8), "class_meeting", students=35),
    record("A2", "other", "", D(2026, 10, 20), "思政课", students=150),
    *(
        record("A2", "other", "", D(2026, 9, 1) + dt.timedelta(weeks=w), "face_to_face")
        for w in range(0, 19, 2)
    ),
    record(
        "B1",
        "branch",
        "B1",
        D(2026, 9, 20),
        "party_lecture",
        problems="希望增加实习信息\n自习室不够",
        category="就业",
    ),
    record("B1", "branch", "B1", D(2026, 10, 9), "online"),
    record("L1", "society", "S1", D(2026, 9, 25), "society_meeting"),
    *(
        record("L1", "other", "", D(2026, 9, 2) + dt.timedelta(weeks=w), "face_to_face")
        for w in range(20)
    ),
    record("L1", "other", "", D(2026, 12, 2), "ideological_lecture", students=200),
)
SPRING_RECORDS = ledger(
    record(
        "A1",
        "dorm",
        "D1",
        D(2027, 3, 3),
        "dorm_visit",
        problems="宿舍网络慢",
        category="facilities",
    ),
    record("A1", "dorm", "D3", D(2027, 4, 20), "dorm_visit"),
    record("A1", "dorm", "D3", D(2027, 6, 1), "dorm_visit"),
    record(
        "A2",
        "class",
        "K1",
        D(2027, 3, 10),
        "lecture",
        students=60,
        problems="作业量偏大",
        category="teaching",
    ),
    record("B1", "branch", "B1", D(2027, 5, 12), "branch_meeting"),
    record("L1", "other", "", D(2027, 3, 1), "face_to_face"),
)


def progressed(cases: list[Case], steps: dict[int, int]) -> list[Case]:
    """Take case ``i`` ``steps[i]`` steps along, a few days apart (0: still raised)."""
    out = []
    for i, case in enumerate(cases):
        plan = [
            ("with_sao", {}),
            ("passed", {"office": "后勤管理处"}),
            ("answered", {"note": "已处理"}),
            ("fed_back", {"note": "已反馈"}),
        ]
        for status, more in plan[: steps.get(i, 0)]:
            case = advance(case, status, case.steps[-1].on + dt.timedelta(days=5), SAO, **more)
        out.append(case)
    return out


@pytest.fixture(scope="module")
def year() -> tuple[list[SemesterWork], AnnualFigures]:
    autumn_people = people(AUTUMN)
    spring_people = change_target(people(SPRING), "A1", D(2027, 4, 12), "dorm", "D3")
    autumn_cases = progressed(cases_from_ledger(AUTUMN_RECORDS, autumn_people), {0: 4, 1: 3, 2: 1})
    spring_cases = progressed(cases_from_ledger(SPRING_RECORDS, spring_people), {0: 4})
    coverage = pd.DataFrame(
        {
            "college": ["C01", "C01", "C02", "(university)"],
            "kind": ["dorm", "class", "branch", "society"],
            "targets": [40, 2, 1, 3],
            "covered": [1, 1, 1, 1],
        }
    )
    work = [
        SemesterWork(
            AUTUMN,
            autumn_people,
            AUTUMN_RECORDS,
            autumn_cases,
            leaves_frame([("B1", D(2026, 11, 1), D(2026, 11, 30))]),
            coverage,
        ),
        SemesterWork(SPRING, spring_people, SPRING_RECORDS, spring_cases, None, coverage),
    ]
    return work, annual_figures("2026-2027", work)


# --------------------------------------------------------------------------- naive recount


def naive_periods(semester: Semester, every: str) -> list[tuple[dt.date, dt.date]]:
    """Calendar periods touching the semester, found day by day."""
    spans: dict[object, list[dt.date]] = defaultdict(list)
    day = semester.start
    while day <= semester.end:
        key = {"week": day.isocalendar()[:2], "month": (day.year, day.month), "semester": 0}[every]
        spans[key].append(day)
        day += dt.timedelta(days=1)
    out = []
    for key, days in spans.items():
        if every == "week":
            monday = days[0] - dt.timedelta(days=days[0].weekday())
            out.append((monday, monday + dt.timedelta(days=6)))
        elif every == "month":
            year, month = key  # type: ignore[misc]
            out.append(
                (dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]))
            )
        else:
            out.append((semester.start, semester.end))
    return out


def naive_duties(work: SemesterWork) -> list[tuple[str | None, str, str]]:
    """(college, role, status) of every owed duty, counted the slow, obvious way."""
    rules = default_rules()
    as_of = work.semester.end + dt.timedelta(days=1)
    leave = work.leaves if work.leaves is not None else leaves_frame([])
    out = []
    for rule in rules.rules:
        if rule.scope == "contact":
            holders = [
                (r, r.start, r.end)
                for r in work.contacts.itertuples()
                if rule.applies(r.role, r.kind)
            ]
        else:
            holders = []
            for _cadre, rows in work.contacts.groupby("cadre_id"):
                first = next(rows.itertuples())
                if rule.applies(first.role):
                    holders.append((first, min(rows["start"]), max(rows["end"])))
        for holder, start, end in holders:
            for p_start, p_end in naive_periods(work.semester, rule.every):
                days = [p_start + dt.timedelta(days=i) for i in range((p_end - p_start).days + 1)]
                present = [
                    d
                    for d in days
                    if work.semester.start <= d <= work.semester.end
                    and start <= d <= end
                    and not any(
                        away.cadre_id == holder.cadre_id and away.start <= d <= away.end
                        for away in leave.itertuples()
                    )
                ]
                if len(present) < rules.min_share * len(days):
                    continue
                window = [
                    d
                    for d in days
                    if work.semester.start <= d <= work.semester.end and start <= d <= end
                ]
                done = sum(
                    1
                    for r in work.records.itertuples()
                    if r.cadre_id == holder.cadre_id
                    and r.activity in rule.activities
                    and window[0] <= r.date <= window[-1]
                    and (
                        rule.scope == "cadre"
                        or (r.kind, r.target_id) == (holder.kind, holder.target_id)
                    )
                )
                status = (
                    "met" if done >= rule.times else ("overdue" if window[-1] < as_of else "due")
                )
                out.append((holder.college, holder.role, status))
    return out


def test_duties_per_college_and_role_recomputed_day_by_day(year) -> None:
    work, figures = year
    for column, index in (("college", 0), ("role", 1)):
        table = figures.duties_role if column == "role" else figures.duties_college
        year_counts: Counter = Counter()
        for w in work:
            counts = Counter((d[index], d[2]) for d in naive_duties(w))
            year_counts.update(counts)
            mine = table[table["semester"] == w.semester.id]
            for row in mine.itertuples():
                key = None if pd.isna(getattr(row, column)) else getattr(row, column)
                assert (row.met, row.overdue) == (counts[(key, "met")], counts[(key, "overdue")]), (
                    w.semester.id,
                    key,
                )
            assert mine["owed"].sum() == sum(counts.values())
        whole = table[table["semester"] == YEAR]
        assert whole["met"].sum() == sum(v for (k, s), v in year_counts.items() if s == "met")


def test_contacts_by_month_and_problems_recomputed_from_the_ledger(year) -> None:
    work, figures = year
    records = pd.concat([w.records for w in work])
    counts = Counter(
        (f"{r.date.year}-{r.date.month:02d}", r.activity) for r in records.itertuples()
    )
    students = Counter()
    for r in records.itertuples():
        students[(f"{r.date.year}-{r.date.month:02d}", r.activity)] += r.students
    table = figures.contacts_month
    assert {(r.month, r.activity): r.records for r in table.itertuples()} == dict(counts)
    assert {(r.month, r.activity): r.students for r in table.itertuples()} == dict(students)
    assert figures.totals["records"] == len(records) == 47
    assert figures.totals["online"] == 1
    # Problems: one case per line of the ledger's problems cells.
    lines = [
        (r.category, line) for r in records.itertuples() for line in r.problems.splitlines() if line
    ]
    assert figures.problems["raised"].sum() == len(lines) == 5
    cases = [c for w in work for c in w.cases]
    problems = figures.problems.set_index("category")
    for category, n in Counter(c for c, _ in lines).items():
        mine = [c for c in cases if c.category == category]
        assert problems.loc[category, "raised"] == n
        assert problems.loc[category, "fed_back"] == sum(c.status == "fed_back" for c in mine)
        days = [(c.reached("answered") - c.raised_on).days for c in mine if c.reached("answered")]
        expected = median(days) if days else None
        got = problems.loc[category, "median_days_to_answer"]
        assert (pd.isna(got) and expected is None) or got == expected
    assert figures.totals["median_days_to_answer"] == 15.0


def test_placement_and_colleges_needing_attention(year) -> None:
    _work, figures = year
    autumn = figures.placement[figures.placement["semester"] == AUTUMN.id].set_index("kind")
    assert autumn.loc["dorm", ["targets", "covered", "cadres"]].tolist() == [40, 1, 1]
    spring = figures.placement[figures.placement["semester"] == SPRING.id].set_index("kind")
    assert spring.loc["dorm", "cadres"] == 1
    rates = figures.duties_college[figures.duties_college["semester"] == YEAR]
    low = {
        None if pd.isna(c) else c
        for c, r in zip(rates["college"], rates["kept_rate"], strict=True)
        if r < 0.8
    }
    attention = figures.attention
    assert {
        None if pd.isna(c) else c for c in attention.loc[attention["low_kept_rate"], "college"]
    } == low
    # C02's autumn case on employment, passed on and never answered, waits > 30 days.
    waiting = attention.set_index(attention["college"].fillna("SAO"))
    assert waiting.loc["C02", "waiting"] == 1


def test_the_report_workbook_and_charts(year, tmp_path: Path) -> None:
    _work, figures = year
    report = annual_report(figures, college_names={"C01": "文学院", "C02": "信息科学技术学院"})
    assert report.language == "zh"
    assert report.title == "2026-2027学年领导干部深入基层联系学生工作年度报告"
    charts = report_charts(report)
    assert sorted(charts) == ["contacts_month.png", "duties_heatmap.png", "problems.png"]
    for name, data in charts.items():
        image = Image.open(__import__("io").BytesIO(data))
        assert image.format == "PNG" and image.width > 500, name
        (tmp_path / name).write_bytes(data)
    assert report_charts(report) == charts, "the same figures draw the same bytes"
    path = write_report_workbook(report, tmp_path / "年度报告.xlsx", charts)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "报告",
        "联系安排",
        "学院落实情况",
        "类别落实情况",
        "联系活动",
        "学生问题",
        "需关注学院",
        "图表",
    ]
    colleges = book["学院落实情况"]
    assert [c.value for c in colleges[3]] == [
        "学院",
        "2026年秋季学期",
        "2027年春季学期",
        "全年",
        "全年已完成",
        "全年逾期",
    ]
    names = [colleges.cell(r, 1).value for r in range(4, colleges.max_row + 1)]
    assert names == ["文学院", "信息科学技术学院", "学生处统筹安排的联系人"]
    assert colleges.cell(4, 2).number_format == "0%"
    for sheet in book.worksheets:
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.oddFooter.center.text == "第 &P 页，共 &N 页"
    assert colleges.print_title_rows == "$3:$3"
    assert len(book["图表"]._images) == 3
    front = [c.value for c in book["报告"]["A"] if c.value]
    assert any("47" in str(v) and "联系" in str(v) for v in front)


def test_the_report_in_english(year, tmp_path: Path) -> None:
    _work, figures = year
    report = annual_report(figures, language="en")
    assert report.title == "Annual report of the contact work, school year 2026-2027"
    with use_language("zh"):  # the workbook is written in the report's language
        path = write_report_workbook(report, tmp_path / "report.xlsx", charts={})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "report",
        "placement",
        "duties by college",
        "duties by role",
        "contacts by month",
        "problems",
        "attention",
    ]
    assert book["duties by college"]["A6"].value == "cadres placed by the SAO"
