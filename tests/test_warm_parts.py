"""A part re-planned with the proposal kept warm (:class:`planner.workflow.parts.WarmParts`, the
service's adjust step) against the same part re-planned cold: one path, the same plan.

``replan_part(..., warm=)`` reuses what does not change between a part's adjustments (held
targets, the pin authority's indexes, the capacity notes, the proposal's values on the part);
every re-plan must be as good as the cold one term by term (both proven optimal), keep the
pins, and pass the independent checker (``replan_part`` checks its plan; the tests check again,
against the data set the part was planned from).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import pairs

from planner import api
from planner.check.checker import check_assignments, check_plan
from planner.dataset import Dataset
from planner.errors import InfeasibleError, UsageError
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.plan_folder import with_pins
from planner.io.readers import read_dataset
from planner.plan import Plan
from planner.planning import make_plan
from planner.scenario import Scenario
from planner.workflow.parts import Replanned, WarmParts, replan_part
from planner.workflow.pins import parse_pins

Pin = tuple[str, str, str, str]
"""``(cadre, kind, target, rule)``."""


def _values(plan: Plan) -> dict[str, int]:
    return {name: int(term.value) for name, term in plan.terms.items()}


def _college_pins(proposal: Plan, college: str) -> list[list[Pin]]:
    """Adjustments of a college's part: none; a young teacher moved to a class of the college
    another cadre of it holds; a contact of the proposal forbidden; both at once."""
    a = proposal.assignments
    mine = a[(a["cadre_unit"] == college) & (a["cadre_college"] == college)]
    out: list[list[Pin]] = [[]]
    teachers = mine[(mine["role"] == "young_teacher") & (mine["kind"] != "class")]
    classes = mine[mine["kind"] == "class"]
    move: Pin | None = None
    if len(teachers) and len(classes):
        move = (teachers.iloc[0]["cadre_id"], "class", classes.iloc[-1]["target_id"], "require")
        out.append([move])
    if len(mine):
        row = mine.iloc[len(mine) // 2]
        forbid: Pin = (row["cadre_id"], row["kind"], row["target_id"], "forbid")
        out.append([forbid])
        if move is not None and forbid[0] != move[0] and forbid[2] != move[2]:
            out.append([move, forbid])
    return out


def _central_pins(proposal: Plan) -> list[list[Pin]]:
    """Adjustments of the central part: none; one central cadre given another one's target."""
    a = proposal.assignments
    central = a[a["cadre_college"].isna() & a["target_college"].notna()]
    if central["cadre_id"].nunique() < 2:
        return [[]]
    first = central.iloc[0]
    other = central[central["cadre_id"] != first["cadre_id"]].iloc[-1]
    return [[], [(first["cadre_id"], other["kind"], other["target_id"], "require")]]


def _pins(ds: Dataset, pins: list[Pin]) -> pd.DataFrame | None:
    if not pins:
        return None
    require = [f"{c}:{k}:{t}" for c, k, t, rule in pins if rule == "require"]
    forbid = [f"{c}:{k}:{t}" for c, k, t, rule in pins if rule == "forbid"]
    return parse_pins(ds, require, forbid)


def _assert_same(cold: Replanned, warm: Replanned, pins: list[Pin]) -> None:
    for replanned in (cold, warm):
        report = check_plan(replanned.plan, replanned.dataset, replanned.scenario)
        assert report.ok, report.violations
        assert replanned.plan.status == "OPTIMAL"
        for c, k, t, rule in pins:
            assert ((c, k, t) in pairs(replanned.plan)) == (rule == "require")
    assert _values(warm.plan) == _values(cold.plan)
    assert warm.base_hash == cold.base_hash
    assert warm.part.held == cold.part.held
    assert warm.plan.held == cold.plan.held
    assert warm.plan.capacity == cold.plan.capacity
    assert warm.plan.uncovered["reason"].tolist() == cold.plan.uncovered["reason"].tolist()


def _compare(ds: Dataset, scenario: Scenario, proposal: Plan, colleges: list[str]) -> int:
    """Cold and warm re-plans of the central part and of ``colleges``; how many compared."""
    warm = WarmParts(ds, scenario, proposal)
    compared = 0
    scopes = [("central", _central_pins(proposal))]
    scopes += [(f"college={c}", _college_pins(proposal, c)) for c in colleges]
    for scope, adjustments in scopes:
        for pins in adjustments:
            frame = _pins(ds, pins)
            cold = replan_part(ds, scenario, proposal, scope, pins=frame, deterministic=True)
            hot = replan_part(
                ds, scenario, proposal, scope, pins=frame, deterministic=True, warm=warm
            )
            _assert_same(cold, hot, pins)
            if not pins:  # S6: without pins the part is the proposal's, warm or cold
                assert pairs(hot.plan) == pairs(cold.plan)
            compared += 1
    return compared


@pytest.fixture(scope="module")
def demo_proposal(demo: Dataset) -> Plan:
    proposal = make_plan(demo, Scenario(), deterministic=True)
    assert check_plan(proposal, demo).ok
    return proposal


def test_warm_and_cold_re_plans_of_the_demo_parts_are_the_same(
    demo: Dataset, demo_proposal: Plan
) -> None:
    colleges = sorted(demo.colleges["id"])[:4]
    assert _compare(demo, Scenario(), demo_proposal, colleges) >= 12


@pytest.mark.parametrize(("preset", "scale", "seed"), [("demo", 0.5, 3), ("university", 0.2, 2)])
def test_warm_and_cold_re_plans_of_generated_parts_are_the_same(
    preset: str, scale: float, seed: int, tmp_path: Path
) -> None:
    write_tables(generate_tables(preset, seed=seed, scale=scale), tmp_path)
    ds = read_dataset(tmp_path)
    proposal = make_plan(ds, Scenario(), deterministic=True)
    assert check_plan(proposal, ds).ok
    colleges = sorted(ds.colleges["id"])
    assert _compare(ds, Scenario(), proposal, [colleges[0], colleges[len(colleges) // 2]]) >= 5


def test_a_warm_part_adjusted_again_and_again_keeps_the_rest_of_the_proposal(
    demo: Dataset, demo_proposal: Plan
) -> None:
    """The part's state is made once; each adjustment is relative to the proposal, and the
    part with the rest of the proposal still keeps every rule."""
    warm = WarmParts(demo, Scenario(), demo_proposal)
    college = "C01"
    scope = f"college={college}"
    adjustments = _college_pins(demo_proposal, college)
    assert len(adjustments) >= 3
    for pins in [*adjustments, *adjustments[::-1]]:
        frame = _pins(demo, pins)
        again = replan_part(demo, Scenario(), demo_proposal, scope, pins=frame, warm=warm)
        a = demo_proposal.assignments
        outside = a[a["cadre_college"].isna() | (a["cadre_unit"] != college)]
        whole = pd.concat([outside, again.plan.assignments], ignore_index=True)
        data = with_pins(demo, frame) if frame is not None else demo
        report = check_assignments(data, Scenario(), whole)
        assert report.ok, report.violations
    assert list(warm._parts) == [scope]


def test_warm_parts_refuse_another_proposal_data_or_rules(
    demo: Dataset, demo_proposal: Plan
) -> None:
    warm = WarmParts(demo, Scenario(), demo_proposal)
    other = demo_proposal.assignments.iloc[1:]
    with pytest.raises(ValueError, match="another proposal"):
        replan_part(demo, Scenario(), other, "college=C01", warm=warm)
    with pytest.raises(ValueError, match="other rules"):
        replan_part(demo, api.load_scenario("strict-campus"), demo_proposal, "central", warm=warm)
    tiny = api.load_data(Path(__file__).parent / "data" / "tiny")
    with pytest.raises(ValueError, match="another data set"):
        replan_part(tiny, Scenario(), demo_proposal, "central", warm=warm)
    # The proposal's assignments (not the plan) fit too: nothing is taken as proven then.
    frame = WarmParts(demo, Scenario(), demo_proposal.assignments)
    assert not frame.optimal
    assert frame.part("college=C01").proven is None
    assert warm.part("college=C01").proven is not None


def test_a_warm_part_refuses_pins_outside_its_authority_as_the_cold_one_does(
    demo: Dataset, demo_proposal: Plan
) -> None:
    a = demo_proposal.assignments
    other = a[(a["cadre_unit"] == "C02")].iloc[0]
    pins = parse_pins(demo, [f"{other['cadre_id']}:{other['kind']}:{other['target_id']}"], [])
    warm = WarmParts(demo, Scenario(), demo_proposal)
    messages = []
    for state in (None, warm):
        with pytest.raises(UsageError) as caught:
            replan_part(demo, Scenario(), demo_proposal, "college=C01", pins=pins, warm=state)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert "outside the authority of" in messages[0]


def test_a_warm_part_derives_the_very_problem_indexing_would_give(
    demo: Dataset, demo_proposal: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An adjustment's problem is the warm part's kept problem with the adjustment's pins,
    pin after pin, when each names a cadre and a target no earlier pin names: frame for frame
    what indexing the part's data set gives. Pins naming a cadre twice (and targets out of the
    part's problem) index it again, with the same result."""
    from test_replan import _assert_same_problem

    from planner.solver.problem import build_problem
    from planner.workflow import parts as parts_module
    from planner.workflow.parts import part_dataset

    warm = WarmParts(demo, Scenario(), demo_proposal)
    seen = {True: 0, False: 0}
    indexed: list[int] = []
    for college in sorted(demo.colleges["id"])[:4]:
        scope = f"college={college}"
        applied = Scenario().with_changes(scope=scope)
        adjustments = _college_pins(demo_proposal, college)
        moves = [p for pins in adjustments for p in pins]
        if len(moves) >= 2:  # one cadre named twice
            adjustments.append([moves[0], (moves[0][0], moves[-1][1], moves[-1][2], "forbid")])
        for pins in adjustments:
            kept = warm.part(scope)
            frame = _pins(demo, pins)
            part = kept.with_pins(demo, applied, frame)
            planned = part_dataset(demo, part)
            indexed.clear()
            monkeypatch.setattr(
                parts_module,
                "build_problem",
                lambda *a, **k: indexed.append(1) or build_problem(*a, **k),
            )
            got = kept.problem_of(planned, len(part.pins))
            monkeypatch.undo()
            cadres = [c for c, *_ in pins]
            derivable = len(set(cadres)) == len(cadres)
            assert (indexed == []) == derivable, pins
            seen[derivable] += 1
            _assert_same_problem(got, build_problem(planned, applied, part.held))
    assert seen[True] >= 8 and seen[False] >= 1


def test_an_impossible_adjustment_of_a_warm_part_says_what_the_cold_one_says(
    demo: Dataset, demo_proposal: Plan
) -> None:
    """A warm part runs the cheap infeasibility checks only when the flow does not settle its
    re-plan (progress shown or not): two of a college's cadres required on one of its classes
    get the very words of the cold re-plan, which checks first."""
    a = demo_proposal.assignments
    college = sorted(demo.colleges["id"])[0]
    mine = a[(a["cadre_unit"] == college) & (a["cadre_college"] == college)]
    cls = mine[mine["kind"] == "class"].iloc[0]
    other = mine[mine["cadre_id"] != cls["cadre_id"]].iloc[0]
    pins = [
        (cls["cadre_id"], "class", cls["target_id"], "require"),
        (other["cadre_id"], "class", cls["target_id"], "require"),
    ]
    scope, frame = f"college={college}", _pins(demo, pins)
    warm = WarmParts(demo, Scenario(), demo_proposal)
    with pytest.raises(InfeasibleError) as cold:
        replan_part(demo, Scenario(), demo_proposal, scope, pins=frame, deterministic=True)
    said: list[str] = []
    with pytest.raises(InfeasibleError) as hot:
        replan_part(
            demo, Scenario(), demo_proposal, scope, pins=frame, warm=warm, progress=said.append
        )
    assert str(hot.value) == str(cold.value) and str(cold.value)
