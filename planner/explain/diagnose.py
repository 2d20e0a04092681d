"""Why no plan can satisfy the hard rules, in the words of the policy; and solving with it.

:func:`solve_explained` is what planning calls: the cheap checks first
(:mod:`planner.explain.precheck`), then the solve, and when the solve finds no plan the words:
:func:`diagnose` guards every user-changeable rule instance with an assumption literal
(:class:`planner.solver.cpsat.PolicyModel` with ``guarded=True``), asks CP-SAT for a sufficient
set of them and shrinks that set to a minimal one by deletion, so the message names only rule
instances that really conflict. Solver variable names never reach the user.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from planner.contract import ROLE_LABELS_ZH, Role
from planner.errors import InfeasibleError, NoPlanInTimeError
from planner.explain.precheck import precheck
from planner.i18n import gettext as _
from planner.policy import H1, H2, H4, H6, S1, S2
from planner.solver.flow.search import Tie
from planner.solver.problem import Problem
from planner.solver.solution import Progress, Solution
from planner.solver.solve import solve
from planner.words import (
    college_name,
    file_name,
    kind_code,
    listed,
    target_label,
)

if TYPE_CHECKING:  # CP-SAT and the model load only when a diagnosis needs them
    from ortools.sat.python import cp_model

    from planner.solver.cpsat import Guard


# -- solving, with the reasons in words ---------------------------------------------------
def solve_explained(
    problem: Problem,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
    near: Tie | None = None,
    proven: Mapping[str, int] | None = None,
    checks_first: bool = True,
) -> Solution:
    """:func:`planner.solver.solve.solve`, raising in words when there is no plan.

    The cheap checks (:func:`precheck`) run first, so the usual reasons are given without
    solving. Raises :class:`~planner.errors.InfeasibleError` with the diagnosis when the hard
    rules cannot all hold and :class:`~planner.errors.NoPlanInTimeError` when time ran out
    before any plan was found.

    Without ``checks_first`` (a re-plan from a warm problem) the cheap checks run only
    when the flow does not settle the plan, before CP-SAT: a plan the flow proves optimal
    exists, so they would find nothing; otherwise they give the very same words as before.
    """

    def checked() -> None:
        reasons = precheck(problem)
        if reasons:
            raise InfeasibleError(reasons)

    if checks_first:
        checked()
    solution = solve(
        problem,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        progress=progress,
        near=near,
        proven=proven,
        unsettled=None if checks_first else checked,
    )
    budget = time_limit if time_limit is not None else problem.scenario.solver.time_limit
    if solution.status == "INFEASIBLE":
        # The diagnosis gets the run's time budget (20 s at least): a university-size conflict
        # that the counting checks miss takes CP-SAT some seconds per deletion step.
        raise InfeasibleError(diagnose(problem, time_limit=max(DIAGNOSIS_SECONDS, budget)))
    if solution.status == "UNKNOWN":
        raise NoPlanInTimeError(
            _(
                "the time limit ({seconds} s) ran out before any plan satisfying the hard "
                "rules was found; try a longer --time-limit"
            ).format(seconds=f"{budget:g}")
        )
    return solution


# -- the exact diagnosis -----------------------------------------------------------------
DIAGNOSIS_SECONDS = 20.0
"""The least time the exact diagnosis is given (more when the run's time limit is longer)."""


def diagnose(problem: Problem, time_limit: float = DIAGNOSIS_SECONDS) -> list[str]:
    """A minimal set of hard-rule instances that cannot hold together, in plain words.

    Runs :func:`precheck` first (its messages are sharper); otherwise solves the guarded
    model under assumptions, takes CP-SAT's sufficient set and removes every guard the
    conflict does not need (a deletion filter within ``time_limit`` seconds in all).
    """
    quick = precheck(problem)
    if quick:
        return quick
    from ortools.sat.python import cp_model

    from planner.solver.cpsat import PolicyModel

    started = time.perf_counter()
    model = PolicyModel(problem, guarded=True)
    model.add_hard_rules()
    literals = model.guard_literals
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.linearization_level = 2  # the LP relaxation proves most conflicts

    def infeasible_with(active: list[cp_model.IntVar]) -> bool | None:
        model.cp.clear_assumptions()
        model.cp.add_assumptions(active)
        status = solver.solve(model.cp)
        if status == cp_model.INFEASIBLE:
            return True
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        return None

    verdict = infeasible_with(literals)
    if verdict is False:
        return [
            _(
                "The hard rules cannot all hold together with the targets' caps and the "
                "cadres' duties as the scenario sets them ({h1}, {h2}): check the capacity "
                "summary of `planner validate` and the scenario's duties and caps."
            ).format(h1=H1.label, h2=H2.label)
        ]
    if verdict is None:
        return [
            _(
                "The hard rules cannot all hold, but no single rule instance could be singled "
                "out in time. Check the capacity summary of `planner validate`."
            )
        ]

    def sufficient(active: list[cp_model.IntVar]) -> list[cp_model.IntVar]:
        chosen = set(solver.sufficient_assumptions_for_infeasibility())
        return [lit for lit in active if lit.index in chosen]

    core = sufficient(literals)
    # Deletion filter: drop every guard the conflict does not need.
    i = 0
    while i < len(core) and len(core) > 1:
        remaining = time_limit - (time.perf_counter() - started)
        if remaining <= 0:
            break
        solver.parameters.max_time_in_seconds = max(0.5, remaining / (len(core) - i))
        trial = core[:i] + core[i + 1 :]
        if infeasible_with(trial) is True:
            core = sufficient(trial) or trial
        else:
            i += 1
    if not core:
        return [
            _(
                "The hard rules cannot hold for any plan: the cadres' duties and the targets' "
                "caps do not fit together (e.g. more duties of a kind than targets of that "
                "kind)."
            )
        ]
    guards = [model.guards[lit.index] for lit in core]
    return [_("These rules cannot all hold together:"), *_grouped(problem, guards)]


def _grouped(problem: Problem, guards: list[Guard]) -> list[str]:
    """One line per rule and change, naming every instance (at most
    :data:`~planner.words.NAMED`)."""
    order: dict[tuple[str, str], list[str]] = {}
    for guard in guards:
        rule, text, change = guard_words(problem, guard)
        order.setdefault((rule, change), []).append(text)
    return [
        _("{rule}: {what}. To fix: {change}.").format(rule=rule, what=listed(texts), change=change)
        for (rule, change), texts in order.items()
    ]


def guard_words(problem: Problem, guard: Guard) -> tuple[str, str, str]:
    """A guarded rule instance in words: the rule, the instance, and what to change."""
    ds = problem.dataset
    if guard.what in ("duty", "kind duty"):
        pool = problem.pools.loc[guard.pool]
        who = (
            _cadre_role_words(problem, int(pool["cadre"]))
            if pool["singleton"]
            else (_pool_words(problem, pool))
        )
        if guard.what == "duty":
            each = (
                _("{who} must hold {n} target(s)")
                if pool["singleton"]
                else _("{who} must hold {n} target(s) each")
            )
            return (
                H1.label,
                each.format(who=who, n=guard.count),
                _(
                    "add a target they may hold, or mark cadres unavailable (在岗 = 否 in {file})"
                ).format(file=file_name(ds, "cadres")),
            )
        kind = kind_code(str(guard.kind))
        return (
            H1.label,
            _("{who} must hold {n} {kind}(s)").format(who=who, n=guard.count, kind=kind),
            _("give the role fewer {kind} duties, or add a {kind} the cadre may hold").format(
                kind=kind
            ),
        )
    if guard.what == "school leaders":
        return (
            H4.label,
            _("at most {n} school leader(s) in {college}").format(
                n=guard.count, college=_college_words(problem, guard.college)
            ),
            _("raise school_leader_spread in the scenario, or mark a school leader unavailable"),
        )
    if guard.what == "coverage":
        return (
            S1.made_hard,
            _("every {kind} of {college} must hold a cadre").format(
                kind=kind_code(str(guard.kind)), college=_college_words(problem, guard.college)
            ),
            _(
                "make {kind} coverage soft (kinds: {kind_id}: coverage: soft in the scenario), "
                "or add cadres who may hold them"
            ).format(kind=kind_code(str(guard.kind)), kind_id=guard.kind),
        )
    table = "pins" if guard.what == "pin" else "previous"
    sentence = (
        _("{file} row {row}: {cadre} must hold {target}")
        if guard.what == "pin"
        else _("{file} row {row}: {cadre} keeps {target}")
    )
    text = sentence.format(
        file=file_name(ds, table),
        row=guard.row,
        cadre=_cadre_role_words(problem, guard.cadre),
        target=target_label(problem.targets.loc[guard.target]),
    )
    if guard.what == "pin":
        return (
            H6.label,
            text,
            _("drop {file} row {row}").format(file=file_name(ds, "pins"), row=guard.row),
        )
    return (
        S2.made_hard,
        text,
        _("make continuity soft (continuity: soft in the scenario)"),
    )


def _cadre_role_words(problem: Problem, cadre: int) -> str:
    """``张伟 (T003, 青年教师, C01)``."""
    row = problem.cadres.loc[cadre]
    where = row["college"] if isinstance(row["college"], str) else row["unit"]
    return _("{name} ({code}, {role}, {where})").format(
        name=row["name"], code=row["id"], role=ROLE_LABELS_ZH[Role(row["role"])], where=where
    )


def _pool_words(problem: Problem, pool: pd.Series) -> str:
    """``the 25 青年教师 (young_teacher) cadres of 法学院 (C01) on 石牌校区``."""
    role = Role(pool["role"])
    where = (
        _college_words(problem, pool["college"]) if pool["college"] else _("the central offices")
    )
    return _("the {n} {label} ({role}) cadres of {where} on {campus}").format(
        n=pool["size"],
        label=ROLE_LABELS_ZH[role],
        role=role.value,
        where=where,
        campus=pool["campus"],
    )


def _college_words(problem: Problem, college: str | None) -> str:
    """``法学院 (C01)``, or ``university level`` (no college)."""
    if college == "(university)":
        college = None
    return college_name(problem.dataset, college, none=_("university level"))
