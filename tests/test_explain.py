"""Tests of ``planner explain`` (``planner.explain.why``) and of the reasons of uncovered targets
(``planner.explain.reasons``).

The explained instance is small enough to check by hand. College C1 (campus A) has two
professors ``P1`` and ``P2``, classes ``K1`` and ``K2`` and a dorm room ``D1``; last semester
``P2`` held ``K2``. Under the default policy the plan is ``P1–K1, P2–K2`` (coverage 2, one
contact kept), and:

- moving ``P1`` to ``K2`` pushes ``P2`` onto ``K1``: coverage stays 2, continuity drops to 0;
- moving ``P1`` to ``D1`` leaves ``K1`` uncovered: coverage drops to 1;
- without ``P1–K1`` the best plan is the swap, so the pair is needed for S2 Continuity.

With a third class ``K3`` one class stays uncovered, and giving it to ``P1`` instead of ``K1``
is a tie.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import branch, cadre, dorm, klass, make_dataset, scn, solve_and_check

from planner.check.checker import check_assignments
from planner.cli import cli
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.explain.reasons import CATEGORIES
from planner.explain.why.alternatives import Alternative
from planner.explain.why.explanation import Explanation, explain_cadre, explain_target
from planner.io.plan_folder import as_planned
from planner.io.readers import read_dataset
from planner.plan import ASSIGNMENT_COLUMNS, Plan
from planner.report.write import plan_document, write_csv
from planner.scenario import Scenario, scenario_from_dict

TINY = Path(__file__).resolve().parent / "data" / "tiny"
DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


def save(plan: Plan, folder: Path) -> Path:
    """The two files ``explain`` reads: ``assignments.csv`` and ``plan.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(plan.assignments, folder / "assignments.csv", ASSIGNMENT_COLUMNS[:3])
    text = json.dumps(plan_document(plan), ensure_ascii=False)
    (folder / "plan.json").write_text(text, encoding="utf-8")
    return folder


def small(*extra_classes: str, pins: list[tuple[str, str, str, str]] | None = None) -> Dataset:
    """The instance of the module docstring (plus classes ``extra_classes`` of C1)."""
    return make_dataset(
        cadres=[
            cadre("P1", "professor", "C1"),
            cadre("P2", "professor", "C1"),
            cadre("P3", "professor", "C1", available=False),
        ],
        classes=[klass(k, "C1") for k in ("K1", "K2", *extra_classes)],
        dorms=[dorm("D1", "C1")],
        previous=[("P2", "class", "K2")],
        pins=pins or [],
    )


def planned(dataset: Dataset, tmp_path: Path, scenario: Scenario | None = None) -> Path:
    plan = solve_and_check(dataset, scenario)
    return save(plan, tmp_path / "plan")


def assert_checked(dataset: Dataset, alt: Alternative, scenario: Scenario | None = None) -> None:
    """Every alternative plan keeps every hard rule (with its own pin) and its claimed terms."""
    assert alt.assignments is not None
    pin = pd.DataFrame(
        [{"cadre": alt.cadre_id, "kind": alt.kind, "target": alt.target_id, "rule": "require",
          "row": 99}]
    )  # fmt: skip
    pinned = replace(dataset, pins=pd.concat([dataset.pins, pin], ignore_index=True))
    report = check_assignments(
        pinned, scenario or Scenario(), alt.assignments, claimed_terms=alt.terms
    )
    assert report.ok, report.violations


# --- a cadre -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Path]:
    """The instance of the module docstring, planned: ``P1–K1, P2–K2``."""
    dataset = small()
    return dataset, planned(dataset, tmp_path_factory.mktemp("small"))


@pytest.fixture(scope="module")
def k3_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Dataset, Path]:
    """With a third class ``K3``, which stays uncovered."""
    dataset = small("K3")
    plan = solve_and_check(dataset)
    assert plan.uncovered["target_id"].tolist() == ["K3"]
    return dataset, save(plan, tmp_path_factory.mktemp("k3") / "plan")


@pytest.fixture(scope="module")
def p1(small_plan: tuple[Dataset, Path]) -> tuple[Dataset, Explanation]:
    dataset, folder = small_plan
    return dataset, explain_cadre(dataset, folder, "P1", alternatives=2)


def test_cadre_holds_and_rules(p1: tuple[Dataset, Explanation]) -> None:
    _, ex = p1
    assert ex.subject == "cadre" and ex.id == "P1"
    assert ex.holds == ["class K1 (班级K1) — 学院C1 (C1), campus A, entry year 2025"]
    assert "H3 Department of origin: cadre and class both belong to 学院C1 (C1)" in ex.rules
    assert ex.rules[0] == "H1 One target per cadre: a professor holds exactly 1 target(s)"
    assert ex.terms[0].startswith("S1 Coverage: the class counts for coverage")
    assert ex.terms[1] == "S2 Continuity: the cadre had no contact last semester"
    assert ex.terms[2] == "S3 Same campus: cadre and class are both on A"


def test_cadre_alternatives_by_hand(p1: tuple[Dataset, Explanation]) -> None:
    dataset, ex = p1
    swap, dorm_room = ex.alternatives
    assert (swap.kind, swap.target_id) == ("class", "K2")
    assert swap.verdict == "worse" and swap.decided_by == "S2 Continuity"
    assert swap.deltas == {
        "coverage": 0,
        "continuity": -1,
        "campus": 0,
        "dorm_priority": 0,
    }  # the terms the scenario counts here: no central cadre, so no S5 Central spread
    assert swap.ended == ["干部P2 (P2) with class K2"]
    assert swap.moves == ["干部P2 (P2): class K2 → class K1"] and swap.moved == 1
    assert swap.uncovered == [] and swap.covered == []
    assert swap.summary.startswith("moving 干部P1 (P1) to class K2 (班级K2) would be worse on S2")

    assert (dorm_room.kind, dorm_room.target_id) == ("dorm", "D1")
    assert dorm_room.verdict == "worse" and dorm_room.decided_by == "S1 Coverage"
    assert dorm_room.deltas["coverage"] == -1
    assert dorm_room.uncovered == ["class K1 (班级K1)"]
    assert dorm_room.moved == 0
    assert "would leave class K1 (班级K1) uncovered" in dorm_room.summary
    for alt in ex.alternatives:
        assert_checked(dataset, alt)


def test_cadre_without_the_pair_is_needed(p1: tuple[Dataset, Explanation]) -> None:
    _, ex = p1
    assert len(ex.without) == 1
    assert ex.without[0].startswith("needed: the best plan with 干部P1 (P1) not holding class K1")
    assert "worse on S2 Continuity" in ex.without[0]


def test_text_and_json(p1: tuple[Dataset, Explanation]) -> None:
    _, ex = p1
    text = ex.text()
    assert text.splitlines()[0] == "干部P1 (P1) — 知名教授 professor, 学院C1 (C1), campus A"
    assert "Best alternatives (each re-planned with it pinned):" in text
    assert "  1. moving 干部P1 (P1) to class K2" in text
    data = json.loads(json.dumps(ex.as_dict(), ensure_ascii=False))
    assert data["subject"] == "cadre"
    assert data["alternatives"][1]["uncovered"] == ["class K1 (班级K1)"]
    assert "assignments" not in data["alternatives"][0]


def test_tie_is_named_as_a_tie(k3_plan: tuple[Dataset, Path]) -> None:
    dataset, folder = k3_plan
    ex = explain_cadre(dataset, folder, "P1", alternatives=1)
    (alt,) = ex.alternatives
    assert (alt.target_id, alt.verdict) == ("K3", "as good")
    assert alt.uncovered == ["class K1 (班级K1)"] and alt.covered == ["class K3 (班级K3)"]
    assert "as good on every rule (a tie)" in alt.summary
    assert ex.without[0].startswith("a tie: another plan is as good on every rule")
    assert_checked(dataset, alt)


def test_alternatives_near_a_target_of_cap_two(tmp_path: Path) -> None:
    """Regression: two cadres on one branch of cap 2 (each pool sends its own arc to the
    branch's group). The explainer's own hand-out ran out of slots there (IndexError, an
    internal error under the full-engagement scenario); it now uses decompose's."""
    scenario = scn(
        duties={"default": {"per_kind": {"class": 1, "branch": 1}}},
        kinds={"branch": {"cap": 2}},
    )
    dataset = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass(k, "C1") for k in ("K1", "K2", "K3")],
        branches=[branch("B1", "C1")],
        dorms=[dorm("D1", "C1")],
    )
    folder = planned(dataset, tmp_path, scenario)
    ex = explain_cadre(dataset, folder, "P1", alternatives=2, time_limit=10)
    assert ex.alternatives and all(alt.verdict != "unknown" for alt in ex.alternatives)
    for alt in ex.alternatives:
        assert_checked(dataset, alt, scenario)
        assert alt.assignments is not None
        assert (alt.assignments["target_id"] == "B1").sum() == 2  # both keep the branch


def test_cadre_on_leave_and_unknown(small_plan: tuple[Dataset, Path]) -> None:
    dataset, folder = small_plan
    ex = explain_cadre(dataset, folder, "P3")
    assert ex.holds == [] and "on leave (在岗 = 否 in cadres.csv row 4)" in ex.rules[0]
    with pytest.raises(UsageError, match="no cadre with id 'P9'"):
        explain_cadre(dataset, folder, "P9")


def test_pinned_pair_has_no_alternatives(tmp_path: Path) -> None:
    dataset = small(pins=[("P1", "class", "K1", "require")])
    ex = explain_cadre(dataset, planned(dataset, tmp_path), "P1")
    assert ex.alternatives == []
    assert "H6 Pins: pins.csv row 2 requires this pair" in ex.rules
    assert "fixed by a require pin" in ex.without[-1]


# --- a target ----------------------------------------------------------------------------------


def test_target_held_and_its_alternative(small_plan: tuple[Dataset, Path]) -> None:
    dataset, folder = small_plan
    ex = explain_target(dataset, folder, "K2", alternatives=3)
    assert ex.holds == ["干部P2 (P2) — 知名教授 professor, 学院C1 (C1), campus A"]
    assert "S2 Continuity: the same contact as last semester (previous.csv row 2)" in ex.terms
    assert [a.cadre_id for a in ex.alternatives] == ["P1"]  # P3 is on leave
    (alt,) = ex.alternatives
    assert alt.verdict == "worse" and alt.decided_by == "S2 Continuity"
    assert alt.summary.startswith("giving it to 干部P1 (P1) (who holds class K1 now) would be")
    assert alt.moves == ["干部P2 (P2): class K2 → class K1"]
    assert_checked(dataset, alt)


def test_uncovered_target(k3_plan: tuple[Dataset, Path]) -> None:
    dataset, folder = k3_plan
    ex = explain_target(dataset, folder, "K3", kind="class")
    assert ex.holds == []
    assert ex.terms[0].startswith("S1 Coverage: left uncovered — equal priority: 3 classes")
    verdicts = {a.cadre_id: (a.verdict, a.decided_by) for a in ex.alternatives}
    assert verdicts == {"P1": ("as good", None), "P2": ("worse", "S2 Continuity")}
    for alt in ex.alternatives:
        assert_checked(dataset, alt)


def test_target_id_of_two_kinds(tmp_path: Path) -> None:
    dataset = make_dataset(
        cadres=[cadre("P1", "professor", "C1")],
        classes=[klass("X1", "C1")],
        branches=[{"id": "X1", "name": "支部X1", "college": "C1", "campus": "A", "members": 9}],
    )
    folder = planned(dataset, tmp_path)
    with pytest.raises(UsageError, match="several targets \\(branch, class\\); say which"):
        explain_target(dataset, folder, "X1")
    ex = explain_target(dataset, folder, "X1", kind="branch", alternatives=0)
    assert ex.title.startswith("branch X1")
    with pytest.raises(UsageError, match="no class target with id 'X9'"):
        explain_target(dataset, folder, "X9", kind="class")


# --- the command line --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save(solve_and_check(read_dataset(TINY)), tmp_path_factory.mktemp("tiny") / "plan")


def test_cli_explain_cadre(tiny_plan: Path) -> None:
    args = [
        "explain",
        str(tiny_plan),
        "--data",
        str(TINY),
        "--cadre",
        "T004",
        "--alternatives",
        "1",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("陈静 (T004) — 学院领导 college_leader, 文学院 (C01)")
    assert "S2 Continuity: the same contact as last semester (previous.csv row 3)" in result.output
    assert "Best alternatives" in result.output


def test_cli_explain_target_json(tiny_plan: Path) -> None:
    args = ["explain", str(tiny_plan), "--data", str(TINY), "--target", "B02", "--json",
            "--alternatives", "1"]  # fmt: skip
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["subject"] == "target" and data["id"] == "B02"
    assert len(data["alternatives"]) == 1 and data["alternatives"][0]["verdict"] in (
        "worse",
        "as good",
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ([], "give exactly one of --cadre ID or --target ID"),
        (["--cadre", "T004", "--target", "B02"], "give exactly one of --cadre ID or --target ID"),
        (
            ["--target", "B02", "--kind", "room"],
            "--kind 'room': use class, dorm, society or branch",
        ),
        (["--cadre", "NOPE"], "no cadre with id 'NOPE' in cadres.csv"),
    ],
)
def test_cli_usage_errors(tiny_plan: Path, extra: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["explain", str(tiny_plan), "--data", str(TINY), *extra])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


# --- reasons of uncovered targets ----------------------------------------------------------------


def reason(dataset: Dataset, target: str, scenario: Scenario | None = None) -> str:
    plan = solve_and_check(dataset, scenario)
    rows = plan.uncovered[plan.uncovered["target_id"] == target]
    assert len(rows) == 1, plan.uncovered
    text = str(rows["reason"].iloc[0])
    assert text.startswith(CATEGORIES)
    return text


def test_reason_no_eligible_cadre() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("Q1", "professor", "C2", available=False)],
        classes=[klass("K1", "C1"), klass("K9", "C2")],
    )
    assert reason(ds, "K9") == (
        "no eligible cadre: 学院C2 (C2) has 0 available cadres of its own (1 on leave: "
        "cadres.csv row 3); no central cadre is available. To cover it, add a cadre of the "
        "college, or mark one available (在岗 = 是)"
    )


def test_reason_campus_rule() -> None:
    ds = make_dataset(
        cadres=[cadre("Q1", "professor", "C2")],
        classes=[klass("K9", "C2", campus="B")],
        dorms=[dorm("D1", "C2")],
    )
    assert reason(ds, "K9", scn(campus="hard")) == (
        "campus rule: 1 cadre could hold it but is kept out by S3 Same campus (hard in this "
        "scenario): they are on A, the class on B. To cover it, make the campus rule soft "
        "(campus: soft)"
    )


def test_reason_dorm_gender_rule() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1")],
        classes=[klass("K1", "C1")],
        dorms=[dorm("D1", "C1", gender="F")],
    )
    text = reason(ds, "D1", scn(kinds={"dorm": {"coverage": "soft"}}))
    assert text == (
        "dorm gender rule: 1 cadre could hold it but is kept out by H5 Dorm gender: the room "
        "houses students of the other gender. To cover it, add a cadre of the room's gender"
    )


def test_reason_pinned_away() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        pins=[("P1", "class", "K1", "forbid")],
    )
    assert reason(ds, "K1") == (
        "pinned away: the 1 cadre who may hold it is pinned: pins.csv row 2 forbid 干部P1 (P1) "
        "here. To cover it, drop one of these pins"
    )
    required = make_dataset(
        cadres=[cadre("P1", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        pins=[("P1", "class", "K2", "require")],
    )
    assert "pins.csv row 2 require 干部P1 (P1) elsewhere" in reason(required, "K1")


def test_reason_equal_priority_counts_the_competition() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C1")],
    )
    plan = solve_and_check(ds)
    (text,) = plan.uncovered["reason"]
    assert text == (
        "equal priority: 3 classes (学院C1 (C1)) compete for the 2 cadres who may hold them "
        "(2 of 学院C1 (C1)), each holding one, so 1 of them stays uncovered; S2 Continuity, "
        "S3 Same campus, then ids decide which. To cover it, add a cadre who may hold it, or "
        "pin one here"
    )


def test_reason_school_leaders_kept_out_by_h4() -> None:
    ds = make_dataset(
        cadres=[cadre("L1", "school_leader"), cadre("L2", "school_leader")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        dorms=[dorm("D1", "C2")],
    )
    plan = solve_and_check(ds)
    (text,) = plan.uncovered["reason"]
    a = plan.assignments
    (outside,) = a.loc[a["kind"] == "dorm", "cadre_id"]  # the leader H4 keeps out of C1
    assert text.startswith("equal priority: 2 classes (学院C1 (C1)) compete for the 1 cadre")
    assert text.endswith(
        f"1 more school leader (干部{outside} ({outside})) may not come in: H4 School leaders "
        "spread out allows at most 1 per college. To cover it, add a cadre who may hold it, or "
        "pin one here"
    )


def test_reason_kept_by_duties() -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1")],
        classes=[klass("K1", "C1")],
        dorms=[dorm("D1", "C1")],
    )
    scenario = scn(duties={"default": {"total": 1}, "professor": {"per_kind": {"dorm": 1}}})
    text = reason(ds, "K1", scenario)
    assert text == (
        "kept by a hard rule: cadres who may hold it hold targets that count less: 干部P1 (P1) "
        "dorm D1: the duties of the role require it (H1 One target per cadre); to cover it, "
        "change the role's duties in the scenario"
    )


def test_reason_below_minimum() -> None:
    ds = make_dataset(cadres=[cadre("P1", "professor", "C1")], classes=[klass("K1", "C1")])
    text = reason(ds, "K1", scn(kinds={"class": {"min": 2, "cap": 2}}))
    assert text.startswith("below its minimum: holds 1 of the 2 cadres a class should have; ")


def test_a_part_is_explained_as_it_was_planned_with_its_pins_and_s6(tmp_path: Path) -> None:
    """A college's part re-planned against the proposal with a pin given on the command line:
    the explanation applies what plan.json records (the pin, the proposal's pairs), so the
    pinned pair is said to be fixed (not re-planned without its pin) and S6 Stay with the
    proposal decides among the rest; every alternative is checked against the part's data."""

    def run(*args: str | Path) -> str:
        result = CliRunner().invoke(cli, [str(a) for a in args])
        assert result.exit_code == 0, result.output
        return result.output

    proposal, part = tmp_path / "proposal", tmp_path / "C02"
    run("plan", "--data", DEMO, "--out", proposal, "--deterministic", "--quiet")
    run("approve", proposal, "--by", "学生处 王老师", "--data", DEMO)
    pin = "028168:class:2026C0201"
    adjust = ["--scope", "college=C02", "--held", proposal, "--require", pin]
    run("plan", "--data", DEMO, *adjust, "--out", part, "--deterministic", "--quiet")
    dataset = read_dataset(DEMO)
    pinned = explain_target(dataset, part, "2026C0201", alternatives=1)
    assert pinned.alternatives == []
    assert any("fixed by a require pin" in line for line in pinned.without)
    assert any(line.startswith("S6 Stay with the proposal: a change") for line in pinned.terms)
    a = pd.read_csv(part / "assignments.csv", dtype=str, encoding="utf-8-sig")
    other = a[(a["kind"] == "class") & (a["target_id"] != "2026C0201")].iloc[0]
    found = explain_target(dataset, part, str(other["target_id"]), alternatives=2)
    assert any("S6 Stay with the proposal: the proposal gives" in t for t in found.terms)
    meta = json.loads((part / "plan.json").read_text("utf-8"))
    planned = as_planned(dataset, meta)
    assert len(planned.base) and len(planned.pins) == len(dataset.pins) + 1
    scenario = scenario_from_dict(meta["scenario"])
    held = frozenset((k, t) for k, t in meta["held"])
    assert found.alternatives
    for alt in found.alternatives:
        assert alt.verdict in ("worse", "as good") and "stay" in alt.terms
        assert alt.assignments is not None
        pin = pd.DataFrame([{"cadre": alt.cadre_id, "kind": alt.kind, "target": alt.target_id,
                             "rule": "require", "row": 99}])  # fmt: skip
        pinned = replace(planned, pins=pd.concat([planned.pins, pin], ignore_index=True))
        report = check_assignments(
            pinned, scenario, alt.assignments, held=held, claimed_terms=alt.terms
        )
        assert report.ok, report.violations


# --- the alternatives' problems: derived from the plan's, as the data set would give them -------


def _pinned(dataset: Dataset, cadre_id: str, kind: str, target_id: str, rule: str) -> Dataset:
    """``dataset`` with one pin row added at the end of its pins table."""
    pins = dataset.pins
    row = int(pins["row"].max()) + 1 if len(pins) else 2
    extra = pd.DataFrame(
        [{"cadre": cadre_id, "kind": kind, "target": target_id, "rule": rule, "row": row}]
    )
    return replace(dataset, pins=pd.concat([pins, extra], ignore_index=True))


def _assert_same_problem(got: object, want: object) -> None:
    for name in ("cadres", "targets", "pools", "groups", "arcs", "keeps", "requires", "forbids"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), obj=name)
    assert got.held == want.held and got.notes == want.notes  # type: ignore[attr-defined]


@pytest.mark.parametrize("scenario_name", ["default", "full-engagement"])
def test_derived_problem_is_the_rebuilt_one(scenario_name: str, tmp_path: Path) -> None:
    """An alternative's problem, derived from the plan's (one pin added: a pool and a group
    split, an arc and a kept contact gone for a forbid pin), is frame for frame the problem
    that indexing the data set with the pin gives: pins of every kind of target, on cadres of
    shared pools and of pools of one, on last semester's contacts and on others."""
    from planner import api
    from planner.explain.why.alternatives import _near
    from planner.explain.why.derive import with_pin
    from planner.explain.why.index import load_plan
    from planner.solver.near import closeness
    from planner.solver.problem import build_problem

    dataset = read_dataset(DEMO)
    scenario = api.load_scenario(scenario_name)
    ix = load_plan(dataset, planned(dataset, tmp_path, scenario))
    p = ix.problem
    shared = p.pools.loc[~p.pools["singleton"] & (p.pools["size"] > 1)].index
    pairs = [(int(c), int(t)) for c, t in zip(p.keeps["cadre"], p.keeps["target"], strict=True)]
    for kind in ("class", "dorm", "society", "branch"):  # a shared pool's cadre on each kind
        arcs = p.arcs[p.arcs["pool"].isin(shared) & (p.arcs["kind"] == kind)]
        for a in arcs.index[:: max(1, len(arcs) // 3)][:3]:
            cadre = int(p.cadres.index[p.cadres["pool"] == arcs.loc[a, "pool"]][0])
            target = int(p.targets.index[p.targets["group"] == arcs.loc[a, "group"]][-1])
            pairs.append((cadre, target))
    # a shared pool, or group, of one cadre (target): its key changes, not only its size
    alone = p.pools.index[~p.pools["singleton"] & (p.pools["size"] == 1)]
    lone = p.groups.index[~p.groups["singleton"] & (p.groups["size"] == 1)]
    assert len(alone) and (len(lone) or scenario_name != "default")
    for pool, group in zip(alone[:3], [*lone[:2], 0, 0], strict=False):
        cadre = int(p.cadres.index[p.cadres["pool"] == pool][0])
        pairs.append((cadre, int(p.targets.index[p.targets["group"] == group][0])))
    singles = p.pools.loc[p.pools["singleton"], "cadre"].tolist()
    ends = [0, 5, len(p.targets) - 1]
    pairs += [(int(c), int(t)) for c, t in zip(singles[:3], ends, strict=False)]
    assert len(pairs) > 20
    for i, (cadre, target) in enumerate(pairs[::2] + pairs[1::2]):
        c, t = p.cadres.loc[cadre], p.targets.loc[target]
        if ix.pin_rows(c["id"], None, None, "require"):
            continue  # the explainer indexes the data set again for those
        rule = "require" if i % 2 else "forbid"
        changed = _pinned(ix.dataset, c["id"], t["kind"], t["id"], rule)
        row = int(changed.pins["row"].iloc[-1])
        derived = with_pin(p, changed, cadre, target, rule, row)
        rebuilt = build_problem(changed, ix.scenario, ix.held)
        _assert_same_problem(derived, rebuilt)
        # the tie-break to stay near the plan, from the plan's pairs as indices
        for got, want in zip(_near(ix, derived), closeness(rebuilt, ix.assignments), strict=True):
            np.testing.assert_array_equal(got, want)


def test_alternatives_of_the_derived_problem_are_those_of_the_rebuilt_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Explaining with the derived problems gives the very explanations (text and data, each
    alternative's plan) that indexing the data set for every alternative gives, and every
    alternative plan passes the independent checker with its pin."""
    import planner.explain.why.alternatives as alternatives
    from planner.solver.problem import build_problem

    dataset = read_dataset(DEMO)
    folder = planned(dataset, tmp_path)
    a = pd.read_csv(folder / "assignments.csv", dtype=str, encoding="utf-8-sig")
    targets = [a[a["kind"] == k].iloc[len(a[a["kind"] == k]) // 2] for k in ("class", "dorm")]
    kept = a[a["kept"] == "True"].iloc[0]

    def explain_all() -> list[Explanation]:
        found = [explain_target(dataset, folder, t["target_id"], t["kind"]) for t in targets]
        return [*found, explain_cadre(dataset, folder, kept["cadre_id"])]

    derived = explain_all()

    def rebuilt(problem: object, changed: Dataset, *_: object) -> object:
        return build_problem(changed, problem.scenario, problem.held)  # type: ignore[attr-defined]

    monkeypatch.setattr(alternatives, "with_pin", rebuilt)
    for got, want in zip(derived, explain_all(), strict=True):
        assert got.text() == want.text()
        assert {**got.as_dict(), "seconds": 0} == {**want.as_dict(), "seconds": 0}
        assert got.alternatives, got.text()
        for alt, same in zip(got.alternatives, want.alternatives, strict=True):
            assert alt.assignments is not None and same.assignments is not None
            pd.testing.assert_frame_equal(alt.assignments, same.assignments)
            assert_checked(dataset, alt)


def test_a_plan_is_indexed_once_per_data_set_and_plan_files(
    small_plan: tuple[Dataset, Path], tmp_path: Path
) -> None:
    """The plan's index is kept for the same data set and plan files; another data set object,
    or plan files changed, are indexed afresh."""
    from planner.explain.why.index import load_plan

    dataset, folder = small_plan
    first = load_plan(dataset, folder)
    again = load_plan(dataset, folder)
    assert again.problem is first.problem and again.solved is not first.solved
    assert load_plan(replace(dataset), folder).problem is not first.problem
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("assignments.csv", "plan.json"):
        (copy / name).write_bytes((folder / name).read_bytes())
    moved = load_plan(dataset, copy)
    assert moved.problem is not first.problem
    text = (copy / "assignments.csv").read_text("utf-8-sig").splitlines()
    (copy / "assignments.csv").write_text("\n".join(text[:-1]) + "\n", "utf-8-sig")
    changed = load_plan(dataset, copy)
    assert changed.problem is not moved.problem and len(changed.pairs) == len(moved.pairs) - 1
