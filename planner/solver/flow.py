"""The network-flow core of the model, solved exactly with OR-Tools' min-cost flow.

Under the default policy (and the full-engagement one) every rule but two is a network flow:
cadres flow from their pool to target groups (H1 = every unit of duty flows, H2 = group
capacities, H3/H5/campus = which arcs exist), last semester's contacts are arcs of their own,
and S1–S4 are linear arc costs. Only H4 (school-leader spread) and S5 (central spread, a
maximum) are not. So:

1. :func:`flow_solution` solves the flow lexicographically in one min-cost flow, with one
   integer cost per arc built from exact multipliers (each term's multiplier exceeds
   everything all lower terms can add up to), and enforces H4 by a best-first branch and
   bound over flows, pruned by a greedy dive's plan. The result is lexicographically optimal
   for those terms.
2. :class:`Face` describes *every* plan that is optimal for those terms (reduced-cost fixing
   with the flow's node potentials), so :mod:`planner.solver.solve` optimises the remaining terms
   (S5) with CP-SAT on that face only.

:func:`flow_applicable` says when the scenario is a flow: each role holds exactly one target
of any kind or exactly one of each of some kinds; coverage minimum 1 (any cap); no hard
continuity. Hard coverage is a layer of the cost above every term (:data:`HARD_COVERAGE`):
the flow covers those targets first, and if it cannot cover them all no plan can.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from planner.contract import KINDS
from planner.scenario import TERM_SENSE, Scenario
from planner.solver.problem import Problem
from planner.solver.terms import linear_coefficients

INT_LIMIT = 2**62
"""Largest total cost we let the flow see (int64 arithmetic inside the solver)."""

QUICK_NODES = 30
MAX_NODES = 80
"""Search nodes (flows solved) spent satisfying H4, without and then with the tie-break,
before CP-SAT takes over with the flow relaxation as its hint and bound. Counted in nodes,
not seconds, so that the same input always takes the same path."""

ARC, KEEP, MOVE, TARGET, SINK, EXTRA = range(6)
"""What a flow arc stands for: a pool-group count; a kept contact; a cadre who could keep a
contact moving into its pool instead; a target more cadres could keep than its cap; the first
cadre of each target of a group (what coverage rewards); further cadres (cap above one)."""

KIND_CODE = {k.value: i for i, k in enumerate(KINDS)}

HARD_COVERAGE = "hard coverage"
"""A layer of the flow's cost above every term: targets of a kind whose coverage is hard. The
flow covers as many as it can first; a plan that misses one breaks the rule (no plan), and
otherwise every plan the flow can return covers them all."""


def _duty_kinds(scenario: Scenario, role: str) -> frozenset[str] | None:
    """``frozenset()`` for "exactly one target of any kind", the kinds for "exactly one of
    each of these kinds", ``None`` for any other duty (not a flow)."""
    duty = scenario.duty(role)
    total = duty.total_range()
    ranges = {k.value: duty.kind_range(k) for k in KINDS}
    if total.min == total.max == 1 and all(r.min == 0 for r in ranges.values()):
        return frozenset()
    each = {k for k, r in ranges.items() if r.min == r.max == 1}
    rest_zero = all(r.max == 0 for k, r in ranges.items() if k not in each)
    if each and rest_zero and total.min <= len(each) <= total.max:
        return frozenset(each)
    return None


def flow_applicable(problem: Problem) -> bool:
    """Whether the scenario's hard rules (but H4) are exactly a network flow."""
    s = problem.scenario
    roles = set(problem.cadres["role"])
    duties = all(_duty_kinds(s, r) is not None for r in roles)
    kinds = all(rule.min == 1 or rule.coverage == "off" for rule in s.kinds.values())
    return duties and kinds and s.continuity != "hard"


@dataclass
class Face:
    """What every plan that is optimal for the flow's terms has in common.

    From the flow's node potentials (complementary slackness): an arc whose reduced cost is
    above the slack carries nothing in *every* optimal plan, one below minus the slack is
    full in every optimal plan, and the loose arcs left must add up to the slack (zero
    unless H4 made the optimum costlier than the relaxation). Any plan that keeps these
    bounds and the hard rules is optimal, so later priorities are solved on the face,
    without the earlier terms as dense equality rows.
    """

    y_lo: np.ndarray
    y_hi: np.ndarray
    keep_lo: np.ndarray
    keep_hi: np.ndarray
    cadre_keeps: dict[tuple[int, int], int]
    """(cadre, kind code or -1 for any) -> forced number of kept contacts (0 or 1)."""
    target_keeps: dict[int, tuple[int, int]]
    """target -> (min, max) number of cadres keeping it."""
    group_lo: np.ndarray
    group_hi: np.ndarray
    slack: int = 0
    tie_arc: np.ndarray | None = None
    tie_keep: np.ndarray | None = None
    """The tie-break's coefficients, subtracted in the slack row (``None``: no tie-break)."""
    slack_what: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_index: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_coef: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_sign: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    slack_cap: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    pinned: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    """Per group: cadres already placed there by require pins."""


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


@dataclass
class _Network:
    """The flow network of a problem, as arrays; arcs can be masked out per search node."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    what: np.ndarray
    index: np.ndarray  # arc, keep, cadre, target or group index
    kind: np.ndarray  # kind code of a MOVE arc's cadre slot, -1 for "any"
    leader_college: np.ndarray  # for school-leader ARC/KEEP arcs: the college, else ""
    pool: np.ndarray  # for ARC/KEEP arcs: the cadre pool, else -1
    supplies: np.ndarray
    y0: np.ndarray  # pinned values, fixed before the flow
    keep0: np.ndarray
    pinned_units: np.ndarray  # per group
    cover_value: int  # coverage already given by pins
    sink_reward: np.ndarray  # per group: coverage coefficient of its SINK arc


def _terms_prefix(problem: Problem, terms: list[str]) -> list[str]:
    """The leading terms the flow can optimise (linear ones; coverage via sink arcs)."""
    out = []
    for term in terms:
        if term != "coverage" and linear_coefficients(problem, term) is None:
            break
        out.append(term)
    return out


def _coefficients(problem: Problem, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per arc, per keep and per group (SINK arc) coefficients of a term in the flow."""
    arcs, keeps, groups = problem.arcs, problem.keeps, problem.groups
    if term == "coverage":
        reward = ((groups["coverage"] != "off") * groups["weight"]).to_numpy(np.int64)
        return np.zeros(len(arcs), np.int64), np.zeros(len(keeps), np.int64), reward
    if term == HARD_COVERAGE:
        hard = (groups["coverage"] == "hard").to_numpy(np.int64)
        return np.zeros(len(arcs), np.int64), np.zeros(len(keeps), np.int64), hard
    coef = linear_coefficients(problem, term)
    assert coef is not None
    return coef[0], coef[1], np.zeros(len(groups), np.int64)


def _supply_units(problem: Problem) -> int:
    s = problem.scenario
    return int(sum(max(len(_duty_kinds(s, r) or ()), 1) for r in problem.cadres["role"]))


def _multipliers(problem: Problem, prefix: list[str], below: int = 0) -> list[int] | None:
    """Exact lexicographic multipliers above a tie-break term of range ``below``, or ``None``
    if the composite cost could overflow."""
    units = _supply_units(problem)
    ranges = []
    for term in prefix:
        a, k, g = _coefficients(problem, term)
        if term in ("coverage", HARD_COVERAGE):
            sizes = problem.groups["size"].to_numpy(np.int64)
            ranges.append(int((g * sizes).sum()))
        else:
            top = max(int(np.abs(a).max(initial=0)), int(np.abs(k).max(initial=0)))
            ranges.append(units * top)
    multipliers = [0] * len(prefix)
    for i in range(len(prefix) - 1, -1, -1):
        multipliers[i] = below + 1
        below += multipliers[i] * ranges[i]
    return multipliers if below < INT_LIMIT else None


def _tie_break(problem: Problem) -> tuple[np.ndarray, np.ndarray, int]:
    """A tie-break below every term: each school leader's contacts prefer their own colleges.

    Plans equal in every term then tend to spread school leaders out, so H4's branch and
    bound rarely has to branch. Returns per-arc and per-keep coefficients and their range.
    """
    arcs, keeps = problem.arcs, problem.keeps
    zeros = (np.zeros(len(arcs), np.int64), np.zeros(len(keeps), np.int64), 0)
    if problem.scenario.school_leader_spread is None:
        return zeros
    colleges = sorted(problem.dataset.colleges["id"])
    n = len(colleges)
    leaders = sorted(problem.pools.index[problem.pools["role"] == "school_leader"])
    if n < 2 or not leaders:
        return zeros
    college_index = {c: j for j, c in enumerate(colleges)}
    leader_index = {p: i for i, p in enumerate(leaders)}

    def coefs(frame: pd.DataFrame, pool: np.ndarray) -> np.ndarray:
        out = np.zeros(len(frame), np.int64)
        mask = frame["school_leader"].to_numpy(bool) & frame["college"].notna().to_numpy()
        for i in np.flatnonzero(mask):
            offset = len(KINDS) * leader_index.get(int(pool[i]), 0) + KIND_CODE[frame.at[i, "kind"]]
            out[i] = (college_index.get(frame.at[i, "college"], 0) - offset) % n
        return out

    cadre_pool = problem.cadres["pool"].to_numpy(np.int64)
    arc_t = coefs(arcs, arcs["pool"].to_numpy(np.int64))
    keep_t = coefs(keeps, cadre_pool[keeps["cadre"].to_numpy(np.int64)]) if len(keeps) else zeros[1]
    s = problem.scenario
    units = sum(max(len(_duty_kinds(s, "school_leader") or ()), 1) for _ in leaders)
    return arc_t, keep_t, units * (n - 1)


def _network(
    problem: Problem, arc_cost: np.ndarray, keep_cost: np.ndarray, sink_cost: np.ndarray,
    reward: np.ndarray,
) -> _Network | None:  # fmt: skip
    s = problem.scenario
    arcs, keeps, pools, groups = problem.arcs, problem.keeps, problem.pools, problem.groups
    cadres, targets = problem.cadres, problem.targets
    n_arcs, n_keeps, n_groups = len(arcs), len(keeps), len(groups)
    y0 = np.zeros(n_arcs, dtype=np.int64)
    keep0 = np.zeros(n_keeps, dtype=np.int64)
    arc_pool = arcs["pool"].to_numpy(np.int64)
    arc_group = arcs["group"].to_numpy(np.int64)
    arc_kind = np.array([KIND_CODE[k] for k in arcs["kind"]], dtype=np.int64)
    keep_cadre = keeps["cadre"].to_numpy(np.int64)
    keep_target = keeps["target"].to_numpy(np.int64)
    keep_group = keeps["group"].to_numpy(np.int64)
    keep_kind = np.array([KIND_CODE[k] for k in keeps["kind"]], dtype=np.int64)
    cadre_pool = cadres["pool"].to_numpy(np.int64)
    target_group = targets["group"].to_numpy(np.int64)
    target_cap = groups["cap"].to_numpy(np.int64)[target_group]

    # Duty slots: a unit-duty pool is one supply node; an "each kind" pool (a pool of one)
    # has one supply node per kind.
    pool_kinds = [_duty_kinds(s, r) for r in pools["role"]]
    node = 0
    slot_node: dict[tuple[int, int], int] = {}  # (pool, kind code or -1) -> node
    supply: dict[int, int] = {}
    for p, kinds in enumerate(pool_kinds):
        if kinds is None:
            return None
        if kinds:
            for k in sorted(KIND_CODE[x] for x in kinds):
                slot_node[(p, k)] = node
                supply[node] = int(pools.at[p, "size"])
                node += 1
        else:
            slot_node[(p, -1)] = node
            supply[node] = int(pools.at[p, "size"])
            node += 1

    def slot(pool: int, kind: int) -> tuple[int, int]:
        return (pool, kind) if (pool, kind) in slot_node else (pool, -1)

    # Require pins are fixed in advance (pinned cadres and targets are pools/groups of one).
    arc_of = {(p, g): i for i, (p, g) in enumerate(zip(arc_pool, arc_group, strict=True))}
    keep_of = {(c, t): i for i, (c, t) in enumerate(zip(keep_cadre, keep_target, strict=True))}
    pinned_units = np.zeros(n_groups, dtype=np.int64)
    pinned_targets: set[int] = set()
    used_slots: set[tuple[int, int]] = set()  # (cadre, kind code or -1)
    for cadre, target in zip(problem.requires["cadre"], problem.requires["target"], strict=True):
        pool = int(cadre_pool[cadre])
        group = int(target_group[target])
        key = slot(pool, KIND_CODE[targets.at[target, "kind"]])
        if (cadre, target) in keep_of:
            keep0[keep_of[(cadre, target)]] = 1
        elif (pool, group) in arc_of:
            y0[arc_of[(pool, group)]] = 1
        else:
            return None
        if (int(cadre), key[1]) in used_slots:
            return None
        used_slots.add((int(cadre), key[1]))
        supply[slot_node[key]] -= 1
        pinned_units[group] += 1
        pinned_targets.add(int(target))
    if min(supply.values(), default=0) < 0:
        return None
    group_size = groups["size"].to_numpy(np.int64)
    full_cap = group_size * groups["cap"].to_numpy(np.int64)
    covered_by_pins = np.bincount(target_group[sorted(pinned_targets)], minlength=n_groups).astype(
        np.int64
    )
    if (pinned_units > full_cap).any():
        return None

    # Cadre nodes: one per (cadre, duty slot) with a kept-contact option not used by a pin.
    slot_of_keep = [
        slot(int(cadre_pool[c]), int(k)) for c, k in zip(keep_cadre, keep_kind, strict=True)
    ]
    open_keep = np.array(
        [(int(c), sk[1]) not in used_slots for c, sk in zip(keep_cadre, slot_of_keep, strict=True)],
        dtype=bool,
    ) if n_keeps else np.zeros(0, bool)  # fmt: skip
    keep_ids = np.flatnonzero(open_keep & (keep0 == 0))
    cadre_node: dict[tuple[int, int], int] = {}
    for i in keep_ids:
        key = (int(keep_cadre[i]), slot_of_keep[i][1])
        if key not in cadre_node:
            cadre_node[key] = node
            supply[node] = 1
            supply[slot_node[slot_of_keep[i]]] -= 1
            node += 1
    # Target nodes: a target more cadres could keep than its cap.
    counts = np.bincount(keep_target[keep_ids], minlength=len(targets))
    shared = (
        [int(t) for t in np.flatnonzero(np.asarray(counts) > target_cap)] if len(keep_ids) else []
    )
    target_node = {t: node + i for i, t in enumerate(shared)}
    node += len(shared)
    group_node = node
    sink = group_node + n_groups
    n_nodes = sink + 1

    leader_arc = arcs["school_leader"].to_numpy(bool)
    leader_keep = keeps["school_leader"].to_numpy(bool) if n_keeps else np.zeros(0, bool)
    arc_college = arcs["college"].fillna("").to_numpy(str) if n_arcs else np.zeros(0, str)
    keep_college = keeps["college"].fillna("").to_numpy(str) if n_keeps else np.zeros(0, str)

    cols: list[list[np.ndarray]] = [[] for _ in range(8)]

    def add(tails, heads, caps, costs, what, index, kind, college) -> None:
        n = len(np.atleast_1d(index))
        for col, values in zip(
            cols, (tails, heads, caps, costs, np.full(n, what), index, kind, college), strict=True
        ):
            col.append(np.asarray(values, dtype=object if col is cols[7] else np.int64).reshape(n))

    free = np.flatnonzero(y0 == 0)
    tails = np.array(
        [slot_node[slot(int(arc_pool[a]), int(arc_kind[a]))] for a in free], dtype=np.int64
    )
    add(tails, group_node + arc_group[free], arcs["ub"].to_numpy(np.int64)[free],
        arc_cost[free], ARC, free, np.full(len(free), -1),
        np.where(leader_arc[free], arc_college[free], ""))  # fmt: skip
    k_tails = [cadre_node[(int(keep_cadre[i]), slot_of_keep[i][1])] for i in keep_ids]
    k_heads = [
        target_node.get(int(keep_target[i]), group_node + int(keep_group[i])) for i in keep_ids
    ]
    add(k_tails, k_heads, np.ones(len(keep_ids)), keep_cost[keep_ids], KEEP, keep_ids,
        np.full(len(keep_ids), -1),
        np.where(leader_keep[keep_ids], keep_college[keep_ids], ""))  # fmt: skip
    move_keys = list(cadre_node)
    add([cadre_node[k] for k in move_keys],
        [slot_node[slot(int(cadre_pool[c]), k)] for c, k in move_keys],
        np.ones(len(move_keys)), np.zeros(len(move_keys)), MOVE,
        [c for c, _ in move_keys], [k for _, k in move_keys],
        np.full(len(move_keys), ""))  # fmt: skip
    add([target_node[t] for t in shared], group_node + target_group[shared],
        target_cap[shared], np.zeros(len(shared)), TARGET, shared, np.full(len(shared), -1),
        np.full(len(shared), ""))  # fmt: skip
    sink_cap = group_size - covered_by_pins
    extra_cap = full_cap - pinned_units - sink_cap
    g_all = np.arange(n_groups)
    add(group_node + g_all, np.full(n_groups, sink), sink_cap, sink_cost, SINK, g_all,
        np.full(n_groups, -1), np.full(n_groups, ""))  # fmt: skip
    extra = np.flatnonzero(extra_cap > 0)
    add(group_node + extra, np.full(len(extra), sink), extra_cap[extra],
        np.zeros(len(extra)), EXTRA, extra, np.full(len(extra), -1),
        np.full(len(extra), ""))  # fmt: skip
    merged = [np.concatenate(c) if c else np.zeros(0, np.int64) for c in cols]
    supplies = np.zeros(n_nodes, dtype=np.int64)
    for n, amount in supply.items():
        supplies[n] = amount
    supplies[sink] = -int(supplies.sum())
    what, index = merged[4].astype(np.int64), merged[5].astype(np.int64)
    flow_pool = np.full(len(what), -1, dtype=np.int64)
    flow_pool[what == ARC] = arc_pool[index[what == ARC]]
    flow_pool[what == KEEP] = keeps["pool"].to_numpy(np.int64)[index[what == KEEP]]
    return _Network(
        tails=merged[0].astype(np.int64),
        heads=merged[1].astype(np.int64),
        caps=merged[2].astype(np.int64),
        costs=merged[3].astype(np.int64),
        what=what,
        index=index,
        kind=merged[6].astype(np.int64),
        leader_college=merged[7].astype(str),
        pool=flow_pool,
        supplies=supplies,
        y0=y0,
        keep0=keep0,
        pinned_units=pinned_units,
        cover_value=int((reward * covered_by_pins).sum()),
        sink_reward=reward,
    )


@dataclass
class _Result:
    cost: int
    y: np.ndarray
    keep: np.ndarray
    mask: np.ndarray
    amounts: np.ndarray


def _solve_network(net: _Network, banned: frozenset[int]) -> _Result | None:
    """Min-cost flow without the ``banned`` flow arcs."""
    mask = np.ones(len(net.tails), dtype=bool)
    if banned:
        mask[list(banned)] = False
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
    amounts = np.asarray(flow.flows(np.arange(int(mask.sum()), dtype=np.int32)), np.int64)
    what, index = net.what[mask], net.index[mask]
    y = net.y0.copy()
    keep = net.keep0.copy()
    sel = (what == ARC) & (amounts > 0)
    np.add.at(y, index[sel], amounts[sel])
    keep[index[(what == KEEP) & (amounts > 0)]] = 1
    return _Result(int(flow.optimal_cost()), y, keep, mask, amounts)


def flow_solution(problem: Problem, terms: list[str]) -> FlowSolution | None:
    """Solve the flow lexicographically over its leading ``terms``, with H4 enforced.

    A quick search without a tie-break first; if H4 needs much branching, a second search
    with school leaders steered apart by a tie-break below every term (:func:`_tie_break`).
    See :func:`_flow_search` for what is returned.
    """
    if not flow_applicable(problem):
        return None
    first = _flow_search(problem, terms, tie=False, max_nodes=QUICK_NODES)
    if first is None or first.exact:
        return first
    second = _flow_search(problem, terms, tie=True, max_nodes=MAX_NODES)
    return second if second is not None else first


def _flow_search(
    problem: Problem, terms: list[str], *, tie: bool, max_nodes: int
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
    prefix = _terms_prefix(problem, terms)
    hard = (problem.groups["coverage"] == "hard").to_numpy(bool)
    top = [HARD_COVERAGE] if hard.any() else []  # above every term: it is a hard rule
    tie_arc, tie_keep, tie_range = _tie_break(problem)
    if not tie:
        tie_arc, tie_keep, tie_range = tie_arc * 0, tie_keep * 0, 0
    multipliers = _multipliers(problem, top + prefix, tie_range)
    if multipliers is None:  # no room for the tie-break: go without it
        tie_arc, tie_keep, tie_range = tie_arc * 0, tie_keep * 0, 0
        multipliers = _multipliers(problem, top + prefix)
    while multipliers is None and prefix:
        prefix = prefix[:-1]
        multipliers = _multipliers(problem, top + prefix)
    if multipliers is None:
        return None
    arc_cost = tie_arc.copy()
    keep_cost = tie_keep.copy()
    sink_cost = np.zeros(len(problem.groups), dtype=np.int64)
    reward = np.zeros(len(problem.groups), dtype=np.int64)
    for m, term in zip(multipliers, top + prefix, strict=True):
        a, k, g = _coefficients(problem, term)
        sign = -1 if term == HARD_COVERAGE else -TERM_SENSE[term]  # the flow minimises
        arc_cost += sign * m * a
        keep_cost += sign * m * k
        sink_cost += sign * m * g
        if term == "coverage":
            reward = g
    net = _network(problem, arc_cost, keep_cost, sink_cost, reward)
    if net is None:
        return None
    root = _solve_network(net, frozenset())
    if root is None or not _hard_covered(net, root, hard):
        return None  # the hard rules cannot all hold: CP-SAT proves it and says why
    heap: list[tuple[int, int, frozenset[int], _Result]] = [(root.cost, 0, frozenset(), root)]
    seen: set[frozenset[int]] = {frozenset()}
    counter = 1
    incumbent: _Result | None = None  # the cheapest plan keeping H4 found so far
    bound = _values(problem, net, root, prefix)  # no plan does better, term by term

    def found(result: _Result, nodes: int) -> FlowSolution | None:
        """``result`` keeps H4 and nothing cheaper does: the lexicographic optimum (``None``
        if it misses a target of hard coverage: then no plan keeps every hard rule)."""
        if not _hard_covered(net, result, hard):
            return None
        values = _values(problem, net, result, prefix)
        # The terms' part of the cost (without the tie-break) is the same in every optimal
        # plan: the face holds the plans whose cost differs only in the tie-break.
        terms_part = result.cost - int(tie_arc @ result.y + tie_keep @ result.keep)
        face = _face(problem, net, root, terms_part - root.cost, tie_range, tie_arc, tie_keep)
        return FlowSolution(
            y=result.y, keep=result.keep, terms=prefix, values=values, face=face, nodes=nodes
        )

    while heap and counter <= max_nodes:
        cost, _, banned, result = heapq.heappop(heap)
        if incumbent is not None and cost >= incumbent.cost:
            return found(incumbent, counter)  # every open branch costs at least as much
        crowded = _crowded(problem, net, result)
        if crowded is None:
            return found(result, counter)
        if incumbent is None:
            # Dive from the best open node to a plan that keeps H4: its cost prunes the
            # search, and if the search runs out of nodes it is a feasible hint for CP-SAT.
            incumbent, dived = _dive(problem, net, banned, result, max_nodes)
            counter += dived
            if incumbent is not None and not _hard_covered(net, incumbent, hard):
                incumbent = None  # not a plan: it breaks a hard rule
            if incumbent is not None and _values(problem, net, incumbent, prefix) == bound:
                # As good as the relaxation in every term (only the tie-break differs): the
                # multipliers make the root's values the lexicographic bound, so it is optimal.
                return found(incumbent, counter)
        for cut in crowded:
            child = banned | cut
            if child in seen:
                continue
            seen.add(child)
            child_result = _solve_network(net, child)
            counter += 1
            if child_result is None:
                continue
            if incumbent is not None and child_result.cost >= incumbent.cost:
                continue
            heapq.heappush(heap, (child_result.cost, counter, child, child_result))
    if incumbent is not None and (not heap or heap[0][0] >= incumbent.cost):
        return found(incumbent, counter)
    # H4 could not be proven quickly: the relaxation still bounds every term, and the plan
    # handed on (the incumbent if any, it keeps H4) hints CP-SAT.
    start = incumbent or root
    return FlowSolution(
        y=start.y, keep=start.keep, terms=prefix, values=bound, nodes=counter, exact=False
    )


def _hard_covered(net: _Network, result: _Result, hard: np.ndarray) -> bool:
    """Whether ``result`` covers every target of a kind whose coverage is hard."""
    if not hard.any():
        return True
    sink = net.what[result.mask] == SINK
    groups = net.index[result.mask][sink]
    short = net.caps[result.mask][sink] - result.amounts[sink]
    return not bool((short[hard[groups]] > 0).any())


def _dive(
    problem: Problem, net: _Network, banned: frozenset[int], result: _Result, max_nodes: int
) -> tuple[_Result | None, int]:
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
        child = _solve_network(net, banned)
        nodes += 1
        if child is None:
            return None, nodes
        result = child
    return result, nodes


def _values(problem: Problem, net: _Network, result: _Result, prefix: list[str]) -> dict[str, int]:
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
            a, k, _ = _coefficients(problem, term)
            values[term] = int(a @ result.y + k @ result.keep)
    return values


def _crowded(problem: Problem, net: _Network, result: _Result) -> list[frozenset[int]] | None:
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


def _spread_out(problem: Problem, net: _Network, result: _Result) -> frozenset[int] | None:
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
    problem: Problem, net: _Network, result: _Result
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


def _leader_arcs(net: _Network, college: str, pool: int) -> frozenset[int]:
    """Every school-leader arc of ``pool`` into ``college``: banning them all keeps the
    leader out of the college."""
    into = (net.leader_college == college) & (net.pool == pool)
    return frozenset(np.flatnonzero(into).tolist())


def _pinned_leader_units(problem: Problem, net: _Network) -> dict[str, int]:
    out: dict[str, int] = {}
    arcs, keeps = problem.arcs, problem.keeps
    for i in np.flatnonzero(net.y0 > 0):
        if arcs.at[i, "school_leader"] and isinstance(arcs.at[i, "college"], str):
            out[arcs.at[i, "college"]] = out.get(arcs.at[i, "college"], 0) + int(net.y0[i])
    for i in np.flatnonzero(net.keep0 > 0):
        if keeps.at[i, "school_leader"] and isinstance(keeps.at[i, "college"], str):
            out[keeps.at[i, "college"]] = out.get(keeps.at[i, "college"], 0) + 1
    return out


def _face(
    problem: Problem,
    net: _Network,
    root: _Result,
    delta: int,
    tie_range: int = 0,
    tie_arc: np.ndarray | None = None,
    tie_keep: np.ndarray | None = None,
) -> Face | None:
    """The plans whose cost without the tie-break is exactly ``delta`` more than the
    optimal flow ``root`` (whose cost includes it).

    Node potentials come from Bellman-Ford on the residual network of the optimal flow
    (it has no negative cycle), in exact int64 arithmetic; ``None`` if that could overflow.
    With reduced costs ``rc``, any flow ``x`` costs ``optimum + Σ_{rc>0} rc·x +
    Σ_{rc<0} |rc|·(cap − x)``, every term non-negative: so an arc with ``rc > delta`` is
    empty and one with ``rc < -delta`` is full in every plan of cost ``optimum + delta``,
    and the rest must add up to exactly ``delta``. With a tie-break ``T`` (between 0 and
    ``tie_range``) in the cost, the threshold grows by ``tie_range`` and the slack row reads
    ``Σ loose − T(x) == delta``.
    """
    mask = root.mask
    tails, heads = net.tails[mask], net.heads[mask]
    costs, caps, flows = net.costs[mask], net.caps[mask], root.amounts
    n_nodes = len(net.supplies)
    if int(np.abs(costs).max(initial=0)) * n_nodes >= INT_LIMIT:
        return None
    fwd, bwd = flows < caps, flows > 0
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
    limit = delta + tie_range
    empty, full = rc > limit, rc < -limit
    loose = ~empty & ~full & (rc != 0)
    what, index, kind = net.what[mask], net.index[mask], net.kind[mask]
    groups = problem.groups
    sink_like = np.isin(what, [SINK, EXTRA])
    big = np.zeros(len(what), dtype=bool)
    big[sink_like] = groups["cap"].to_numpy()[index[sink_like]] > 1
    if (loose & big).any():
        return None  # the slack row would need the model's "covered" variables
    ub = problem.arcs["ub"].to_numpy(np.int64)
    y_lo, y_hi = net.y0.copy(), np.where(net.y0 > 0, net.y0, ub)
    keep_lo, keep_hi = net.keep0.copy(), np.ones(len(net.keep0), dtype=np.int64)
    in_net = np.zeros(len(net.keep0), dtype=bool)
    in_net[index[what == KEEP]] = True
    keep_hi[~in_net & (net.keep0 == 0)] = 0  # keeps a pin made impossible
    sel = what == ARC
    y_hi[index[sel & empty]] = 0
    y_lo[index[sel & full]] = caps[sel & full]
    sel = what == KEEP
    keep_hi[index[sel & empty]] = 0
    keep_lo[index[sel & full]] = 1
    sel = what == MOVE
    cadre_keeps = {
        (int(c), int(k)): 1 for c, k in zip(index[sel & empty], kind[sel & empty], strict=True)
    }
    cadre_keeps |= {
        (int(c), int(k)): 0 for c, k in zip(index[sel & full], kind[sel & full], strict=True)
    }
    sel = what == TARGET
    target_keeps = {int(t): (0, int(c)) for t, c in zip(index[sel], caps[sel], strict=True)}
    target_keeps |= {int(t): (0, 0) for t in index[sel & empty]}
    target_keeps |= {
        int(t): (int(c), int(c)) for t, c in zip(index[sel & full], caps[sel & full], strict=True)
    }
    group_lo = net.pinned_units.copy()
    group_hi = net.pinned_units.copy()
    for code in (SINK, EXTRA):
        sel = what == code
        np.add.at(group_lo, index[sel & full], caps[sel & full])
        np.add.at(group_hi, index[sel & ~empty], caps[sel & ~empty])
    return Face(
        y_lo, y_hi, keep_lo, keep_hi, cadre_keeps, target_keeps, group_lo, group_hi,
        slack=delta, tie_arc=tie_arc, tie_keep=tie_keep,
        slack_what=what[loose], slack_index=index[loose], slack_kind=kind[loose],
        slack_coef=np.abs(rc[loose]), slack_sign=np.sign(rc[loose]), slack_cap=caps[loose],
        pinned=net.pinned_units,
    )  # fmt: skip


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
