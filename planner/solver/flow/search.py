"""The flow solved lexicographically over its leading terms, with H4 (school leaders spread
out) enforced by a best-first branch and bound over flows that a greedy dive prunes."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, replace

import numpy as np

from planner.contract import Role
from planner.scenario import TERM_SENSE
from planner.solver.flow.face import Face, optimal_face
from planner.solver.flow.network import (
    ARC,
    HARD_COVERAGE,
    KEEP,
    SINK,
    Network,
    Result,
    build_network,
    coefficients,
    flow_applicable,
    lexicographic_multipliers,
    solve_network,
    terms_prefix,
    tie_break,
)
from planner.solver.problem import Problem

QUICK_NODES = 30
MAX_NODES = 80
"""Search nodes (flows solved) spent satisfying H4, without and then with the tie-break,
before CP-SAT takes over with the flow relaxation as its hint and bound. Counted in nodes,
not seconds, so that the same input always takes the same path."""


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
    exact: bool = True
    """False: the plan breaks H4 and its values only bound the terms (a relaxation)."""
    network: Network | None = None
    """The flow network the plan was found on (its costs are the search's)."""


Tie = tuple[np.ndarray, np.ndarray, int]
"""A tie-break below every term: a cost of 0 or more per arc and per kept contact, and the
most it can add up to in any plan."""


def flow_solution(
    problem: Problem, terms: list[str], near: Tie | None = None
) -> FlowSolution | None:
    """Solve the flow lexicographically over its leading ``terms``, with H4 enforced.

    A quick search without a tie-break first; if H4 needs much branching, a second search
    with school leaders steered apart by a tie-break below every term (:func:`tie_break`).
    Where school leaders hold several targets each (full engagement) the steered search is
    tried first, and with ``near`` (a re-plan staying close to an earlier plan) that tie-break.
    See :func:`_flow_search` for what is returned.
    """
    if not flow_applicable(problem):
        return None
    if near is not None:
        close = _flow_search(problem, terms, tie=near, max_nodes=MAX_NODES)
        if close is not None and close.exact:
            return close
    steered = None
    several = _leaders_hold_several(problem)
    if several:
        # Full engagement: each school leader holds several targets (one of each kind), so
        # many of them crowd a college and the search without the tie-break runs out of
        # nodes (31 flows at university size, then 5 with it): steer them apart at once.
        steered = _flow_search(problem, terms, tie=True, max_nodes=MAX_NODES)
        if steered is not None and steered.exact:
            return steered
    first = _flow_search(problem, terms, tie=False, max_nodes=QUICK_NODES)
    if first is None or first.exact:
        return first
    second = steered if several else _flow_search(problem, terms, tie=True, max_nodes=MAX_NODES)
    return second if second is not None else first


def _leaders_hold_several(problem: Problem) -> bool:
    """Whether H4 binds and a school leader's duties let them hold more than one target."""
    if problem.scenario.school_leader_spread is None:
        return False
    leaders = problem.cadres["role"] == Role.SCHOOL_LEADER.value
    return bool(leaders.any()) and (
        problem.scenario.duty(Role.SCHOOL_LEADER.value).total_range().max > 1
    )


def _flow_search(
    problem: Problem, terms: list[str], *, tie: bool | Tie, max_nodes: int
) -> FlowSolution | None:
    """Solve the flow lexicographically over its leading ``terms``, with H4 enforced.

    H4 (at most N school leaders per college) is not a flow rule, so it is enforced by a
    best-first branch and bound over flows: a college with too many school-leader contacts
    branches into "this contact is not made", for N + 1 of them (each such arc carries one
    contact, so every plan keeping H4 lies in some branch). Flows only get costlier down the
    tree, so the first plan that keeps H4 is lexicographically optimal for the terms. A
    greedy dive (:func:`_dive`) first finds some plan keeping H4: branches costing as much
    are pruned, and when it equals the relaxation in every term it is optimal at once (with
    many school leaders, the usual case: they only need spreading among equal choices).
    Returns ``None`` when the scenario is not a flow, the flow has no solution or the costs
    could overflow (then CP-SAT decides alone), and ``exact=False`` when the search needs
    more than ``max_nodes`` nodes: the relaxation's values (bounds) with the dive's plan (it
    keeps H4) or else the relaxation's plan as CP-SAT's hint.
    """
    costed = _costed_network(problem, terms, tie)
    if costed is None:
        return None
    root = solve_network(costed.net, frozenset())
    if root is None or not hard_covered(costed.net, root, costed.hard):
        return None  # the hard rules cannot all hold: CP-SAT proves it and says why
    return _Search(problem, costed, root).run(max_nodes)


@dataclass
class _Costed:
    """A network costed for the flow's terms: the terms it orders (a prefix of the scenario's),
    the hard-coverage groups, and the tie-break that steers school leaders apart."""

    net: Network
    prefix: list[str]
    hard: np.ndarray
    tie_arc: np.ndarray
    tie_keep: np.ndarray
    tie_range: int


def _costed_network(
    problem: Problem, terms: list[str], tie: bool | Tie, net: Network | None = None
) -> _Costed | None:
    """The network with one integer cost per arc, built from exact lexicographic multipliers
    (dropping the tie-break, then the lowest terms, while the costs could overflow).
    ``tie``: the school leaders' tie-break (:func:`tie_break`), none, or one given. ``net``:
    the problem's network built before (its arcs do not depend on the costs): re-costed
    instead of built again."""
    prefix = terms_prefix(problem, terms)
    hard = (problem.groups["coverage"] == "hard").to_numpy(bool)
    top = [HARD_COVERAGE] if hard.any() else []  # above every term: it is a hard rule
    if isinstance(tie, tuple):
        tie_arc, tie_keep, tie_range = tie
    elif tie:
        tie_arc, tie_keep, tie_range = tie_break(problem)
    else:
        tie_arc = np.zeros(len(problem.arcs), np.int64)
        tie_keep = np.zeros(len(problem.keeps), np.int64)
        tie_range = 0
    multipliers = lexicographic_multipliers(problem, top + prefix, tie_range)
    if multipliers is None:  # no room for the tie-break: go without it
        tie_arc, tie_keep, tie_range = tie_arc * 0, tie_keep * 0, 0
        multipliers = lexicographic_multipliers(problem, top + prefix)
    while multipliers is None and prefix:
        prefix = prefix[:-1]
        multipliers = lexicographic_multipliers(problem, top + prefix)
    if multipliers is None:
        return None
    arc_cost = tie_arc.copy()
    keep_cost = tie_keep.copy()
    sink_cost = np.zeros(len(problem.groups), dtype=np.int64)
    reward = np.zeros(len(problem.groups), dtype=np.int64)
    for m, term in zip(multipliers, top + prefix, strict=True):
        a, k, g = coefficients(problem, term)
        sign = -1 if term == HARD_COVERAGE else -TERM_SENSE[term]  # the flow minimises
        arc_cost += sign * m * a
        keep_cost += sign * m * k
        sink_cost += sign * m * g
        if term == "coverage":
            reward = g
    if net is not None:
        net = _recosted(net, arc_cost, keep_cost, sink_cost)
    else:
        net = build_network(problem, arc_cost, keep_cost, sink_cost, reward)
    if net is None:
        return None
    return _Costed(net, prefix, hard, tie_arc, tie_keep, tie_range)


def _recosted(
    net: Network, arc_cost: np.ndarray, keep_cost: np.ndarray, sink_cost: np.ndarray
) -> Network:
    """``net`` with other costs: as :func:`build_network` gives them (counts, kept contacts
    and sinks cost, moves, shared targets and further places do not)."""
    costs = np.zeros(len(net.what), dtype=np.int64)
    for code, values in ((ARC, arc_cost), (KEEP, keep_cost), (SINK, sink_cost)):
        sel = net.what == code
        costs[sel] = values[net.index[sel]]
    return replace(net, costs=costs)


class _Search:
    """The best-first branch and bound over flows from the relaxation ``root``."""

    def __init__(self, problem: Problem, costed: _Costed, root: Result) -> None:
        self.problem, self.costed, self.net, self.root = problem, costed, costed.net, root
        self.bound = flow_values(problem, costed.net, root, costed.prefix)
        """No plan does better, term by term."""

    def found(self, result: Result, nodes: int) -> FlowSolution | None:
        """``result`` keeps H4 and nothing cheaper does: the lexicographic optimum (``None``
        if it misses a target of hard coverage: then no plan keeps every hard rule)."""
        c = self.costed
        if not hard_covered(self.net, result, c.hard):
            return None
        values = flow_values(self.problem, self.net, result, c.prefix)
        # The terms' part of the cost (without the tie-break) is the same in every optimal
        # plan: the face holds the plans whose cost differs only in the tie-break.
        terms_part = result.cost - int(c.tie_arc @ result.y + c.tie_keep @ result.keep)
        face = optimal_face(
            self.problem,
            self.net,
            self.root,
            terms_part - self.root.cost,
            c.tie_range,
            c.tie_arc,
            c.tie_keep,
        )
        return FlowSolution(
            y=result.y,
            keep=result.keep,
            terms=c.prefix,
            values=values,
            face=face,
            nodes=nodes,
            network=self.net,
        )

    def run(self, max_nodes: int) -> FlowSolution | None:
        """Branch until a plan keeps H4 and nothing cheaper is open, or ``max_nodes`` flows."""
        problem, net, hard = self.problem, self.net, self.costed.hard
        root = self.root
        heap: list[tuple[int, int, frozenset[int], Result]] = [(root.cost, 0, frozenset(), root)]
        seen: set[frozenset[int]] = {frozenset()}
        counter = 1
        incumbent: Result | None = None  # the cheapest plan keeping H4 found so far
        while heap and counter <= max_nodes:
            cost, _, banned, result = heapq.heappop(heap)
            if incumbent is not None and cost >= incumbent.cost:
                return self.found(incumbent, counter)  # every open branch costs at least as much
            crowded = _crowded(problem, net, result)
            if crowded is None:
                return self.found(result, counter)
            if incumbent is None:
                # Dive from the best open node to a plan that keeps H4: its cost prunes the
                # search, and if the search runs out of nodes it is a feasible hint for CP-SAT.
                incumbent, dived = _dive(problem, net, banned, result, max_nodes)
                counter += dived
                if incumbent is not None and not hard_covered(net, incumbent, hard):
                    incumbent = None  # not a plan: it breaks a hard rule
                if incumbent is not None and self._as_good_as_bound(incumbent):
                    return self.found(incumbent, counter)
            for cut in crowded:
                child = banned | cut
                if child in seen:
                    continue
                seen.add(child)
                child_result = solve_network(net, child)
                counter += 1
                if child_result is None:
                    continue
                if incumbent is not None and child_result.cost >= incumbent.cost:
                    continue
                heapq.heappush(heap, (child_result.cost, counter, child, child_result))
        if incumbent is not None and (not heap or heap[0][0] >= incumbent.cost):
            return self.found(incumbent, counter)
        # H4 could not be proven quickly: the relaxation still bounds every term, and the plan
        # handed on (the incumbent if any, it keeps H4) hints CP-SAT.
        start = incumbent or root
        return FlowSolution(
            y=start.y,
            keep=start.keep,
            terms=self.costed.prefix,
            values=self.bound,
            nodes=counter,
            exact=False,
        )

    def _as_good_as_bound(self, result: Result) -> bool:
        """As good as the relaxation in every term (only the tie-break differs): the
        multipliers make the root's values the lexicographic bound, so it is optimal."""
        return flow_values(self.problem, self.net, result, self.costed.prefix) == self.bound


def hard_covered(net: Network, result: Result, hard: np.ndarray) -> bool:
    """Whether ``result`` covers every target of a kind whose coverage is hard."""
    if not hard.any():
        return True
    sink = net.what[result.mask] == SINK
    groups = net.index[result.mask][sink]
    short = net.caps[result.mask][sink] - result.amounts[sink]
    return not bool((short[hard[groups]] > 0).any())


def _dive(
    problem: Problem, net: Network, banned: frozenset[int], result: Result, max_nodes: int
) -> tuple[Result | None, int]:
    """From a search node down to a plan keeping H4 quickly: a heuristic, not a proof.

    Each step bans, in every crowded college at once, the school leaders with the most
    contacts there until the rest fit, and solves again. Returns that plan (``None`` if it
    fails within ``max_nodes`` flows) and the number of flows solved.
    """
    nodes = 0
    while (cut := _spread_out(problem, net, result)) is not None:
        if nodes >= max_nodes:
            return None, nodes
        banned = banned | cut
        child = solve_network(net, banned)
        nodes += 1
        if child is None:
            return None, nodes
        result = child
    return result, nodes


def flow_values(
    problem: Problem, net: Network, result: Result, prefix: list[str]
) -> dict[str, int]:
    """The prefix terms' values of a flow plan."""
    values = {}
    for term in prefix:
        if term == "coverage":
            what = net.what[result.mask]
            index = net.index[result.mask]
            sel = what == SINK
            values[term] = net.cover_value + int(
                (net.sink_reward[index[sel]] * result.amounts[sel]).sum()
            )
        else:
            a, k, _ = coefficients(problem, term)
            values[term] = int(a @ result.y + k @ result.keep)
    return values


def _crowded(problem: Problem, net: Network, result: Result) -> list[frozenset[int]] | None:
    """Branches when a college has too many school-leader contacts (H4), else ``None``.

    With room for N more contacts, take N + 1 contacts in the college: every plan that keeps
    H4 lacks one of them. Where they belong to N + 1 different leaders, a branch bans that
    leader from the whole college (a stronger cut, still complete); else one contact's arc.
    """
    for college, room, here, load in _leader_load(problem, net, result):
        pools = sorted(load)
        if len(pools) >= room + 1:
            return [_leader_arcs(net, college, p) for p in pools[: room + 1]]
        return [frozenset([int(a)]) for a in here[: room + 1]]
    return None


def _spread_out(problem: Problem, net: Network, result: Result) -> frozenset[int] | None:
    """Arcs to ban so that every crowded college fits H4 (for :func:`_dive`), or ``None``.

    In each crowded college, the leaders with the most contacts there (then the lowest pool)
    are banned from it until the others' contacts fit in its room.
    """
    cut: set[int] = set()
    for college, room, _here, load in _leader_load(problem, net, result):
        total = sum(load.values())
        for pool in sorted(load, key=lambda p: (-load[p], p)):
            if total <= room:
                break
            cut |= _leader_arcs(net, college, pool)
            total -= load[pool]
    return frozenset(cut) if cut else None


def _leader_load(
    problem: Problem, net: Network, result: Result
) -> list[tuple[str, int, np.ndarray, dict[int, int]]]:
    """Colleges breaking H4 in ``result``, in order: the college, its room (the limit less
    pinned contacts), the used school-leader arcs into it, and contacts per leader pool."""
    limit = problem.scenario.school_leader_spread
    if limit is None:
        return []
    leader = net.leader_college != ""
    used = leader & result.mask
    used[result.mask] &= result.amounts > 0
    if not used.any():
        return []
    pool_of = net.pool
    amounts = np.zeros(len(net.what), dtype=np.int64)
    amounts[result.mask] = result.amounts
    pinned = _pinned_leader_units(problem, net)
    out = []
    for college in sorted(set(net.leader_college[used].tolist())):
        here = np.flatnonzero(used & (net.leader_college == college))
        if int(amounts[here].sum()) + pinned.get(college, 0) <= limit:
            continue
        load: dict[int, int] = {}
        for arc in here:
            load[int(pool_of[arc])] = load.get(int(pool_of[arc]), 0) + int(amounts[arc])
        out.append((college, max(limit - pinned.get(college, 0), 0), here, load))
    return out


def _leader_arcs(net: Network, college: str, pool: int) -> frozenset[int]:
    """Every school-leader arc of ``pool`` into ``college``: banning them all keeps the
    leader out of the college."""
    into = (net.leader_college == college) & (net.pool == pool)
    return frozenset(np.flatnonzero(into).tolist())


def _pinned_leader_units(problem: Problem, net: Network) -> dict[str, int]:
    out: dict[str, int] = {}
    arcs, keeps = problem.arcs, problem.keeps
    for i in np.flatnonzero(net.y0 > 0):
        if arcs.at[i, "school_leader"] and isinstance(arcs.at[i, "college"], str):
            out[arcs.at[i, "college"]] = out.get(arcs.at[i, "college"], 0) + int(net.y0[i])
    for i in np.flatnonzero(net.keep0 > 0):
        if keeps.at[i, "school_leader"] and isinstance(keeps.at[i, "college"], str):
            out[keeps.at[i, "college"]] = out.get(keeps.at[i, "college"], 0) + 1
    return out


def school_leaders_spread_ok(problem: Problem, y: np.ndarray, keep: np.ndarray) -> bool:
    """Whether a solution keeps H4 (the one hard rule the flow leaves out)."""
    limit = problem.scenario.school_leader_spread
    if limit is None:
        return True
    arcs, keeps = problem.arcs, problem.keeps
    counts: dict[str, int] = {}
    a = np.flatnonzero(arcs["school_leader"].to_numpy(bool) & (y > 0))
    for college, amount in zip(arcs["college"].to_numpy()[a], y[a], strict=True):
        if isinstance(college, str):
            counts[college] = counts.get(college, 0) + int(amount)
    k = np.flatnonzero(keeps["school_leader"].to_numpy(bool) & (keep > 0))
    for college in keeps["college"].to_numpy()[k]:
        if isinstance(college, str):
            counts[college] = counts.get(college, 0) + 1
    return all(v <= limit for v in counts.values())


def central_spread_least(problem: Problem, terms: list[str], flow: FlowSolution) -> bool:
    """Whether ``flow``'s plan is optimal for S5 (central spread) among the plans optimal for
    its terms: a proof by one more flow per busiest college, or ``False`` (no proof).

    The plans optimal for the flow's terms lie among the flows (H4 left out) whose terms are as
    good; the fewest central cadres in college ``c`` among those is a flow too, with the count
    in ``c`` as a tie-break below every term. When that relaxation's terms equal the plan's
    (so H4 cost nothing) and its fewest in some college equal the plan's busiest count, no plan
    optimal for the terms has a busiest college with fewer: S5 is settled without CP-SAT.
    """
    arcs, keeps = problem.arcs, problem.keeps
    a_central = arcs["central"].to_numpy(bool) & arcs["college"].notna().to_numpy()
    k_central = keeps["central"].to_numpy(bool) & keeps["college"].notna().to_numpy()
    a_college, k_college = arcs["college"].to_numpy(object), keeps["college"].to_numpy(object)
    y, keep = np.asarray(flow.y), np.asarray(flow.keep)
    per: dict[str, int] = {}
    for college, amount in zip(a_college[a_central].tolist(), y[a_central].tolist(), strict=True):
        per[college] = per.get(college, 0) + int(amount)
    for college, amount in zip(
        k_college[k_central].tolist(), keep[k_central].tolist(), strict=True
    ):
        per[college] = per.get(college, 0) + int(amount)
    most = max(per.values(), default=0)
    if most == 0:
        return True
    ub = arcs["ub"].to_numpy(np.int64)
    for college in sorted(c for c, n in per.items() if n == most):
        tie_arc = (a_central & (a_college == college)).astype(np.int64)
        tie_keep = (k_central & (k_college == college)).astype(np.int64)
        tie_range = int(ub @ tie_arc + tie_keep.sum())
        costed = _costed_network(problem, terms, (tie_arc, tie_keep, tie_range), flow.network)
        if costed is None or costed.tie_range != tie_range or costed.prefix != flow.terms:
            return False  # the counts could not be a tie-break below every term
        root = solve_network(costed.net, frozenset())
        if root is None or not hard_covered(costed.net, root, costed.hard):
            return False
        if flow_values(problem, costed.net, root, costed.prefix) != flow.values:
            return False  # H4 made the terms costlier: the relaxation proves nothing here
        if int(tie_arc @ root.y + tie_keep @ root.keep) >= most:
            return True
    return False
