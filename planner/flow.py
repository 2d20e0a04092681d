"""The network-flow core of the model, solved exactly with OR-Tools' min-cost flow.

Under the default policy every rule but two is a network flow: cadres flow from their pool to
target groups (H1 = every unit of supply flows, H2 = group capacities, H3/H5/campus = which arcs
exist), last semester's contacts are arcs of their own, and S1–S4 are linear arc costs. Only
H4 (school-leader spread) and S5 (central spread, a maximum) are not. So:

1. :func:`flow_solution` solves the flow *relaxation* (H4 and S5 dropped) lexicographically in
   one min-cost flow, with one integer cost per arc built from exact multipliers (each term's
   multiplier exceeds everything all lower terms can add up to).
2. Its term values bound the full problem's lexicographic optimum; if the flow plan also keeps
   H4, it *is* lexicographically optimal for those terms, and CP-SAT only has the remaining
   terms (S5) left — see :mod:`planner.solve`.

:func:`flow_applicable` says when the scenario is a flow at all (everyone holds exactly one
target, caps and minimums of 1, no hard coverage or continuity).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from planner.contract import KINDS
from planner.problem import Problem
from planner.scenario import TERM_SENSE
from planner.terms import linear_coefficients

INT_LIMIT = 2**62
"""Largest total cost we let the flow see (int64 arithmetic inside the solver)."""


@dataclass
class FlowSolution:
    """A flow plan as model values, and the terms it optimised in order (a prefix)."""

    y: np.ndarray
    keep: np.ndarray
    terms: list[str]
    values: dict[str, int]


def flow_applicable(problem: Problem) -> bool:
    """Whether the scenario's hard rules (but H4) are exactly a network flow."""
    s = problem.scenario
    roles = set(problem.cadres["role"])
    duties_one = all(
        s.duty(r).total_range().min == 1
        and s.duty(r).total_range().max == 1
        and all(s.duty(r).kind_range(k).min == 0 for k in KINDS)
        for r in roles
    )
    kinds_unit = all(rule.cap == 1 and rule.min == 1 for rule in s.kinds.values())
    no_hard = all(rule.coverage != "hard" for rule in s.kinds.values())
    return duties_one and kinds_unit and no_hard and s.continuity != "hard"


def _prefix(problem: Problem, terms: list[str]) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The longest prefix of ``terms`` that is linear and fits int64 as one composite cost."""
    out = []
    for term in terms:
        coef = linear_coefficients(problem, term)
        if coef is None:
            break
        out.append((term, *coef))
    supply = len(problem.cadres)
    while out:
        multipliers = _multipliers(out, supply)
        total = sum(m * _range(a, k, supply) for m, (_, a, k) in zip(multipliers, out, strict=True))
        if total < INT_LIMIT:
            return out
        out = out[:-1]
    return out


def _range(arc_coef: np.ndarray, keep_coef: np.ndarray, supply: int) -> int:
    """Largest absolute value a term can take: each unit of supply adds one coefficient."""
    top = max(int(np.abs(arc_coef).max(initial=0)), int(np.abs(keep_coef).max(initial=0)))
    return supply * top


def _multipliers(prefix: list[tuple[str, np.ndarray, np.ndarray]], supply: int) -> list[int]:
    """Exact lexicographic multipliers: each exceeds all that lower terms can add up to."""
    multipliers = [0] * len(prefix)
    below = 0
    for i in range(len(prefix) - 1, -1, -1):
        multipliers[i] = below + 1
        below += multipliers[i] * _range(prefix[i][1], prefix[i][2], supply)
    return multipliers


def flow_solution(problem: Problem, terms: list[str]) -> FlowSolution | None:
    """Solve the flow relaxation lexicographically over the linear prefix of ``terms``.

    Returns ``None`` when the scenario is not a flow or the flow has no solution (then the
    CP-SAT model decides, and diagnoses infeasibility).
    """
    if not flow_applicable(problem):
        return None
    prefix = _prefix(problem, terms)
    supply_total = len(problem.cadres)
    multipliers = _multipliers(prefix, supply_total)
    arcs, keeps, pools, groups = problem.arcs, problem.keeps, problem.pools, problem.groups
    n_arcs, n_keeps = len(arcs), len(keeps)
    arc_cost = np.zeros(n_arcs, dtype=np.int64)
    keep_cost = np.zeros(n_keeps, dtype=np.int64)
    for m, (term, a, k) in zip(multipliers, prefix, strict=True):
        sign = -TERM_SENSE[term]  # the flow minimises
        arc_cost += sign * m * a
        keep_cost += sign * m * k

    y = np.zeros(n_arcs, dtype=np.int64)
    keep = np.zeros(n_keeps, dtype=np.int64)
    group_cap = groups["size"].to_numpy(np.int64) * groups["cap"].to_numpy(np.int64)
    pool_supply = pools["size"].to_numpy(np.int64).copy()

    # Require pins are fixed in advance (pinned cadres and targets are pools/groups of one).
    arc_of = {(p, g): i for i, (p, g) in enumerate(zip(arcs["pool"], arcs["group"], strict=True))}
    keep_of = {(c, t): i for i, (c, t) in enumerate(zip(keeps["cadre"], keeps["target"], strict=True))}
    pinned_cadres = set()
    for cadre, target in zip(problem.requires["cadre"], problem.requires["target"], strict=True):
        pool = int(problem.cadres.at[cadre, "pool"])
        group = int(problem.targets.at[target, "group"])
        if (cadre, target) in keep_of:
            keep[keep_of[(cadre, target)]] = 1
        elif (pool, group) in arc_of:
            y[arc_of[(pool, group)]] = 1
        else:
            return None
        pool_supply[pool] -= 1
        group_cap[group] -= 1
        pinned_cadres.add(int(cadre))
    if (group_cap < 0).any() or (pool_supply < 0).any():
        return None

    # Nodes: pools, groups, sink, then one node per cadre with keep candidates and one per
    # target that two or more cadres could keep.
    n_pools, n_groups = len(pools), len(groups)
    sink = n_pools + n_groups
    next_node = sink + 1
    cadre_node: dict[int, int] = {}
    target_node: dict[int, int] = {}
    keep_counts = keeps["target"].value_counts()
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    kinds: list[tuple[str, int]] = []  # what each flow arc stands for

    def add(tail: int, head: int, cap: int, cost: int, what: tuple[str, int]) -> None:
        tails.append(tail)
        heads.append(head)
        caps.append(cap)
        costs.append(cost)
        kinds.append(what)

    for i, (c, t, g) in enumerate(zip(keeps["cadre"], keeps["target"], keeps["group"], strict=True)):
        if int(c) in pinned_cadres or keep[i]:
            continue
        if c not in cadre_node:
            cadre_node[int(c)] = next_node
            next_node += 1
            pool = int(problem.cadres.at[c, "pool"])
            pool_supply[pool] -= 1
            add(cadre_node[int(c)], pool, 1, 0, ("move", int(c)))
        head = n_pools + int(g)
        if keep_counts.get(t, 0) > 1:
            if t not in target_node:
                target_node[int(t)] = next_node
                next_node += 1
                add(target_node[int(t)], n_pools + int(g), 1, 0, ("target", int(t)))
            head = target_node[int(t)]
        add(cadre_node[int(c)], head, 1, int(keep_cost[i]), ("keep", i))
    for a in range(n_arcs):
        if y[a]:
            continue  # a pinned pair, already fixed
        add(int(arcs.at[a, "pool"]), n_pools + int(arcs.at[a, "group"]), int(arcs.at[a, "ub"]),
            int(arc_cost[a]), ("arc", a))  # fmt: skip
    for g in range(n_groups):
        add(n_pools + g, sink, int(group_cap[g]), 0, ("sink", g))

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.asarray(tails, np.int32),
        np.asarray(heads, np.int32),
        np.asarray(caps, np.int64),
        np.asarray(costs, np.int64),
    )
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[:n_pools] = pool_supply
    for node in cadre_node.values():
        supplies[node] = 1
    supplies[sink] = -int(supplies.sum())
    flow.set_nodes_supplies(np.arange(next_node, dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    flows = flow.flows(np.arange(len(tails), dtype=np.int32))
    for (what, index), amount in zip(kinds, flows, strict=True):
        if amount and what == "arc":
            y[index] += int(amount)
        elif amount and what == "keep":
            keep[index] = 1
    values = {term: int(a @ y + k @ keep) for term, a, k in prefix}
    return FlowSolution(y=y, keep=keep, terms=[t for t, _, _ in prefix], values=values)


def school_leaders_spread_ok(problem: Problem, y: np.ndarray, keep: np.ndarray) -> bool:
    """Whether a solution keeps H4 (the one hard rule the flow leaves out)."""
    limit = problem.scenario.school_leader_spread
    if limit is None:
        return True
    arcs, keeps = problem.arcs, problem.keeps
    a = arcs["school_leader"].to_numpy(bool) & arcs["college"].notna().to_numpy() & (y > 0)
    k = keeps["school_leader"].to_numpy(bool) & keeps["college"].notna().to_numpy() & (keep > 0)
    counts: dict[str, int] = {}
    for college, amount in zip(arcs["college"].to_numpy()[a], y[a], strict=True):
        counts[college] = counts.get(college, 0) + int(amount)
    for college in keeps["college"].to_numpy()[k]:
        counts[college] = counts.get(college, 0) + 1
    return all(v <= limit for v in counts.values())
