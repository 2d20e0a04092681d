"""Why no plan can satisfy the hard rules, in the words of the policy.

Two layers. :func:`precheck` catches the common cases cheaply and names files, rows and ids:

- cadres who must hold a target but may hold none (H1 with H3, H5, the hard campus rule or the
  role's duties), with the rule that shuts each group out;
- require pins that break a single-pair rule (H3, H5, hard campus, duties), a forbid pin or a
  leave; pins that ask too much of one cadre (H1), one target (H2) or one college (H4);
- more cadres than targets they may hold (H1 + H3), found as a Hall violation of a max flow:
  the min cut names the cadres and every target open to them;
- hard coverage that the cadres who may hold the targets cannot give (same test, reversed).

:func:`diagnose` handles the rest: it guards every user-changeable rule instance with an assumption
literal (:class:`planner.solver.cpsat.PolicyModel` with ``guarded=True``), asks CP-SAT for a
sufficient set of them and shrinks that set to a minimal one by deletion, so the message names only
rule instances that really conflict. Solver variable names never reach the user.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from ortools.graph.python import max_flow

from planner.contract import ROLE_LABELS_ZH, Kind, Role
from planner.errors import InfeasibleError, NoPlanInTimeError
from planner.explain.capacity import count_words, join_words
from planner.solver.eligibility import (
    campus_hard,
    h3_department_of_origin,
    h5_dorm_gender,
    kind_allowed,
    pair_frame,
)
from planner.solver.problem import Problem
from planner.solver.solve import Progress, Solution, solve

if TYPE_CHECKING:  # CP-SAT and the model load only when a diagnosis needs them
    from ortools.sat.python import cp_model

    from planner.solver.cpsat import Guard

MAX_NAMED = 8
"""How many cadres, targets or rows a message names before it says "and N more"."""


# -- words -------------------------------------------------------------------------------
def _names(items: list[str], limit: int = MAX_NAMED) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


def file_name(problem: Problem, table: str) -> str:
    """The file (or workbook sheet) a table came from, as the user named it."""
    source = problem.dataset.sources.get(table)
    return source.display if source is not None else f"{table}.csv"


def row_list(rows: list[int]) -> str:
    """``row 4``, ``rows 4, 7``, ``rows 12–15, 20`` (runs of consecutive rows joined)."""
    rows = sorted({int(r) for r in rows})
    if not rows:
        return "no rows"
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    parts = [f"{a}" if a == b else f"{a}–{b}" for a, b in runs]
    return ("row " if len(rows) == 1 else "rows ") + _names(parts)


def cadre_words(row: pd.Series) -> str:
    """``张伟 (T003)``."""
    return f"{row['name']} ({row['id']})"


def role_words(role: str) -> str:
    """``学院领导 college_leader``."""
    return f"{ROLE_LABELS_ZH[Role(role)]} {role}"


def college_name(problem: Problem, college: str | None) -> str:
    """``法学院 (C01)``; ``the central offices`` for no college."""
    if not isinstance(college, str) or not college:
        return "the central offices"
    names = problem.dataset.colleges.set_index("id")["name"]
    return f"{names.get(college, college)} ({college})"


def target_words(problem: Problem, t: pd.Series) -> str:
    """``class 2025C0101 (法学2025级1班, 法学院 (C01))`` for a row of ``problem.targets``."""
    where = (
        college_name(problem, t["college"])
        if isinstance(t["college"], str)
        else f"university level, {t['campus']}"
    )
    return f"{t['kind']} {t['id']} ({t['name']}, {where})"


def _target_counts(problem: Problem, targets: pd.DataFrame) -> str:
    """``C04's 3 classes and 2 branches, and 6 university-level societies on 石牌校区``."""
    parts = []
    for college, frame in targets.groupby(targets["college"].fillna(""), sort=True):
        kinds = Counter(frame["kind"])
        words = join_words([count_words(kinds[k], k) for k in _KIND_ORDER if kinds[k]])
        if college:
            parts.append(f"{words} of {college_name(problem, college)}")
        else:
            campuses = ", ".join(sorted(set(frame["campus"])))
            parts.append(f"{words} at university level on {campuses}")
    return join_words(parts) if parts else "no target"


_KIND_ORDER = ("class", "branch", "society", "dorm")


def _who(problem: Problem, cadres: pd.DataFrame) -> str:
    """``8 of 法学院 (C01), 4 of 管理学院 (C06) and 31 central``."""
    colleges = sorted({c for c in cadres["college"] if isinstance(c, str)})
    parts = [
        f"{int((cadres['college'] == c).sum())} of {college_name(problem, c)}" for c in colleges
    ]
    if cadres["central"].any():
        parts.append(f"{int(cadres['central'].sum())} central")
    return join_words(parts)


def _are(n: int) -> str:
    return "is" if n == 1 else "are"


# -- the cheap checks --------------------------------------------------------------------
def precheck(problem: Problem) -> list[str]:
    """Cheap checks for the usual reasons a plan cannot exist; plain-language lines."""
    stuck = _cadres_without_targets(problem)
    return (
        stuck[1]
        + _pins_against_rules(problem)
        + _pins_against_each_other(problem)
        + _too_many_cadres(problem, skip=stuck[0])
        + _hard_coverage_short(problem)
    )


def _blocking(problem: Problem, cadres: pd.DataFrame) -> pd.Series:
    """Per stuck cadre (index as ``cadres``): which rule shuts them out of every target.

    One of ``no targets`` (their college has none and no university society is on their
    campus), ``campus``, ``gender``, ``duties`` or ``rules`` (several together).
    """
    p = problem
    targets = p.targets
    out = {}
    for i, c in cadres.iterrows():
        own = targets[
            (targets["college"] == c["college"])
            | (targets["college"].isna() & (targets["campus"] == c["campus"]))
        ]
        if not isinstance(c["college"], str):  # central cadre: any target
            own = targets
        if own.empty:
            out[i] = "no targets"
            continue
        side = pd.DataFrame([c] * len(own)).reset_index(drop=True)
        frame = pair_frame(side, own.reset_index(drop=True))
        masks = {
            "duties": kind_allowed(frame, p.scenario),
            "origin": h3_department_of_origin(frame, p.scenario),
            "gender": h5_dorm_gender(frame, p.scenario),
            "campus": campus_hard(frame, p.scenario),
        }
        others = {
            name: np.logical_and.reduce([m for n, m in masks.items() if n != name])
            for name in masks
        }
        if np.logical_and.reduce(list(masks.values())).any():
            out[i] = "pins"  # every rule allows some target: forbid pins took them away
            continue
        single = [name for name in ("campus", "gender", "duties") if others[name].any()]
        out[i] = single[0] if len(single) == 1 else "rules"
    return pd.Series(out, dtype=object)


def _cadres_without_targets(problem: Problem) -> tuple[set[int], list[str]]:
    """H1 + single-pair rules: cadres who must hold a target but may hold none.

    Returns the pools reported (so the max-flow check skips them) and the lines.
    """
    p = problem
    reach = set(p.arcs["pool"]) | set(p.keeps["pool"])
    stuck = p.cadres[~p.cadres["pool"].isin(reach)]
    stuck = stuck[
        stuck["role"].map(lambda r: p.scenario.duty(r).total_range().min > 0).to_numpy(bool)
    ]
    if stuck.empty:
        return set(), []
    cause = _blocking(p, stuck)
    cadre_file = file_name(p, "cadres")
    out = []
    key = [stuck["college"].fillna(""), cause]
    for (college, why), frame in stuck.groupby(key, sort=True):
        names = _names([cadre_words(r) for _, r in frame.iterrows()])
        rows = f"{cadre_file} {row_list(list(frame['row']))}"
        n = len(frame)
        who = (
            f"{count_words(n, 'available cadre')} of {college_name(p, college)}"
            if college
            else count_words(n, "available central cadre")
        )
        campuses = ", ".join(sorted(set(frame["campus"])))
        if why == "no targets":
            rule = "H1 one target per cadre + H3 department of origin"
            because = (
                f"{college_name(p, college)} has no class, dorm room, society or party branch "
                f"in the data, and no university-level society is on {campuses}"
            )
            change = (
                f"add the college's targets to the data, or mark these cadres unavailable "
                f"(在岗 = 否 in {rows})"
            )
        elif why == "campus":
            rule = "H1 one target per cadre + campus rule (hard in this scenario)"
            because = f"they are on {campuses} and every target they may hold is on another campus"
            change = (
                "make the campus rule soft (campus: soft in the scenario), correct their campus "
                f"(校区 in {rows}), or mark them unavailable (在岗 = 否)"
            )
        elif why == "gender":
            rule = "H1 one target per cadre + H5 dorm gender"
            because = "the only targets they may hold are dorm rooms of the other gender"
            change = (
                "add a target they may hold, make dorm_gender soft in the scenario, or mark them "
                f"unavailable (在岗 = 否 in {rows})"
            )
        elif why == "pins":
            rule = "H1 one target per cadre + H6 pins"
            because = "forbid pins rule out every target the other rules leave open to them"
            change = f"drop some of the forbid pins on these cadres in {file_name(p, 'pins')}"
        elif why == "duties":
            rule = "H1 one target per cadre (duties)"
            because = "the scenario's duties for their role allow no kind of target they could hold"
            change = (
                "change the role's duties in the scenario, or mark them unavailable "
                f"(在岗 = 否 in {rows})"
            )
        else:
            rule = "H1 one target per cadre"
            because = (
                "the hard rules together (H3 department of origin, H5 dorm gender, the campus "
                "rule, the role's duties, forbid pins) rule out every target for them"
            )
            change = f"add a target they may hold, or mark them unavailable (在岗 = 否 in {rows})"
        each = "each hold a target" if n > 1 else "hold a target"
        if n == 1:
            because = because.replace("they are on", "the cadre is on").replace(
                "the only targets they may hold", "the only targets the cadre may hold"
            )
        out.append(
            f"{rule}: {who} must {each} but may hold none — {because}: {names}. To fix: {change}."
        )
    return set(stuck["pool"].astype(int)), out


def _pin_words(problem: Problem, pin: pd.Series) -> str:
    c = problem.cadres.loc[int(pin["cadre"])]
    t = problem.targets.loc[int(pin["target"])]
    where = (
        f"of {college_name(problem, c['college'])}"
        if isinstance(c["college"], str)
        else f"of {c['unit']}"
    )
    return (
        f"{file_name(problem, 'pins')} row {pin['row']} requires {cadre_words(c)}, "
        f"{role_words(c['role'])} {where} on {c['campus']}, to hold {target_words(problem, t)}"
    )


def _pins_against_rules(problem: Problem) -> list[str]:
    """H6 against leave, forbid pins, H1 duties, H3, H5 and the hard campus rule."""
    p = problem
    out = []
    data = p.dataset
    pins_file = file_name(p, "pins")
    pins = data.pins[data.pins["rule"] == "require"]
    on_leave = data.cadres.set_index("id")
    on_leave = on_leave[~on_leave["available"]]
    scope_targets = set(zip(p.targets["kind"], p.targets["id"], strict=True))
    for _, pin in pins.iterrows():
        if (pin["kind"], pin["target"]) not in scope_targets or pin["cadre"] not in on_leave.index:
            continue
        c = on_leave.loc[pin["cadre"]]
        out.append(
            f"H6 pins + H1 one target per cadre: {pins_file} row {pin['row']} requires "
            f"{c['name']} ({pin['cadre']}) to hold {pin['kind']} {pin['target']}, but the cadre "
            f"is on leave (在岗 = 否 in {file_name(p, 'cadres')} row {c['row']}) and holds "
            f"nothing. To fix: drop {pins_file} row {pin['row']}, or mark the cadre available."
        )
    forbid_rows = {
        (c, t): r
        for c, t, r in zip(p.forbids["cadre"], p.forbids["target"], p.forbids["row"], strict=True)
    }
    for _, pin in p.requires.iterrows():
        key = (int(pin["cadre"]), int(pin["target"]))
        if key in forbid_rows:
            out.append(
                f"H6 pins: {_pin_words(p, pin)}, but {pins_file} row {forbid_rows[key]} forbids "
                f"the same pair. To fix: drop {pins_file} row {pin['row']} or row "
                f"{forbid_rows[key]}."
            )
            continue
        out += _pin_breaks(p, pin)
    return out


def _pin_breaks(problem: Problem, pin: pd.Series) -> list[str]:
    """The single-pair rules one require pin breaks, each with what to change."""
    p = problem
    c = p.cadres.loc[int(pin["cadre"])]
    t = p.targets.loc[int(pin["target"])]
    frame = pair_frame(c.to_frame().T, t.to_frame().T).reset_index(drop=True)
    drop = f"drop {file_name(p, 'pins')} row {pin['row']}"
    out = []
    if not kind_allowed(frame, p.scenario)[0]:
        out.append(
            f"H6 pins + H1 duties: {_pin_words(p, pin)}, but the scenario's duties give "
            f"{c['role']} no {t['kind']} to hold. To fix: {drop}, or allow the kind in "
            f"duties.{c['role']} of the scenario."
        )
    if not h3_department_of_origin(frame, p.scenario)[0]:
        where = (
            college_name(p, t["college"])
            if isinstance(t["college"], str)
            else f"university level on {t['campus']}"
        )
        out.append(
            f"H6 pins + H3 department of origin: {_pin_words(p, pin)}, but the cadre belongs to "
            f"{college_name(p, c['college'])} and the {t['kind']} to {where}; a college's "
            f"cadres hold only their own college's targets. To fix: {drop}, pin the "
            f"{t['kind']} to a cadre of its own college or to a central cadre instead, or turn "
            f"H3 off for {c['role']} (origin: roles: {c['role']}: false in the scenario)."
        )
    if not h5_dorm_gender(frame, p.scenario)[0]:
        out.append(
            f"H6 pins + H5 dorm gender: {_pin_words(p, pin)}, but the dorm room houses students "
            f"of the other gender. To fix: {drop}, or pin a dorm room of the cadre's gender."
        )
    if not campus_hard(frame, p.scenario)[0]:
        out.append(
            f"H6 pins + campus rule (hard in this scenario): {_pin_words(p, pin)}, but the "
            f"cadre is on {c['campus']} and the {t['kind']} on {t['campus']}. To fix: {drop}, "
            "or make the campus rule soft (campus: soft in the scenario)."
        )
    return out


def _pins_against_each_other(problem: Problem) -> list[str]:
    """H6 against H1/H2/H4: too many require pins on one cadre, one target or one college."""
    p = problem
    out: list[str] = []
    req = p.requires
    pins_file = file_name(p, "pins")
    if req.empty:
        return out
    for target, frame in req.groupby("target"):
        t = p.targets.loc[int(target)]
        cap = p.scenario.kinds[Kind(t["kind"])].cap
        if len(frame) > cap:
            names = ", ".join(cadre_words(p.cadres.loc[int(c)]) for c in frame["cadre"])
            out.append(
                f"H2 one cadre per target + H6 pins: {pins_file} {row_list(list(frame['row']))} "
                f"require {len(frame)} cadres ({names}) on {target_words(p, t)}, which may hold "
                f"only {cap}. To fix: keep one of these pins and drop the other(s)."
            )
    for cadre, frame in req.groupby("cadre"):
        c = p.cadres.loc[int(cadre)]
        duty = p.scenario.duty(c["role"])
        rows = f"{pins_file} {row_list(list(frame['row']))}"
        if len(frame) > duty.total_range().max:
            held = ", ".join(target_words(p, p.targets.loc[int(t)]) for t in frame["target"])
            out.append(
                f"H1 one target per cadre + H6 pins: {rows} require {cadre_words(c)} to hold "
                f"{len(frame)} targets ({held}), but a {c['role']} holds at most "
                f"{duty.total_range().max}. To fix: keep one of these pins and drop the other(s)."
            )
            continue
        kinds = Counter(p.targets.loc[frame["target"], "kind"])
        for kind, n in kinds.items():
            if n > duty.kind_range(Kind(kind)).max:
                out.append(
                    f"H1 one target per cadre + H6 pins: {rows} require {cadre_words(c)} to "
                    f"hold {n} {kind}s, but a {c['role']} holds at most "
                    f"{duty.kind_range(Kind(kind)).max}. To fix: keep one of these pins."
                )
    limit = p.scenario.school_leader_spread
    if limit is not None:
        leaders = req[(p.cadres.loc[req["cadre"], "role"] == Role.SCHOOL_LEADER.value).to_numpy()]
        colleges = p.targets.loc[leaders["target"], "college"].to_numpy()
        for college in sorted({c for c in colleges if isinstance(c, str)}):
            rows_here = leaders[colleges == college]
            if len(rows_here) > limit:
                names = ", ".join(cadre_words(p.cadres.loc[int(c)]) for c in rows_here["cadre"])
                out.append(
                    f"H4 school leaders spread out + H6 pins: {pins_file} "
                    f"{row_list(list(rows_here['row']))} place {len(rows_here)} school leaders "
                    f"({ROLE_LABELS_ZH[Role.SCHOOL_LEADER]}: {names}) in "
                    f"{college_name(p, college)}, but at most {limit} may be there. To fix: "
                    "keep one of these pins, or raise school_leader_spread in the scenario."
                )
    return out


# -- max-flow (Hall) checks ------------------------------------------------------------
def _hall(
    sources: np.ndarray,
    supply: np.ndarray,
    sinks: np.ndarray,
    room: np.ndarray,
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
) -> tuple[int, set[int], set[int]] | None:
    """Can every source send its ``supply`` through the arcs into sinks of ``room``?

    Sources and sinks are numbered 0..len-1 each; arcs go ``tails`` (source) → ``heads``
    (sink). Returns ``None`` when yes, else ``(shortfall, sources, sinks)`` of the source side
    of a minimum cut: those sources need more than every sink open to them can take.
    """
    n_src, n_snk = len(sources), len(sinks)
    s, t = n_src + n_snk, n_src + n_snk + 1
    flow = max_flow.SimpleMaxFlow()
    tail = np.concatenate([np.full(n_src, s), tails, n_src + np.arange(n_snk)])
    head = np.concatenate([np.arange(n_src), n_src + heads, np.full(n_snk, t)])
    cap = np.concatenate([supply, caps, room]).astype(np.int64)
    if len(tail):
        flow.add_arcs_with_capacity(tail.astype(np.int32), head.astype(np.int32), cap)
    if flow.solve(s, t) != flow.OPTIMAL:
        return None
    short = int(supply.sum()) - int(flow.optimal_flow())
    if short <= 0:
        return None
    side = set(flow.get_source_side_min_cut())
    return (
        short,
        {i for i in range(n_src) if i in side},
        {j for j in range(n_snk) if n_src + j in side},
    )


def tails_heads_of(tails: np.ndarray, heads: np.ndarray, nodes: set[int]) -> list[int]:
    """The heads of every arc whose tail is in ``nodes`` (a neighbourhood)."""
    mask = np.isin(tails, list(nodes))
    return sorted({int(h) for h in heads[mask]})


def _too_many_cadres(problem: Problem, skip: set[int]) -> list[str]:
    """H1 + H2 + H3: a set of cadres who must hold more targets than are open to them."""
    p = problem
    pools = p.pools
    supply = np.array(
        [
            0 if i in skip else int(r["size"]) * p.scenario.duty(r["role"]).total_range().min
            for i, r in pools.iterrows()
        ],
        dtype=np.int64,
    )
    if supply.sum() == 0:
        return []
    room = (p.groups["size"] * p.groups["cap"]).to_numpy(np.int64)
    tails = np.concatenate([p.arcs["pool"].to_numpy(np.int64), p.keeps["pool"].to_numpy(np.int64)])
    heads = np.concatenate(
        [p.arcs["group"].to_numpy(np.int64), p.keeps["group"].to_numpy(np.int64)]
    )
    caps = np.concatenate([p.arcs["ub"].to_numpy(np.int64), np.ones(len(p.keeps), np.int64)])
    found = _hall(np.arange(len(pools)), supply, np.arange(len(p.groups)), room, tails, heads, caps)
    if found is None:
        return []
    short, pool_set, _ = found
    # Every target open to these cadres (the cut's side, plus any arc it left saturated).
    group_set = set(tails_heads_of(tails, heads, pool_set))
    cadres = p.cadres[p.cadres["pool"].isin(pool_set)]
    targets = p.targets[p.targets["group"].isin(group_set)]
    places = int(room[list(group_set)].sum()) if group_set else 0
    cadre_file = file_name(p, "cadres")
    colleges = sorted({c for c in cadres["college"] if isinstance(c, str)})
    if len(colleges) == 1 and not cadres["central"].any():
        who = f"available cadres of {college_name(p, colleges[0])}"
    else:
        who = f"available cadres ({_who(p, cadres)})"
    no_own = [c for c in colleges if not (p.targets["college"] == c).any()]
    because = (
        f" ({join_words([college_name(p, c) for c in no_own])} "
        f"{'has' if len(no_own) == 1 else 'have'} no class, dorm room, society or branch in "
        "the data)"
        if no_own
        else ""
    )
    rule = "H1 one target per cadre + H2 one cadre per target"
    if colleges:
        rule += " + H3 department of origin"
    rows = f"{cadre_file} {row_list(list(cadres['row']))}"
    return [
        f"{rule}: {len(cadres)} {who} must each hold a target, but the "
        f"only targets open to them are {_target_counts(p, targets)}{because}, room for "
        f"{count_words(places, 'cadre')}: {count_words(short, 'cadre')} too many. To fix: "
        "add targets for "
        f"{join_words([college_name(p, c) for c in colleges]) or 'these cadres'} to the data "
        f"(e.g. their dorm rooms), or mark {short} of these cadres unavailable (在岗 = 否 in "
        f"{rows})."
    ]


def _hard_coverage_short(problem: Problem) -> list[str]:
    """S1 made hard: targets that the cadres who may hold them cannot all cover."""
    p = problem
    groups = p.groups
    hard = groups.index[groups["coverage"] == "hard"].to_numpy()
    if len(hard) == 0:
        return []
    demand = (groups.loc[hard, "size"] * groups.loc[hard, "min"]).to_numpy(np.int64)
    position = {int(g): i for i, g in enumerate(hard)}
    arcs = p.arcs[p.arcs["group"].isin(position)]
    keeps = p.keeps[p.keeps["group"].isin(position)]
    tails = np.concatenate(
        [arcs["group"].map(position).to_numpy(np.int64), keeps["group"].map(position)]
    ).astype(np.int64)
    heads = np.concatenate(
        [arcs["pool"].to_numpy(np.int64), keeps["pool"].to_numpy(np.int64)]
    ).astype(np.int64)
    caps = np.concatenate([arcs["ub"].to_numpy(np.int64), np.ones(len(keeps), np.int64)])
    room = np.array(
        [
            int(r["size"]) * p.scenario.duty(r["role"]).total_range().max
            for _, r in p.pools.iterrows()
        ],
        dtype=np.int64,
    )
    found = _hall(np.arange(len(hard)), demand, np.arange(len(p.pools)), room, tails, heads, caps)
    if found is None:
        return []
    short, group_set, _ = found
    pool_set = set(tails_heads_of(tails, heads, group_set))
    short_groups = {int(hard[i]) for i in group_set}
    targets = p.targets[p.targets["group"].isin(short_groups)]
    cadres = p.cadres[p.cadres["pool"].isin(pool_set)]
    kinds = sorted(set(targets["kind"]), key=_KIND_ORDER.index)
    colleges = sorted({c for c in targets["college"] if isinstance(c, str)})
    on_leave = p.dataset.cadres[
        ~p.dataset.cadres["available"] & p.dataset.cadres["unit"].isin(colleges)
    ]
    may = (
        f"only {count_words(len(cadres), 'available cadre')} may hold them ({_who(p, cadres)})"
        if len(cadres)
        else "no available cadre may hold them"
    )
    leave = (
        f"; {count_words(len(on_leave), 'cadre')} of "
        f"{join_words([college_name(p, c) for c in colleges])} {_are(len(on_leave))} on "
        f"leave ({file_name(p, 'cadres')} {row_list(list(on_leave['row']))})"
        if len(on_leave)
        else ""
    )
    soft = ", ".join(f"kinds: {k}: coverage: soft" for k in kinds)
    need = int(demand[list(group_set)].sum())
    plural = join_words([count_words(2, k).split(" ", 1)[1] for k in kinds])
    return [
        f"S1 coverage (hard in this scenario for {plural}): "
        f"{_target_counts(p, targets)} must each hold a cadre "
        f"({count_words(need, 'cadre place')}), but "
        f"{may}{leave}: at least {short} {'stays' if short == 1 else 'stay'} without a cadre. "
        "To fix: make the coverage "
        f"soft ({soft} in the scenario), mark cadres on leave available again (在岗 = 是), "
        "or add cadres who may hold them."
    ]


# -- solving, with the reasons in words ---------------------------------------------------
def solve_explained(
    problem: Problem,
    *,
    time_limit: float | None = None,
    workers: int | None = None,
    seed: int | None = None,
    deterministic: bool = False,
    progress: Progress | None = None,
) -> Solution:
    """:func:`planner.solver.solve.solve`, raising in words when there is no plan.

    The cheap checks (:func:`precheck`) run first, so the usual reasons are given without
    solving. Raises :class:`~planner.errors.InfeasibleError` with the diagnosis when the hard
    rules cannot all hold and :class:`~planner.errors.NoPlanInTimeError` when time ran out
    before any plan was found.
    """
    reasons = precheck(problem)
    if reasons:
        raise InfeasibleError(reasons)
    solution = solve(
        problem,
        time_limit=time_limit,
        workers=workers,
        seed=seed,
        deterministic=deterministic,
        progress=progress,
    )
    if solution.status == "INFEASIBLE":
        raise InfeasibleError(diagnose(problem))
    if solution.status == "UNKNOWN":
        budget = time_limit if time_limit is not None else problem.scenario.solver.time_limit
        raise NoPlanInTimeError(
            f"the time limit ({budget:g} s) ran out before any plan satisfying the hard "
            "rules was found; try a longer --time-limit"
        )
    return solution


# -- the exact diagnosis -----------------------------------------------------------------
def diagnose(problem: Problem, time_limit: float = 20.0) -> list[str]:
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
            "The hard rules cannot all hold together with the targets' caps and the cadres' "
            "duties as the scenario sets them (H1 one target per cadre, H2 one cadre per "
            "target): check the capacity summary of `planner validate` and the scenario's "
            "duties and caps."
        ]
    if verdict is None:
        return [
            "The hard rules cannot all hold, but no single rule instance could be singled out "
            "in time. Check the capacity summary of `planner validate`."
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
            "The hard rules cannot hold for any plan: the cadres' duties and the targets' caps "
            "do not fit together (e.g. more duties of a kind than targets of that kind)."
        ]
    guards = [model.guards[lit.index] for lit in core]
    return ["These rules cannot all hold together:", *_grouped(guards)]


def _grouped(guards: list[Guard]) -> list[str]:
    """One line per rule and change, naming every instance (at most :data:`MAX_NAMED`)."""
    order: dict[tuple[str, str], list[str]] = {}
    for guard in guards:
        order.setdefault((guard.rule, guard.change), []).append(guard.text)
    return [
        f"{rule}: {_names(texts)}. To fix: {change}." for (rule, change), texts in order.items()
    ]
