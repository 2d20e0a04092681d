"""Staying near an earlier plan: a tie-break for the flow below every term.

A re-plan (:mod:`planner.workflow.replan`) or an explanation's alternative
(:mod:`planner.explain.why.alternatives`) wants, among the plans as good as the best, one close
to the plan it starts from: the ripple of one change, not a reshuffle. :func:`closeness` prices
leaving that plan; the flow (:func:`planner.solver.flow.search.flow_solution`, ``near=``) takes
it as its lowest priority, and :func:`planner.solver.decompose.decompose` (``near=``) hands the
pairs out near the plan's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.solver.flow.network import supply_units
from planner.solver.flow.search import Tie
from planner.solver.problem import Problem


def closeness(problem: Problem, assignments: pd.DataFrame) -> Tie:
    """A tie-break that prefers an earlier plan's pairs: per arc, 0 where the earlier plan
    sent a cadre of the arc's pool to a target of its group, else 1; per kept contact, 0
    where the earlier plan kept it, else 1. A plan pays it at most once per duty slot."""
    cadre_index = pd.Series(np.arange(len(problem.cadres)), index=problem.cadres["id"])
    targets = problem.targets
    target_index = pd.Series(
        np.arange(len(targets)),
        index=pd.MultiIndex.from_arrays([targets["kind"], targets["id"]]),
    )
    cadre = assignments["cadre_id"].map(cadre_index)
    keys = pd.MultiIndex.from_arrays([assignments["kind"], assignments["target_id"]])
    target = pd.Series(target_index.reindex(keys).to_numpy(), index=assignments.index)
    found = cadre.notna() & target.notna()
    cadre = cadre[found].astype(np.int64).to_numpy()
    target = target[found].astype(np.int64).to_numpy()
    pool = problem.cadres["pool"].to_numpy(np.int64)[cadre]
    group = targets["group"].to_numpy(np.int64)[target]
    arcs, keeps = problem.arcs, problem.keeps
    used = set(zip(pool.tolist(), group.tolist(), strict=True))
    kept = set(zip(cadre.tolist(), target.tolist(), strict=True))
    arc_cost = _not_in(arcs["pool"], arcs["group"], used)
    keep_cost = _not_in(keeps["cadre"], keeps["target"], kept)
    return arc_cost, keep_cost, supply_units(problem)


def _not_in(first: pd.Series, second: pd.Series, pairs: set[tuple[int, int]]) -> np.ndarray:
    """Per row, 1 where ``(first, second)`` is not one of ``pairs``, else 0."""
    rows = zip(first.tolist(), second.tolist(), strict=True)
    return np.fromiter((pair not in pairs for pair in rows), dtype=np.int64, count=len(first))
