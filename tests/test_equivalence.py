"""The fast model and the straightforward formulation reach the same lexicographic optimum.

:func:`planner.planning.make_plan` (pools × groups, the flow fast path, the decomposition) and
:func:`planner.solver.reference.reference_plan` (one Boolean per eligible cadre–target pair) are two
separate implementations of ``shared/spec/policy.md``. On small generated data sets and on
hand-made ones, under the default policy and several variants, both must prove the same value
for every priority stage (a lexicographic optimum is unique in its values, not in its pairs;
in weighted mode the weighted objective is), both plans must pass the independent checker, and
when one says the hard rules cannot all hold, so must the other.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import branch, cadre, dorm, klass, make_dataset, scn, society

from planner.check.checker import check_assignments
from planner.dataset import Dataset
from planner.errors import InfeasibleError
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import read_dataset
from planner.planning import make_plan
from planner.scenario import Scenario, load_scenario
from planner.solver.problem import build_problem
from planner.solver.reference import ReferenceResult, reference_plan
from planner.solver.solve import one_target_hint

ROOT = Path(__file__).resolve().parent.parent
TINY = ROOT / "tests" / "data" / "tiny"
FULL_ENGAGEMENT = load_scenario(ROOT / "scenarios" / "full-engagement.yaml").as_dict()

INSTANCES = {"demo-s3-x0.1": (3, 0.1), "demo-s5-x0.12": (5, 0.12), "demo-s7-x0.15": (7, 0.15)}
"""Generated data sets: (seed, scale) of the demo preset (40 to 60 cadres)."""

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "strict-campus": {"campus": "hard"},
    "full-engagement": FULL_ENGAGEMENT,
    "weighted": {"priorities": "weighted"},
    "other-order": {"order": ["campus", "dorm_priority", "coverage", "central_spread"]},
    "dorm-gender-soft": {"dorm_gender": "soft", "order": ["coverage", "dorm_gender"]},
    "branch-coverage-hard": {"kinds": {"branch": {"coverage": "hard"}}},
    "class-min-2": {"kinds": {"class": {"min": 2, "cap": 2, "weight": 3}}},
    "duty-ranges": {
        "duties": {
            "default": {"total": [0, 2]},
            "professor": {"total": 1, "per_kind": {"dorm": 0}},
        }
    },
    "by-residents-no-h4": {"dorm_priority": {"by": "residents"}, "school_leader_spread": None},
}

CASES = [
    ("demo-s3-x0.1", "default"),
    ("demo-s3-x0.1", "strict-campus"),
    ("demo-s3-x0.1", "full-engagement"),
    ("demo-s3-x0.1", "other-order"),
    ("demo-s3-x0.1", "dorm-gender-soft"),
    ("demo-s3-x0.1", "branch-coverage-hard"),
    ("demo-s3-x0.1", "duty-ranges"),
    ("demo-s3-x0.1", "by-residents-no-h4"),
    ("demo-s5-x0.12", "weighted"),
    ("tiny", "class-min-2"),
    ("demo-s7-x0.15", "full-engagement"),
    ("tiny", "default"),
    ("tiny", "full-engagement"),
]


def _infeasible_datasets() -> dict[str, tuple[Dataset, Scenario]]:
    """Hand-made data sets whose hard rules cannot all hold, each with its scenario."""
    two_on_one_class = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        previous=[("P1", "class", "K1"), ("P2", "class", "K1")],
    )
    no_dorm_of_his_gender = make_dataset(
        cadres=[cadre("L1", "school_leader", gender="M")],
        classes=[klass("K1", "C1")],
        dorms=[dorm("D1", "C1", gender="F")],
        societies=[society("S1", "C1")],
        branches=[branch("B1", "C1")],
    )
    pin_against_origin = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C2")],
        classes=[klass("K1", "C1"), klass("K2", "C2")],
        pins=[("P1", "class", "K2", "require")],
    )
    one_for_two_classes = make_dataset(
        cadres=[cadre("P1", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
    )
    # Without H4 the two leaders would cover both classes; with it one must take the dorm.
    spread_against_hard_coverage = make_dataset(
        cadres=[cadre("L1", "school_leader"), cadre("L2", "school_leader")],
        classes=[klass("K1", "C1"), klass("K2", "C1")],
        dorms=[dorm("D1", "C2", gender="M")],
    )
    hard_classes = {"kinds": {"class": {"coverage": "hard"}}}
    return {
        "class-coverage-hard-one-for-two": (one_for_two_classes, scn(**hard_classes)),
        "class-coverage-hard-against-h4": (
            spread_against_hard_coverage,
            scn(**hard_classes, school_leader_spread=1),
        ),
        "continuity-hard-two-on-one-class": (two_on_one_class, scn(continuity="hard")),
        "full-engagement-no-dorm": (no_dorm_of_his_gender, scn(**FULL_ENGAGEMENT)),
        "pin-against-origin": (pin_against_origin, scn()),
    }


INFEASIBLE = _infeasible_datasets()


@pytest.fixture(scope="module")
def datasets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Dataset]:
    """The generated data sets, written as CSV and read back as a user's would be."""
    out = {"tiny": read_dataset(TINY)}
    for name, (seed, scale) in INSTANCES.items():
        folder = tmp_path_factory.mktemp(name)
        write_tables(generate_tables("demo", seed=seed, scale=scale), folder)
        out[name] = read_dataset(folder)
    return out


def _assert_same_optimum(dataset: Dataset, scenario: Scenario) -> ReferenceResult:
    """Solve both ways, assert the same proven stage values and valid plans; the reference."""
    plan = make_plan(dataset, scenario, deterministic=True)
    ref = reference_plan(dataset, scenario, time_limit=60.0)
    fast_stages = [(s["term"], s["value"]) for s in plan.stages]
    ref_stages = [(s.term, s.value) for s in ref.stages]

    assert plan.status == "OPTIMAL"
    assert ref.status == "OPTIMAL"
    assert all(s["status"] == "OPTIMAL" for s in plan.stages)
    assert fast_stages and fast_stages == ref_stages

    fast_check = check_assignments(dataset, scenario, plan.assignments)
    ref_check = check_assignments(dataset, scenario, ref.assignments)
    assert fast_check.violations == []
    assert ref_check.violations == []
    # Every strictly optimised term has the same value in both plans, recomputed by the checker.
    if scenario.priorities == "strict":
        for term, value in ref_stages:
            assert fast_check.terms[term] == ref_check.terms[term] == value, term
    return ref


@pytest.mark.parametrize(("instance", "variant"), CASES, ids=[f"{i}-{v}" for i, v in CASES])
def test_same_optimum_on_generated_and_tiny_data(
    datasets: dict[str, Dataset], instance: str, variant: str
) -> None:
    _assert_same_optimum(datasets[instance], scn(**VARIANTS[variant]))


@pytest.mark.parametrize("case", list(INFEASIBLE))
def test_both_find_the_same_rules_impossible(case: str) -> None:
    dataset, scenario = INFEASIBLE[case]
    with pytest.raises(InfeasibleError):
        make_plan(dataset, scenario, deterministic=True)
    ref = reference_plan(dataset, scenario, time_limit=60.0)
    assert ref.status == "INFEASIBLE"
    assert ref.assignments.empty


def test_same_optimum_in_one_college_scope(datasets: dict[str, Dataset]) -> None:
    dataset = datasets["demo-s7-x0.15"]
    college = dataset.colleges["id"].iloc[0]
    scenario = scn(scope=f"college={college}")
    ref = _assert_same_optimum(dataset, scenario)
    units = dataset.cadres.set_index("id")["unit"]
    assert set(ref.assignments["cadre_id"].map(units)) == {college}


def test_school_leader_spread_binds_in_both() -> None:
    """Two school leaders and one nearby college: H4 sends one of them to the other campus.

    Without H4 both would take a class of C1 on their own campus (what a min-cost flow that
    drops H4 does); with it the optimum has one cross-campus contact, in both formulations.
    """
    dataset = make_dataset(
        cadres=[cadre("L1", "school_leader"), cadre("L2", "school_leader")],
        classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C2", campus="B")],
        colleges=[("C1", "A"), ("C2", "B")],
    )
    scenario = scn()
    ref = _assert_same_optimum(dataset, scenario)
    colleges = ref.assignments["target_id"].map({"K1": "C1", "K2": "C1", "K3": "C2"})
    assert sorted(colleges) == ["C1", "C2"]
    assert ref.values["campus"] == 1
    no_spread = scn(school_leader_spread=None)
    assert _assert_same_optimum(dataset, no_spread).values["campus"] == 0


def test_school_leader_spread_with_many_leaders_crowding_one_college() -> None:
    """Five school leaders near one college, at most one per college: the flow's search must
    move four of them (its dive finds such a plan at once, the search proves it best)."""
    leaders = [cadre(f"L{i}", "school_leader") for i in range(1, 6)]
    near = [klass(f"K{i}", "C1") for i in range(1, 6)]
    far = [klass(f"F{c}{i}", c, campus="B") for c in ("C2", "C3", "C4", "C5") for i in (1, 2)]
    dataset = make_dataset(
        cadres=leaders,
        classes=near + far,
        colleges=[("C1", "A"), ("C2", "B"), ("C3", "B"), ("C4", "B"), ("C5", "B")],
        previous=[("L1", "class", "K1"), ("L2", "class", "K2")],
    )
    ref = _assert_same_optimum(dataset, scn(school_leader_spread=1))
    assert ref.values["campus"] == 4  # four leaders cross to campus B, one per college there
    colleges = ref.assignments["target_id"].map(lambda t: "C1" if t[0] == "K" else t[1:3])
    assert colleges.value_counts().max() == 1


def test_flow_relaxation_baseline_matches_when_h4_is_off(
    datasets: dict[str, Dataset], tmp_path: Path
) -> None:
    """``benchmarks/flow_baseline.py`` (one arc per pair, H4 and S5 dropped) reaches the fast
    model's values for coverage, continuity, campus and dorm priority when H4 is off."""
    spec = importlib.util.spec_from_file_location(
        "flow_baseline", ROOT / "benchmarks" / "flow_baseline.py"
    )
    assert spec is not None and spec.loader is not None
    flow_baseline = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(flow_baseline)
    scenario = scn(school_leader_spread=None)
    (tmp_path / "no-h4.yaml").write_text("school_leader_spread: null\n", encoding="utf-8")
    data = tmp_path / "data"
    write_tables(generate_tables("demo", seed=5, scale=0.12), data)
    out = tmp_path / "plan"
    code = flow_baseline.main(
        ["--data", str(data), "--scenario", str(tmp_path / "no-h4.yaml"), "--out", str(out)]
    )
    assert code == 0
    dataset = datasets["demo-s5-x0.12"]
    assignments = pd.read_csv(out / "assignments.csv", dtype=str, encoding="utf-8-sig")
    report = check_assignments(dataset, scenario, assignments)
    assert report.violations == []
    plan = make_plan(dataset, scenario, deterministic=True)
    linear = ("coverage", "continuity", "campus", "dorm_priority")
    assert {s["term"]: s["value"] for s in plan.stages if s["term"] in linear} == {
        t: report.terms[t] for t in linear
    }


def test_one_target_hint_starts_duty_ranges_with_a_valid_plan() -> None:
    """Duty ranges are not a flow; a plan with one target each keeps them and starts CP-SAT."""
    dataset = make_dataset(
        cadres=[cadre("P1", "professor", "C1"), cadre("P2", "professor", "C1")],
        classes=[klass("K1", "C1"), klass("K2", "C1"), klass("K3", "C1")],
        previous=[("P1", "class", "K2")],
    )
    ranges = scn(duties={"default": {"total": [1, 2]}})
    problem = build_problem(dataset, ranges)
    hint = one_target_hint(problem, ["coverage", "continuity"])
    assert hint is not None
    n_arcs = len(problem.arcs)
    y = pd.Series(hint[:n_arcs])
    held = y.groupby(problem.arcs["pool"].to_numpy()).sum()
    kept = pd.Series(hint[n_arcs:]).groupby(problem.keeps["pool"].to_numpy()).sum()
    per_pool = held.add(kept, fill_value=0)
    cadres_per_pool = problem.pools["size"]
    assert (per_pool.reindex(cadres_per_pool.index, fill_value=0) == cadres_per_pool).all()
    # Where a duty needs two targets, or a kind, a one-target plan breaks it: no hint.
    assert (
        one_target_hint(build_problem(dataset, scn(duties={"default": {"total": 2}})), []) is None
    )
    both = scn(duties={"default": {"total": [1, 2], "per_kind": {"class": [1, 2]}}})
    assert one_target_hint(build_problem(dataset, both), ["coverage"]) is None
    # And the plan made from that start is the reference's optimum.
    _assert_same_optimum(dataset, ranges)
