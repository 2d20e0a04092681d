"""Hall's condition as max flows: a set of cadres who must hold more targets than are open to
them, and hard coverage that the cadres who may hold the targets cannot give. The min cut names
the cadres and every target involved."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
from ortools.graph.python import max_flow

from planner.policy import H1, H2, H3, S1
from planner.solver.problem import Problem
from planner.words import (
    KINDS_AS_LISTED,
    cadres_by_college,
    college_name,
    count_words,
    file_name,
    is_are,
    join_words,
    row_list,
)


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


def too_many_cadres(problem: Problem, skip: set[int]) -> list[str]:
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
    cadre_file = file_name(p.dataset, "cadres")
    colleges = sorted({c for c in cadres["college"] if isinstance(c, str)})
    if len(colleges) == 1 and not cadres["central"].any():
        who = f"available cadres of {college_name(p.dataset, colleges[0])}"
    else:
        who = f"available cadres ({cadres_by_college(p.dataset, cadres)})"
    no_own = [c for c in colleges if not (p.targets["college"] == c).any()]
    because = (
        f" ({join_words([college_name(p.dataset, c) for c in no_own])} "
        f"{'has' if len(no_own) == 1 else 'have'} no class, dorm room, society or branch in "
        "the data)"
        if no_own
        else ""
    )
    rule = f"{H1.label} + {H2.label}"
    if colleges:
        rule += f" + {H3.label}"
    rows = f"{cadre_file} {row_list(list(cadres['row']))}"
    return [
        f"{rule}: {len(cadres)} {who} must each hold a target, but the "
        f"only targets open to them are {_target_counts(p, targets)}{because}, room for "
        f"{count_words(places, 'cadre')}: {count_words(short, 'cadre')} too many. To fix: "
        "add targets for "
        f"{join_words([college_name(p.dataset, c) for c in colleges]) or 'these cadres'} to the "
        f"data (e.g. their dorm rooms), or mark {short} of these cadres unavailable (在岗 = 否 in "
        f"{rows})."
    ]


def hard_coverage_short(problem: Problem) -> list[str]:
    """S1 Coverage made hard: targets that the cadres who may hold them cannot all cover."""
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
    kinds = sorted(set(targets["kind"]), key=KINDS_AS_LISTED.index)
    colleges = sorted({c for c in targets["college"] if isinstance(c, str)})
    on_leave = p.dataset.cadres[
        ~p.dataset.cadres["available"] & p.dataset.cadres["unit"].isin(colleges)
    ]
    may = (
        f"only {count_words(len(cadres), 'available cadre')} may hold them "
        f"({cadres_by_college(p.dataset, cadres)})"
        if len(cadres)
        else "no available cadre may hold them"
    )
    leave = (
        f"; {count_words(len(on_leave), 'cadre')} of "
        f"{join_words([college_name(p.dataset, c) for c in colleges])} {is_are(len(on_leave))} on "
        f"leave ({file_name(p.dataset, 'cadres')} {row_list(list(on_leave['row']))})"
        if len(on_leave)
        else ""
    )
    soft = ", ".join(f"kinds: {k}: coverage: soft" for k in kinds)
    need = int(demand[list(group_set)].sum())
    plural = join_words([count_words(2, k).split(" ", 1)[1] for k in kinds])
    return [
        f"{S1.label} (hard in this scenario for {plural}): "
        f"{_target_counts(p, targets)} must each hold a cadre "
        f"({count_words(need, 'cadre place')}), but "
        f"{may}{leave}: at least {short} {'stays' if short == 1 else 'stay'} without a cadre. "
        "To fix: make the coverage "
        f"soft ({soft} in the scenario), mark cadres on leave available again (在岗 = 是), "
        "or add cadres who may hold them."
    ]


def _target_counts(problem: Problem, targets: pd.DataFrame) -> str:
    """``C04's 3 classes and 2 branches, and 6 university-level societies on 石牌校区``."""
    parts = []
    for college, frame in targets.groupby(targets["college"].fillna(""), sort=True):
        kinds = Counter(frame["kind"])
        words = join_words([count_words(kinds[k], k) for k in KINDS_AS_LISTED if kinds[k]])
        if college:
            parts.append(f"{words} of {college_name(problem.dataset, college)}")
        else:
            campuses = ", ".join(sorted(set(frame["campus"])))
            parts.append(f"{words} at university level on {campuses}")
    return join_words(parts) if parts else "no target"
