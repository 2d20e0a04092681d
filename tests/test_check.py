"""Tests of the independent checker (``planner.check``): one broken and one sound plan per rule.

The data set is tiny and built in code, so every number below can be checked by hand:

============  ==============  ======  ======  ======  =========
cadre         role            unit    campus  gender  available
============  ==============  ======  ======  ======  =========
``L01``       school_leader   校办    A       M       yes
``A01``       sao_cadre       学生处  B       F       yes
``T01``       professor       C01     A       F       yes
``007``       young_teacher   C02     B       M       yes
``T03``       professor       C01     A       M       no
============  ==============  ======  ======  ======  =========

Targets: classes ``K1`` (C01, A, 2025) and ``0701`` (C02, B, 2024); dorms ``D1`` (C01, A, F,
building H1, 4 residents, 2025), ``D2`` (C02, B, M, H2, 6, 2023), ``D3`` (C01, A, M, H1, 2, no
grade); societies ``S01`` (university level, A) and ``S02`` (C02, B); branches ``B1`` (C01, A)
and ``B2`` (C02, B). Last semester: T01–K1, 007–B2, L01–0701, 007–K1 (H3 forbids it now), T03–B1
(on leave now), T01–K99 (the class is gone).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from planner.check.checker import CheckReport, check_assignments, check_plan_dir
from planner.dataset import Dataset, derive_cadre_columns
from planner.errors import InputError
from planner.io.plan_folder import PLAN_KEY, read_plan_dir
from planner.scenario import TERMS, Scenario, scenario_from_dict

Triple = tuple[str, str, str]

GOOD: list[Triple] = [
    ("L01", "class", "0701"),
    ("A01", "society", "S02"),
    ("T01", "class", "K1"),
    ("007", "branch", "B2"),
]
"""A plan satisfying every hard rule of the default policy."""

PREVIOUS: list[Triple] = [
    ("T01", "class", "K1"),
    ("007", "branch", "B2"),
    ("L01", "class", "0701"),
    ("007", "class", "K1"),
    ("T03", "branch", "B1"),
    ("T01", "class", "K99"),
]


def _frame(columns: list[str], rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """A canonical frame with the spreadsheet ``row`` column."""
    frame = pd.DataFrame(rows, columns=columns)
    frame["row"] = range(2, len(frame) + 2)
    return frame


def make_dataset(
    previous: list[Triple] | None = None,
    pins: list[tuple[str, str, str, str]] | None = None,
    dorm_grades: tuple[int | None, int | None, int | None] = (2025, 2023, None),
) -> Dataset:
    """The tiny data set of the module docstring."""
    cadres = _frame(
        ["id", "name", "gender", "role", "unit", "campus", "available"],
        [
            ("L01", "李校长", "M", "school_leader", "校办", "A", True),
            ("A01", "王处长", "F", "sao_cadre", "学生处", "B", True),
            ("T01", "张教授", "F", "professor", "C01", "A", True),
            ("007", "赵老师", "M", "young_teacher", "C02", "B", True),
            ("T03", "钱教授", "M", "professor", "C01", "A", False),
        ],
    )
    dorms = _frame(
        ["id", "building", "room", "campus", "gender", "residents", "college"],
        [
            ("D1", "H1", "101", "A", "F", 4, "C01"),
            ("D2", "H2", "202", "B", "M", 6, "C02"),
            ("D3", "H1", "303", "A", "M", 2, "C01"),
        ],
    )
    dorms["grade"] = pd.array(list(dorm_grades), dtype="Int64")
    return Dataset(
        colleges=_frame(["id", "name", "campus"], [("C01", "数学", "A"), ("C02", "物理", "B")]),
        cadres=derive_cadre_columns(cadres),
        classes=_frame(
            ["id", "name", "college", "grade", "campus", "size", "major"],
            [
                ("K1", "数学2025-1", "C01", 2025, "A", 30, ""),
                ("0701", "物理2024-1", "C02", 2024, "B", 28, ""),
            ],
        ),
        dorms=dorms,
        societies=_frame(
            ["id", "name", "campus", "members", "college"],
            [("S01", "棋社", "A", 40, None), ("S02", "物理学会", "B", 20, "C02")],
        ),
        branches=_frame(
            ["id", "name", "college", "campus", "members"],
            [("B1", "数学支部", "C01", "A", 12), ("B2", "物理支部", "C02", "B", 9)],
        ),
        previous=_frame(["cadre", "kind", "target"], PREVIOUS if previous is None else previous),
        pins=_frame(["cadre", "kind", "target", "rule"], pins or []),
    )


@pytest.fixture
def small() -> Dataset:
    """The tiny data set with last semester's plan and no pins."""
    return make_dataset()


def scn(**data: Any) -> Scenario:
    """A scenario from plain data, as a YAML file gives it."""
    return scenario_from_dict(data)


def plan(*rows: Triple) -> pd.DataFrame:
    """An assignments frame with the contract's first columns."""
    return pd.DataFrame(list(rows), columns=PLAN_KEY)


def replace(rows: list[Triple], cadre: str, kind: str, target: str) -> list[Triple]:
    """``rows`` with ``cadre``'s assignment replaced by ``(kind, target)``."""
    return [(c, k, t) if c != cadre else (cadre, kind, target) for c, k, t in rows]


def check(
    dataset: Dataset, rows: list[Triple], scenario: Scenario | None = None, **kw: Any
) -> CheckReport:
    """Check ``rows`` under ``scenario`` (default policy if not given)."""
    return check_assignments(dataset, scenario or scn(), plan(*rows), **kw)


def only(report: CheckReport, rule: str) -> list[str]:
    """The violations naming ``rule``."""
    return [v for v in report.violations if v.startswith(rule)]


# --- the sound plan ----------------------------------------------------------------------------


def test_good_plan_passes_and_terms_are_recomputed(small: Dataset) -> None:
    report = check(small, GOOD)
    assert report.violations == []
    assert report.ok
    assert list(report.terms) == list(TERMS)
    # Covered: classes K1 and 0701, society S02, branch B2 (dorms are off by default).
    # Kept: T01-K1, 007-B2, L01-0701. Cross campus: L01 (A) on 0701 (B).
    # Central: L01 and A01 both in C02.
    assert report.terms == {
        "coverage": 4,
        "continuity": 3,
        "campus": 1,
        "dorm_gender": 0,
        "dorm_priority": 0,
        "central_spread": 2,
        "stay": 0,
    }


# --- H1 One target per cadre ----------------------------------------------------------------------


def test_h1_cadre_holding_two_targets_or_none(small: Dataset) -> None:
    rows = [r for r in GOOD if r[0] != "007"] + [("T01", "branch", "B1")]
    report = check(small, rows)
    assert sorted(only(report, "H1")) == [
        "H1 One target per cadre: cadre 007 (young_teacher) holds 0 targets; a young_teacher holds "
        "exactly 1",
        "H1 One target per cadre: cadre T01 (professor) holds 2 targets; a professor holds exactly "
        "1",
    ]
    assert check(small, GOOD).violations == []


def test_h1_per_kind_duties(small: Dataset) -> None:
    scenario = scn(
        duties={
            "school_leader": {"per_kind": {"class": 1, "dorm": 1, "society": 1, "branch": 1}},
            "default": {},
        },
        school_leader_spread=None,
    )
    report = check(small, GOOD, scenario)
    violations = only(report, "H1")
    assert (
        "H1 One target per cadre: cadre L01 (school_leader) holds 1 target; a school_leader holds "
        "exactly 4" in violations
    )
    assert (
        "H1 One target per cadre: cadre L01 (school_leader) holds 0 dorm targets; a school_leader "
        "holds "
        "exactly 1 dorm" in violations
    )
    full = [
        *GOOD,
        ("L01", "dorm", "D3"),
        ("L01", "society", "S01"),
        ("L01", "branch", "B1"),
    ]
    assert check(small, full, scenario).violations == []


def test_h1_unavailable_cadre_holds_nothing(small: Dataset) -> None:
    report = check(small, [*GOOD, ("T03", "branch", "B1")])
    assert report.violations == [
        "H1 One target per cadre: cadre T03 is unavailable (on leave) but holds branch B1"
    ]


def test_h1_unknown_ids_kinds_and_repeated_rows(small: Dataset) -> None:
    rows = [*GOOD, ("X99", "class", "K1"), ("T01", "class", "K77"), ("T01", "room", "K1")]
    rows.append(("007", "branch", "B2"))
    report = check(small, rows)
    assert "H1 One target per cadre: row 6 names unknown cadre 'X99'" in report.violations
    assert "H1 One target per cadre: row 7 names unknown class 'K77'" in report.violations
    assert any("row 8 has unknown kind 'room'" in v for v in report.violations)
    assert (
        "H1 One target per cadre: cadre 007 holds branch B2 2 times (rows 5, 9)"
        in report.violations
    )
    # A repeated row is counted once everywhere else: 007 still holds exactly one target.
    assert not any("cadre 007 (young_teacher)" in v for v in report.violations)


# --- H2 One cadre per target ----------------------------------------------------------------------


def test_h2_cap(small: Dataset) -> None:
    rows = replace(GOOD, "L01", "class", "K1")
    report = check(small, rows)
    assert only(report, "H2") == [
        "H2 One cadre per target: class K1 holds 2 cadres (L01, T01); the cap is 1"
    ]
    assert check(small, rows, scn(kinds={"class": {"cap": 2}})).violations == []


# --- H3 Department of origin --------------------------------------------------------------------


def test_h3_other_college(small: Dataset) -> None:
    rows = replace(GOOD, "T01", "branch", "B2")
    rows = replace(rows, "007", "class", "K1")
    report = check(small, rows)
    assert sorted(only(report, "H3")) == [
        "H3 Department of origin: cadre 007 (college C02) holds class K1 of college C01",
        "H3 Department of origin: cadre T01 (college C01) holds branch B2 of college C02",
    ]
    assert only(check(small, rows, scn(origin={"enforce": False})), "H3") == []
    only_professors_free = scn(origin={"roles": {"professor": False}})
    assert only(check(small, rows, only_professors_free), "H3") == [
        "H3 Department of origin: cadre 007 (college C02) holds class K1 of college C01"
    ]


def test_h3_university_level_society_on_own_campus_only(small: Dataset) -> None:
    # S01 is university level on campus A: fine for T01 (campus A), not for 007 (campus B).
    assert check(small, replace(GOOD, "T01", "society", "S01")).violations == []
    report = check(small, replace(GOOD, "007", "society", "S01"))
    assert only(report, "H3") == [
        "H3 Department of origin: cadre 007 (college C02) holds university-level society "
        "S01 on campus A, not the cadre's campus B"
    ]


def test_h3_central_roles_hold_anything(small: Dataset) -> None:
    rows = replace(GOOD, "A01", "branch", "B1")
    assert only(check(small, rows), "H3") == []


# --- H4 School leaders spread out ---------------------------------------------------------------


def test_h4_school_leader_limit(small: Dataset) -> None:
    scenario = scn(school_leader_spread=0)
    report = check(small, GOOD, scenario)
    assert only(report, "H4") == [
        "H4 School leaders spread out: college C02 has 1 school-leader assignment (L01); "
        "the limit is 0"
    ]
    # A university-level society counts for no college; the rule can be off.
    assert check(small, replace(GOOD, "L01", "society", "S01"), scenario).violations == []
    assert check(small, GOOD, scn(school_leader_spread=None)).violations == []


# --- H5 Dorm gender and the campus rule ---------------------------------------------------------


def test_h5_dorm_gender(small: Dataset) -> None:
    wrong = replace(GOOD, "T01", "dorm", "D3")  # T01 is F, D3 is M
    report = check(small, wrong)
    assert report.violations == ["H5 Dorm gender: cadre T01 (F) holds dorm D3 (M)"]
    assert check(small, replace(GOOD, "T01", "dorm", "D1")).violations == []
    soft = check(small, wrong, scn(dorm_gender="soft"))
    assert soft.violations == []
    assert soft.terms["dorm_gender"] == 1


def test_campus_hard(small: Dataset) -> None:
    report = check(small, GOOD, scn(campus="hard"))
    assert report.violations == [
        "S3 Same campus (hard in this scenario): cadre L01 (campus A) holds class 0701 on campus B"
    ]
    assert check(small, GOOD, scn(campus="soft")).violations == []
    sound = replace(GOOD, "L01", "society", "S01")
    assert check(small, sound, scn(campus="hard")).violations == []


# --- H6 Pins ------------------------------------------------------------------------------------


def test_h6_require_and_forbid(small: Dataset) -> None:
    data = make_dataset(
        pins=[("T01", "branch", "B1", "require"), ("007", "branch", "B2", "forbid")]
    )
    report = check(data, GOOD)
    assert only(report, "H6") == [
        "H6 Pins: required pin cadre T01 – branch B1 is not in the plan",
        "H6 Pins: forbidden pin cadre 007 – branch B2 is in the plan",
    ]
    rows = replace(replace(GOOD, "T01", "branch", "B1"), "007", "society", "S02")
    rows = replace(rows, "A01", "class", "K1")
    assert check(data, rows).violations == []


def test_h6_require_pin_outside_scope_is_not_required(small: Dataset) -> None:
    data = make_dataset(pins=[("T01", "branch", "B1", "require")])
    scenario = scn(scope="college=C02")
    assert check(data, [("007", "branch", "B2")], scenario).violations == []


# --- hard coverage and hard continuity ----------------------------------------------------------


def test_hard_coverage(small: Dataset) -> None:
    scenario = scn(kinds={"branch": {"coverage": "hard"}})
    report = check(small, GOOD, scenario)
    assert report.violations == [
        "S1 Coverage (hard in this scenario): branch B1 holds 0 cadres; at least 1 required"
    ]
    rows = replace(GOOD, "T01", "branch", "B1")
    assert check(small, rows, scenario).violations == []


def test_hard_continuity(small: Dataset) -> None:
    scenario = scn(continuity="hard")
    # 007-K1 (H3 forbids it), T03-B1 (on leave) and T01-K99 (gone) are not required.
    assert check(small, GOOD, scenario).violations == []
    report = check(small, replace(GOOD, "T01", "branch", "B1"), scenario)
    assert report.violations == [
        "S2 Continuity (hard in this scenario): cadre T01 held class K1 last semester and may keep "
        "it, but the "
        "plan drops it"
    ]


def test_hard_continuity_skips_pairs_the_hard_rules_forbid() -> None:
    data = make_dataset(
        previous=[("T01", "dorm", "D3"), ("L01", "class", "0701"), ("007", "branch", "B2")],
        pins=[("L01", "class", "0701", "forbid")],
    )
    # T01-D3: dorm of the other gender; L01-0701: forbidden; 007-B2: only class allowed.
    scenario = scn(
        continuity="hard",
        duties={"young_teacher": {"total": 1, "per_kind": {"branch": 0}}, "default": {}},
    )
    rows = [("L01", "society", "S01"), ("A01", "society", "S02"), ("T01", "class", "K1")]
    rows.append(("007", "class", "0701"))
    assert check(data, rows, scenario).violations == []
    # With campus hard, L01 (A) on 0701 (B) would not be allowed either; unforbidden it is due.
    data = make_dataset(previous=[("L01", "class", "0701")])
    assert check(data, rows, scenario).violations == [
        "S2 Continuity (hard in this scenario): cadre L01 held class 0701 last semester and may "
        "keep it, but "
        "the plan drops it"
    ]
    assert check(data, rows, scenario.with_changes(campus="hard")).violations == []


# --- terms --------------------------------------------------------------------------------------


def test_coverage_term_weights_minimums_and_off(small: Dataset) -> None:
    scenario = scn(
        kinds={
            "class": {"weight": 5},
            "society": {"coverage": "off"},
            "branch": {"min": 2, "cap": 2},
        }
    )
    rows = [*replace(GOOD, "A01", "branch", "B2")]
    # Classes K1 and 0701 covered (5 each); society off; B2 holds 2 (>= min 2).
    assert check(small, rows, scenario).terms["coverage"] == 11
    rows = replace(rows, "A01", "society", "S02")  # B2 now holds 1 < min 2
    assert check(small, rows, scenario).terms["coverage"] == 10


def test_continuity_and_campus_terms(small: Dataset) -> None:
    rows = replace(GOOD, "T01", "branch", "B1")
    terms = check(small, rows).terms
    assert terms["continuity"] == 2
    assert terms["campus"] == 1
    rows = replace(rows, "A01", "class", "K1")  # A01 (B) on K1 (A)
    assert check(small, rows).terms["campus"] == 2


DORM_PLAN: list[Triple] = [
    ("T01", "dorm", "D1"),
    ("007", "dorm", "D2"),
    ("L01", "dorm", "D3"),
    ("A01", "society", "S02"),
]


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        # newest 2025, oldest 2023: D1 0, D2 2, D3 (no grade) 2025 - 2023 + 1 = 3
        ({"by": "grade"}, 5),
        # most residents 6: D1 2, D2 0, D3 4
        ({"by": "residents"}, 6),
        # D3 by id 0, D1 by building H1 1, D2 not listed: len 2
        ({"by": "list", "list": ["D3", "H1"]}, 3),
    ],
)
def test_dorm_priority_term(small: Dataset, priority: dict[str, Any], expected: int) -> None:
    report = check(small, DORM_PLAN, scn(dorm_priority=priority))
    assert report.violations == []
    assert report.terms["dorm_priority"] == expected


def test_dorm_priority_without_any_grade_is_zero() -> None:
    data = make_dataset(dorm_grades=(None, None, None))
    assert check(data, DORM_PLAN).terms["dorm_priority"] == 0


def test_dorm_gender_term(small: Dataset) -> None:
    rows = [("T01", "dorm", "D3"), ("007", "dorm", "D2"), ("L01", "dorm", "D1")]
    terms = check(small, rows, scn(dorm_gender="off")).terms
    assert terms["dorm_gender"] == 2


def test_central_spread_term(small: Dataset) -> None:
    assert check(small, GOOD).terms["central_spread"] == 2
    rows = replace(GOOD, "L01", "society", "S01")  # university level: no college
    assert check(small, rows).terms["central_spread"] == 1
    rows = replace(rows, "A01", "society", "S01")
    assert check(small, rows).terms["central_spread"] == 0


# --- scope ----------------------------------------------------------------------------------------


def test_college_scope_with_held_target(small: Dataset) -> None:
    scenario = scn(scope="college=C02")
    held = frozenset({("branch", "B2")})
    report = check(small, [("007", "society", "S02")], scenario, held=held)
    assert report.violations == []
    # In scope: class 0701, dorm D2 (off), society S02, and the university-level S01 (its
    # cadres may hold one on their campus, H3); B2 is held.
    assert report.terms["coverage"] == 1
    report = check(small, [("007", "branch", "B2")], scenario, held=held)
    assert report.violations == [
        "scope college=C02: branch B2 is held outside this part (plan.json lists it under held)"
    ]
    report = check(small, [("007", "society", "S01"), ("T01", "class", "K1")], scenario)
    # S01 is on campus A: 007 (campus B) may not hold it under H3 in any scope.
    assert sorted(report.violations) == [
        "H3 Department of origin: cadre 007 (college C02) holds university-level society "
        "S01 on campus A, not the cadre's campus B",
        "scope college=C02: cadre T01 (professor, C01) is outside the scope but holds class K1",
        "scope college=C02: class K1 (college C01) is outside the scope",
    ]


def test_a_college_scope_holds_the_university_societies_of_its_campus(small: Dataset) -> None:
    """Issue 14, item 1: a college scope left out the university-level societies its cadres may
    hold (H3), so a college plan could not place a cadre there although the whole-university
    plan could."""
    scenario = scn(scope="college=C01")
    report = check(small, [("T01", "society", "S01")], scenario)
    assert report.violations == []
    assert report.terms["coverage"] == 1


def test_central_scope(small: Dataset) -> None:
    scenario = scn(scope="central")
    central_plan = [("L01", "class", "0701"), ("A01", "branch", "B1")]
    report = check(small, central_plan, scenario)
    assert report.violations == []
    assert report.terms["central_spread"] == 1
    report = check(small, [*central_plan, ("T01", "class", "K1")], scenario)
    assert report.violations == [
        "scope central: cadre T01 (professor, C01) is outside the scope but holds class K1"
    ]
    report = check(small, central_plan[:1], scenario)
    assert report.violations == [
        "H1 One target per cadre: cadre A01 (sao_cadre) holds 0 targets; a sao_cadre holds exactly "
        "1"
    ]


# --- claimed terms --------------------------------------------------------------------------------


def test_claimed_terms_mismatch(small: Dataset) -> None:
    report = check(small, GOOD, claimed_terms={"continuity": 5, "campus": 1})
    assert report.violations == ["plan.json says continuity = 5 but the plan keeps 3"]
    assert report.mismatches == {"continuity": (5, 3)}
    assert not report.ok
    report = check(small, GOOD, claimed_terms={"continuity": 3, "coverage": 4})
    assert report.ok
    assert report.mismatches == {}
    report = check(small, GOOD, claimed_terms={"happiness": 1})
    assert report.violations[0].startswith("plan.json names unknown term 'happiness'")


def test_missing_plan_columns(small: Dataset) -> None:
    report = check_assignments(small, scn(), pd.DataFrame({"cadre_id": ["T01"]}))
    assert report.violations == ["plan: the assignments have no column kind, target_id"]


# --- plan folders ---------------------------------------------------------------------------------


def write_plan_dir(
    folder: Path,
    rows: list[Triple],
    scenario: Scenario,
    terms: dict[str, int],
    held: list[list[str]] | None = None,
) -> Path:
    """A plan folder as ``planner plan`` writes it (UTF-8 with BOM, extra columns)."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = plan(*rows)
    frame["cadre_name"] = "某"
    frame.to_csv(folder / "assignments.csv", index=False, encoding="utf-8-sig")
    meta = {
        "status": "OPTIMAL",
        "scenario": scenario.as_dict(),
        "held": held or [],
        "terms": {name: {"value": value, "bound": value} for name, value in terms.items()},
    }
    (folder / "plan.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return folder


def test_read_plan_dir_keeps_ids_as_text(tmp_path: Path) -> None:
    (tmp_path / "assignments.csv").write_bytes(
        "cadre_id,kind,target_id,cadre_name\n007,class,0701,赵老师\n".encode("utf-8-sig")
    )
    (tmp_path / "plan.json").write_text('{"status": "OPTIMAL"}', encoding="utf-8")
    frame, meta = read_plan_dir(tmp_path)
    assert list(frame.columns[:3]) == PLAN_KEY
    assert frame.loc[0, "cadre_id"] == "007"
    assert frame.loc[0, "target_id"] == "0701"
    assert frame.loc[0, "row"] == 2
    assert meta == {"status": "OPTIMAL"}


def test_read_plan_dir_missing_and_garbled_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_plan_dir(tmp_path)
    files = sorted(Path(p.file).name for p in err.value.problems)
    assert files == ["assignments.csv", "plan.json"]
    (tmp_path / "assignments.csv").write_bytes(b"id,kind,target\nT01,class,K1\n")
    (tmp_path / "plan.json").write_text('{"status":\n "OPTIMAL",,}', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_plan_dir(tmp_path)
    problems = {Path(p.file).name: p for p in err.value.problems}
    assert problems["assignments.csv"].row == 1
    assert "cadre_id,kind,target_id" in problems["assignments.csv"].message
    assert problems["plan.json"].row == 2
    assert "not valid JSON" in problems["plan.json"].message
    (tmp_path / "assignments.csv").write_bytes("cadre_id,kind,target_id\n".encode("utf-16"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_plan_dir(tmp_path)


def test_check_plan_dir(small: Dataset, tmp_path: Path) -> None:
    scenario = scn(scope="college=C02")
    folder = write_plan_dir(
        tmp_path / "c02",
        [("007", "society", "S02")],
        scenario,
        {"coverage": 1, "continuity": 0},
        held=[["branch", "B2"]],
    )
    report = check_plan_dir(small, folder)
    assert report.violations == []
    assert report.terms["coverage"] == 1

    folder = write_plan_dir(tmp_path / "uni", GOOD, scn(), {"continuity": 812})
    report = check_plan_dir(small, folder)
    assert report.violations == ["plan.json says continuity = 812 but the plan keeps 3"]
    assert report.mismatches == {"continuity": (812, 3)}


def test_check_plan_dir_bad_plan_json(small: Dataset, tmp_path: Path) -> None:
    folder = write_plan_dir(tmp_path / "p", GOOD, scn(), {})
    (folder / "plan.json").write_text(
        json.dumps({"scenario": {"scope": "nowhere"}, "held": [["branch"]], "terms": []}),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        check_plan_dir(small, folder)
    columns = sorted(p.column for p in err.value.problems)
    assert columns == ["held", "scenario", "terms"]


# --- in Chinese -----------------------------------------------------------------------------------

LATIN = re.compile(r"[A-Za-z][A-Za-z_]{2,}")
"""A Latin word a Chinese violation should not hold (ids such as ``K1`` or ``X99`` are not)."""


def _broken_plans() -> list[tuple[Dataset, list[Triple], Scenario, dict[str, Any]]]:
    """A plan breaking each rule, with the scenario and the options that make it break."""
    small = make_dataset()
    pinned = make_dataset(
        pins=[("T01", "branch", "B1", "require"), ("007", "branch", "B2", "forbid")]
    )
    held = {"held": frozenset({("branch", "B2")})}
    return [
        (small, [r for r in GOOD if r[0] != "007"] + [("T01", "branch", "B1")], scn(), {}),
        (small, GOOD, scn(duties={"school_leader": {"per_kind": {"dorm": 1}}}), {}),
        (small, [*GOOD, ("T03", "branch", "B1")], scn(), {}),
        (small, [*GOOD, ("X99", "class", "K1"), ("T01", "class", "K77")], scn(), {}),
        (small, [*GOOD, ("T01", "room", "K1"), ("007", "branch", "B2")], scn(), {}),
        (small, replace(GOOD, "L01", "class", "K1"), scn(), {}),
        (small, replace(GOOD, "T01", "branch", "B2"), scn(), {}),
        (small, replace(GOOD, "007", "society", "S01"), scn(), {}),
        (small, GOOD, scn(school_leader_spread=0), {}),
        (small, replace(GOOD, "T01", "dorm", "D3"), scn(), {}),
        (small, GOOD, scn(campus="hard"), {}),
        (pinned, GOOD, scn(), {}),
        (small, GOOD, scn(kinds={"branch": {"coverage": "hard"}}), {}),
        (small, replace(GOOD, "T01", "branch", "B1"), scn(continuity="hard"), {}),
        (small, [("007", "branch", "B2")], scn(scope="college=C02"), held),
        (small, [("T01", "class", "K1")], scn(scope="college=C02"), {}),
        (small, [("L01", "class", "0701"), ("T01", "class", "K1")], scn(scope="central"), {}),
        (small, GOOD, scn(), {"claimed_terms": {"continuity": 5, "happiness": 1}}),
    ]


def test_every_violation_reads_in_chinese() -> None:
    """Each rule's violation in Chinese: as many as in English, the same ids, no English word
    (but what the user wrote, the file ``plan.json`` and the name of a term it claims)."""
    from planner.i18n import use_language

    for dataset, rows, scenario, options in _broken_plans():
        english = check(dataset, rows, scenario, **options).violations
        with use_language("zh"):
            chinese = check(dataset, rows, scenario, **options).violations
        assert len(chinese) == len(english) >= 1, english
        for zh, en in zip(chinese, english, strict=True):
            assert zh != en
            assert zh[:2] == en[:2] or zh.startswith("范围") or zh.startswith("plan.json"), zh
            allowed = {"plan", "json", "happiness", "continuity", "coverage"}
            allowed |= {"campus", "dorm_gender", "dorm_priority", "central_spread", "stay"}
            allowed |= {"class", "dorm", "society", "branch"}  # the kinds as files write them
            bare = re.sub(r"“[^”]*”", " ", zh)  # what the user wrote, quoted
            assert [w for w in LATIN.findall(bare) if w not in allowed] == [], zh
            assert set(re.findall(r"\b[A-Z]+\d+\b", zh)) == set(re.findall(r"\b[A-Z]+\d+\b", en)), (
                zh,
                en,
            )
    with use_language("zh"):
        report = check(make_dataset(), [*GOOD, ("T03", "branch", "B1")])
    assert report.violations == ["H1 每人联系一个对象：联系人 T03 不在岗，却安排联系学生党支部 B1"]


def test_a_merge_finds_the_cadre_a_violation_names_in_either_language() -> None:
    """The merge hands a conflict to the part that placed the cadre a violation names first."""
    from planner.i18n import use_language
    from planner.workflow.merge import _CADRE

    for dataset, rows, scenario, options in _broken_plans():
        english = check(dataset, rows, scenario, **options).violations
        with use_language("zh"):
            chinese = check(dataset, rows, scenario, **options).violations
        known = set(dataset.cadres["id"].astype(str))
        for zh, en in zip(chinese, english, strict=True):
            named = [_CADRE.search(line) for line in (en, zh)]
            cadres = [m[1] if m and m[1] in known else None for m in named]
            assert cadres[0] == cadres[1], (en, zh)
