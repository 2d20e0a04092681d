"""What a solve gives: the variable values of the best plan found, its priority stages, and how
good it is proven to be (or, without a plan, why not: a status)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from planner.solver.flow.search import FlowSolution
from planner.solver.problem import Problem
from planner.solver.terms import gap, weighted_objective

Progress = Callable[[str], None]
"""Where a solve reports its progress: one line at a time."""


@dataclass
class Stage:
    """One priority stage: the term optimised and what the solver proved about it."""

    term: str
    status: str
    value: int
    bound: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``plan.json``."""
        return {
            "term": self.term,
            "status": self.status,
            "value": self.value,
            "bound": self.bound,
            "seconds": round(self.seconds, 3),
        }


@dataclass
class Solution:
    """Variable values of the best plan found and how good it is proven to be.

    ``status`` is ``OPTIMAL`` (every priority proven), ``FEASIBLE`` (a limit stopped one),
    ``INFEASIBLE`` (no plan: the hard rules cannot all hold) or ``UNKNOWN`` (no plan found in
    time); without a plan ``y`` and ``keep`` are zeros.
    """

    y: np.ndarray
    keep: np.ndarray
    status: str
    stages: list[Stage] = field(default_factory=list)
    objective: float = 0.0
    bound: float = 0.0
    seconds: float = 0.0

    @property
    def gap(self) -> float:
        """Relative gap of the weighted objective (0 when proven optimal)."""
        return 0.0 if self.status == "OPTIMAL" else gap(self.objective, self.bound)


def no_plan(problem: Problem, status: str, started: float) -> Solution:
    """The solution when there is no plan: ``INFEASIBLE`` or ``UNKNOWN`` (no plan in time)."""
    return Solution(
        y=np.zeros(len(problem.arcs), dtype=np.int64),
        keep=np.zeros(len(problem.keeps), dtype=np.int64),
        status=status,
        seconds=time.perf_counter() - started,
    )


def flow_stages(flow: FlowSolution, seconds: float) -> list[Stage]:
    """The terms the flow settled, as proven stages (its time counted once, on the first)."""
    stages = []
    for term in flow.terms:
        value = flow.values[term]
        stages.append(Stage(term, "OPTIMAL", value, value, seconds))
        seconds = 0.0
    return stages


def staged_solution(
    problem: Problem,
    values: np.ndarray | list[int],
    n_arcs: int,
    stages: list[Stage],
    proven: bool,
    started: float,
) -> Solution:
    """A plan's solution from its model values (arc counts, then kept contacts) and stages.

    The objective and bound are the weighted stage's own, or Σ sense·weight over the stages'
    values and bounds (:func:`~planner.solver.terms.weighted_objective`).
    """
    if stages and stages[0].term == "weighted":
        objective, bound = float(stages[0].value), float(stages[0].bound)
    else:
        terms = [st.term for st in stages]
        s = problem.scenario
        objective = weighted_objective(s, {st.term: st.value for st in stages}, terms)
        bound = weighted_objective(s, {st.term: st.bound for st in stages}, terms)
    return Solution(
        y=np.asarray(values[:n_arcs], dtype=np.int64),
        keep=np.asarray(values[n_arcs:], dtype=np.int64),
        status="OPTIMAL" if proven else "FEASIBLE",
        stages=stages,
        objective=objective,
        bound=bound,
        seconds=time.perf_counter() - started,
    )
