"""Students' problems: the case life cycle, who may take each step, ages and the open list."""

from __future__ import annotations

import datetime as dt

import pytest
from ledger_helpers import D, contact, contacts, ledger, record
from pydantic import ValidationError

from planner.i18n import use_language
from planner.ledger.cases import (
    Actor,
    Case,
    CaseError,
    advance,
    case_table,
    cases_from_ledger,
    median_days_to_answer,
    open_case,
    open_list,
    visible_cases,
)

SAO = Actor(kind="sao", name="学生处 王老师")
C01 = Actor(kind="college", name="文学院 李老师", college="C01")
C02 = Actor(kind="college", name="信息学院 张老师", college="C02")


SEPT_10 = D(2026, 9, 10)


def raised(case_id: str = "K1", college: str = "C01", on: dt.date = SEPT_10) -> Case:
    """A facilities problem raised by T1 of ``college``."""
    return open_case(case_id, "R1", "T1", college, "facilities", "宿舍热水不稳定", on, "T1")


def test_the_whole_life_cycle_with_dates_and_who() -> None:
    case = raised()
    case = advance(case, "with_sao", D(2026, 9, 11), C01)
    case = advance(case, "passed", D(2026, 9, 12), SAO, office="后勤管理处")
    case = advance(case, "answered", D(2026, 9, 20), SAO, note="已检修热水器")
    case = advance(case, "fed_back", D(2026, 9, 22), C01, note="在宿舍走访时告知学生")
    assert [s.status for s in case.steps] == [
        "raised",
        "with_sao",
        "passed",
        "answered",
        "fed_back",
    ]
    assert [s.by for s in case.steps] == ["T1", C01.name, SAO.name, SAO.name, C01.name]
    assert case.office == "后勤管理处"
    row = case_table([case], D(2026, 12, 1)).iloc[0]
    assert (row["age_days"], row["days_to_answer"], row["closed_on"]) == (12, 10, D(2026, 9, 22))
    with pytest.raises(CaseError, match="closed"):
        advance(case, "answered", D(2026, 9, 23), SAO, note="x")


def test_the_sao_may_answer_itself_and_pass_a_case_on_again() -> None:
    case = advance(raised(), "with_sao", D(2026, 9, 11), SAO)
    answered = advance(case, "answered", D(2026, 9, 13), SAO, note="学生处已协调")
    assert answered.office == "sao"
    with use_language("zh"):
        assert case_table([answered], D(2026, 9, 30))["office"].tolist() == ["学生处"]
    assert answered.status == "answered"
    passed = advance(case, "passed", D(2026, 9, 12), SAO, office="教务处")
    again = advance(passed, "passed", D(2026, 9, 14), SAO, office="后勤管理处")
    assert again.office == "后勤管理处"
    assert raised().status == "raised", "steps return new cases; the old one is unchanged"


@pytest.mark.parametrize(
    ("steps", "to", "actor", "kwargs", "message"),
    [
        ([], "passed", SAO, {"office": "教务处"}, "can go to 'with the Student Affairs Office'"),
        ([], "fed_back", C01, {"note": "x"}, "not to 'fed back to the students'"),
        ([("with_sao", C01, {})], "passed", C01, {"office": "教务处"}, "only the Student Affairs"),
        ([("with_sao", C01, {})], "passed", SAO, {}, "name the office"),
        ([("with_sao", C01, {})], "answered", SAO, {}, "write the answer"),
        (
            [("with_sao", C01, {}), ("answered", SAO, {"note": "ok"})],
            "fed_back",
            C01,
            {},
            "feedback note closes the case",
        ),
        ([], "with_sao", C02, {}, "belongs to another college"),
        ([], "archived", SAO, {}, "not to 'archived'"),
    ],
)
def test_invalid_steps_are_refused_with_a_clear_message(steps, to, actor, kwargs, message) -> None:
    case = raised()
    for status, who, more in steps:
        case = advance(case, status, D(2026, 9, 11), who, **more)
    with pytest.raises(CaseError, match=message):
        advance(case, to, D(2026, 9, 12), actor, **kwargs)


def test_a_step_cannot_be_dated_before_the_last_one() -> None:
    case = advance(raised(), "with_sao", D(2026, 9, 15), C01)
    with pytest.raises(CaseError, match="cannot be dated earlier"):
        advance(case, "passed", D(2026, 9, 14), SAO, office="教务处")


def test_personal_details_stay_out_of_cases() -> None:
    with pytest.raises(CaseError, match="phone or identity card"):
        open_case("K", "R", "T1", "C01", "life", "请联系13812345678", D(2026, 9, 1), "T1")
    case = advance(raised(), "with_sao", D(2026, 9, 11), C01)
    with pytest.raises(CaseError, match="phone or identity card"):
        advance(case, "answered", D(2026, 9, 12), SAO, note="身份证440101200001011234")


def test_a_case_has_no_field_for_students_personal_details() -> None:
    with pytest.raises(ValidationError, match="student_name"):
        Case(**raised().model_dump(), student_name="张三")


def test_cases_come_from_the_ledger_one_per_line() -> None:
    people = contacts(contact("T1", "dorm", "D1"), contact("X1", "class", "K9", college="C02"))
    records = ledger(
        record(
            "T1",
            "dorm",
            "D1",
            D(2026, 9, 10),
            "dorm_visit",
            problems="热水不稳定\n网速慢",
            category="后勤",
        ),
        record("T1", "dorm", "D1", D(2026, 10, 10), "dorm_visit"),
        record(
            "X1",
            "class",
            "K9",
            D(2026, 9, 12),
            "class_meeting",
            problems="希望增加选修课",
            category="教学",
        ),
    )
    cases = cases_from_ledger(records, people)
    assert [(c.case_id, c.category.value, c.college, c.text) for c in cases] == [
        ("T1-20260910-1-1", "facilities", "C01", "热水不稳定"),
        ("T1-20260910-1-2", "facilities", "C01", "网速慢"),
        ("X1-20260912-1-1", "teaching", "C02", "希望增加选修课"),
    ]
    assert all(c.status == "raised" and c.raised_on == c.steps[0].on for c in cases)
    # A college sees only its own cases; the SAO all.
    assert [c.case_id for c in visible_cases(cases, "C02")] == ["X1-20260912-1-1"]
    assert len(visible_cases(cases)) == 3


def test_the_open_list_is_oldest_first_with_ages_and_holders() -> None:
    old = advance(raised("A", on=D(2026, 9, 1)), "with_sao", D(2026, 9, 2), C01)
    old = advance(old, "passed", D(2026, 9, 3), SAO, office="教务处")
    new = raised("B", on=D(2026, 10, 1))
    done = advance(
        advance(raised("C"), "with_sao", D(2026, 9, 11), C01),
        "answered",
        D(2026, 9, 21),
        SAO,
        note="ok",
    )
    done = advance(done, "fed_back", D(2026, 9, 25), C01, note="告知")
    other = raised("D", college="C02", on=D(2026, 8, 1))
    with use_language("zh"):
        table = open_list([new, done, old, other], D(2026, 10, 11))
    assert table["case_id"].tolist() == ["D", "A", "B"]
    assert table["age_days"].tolist() == [71, 40, 10]
    assert table["holder"].tolist() == ["学院", "教务处", "学院"]
    assert table.loc[1, "days_in_status"] == 38
    assert open_list([new, done, old, other], D(2026, 10, 11), college="C02")[
        "case_id"
    ].tolist() == ["D"]
    assert median_days_to_answer([done, old]) == 11.0  # raised 10 Sep, answered 21 Sep
    assert median_days_to_answer([old]) is None
