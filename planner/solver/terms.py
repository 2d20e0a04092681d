"""The objective: which terms count, how they weigh, and the soft terms as coefficient vectors
over the model's variables (arcs and keeps).

Each idea is written once here: :func:`active_terms` (the terms a scenario counts for a
problem), :func:`objective_weights` and :func:`weighted_objective` (Σ sense·weight·value),
:func:`gap` (how far a bound is from a value), and :func:`linear_coefficients`, which serves the
CP-SAT model (:mod:`planner.solver.cpsat`), the min-cost flow (:mod:`planner.solver.flow`) and
numeric evaluation of a solution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from planner.scenario import TERM_SENSE, TERMS, Scenario
from planner.solver.problem import Problem


def active_terms(problem: Problem) -> list[str]:
    """Terms that the scenario counts for ``problem`` (in priority order)."""
    s = problem.scenario
    active = {
        "coverage": any(r.coverage != "off" and r.weight > 0 for r in s.kinds.values()),
        "continuity": s.continuity == "soft" and bool(problem.keeps["previous"].any()),
        "campus": s.campus == "soft",
        "dorm_gender": s.dorm_gender == "soft",
        "dorm_priority": True,
        "central_spread": bool(problem.pools["central"].any()),
        "stay": bool(problem.keeps["base"].any()),
    }
    return [t for t in s.order if t in TERMS and active[t]]


def objective_weights(scenario: Scenario, terms: Iterable[str]) -> dict[str, int]:
    """Each term's coefficient in the weighted objective (maximised): its sense (+1 to
    maximise, -1 to minimise) times the scenario's weight."""
    return {t: TERM_SENSE[t] * scenario.weight(t) for t in terms}


def weighted_objective(
    scenario: Scenario, values: Mapping[str, float], terms: Iterable[str]
) -> float:
    """Σ sense·weight·value over ``terms`` (the CP-SAT model sums the same
    :func:`objective_weights` over its expressions)."""
    return float(sum(w * values[t] for t, w in objective_weights(scenario, terms).items()))


def gap(objective: float, bound: float) -> float:
    """Relative gap between a (maximised) objective and its bound (0 when they meet)."""
    return abs(bound - objective) / max(abs(bound), abs(objective), 1.0)


def linear_coefficients(problem: Problem, term: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Per-arc and per-keep coefficients of a linear term; ``None`` for S5 (a maximum).

    Coverage is linear here because groups hold targets of cap 1 and minimum 1 only
    (other targets are groups of one with their own "covered" variable in the model).
    """
    arcs, keeps, groups = problem.arcs, problem.keeps, problem.groups
    if term == "coverage":
        if not all(r.cap == 1 and r.min == 1 for r in problem.scenario.kinds.values()):
            return None
        counted = ((groups["coverage"] != "off") * groups["weight"]).to_numpy(np.int64)
        return counted[arcs["group"].to_numpy(np.int64)], counted[keeps["group"].to_numpy(np.int64)]
    if term in ("continuity", "stay"):
        named = keeps["previous" if term == "continuity" else "base"].to_numpy(bool)
        return np.zeros(len(arcs), np.int64), named.astype(np.int64)
    if term == "campus":
        column = "cross_campus"
    elif term == "dorm_gender":
        column = "gender_mismatch"
    elif term == "dorm_priority":
        a = np.where(arcs["kind"] == "dorm", arcs["rank"], 0).astype(np.int64)
        k = np.where(keeps["kind"] == "dorm", keeps["rank"], 0).astype(np.int64)
        return a, k
    else:
        return None
    return (
        arcs[column].to_numpy(bool).astype(np.int64),
        keeps[column].to_numpy(bool).astype(np.int64),
    )


def evaluate(problem: Problem, term: str, y: np.ndarray, keep: np.ndarray) -> int | None:
    """The value of a term for given variable values, as the CP-SAT model counts it
    (``None`` for coverage with minimums or caps above one: not a count of arcs)."""
    if term == "central_spread":
        return central_spread(problem, y, keep)
    coef = linear_coefficients(problem, term)
    if coef is None:
        return None
    return int(coef[0] @ y + coef[1] @ keep)


def central_spread(problem: Problem, y: np.ndarray, keep: np.ndarray) -> int:
    """S5 for given variable values (or any per-arc and per-keep counts, such as a face's lower
    bounds): the most contacts central cadres have in one college (a university-level society
    counts for no college)."""
    arcs, keeps = problem.arcs, problem.keeps
    a = arcs["central"].to_numpy(bool) & arcs["college"].notna().to_numpy()
    k = keeps["central"].to_numpy(bool) & keeps["college"].notna().to_numpy()
    colleges = np.concatenate([arcs["college"].to_numpy()[a], keeps["college"].to_numpy()[k]])
    if not len(colleges):
        return 0
    amounts = np.concatenate([np.asarray(y)[a], np.asarray(keep)[k]]).astype(np.int64)
    codes, _ = pd.factorize(colleges)
    return int(np.bincount(codes, weights=amounts).max())
