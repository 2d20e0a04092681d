"""Tests of the capacity check (``planner.explain.capacity``) and the infeasibility diagnosis
(``planner.explain.diagnose``): every crafted infeasible data set of ``tests/data/infeasible`` must
be diagnosed with the right rule and the right college, cadre, target and row; the demo data broken
in five ways must end, through the command line, with exit 3 and a message that says what is wrong
and what to change.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import cadre, klass, make_dataset, scn, solve_and_check

from planner.cli import cli
from planner.errors import InfeasibleError
from planner.explain.capacity import capacity_notes, central_available, college_capacity
from planner.explain.diagnose import diagnose
from planner.explain.precheck import precheck
from planner.io.readers import read_dataset
from planner.planning import make_plan
from planner.scenario import Scenario, load_scenario
from planner.solver.problem import build_problem
from planner.words import row_list

ROOT = Path(__file__).resolve().parent.parent
INFEASIBLE = ROOT / "tests" / "data" / "infeasible"
TINY = ROOT / "tests" / "data" / "tiny"
DEMO = ROOT / "data" / "demo"

SOLVER_NAMES = re.compile(r"\b(y|k|guard|covered|same|central_max)\d+\b")
"""Names of CP-SAT variables in the model: they must never reach a user."""


def diagnosis(case: str) -> str:
    """The exit-3 message of a crafted case, as one text (make_plan must refuse it)."""
    folder = INFEASIBLE / case
    dataset = read_dataset(folder)
    scenario = load_scenario(folder / "scenario.yaml")
    with pytest.raises(InfeasibleError) as caught:
        make_plan(dataset, scenario, deterministic=True, time_limit=20)
    text = "\n".join(caught.value.reasons)
    assert not SOLVER_NAMES.search(text), text
    return text


# --- the crafted infeasible data sets ----------------------------------------------------------

CASES: dict[str, list[str]] = {
    "no_targets": [
        "H1 One target per cadre + H3 Department of origin",
        "新闻与传播学院 (C03) has no class, dorm room, society or party branch",
        "孙丽 (T009)",
        "吴强 (T010)",
        "cadres.csv rows 10–11",
    ],
    "too_many_cadres": [
        "H1 One target per cadre + H2 One cadre per target + H3 Department of origin",
        "7 available cadres of 信息科学技术学院 (C02)",
        "room for 6 cadres: 1 cadre too many",
        "cadres.csv rows 8–14",
    ],
    "pins_one_target": [
        "H2 One cadre per target + H6 Pins",
        "pins.csv rows 2, 4",
        "class CL04",
        "周婷 (T008)",
        "黄磊 (T007)",
    ],
    "pin_require_forbid": ["H6 Pins", "pins.csv row 2", "row 4 forbids the same pair"],
    "pins_one_cadre": ["H1 One target per cadre + H6 Pins", "pins.csv rows 2, 4", "周婷 (T008)"],
    "pin_origin": [
        "H6 Pins + H3 Department of origin",
        "pins.csv row 4",
        "陈静 (T004)",
        "class CL03",
        "drop pins.csv row 4",
    ],
    "pin_on_leave": ["pins.csv row 4", "赵敏 (T006)", "on leave (在岗 = 否 in cadres.csv row 7)"],
    "school_leader_pins": [
        "H4 School leaders spread out + H6 Pins",
        "pins.csv rows 4–5",
        "文学院 (C01)",
        "王建国 (T001)",
        "马丽华 (T009)",
    ],
    "campus_hard": [
        "S3 Same campus (hard in this scenario)",
        "林涛 (T009)",
        "the cadre is on 番禺",
        "校区 in cadres.csv row 10",
        "campus: soft",
    ],
    "hard_coverage": [
        "S1 Coverage (hard in this scenario for classes)",
        "4 classes of 文学院 (C01)",
        "only 3 available cadres may hold them (3 central)",
        "cadres.csv rows 5–7",
        "at least 1 stays without a cadre",
        "kinds: class: coverage: soft",
    ],
    # Found by the solver (no cheap check catches them): a minimal core of rule instances.
    "school_leaders": [
        "H1 One target per cadre + H4 School leaders spread out: 4 available school leaders",
        "王建国 (T001)",
        "罗志明 (T013)",
        "allows at most 1 per college in the 2 colleges open to them",
        "only 1 society at university level on 石牌 is open to them: room for 3, 1 school "
        "leader too many",
        "raise school_leader_spread in the scenario",
    ],
    "continuity_pin": [
        "These rules cannot all hold together:",
        "H6 Pins: pins.csv row 4: 张伟 (T003",
        "S2 Continuity (hard in this scenario): previous.csv row 5: 黄磊 (T007",
        "class CL03",
    ],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_crafted_case_names_rule_and_rows(case: str) -> None:
    text = diagnosis(case)
    for expected in CASES[case]:
        assert expected in text, f"{case}: missing {expected!r} in:\n{text}"
    assert "To fix" in text


def test_every_crafted_case_is_listed() -> None:
    folders = {p.name for p in INFEASIBLE.iterdir() if p.is_dir()}
    assert folders == set(CASES)


def test_solver_core_is_minimal() -> None:
    """The deletion filter leaves only what conflicts: two pins of T003/T007, no other rule."""
    text = diagnosis("continuity_pin")
    lines = text.splitlines()
    assert len(lines) == 3  # the header, one pin, one kept contact
    assert "T001" not in text and "T004" not in text  # other kept contacts are not involved


def test_school_leader_core_names_all_four_and_both_colleges() -> None:
    text = diagnosis("school_leaders")
    for cadre_id in ("T001", "T011", "T012", "T013"):
        assert cadre_id in text
    assert "T004" not in text  # college cadres are not part of the conflict


def test_diagnose_runs_precheck_first() -> None:
    dataset = read_dataset(INFEASIBLE / "pin_origin")
    problem = build_problem(dataset, Scenario())
    assert diagnose(problem) == precheck(problem)


def test_feasible_data_passes_precheck() -> None:
    problem = build_problem(read_dataset(TINY), Scenario())
    assert precheck(problem) == []


def test_hall_check_finds_a_set_spanning_colleges() -> None:
    """Two colleges share the only university society on their campus: 3 cadres, 1 target."""
    ds = make_dataset(
        cadres=[cadre("A1", "professor", "C1"), cadre("B1", "professor", "C2"),
                cadre("B2", "young_teacher", "C2", gender="F")],
        societies=[{"id": "S9", "name": "合唱团", "campus": "A", "members": 30,
                    "college": None}],
        colleges=[("C1", "A"), ("C2", "A")],
    )  # fmt: skip
    text = "\n".join(precheck(build_problem(ds, Scenario())))
    assert "3 available cadres (1 of 学院C1 (C1) and 2 of 学院C2 (C2))" in text
    assert "1 society at university level on A" in text
    assert "2 cadres too many" in text


def test_row_list() -> None:
    assert row_list([4]) == "row 4"
    assert row_list([7, 5, 6, 9]) == "rows 5–7, 9"
    assert row_list([]) == "no rows"


# --- the demo broken in five ways, as a new user would meet it ---------------------------------


def _copy_demo(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(DEMO, folder)
    return folder


def _table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(
        folder / f"{name}.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )


def _save(folder: Path, name: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8-sig")


def _plan(folder: Path, tmp_path: Path, scenario: str = "") -> tuple[int, str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario, encoding="utf-8")
    args = ["plan", "--data", str(folder), "--scenario", str(path), "--out",
            str(tmp_path / "out"), "--quiet", "--deterministic"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert not (tmp_path / "out").exists(), "nothing may be written"
    return result.exit_code, result.output


def _available_c01(folder: Path) -> list[str]:
    cadres = _table(folder, "cadres")
    pins = set(_table(folder, "pins")["cadre"])
    rows = cadres[(cadres["unit"] == "C01") & (cadres["available"] == "yes")]
    return [c for c in rows["id"] if c not in pins]


def test_demo_college_without_targets(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    for name in ("classes", "dorms", "societies", "branches"):
        frame = _table(folder, name)
        _save(folder, name, frame[frame["college"] != "C04"])
    code, out = _plan(folder, tmp_path)
    assert code == 3
    assert "文学院 (C04) has no class, dorm room, society or branch in the data" in out
    assert "available cadres of 文学院 (C04) must each hold a target" in out
    assert re.search(r"cadres too many. To fix: add targets for 文学院 \(C04\)", out)
    assert "在岗 = 否 in cadres.csv rows" in out


def test_demo_contradictory_pins(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    first, second = _available_c01(folder)[:2]
    pins = _table(folder, "pins")
    extra = pd.DataFrame(
        [
            {"cadre": first, "kind": "class", "target": "2025C0101", "rule": "require"},
            {"cadre": second, "kind": "class", "target": "2025C0101", "rule": "require"},
        ]
    )
    _save(folder, "pins", pd.concat([pins, extra]))
    code, out = _plan(folder, tmp_path)
    assert code == 3
    assert "H2 One cadre per target + H6 Pins: pins.csv rows 4–5 require 2 cadres" in out
    assert first in out and second in out and "class 2025C0101" in out
    assert "keep one of these pins" in out


def test_demo_strict_campus(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    cadres = _table(folder, "cadres")
    stray = cadres[(cadres["unit"] == "C04") & (cadres["available"] == "yes")].index[:2]
    cadres.loc[stray, "campus"] = "番禺校区"  # C04's targets are all on 石牌校区
    _save(folder, "cadres", cadres)
    code, out = _plan(folder, tmp_path, "campus: hard\n")
    assert code == 3
    assert "S3 Same campus (hard in this scenario)" in out
    assert "文学院 (C04)" in out
    for i in stray:
        assert cadres.at[i, "id"] in out
    rows = sorted(int(i) + 2 for i in stray)
    assert f"cadres.csv rows {rows[0]}, {rows[1]}" in out or f"rows {rows[0]}–{rows[1]}" in out
    assert "campus: soft" in out


def test_demo_pin_against_department_of_origin(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    who = _available_c01(folder)[0]
    classes = _table(folder, "classes")
    other = classes[classes["college"] == "C02"]["id"].iloc[0]
    pins = _table(folder, "pins")
    row = pd.DataFrame([{"cadre": who, "kind": "class", "target": other, "rule": "require"}])
    _save(folder, "pins", pd.concat([pins, row]))
    code, out = _plan(folder, tmp_path)
    assert code == 3
    assert "H6 Pins + H3 Department of origin: pins.csv row 4" in out
    assert who in out and f"class {other}" in out
    assert "法学院 (C01)" in out and "经济学院 (C02)" in out
    assert "drop pins.csv row 4" in out


def test_demo_too_few_cadres_for_hard_coverage(tmp_path: Path) -> None:
    folder = _copy_demo(tmp_path)
    cadres = _table(folder, "cadres")
    away = cadres["id"].isin(_available_c01(folder)[8:])
    cadres.loc[away, "available"] = "no"
    _save(folder, "cadres", cadres)
    code, out = _plan(folder, tmp_path, "kinds:\n  class: {coverage: hard}\n")
    assert code == 3
    assert "S1 Coverage (hard in this scenario for classes)" in out
    assert "46 classes of 法学院 (C01)" in out
    assert re.search(r"only \d+ available cadres may hold them \(\d+ of 法学院 \(C01\)", out)
    assert "are on leave (cadres.csv rows" in out
    assert "kinds: class: coverage: soft" in out


# --- capacity ------------------------------------------------------------------------------


def test_capacity_of_tiny() -> None:
    capacity = college_capacity(read_dataset(TINY), Scenario()).set_index("college")
    c01 = capacity.loc["C01"]
    assert (c01["class"], c01["branch"], c01["society"], c01["dorm"]) == (2, 1, 1, 2)
    assert (c01["coverable"], c01["available"], c01["on_leave"]) == (4, 2, 1)
    assert (c01["able"], c01["central"], c01["short"]) == (2, 3, 2)
    # Own targets (2 classes, 2 dorms, 1 society, 1 branch) and the university society on 石牌.
    assert (c01["holdable"], c01["overflow"]) == (7, 0)


def test_capacity_notes_words() -> None:
    dataset = read_dataset(TINY)
    notes = capacity_notes(college_capacity(dataset, Scenario()), central_available(dataset))
    assert notes[0] == (
        "文学院 (C01): 2 classes, 1 branch and 1 society need a cadre; 2 college cadres are "
        "available (1 on leave); at least 2 targets stay uncovered unless central cadres are "
        "placed here (3 central cadres could come in)."
    )
    assert notes[-1] == (
        "In all, the colleges are 4 cadre places short but the 3 available central cadres can "
        "fill only 3: at least 1 target stays uncovered in any plan."
    )


def test_capacity_is_a_true_lower_bound() -> None:
    """The plan of tiny leaves at least as many targets uncovered as capacity promises."""
    dataset = read_dataset(TINY)
    plan = solve_and_check(dataset)
    assert len(plan.uncovered) >= 1
    assert any("at least 1 target stays uncovered" in note for note in plan.capacity)


def test_capacity_overflow_and_scopes() -> None:
    dataset = read_dataset(INFEASIBLE / "no_targets")
    capacity = college_capacity(dataset, Scenario()).set_index("college")
    assert (capacity.at["C03", "holdable"], capacity.at["C03", "overflow"]) == (0, 2)
    notes = capacity_notes(college_capacity(dataset, Scenario()))
    assert any("新闻与传播学院 (C03)" in n and "no plan can be made" in n for n in notes)
    one = college_capacity(dataset, scn(scope="college=C01"))
    assert list(one["college"]) == ["C01"] and int(one.at[0, "central"]) == 0
    assert "not in this scope" in capacity_notes(one)[0]
    central = capacity_notes(college_capacity(dataset, scn(scope="central")))
    assert central == [
        "Central scope: 3 central cadres are available for 4 classes, 2 branches and 3 "
        "societies (9 in all); the colleges place their own cadres in their own plans "
        "(scope college=ID)."
    ]


def test_capacity_under_hard_campus() -> None:
    """A college cadre on another campus cannot fill its college's places."""
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1", campus="B")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
    )
    soft = college_capacity(ds, Scenario()).set_index("college").loc["C1"]
    hard = college_capacity(ds, scn(campus="hard")).set_index("college").loc["C1"]
    assert (soft["able"], soft["short"]) == (2, 0)
    assert (hard["able"], hard["short"]) == (1, 1)


def test_validate_prints_capacity() -> None:
    result = CliRunner().invoke(cli, ["validate", "--data", str(TINY)])
    assert result.exit_code == 0
    assert "Capacity (default policy" in result.output
    assert "! 文学院 (C01): 2 classes, 1 branch and 1 society need a cadre" in result.output


# --- counting before solving (issue 14, item 9) ----------------------------------------------


def _no_solve(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the solver is called: counting alone must find it."""
    import planner.explain.diagnose as diagnose_module

    def solve(*args: object, **kwargs: object) -> None:
        raise AssertionError("the counting checks should have found this before solving")

    monkeypatch.setattr(diagnose_module, "solve", solve)


def test_school_leaders_counted_against_h4_before_solving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 14, item 9: 8 available school leaders, 5 colleges (H4: one each) and 2
    university-level societies: `planner plan` solved for ≈26 s and then said "no single rule
    instance could be singled out in time". Counting shows it at once."""
    from planner.io.generate.files import write_tables
    from planner.io.generate.tables import generate_tables

    tables = generate_tables("demo", seed=1, scale=0.8)
    cadres = tables["cadres"]
    assert len(tables["colleges"]) == 5
    others = cadres[
        cadres["role"].isin(["office_leader", "sao_cadre"]) & (cadres["available"] == "yes")
    ]
    leaders = (cadres["role"] == "school_leader") & (cadres["available"] == "yes")
    cadres.loc[others.index[: 8 - int(leaders.sum())], "role"] = "school_leader"
    societies = tables["societies"]
    uni = societies[societies["college"] == ""]
    tables["societies"] = societies.drop(uni.index[2:])
    kept = set(tables["societies"]["id"])
    previous = tables["previous"]
    tables["previous"] = previous[(previous["kind"] != "society") | previous["target"].isin(kept)]
    tables["pins"] = tables["pins"].iloc[0:0]
    write_tables(tables, tmp_path / "data")
    _no_solve(monkeypatch)
    result = CliRunner().invoke(cli, ["plan", "--data", tmp_path / "data", "--out",
                                      tmp_path / "out", "--quiet"])  # fmt: skip
    assert result.exit_code == 3, result.stderr
    text = result.stderr
    assert (
        "H1 One target per cadre + H4 School leaders spread out: 8 available school leaders ("
        in text
    )
    assert "allows at most 1 per college in the 5 colleges open to them" in text
    assert (
        "2 societies at university level" in text and "room for 7, 1 school leader too many" in text
    )
    assert (
        "To fix: raise school_leader_spread in the scenario" in text and "cadres.csv rows " in text
    )
    assert not (tmp_path / "out").exists()


def test_a_kind_the_duties_require_is_counted_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Full engagement: three college leaders must each hold a branch, and their college has
    two (cap 1 here): more than the total count shows."""
    ds = make_dataset(
        cadres=[cadre(f"P{i}", "college_leader", "C1") for i in range(3)],
        classes=[klass(f"K{i}", "C1") for i in range(3)],
        branches=[
            {"id": f"B{i}", "name": f"支部{i}", "college": "C1", "campus": "A", "members": 9}
            for i in range(2)
        ],
        societies=[
            {"id": f"S{i}", "name": f"社团{i}", "campus": "A", "members": 9, "college": "C1"}
            for i in range(3)
        ],
        dorms=[
            {
                "id": f"D{i}",
                "building": "H",
                "room": str(i),
                "campus": "A",
                "gender": "M",
                "residents": 4,
                "college": "C1",
                "grade": 2025,
            }
            for i in range(3)
        ],
    )
    duty = {"per_kind": {"class": 1, "dorm": 1, "society": 1, "branch": 1}}
    scenario = scn(duties={"default": {"total": 1}, "college_leader": duty})
    _no_solve(monkeypatch)
    with pytest.raises(InfeasibleError) as caught:
        make_plan(ds, scenario)
    (text,) = caught.value.reasons
    assert text.startswith("H1 One target per cadre + H2 One cadre per target + H3 Department")
    assert (
        "3 available cadres of 学院C1 (C1) must each hold a branch (the duties of their role)"
        in text
    )
    assert "1 cadre too many" in text


def test_hard_coverage_counts_school_leaders_against_h4(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hard class coverage, a college without cadres of its own and two school leaders who may
    hold its two classes: H4 lets only one of them into the college, so a class stays
    uncovered. Counting says so before solving, naming H4."""
    ds = make_dataset(
        cadres=[cadre("L1", "school_leader"), cadre("L2", "school_leader")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        societies=[
            {"id": f"S{i}", "name": f"社团{i}", "campus": "A", "members": 9, "college": None}
            for i in range(2)
        ],
    )
    scenario = scn(kinds={"class": {"coverage": "hard"}})
    problem = build_problem(ds, scenario)
    assert precheck(problem)
    _no_solve(monkeypatch)
    with pytest.raises(InfeasibleError) as caught:
        make_plan(ds, scenario)
    text = "\n".join(caught.value.reasons)
    assert "S1 Coverage + H4 School leaders spread out (hard in this scenario for classes)" in text
    assert "at least 1 stays without a cadre" in text
    assert "lets at most 1 school leader into each of 学院C1 (C1)" in text
    # With two leaders allowed per college, both classes are covered.
    monkeypatch.undo()
    plan = solve_and_check(ds, scn(kinds={"class": {"coverage": "hard"}}, school_leader_spread=2))
    assert "class" not in set(plan.uncovered["kind"])
