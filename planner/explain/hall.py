"""Hall's condition as max flows: a set of cadres who must hold more targets than are open to
them, and hard coverage that the cadres who may hold the targets cannot give. The min cut names
the cadres and every target involved."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd
from ortools.graph.python import max_flow

from planner.contract import Kind, Role
from planner.i18n import gettext as _
from planner.i18n import ngettext, pgettext
from planner.policy import H1, H2, H3, H4, S1
from planner.solver.problem import Problem
from planner.words import (
    KIND_WORDS,
    KINDS_AS_LISTED,
    cadre_words,
    cadres_by_college,
    chinese,
    college_name,
    count_words,
    file_name,
    is_are,
    join_words,
    kind_word,
    listed,
    row_list,
)


# -- max-flow (Hall) checks ------------------------------------------------------------
def tails_heads_of(tails: np.ndarray, heads: np.ndarray, nodes: set[int]) -> list[int]:
    """The heads of every arc whose tail is in ``nodes`` (a neighbourhood)."""
    mask = np.isin(tails, list(nodes))
    return sorted({int(h) for h in heads[mask]})


@dataclass
class _Network:
    """A max-flow network as arrays: source → pools → (school leaders: college gates →)
    groups → sink."""

    tails: list[np.ndarray]
    heads: list[np.ndarray]
    caps: list[np.ndarray]

    def add(self, tails: np.ndarray, heads: np.ndarray, caps: np.ndarray) -> None:
        self.tails.append(np.asarray(tails, np.int64))
        self.heads.append(np.asarray(heads, np.int64))
        self.caps.append(np.asarray(caps, np.int64))

    def cut(self, source: int, sink: int) -> tuple[int, set[int]]:
        """The maximum flow and the source side of a minimum cut."""
        flow = max_flow.SimpleMaxFlow()
        tails, heads = np.concatenate(self.tails), np.concatenate(self.heads)
        caps = np.concatenate(self.caps)
        if len(tails):
            flow.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps)
        if flow.solve(source, sink) != flow.OPTIMAL:
            return 0, set()
        return int(flow.optimal_flow()), set(flow.get_source_side_min_cut())


def _pinned_arcs(p: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pool → group arcs (and their bounds) with require pins applied: a cadre pinned to as
    many targets as its duty allows may go to those targets only."""
    tails = np.concatenate([p.arcs["pool"].to_numpy(np.int64), p.keeps["pool"].to_numpy(np.int64)])
    heads = np.concatenate(
        [p.arcs["group"].to_numpy(np.int64), p.keeps["group"].to_numpy(np.int64)]
    )
    caps = np.concatenate([p.arcs["ub"].to_numpy(np.int64), np.ones(len(p.keeps), np.int64)])
    if p.requires.empty:
        return tails, heads, caps
    pool_of = p.cadres["pool"].to_numpy(np.int64)
    group_of = p.targets["group"].to_numpy(np.int64)
    keep = np.ones(len(tails), dtype=bool)
    extra_t, extra_h = [], []
    for cadre, frame in p.requires.groupby("cadre"):
        role = p.cadres.at[int(cadre), "role"]
        if len(frame) < p.scenario.duty(role).total_range().max:
            continue
        pool = int(pool_of[int(cadre)])
        keep &= tails != pool
        extra_t += [pool] * len(frame)
        extra_h += [int(group_of[int(t)]) for t in frame["target"]]
    ones = np.ones(len(extra_t), np.int64)
    return (
        np.concatenate([tails[keep], np.array(extra_t, np.int64)]),
        np.concatenate([heads[keep], np.array(extra_h, np.int64)]),
        np.concatenate([caps[keep], ones]),
    )


def too_many_cadres(problem: Problem, skip: set[int]) -> list[str]:
    """H1 + H2 + H3 (+ H4, + pins): a set of cadres who must hold more targets than are open
    to them, counted for all their targets together and then for each kind a role's duties
    require (full engagement: one class, one dorm, one society and one branch each).

    A maximum flow from the cadres who must hold targets to the places of the targets they may
    hold (their eligible arcs, require pins applied). Under H4 the school leaders' contacts in
    one college pass a gate of the scenario's limit (a relaxation: every leader reaching the
    college may pass to any of its targets some leader may hold), so counting alone shows
    "8 school leaders, 5 colleges of at most 1 each and 2 university-level societies".
    Every count is a relaxation of the hard rules: a shortfall proves that no plan exists.
    """
    for kind in (*KINDS_AS_LISTED, None):  # the kinds first: their count is the sharper
        found = _count(problem, skip, kind)
        if found:
            return found
    return []


def _count(problem: Problem, skip: set[int], kind: str | None) -> list[str]:
    """One count of :func:`too_many_cadres`: all targets (``kind`` None) or one kind."""
    p = problem
    pools = p.pools

    def need(role: str) -> int:
        duty = p.scenario.duty(role)
        return duty.total_range().min if kind is None else duty.kind_range(Kind(kind)).min

    roles = pools["role"]
    needs = roles.map({role: need(role) for role in roles.unique()}).to_numpy(np.int64)
    supply = pools["size"].to_numpy(np.int64) * needs
    supply[[i for i in skip if 0 <= i < len(supply)]] = 0
    if supply.sum() == 0:
        return []
    n_pools, n_groups = len(pools), len(p.groups)
    room = (p.groups["size"] * p.groups["cap"]).to_numpy(np.int64)
    tails, heads, caps = _pinned_arcs(p)
    if kind is not None:
        mine = (p.groups["kind"].to_numpy(object) == kind)[heads]
        tails, heads, caps = tails[mine], heads[mine], caps[mine]
    gated, colleges = _leader_gates(p, tails, heads)
    # Nodes: pools 0.., groups, college gates (in, out), source, sink.
    g0 = n_pools
    c0 = g0 + n_groups
    source, sink = c0 + 2 * len(colleges), c0 + 2 * len(colleges) + 1
    net = _Network([], [], [])
    net.add(np.full(n_pools, source), np.arange(n_pools), supply)
    net.add(tails[~gated], g0 + heads[~gated], caps[~gated])
    if len(colleges):
        _add_gates(p, net, (tails[gated], heads[gated], caps[gated]), colleges, (g0, c0), room)
    net.add(g0 + np.arange(n_groups), np.full(n_groups, sink), room)
    flowed, side = net.cut(source, sink)
    short = int(supply.sum()) - flowed
    if short <= 0:
        return []
    pool_set = {i for i in range(n_pools) if i in side}
    gates = [
        colleges[i]
        for i in range(len(colleges))
        if c0 + 2 * i + 1 not in side and c0 + 2 * i in side
    ]
    needed = int(supply[sorted(pool_set)].sum())
    words = _too_many_words(p, pool_set, (tails, heads), room, (needed, short), gates, kind)
    return [words]


def _add_gates(
    p: Problem,
    net: _Network,
    arcs: tuple[np.ndarray, np.ndarray, np.ndarray],
    colleges: list[str],
    offsets: tuple[int, int],
    room: np.ndarray,
) -> None:
    """The school leaders' arcs into colleges, through one gate per college (in → out, of the
    H4 limit), then on to the college's groups they reach."""
    tails, heads, caps = arcs
    g0, c0 = offsets
    index = {c: i for i, c in enumerate(colleges)}
    gate = np.array([index[c] for c in p.groups["college"].to_numpy()[heads]], dtype=np.int64)
    inner = c0 + 2 * np.arange(len(colleges))
    net.add(tails, c0 + 2 * gate, caps)
    net.add(inner, inner + 1, np.full(len(colleges), int(p.scenario.school_leader_spread or 0)))
    pairs = sorted(set(zip(gate.tolist(), heads.tolist(), strict=True)))
    out_nodes = np.array([c0 + 2 * c + 1 for c, _ in pairs], np.int64)
    groups = np.array([g for _, g in pairs], np.int64)
    net.add(out_nodes, g0 + groups, room[groups])


def _leader_gates(p: Problem, tails: np.ndarray, heads: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Which arcs are a school leader's into a college (H4 gates them), and the colleges."""
    if p.scenario.school_leader_spread is None:
        return np.zeros(len(tails), dtype=bool), []
    leader = (p.pools["role"] == Role.SCHOOL_LEADER.value).to_numpy(bool)
    college = p.groups["college"].to_numpy(object)
    gated = leader[tails] & np.array([isinstance(c, str) for c in college[heads]], dtype=bool)
    return gated, sorted({str(c) for c in college[heads[gated]]})


def _too_many_words(
    p: Problem,
    pool_set: set[int],
    arcs: tuple[np.ndarray, np.ndarray],
    room: np.ndarray,
    counts: tuple[int, int],
    gates: list[str],
    kind: str | None,
) -> str:
    """The counting in words: who, the places open to them, how many too many, what to do.
    ``counts``: the places these cadres must fill, and how many of them cannot be; ``kind``:
    the kind their duties require (``None``: any target)."""
    tails, heads = arcs
    need, short = counts
    cadres = p.cadres[p.cadres["pool"].isin(pool_set)]
    cadre_file = file_name(p.dataset, "cadres")
    rows = f"{cadre_file} {row_list(list(cadres['row']))}"
    colleges = sorted({c for c in cadres["college"] if isinstance(c, str)})
    leaders = cadres["role"] == Role.SCHOOL_LEADER.value
    if gates and leaders.all():
        return _leaders_words(p, cadres, arcs, room, (need, short), gates, rows, kind)
    group_set = set(tails_heads_of(tails, heads, pool_set))
    targets = p.targets[p.targets["group"].isin(group_set)]
    places = need - short
    if len(colleges) == 1 and not cadres["central"].any():
        who = _("{n} available cadres of {college}").format(
            n=len(cadres), college=college_name(p.dataset, colleges[0])
        )
    else:
        who = _("{n} available cadres ({where})").format(
            n=len(cadres), where=cadres_by_college(p.dataset, cadres)
        )
    no_own = [c for c in colleges if not (p.targets["college"] == c).any()]
    because = (
        ngettext(
            " ({colleges} has no class, dorm room, society or branch in the data)",
            " ({colleges} have no class, dorm room, society or branch in the data)",
            len(no_own),
        ).format(colleges=join_words([college_name(p.dataset, c) for c in no_own]))
        if no_own
        else ""
    )
    rule = f"{H1.label} + {H2.label}"
    if colleges:
        rule += f" + {H3.label}"
    if gates:
        rule += f" + {H4.label}"
    what = _what(kind, _each(need, len(cadres)))
    return _(
        "{rule}: {who} must each hold {what}, but the only targets open to them are "
        "{targets}{because}, room for {places}: {short} too many. To fix: add targets for "
        "{colleges} to the data (e.g. their dorm rooms), or mark {n} of these cadres "
        "unavailable (在岗 = 否 in {rows})."
    ).format(
        rule=rule,
        who=who,
        what=what,
        targets=_target_counts(p, targets),
        because=because,
        places=count_words(places, "cadre"),
        short=count_words(short, "cadre"),
        colleges=join_words([college_name(p.dataset, c) for c in colleges]) or _("these cadres"),
        n=short,
        rows=rows,
    )


def _each(need: int, cadres: int) -> int:
    """How many targets each cadre must hold, when they all must hold as many (else 1)."""
    return need // cadres if cadres and need % cadres == 0 else 1


def _what(kind: str | None, each: int = 1) -> str:
    """``a target``, ``4 targets``, or ``a branch (the duties of their role)``."""
    if kind is None:
        return _("a target") if each == 1 else count_words(each, "target")
    return _("a {kind} (the duties of their role)").format(kind=kind)


def _leaders_words(
    p: Problem,
    cadres: pd.DataFrame,
    arcs: tuple[np.ndarray, np.ndarray],
    room: np.ndarray,
    counts: tuple[int, int],
    gates: list[str],
    rows: str,
    kind: str | None,
) -> str:
    """School leaders held back by H4: colleges × the limit, plus the university level."""
    tails, heads = arcs
    need, short = counts
    limit = int(p.scenario.school_leader_spread or 0)
    pools = set(cadres["pool"].astype(int))
    open_groups = set(tails_heads_of(tails, heads, pools))
    uni = [g for g in open_groups if not isinstance(p.groups.at[g, "college"], str)]
    uni_places = int(room[uni].sum()) if uni else 0
    places = need - short
    where = _target_counts(p, p.targets[p.targets["group"].isin(uni)]) if uni else _("no target")
    names = listed([cadre_words(r) for _, r in cadres.iterrows()])
    return _(
        "{h1} + {h4}: {leaders} ({names}) must each hold {what}, but {h4} allows at most "
        "{limit} per college in the {colleges} open to them, and beside the colleges only "
        "{where} {is_are} open to them: room for {places}, {short} too many. To fix: raise "
        "school_leader_spread in the scenario, add a university-level society on their campus, "
        "or mark {n} school leader(s) unavailable (在岗 = 否 in {rows})."
    ).format(
        h1=H1.label,
        h4=H4.label,
        what=_what(kind),
        leaders=count_words(len(cadres), "available school leader"),
        names=names,
        limit=limit,
        colleges=count_words(len(gates), "college"),
        where=where,
        is_are=is_are(uni_places),
        places=places,
        short=count_words(short, "school leader"),
        n=short,
        rows=rows,
    )


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
    roles = p.pools["role"]
    most = {role: p.scenario.duty(role).total_range().max for role in roles.unique()}
    room = p.pools["size"].to_numpy(np.int64) * roles.map(most).to_numpy(np.int64)
    # Without H4 first: H4 is named only when the count needs it.
    found = _coverage_cut(p, hard, demand, room, (tails, heads, caps), spread=False)
    if found is None:
        found = _coverage_cut(p, hard, demand, room, (tails, heads, caps), spread=True)
    if found is None:
        return []
    short, group_set, gates = found
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
        _("only {cadres} may hold them ({where})").format(
            cadres=count_words(len(cadres), "available cadre"),
            where=cadres_by_college(p.dataset, cadres),
        )
        if len(cadres)
        else _("no available cadre may hold them")
    )
    leave = (
        ngettext(
            "; {cadres} of {colleges} is on leave ({file} {rows})",
            "; {cadres} of {colleges} are on leave ({file} {rows})",
            len(on_leave),
        ).format(
            cadres=count_words(len(on_leave), "cadre"),
            colleges=join_words([college_name(p.dataset, c) for c in colleges]),
            file=file_name(p.dataset, "cadres"),
            rows=row_list(list(on_leave["row"])),
        )
        if len(on_leave)
        else ""
    )
    if gates:
        limit = int(p.scenario.school_leader_spread or 0)
        may += _(", and {rule} lets at most {leaders} into each of {colleges}").format(
            rule=H4.label,
            leaders=count_words(limit, "school leader"),
            colleges=join_words([college_name(p.dataset, c) for c in gates]),
        )
    soft = ", ".join(f"kinds: {k}: coverage: soft" for k in kinds)
    need = int(demand[list(group_set)].sum())
    plural = join_words([_plural_kind(k) for k in kinds])
    return [
        ngettext(
            "{rule} (hard in this scenario for {kinds}): {targets} must each hold a cadre "
            "({places}), but {may}{leave}: at least {short} stays without a cadre. To fix: "
            "make the coverage soft ({soft} in the scenario), mark cadres on leave available "
            "again (在岗 = 是), or add cadres who may hold them.",
            "{rule} (hard in this scenario for {kinds}): {targets} must each hold a cadre "
            "({places}), but {may}{leave}: at least {short} stay without a cadre. To fix: "
            "make the coverage soft ({soft} in the scenario), mark cadres on leave available "
            "again (在岗 = 是), or add cadres who may hold them.",
            short,
        ).format(
            rule=f"{S1.label} + {H4.label}" if gates else S1.label,
            kinds=plural,
            targets=_target_counts(p, targets),
            places=count_words(need, "cadre place"),
            may=may,
            leave=leave,
            short=short,
            soft=soft,
        )
    ]


def _coverage_cut(
    p: Problem,
    hard: np.ndarray,
    demand: np.ndarray,
    room: np.ndarray,
    arcs: tuple[np.ndarray, np.ndarray, np.ndarray],
    *,
    spread: bool,
) -> tuple[int, set[int], list[str]] | None:
    """Can the cadres cover every hard group? A maximum flow from the hard groups (positions
    in ``hard``, ``demand`` each) over ``arcs`` (position → pool) to the pools (``room``
    each). With ``spread`` (H4) the school leaders' contacts in one college pass a gate of the
    scenario's limit, as in :func:`too_many_cadres` (a relaxation: the college's groups may
    send to every leader some group of it reaches). ``None`` when they can, else the
    shortfall, the positions on the source side of a minimum cut and the colleges whose gate
    is cut."""
    tails, heads, caps = arcs
    n_hard, n_pools = len(hard), len(p.pools)
    college = p.groups["college"].to_numpy(object)[hard]
    gated = np.zeros(len(tails), dtype=bool)
    if spread and p.scenario.school_leader_spread is not None:
        leader = (p.pools["role"] == Role.SCHOOL_LEADER.value).to_numpy(bool)
        at_college = np.array([isinstance(c, str) for c in college], dtype=bool)
        gated = leader[heads] & at_college[tails]
    colleges = sorted({str(c) for c in college[tails[gated]]})
    # Nodes: hard groups 0.., pools, college gates (in, out), source, sink.
    p0, c0 = n_hard, n_hard + n_pools
    source, sink = c0 + 2 * len(colleges), c0 + 2 * len(colleges) + 1
    net = _Network([], [], [])
    net.add(np.full(n_hard, source), np.arange(n_hard), demand)
    net.add(tails[~gated], p0 + heads[~gated], caps[~gated])
    if colleges:
        index = {c: i for i, c in enumerate(colleges)}
        gate = np.array([index[str(c)] for c in college[tails[gated]]], dtype=np.int64)
        inner = c0 + 2 * np.arange(len(colleges))
        net.add(tails[gated], c0 + 2 * gate, caps[gated])
        limit = int(p.scenario.school_leader_spread or 0)
        net.add(inner, inner + 1, np.full(len(colleges), limit))
        pairs = sorted(set(zip(gate.tolist(), heads[gated].tolist(), strict=True)))
        outs = np.array([c0 + 2 * g + 1 for g, _ in pairs], np.int64)
        pools = np.array([q for _, q in pairs], np.int64)
        net.add(outs, p0 + pools, room[pools])
    net.add(p0 + np.arange(n_pools), np.full(n_pools, sink), room)
    flowed, side = net.cut(source, sink)
    short = int(demand.sum()) - flowed
    if short <= 0:
        return None
    cut = [c for i, c in enumerate(colleges) if c0 + 2 * i in side and c0 + 2 * i + 1 not in side]
    return short, {i for i in range(n_hard) if i in side}, cut


def _plural_kind(kind: str) -> str:
    """A kind as a plural noun: ``classes``, ``dorm rooms`` (Chinese 班级, 宿舍)."""
    return kind_word(kind) if chinese() else KIND_WORDS[kind][1]


def _target_counts(problem: Problem, targets: pd.DataFrame) -> str:
    """``C04's 3 classes and 2 branches, and 6 university-level societies on 石牌校区``."""
    parts = []
    for college, frame in targets.groupby(targets["college"].fillna(""), sort=True):
        kinds = Counter(frame["kind"])
        words = join_words([count_words(kinds[k], k) for k in KINDS_AS_LISTED if kinds[k]])
        if college:
            parts.append(
                _("{targets} of {college}").format(
                    targets=words, college=college_name(problem.dataset, college)
                )
            )
        else:
            campuses = pgettext("list", ", ").join(sorted(set(frame["campus"])))
            parts.append(
                _("{targets} at university level on {campuses}").format(
                    targets=words, campuses=campuses
                )
            )
    return join_words(parts) if parts else _("no target")
