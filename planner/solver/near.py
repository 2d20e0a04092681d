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
    used = set(zip(pool.tolist(), group.tolist(), strict=True))
    arcs = problem.arcs
    arc_cost = np.fromiter(
        (
            (p, g) not in used
            for p, g in zip(arcs["pool"].tolist(), arcs["group"].tolist(), strict=True)
        ),
        dtype=np.int64,
        count=len(arcs),
    )
    kept = set(zip(cadre.tolist(), target.tolist(), strict=True))
    keeps = problem.keeps
    keep_cost = np.fromiter(
        (
            (c, t) not in kept
            for c, t in zip(keeps["cadre"].tolist(), keeps["target"].tolist(), strict=True)
        ),
        dtype=np.int64,
        count=len(keeps),
    )
    return arc_cost, keep_cost, supply_units(problem)
