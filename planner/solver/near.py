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
from planner.solver.pairs import positions
from planner.solver.problem import Problem


def closeness(problem: Problem, assignments: pd.DataFrame) -> Tie:
    """A tie-break that prefers an earlier plan's pairs: per arc, 0 where the earlier plan
    sent a cadre of the arc's pool to a target of its group, else 1; per kept contact, 0
    where the earlier plan kept it, else 1. A plan pays it at most once per duty slot."""
    cadre_at, target_at = positions(problem)
    targets = problem.targets
    cadre_list, target_list = [], []
    for c, kind, t in zip(
        assignments["cadre_id"].tolist(),
        assignments["kind"].tolist(),
        assignments["target_id"].tolist(),
        strict=True,
    ):
        if c in cadre_at and (kind, t) in target_at:
            cadre_list.append(cadre_at[c])
            target_list.append(target_at[(kind, t)])
    cadre = np.asarray(cadre_list, dtype=np.int64)
    target = np.asarray(target_list, dtype=np.int64)
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
