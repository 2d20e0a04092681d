"""The duty rule table: the shipped one says what clauses 三 and 四(二) say; a wrong table is
refused with every problem located by line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import InputError
from planner.i18n import use_language
from planner.ledger.rules import DEFAULT_RULES, default_rules, load_rules
from planner.ledger.vocabulary import (
    Activity,
    activity_words,
    category_words,
    fold,
    target_kind_words,
)


def test_the_shipped_table_follows_clauses_three_and_four() -> None:
    table = default_rules()
    by_id = {r.id: r for r in table.rules}
    assert (by_id["dorm_visit"].every, by_id["dorm_visit"].kinds) == ("month", ("dorm",))
    semester_rules = {r.id for r in table.rules if r.every == "semester"}
    assert semester_rules == {
        "class_meeting",
        "class_lecture",
        "dorm_six_ones",
        "society_planning",
        "society_meeting",
        "society_activity",
        "party_lecture",
        "branch_meeting",
        "branch_report",
        "heart_talk",
        "ideological_lecture",
    }
    weekly = by_id["weekly_contact"]
    assert weekly.scope == "cadre" and weekly.every == "week"
    assert set(weekly.roles) == {"school_leader", "college_leader"}
    assert Activity.ONLINE not in weekly.activities, "online contact is a supplement (三(六))"
    assert set(weekly.activities) == set(Activity) - {Activity.ONLINE}
    assert [r.id for r in table.for_contact("young_teacher", "branch")] == [
        "party_lecture",
        "branch_meeting",
        "branch_report",
        "heart_talk",
    ]
    assert table.for_cadre("young_teacher") == []
    assert table.min_share == 0.5


def test_every_activity_category_and_kind_reads_in_both_languages() -> None:
    words = activity_words()
    with use_language("zh"):
        from planner.ledger.vocabulary import activity_label

        for activity in Activity:
            assert words[activity_label(activity)] == activity.value
    for word, activity in [
        ("班会", "class_meeting"),
        ("党课", "party_lecture"),
        ("微信", "online"),
    ]:
        assert words[word] == activity
    assert target_kind_words()["其他"] == "other"
    assert category_words()["心理"] == "mental_health"
    assert words[fold("ＤＯＲＭ_ＶＩＳＩＴ ")] == "dorm_visit", "full-width letters fold"


BROKEN = """\
version: 1
min_share: 1.5
rules:
  - id: dorm_visit
    scope: contact
    kinds: [dorm]
    activities: [dorm_visit, tea]
    every: fortnight
  - id: lecture
    scope: cadre
    kinds: [class]
    roles: [school_leader, dean]
    activities: [lecture]
    every: semester
    colour: red
  - id: dorm_visit
    scope: contact
    kinds: [dorm]
    activities: [six_ones]
    every: semester
"""


def test_a_wrong_table_is_refused_with_every_problem_located(tmp_path: Path) -> None:
    path = tmp_path / "our-rules.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_rules(path)
    found = [str(p) for p in excinfo.value.problems]
    where = [line.split(": ")[0] for line in found]
    assert where == [
        "our-rules.yaml:2:min_share",
        "our-rules.yaml:7:rules[0](dorm_visit).activities[1]",
        "our-rules.yaml:8:rules[0](dorm_visit).every",
        "our-rules.yaml:12:rules[1](lecture).roles[1]",
        "our-rules.yaml:15:rules[1](lecture).colour",
        "our-rules.yaml:16:rules[2](dorm_visit).id",
    ]
    assert "unknown key" in found[-2]
    assert "rule id 'dorm_visit' is given twice" in found[-1]
    # Once those are mended, the cadre rule with kinds is reported (a rule's own check runs
    # when its keys are right).
    mended = (
        BROKEN.replace("1.5", "0.5")
        .replace(", tea", "")
        .replace("fortnight", "month")
        .replace(", dean", "")
        .replace("    colour: red\n", "")
    )
    path.write_text(mended, encoding="utf-8")
    with pytest.raises(InputError) as excinfo:
        load_rules(path)
    found = [str(p) for p in excinfo.value.problems]
    assert any("rules[1](lecture)" in f and "remove kinds" in f for f in found), found
    assert [f.split(": ")[0] for f in found] == [
        "our-rules.yaml:9:rules[1](lecture)",
        "our-rules.yaml:15:rules[2](dorm_visit).id",
    ]


def test_not_yaml_and_not_a_mapping(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("rules: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"r\.yaml:\d+:: not valid YAML"):
        load_rules(path)
    path.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(InputError, match="a rule table is a mapping"):
        load_rules(path)


def test_a_university_rule_with_its_own_label(tmp_path: Path) -> None:
    path = tmp_path / "ours.yaml"
    path.write_text(
        DEFAULT_RULES.read_text(encoding="utf-8")
        + """\
  - id: counsellor_meeting
    clause: 校规
    scope: contact
    kinds: [class]
    roles: [professor]
    activities: [face_to_face]
    every: month
    times: 2
    label: {zh: 与辅导员面谈, en: meeting with the counsellor}
""",
        encoding="utf-8",
    )
    rule = load_rules(path).rule("counsellor_meeting")
    with use_language("zh"):
        assert (rule.title(), rule.requirement()) == ("与辅导员面谈", "每月至少2次")
    assert rule.title() == "meeting with the counsellor"
