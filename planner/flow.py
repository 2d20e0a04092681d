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

import heapq
from dataclasses import dataclass, field

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
    face: Face | None = None
    """The plans optimal for ``terms`` (``None`` if it could not be computed exactly)."""
    nodes: int = 1


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


ARC, KEEP, MOVE, TARGET, SINK = range(5)
"""What a flow arc stands for: a pool-group count, a kept contact, a cadre with a kept-contact
option moving into its pool, a target two cadres could keep, a group's capacity."""


@dataclass
class Face:
    """What every plan that is optimal for the flow's terms has in common.

    From the flow's node potentials (complementary slackness): an arc whose reduced cost is
    positive carries nothing in *every* optimal plan, one whose reduced cost is negative is
    full in every optimal plan, and any plan that keeps these bounds (and the hard rules) is
    optimal. So the next priorities can be solved on this face, without the earlier terms as
    dense equality constraints. ``*_lo``/``*_hi`` bound the model's variables and sums.
    """

    y_lo: np.ndarray
    y_hi: np.ndarray
    keep_lo: np.ndarray
    keep_hi: np.ndarray
    cadre_keeps: dict[int, int]  # cadre -> forced number of kept contacts (0 or 1)
    target_keeps: dict[int, int]  # target -> forced number of keepers (0 or 1)
    group_lo: np.ndarray
    group_hi: np.ndarray
    slack: int = 0
    """How much costlier (in the flow's composite cost) the optimal plans are than the flow
    relaxation's optimum: H4 may force that. The loose arcs below must add up to it."""
    slack_what: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_sign: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_cap: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pinned: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Per group: targets already held through require pins."""


@dataclass
class _Network:
    """The flow network of a problem, as arrays; arcs can be masked out per search node."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    what: np.ndarray  # ARC, KEEP, MOVE, TARGET or SINK
    index: np.ndarray  # arc, keep, cadre, target or group index
    pool: np.ndarray  # the pool an arc leaves from (for H4 branching), -1 if none
    college: np.ndarray  # the college an arc enters, "" if none
    supplies: np.ndarray
    y0: np.ndarray  # pinned values, fixed before the flow
    keep0: np.ndarray


def _network(problem: Problem, arc_cost: np.ndarray, keep_cost: np.ndarray) -> _Network | None:
    arcs, keeps, pools, groups = problem.arcs, problem.keeps, problem.pools, problem.groups
    n_arcs, n_keeps = len(arcs), len(keeps)
    y0 = np.zeros(n_arcs, dtype=np.int64)
    keep0 = np.zeros(n_keeps, dtype=np.int64)
    group_cap = groups["size"].to_numpy(np.int64) * groups["cap"].to_numpy(np.int64)
    pool_supply = pools["size"].to_numpy(np.int64).copy()
    arc_pool = arcs["pool"].to_numpy(np.int64)
    arc_group = arcs["group"].to_numpy(np.int64)
    keep_cadre = keeps["cadre"].to_numpy(np.int64)
    keep_target = keeps["target"].to_numpy(np.int64)
    keep_group = keeps["group"].to_numpy(np.int64)
    keep_pool = keeps["pool"].to_numpy(np.int64)

    # Require pins are fixed in advance (pinned cadres and targets are pools/groups of one).
    arc_of = {(p, g): i for i, (p, g) in enumerate(zip(arc_pool, arc_group, strict=True))}
    keep_of = {(c, t): i for i, (c, t) in enumerate(zip(keep_cadre, keep_target, strict=True))}
    pinned = np.zeros(len(problem.cadres), dtype=bool)
    for cadre, target in zip(problem.requires["cadre"], problem.requires["target"], strict=True):
        pool = int(problem.cadres.at[cadre, "pool"])
        group = int(problem.targets.at[target, "group"])
        if (cadre, target) in keep_of:
            keep0[keep_of[(cadre, target)]] = 1
        elif (pool, group) in arc_of:
            y0[arc_of[(pool, group)]] = 1
        else:
            return None
        pool_supply[pool] -= 1
        group_cap[group] -= 1
        pinned[cadre] = True
    if (group_cap < 0).any() or (pool_supply < 0).any():
        return None

    # Nodes: pools, groups, sink, one node per cadre with keep candidates, one per target
    # that two or more cadres could keep.
    n_pools, n_groups = len(pools), len(groups)
    sink = n_pools + n_groups
    open_keep = ~pinned[keep_cadre] if n_keeps else np.zeros(0, bool)
    keep_ids = np.flatnonzero(open_keep)
    cadres_k = np.unique(keep_cadre[keep_ids])
    cadre_node = dict(
        zip(cadres_k.tolist(), range(sink + 1, sink + 1 + len(cadres_k)), strict=True)
    )
    next_node = sink + 1 + len(cadres_k)
    shared_targets = [
        t
        for t, n in zip(*np.unique(keep_target[keep_ids], return_counts=True), strict=True)
        if n > 1
    ]
    target_node = dict(
        zip(shared_targets, range(next_node, next_node + len(shared_targets)), strict=True)
    )
    next_node += len(shared_targets)
    cadre_pool = problem.cadres["pool"].to_numpy(np.int64)
    np.subtract.at(pool_supply, cadre_pool[cadres_k], 1)

    parts: list[tuple[np.ndarray, ...]] = []
    arc_college = arcs["college"].fillna("").to_numpy(str) if n_arcs else np.zeros(0, str)
    keep_college = keeps["college"].fillna("").to_numpy(str) if n_keeps else np.zeros(0, str)

    def part(tails, heads, caps, costs, what, index, pool_of, college):
        n = len(tails)
        parts.append(
            (
                np.asarray(tails, np.int64),
                np.asarray(heads, np.int64),
                np.asarray(caps, np.int64),
                np.asarray(costs, np.int64),
                np.full(n, what, np.int64),
                np.asarray(index, np.int64),
                np.asarray(pool_of, np.int64),
                np.asarray(college, dtype=object),
            )
        )

    free = np.flatnonzero(y0 == 0)
    part(
        arc_pool[free],
        n_pools + arc_group[free],
        arcs["ub"].to_numpy(np.int64)[free],
        arc_cost[free],
        ARC,
        free,
        arc_pool[free],
        arc_college[free],
    )
    heads_k = np.array(
        [
            target_node.get(int(t), n_pools + int(g))
            for t, g in zip(keep_target[keep_ids], keep_group[keep_ids], strict=True)
        ],
        dtype=np.int64,
    )
    part(
        [cadre_node[int(c)] for c in keep_cadre[keep_ids]],
        heads_k,
        np.ones(len(keep_ids)),
        keep_cost[keep_ids],
        KEEP,
        keep_ids,
        keep_pool[keep_ids],
        keep_college[keep_ids],
    )
    part(
        [cadre_node[int(c)] for c in cadres_k],
        cadre_pool[cadres_k],
        np.ones(len(cadres_k)),
        np.zeros(len(cadres_k)),
        MOVE,
        cadres_k,
        np.full(len(cadres_k), -1),
        np.full(len(cadres_k), ""),
    )
    target_group = problem.targets["group"].to_numpy(np.int64)
    part(
        [target_node[t] for t in shared_targets],
        n_pools + target_group[shared_targets],
        np.ones(len(shared_targets)),
        np.zeros(len(shared_targets)),
        TARGET,
        np.asarray(shared_targets, np.int64),
        np.full(len(shared_targets), -1),
        np.full(len(shared_targets), ""),
    )
    part(
        n_pools + np.arange(n_groups),
        np.full(n_groups, sink),
        group_cap,
        np.zeros(n_groups),
        SINK,
        np.arange(n_groups),
        np.full(n_groups, -1),
        np.full(n_groups, ""),
    )
    columns = [np.concatenate([p[i] for p in parts]) for i in range(8)]
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[:n_pools] = pool_supply
    for node in cadre_node.values():
        supplies[node] = 1
    supplies[sink] = -int(supplies.sum())
    return _Network(*columns[:8], supplies=supplies, y0=y0, keep0=keep0)  # type: ignore[misc]


@dataclass
class _Result:
    cost: int
    y: np.ndarray
    keep: np.ndarray
    mask: np.ndarray
    amounts: np.ndarray


def _solve_network(net: _Network, banned: frozenset[tuple[int, str]]) -> _Result | None:
    """Min-cost flow without the arcs of ``banned`` (pool, college) pairs."""
    mask = np.ones(len(net.tails), dtype=bool)
    for pool, college in banned:
        mask &= ~((net.pool == pool) & (net.college == college))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        net.tails[mask].astype(np.int32),
        net.heads[mask].astype(np.int32),
        net.caps[mask],
        net.costs[mask],
    )
    flow.set_nodes_supplies(np.arange(len(net.supplies), dtype=np.int32), net.supplies)
    if flow.solve() != flow.OPTIMAL:
        return None
    amounts = flow.flows(np.arange(int(mask.sum()), dtype=np.int32))
    what, index = net.what[mask], net.index[mask]
    y = net.y0.copy()
    keep = net.keep0.copy()
    sel = (what == ARC) & (amounts > 0)
    np.add.at(y, index[sel], amounts[sel])
    keep[index[(what == KEEP) & (amounts > 0)]] = 1
    return _Result(int(flow.optimal_cost()), y, keep, mask, np.asarray(amounts, np.int64))


def _face(problem: Problem, net: _Network, result: _Result, delta: int) -> Face | None:
    """The plans that cost at most ``delta`` more than the optimal flow ``result``.

    Node potentials come from Bellman-Ford on the residual network of the optimal flow
    (it has no negative cycle), in exact int64 arithmetic; ``None`` if that could overflow.
    With reduced costs ``rc``, any flow ``x`` costs ``optimum + Σ_{rc>0} rc·x +
    Σ_{rc<0} |rc|·(cap − x)``, every term non-negative: so an arc with ``rc > delta`` is
    empty and one with ``rc < -delta`` is full in every plan of cost ``optimum + delta``,
    and the rest must add up to exactly ``delta`` (:attr:`Face.slack`).
    """
    mask = result.mask
    tails, heads = net.tails[mask], net.heads[mask]
    costs, caps, flows = net.costs[mask], net.caps[mask], result.amounts
    n_nodes = len(net.supplies)
    if int(np.abs(costs).max(initial=0)) * n_nodes >= INT_LIMIT:
        return None
    fwd = flows < caps
    bwd = flows > 0
    u = np.concatenate([tails[fwd], heads[bwd]])
    v = np.concatenate([heads[fwd], tails[bwd]])
    w = np.concatenate([costs[fwd], -costs[bwd]])
    dist = np.zeros(n_nodes, dtype=np.int64)
    for _ in range(n_nodes):
        new = dist.copy()
        np.minimum.at(new, v, dist[u] + w)
        if np.array_equal(new, dist):
            break
        dist = new
    else:
        return None  # would mean a negative cycle: the flow was not optimal
    rc = costs + dist[tails] - dist[heads]
    empty, full = rc > delta, rc < -delta
    loose = ~empty & ~full & (rc != 0)
    what, index = net.what[mask], net.index[mask]
    arcs = problem.arcs
    ub = arcs["ub"].to_numpy(np.int64)
    y_lo, y_hi = net.y0.copy(), np.where(net.y0 > 0, net.y0, ub)
    keep_lo, keep_hi = net.keep0.copy(), np.ones(len(net.keep0), dtype=np.int64)
    # Keeps of pinned cadres that are not their pinned pair are not in the network: none.
    in_net = np.zeros(len(net.keep0), dtype=bool)
    in_net[index[what == KEEP]] = True
    keep_hi[~in_net & (net.keep0 == 0)] = 0
    sel = what == ARC
    y_hi[index[sel & empty]] = 0
    y_lo[index[sel & full]] = caps[sel & full]
    sel = what == KEEP
    keep_hi[index[sel & empty]] = 0
    keep_lo[index[sel & full]] = 1
    cadre_keeps = {int(c): 1 for c in index[(what == MOVE) & empty]}
    cadre_keeps |= {int(c): 0 for c in index[(what == MOVE) & full]}
    target_keeps = {int(t): 0 for t in index[(what == TARGET) & empty]}
    target_keeps |= {int(t): 1 for t in index[(what == TARGET) & full]}
    groups = problem.groups
    full_cap = groups["size"].to_numpy(np.int64) * groups["cap"].to_numpy(np.int64)
    sink_cap = np.zeros(len(groups), dtype=np.int64)
    sel = what == SINK
    sink_cap[index[sel]] = caps[sel]
    pinned = full_cap - sink_cap
    group_lo, group_hi = pinned.copy(), full_cap.copy()
    group_hi[index[sel & empty]] = pinned[index[sel & empty]]
    group_lo[index[sel & full]] = full_cap[index[sel & full]]
    return Face(
        y_lo,
        y_hi,
        keep_lo,
        keep_hi,
        cadre_keeps,
        target_keeps,
        group_lo,
        group_hi,
        slack=delta,
        slack_what=what[loose],
        slack_index=index[loose],
        slack_coef=np.abs(rc[loose]),
        slack_sign=np.sign(rc[loose]),
        slack_cap=caps[loose],
        pinned=pinned,
    )


MAX_NODES = 200
"""Search nodes tried to satisfy H4 before handing the problem to CP-SAT alone."""


def flow_solution(problem: Problem, terms: list[str]) -> FlowSolution | None:
    """Solve the flow lexicographically over the linear prefix of ``terms``, with H4.

    H4 (at most N school leaders per college) is not a flow constraint, so it is enforced by
    a best-first branch and bound over flows: a college with too many school leaders branches
    into "this leader may not go there", for N + 1 of them. Flows only get costlier down the
    tree, so the first plan that keeps H4 is lexicographically optimal for the prefix terms.
    Returns ``None`` when the scenario is not a flow, the flow has no solution, or the search
    needs more than :data:`MAX_NODES` nodes (then CP-SAT decides alone).
    """
    if not flow_applicable(problem):
        return None
    prefix = _prefix(problem, terms)
    multipliers = _multipliers(prefix, len(problem.cadres))
    arc_cost = np.zeros(len(problem.arcs), dtype=np.int64)
    keep_cost = np.zeros(len(problem.keeps), dtype=np.int64)
    for m, (term, a, k) in zip(multipliers, prefix, strict=True):
        sign = -TERM_SENSE[term]  # the flow minimises
        arc_cost += sign * m * a
        keep_cost += sign * m * k
    net = _network(problem, arc_cost, keep_cost)
    if net is None:
        return None
    root = _solve_network(net, frozenset())
    if root is None:
        return None
    heap: list[tuple[int, int, frozenset[tuple[int, str]], _Result]] = [
        (root.cost, 0, frozenset(), root)
    ]
    seen: set[frozenset[tuple[int, str]]] = {frozenset()}
    counter = 1
    while heap and counter <= MAX_NODES:
        _, _, banned, result = heapq.heappop(heap)
        crowded = _crowded_college(problem, result.y, result.keep)
        if crowded is None:
            y, keep = result.y, result.keep
            values = {term: int(a @ y + k @ keep) for term, a, k in prefix}
            # Every optimal plan costs exactly this much more than the relaxation's optimum.
            face = _face(problem, net, root, result.cost - root.cost)
            return FlowSolution(
                y=y,
                keep=keep,
                terms=[t for t, _, _ in prefix],
                values=values,
                face=face,
                nodes=counter,
            )
        college, leaders = crowded
        for pool in leaders:
            child = banned | {(pool, college)}
            if child in seen:
                continue
            seen.add(child)
            child_result = _solve_network(net, child)
            counter += 1
            if child_result is not None:
                heapq.heappush(heap, (child_result.cost, counter, child, child_result))
    return None


def _crowded_college(
    problem: Problem, y: np.ndarray, keep: np.ndarray
) -> tuple[str, list[int]] | None:
    """The first college with more school leaders than H4 allows, and N + 1 of their pools."""
    limit = problem.scenario.school_leader_spread
    if limit is None:
        return None
    arcs, keeps = problem.arcs, problem.keeps
    a = np.flatnonzero(
        arcs["school_leader"].to_numpy(bool) & arcs["college"].notna().to_numpy() & (y > 0)
    )
    k = np.flatnonzero(
        keeps["school_leader"].to_numpy(bool) & keeps["college"].notna().to_numpy() & (keep > 0)
    )
    by_college: dict[str, list[int]] = {}
    for i in a:
        by_college.setdefault(arcs.at[i, "college"], []).extend(
            [int(arcs.at[i, "pool"])] * int(y[i])
        )
    for i in k:
        by_college.setdefault(keeps.at[i, "college"], []).append(int(keeps.at[i, "pool"]))
    for college in sorted(by_college):
        pools = by_college[college]
        if len(pools) > limit:
            return college, sorted(set(pools))[: limit + 1]
    return None


def school_leaders_spread_ok(problem: Problem, y: np.ndarray, keep: np.ndarray) -> bool:
    """Whether a solution keeps H4 (the one hard rule the flow leaves out)."""
    return _crowded_college(problem, y, keep) is None
