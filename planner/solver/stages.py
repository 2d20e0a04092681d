"""The CP-SAT stages of a solve: strict priorities as lexicographic solves, or one weighted one.

With ``priorities: strict`` each soft term is optimised in the scenario's order and then fixed
at its optimum (or at the best value found, if a limit stopped the stage) before the next one:
a higher term is never traded for any amount of a lower one. ``weighted`` solves once with the
scenario's weights. Each stage starts from the previous stage's plan as a hint; the flow's plan,
when there is one, starts the first, and the terms the flow settled are fixed on its optimal
face. CP-SAT runs in a worker thread so that Ctrl-C in the main thread stops it at once.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from planner.scenario import TERM_SENSE
from planner.solver.cpsat import PolicyModel
from planner.solver.flow.search import FlowSolution
from planner.solver.problem import Problem
from planner.solver.solution import Progress, Solution, Stage, flow_stages, no_plan, staged_solution
from planner.solver.terms import linear_coefficients, objective_weights


@dataclass(frozen=True)
class Limits:
    """How CP-SAT may search: the time budget of the whole solve and the solver settings."""

    budget: float
    started: float
    workers: int
    seed: int
    relative_gap: float


@dataclass
class CpSatRun:
    """The CP-SAT model of a problem and the stages solved on it so far."""

    problem: Problem
    model: PolicyModel
    exprs: dict[str, cp_model.LinearExpr]
    solver: cp_model.CpSolver
    limits: Limits
    progress: Progress | None
    values: list[int] | None = None
    """The best plan's model values so far (a hint before the first stage)."""
    feasible: bool = False
    """Whether :attr:`values` satisfy every hard rule."""
    stages: list[Stage] = field(default_factory=list)
    proven: bool = True
    flow_bounds: dict[str, int] = field(default_factory=dict)
    bounds_valid: bool = True
    """A flow bound holds while every earlier stage reached its flow value."""

    @property
    def variables(self) -> list[Any]:
        """Every model variable, in the order of :attr:`values`."""
        return self.model.y + self.model.keep


def solve_with_cpsat(
    problem: Problem,
    terms: list[str],
    flow: FlowSolution | None,
    *,
    hint: list[int] | None,
    feasible: bool,
    limits: Limits,
    deterministic: bool,
    progress: Progress | None,
    flow_started: float,
) -> Solution:
    """Solve ``problem`` with CP-SAT over ``terms`` (see the module docstring).

    ``flow`` is the flow relaxation's answer (its plan starts CP-SAT; when it keeps H4 and is
    exact, its terms are settled), ``hint`` a first plan to start from otherwise; ``feasible``
    says whether the flow's plan keeps every hard rule.
    """
    strict = problem.scenario.priorities == "strict"
    settled = flow is not None and flow.exact and feasible and strict
    model = PolicyModel(problem, face=flow.face if settled and flow is not None else None)
    model.add_hard_rules()
    # A term the face settles needs no expression, unless making it adds to the model.
    pure = {"continuity", "campus", "dorm_gender", "dorm_priority"}
    if linear_coefficients(problem, "coverage") is not None:
        pure.add("coverage")
    skip = set(flow.terms) & pure if settled and flow is not None and flow.face else set()
    run = CpSatRun(
        problem,
        model,
        {t: model.term(t) for t in terms if t not in skip},
        _solver(limits, deterministic),
        limits,
        progress,
        values=hint,
        feasible=flow is not None and feasible,
    )
    if flow is not None:
        terms = _start_from_flow(run, flow, terms, strict, flow_started)
    for label, objective in _stage_plan(run, terms, strict):
        outcome = _stage(run, label, objective)
        if isinstance(outcome, Solution):
            return outcome
        if outcome is False:
            break
    assert run.values is not None
    return staged_solution(
        problem, run.values, len(model.y), run.stages, run.proven, limits.started
    )


def _solver(limits: Limits, deterministic: bool) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = 1 if deterministic else limits.workers
    params.random_seed = limits.seed
    params.relative_gap_limit = limits.relative_gap
    params.catch_sigint_signal = False
    # The model is a network flow with side rules: its LP relaxation proves bounds at once.
    params.linearization_level = 2
    return solver


def _start_from_flow(
    run: CpSatRun, flow: FlowSolution, terms: list[str], strict: bool, flow_started: float
) -> list[str]:
    """Start from the flow's plan; settle the terms it proved (exact, H4 kept) or take its
    values as bounds. Returns the terms left for CP-SAT."""
    run.values = [int(v) for v in np.concatenate([flow.y, flow.keep])]
    if flow.exact and run.feasible and strict:
        run.stages += flow_stages(flow, time.perf_counter() - flow_started)
        if flow.face is None:
            for term in flow.terms:
                run.model.cp.add(run.exprs[term] == flow.values[term])
        else:
            # The optimal face replaces the dense "term == optimum" rows: same plans.
            run.model.restrict_to_face(flow.face)
        return [t for t in terms if t not in flow.terms]
    if strict:
        run.flow_bounds = dict(flow.values)
    return terms


def _stage_plan(
    run: CpSatRun, terms: list[str], strict: bool
) -> list[tuple[str, list[cp_model.LinearExpr]]]:
    """The stages to solve: each term in order, one weighted sum, or a plain feasibility
    solve when no term is left and there is no plan yet."""
    if not strict and terms:
        weights = objective_weights(run.problem.scenario, terms)
        return [
            ("weighted", [cp_model.LinearExpr.sum([w * run.exprs[t] for t, w in weights.items()])])
        ]
    if terms:
        return [(t, [run.exprs[t]]) for t in terms]
    return [] if run.values is not None else [("feasibility", [])]


def _stage(run: CpSatRun, label: str, objective: list[cp_model.LinearExpr]) -> Solution | bool:
    """Solve one stage. Returns ``True`` to go on, ``False`` to stop with the plan found so far
    (a limit stopped the search), or the solution when there is no plan at all."""
    model, limits = run.model, run.limits
    remaining = limits.budget - (time.perf_counter() - limits.started)
    if remaining <= 0.05 and run.feasible:  # a hint that breaks a hard rule is no plan
        run.proven = False
        return False
    run.solver.parameters.max_time_in_seconds = max(remaining, 0.05)
    sense = 1 if label in ("weighted", "feasibility") else TERM_SENSE[label]
    if objective:
        _set_objective(run, label, objective[0], sense)
    if run.values is not None:
        model.cp.clear_hints()
        for var, value in zip(run.variables, run.values, strict=True):
            if not isinstance(var, int):  # a count the face settled is a constant
                model.cp.add_hint(var, value)
    callback = (
        _progress_callback(f"{label:<14}", run.progress, limits.started)
        if run.progress and objective
        else None
    )
    if run.progress:
        run.progress(
            f"solving: {label} ({len(model.y):,} pool-group counts, "
            f"{len(model.keep):,} possible kept contacts)"
        )
    t0 = time.perf_counter()
    status = run.solver.status_name(run_in_thread(run.solver, model.cp, callback))
    seconds = time.perf_counter() - t0
    if status == "INFEASIBLE" and not run.feasible:
        return no_plan(run.problem, "INFEASIBLE", limits.started)
    if status not in ("OPTIMAL", "FEASIBLE"):
        if not run.feasible:
            if status == "MODEL_INVALID":
                raise RuntimeError(f"CP-SAT rejected the model: {model.cp.validate()}")
            return no_plan(run.problem, "UNKNOWN", limits.started)
        run.proven = False
        return False
    run.feasible = True
    run.values = [v if isinstance(v, int) else int(run.solver.value(v)) for v in run.variables]
    if objective:
        _record(run, label, objective[0], sense, status, seconds)
    return True


def _set_objective(run: CpSatRun, label: str, objective: Any, sense: int) -> None:
    """Optimise ``objective`` in this stage, within the flow's bound while that holds."""
    if sense > 0:
        run.model.cp.maximize(objective)
    else:
        run.model.cp.minimize(objective)
    if run.bounds_valid and label in run.flow_bounds:
        limit = run.flow_bounds[label]
        run.model.cp.add(objective <= limit if sense > 0 else objective >= limit)


def _record(
    run: CpSatRun, label: str, objective: Any, sense: int, status: str, seconds: float
) -> None:
    """Keep what the stage proved, and fix its term before the next priority."""
    value = round(run.solver.objective_value)
    bound = round(run.solver.best_objective_bound)
    run.stages.append(Stage(label, status, value, bound, seconds))
    if status != "OPTIMAL":
        run.proven = False
    if label in run.flow_bounds and value != run.flow_bounds[label]:
        run.bounds_valid = False
    if label != "weighted":
        # Fix this priority before optimising the next one.
        if status == "OPTIMAL":
            run.model.cp.add(objective == value)
        elif sense > 0:
            run.model.cp.add(objective >= value)
        else:
            run.model.cp.add(objective <= value)
    if run.progress:
        run.progress(
            f"  {label:<14} {status.lower()}: {value:,} (bound {bound:,}) in {seconds:.1f} s"
        )


def _progress_callback(label: str, report: Progress, start: float) -> Any:
    """A CP-SAT callback that prints elapsed time, best objective and bound twice a second."""

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


def run_in_thread(
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
