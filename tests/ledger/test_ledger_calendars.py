"""Duty calendars: valid iCalendar (parsed back), stable UIDs, Chinese summaries, and each
series expanding to exactly the periods the duty engine owes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dateutil.rrule import rrulestr
from icalendar import Calendar
from ledger_helpers import AUTUMN, D, contact, contacts

from planner.ledger.calendars import calendar_files, write_calendars
from planner.ledger.duties import owed_duties
from planner.ledger.semester import change_target, leaves_frame

PEOPLE = change_target(
    contacts(
        contact("T1", "dorm", "D1"),
        contact("L1", "class", "K1", role="school_leader", college=None),
        contact("T2", "branch", "B1", college="C02"),
    ),
    "T1",
    D(2026, 10, 10),
    "dorm",
    "D2",
    target_name="榕园5栋-512",
)
LEAVES = leaves_frame([("L1", D(2026, 10, 1), D(2026, 10, 14))])


def events(data: bytes) -> list:
    calendar = Calendar.from_ical(data)
    return list(calendar.walk("VEVENT"))


def occurrences(event) -> list[dt.date]:
    """The days an event happens on, expanded by dateutil (not by the code under test)."""
    start = event.decoded("dtstart")
    if "RRULE" not in event:
        return [start]
    rule = rrulestr(
        event["RRULE"].to_ical().decode(), dtstart=dt.datetime.combine(start, dt.time())
    )
    days = [d.date() for d in rule]
    excluded = set()
    exdates = event.get("EXDATE")
    for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
        excluded.update(d.dt for d in group.dts)
    return [d for d in days if d not in excluded]


def test_files_per_cadre_and_per_college() -> None:
    files = calendar_files(AUTUMN, PEOPLE, leaves=LEAVES, college_names={"C01": "文学院"})
    assert sorted(files) == [
        "cadres/L1.ics",
        "cadres/T1.ics",
        "cadres/T2.ics",
        "colleges/C01.ics",
        "colleges/C02.ics",
        "colleges/central.ics",
    ]
    calendar = Calendar.from_ical(files["colleges/C01.ics"])
    assert str(calendar["X-WR-CALNAME"]) == "联系学生工作：文学院"
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar


def test_each_series_expands_to_the_owed_periods() -> None:
    files = calendar_files(AUTUMN, PEOPLE, leaves=LEAVES)
    owed = owed_duties(AUTUMN, PEOPLE, leaves=LEAVES)
    for cadre in ("T1", "L1", "T2"):
        expected: dict[str, list[dt.date]] = {}
        mine = owed[owed["cadre_id"] == cadre]
        for row in mine.itertuples():
            periods = {p.key: p for p in AUTUMN.periods(row.every)}
            day = row.window_start if row.every == "semester" else periods[row.period].start
            expected.setdefault(f"{row.rule}/{row.target_id}", []).append(day)
        series = [occurrences(e) for e in events(files[f"cadres/{cadre}.ics"])]
        assert len(series) == len(expected)
        found = sorted(day for days in series for day in days)
        assert found == sorted(day for days in expected.values() for day in days)


def test_leave_and_a_short_january_are_left_out_and_summaries_are_chinese() -> None:
    files = calendar_files(AUTUMN, PEOPLE, leaves=LEAVES)
    leader = {str(e["SUMMARY"]): e for e in events(files["cadres/L1.ics"])}
    weekly = leader["每周面对面接触学生（每周至少1次）"]
    days = occurrences(weekly)
    assert days[0] == D(2026, 8, 31) and days[-1] == D(2027, 1, 11)
    assert D(2026, 9, 28) not in days, "on leave from 1 October: 3 of 7 days"
    assert D(2026, 10, 5) not in days, "the week of 5 October is all leave"
    assert D(2026, 10, 12) in days, "back on 15 October: 4 of 7 days"
    assert len(days) == 18
    assert "班会、座谈会或班级活动：班级 class-K1（每学期至少1次）" in leader
    dorm = {str(e["SUMMARY"]): e for e in events(files["cadres/T1.ics"])}
    old = occurrences(dorm["走访宿舍或面对面交流：宿舍 dorm-D1（每月至少1次）"])
    new = occurrences(dorm["走访宿舍或面对面交流：宿舍 榕园5栋-512（每月至少1次）"])
    assert old == [D(2026, 9, 1)]
    assert new == [D(2026, 10, 1), D(2026, 11, 1), D(2026, 12, 1)], "no January: 15 days"
    college = [str(e["SUMMARY"]) for e in events(files["colleges/C01.ics"])]
    assert all(s.startswith("干部T1 · ") for s in college)


def test_uids_are_stable_and_unique_and_files_identical_on_a_second_run(tmp_path: Path) -> None:
    first = calendar_files(AUTUMN, PEOPLE, leaves=LEAVES)
    again = calendar_files(AUTUMN, PEOPLE, leaves=LEAVES)
    assert first == again
    uids = [str(e["UID"]) for data in first.values() for e in events(data)]
    assert len(uids) == len(set(uids))
    # A change of leave changes the dates, not the UIDs.
    other = calendar_files(AUTUMN, PEOPLE)
    assert {str(e["UID"]) for e in events(other["cadres/L1.ics"])} == {
        str(e["UID"]) for e in events(first["cadres/L1.ics"])
    }
    written = write_calendars(tmp_path, AUTUMN, PEOPLE, language="en")
    assert (tmp_path / "cadres" / "T1.ics") in written
    summaries = [str(e["SUMMARY"]) for e in events((tmp_path / "cadres" / "T2.ics").read_bytes())]
    assert "party lecture: party branch branch-B1 (at least 1 a semester)" in summaries
