"""Duties kept on tiny hand-made ledgers: met, due, overdue at month and semester boundaries,
a cadre who changed target mid-semester, a cadre on leave, the leadership's weekly contact."""

from __future__ import annotations

import pandas as pd
import pytest
from ledger_helpers import AUTUMN, D, contact, contacts, ledger, record

from planner.i18n import use_language
from planner.ledger.duties import (
    duties_kept,
    duty_lines,
    for_college,
    heatmap_table,
    overdue_list,
    owed_duties,
    reminders,
    status_of,
    summarise,
)
from planner.ledger.semester import Semester, change_target, leaves_frame


def status(kept: pd.DataFrame, rule: str, period: str, target: str | None = None) -> str:
    """The status of the one duty of ``rule`` in ``period`` (for ``target`` if given)."""
    rows = kept[(kept["rule"] == rule) & (kept["period"] == period)]
    if target is not None:
        rows = rows[rows["target_id"] == target]
    assert len(rows) == 1, rows
    return str(rows["status"].iloc[0])


def periods(kept: pd.DataFrame, rule: str, target: str | None = None) -> list[str]:
    rows = kept[kept["rule"] == rule]
    if target is not None:
        rows = rows[rows["target_id"] == target]
    return rows["period"].tolist()


DORM = contacts(contact("T1", "dorm", "D1"))


def test_a_dorm_owes_a_visit_each_month_but_not_the_january_of_15_days() -> None:
    kept = duties_kept(AUTUMN, DORM, ledger())
    assert periods(kept, "dorm_visit") == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert periods(kept, "dorm_six_ones") == ["2026-autumn"]
    assert set(kept["rule"]) == {"dorm_visit", "dorm_six_ones"}, "no class or leadership duty"


def test_met_due_overdue_and_upcoming_on_a_date() -> None:
    visits = ledger(
        record("T1", "dorm", "D1", D(2026, 9, 10), "dorm_visit"),
        record("T1", "dorm", "D1", D(2026, 11, 30), "dorm_visit"),
        record("T1", "dorm", "D1", D(2026, 12, 1), "走访宿舍"),
    )
    mid_november = duties_kept(AUTUMN, DORM, visits, as_of=D(2026, 11, 15))
    assert status(mid_november, "dorm_visit", "2026-09") == "met"
    assert status(mid_november, "dorm_visit", "2026-10") == "overdue"
    assert status(mid_november, "dorm_visit", "2026-11") == "due"
    assert status(mid_november, "dorm_visit", "2026-12") == "upcoming"
    assert status(mid_november, "dorm_six_ones", "2026-autumn") == "due"
    # A visit on the as-of day counts; the month's last day is still "due", not overdue.
    assert (
        status(duties_kept(AUTUMN, DORM, visits, as_of=D(2026, 11, 30)), "dorm_visit", "2026-11")
        == "met"
    )
    on_the_31st = duties_kept(AUTUMN, DORM, ledger(), as_of=D(2026, 10, 31))
    assert status(on_the_31st, "dorm_visit", "2026-10") == "due"
    assert (
        status(duties_kept(AUTUMN, DORM, ledger(), as_of=D(2026, 11, 1)), "dorm_visit", "2026-10")
        == "overdue"
    )
    # Without a date the semester is over: nothing is due any more.
    end = duties_kept(AUTUMN, DORM, visits)
    assert set(end["status"]) == {"met", "overdue"}
    assert status(end, "dorm_six_ones", "2026-autumn") == "overdue"
    assert end.loc[end["period"] == "2026-12", "last_done"].iloc[0] == D(2026, 12, 1)


def test_owed_duties_kept_then_counted_as_records_come_in() -> None:
    owed = owed_duties(AUTUMN, DORM)
    kept_copy = owed.copy()
    visits = ledger(
        record("T1", "dorm", "D1", D(2026, 9, 10), "dorm_visit"),
        record("T1", "dorm", "D1", D(2026, 11, 30), "dorm_visit"),
        record("T1", "dorm", "D1", D(2026, 11, 2), "dorm_visit"),
    )
    for records, day in ((ledger(), D(2026, 10, 1)), (visits, D(2026, 11, 15)), (visits, None)):
        two_steps = status_of(owed, AUTUMN, records, as_of=day)
        pd.testing.assert_frame_equal(two_steps, duties_kept(AUTUMN, DORM, records, as_of=day))
    pd.testing.assert_frame_equal(owed, kept_copy)  # the owed duties are left as they were
    end = status_of(owed, AUTUMN, visits)
    november = end[end["period"] == "2026-11"].iloc[0]
    assert (november["done"], november["last_done"]) == (2, D(2026, 11, 30))


def test_an_activity_counts_in_its_own_month_only() -> None:
    kept = duties_kept(
        AUTUMN, DORM, ledger(record("T1", "dorm", "D1", D(2026, 10, 31), "dorm_visit"))
    )
    assert status(kept, "dorm_visit", "2026-10") == "met"
    assert status(kept, "dorm_visit", "2026-11") == "overdue"


def test_only_the_right_activity_with_the_right_target_counts() -> None:
    two = contacts(contact("T1", "dorm", "D1"), contact("T9", "dorm", "D9"))
    kept = duties_kept(
        AUTUMN,
        two,
        ledger(
            record("T1", "dorm", "D1", D(2026, 9, 3), "online"),  # not a visit
            record("T1", "dorm", "D9", D(2026, 9, 4), "dorm_visit"),  # another cadre's dorm
            record("T9", "dorm", "D1", D(2026, 9, 5), "dorm_visit"),  # another cadre
            record("T1", "other", "", D(2026, 9, 6), "dorm_visit"),  # not this dorm
        ),
    )
    assert status(kept, "dorm_visit", "2026-09", "D1") == "overdue"
    assert status(kept, "dorm_visit", "2026-09", "D9") == "overdue"


def test_the_semester_boundary_weeks() -> None:
    leader = contacts(contact("L1", "class", "K1", role="school_leader", college=None))
    kept = owed_duties(AUTUMN, leader)
    weeks = kept[kept["rule"] == "weekly_contact"]
    # 31 Aug–6 Sep holds 6 semester days and 11–17 Jan holds 5: both owe the weekly contact.
    assert weeks["window_start"].iloc[0] == D(2026, 9, 1)
    assert weeks["period_number"].iloc[0] == 1
    assert weeks["window_end"].iloc[-1] == D(2027, 1, 15)
    assert len(weeks) == 20
    # A semester starting on a Saturday leaves the first week 2 days: it owes nothing.
    late = Semester(id="s", name="s", start=D(2026, 9, 5), end=D(2027, 1, 15))
    shifted = contacts(
        contact("L1", "class", "K1", role="school_leader", college=None, start=late.start)
    )
    first = owed_duties(late, shifted)
    first = first[first["rule"] == "weekly_contact"]
    assert first["window_start"].iloc[0] == D(2026, 9, 7)
    assert first["period_number"].iloc[0] == 2


def test_leadership_weekly_contact_counts_any_face_to_face_activity_but_not_online() -> None:
    leader = contacts(contact("L1", "class", "K1", role="school_leader", college=None))
    kept = duties_kept(
        AUTUMN,
        leader,
        ledger(
            record("L1", "class", "K1", D(2026, 9, 2), "class_meeting"),  # week 1
            record("L1", "other", "", D(2026, 9, 8), "face_to_face"),  # week 2
            record("L1", "class", "K1", D(2026, 9, 15), "online"),  # week 3: online only
            record("L1", "other", "", D(2026, 9, 23), "思政课"),  # week 4
        ),
        as_of=D(2026, 9, 30),
    )
    assert [
        status(kept, "weekly_contact", w) for w in ("2026-W36", "2026-W37", "2026-W38", "2026-W39")
    ] == [
        "met",
        "met",
        "overdue",
        "met",
    ]
    assert status(kept, "class_meeting", "2026-autumn") == "met"
    assert status(kept, "ideological_lecture", "2026-autumn") == "met"
    assert status(kept, "class_lecture", "2026-autumn") == "due"
    # Young teachers owe neither the weekly contact nor the ideological lecture.
    teacher = duties_kept(AUTUMN, contacts(contact("T1", "class", "K1")), ledger())
    assert set(teacher["rule"]) == {"class_meeting", "class_lecture"}


def test_a_cadre_who_changes_dorm_on_10_october() -> None:
    moved = change_target(DORM, "T1", D(2026, 10, 10), "dorm", "D2", target_name="榕园5栋-512")
    assert moved[["target_id", "start", "end"]].values.tolist() == [
        ["D1", D(2026, 9, 1), D(2026, 10, 9)],
        ["D2", D(2026, 10, 10), D(2027, 1, 15)],
    ]
    assert DORM["end"].iloc[0] == AUTUMN.end, "the frame given is not modified"
    kept = duties_kept(
        AUTUMN,
        moved,
        ledger(
            record("T1", "dorm", "D1", D(2026, 9, 20), "dorm_visit"),
            record("T1", "dorm", "D1", D(2026, 10, 5), "dorm_visit"),  # October: D1 owes none
            record("T1", "dorm", "D2", D(2026, 10, 20), "dorm_visit"),
        ),
    )
    # October has 9 days with D1 (not owed) and 22 with D2 (owed, from 10 October).
    assert periods(kept, "dorm_visit", "D1") == ["2026-09"]
    assert periods(kept, "dorm_visit", "D2") == ["2026-10", "2026-11", "2026-12"]
    october = kept[(kept["target_id"] == "D2") & (kept["period"] == "2026-10")]
    assert october["window_start"].iloc[0] == D(2026, 10, 10)
    assert status(kept, "dorm_visit", "2026-10", "D2") == "met"
    # The semester's six-ones guidance: D1 was held 39 of 137 days, D2 98.
    assert periods(kept, "dorm_six_ones", "D1") == []
    assert periods(kept, "dorm_six_ones", "D2") == ["2026-autumn"]


def test_a_visit_after_the_move_does_not_count_for_the_old_dorm() -> None:
    moved = change_target(DORM, "T1", D(2026, 9, 20), "dorm", "D2")
    kept = duties_kept(
        AUTUMN, moved, ledger(record("T1", "dorm", "D1", D(2026, 9, 25), "dorm_visit"))
    )
    assert status(kept, "dorm_visit", "2026-09", "D1") == "overdue"  # held 19 of 30 days


def test_a_cadre_on_leave_owes_nothing_for_the_time_away() -> None:
    leaves = leaves_frame(
        [("T1", D(2026, 10, 1), D(2026, 10, 25)), ("T1", D(2026, 11, 20), D(2026, 12, 31))]
    )
    kept = duties_kept(AUTUMN, DORM, ledger(), leaves=leaves)
    # October: 6 days at work (< 16 of 31); November: 19 of 30; December: none.
    assert periods(kept, "dorm_visit") == ["2026-09", "2026-11"]
    # Days back from leave still count for the window: a visit on 28 November meets November.
    back = duties_kept(
        AUTUMN,
        DORM,
        ledger(record("T1", "dorm", "D1", D(2026, 11, 28), "dorm_visit")),
        leaves=leaves,
    )
    assert status(back, "dorm_visit", "2026-11") == "met"
    # The semester duty: 137 days less 25 and 42 on leave leaves 70 (>= 68.5): still owed.
    assert periods(kept, "dorm_six_ones") == ["2026-autumn"]
    longer = leaves_frame([("T1", D(2026, 10, 1), D(2026, 12, 31))])
    assert periods(duties_kept(AUTUMN, DORM, ledger(), leaves=longer), "dorm_six_ones") == []


def test_a_rule_asking_for_two_needs_two() -> None:
    from planner.ledger.rules import rules_from_data

    table = rules_from_data(
        {
            "rules": [
                {
                    "id": "visits",
                    "scope": "contact",
                    "kinds": ["dorm"],
                    "activities": ["dorm_visit"],
                    "every": "month",
                    "times": 2,
                }
            ]
        }
    )
    one = ledger(record("T1", "dorm", "D1", D(2026, 9, 3), "dorm_visit"))
    two = ledger(*(record("T1", "dorm", "D1", D(2026, 9, d), "dorm_visit") for d in (3, 17)))
    assert status(duties_kept(AUTUMN, DORM, one, table), "visits", "2026-09") == "overdue"
    assert status(duties_kept(AUTUMN, DORM, two, table), "visits", "2026-09") == "met"


def test_figures_per_cadre_college_and_university_and_the_heatmap() -> None:
    people = contacts(
        contact("A1", "dorm", "D1", college="C01"),
        contact("A2", "class", "K1", college="C01"),
        contact("B1", "dorm", "D2", college="C02"),
        contact("L1", "society", "S1", role="school_leader", college=None),
    )
    kept = duties_kept(
        AUTUMN,
        people,
        ledger(
            *(record("A1", "dorm", "D1", D(2026, m, 5), "dorm_visit") for m in (9, 10, 11, 12)),
            record("A1", "dorm", "D1", D(2026, 9, 5), "six_ones"),
            record("A2", "class", "K1", D(2026, 10, 8), "class_meeting"),
            record("B1", "dorm", "D2", D(2026, 9, 5), "dorm_visit"),
        ),
        as_of=D(2026, 11, 10),
    )
    cadres = summarise(kept, ["cadre_id"]).set_index("cadre_id")
    assert cadres.loc["A1", ["met", "due", "overdue"]].tolist() == [4, 0, 0]  # 3 months + six ones
    assert cadres.loc["A2", ["met", "due", "overdue"]].tolist() == [1, 1, 0]
    assert cadres.loc["B1", ["met", "due", "overdue"]].tolist() == [1, 2, 1]
    colleges = summarise(kept, ["college"])
    assert colleges["college"].tolist()[:2] == ["C01", "C02"]
    assert pd.isna(colleges["college"].iloc[2]), "the central cadre's duties have a row"
    c02 = colleges[colleges["college"] == "C02"].iloc[0]
    assert c02["kept_rate"] == pytest.approx(0.5)  # met 1, overdue 1; 2 still running
    whole = summarise(kept)
    assert int(whole["owed"].iloc[0]) == int((kept["status"] != "upcoming").sum())
    heat = heatmap_table(kept)
    a = heat[(heat["college"] == "C01") & (heat["area"] == "dorm")].iloc[0]
    assert (a["met"], a["overdue"], a["kept_rate"]) == (4, 0, 1.0)
    assert "leadership" in set(heat["area"].astype(str))
    assert set(for_college(kept, "C02")["cadre_id"]) == {"B1"}, "a college sees its own cadres"


def test_overdue_list_says_what_is_late_in_chinese() -> None:
    kept = duties_kept(AUTUMN, DORM, ledger(), as_of=D(2026, 10, 2))
    with use_language("zh"):
        late = overdue_list(kept)
    assert late["rule"].tolist() == ["dorm_visit"]
    assert late["what"].iloc[0] == "走访宿舍或面对面交流：宿舍 dorm-D1，2026年9月1日至2026年9月30日"


def test_reminders_gather_each_cadres_overdue_duties() -> None:
    two = contacts(contact("T1", "dorm", "D1"), contact("T2", "dorm", "D2", college="C02"))
    visits = ledger(record("T2", "dorm", "D2", D(2026, 9, 3), "dorm_visit"))
    kept = duties_kept(AUTUMN, two, visits, as_of=D(2026, 11, 2))
    table = reminders(kept)
    assert table[["cadre_id", "college", "overdue"]].values.tolist() == [
        ["T1", "C01", 2],
        ["T2", "C02", 1],
    ]
    assert table["lines"].iloc[0][0].startswith("dorm visit or face-to-face talk with dorm")
    assert reminders(kept.iloc[0:0]).empty


def test_duty_lines_for_a_letter() -> None:
    with use_language("zh"):
        lines = duty_lines("school_leader", "dorm")
    assert lines == [
        "走访宿舍或面对面交流：每月至少1次",
        "“六个一”成长计划指导：每学期至少1次",
        "思政课或形势政策课：每学期至少1次",
        "每周面对面接触学生：每周至少1次",
    ]


def test_dates_may_come_as_timestamps_or_text() -> None:
    given = contacts(contact("T1", "dorm", "D1", start="2026-09-01", end=pd.Timestamp(2027, 1, 15)))
    leaves = leaves_frame([("T1", pd.Timestamp(2026, 10, 1), "2026-10-25")])
    kept = duties_kept(AUTUMN, given, ledger(), leaves=leaves)
    assert periods(kept, "dorm_visit") == ["2026-09", "2026-11", "2026-12"]


def test_no_contacts_no_duties() -> None:
    empty = contacts(contact("T1", "dorm", "D1")).iloc[0:0]
    assert duties_kept(AUTUMN, empty, ledger()).empty
