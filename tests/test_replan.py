"""Re-planning a warm plan (:mod:`planner.workflow.replan`): the service's adjust step.

A re-plan must be as good as a plan made from scratch with the same changes, term by term
(both are proven optimal), stay near the base plan among equally good plans, skip the CP-SAT
stages only when their optimum provably did not move, and pass the independent checker
(:meth:`WarmPlan.replan` checks every plan it returns; the tests check again).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import cadre, klass, make_dataset

from planner import api
from planner.check.checker import check_plan
from planner.dataset import Dataset
from planner.errors import InfeasibleError, UsageError
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import read_dataset
from planner.plan import Plan
from planner.scenario import Scenario
from planner.solver import stages
from planner.solver.flow.search import central_spread_least, flow_solution
from planner.solver.near import closeness
from planner.solver.problem import Problem, build_problem
from planner.solver.terms import active_terms, central_spread
from planner.workflow import replan as replan_module
from planner.workflow.replan import Changes, WarmPlan, warm_plan

DEMO = Path(__file__).resolve().parent.parent / "data" / "demo"


@pytest.fixture(scope="module")
def demo() -> Dataset:
    return api.load_data(DEMO)


@pytest.fixture(scope="module")
def warm(demo: Dataset) -> WarmPlan:
    return warm_plan(demo, api.load_scenario("default"))


def _pairs(plan: Plan) -> set[tuple[str, str, str]]:
    a = plan.assignments
    return set(zip(a["cadre_id"], a["kind"], a["target_id"], strict=True))


def _values(plan: Plan) -> dict[str, int]:
    return {name: int(term.value) for name, term in plan.terms.items()}


def _a_move(plan: Plan) -> tuple[str, str, str]:
    """A young teacher of a college, and a class of that college held by someone else."""
    a = plan.assignments
    teacher = a[(a["role"] == "young_teacher") & (a["kind"] == "dorm")].iloc[0]
    college = teacher["cadre_college"]
    other = a[(a["kind"] == "class") & (a["target_college"] == college)].iloc[0]
    return str(teacher["cadre_id"]), "class", str(other["target_id"])


def test_a_pin_re_plans_as_well_as_a_plan_made_from_scratch(warm: WarmPlan) -> None:
    pin = _a_move(warm.plan)
    again = warm.replan(require=[pin])
    assert pin in _pairs(again)
    changed = warm.changed_dataset(Changes(require=(":".join(pin),)))
    assert check_plan(again, changed).ok
    cold = api.solve(changed, "default", deterministic=True)
    assert again.status == cold.status == "OPTIMAL"
    assert _values(again) == _values(cold)
    # Near the base plan: no more pairs change than in the plan made from scratch.
    assert len(_pairs(again) ^ _pairs(warm.plan)) <= len(_pairs(cold) ^ _pairs(warm.plan))


def test_changes_are_relative_to_the_base_plan(warm: WarmPlan) -> None:
    pin = _a_move(warm.plan)
    first = warm.replan(require=[pin])
    second = warm.replan()
    assert _pairs(second) == _pairs(warm.plan)
    assert _values(second) == _values(warm.plan)
    assert pin in _pairs(first)


def test_a_pin_the_plan_keeps_anyway_gives_the_same_plan(warm: WarmPlan) -> None:
    """Forbidding a pair the plan does not use only restricts the plans: the base plan is
    still among them, and nothing is better."""
    a = warm.plan.assignments
    cadre, kind, target = (
        a.iloc[0]["cadre_id"],
        "dorm",
        a[a["kind"] == "dorm"].iloc[-1]["target_id"],
    )
    assert (cadre, kind, target) not in _pairs(warm.plan)
    assert _pairs(warm.replan(forbid=[(cadre, kind, target)])) == _pairs(warm.plan)


def test_stages_are_skipped_only_when_their_optimum_provably_did_not_move(
    warm: WarmPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pin that costs nothing (a tie) restricts the plans, and the new plan reaches the
    base plan's values: CP-SAT (S5) is not run. A pin that costs something runs it."""
    calls: list[str] = []
    real = stages.solve_with_cpsat

    def counted(*args: object, **kwargs: object) -> object:
        calls.append("cp-sat")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stages, "solve_with_cpsat", counted)
    a = warm.plan.assignments
    # Two cadres of one pool swapping equal targets: a tie.
    dorms = a[(a["kind"] == "dorm") & ~a["kept"]]
    first = dorms.iloc[0]
    twin = dorms[
        (dorms["role"] == first["role"])
        & (dorms["cadre_unit"] == first["cadre_unit"])
        & (dorms["cadre_campus"] == first["cadre_campus"])
        & (dorms["cadre_id"] != first["cadre_id"])
    ]
    if twin.empty:
        pytest.skip("no two interchangeable cadres in the demo plan")
    swap = (str(twin.iloc[0]["cadre_id"]), "dorm", str(first["target_id"]))
    again = warm.replan(require=[swap])
    assert _values(again) == _values(warm.plan)
    assert again.status == "OPTIMAL"
    central = [s for s in again.stages if s["term"] == "central_spread"]
    assert central and central[0]["status"] == "OPTIMAL"
    assert calls == []
    warm.replan(require=[_a_move(warm.plan)])
    assert calls == ["cp-sat"]


def test_a_cadre_on_leave_holds_nothing_and_the_plan_stays_optimal(warm: WarmPlan) -> None:
    a = warm.plan.assignments
    leaving = str(a[a["kind"] == "class"].iloc[0]["cadre_id"])
    again = warm.replan(unavailable=[leaving])
    assert leaving not in set(again.assignments["cadre_id"])
    changed = warm.changed_dataset(Changes(unavailable=frozenset({leaving})))
    assert not changed.cadres.set_index("id").at[leaving, "available"]
    cold = api.solve(changed, "default", deterministic=True)
    assert _values(again) == _values(cold)
    assert check_plan(again, changed).ok


def test_impossible_changes_say_why(warm: WarmPlan) -> None:
    a = warm.plan.assignments
    first, second = a.iloc[0], a.iloc[1]
    with pytest.raises(InfeasibleError):
        warm.replan(
            require=[
                (first["cadre_id"], first["kind"], first["target_id"]),
                (second["cadre_id"], first["kind"], first["target_id"]),
            ]
        )
    with pytest.raises(UsageError, match="unknown cadre"):
        warm.replan(require=[("no-such-cadre", "class", first["target_id"])])
    with pytest.raises(UsageError, match="unknown cadre"):
        warm.replan(unavailable=["no-such-cadre"])


def test_impossible_changes_say_the_same_as_a_plan_made_from_scratch(warm: WarmPlan) -> None:
    """A warm re-plan runs the cheap checks only when the flow does not settle the plan; an
    impossible change still gets the very words of a plan made from scratch (checks first)."""
    from planner.planning import make_plan

    a = warm.plan.assignments
    first, second = a.iloc[0], a.iloc[1]
    other = a[(a["cadre_college"].notna()) & (a["target_college"] != first["cadre_college"])]
    other = other[other["target_college"].notna() & (other["kind"] != "society")].iloc[0]
    impossible = [
        Changes(
            require=(
                f"{first['cadre_id']}:{first['kind']}:{first['target_id']}",
                f"{second['cadre_id']}:{first['kind']}:{first['target_id']}",
            )
        ),
        # H3: a college's cadre required on another college's target.
        Changes(require=(f"{first['cadre_id']}:{other['kind']}:{other['target_id']}",)),
    ]
    for changes in impossible:
        with pytest.raises(InfeasibleError) as warm_error:
            warm.replan(require=changes.require, forbid=changes.forbid)
        dataset = warm.changed_dataset(changes)
        with pytest.raises(InfeasibleError) as cold_error:
            make_plan(dataset, warm.scenario, deterministic=True)
        assert str(warm_error.value) == str(cold_error.value)
        assert str(warm_error.value)


def test_a_pin_the_plan_keeps_anyway_says_why_targets_stay_uncovered_with_it() -> None:
    """The shortcut (the base plan keeps the new pins) gives the base plan's pairs, and the
    reasons of its uncovered targets are those of the new problem: a forbid pin that takes
    away the last cadre who could hold a target is named."""
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C1")],
    )
    warm = warm_plan(ds, Scenario())
    assert len(warm.plan.uncovered) == 1
    left = str(warm.plan.uncovered.iloc[0]["target_id"])
    assert "pins" not in warm.plan.uncovered.iloc[0]["reason"]
    again = warm.replan(forbid=[("P1", "class", left), ("P2", "class", left)])
    assert _pairs(again) == _pairs(warm.plan)
    reason = again.uncovered.set_index("target_id").at[left, "reason"]
    assert "forbid" in reason, reason
    changed = warm.changed_dataset(Changes(forbid=(f"P1:class:{left}", f"P2:class:{left}")))
    assert check_plan(again, changed).ok
    # The base plan is unchanged, its reasons too.
    assert "pins" not in warm.plan.uncovered.iloc[0]["reason"]


@pytest.fixture(scope="module")
def small_university(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """A generated university, a fifth of the size."""
    folder = tmp_path_factory.mktemp("university")
    write_tables(generate_tables("university", seed=2, scale=0.2), folder)
    return read_dataset(folder)


@pytest.fixture(scope="module", params=["default", "no H4"])
def university(request: pytest.FixtureRequest, small_university: Dataset) -> WarmPlan:
    """Its plan kept warm, under the default rules and without H4 (school leaders spread out):
    at this size H4 makes the flow's terms costlier, so only the second lets the flows
    settle S5 (at full size H4 costs nothing and the default rules do)."""
    scenario = api.load_scenario("default")
    if request.param == "no H4":
        scenario = scenario.with_changes(school_leader_spread=None)
    plan = warm_plan(small_university, scenario)
    assert check_plan(plan.plan, small_university).ok
    return plan


def _university_changes(plan: Plan) -> list[dict[str, list[Any]]]:
    """Changes of several kinds, each relative to the base plan: pins added (one, two), a pin
    removed again (the one pin of the two), a forbid pin, a cadre on leave, one on leave with
    a pin."""
    a = plan.assignments
    teachers = a[(a["role"] == "young_teacher") & (a["kind"] == "dorm")]
    moves = []
    for college in sorted(set(teachers["cadre_college"].dropna())):
        mine = teachers[teachers["cadre_college"] == college]
        theirs = a[(a["kind"] == "class") & (a["target_college"] == college)]
        if len(mine) and len(theirs):
            moves.append((str(mine.iloc[0]["cadre_id"]), "class", str(theirs.iloc[0]["target_id"])))
        if len(moves) == 3:
            break
    held = a.iloc[len(a) // 3]
    leaving = str(a[a["kind"] == "class"].iloc[-1]["cadre_id"])
    return [
        {"require": [moves[0]]},
        {"require": [moves[1], moves[2]]},
        {"require": [moves[1]]},
        {"forbid": [(str(held["cadre_id"]), str(held["kind"]), str(held["target_id"]))]},
        {"unavailable": [leaving]},
        {"require": [moves[0]], "unavailable": [leaving]},
    ]


def test_warm_and_cold_university_re_plans_are_the_same_plan_and_as_good_as_from_scratch(
    university: WarmPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan kept warm across re-plans and a fresh one give the same plan for every kind of
    change; its terms equal a plan made from scratch (CP-SAT decides S5 there) even where the
    re-plan settled S5 by flows alone; every plan passes the checker."""
    calls: list[str] = []
    real = stages.solve_with_cpsat

    def counted(*args: object, **kwargs: object) -> object:
        calls.append("cp-sat")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(stages, "solve_with_cpsat", counted)
    skipped = 0
    for change in _university_changes(university.plan):
        before = len(calls)
        again = university.replan(**change)
        settled_by_flows = len(calls) == before
        fresh = WarmPlan.from_plan(university.dataset, university.scenario, university.plan)
        assert _pairs(fresh.replan(**change)) == _pairs(again)
        changed = university.changed_dataset(
            Changes(
                require=tuple(":".join(p) for p in change.get("require", [])),
                forbid=tuple(":".join(p) for p in change.get("forbid", [])),
                unavailable=frozenset(change.get("unavailable", [])),
            )
        )
        report = check_plan(again, changed)
        assert report.ok, report.violations
        cold = api.solve(changed, university.scenario, deterministic=True)
        assert check_plan(cold, changed).ok
        assert again.status == cold.status == "OPTIMAL"
        assert _values(again) == _values(cold)
        for pin in change.get("require", []):
            assert pin in _pairs(again)
        skipped += settled_by_flows
    if university.scenario.school_leader_spread is None:
        assert skipped >= 1  # the flows settled S5 (pins that cost continuity)


def test_s5_is_settled_by_flows_only_with_a_proof(university: WarmPlan) -> None:
    """:func:`central_spread_least` proves S5 for a re-plan's flow plan only when it is the
    optimum (without H4 it finds the proof for some pins), and never for a plan with more
    central cadres in its busiest college than the optimum."""
    proofs = 0
    for change in _university_changes(university.plan)[:3]:
        pins = tuple(":".join(p) for p in change["require"])
        dataset = university.changed_dataset(Changes(require=pins))
        problem = build_problem(dataset, university.scenario)
        terms = active_terms(problem)
        flow = flow_solution(problem, terms, closeness(problem, university.plan.assignments))
        assert flow is not None and flow.exact
        cold = api.solve(dataset, university.scenario, deterministic=True)
        optimum = _values(cold)["central_spread"]
        spread = central_spread(problem, flow.y, flow.keep)
        proved = central_spread_least(problem, terms, flow)
        assert spread >= optimum
        assert spread == optimum or not proved
        proofs += proved
        # The same counts with one more central contact in a busiest college prove nothing.
        worse = _one_more_central(problem, flow.y, flow.keep)
        assert worse is not None
        assert not central_spread_least(problem, terms, dataclasses.replace(flow, y=worse))
    if university.scenario.school_leader_spread is None:
        assert proofs >= 1  # H4 costs nothing: the relaxation proves the optimum


def _one_more_central(problem: Problem, y: np.ndarray, keep: np.ndarray) -> np.ndarray | None:
    """``y`` with one more central contact in a busiest college (counts, not a plan)."""
    arcs = problem.arcs
    central = arcs["central"].to_numpy(bool) & arcs["college"].notna().to_numpy()
    spread = central_spread(problem, y, keep)
    for arc in np.flatnonzero(central):
        worse = np.asarray(y).copy()
        worse[arc] += 1
        if central_spread(problem, worse, keep) == spread + 1:
            return worse
    return None


def test_a_pin_re_plan_derives_the_very_problem_indexing_would_give(
    university: WarmPlan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """For pins (one or several) each on a cadre and a target no earlier pin names, the
    re-plan's problem is the base problem with those pins, pin after pin
    (:class:`~planner.explain.why.derive.Deriver`): frame for frame the problem of the changed
    data set indexed again. Pins naming a cadre or target twice, and other changes, index it
    again (and give the same frames, of course)."""
    pins_only = [c for c in _university_changes(university.plan) if set(c) <= {"require", "forbid"}]
    assert {len(p) for c in pins_only for p in c.values()} == {1, 2}
    first = pins_only[0]["require"][0]
    a = university.plan.assignments
    held = a[(a["kind"] == first[1]) & (a["target_id"] == first[2])].iloc[0]
    twice = {"require": [first], "forbid": [(str(held["cadre_id"]), first[1], first[2])]}
    assert twice["forbid"][0][0] != first[0]
    indexed: list[int] = []
    for change, derived in [*((c, True) for c in pins_only), (twice, False)]:
        changes = Changes(
            require=tuple(":".join(p) for p in change.get("require", [])),
            forbid=tuple(":".join(p) for p in change.get("forbid", [])),
        )
        dataset = university.changed_dataset(changes)
        university._base_problem()
        indexed.clear()
        monkeypatch.setattr(
            replan_module,
            "build_problem",
            lambda *a, **k: indexed.append(1) or build_problem(*a, **k),
        )
        got = university.problem_for(dataset, changes)
        monkeypatch.undo()
        assert (indexed == []) == derived, change
        _assert_same_problem(got, build_problem(dataset, university.scenario, university.held))


def _assert_same_problem(got: Problem, want: Problem) -> None:
    """Frame for frame the same indexed problem."""
    import pandas as pd

    for name in ("cadres", "targets", "pools", "groups", "arcs", "keeps", "requires", "forbids"):
        pd.testing.assert_frame_equal(getattr(got, name), getattr(want, name), obj=name)
    assert got.held == want.held and got.notes == want.notes
    assert got.dataset is want.dataset and got.scenario == want.scenario
