"""Solve a :class:`~planner.solver.problem.Problem`: the network flow first, CP-SAT for the rest.

The flow relaxation (:mod:`planner.solver.flow`) answers the leading linear terms exactly when
its plan keeps H4; under strict priorities, when it settles every term, that is the plan and no
CP-SAT model is built (nor loaded). Otherwise its plan starts CP-SAT and bounds its stages
(:mod:`planner.solver.stages`). A duty that is not a flow (a count range, say) gets a
one-target-per-cadre plan as CP-SAT's start where the duties allow it.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from planner.contract import KINDS
from planner.solver.flow.face import central_floor
from planner.solver.flow.network import flow_applicable
from planner.solver.flow.search import (
    FlowSolution,
    Tie,
    central_spread_least,
    flow_solution,
    school_leaders_spread_ok,
)
from planner.solver.problem import Problem
from planner.solver.solution import Progress, Solution, Stage, flow_stages, staged_solution
from planner.solver.terms import active_terms, evaluate


def solve(
    problem: Problem,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
    near: Tie | None = None,
    proven: Mapping[str, int] | None = None,
    unsettled: Callable[[], None] | None = None,
) -> Solution:
    """Solve ``problem`` under its scenario.

    ``deterministic`` runs one worker with a fixed seed so that the same input always gives
    the same plan. When there is no plan the status says why: ``INFEASIBLE`` (the hard rules
    cannot all hold) or ``UNKNOWN`` (time ran out before any plan was found); the words come
    one layer up (:func:`planner.explain.diagnose.solve_explained`).

    For a re-plan (:mod:`planner.workflow.replan`): ``near`` is a tie-break below every term
    that keeps the flow's plan close to an earlier plan; ``proven`` are the term values of an
    optimal plan of a problem this one only restricts (the same data, scenario and held
    targets, with pins added). No plan of this problem does better than those values, so a
    flow plan that reaches every one of them is optimal and no CP-SAT stage is solved.
    ``unsettled`` is called when the flow does not settle every term, before CP-SAT (it may
    raise: the cheap infeasibility checks, which a plan the flow settles cannot fail).
    """
    started = time.perf_counter()
    settings = problem.scenario.solver
    strict = problem.scenario.priorities == "strict"
    terms = active_terms(problem)
    # The flow relaxation: an exact answer for the leading linear terms when it keeps H4,
    # otherwise a hint and a bound for each of them.
    flow_started = time.perf_counter()
    flow = flow_solution(problem, terms, near) if terms else None
    feasible = flow is not None and school_leaders_spread_ok(problem, flow.y, flow.keep)
    exact = flow is not None and flow.exact and feasible
    if progress and flow is not None:
        progress(_flow_words(flow, exact, feasible, time.perf_counter() - flow_started))
    if flow is not None and exact and strict:
        rest = _settled_beyond_flow(problem, flow, terms, proven, floor=near is not None)
        if rest is not None:
            # Every term is settled (by the flow, the face's bound or the proven values): no
            # CP-SAT model is needed (nor loaded).
            values = np.concatenate([flow.y, flow.keep])
            stages = flow_stages(flow, time.perf_counter() - flow_started)
            stages += [Stage(t, "OPTIMAL", v, v, 0.0) for t, v in rest.items()]
            return staged_solution(problem, values, len(flow.y), stages, True, started)
    if unsettled is not None:
        unsettled()

    from planner.solver.stages import Limits, solve_with_cpsat  # CP-SAT: only when needed

    hint = None
    if flow is None and terms and not flow_applicable(problem):
        # Not a flow (duty ranges, say): a one-target-each plan, when the duties allow it,
        # gives CP-SAT a complete start instead of searching for a first plan from nothing.
        hint = one_target_hint(problem, terms)
        if hint is not None and progress:
            progress("solving: a first plan, one target per cadre, as the start for CP-SAT")
    limits = Limits(
        budget=time_limit if time_limit is not None else settings.time_limit,
        started=started,
        workers=workers or settings.workers,
        seed=settings.seed if seed is None else seed,
        relative_gap=settings.relative_gap,
    )
    return solve_with_cpsat(
        problem,
        terms,
        flow,
        hint=hint,
        feasible=feasible,
        limits=limits,
        deterministic=deterministic,
        progress=progress,
        flow_started=flow_started,
    )


def _settled_beyond_flow(
    problem: Problem,
    flow: FlowSolution,
    terms: list[str],
    proven: Mapping[str, int] | None,
    *,
    floor: bool,
) -> dict[str, int] | None:
    """The values of the terms after the flow's, when the flow's plan is proven optimal for
    them too (else ``None``: CP-SAT solves them).

    Two proofs. (1) ``proven`` values (see :func:`solve`) that the plan reaches, term by term.
    (2) With ``floor``, when S5 is the only term left: no plan on the flow's optimal face
    places fewer central cadres in a college than the face forces there
    (:func:`central_floor`), so a plan reaching the largest such floor is optimal for S5;
    or one more flow per busiest college finds no plan optimal for the flow's terms with
    fewer central cadres there (:func:`central_spread_least`). A re-plan uses them; a
    first plan does not, so that it stays the plan CP-SAT picks among equally good ones, as
    it always was (byte for byte in ``--deterministic`` mode).
    """
    rest = [t for t in terms if t not in flow.terms]
    values = {t: evaluate(problem, t, flow.y, flow.keep) for t in rest}
    if proven is not None and all(
        flow.values.get(t, values.get(t)) == proven.get(t) for t in terms
    ):
        return {t: int(proven[t]) for t in rest}
    if floor and rest == ["central_spread"] and flow.face is not None:
        if values["central_spread"] == central_floor(problem, flow.face):
            return {"central_spread": central_floor(problem, flow.face)}
        spread = values["central_spread"]
        if spread is not None and central_spread_least(problem, terms, flow):
            return {"central_spread": spread}
        return None
    return {} if not rest else None


def _flow_words(flow: FlowSolution, exact: bool, feasible: bool, seconds: float) -> str:
    """The progress line of the flow stage."""
    how = (
        ""
        if exact
        else " (keeps H4, not proven optimal; used as a hint)"
        if feasible
        else " (breaks H4; used as a hint)"
    )
    return (
        f"solving: network flow over {len(flow.y):,} pool-group counts and "
        f"{len(flow.keep):,} possible kept contacts in {seconds:.2f} s{how}"
    )


def stderr_progress(message: str) -> None:
    """Default progress sink: one line on stderr."""
    print(message, file=sys.stderr, flush=True)


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
