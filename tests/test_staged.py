"""The staged protocol's functions (propose globally, adjust locally, merge), and the property
it exists for: the flow, run with no pins, gives the whole-university plan term by term.

Issue 14, item 1: central plan → colleges with ``--held`` → merge lost coverage and fixed
contacts against one whole-university plan of the same data. The property test runs the new
flow (:func:`planner.workflow.parts.replan_part` for the central part and every college,
then :func:`planner.workflow.merge.merge_parts`) on generated universities of three sizes and
several seeds; every plan is checked by the independent checker (``replan_part`` and
``merge_parts`` check theirs; the proposal is checked here).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import cadre, klass, make_dataset, pairs, scn, society, solve_and_check

from planner.check.checker import check_plan
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import read_dataset
from planner.plan import Plan
from planner.planning import make_plan
from planner.scenario import Scenario
from planner.workflow.merge import MergeConflictError, PartPlan, merge_parts
from planner.workflow.parts import make_part, pairs_hash, replan_part
from planner.workflow.pins import parse_pins


def _part_plan(replanned_plan: Plan, scope: str, base: Plan, label: str) -> PartPlan:
    return PartPlan(scope, replanned_plan.assignments, label, pairs_hash(base))


# --------------------------------------------------------------------------------------------
# Small cases


def _two_colleges() -> Dataset:
    """Two colleges on campus A, one cadre and one class each, and a university-level society
    on A: covering it costs a class, so the proposal may leave either one uncovered."""
    return make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C2")],
        classes=[klass("K1", "C1"), klass("K2", "C2")],
        societies=[society("S", None)],
    )


def test_a_college_part_may_take_a_university_society_of_its_campus() -> None:
    """Issue 14, item 1: a college whose cadres outnumber its own targets could not be planned
    (exit 3) although H3 lets them hold a university-level society of their campus."""
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1")],
        societies=[society("S", None), society("F", None, campus="B")],
    )
    proposal = solve_and_check(ds)
    replanned = replan_part(ds, Scenario(), proposal, "college=C1", deterministic=True)
    assert pairs(replanned.plan) == pairs(proposal) == {
        ("P1", "class", "K1"),
        ("P2", "society", "S"),
    } or pairs(replanned.plan) == pairs(proposal)
    # F is on campus B, where no cadre of C1 works: not the college's (held, not uncovered).
    assert ("society", "F") in replanned.plan.held
    assert replanned.plan.uncovered.empty


def test_a_part_without_pins_stays_with_the_proposal_among_equal_plans() -> None:
    """S6: any of P1, P2 could hold K1 or K2 at equal cost; re-planned, the part keeps the
    proposal's choice, and S6 counts it."""
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
    )
    proposal = solve_and_check(ds)
    for swap in (False, True):
        base = proposal.assignments.copy()
        if swap:  # the other equal plan as the proposal: the part must follow it too
            base["cadre_id"] = base["cadre_id"].map({"P1": "P2", "P2": "P1"})
        replanned = replan_part(ds, Scenario(), base, "college=C1", deterministic=True)
        got = set(zip(*(replanned.plan.assignments[c] for c in base.columns[:3]), strict=True))
        assert got == set(zip(*(base[c] for c in base.columns[:3]), strict=True))
        assert replanned.plan.terms["stay"].value == 2
        assert check_plan(replanned.plan, replanned.dataset).ok


def test_a_pin_moves_only_what_it_must() -> None:
    ds = make_dataset(
        cadres=[cadre(f"P{i}", "professor", "C1") for i in range(1, 6)],
        classes=[klass(f"K{i}", "C1") for i in range(1, 6)],
    )
    proposal = solve_and_check(ds)
    a = proposal.assignments
    holder = dict(zip(a["target_id"], a["cadre_id"], strict=True))
    mover = holder["K1"]
    target = "K2"
    pins = parse_pins(ds, [f"{mover}:class:{target}"], [])
    replanned = replan_part(ds, Scenario(), proposal, "college=C1", pins=pins, deterministic=True)
    changed = pairs(replanned.plan) ^ pairs(proposal)
    assert {c for c, _, _ in changed} == {mover, holder["K2"]}  # a swap, nothing else
    assert replanned.plan.terms["stay"].value == 3


def test_pins_outside_the_part_are_refused_naming_why() -> None:
    ds = make_dataset(
        cadres=[
            cadre("L1", "school_leader"),
            cadre("P1", "professor", "C1"),
            cadre("P2", "professor", "C2"),
        ],
        classes=[klass("K1", "C1"), klass("K2", "C2"), klass("K3", "C1")],
        societies=[society("F", None, campus="B")],
    )
    proposal = solve_and_check(ds)
    by_leader = proposal.assignments.set_index("cadre_id").loc["L1", "target_id"]
    pins = parse_pins(
        ds,
        [f"P1:class:{by_leader}", "P2:class:K3", "P1:society:F"],
        ["P1:class:K2", "L1:class:K1"],
    )
    with pytest.raises(UsageError) as caught:
        make_part(ds, scn(scope="college=C1"), proposal, "college=C1", pins)
    lines = str(caught.value).splitlines()
    assert len(lines) == 5
    assert all("outside the authority of the part of 学院C1 (C1)" in line for line in lines)
    assert f"the proposal gives class {by_leader} to cadre L1, a central cadre" in lines[0]
    assert "cadre P2 is placed by 学院C2 (C2)" in lines[1]
    assert "society F is on campus B, where none of this college's cadres works" in lines[2]
    assert "class K2 belongs to 学院C2 (C2)" in lines[3]
    assert "cadre L1 is placed by the Student Affairs Office" in lines[4]
    central = parse_pins(ds, ["P1:class:K1"], [])
    with pytest.raises(UsageError, match="cadre P1 is placed by 学院C1"):
        make_part(ds, scn(scope="central"), proposal, "central", central)


def test_two_colleges_taking_one_society_is_one_conflict_naming_both() -> None:
    ds = _two_colleges()
    proposal = solve_and_check(ds)
    assert pairs(proposal) == {("P1", "class", "K1"), ("P2", "class", "K2")}
    parts = []
    for cadre_id, college in (("P1", "C1"), ("P2", "C2")):
        pins = parse_pins(ds, [f"{cadre_id}:society:S"], [])
        scope = f"college={college}"
        replanned = replan_part(ds, Scenario(), proposal, scope, pins=pins, deterministic=True)
        parts.append(PartPlan(scope, replanned.plan.assignments, f"part {college}",
                              replanned.base_hash, pins=pins))  # fmt: skip
    with pytest.raises(MergeConflictError) as caught:
        merge_parts(ds, Scenario(), proposal, parts)
    lines = caught.value.lines()
    assert lines[0] == "The plans cannot be merged: 1 conflict; nothing was written."
    assert (
        lines[2] == "  - society S is taken by two parts: cadre P1 in part C1; cadre P2 in part C2"
    )
    merged = merge_parts(ds, Scenario(), proposal, parts[:1])
    assert pairs(merged.plan) == {("P1", "society", "S"), ("P2", "class", "K2")}
    assert check_plan(merged.plan, merged.dataset).ok
    assert merged.kept == ["central", "college=C2"]


def test_merge_refuses_a_part_of_another_proposal_or_other_rules() -> None:
    ds = _two_colleges()
    proposal = solve_and_check(ds)
    replanned = replan_part(ds, Scenario(), proposal, "college=C1", deterministic=True)
    other = PartPlan("college=C1", replanned.plan.assignments, "C1", "0" * 64)
    rules = PartPlan(
        "college=C2",
        replan_part(ds, Scenario(), proposal, "college=C2").plan.assignments,
        "C2",
        pairs_hash(proposal),
        scenario=scn(campus="hard"),
    )
    with pytest.raises(MergeConflictError) as caught:
        merge_parts(ds, Scenario(), proposal, [other, rules])
    text = "\n".join(caught.value.lines())
    assert "C1 was re-planned against another proposal" in text
    assert "C2 was planned under other rules than the proposal (campus)" in text


def test_pairs_hash_is_about_the_pairs_only() -> None:
    a = pd.DataFrame({"cadre_id": ["1", "2"], "kind": ["class", "dorm"], "target_id": ["x", "y"]})
    b = a.iloc[::-1].assign(extra=1)
    assert pairs_hash(a) == pairs_hash(b) != pairs_hash(a.iloc[:1])


# --------------------------------------------------------------------------------------------
# The property


def generated(preset: str, scale: float, seed: int, folder: Path) -> Dataset:
    """A generated university, written as CSV files and read as a user's data would be."""
    write_tables(generate_tables(preset, seed=seed, scale=scale), folder)
    return read_dataset(folder)


def _flow(ds: Dataset, scenario: Scenario) -> tuple[Plan, Plan, dict[str, Plan]]:
    """The proposal, the merged plan, and each part's own plan: the README's flow, no pins."""
    proposal = make_plan(ds, scenario, deterministic=True)
    assert check_plan(proposal, ds, scenario).ok
    scopes = ["central", *(f"college={c}" for c in sorted(ds.colleges["id"]))]
    parts = {}
    for scope in scopes:
        replanned = replan_part(ds, scenario, proposal, scope, deterministic=True)
        parts[scope] = replanned.plan
    merged = merge_parts(
        ds,
        scenario,
        proposal,
        [_part_plan(plan, scope, proposal, scope) for scope, plan in parts.items()],
    )
    assert check_plan(merged.plan, merged.dataset).ok
    return proposal, merged.plan, parts


SIZES = [
    ("demo", 0.3, 1),
    ("demo", 0.3, 2),
    ("demo", 0.3, 3),
    ("demo", 1.0, 1),
    ("demo", 1.0, 4),
    ("university", 0.35, 1),
    ("university", 0.35, 2),
]
"""(preset, scale, seed): about 120, 400 and 1,050 cadres."""


@pytest.mark.parametrize(("preset", "scale", "seed"), SIZES)
def test_the_staged_flow_equals_the_whole_university_plan(
    preset: str, scale: float, seed: int, tmp_path: Path
) -> None:
    ds = generated(preset, scale, seed, tmp_path)
    scenario = Scenario()
    proposal, merged, parts = _flow(ds, scenario)
    assert proposal.status == "OPTIMAL"
    whole = {name: term.value for name, term in proposal.terms.items()}
    assert {name: term.value for name, term in merged.terms.items()} == whole
    assert pairs(merged) == pairs(proposal)  # S6: every part stayed with the proposal
    covered = {(k, t) for _, k, t in pairs(proposal)}
    assert {(k, t) for _, k, t in pairs(merged)} == covered
    # Each college's own summary tells its own uncovered targets, as the university plan does.
    uncovered = proposal.uncovered
    for scope, plan in parts.items():
        assert plan.status == "OPTIMAL", scope
        assert plan.terms["stay"].value == len(plan.assignments)
        college = scope.removeprefix("college=")
        if scope == "central":
            continue
        own = set(uncovered.loc[uncovered["target_college"] == college, "target_id"])
        said = set(plan.uncovered.loc[plan.uncovered["target_college"] == college, "target_id"])
        assert said == own, scope
        assert set(plan.uncovered["target_id"]) <= set(uncovered["target_id"])


@pytest.mark.parametrize(
    ("name", "scale", "seed"), [("full-engagement", 0.15, 7), ("strict-campus", 0.3, 5)]
)
def test_the_staged_flow_equals_the_whole_plan_under_other_rules(
    name: str, scale: float, seed: int, tmp_path: Path
) -> None:
    from planner import api

    ds = generated("demo", scale, seed, tmp_path)
    scenario = api.load_scenario(name)
    proposal, merged, _parts = _flow(ds, scenario)
    whole = {n: t.value for n, t in proposal.terms.items()}
    assert {n: t.value for n, t in merged.terms.items()} == whole
    assert pairs(merged) == pairs(proposal)
