"""From a data set and a scenario to a :class:`~planner.plan.Plan`: the main job.

``make_plan`` = build the indexed problem → solve → hand out concrete pairs → describe the plan
(assignments, uncovered targets with reasons, changes against last semester, coverage by
college × kind, every objective term recomputed from the pairs, not from the solver).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from planner.dataset import Dataset, Pair
from planner.explain.capacity import capacity_notes, central_available, college_capacity
from planner.explain.changes import changes_table
from planner.explain.diagnose import solve_explained
from planner.explain.reasons import uncovered_targets
from planner.plan import (
    MERGED_STATUS,
    Plan,
    TermValue,
)
from planner.scenario import TERM_LABELS, TERM_SENSE, TERMS, Scenario
from planner.solver.decompose import decompose
from planner.solver.pairs import assignment_table, covered_mask, pair_indices, term_values
from planner.solver.problem import Problem, build_problem
from planner.solver.solution import Progress, Solution
from planner.solver.terms import active_terms, gap, weighted_objective


def make_plan(
    dataset: Dataset,
    scenario: Scenario,
    *,
    held: frozenset[Pair] = frozenset(),
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
    proven: Mapping[str, int] | None = None,
    capacity: pd.DataFrame | None = None,
    problem: Problem | None = None,
    checks_first: bool = True,
) -> Plan:
    """Plan ``dataset`` under ``scenario`` (see :func:`planner.solver.solve.solve`).

    For a re-plan kept warm (:mod:`planner.workflow.parts`): ``proven`` are the term values of
    an optimal plan of a problem this one only restricts (see :func:`~planner.solver.solve.
    solve`), ``capacity`` the data set's :func:`~planner.explain.capacity.college_capacity`
    when it is known already, ``problem`` the indexed problem of ``dataset``, ``scenario`` and
    ``held`` when it is known already (derived from a kept one: frame for frame what
    :func:`~planner.solver.problem.build_problem` gives); without ``checks_first`` the cheap
    infeasibility checks run only when the flow does not settle the plan (see
    :func:`~planner.explain.diagnose.solve_explained`).
    """
    if problem is None:
        problem = build_problem(dataset, scenario, held)
    solution = solve_explained(
        problem,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        progress=progress,
        proven=proven,
        checks_first=checks_first,
    )
    pairs = decompose(problem, solution.y, solution.keep)
    return describe(problem, solution, pairs, capacity=capacity)


def describe(
    problem: Problem,
    solution: Solution,
    pairs: pd.DataFrame,
    *,
    capacity: pd.DataFrame | None = None,
) -> Plan:
    """Build the plan's frames and figures from concrete pairs. ``capacity``: the data set's
    :func:`~planner.explain.capacity.college_capacity` when it is known already."""
    ds = problem.dataset
    assignments = assignment_table(problem, pairs)
    covered = covered_mask(problem, assignments)
    coverage = _coverage(problem, covered)
    if capacity is None:
        capacity = college_capacity(ds, problem.scenario)
    uncovered = uncovered_targets(problem, covered, assignments, solution.status)
    changes = changes_table(problem, assignments)
    terms = _terms(problem, assignments, solution, covered)
    # The weighted objective from the plan itself, so it is right even when a time limit
    # stopped the solver before a stage reported one.
    values = {name: term.value for name, term in terms.items()}
    objective = weighted_objective(problem.scenario, values, active_terms(problem))
    bound = solution.bound if solution.stages else objective
    if solution.status == "OPTIMAL":
        bound = objective
    return Plan(
        status=solution.status,
        assignments=assignments,
        uncovered=uncovered,
        changes=changes,
        terms=terms,
        objective=objective,
        bound=bound,
        gap=gap(objective, bound) if solution.status != "OPTIMAL" else 0.0,
        solve_seconds=solution.seconds,
        scenario=problem.scenario.as_dict(),
        scope=problem.scope,
        coverage=coverage,
        capacity=capacity_notes(capacity, central_available(ds)),
        warnings=list(ds.warnings),
        inputs={
            name: {"file": src.display, "sha256": src.sha256} for name, src in ds.sources.items()
        },
        stages=[s.as_dict() for s in solution.stages],
        held=sorted(problem.held),
    )


def _coverage(problem: Problem, covered: np.ndarray) -> pd.DataFrame:
    t = problem.targets[["college", "kind", "id"]].assign(covered=covered)
    t["college"] = t["college"].fillna("(university)")
    grouped = t.groupby(["college", "kind"]).agg(targets=("id", "size"), covered=("covered", "sum"))
    names = problem.dataset.colleges.set_index("id")
    out = grouped.reset_index()
    out["college_name"] = out["college"].map(names["name"]).fillna("全校 (university)")
    out["campus"] = out["college"].map(names["campus"]).fillna("")
    out["covered"] = out["covered"].astype(int)
    return out[["college", "college_name", "campus", "kind", "targets", "covered"]]


def _terms(
    problem: Problem, assignments: pd.DataFrame, solution: Solution, covered: np.ndarray
) -> dict[str, TermValue]:
    values = term_values(problem, assignments, covered)
    stage_of = {s.term: s for s in solution.stages}
    out = {}
    for name in TERMS:
        stage = stage_of.get(name)
        out[name] = TermValue(
            name=name,
            label=TERM_LABELS[name],
            sense=TERM_SENSE[name],
            value=values[name],
            bound=stage.bound if stage else None,
            optimal=bool(stage and stage.status == "OPTIMAL"),
        )
    return out


def plan_from_assignments(
    dataset: Dataset,
    scenario: Scenario,
    assignments: pd.DataFrame,
    *,
    held: frozenset[Pair] = frozenset(),
    status: str = MERGED_STATUS,
) -> Plan:
    """A :class:`~planner.plan.Plan` describing given assignments, without solving.

    Every frame (assignments, uncovered with reasons, changes, coverage) and every term is
    computed from the pairs exactly as for a solved plan. There is no proven bound: ``bound``
    and ``gap`` are NaN (``null`` in ``plan.json``). Every ``(cadre_id, kind, target_id)`` must
    name an available cadre and a target of ``scenario.scope`` (check first).
    """
    problem = build_problem(dataset, scenario, held)
    pairs, missing = pair_indices(problem, assignments)
    if missing.any():
        row = assignments.reset_index(drop=True)[missing].iloc[0]
        raise ValueError(
            f"cadre {row['cadre_id']} / {row['kind']} {row['target_id']} is not in scope "
            f"{scenario.scope}"
        )
    solution = Solution(
        y=np.zeros(0, dtype=np.int64),
        keep=np.zeros(0, dtype=np.int64),
        status=status,
        objective=0.0,
        bound=float("nan"),
    )
    plan = describe(problem, solution, pairs)
    plan.bound = float("nan")
    plan.gap = float("nan")
    return plan
