"""The flow network of a problem: nodes for duty slots, kept contacts, shared targets and
groups, arcs for counts, kept contacts and moves, costs built from the terms, and one
min-cost flow solved with OR-Tools (arcs can be banned per search node)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from ortools.graph.python import min_cost_flow

from planner.contract import KINDS
from planner.scenario import Scenario
from planner.solver.problem import Problem
from planner.solver.terms import linear_coefficients

INT_LIMIT = 2**62
"""Largest total cost we let the flow see (int64 arithmetic inside the solver)."""

ARC, KEEP, MOVE, TARGET, SINK, EXTRA = range(6)
"""What a flow arc stands for: a pool-group count; a kept contact; a cadre who could keep a
contact moving into its pool instead; a target more cadres could keep than its cap; the first
cadre of each target of a group (what coverage rewards); further cadres (cap above one)."""

KIND_CODE = {k.value: i for i, k in enumerate(KINDS)}

HARD_COVERAGE = "hard coverage"
"""A layer of the flow's cost above every term: targets of a kind whose coverage is hard. The
flow covers as many as it can first; a plan that misses one breaks the rule (no plan), and
otherwise every plan the flow can return covers them all."""


def duty_kinds(scenario: Scenario, role: str) -> frozenset[str] | None:
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
    roles = problem.cadres["role"].unique()
    duties = all(duty_kinds(s, r) is not None for r in roles)
    kinds = all(rule.min == 1 or rule.coverage == "off" for rule in s.kinds.values())
    return duties and kinds and s.continuity != "hard"


@dataclass
class Network:
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


def terms_prefix(problem: Problem, terms: list[str]) -> list[str]:
    """The leading terms the flow can optimise (linear ones; coverage via sink arcs)."""
    out = []
    for term in terms:
        if term != "coverage" and linear_coefficients(problem, term) is None:
            break
        out.append(term)
    return out


def coefficients(problem: Problem, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def supply_units(problem: Problem) -> int:
    """Units of flow the cadres supply: one per duty slot."""
    s = problem.scenario
    counts = problem.cadres["role"].value_counts()
    return int(sum(n * max(len(duty_kinds(s, r) or ()), 1) for r, n in counts.items()))


def lexicographic_multipliers(
    problem: Problem, prefix: list[str], below: int = 0
) -> list[int] | None:
    """Exact lexicographic multipliers above a tie-break term of range ``below``, or ``None``
    if the composite cost could overflow."""
    units = supply_units(problem)
    ranges = []
    for term in prefix:
        a, k, g = coefficients(problem, term)
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


def tie_break(problem: Problem) -> tuple[np.ndarray, np.ndarray, int]:
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
        at = np.flatnonzero(mask)
        if not len(at):
            return out
        leader = np.array([leader_index.get(int(p), 0) for p in pool[at]], dtype=np.int64)
        kind = frame["kind"].iloc[at].map(KIND_CODE).to_numpy(np.int64)
        college = np.array(
            [college_index.get(c, 0) for c in frame["college"].iloc[at]], dtype=np.int64
        )
        out[at] = (college - (len(KINDS) * leader + kind)) % n
        return out

    cadre_pool = problem.cadres["pool"].to_numpy(np.int64)
    arc_t = coefs(arcs, arcs["pool"].to_numpy(np.int64))
    keep_t = coefs(keeps, cadre_pool[keeps["cadre"].to_numpy(np.int64)]) if len(keeps) else zeros[1]
    s = problem.scenario
    units = sum(max(len(duty_kinds(s, "school_leader") or ()), 1) for _ in leaders)
    return arc_t, keep_t, units * (n - 1)


def build_network(
    problem: Problem,
    arc_cost: np.ndarray,
    keep_cost: np.ndarray,
    sink_cost: np.ndarray,
    reward: np.ndarray,
) -> Network | None:
    """The flow network of ``problem`` with the given costs (per arc, per keep, per group's
    SINK arc) and the coverage ``reward`` per group; ``None`` when a duty is not a flow or the
    require pins cannot all be placed (CP-SAT then decides, and says why)."""
    build = _Builder(problem)
    if not build.duty_slots() or not build.fix_pins():
        return None
    build.open_keeps()
    return build.network(arc_cost, keep_cost, sink_cost, reward)


class _Builder:
    """The nodes and supplies of a network as they are laid out, in a fixed order: duty slots,
    cadres who could keep a contact, targets more cadres could keep than their cap, groups,
    the sink."""

    def __init__(self, problem: Problem) -> None:
        self.problem = p = problem
        arcs, keeps, groups = p.arcs, p.keeps, p.groups
        self.y0 = np.zeros(len(arcs), dtype=np.int64)
        self.keep0 = np.zeros(len(keeps), dtype=np.int64)
        self.arc_pool = arcs["pool"].to_numpy(np.int64)
        self.arc_group = arcs["group"].to_numpy(np.int64)
        self.arc_kind = np.array([KIND_CODE[k] for k in arcs["kind"].tolist()], dtype=np.int64)
        self.keep_cadre = keeps["cadre"].to_numpy(np.int64)
        self.keep_target = keeps["target"].to_numpy(np.int64)
        self.keep_group = keeps["group"].to_numpy(np.int64)
        self.keep_kind = np.array([KIND_CODE[k] for k in keeps["kind"].tolist()], dtype=np.int64)
        self.cadre_pool = p.cadres["pool"].to_numpy(np.int64)
        self.target_group = p.targets["group"].to_numpy(np.int64)
        self.target_cap = groups["cap"].to_numpy(np.int64)[self.target_group]
        self.group_size = groups["size"].to_numpy(np.int64)
        self.full_cap = self.group_size * groups["cap"].to_numpy(np.int64)
        self.node = 0
        self.slot_node: dict[tuple[int, int], int] = {}  # (pool, kind code or -1) -> node
        self.supply: dict[int, int] = {}
        self.pinned_units = np.zeros(len(groups), dtype=np.int64)
        self.covered_by_pins = np.zeros(len(groups), dtype=np.int64)
        self.used_slots: set[tuple[int, int]] = set()  # (cadre, kind code or -1)
        self.keep_ids = np.zeros(0, dtype=np.int64)
        self.slot_of_keep: list[tuple[int, int]] = []
        self.cadre_node: dict[tuple[int, int], int] = {}

    def _new_node(self, supply: int) -> int:
        node = self.node
        self.supply[node] = supply
        self.node += 1
        return node

    def duty_slots(self) -> bool:
        """A unit-duty pool is one supply node; an "each kind" pool (a pool of one) has one
        supply node per kind. False when a duty is not a flow."""
        pools = self.problem.pools
        scenario = self.problem.scenario
        codes: dict[str, list[int] | None] = {}  # per role: its slots' kind codes
        for p, (role, size) in enumerate(
            zip(pools["role"].tolist(), pools["size"].tolist(), strict=True)
        ):
            if role not in codes:
                kinds = duty_kinds(scenario, role)
                codes[role] = (
                    None
                    if kinds is None
                    else sorted(KIND_CODE[x] for x in kinds)
                    if kinds
                    else [-1]
                )
            slots = codes[role]
            if slots is None:
                return False
            for k in slots:
                self.slot_node[(p, k)] = self._new_node(int(size))
        return True

    def slot(self, pool: int, kind: int) -> tuple[int, int]:
        """The duty slot of ``pool`` a target of ``kind`` (code) fills."""
        return (pool, kind) if (pool, kind) in self.slot_node else (pool, -1)

    def fix_pins(self) -> bool:
        """Require pins are fixed in advance (pinned cadres and targets are pools and groups of
        one). False when a pin has no arc or two pins fill one slot or overfill a group."""
        p = self.problem
        pinned_targets: set[int] = set()
        for cadre, target in zip(p.requires["cadre"], p.requires["target"], strict=True):
            pool = int(self.cadre_pool[cadre])
            group = int(self.target_group[target])
            key = self.slot(pool, KIND_CODE[p.targets.at[target, "kind"]])
            keep = np.flatnonzero((self.keep_cadre == cadre) & (self.keep_target == target))
            arc = np.flatnonzero((self.arc_pool == pool) & (self.arc_group == group))
            if len(keep):
                self.keep0[keep[-1]] = 1
            elif len(arc):
                self.y0[arc[-1]] = 1
            else:
                return False
            if (int(cadre), key[1]) in self.used_slots:
                return False
            self.used_slots.add((int(cadre), key[1]))
            self.supply[self.slot_node[key]] -= 1
            self.pinned_units[group] += 1
            pinned_targets.add(int(target))
        if min(self.supply.values(), default=0) < 0:
            return False
        # A target cadres outside a re-planned part hold is covered already, as if pinned.
        pinned_targets |= set(np.flatnonzero(p.targets["taken"].to_numpy() > 0).tolist())
        self.covered_by_pins = np.bincount(
            self.target_group[sorted(pinned_targets)], minlength=len(p.groups)
        ).astype(np.int64)
        return not (self.pinned_units > self.full_cap).any()

    def open_keeps(self) -> None:
        """Cadre nodes: one per (cadre, duty slot) with a kept-contact option not used by a pin."""
        keep_cadre = self.keep_cadre.tolist()
        self.slot_of_keep = [
            self.slot(pool, k)
            for pool, k in zip(
                self.cadre_pool[self.keep_cadre].tolist(), self.keep_kind.tolist(), strict=True
            )
        ]
        open_keep = np.array(
            [(c, sk[1]) not in self.used_slots
             for c, sk in zip(keep_cadre, self.slot_of_keep, strict=True)],
            dtype=bool,
        ) if len(keep_cadre) else np.zeros(0, bool)  # fmt: skip
        self.keep_ids = np.flatnonzero(open_keep & (self.keep0 == 0))
        for i in self.keep_ids.tolist():
            key = (keep_cadre[i], self.slot_of_keep[i][1])
            if key not in self.cadre_node:
                self.cadre_node[key] = self._new_node(1)
                self.supply[self.slot_node[self.slot_of_keep[i]]] -= 1

    def network(
        self,
        arc_cost: np.ndarray,
        keep_cost: np.ndarray,
        sink_cost: np.ndarray,
        reward: np.ndarray,
    ) -> Network:
        """The arcs, in a fixed order: counts, kept contacts, moves, shared targets, sinks."""
        keep_ids, keep_target = self.keep_ids, self.keep_target
        # Target nodes: a target more cadres could keep than its cap.
        counts = np.bincount(keep_target[keep_ids], minlength=len(self.problem.targets))
        shared = (
            [int(t) for t in np.flatnonzero(np.asarray(counts) > self.target_cap)]
            if len(keep_ids)
            else []
        )
        target_node = {t: self.node + i for i, t in enumerate(shared)}
        group_node = self.node + len(shared)
        sink = group_node + len(self.problem.groups)
        arcs = _Arcs(self.problem)
        self._count_and_keep_arcs(arcs, arc_cost, keep_cost, target_node, group_node)
        self._move_target_sink_arcs(arcs, sink_cost, shared, target_node, group_node, sink)
        supplies = np.zeros(sink + 1, dtype=np.int64)
        for n, amount in self.supply.items():
            supplies[n] = amount
        supplies[sink] = -int(supplies.sum())
        return arcs.network(
            self.problem,
            supplies=supplies,
            y0=self.y0,
            keep0=self.keep0,
            pinned_units=self.pinned_units,
            cover_value=int((reward * self.covered_by_pins).sum()),
            sink_reward=reward,
        )

    def _count_and_keep_arcs(
        self,
        arcs: _Arcs,
        arc_cost: np.ndarray,
        keep_cost: np.ndarray,
        target_node: dict[int, int],
        group_node: int,
    ) -> None:
        p = self.problem
        free = np.flatnonzero(self.y0 == 0)
        tails = np.array(
            [
                self.slot_node[self.slot(pool, kind)]
                for pool, kind in zip(
                    self.arc_pool[free].tolist(), self.arc_kind[free].tolist(), strict=True
                )
            ],
            dtype=np.int64,
        )
        arcs.add(tails, group_node + self.arc_group[free], p.arcs["ub"].to_numpy(np.int64)[free],
            arc_cost[free], ARC, free, np.full(len(free), -1),
            np.where(arcs.leader_arc[free], arcs.arc_college[free], ""))  # fmt: skip
        ids = self.keep_ids
        listed = ids.tolist()
        k_tails = [
            self.cadre_node[(c, self.slot_of_keep[i][1])]
            for i, c in zip(listed, self.keep_cadre[ids].tolist(), strict=True)
        ]
        k_heads = [
            target_node.get(t, group_node + g)
            for t, g in zip(
                self.keep_target[ids].tolist(), self.keep_group[ids].tolist(), strict=True
            )
        ]
        arcs.add(k_tails, k_heads, np.ones(len(ids)), keep_cost[ids], KEEP, ids,
            np.full(len(ids), -1),
            np.where(arcs.leader_keep[ids], arcs.keep_college[ids], ""))  # fmt: skip

    def _move_target_sink_arcs(
        self,
        arcs: _Arcs,
        sink_cost: np.ndarray,
        shared: list[int],
        target_node: dict[int, int],
        group_node: int,
        sink: int,
    ) -> None:
        move_keys = list(self.cadre_node)
        arcs.add([self.cadre_node[k] for k in move_keys],
            [self.slot_node[self.slot(int(self.cadre_pool[c]), k)] for c, k in move_keys],
            np.ones(len(move_keys)), np.zeros(len(move_keys)), MOVE,
            [c for c, _ in move_keys], [k for _, k in move_keys],
            np.full(len(move_keys), ""))  # fmt: skip
        arcs.add([target_node[t] for t in shared],
            group_node + self.target_group[shared], self.target_cap[shared],
            np.zeros(len(shared)), TARGET, shared, np.full(len(shared), -1),
            np.full(len(shared), ""))  # fmt: skip
        n_groups = len(self.problem.groups)
        sink_cap = self.group_size - self.covered_by_pins
        extra_cap = self.full_cap - self.pinned_units - sink_cap
        g_all = np.arange(n_groups)
        arcs.add(group_node + g_all, np.full(n_groups, sink), sink_cap, sink_cost, SINK, g_all,
            np.full(n_groups, -1), np.full(n_groups, ""))  # fmt: skip
        extra = np.flatnonzero(extra_cap > 0)
        arcs.add(group_node + extra, np.full(len(extra), sink), extra_cap[extra],
            np.zeros(len(extra)), EXTRA, extra, np.full(len(extra), -1),
            np.full(len(extra), ""))  # fmt: skip


class _Arcs:
    """The arcs of a network as they are added, column by column."""

    def __init__(self, problem: Problem) -> None:
        arcs, keeps = problem.arcs, problem.keeps
        n_arcs, n_keeps = len(arcs), len(keeps)
        self.leader_arc = arcs["school_leader"].to_numpy(bool)
        self.leader_keep = keeps["school_leader"].to_numpy(bool) if n_keeps else np.zeros(0, bool)
        self.arc_college = arcs["college"].fillna("").to_numpy(str) if n_arcs else np.zeros(0, str)
        self.keep_college = (
            keeps["college"].fillna("").to_numpy(str) if n_keeps else np.zeros(0, str)
        )
        self.cols: list[list[np.ndarray]] = [[] for _ in range(8)]

    def add(self, tails, heads, caps, costs, what, index, kind, college) -> None:
        """Arcs of one sort: tails, heads, capacities, costs, what they stand for (:data:`ARC`
        …), the index of what they stand for, a slot's kind code, a school leader's college."""
        cols = self.cols
        n = len(np.atleast_1d(index))
        for col, values in zip(
            cols, (tails, heads, caps, costs, np.full(n, what), index, kind, college), strict=True
        ):
            col.append(np.asarray(values, dtype=object if col is cols[7] else np.int64).reshape(n))

    def network(self, problem: Problem, **nodes: Any) -> Network:
        """The :class:`Network` of the arcs added, with its node data."""
        merged = [np.concatenate(c) if c else np.zeros(0, np.int64) for c in self.cols]
        what, index = merged[4].astype(np.int64), merged[5].astype(np.int64)
        flow_pool = np.full(len(what), -1, dtype=np.int64)
        flow_pool[what == ARC] = problem.arcs["pool"].to_numpy(np.int64)[index[what == ARC]]
        flow_pool[what == KEEP] = problem.keeps["pool"].to_numpy(np.int64)[index[what == KEEP]]
        return Network(
            tails=merged[0].astype(np.int64),
            heads=merged[1].astype(np.int64),
            caps=merged[2].astype(np.int64),
            costs=merged[3].astype(np.int64),
            what=what,
            index=index,
            kind=merged[6].astype(np.int64),
            leader_college=merged[7].astype(str),
            pool=flow_pool,
            **nodes,
        )


@dataclass
class Result:
    cost: int
    y: np.ndarray
    keep: np.ndarray
    mask: np.ndarray
    amounts: np.ndarray


def solve_network(net: Network, banned: frozenset[int]) -> Result | None:
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
    return Result(int(flow.optimal_cost()), y, keep, mask, amounts)
