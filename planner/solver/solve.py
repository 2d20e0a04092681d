"""Solve a :class:`~planner.solver.problem.Problem`: strict priorities as lexicographic solves.

With ``priorities: strict`` each soft term is optimised in the scenario's order and then fixed
at its optimum (or at the best value found, if a limit stopped the stage) before the next one:
a higher term is never traded for any amount of a lower one. ``weighted`` solves once with the
scenario's weights. Each stage starts from the previous stage's plan as a hint.

The solve runs in a worker thread so that Ctrl-C in the main thread stops it at once.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from planner.contract import KINDS
from planner.scenario import TERM_SENSE
from planner.solver.flow import (
    FlowSolution,
    flow_applicable,
    flow_solution,
    school_leaders_spread_ok,
)
from planner.solver.problem import Problem
from planner.solver.terms import active_terms

if TYPE_CHECKING:  # CP-SAT loads only when a plan needs it (see solve)
    from ortools.sat.python import cp_model

Progress = Callable[[str], None]


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
        if self.status == "OPTIMAL":
            return 0.0
        denom = max(abs(self.bound), abs(self.objective), 1.0)
        return abs(self.bound - self.objective) / denom


def _progress_callback(label: str, report: Progress, start: float) -> Any:
    """A CP-SAT callback that prints elapsed time, best objective and bound twice a second."""
    from ortools.sat.python import cp_model

    class _Progress(cp_model.CpSolverSolutionCallback):
        def __init__(self) -> None:
            super().__init__()
            self.last = 0.0

        def on_solution_callback(self) -> None:
            now = time.perf_counter()
            if now - self.last < 0.5:
                return
            self.last = now
            report(
                f"  {label}: {now - start:6.1f} s  best {self.objective_value:,.0f}  "
                f"bound {self.best_objective_bound:,.0f}"
            )

    return _Progress()


def stderr_progress(message: str) -> None:
    """Default progress sink: one line on stderr."""
    print(message, file=sys.stderr, flush=True)


def _run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    callback: cp_model.CpSolverSolutionCallback | None,
) -> Any:
    """Solve in a worker thread; Ctrl-C stops the search and is re-raised here.

    The wait is on an event, not on ``Thread.join``: a join interrupted by Ctrl-C can mark the
    thread finished while CP-SAT still runs (CPython 3.11), and the process then aborts at exit
    ("terminate called without an active exception"). A second Ctrl-C while the search stops
    is absorbed: the solver must return before the interpreter may exit.
    """
    result: dict[str, Any] = {}
    done = threading.Event()

    def work() -> None:
        try:
            result["status"] = solver.solve(model, callback)
        except BaseException as exc:  # re-raised in the calling thread
            result["error"] = exc
        finally:
            done.set()

    threading.Thread(target=work, daemon=True).start()
    interrupted = False
    while not done.is_set():
        try:
            done.wait(0.05)
        except KeyboardInterrupt:
            interrupted = True
            solver.stop_search()
    if interrupted:
        raise KeyboardInterrupt
    if "error" in result:
        raise result["error"]
    return result["status"]


def no_plan(problem: Problem, status: str, started: float) -> Solution:
    """The solution when there is no plan: ``INFEASIBLE`` or ``UNKNOWN`` (no plan in time)."""
    return Solution(
        y=np.zeros(len(problem.arcs), dtype=np.int64),
        keep=np.zeros(len(problem.keeps), dtype=np.int64),
        status=status,
        seconds=time.perf_counter() - started,
    )


def one_target_hint(problem: Problem, terms: list[str]) -> list[int] | None:
    """Model values of a plan where every cadre holds exactly one target, or ``None``.

    Where every duty allows exactly one target (a range such as one or two, no kind required),
    such a plan keeps every duty, and the flow finds the best one (H4 included). It starts
    CP-SAT, which then improves it; it bounds nothing. ``None`` where a duty needs more than
    one target or the one-target plan is impossible (two require pins for one cadre, say).
    """
    duties: dict[str, Any] = {}
    for role in sorted(set(problem.cadres["role"])):
        duty = problem.scenario.duty(role)
        total = duty.total_range()
        if not total.min <= 1 <= total.max or any(duty.kind_range(k).min > 0 for k in KINDS):
            return None
        closed = {k.value: 0 for k in KINDS if duty.kind_range(k).max == 0}
        duties[role] = {"total": 1, "per_kind": closed}
    if not duties:
        return None
    simpler = replace(problem, scenario=problem.scenario.with_changes(duties=duties))
    flow = flow_solution(simpler, terms)
    if flow is None or not school_leaders_spread_ok(problem, flow.y, flow.keep):
        return None
    return [int(v) for v in np.concatenate([flow.y, flow.keep])]


def _flow_plan(problem: Problem, flow: FlowSolution, seconds: float, started: float) -> Solution:
    """The solution when the flow settles every term (strict priorities, H4 kept)."""
    stages = []
    for term in flow.terms:
        value = flow.values[term]
        stages.append(Stage(term, "OPTIMAL", value, value, seconds))
        seconds = 0.0
    s = problem.scenario
    objective = float(sum(TERM_SENSE[st.term] * s.weight(st.term) * st.value for st in stages))
    return Solution(
        y=np.asarray(flow.y, dtype=np.int64),
        keep=np.asarray(flow.keep, dtype=np.int64),
        status="OPTIMAL",
        stages=stages,
        objective=objective,
        bound=objective,
        seconds=time.perf_counter() - started,
    )


def _status_name(status: Any) -> str:
    from ortools.sat.python import cp_model

    return {
        cp_model.OPTIMAL: "OPTIMAL",
        cp_model.FEASIBLE: "FEASIBLE",
        cp_model.INFEASIBLE: "INFEASIBLE",
        cp_model.MODEL_INVALID: "MODEL_INVALID",
    }.get(status, "UNKNOWN")


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
) -> Solution:
    """Solve ``problem`` under its scenario; raise on infeasibility or no plan in time.

    ``deterministic`` runs one worker with a fixed seed so that the same input always gives
    the same plan. When there is no plan the status says why: ``INFEASIBLE`` (the hard rules
    cannot all hold) or ``UNKNOWN`` (time ran out before any plan was found); the words come
    one layer up (:func:`planner.explain.diagnose.solve_explained`).
    """
    started = time.perf_counter()
    settings = problem.scenario.solver
    budget = time_limit if time_limit is not None else settings.time_limit

    strict = problem.scenario.priorities == "strict"
    terms = active_terms(problem)
    # The flow relaxation: an exact answer for the leading linear terms when it keeps H4,
    # otherwise a hint and a bound for each of them.
    t0 = time.perf_counter()
    flow = flow_solution(problem, terms) if terms else None
    feasible = flow is not None and school_leaders_spread_ok(problem, flow.y, flow.keep)
    exact = flow is not None and flow.exact and feasible
    if progress and flow is not None:
        progress(
            f"solving: network flow over {len(flow.y):,} pool-group counts and "
            f"{len(flow.keep):,} possible kept contacts in {time.perf_counter() - t0:.2f} s"
            + (
                ""
                if exact
                else " (keeps H4, not proven optimal; used as a hint)"
                if feasible
                else " (breaks H4; used as a hint)"
            )
        )
    if flow is not None and exact and strict and set(terms) <= set(flow.terms):
        # The flow settles every term: no CP-SAT model is needed (nor loaded).
        return _flow_plan(problem, flow, time.perf_counter() - t0, started)

    from ortools.sat.python import cp_model

    from planner.solver.cpsat import PolicyModel

    model = PolicyModel(problem)
    model.add_hard_rules()
    exprs = {t: model.term(t) for t in terms}
    all_vars = model.y + model.keep

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1 if deterministic else (workers or settings.workers)
    params.random_seed = settings.seed if seed is None else seed
    params.relative_gap_limit = settings.relative_gap
    params.catch_sigint_signal = False
    # The model is a network flow with side rules: its LP relaxation proves bounds at once.
    params.linearization_level = 2

    def weighted() -> cp_model.LinearExpr:
        s = problem.scenario
        return cp_model.LinearExpr.sum([TERM_SENSE[t] * s.weight(t) * exprs[t] for t in terms])

    stages: list[Stage] = []
    values: list[int] | None = None
    flow_bounds: dict[str, int] = {}
    if flow is None and terms and not flow_applicable(problem):
        # Not a flow (duty ranges, say): a one-target-each plan, when the duties allow it,
        # gives CP-SAT a complete start instead of searching for a first plan from nothing.
        values = one_target_hint(problem, terms)
        if values is not None and progress:
            progress("solving: a first plan, one target per cadre, as the start for CP-SAT")
    if flow is not None:
        values = [int(v) for v in np.concatenate([flow.y, flow.keep])]
        seconds = time.perf_counter() - t0
        if exact and strict:
            for term in flow.terms:
                value = flow.values[term]
                stages.append(Stage(term, "OPTIMAL", value, value, seconds))
                if flow.face is None:
                    model.cp.add(exprs[term] == value)
                seconds = 0.0
            if flow.face is not None:
                # The optimal face replaces the dense "term == optimum" rows: same plans.
                model.restrict_to_face(flow.face)
            terms = [t for t in terms if t not in flow.terms]
        elif strict:
            flow_bounds = dict(flow.values)
    else:
        feasible = False  # whether `values` satisfy every hard rule

    plans: list[tuple[str, list[cp_model.LinearExpr]]]
    if not strict and terms:
        plans = [("weighted", [weighted()])]
    elif terms:
        plans = [(t, [exprs[t]]) for t in terms]
    else:
        plans = [] if values is not None else [("feasibility", [])]

    proven = True
    bounds_valid = True  # a flow bound holds while every earlier stage reached its flow value
    for label, objective in plans:
        remaining = budget - (time.perf_counter() - started)
        if remaining <= 0.05 and feasible:  # a hint that breaks a hard rule is no plan
            proven = False
            break
        params.max_time_in_seconds = max(remaining, 0.05)
        sense = 1 if label in ("weighted", "feasibility") else TERM_SENSE[label]
        bound_constraint = None
        if objective:
            if sense > 0:
                model.cp.maximize(objective[0])
            else:
                model.cp.minimize(objective[0])
            if bounds_valid and label in flow_bounds:
                limit = flow_bounds[label]
                bound_constraint = objective[0] <= limit if sense > 0 else objective[0] >= limit
                model.cp.add(bound_constraint)
        if values is not None:
            model.cp.clear_hints()
            for var, value in zip(all_vars, values, strict=True):
                model.cp.add_hint(var, value)
        callback = (
            _progress_callback(f"{label:<14}", progress, started)
            if progress and objective
            else None
        )
        if progress:
            progress(
                f"solving: {label} ({len(model.y):,} pool-group counts, "
                f"{len(model.keep):,} possible kept contacts)"
            )
        t0 = time.perf_counter()
        status = _status_name(_run(solver, model.cp, callback))
        seconds = time.perf_counter() - t0
        found = status in ("OPTIMAL", "FEASIBLE")
        if status == "INFEASIBLE" and not feasible:
            return no_plan(problem, "INFEASIBLE", started)
        if not found:
            if not feasible:
                if status == "MODEL_INVALID":
                    raise RuntimeError(f"CP-SAT rejected the model: {model.cp.validate()}")
                return no_plan(problem, "UNKNOWN", started)
            proven = False
            break
        feasible = True
        values = [int(solver.value(v)) for v in all_vars]
        if objective:
            value = round(solver.objective_value)
            bound = round(solver.best_objective_bound)
            stages.append(Stage(label, status, value, bound, seconds))
            if status != "OPTIMAL":
                proven = False
            if label in flow_bounds and value != flow_bounds[label]:
                bounds_valid = False
            if label != "weighted":
                # Fix this priority before optimising the next one.
                if status == "OPTIMAL":
                    model.cp.add(objective[0] == value)
                elif sense > 0:
                    model.cp.add(objective[0] >= value)
                else:
                    model.cp.add(objective[0] <= value)
            if progress:
                progress(
                    f"  {label:<14} {status.lower()}: {value:,} (bound {bound:,}) "
                    f"in {seconds:.1f} s"
                )

    assert values is not None
    n_y = len(model.y)
    y = np.asarray(values[:n_y], dtype=np.int64)
    keep = np.asarray(values[n_y:], dtype=np.int64)
    if stages and stages[0].term == "weighted":
        objective_value, bound_value = float(stages[0].value), float(stages[0].bound)
    else:
        s = problem.scenario
        objective_value = float(
            sum(TERM_SENSE[st.term] * s.weight(st.term) * st.value for st in stages)
        )
        bound_value = float(
            sum(TERM_SENSE[st.term] * s.weight(st.term) * st.bound for st in stages)
        )
    return Solution(
        y=y,
        keep=keep,
        status="OPTIMAL" if proven else "FEASIBLE",
        stages=stages,
        objective=objective_value,
        bound=bound_value,
        seconds=time.perf_counter() - started,
    )
