"""Why no plan can satisfy the hard rules, in the words of the policy.

Two layers. :func:`precheck` catches the common cases cheaply and names rows and ids (a cadre
who may hold nothing, a pin against a rule, contradictory pins, a target no cadre may hold under
hard coverage). :func:`diagnose` handles the rest: it guards every user-changeable rule instance
with an assumption literal, asks CP-SAT for a sufficient set of them, and shrinks that set to a
minimal one, so the message names only rules that really conflict. Solver variable names never
reach the user.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
from ortools.sat.python import cp_model

from planner.contract import ROLE_LABELS_ZH, Kind, Role
from planner.eligibility import why_not
from planner.model import PolicyModel
from planner.problem import Problem, _pair_frame

MAX_NAMED = 8
"""How many cadres or targets a message names before it says "and N more"."""


def _names(items: list[str]) -> str:
    if len(items) <= MAX_NAMED:
        return ", ".join(items)
    return ", ".join(items[:MAX_NAMED]) + f" and {len(items) - MAX_NAMED} more"


def _cadre(row: pd.Series) -> str:
    return f"{row['name']} ({row['id']})"


def _college_name(problem: Problem, college: str | None) -> str:
    if not isinstance(college, str):
        return "the central offices"
    names = problem.dataset.colleges.set_index("id")["name"]
    return f"{names.get(college, college)} ({college})"


def precheck(problem: Problem) -> list[str]:
    """Cheap checks for the usual reasons a plan cannot exist; plain-language lines."""
    return (
        _cadres_without_targets(problem)
        + _pins_against_rules(problem)
        + _pins_against_each_other(problem)
        + _hard_coverage_without_cadres(problem)
    )


def _cadres_without_targets(problem: Problem) -> list[str]:
    """H1 + eligibility: cadres who must hold a target but may hold none."""
    p = problem
    reach = set(p.arcs["pool"]) | set(p.keeps["pool"])
    stuck = p.cadres[~p.cadres["pool"].isin(reach)]
    stuck = stuck[
        stuck["role"].map(lambda r: p.scenario.duty(r).total_range().min > 0).to_numpy(bool)
    ]
    out = []
    for college, frame in stuck.groupby(stuck["college"].fillna(""), sort=True):
        names = _names([_cadre(r) for _, r in frame.iterrows()])
        if college:
            has_targets = (p.dataset.targets()["college"] == college).any()
            why = (
                "its targets are all ruled out for them (dorm gender, campus or the role's kinds)"
                if has_targets
                else "the college has no class, dorm room, society or party branch in the data"
            )
            out.append(
                f"H1 one target per cadre + H3 department of origin: "
                f"{_college_name(p, college)}: {len(frame)} available cadre(s) must each hold a "
                f"target but may hold none — {why}: {names}. To fix: add the college's targets "
                f"to the data, or mark these cadres unavailable (在岗 = 否)."
            )
        else:
            out.append(
                f"H1 one target per cadre: {len(frame)} central cadre(s) may hold no target "
                f"under the scenario's rules: {names}. To fix: relax the campus or dorm-gender "
                "rule, or mark them unavailable."
            )
    return out


def _pin_words(problem: Problem, pin: pd.Series) -> str:
    c = problem.cadres.loc[int(pin["cadre"])]
    t = problem.targets.loc[int(pin["target"])]
    return f"pin row {pin['row']} requires {_cadre(c)} to hold {t['kind']} {t['id']} ({t['name']})"


def _pins_against_rules(problem: Problem) -> list[str]:
    """H6 against H1/H3/H5/campus: a require pin that a single-pair rule forbids."""
    p = problem
    out = []
    data = p.dataset
    # A require pin on a cadre who is on leave or outside the scope.
    pins = data.pins[data.pins["rule"] == "require"]
    in_scope = set(p.cadres["id"])
    on_leave = set(data.cadres.loc[~data.cadres["available"], "id"])
    scope_targets = set(zip(p.targets["kind"], p.targets["id"], strict=True))
    for _, pin in pins.iterrows():
        if (pin["kind"], pin["target"]) not in scope_targets:
            continue
        if pin["cadre"] in on_leave:
            out.append(
                f"H6 pins + H1: pin row {pin['row']} requires cadre {pin['cadre']} to hold "
                f"{pin['kind']} {pin['target']}, but the cadre is on leave (在岗 = 否) and holds "
                f"nothing. To fix: drop pin row {pin['row']}, or mark the cadre available."
            )
        elif pin["cadre"] not in in_scope and p.scope != "university":
            continue  # another scope places this cadre
    forbidden = set(zip(p.forbids["cadre"], p.forbids["target"], strict=True))
    forbid_rows = {
        (c, t): r
        for c, t, r in zip(p.forbids["cadre"], p.forbids["target"], p.forbids["row"], strict=True)
    }
    for _, pin in p.requires.iterrows():
        key = (int(pin["cadre"]), int(pin["target"]))
        if key in forbidden:
            out.append(
                f"H6 pins: {_pin_words(p, pin)}, but pin row {forbid_rows[key]} forbids the same "
                f"pair. To fix: drop pin row {pin['row']} or pin row {forbid_rows[key]}."
            )
            continue
        frame = _pair_frame(
            p.cadres.loc[[key[0]]].reset_index(drop=True),
            p.targets.loc[[key[1]]].reset_index(drop=True),
        )
        reasons = why_not(frame.iloc[0], p.scenario)
        if reasons:
            out.append(
                f"H6 pins: {_pin_words(p, pin)}, but {'; '.join(reasons)}. "
                f"To fix: drop pin row {pin['row']}, or change the scenario's rule."
            )
    return out


def _pins_against_each_other(problem: Problem) -> list[str]:
    """H6 against H1/H2/H4: too many require pins on one cadre, one target or one college."""
    p = problem
    out: list[str] = []
    req = p.requires
    if req.empty:
        return out
    for target, frame in req.groupby("target"):
        t = p.targets.loc[int(target)]
        cap = p.scenario.kinds[Kind(t["kind"])].cap
        if len(frame) > cap:
            rows = ", ".join(str(r) for r in frame["row"])
            out.append(
                f"H2 one cadre per target + H6 pins: pin rows {rows} require {len(frame)} cadres "
                f"on {t['kind']} {t['id']} ({t['name']}), which may hold only {cap}. "
                f"To fix: keep one of these pins."
            )
    for cadre, frame in req.groupby("cadre"):
        c = p.cadres.loc[int(cadre)]
        duty = p.scenario.duty(c["role"])
        rows = ", ".join(str(r) for r in frame["row"])
        if len(frame) > duty.total_range().max:
            out.append(
                f"H1 one target per cadre + H6 pins: pin rows {rows} require {_cadre(c)} to hold "
                f"{len(frame)} targets, but the role holds at most {duty.total_range().max}. "
                "To fix: keep one of these pins."
            )
            continue
        kinds = Counter(p.targets.loc[frame["target"], "kind"])
        for kind, n in kinds.items():
            if n > duty.kind_range(Kind(kind)).max:
                out.append(
                    f"H1 one target per cadre + H6 pins: pin rows {rows} require {_cadre(c)} to "
                    f"hold {n} {kind}s, but the role holds at most "
                    f"{duty.kind_range(Kind(kind)).max}. To fix: keep one of these pins."
                )
    limit = p.scenario.school_leader_spread
    if limit is not None:
        leaders = req[(p.cadres.loc[req["cadre"], "role"] == Role.SCHOOL_LEADER.value).to_numpy()]
        colleges = p.targets.loc[leaders["target"], "college"].to_numpy()
        for college in sorted({c for c in colleges if isinstance(c, str)}):
            rows_here = leaders[colleges == college]
            if len(rows_here) > limit:
                rows = ", ".join(str(r) for r in rows_here["row"])
                out.append(
                    f"H4 school leaders spread out + H6 pins: pin rows {rows} place "
                    f"{len(rows_here)} {ROLE_LABELS_ZH[Role.SCHOOL_LEADER]} in "
                    f"{_college_name(p, college)}, but at most {limit} may be there. "
                    "To fix: keep one of these pins, or raise school_leader_spread."
                )
    return out


def _hard_coverage_without_cadres(problem: Problem) -> list[str]:
    """Hard coverage: targets that no cadre may hold at all."""
    p = problem
    hard_groups = p.groups.index[p.groups["coverage"] == "hard"]
    reach = set(p.arcs["group"]) | set(p.keeps["group"])
    bare = [g for g in hard_groups if g not in reach]
    if not bare:
        return []
    targets = p.targets[p.targets["group"].isin(bare)]
    out = []
    for (kind, college), frame in targets.groupby(
        [targets["kind"], targets["college"].fillna("")], sort=True
    ):
        ids = _names([f"{r['id']} ({r['name']})" for _, r in frame.iterrows()])
        out.append(
            f"{kind} coverage is hard, but no available cadre may hold these {kind}s of "
            f"{_college_name(p, college or None)}: {ids}. To fix: make {kind} coverage soft, "
            "or add cadres who may hold them."
        )
    return out


def diagnose(problem: Problem, time_limit: float = 20.0) -> list[str]:
    """A minimal set of hard-rule instances that cannot hold together, in plain words."""
    model = PolicyModel(problem, guarded=True)
    model.add_hard_rules()
    literals = model.guard_literals
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = time_limit

    def infeasible_with(active: list[cp_model.IntVar]) -> bool | None:
        model.cp.clear_assumptions()
        model.cp.add_assumptions(active)
        status = solver.solve(model.cp)
        if status == cp_model.INFEASIBLE:
            return True
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        return None

    if infeasible_with(literals) is not True:
        return [
            "The hard rules cannot all hold, but no single rule instance could be singled out "
            "in time. Check the capacity summary of `planner validate`."
        ]
    core_indices = set(solver.sufficient_assumptions_for_infeasibility())
    core = [lit for lit in literals if lit.index in core_indices]
    # Deletion filter: drop every guard the conflict does not need.
    solver.parameters.max_time_in_seconds = max(1.0, time_limit / max(len(core), 1))
    i = 0
    while i < len(core) and len(core) > 1:
        trial = core[:i] + core[i + 1 :]
        if infeasible_with(trial) is True:
            core = trial
        else:
            i += 1
    if not core:
        return [
            "The hard rules cannot hold for any plan: the cadres' duties and the targets' caps "
            "do not fit together (e.g. more duties of a kind than targets of that kind)."
        ]
    lines = ["These rules cannot all hold together:"]
    for lit in core:
        guard = model.guards[lit.index]
        lines.append(f"{guard.rule}: {guard.text}. To fix: {guard.change}.")
    return lines
