"""The indexed problem: cadres in pools, targets in groups, and the eligible arcs between them.

Why pools and groups. At university size there are ~3,000 cadres and ~9,000 targets, and a
central cadre may hold nearly any of them: millions of eligible pairs. But most of them are
interchangeable under every rule: two young teachers of the same college, campus and gender
may hold exactly the same targets at exactly the same cost, and so may two dorm rooms alike in
college, campus, gender and priority rank. The model therefore decides *how many* cadres of a
pool hold targets of a group (one integer per eligible pool–group arc); the concrete pairs are
handed out afterwards (:mod:`planner.solver.decompose`). This is exact because:

- a pool only holds cadres whose duty is "at most/exactly one target" (anything else, and any
  cadre named in a pin, is a pool of one);
- a group only holds targets whose kind has cap 1 and coverage minimum 1 (otherwise targets are
  groups of one), and never a pinned target;
- last semester's contacts are separate 0/1 "keep" variables per (cadre, previous target), so
  continuity is exact; a kept target still counts against its group's capacity. When a part
  of the university plan is re-planned against the proposal, the proposal's contacts of the
  part are keep variables too (S6 counts them), so staying with the proposal is as exact.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from planner.contract import CENTRAL_ROLES, KINDS, Kind, Role
from planner.dataset import Dataset, Pair, targets_in_scope
from planner.scenario import Scenario
from planner.solver.eligibility import cross_campus, dorm_gender_mismatch, eligible, pair_frame


@dataclass
class Problem:
    """Everything the model needs, as frames indexed 0..n-1.

    - ``cadres``: available in-scope cadres: ``id, name, gender, role, unit, campus, college,
      central, pool``
    - ``targets``: in-scope targets (``Dataset.targets()`` columns) plus ``rank`` (S4 dorm
      priority, 0 = first choice; 0 for other kinds), ``taken`` (places cadres outside a
      re-planned part hold, :func:`taken_outside`) and ``group``
    - ``pools``: ``role, college, campus, gender, central, size, singleton, cadre`` (the cadre
      index for a pool of one, else -1)
    - ``groups``: ``kind, college, campus, gender, rank, size, cap, min, weight, coverage,
      singleton``
    - ``arcs``: eligible pool–group pairs: ``pool, group, ub, cross_campus, gender_mismatch,
      rank, kind, college, school_leader, central``
    - ``keeps``: eligible named pairs, each a 0/1 variable of its own: last semester's
      contacts (``previous`` True: S2 counts them) and the proposal's contacts of a re-planned
      part (``base`` True: S6 counts them): ``cadre, target, pool, group, kind, college,
      cross_campus, gender_mismatch, rank, school_leader, central, row, previous, base``
    - ``requires``: require pins in scope: ``cadre, target, row``
    - ``forbids``: forbid pins in scope: ``cadre, target, row``
    """

    dataset: Dataset
    scenario: Scenario
    cadres: pd.DataFrame
    targets: pd.DataFrame
    pools: pd.DataFrame
    groups: pd.DataFrame
    arcs: pd.DataFrame
    keeps: pd.DataFrame
    requires: pd.DataFrame
    forbids: pd.DataFrame
    held: frozenset[Pair] = frozenset()
    notes: list[str] = field(default_factory=list)

    @property
    def scope(self) -> str:
        """The scope the problem was built for."""
        return self.scenario.scope


def scope_cadres(dataset: Dataset, scope: str) -> pd.DataFrame:
    """Available cadres in ``scope`` (``university``, ``central`` or ``college=ID``)."""
    cadres = dataset.available_cadres()
    if scope == "central":
        cadres = cadres[cadres["central"]]
    elif scope.startswith("college="):
        cadres = cadres[~cadres["central"] & (cadres["unit"] == scope.split("=", 1)[1])]
    return cadres.reset_index(drop=True)


def scope_targets(
    dataset: Dataset, scope: str, held: frozenset[Pair] = frozenset()
) -> pd.DataFrame:
    """Targets in ``scope`` minus ``held`` (:func:`planner.dataset.targets_in_scope`): a college
    scope has its own college's targets and the university-level societies.

    ``held``: the targets the plan leaves alone: when a part is re-planned against the
    proposal, those the proposal gives to cadres outside the part (:mod:`planner.workflow.parts`),
    and for a college the societies out of its cadres' reach (:func:`out_of_reach`).
    """
    return targets_in_scope(dataset.targets(), scope, held)


def out_of_reach(dataset: Dataset, scenario: Scenario) -> frozenset[Pair]:
    """For a college scope, the university-level societies none of the college's available
    cadres may hold under the single-pair hard rules (H3: a society of another campus).

    They belong to no college's plan, so a college plan leaves them alone like its held
    targets (and does not list them as its own uncovered targets). Empty for other scopes.
    """
    if not scenario.scope.startswith("college="):
        return frozenset()
    targets = dataset.targets()
    uni = targets[targets["college"].isna()].reset_index(drop=True)
    if uni.empty:
        return frozenset()
    sides = ["role", "college", "campus", "gender"]
    cadres = scope_cadres(dataset, scenario.scope)[sides].drop_duplicates()
    cadres = cadres.reset_index(drop=True)
    n, m = len(cadres), len(uni)
    frame = pair_frame(
        cadres.loc[np.repeat(np.arange(n), m)].reset_index(drop=True),
        uni.loc[np.tile(np.arange(m), n)].reset_index(drop=True),
    )
    reach = np.asarray(eligible(frame, scenario), dtype=bool).reshape(n, m).any(axis=0)
    return frozenset(zip(uni["kind"][~reach], uni["id"][~reach], strict=True))


def taken_outside(
    dataset: Dataset, scope: str, cadres: pd.DataFrame, targets: pd.DataFrame
) -> np.ndarray:
    """Per in-scope target, how many cadres outside the scope hold it in the proposal a part is
    re-planned against (``Dataset.base``; 0 for every other plan). Only a target whose cap
    leaves room beside them is in the scope (the others are ``held``)."""
    base = dataset.base
    if scope == "university" or base.empty or targets.empty:
        return np.zeros(len(targets), dtype=np.int64)
    outside = base[~base["cadre"].isin(set(cadres["id"]))]
    counts = outside.groupby(["kind", "target"]).size()
    keys = pd.MultiIndex.from_arrays([targets["kind"], targets["id"]])
    return counts.reindex(keys, fill_value=0).to_numpy(np.int64)


def dorm_ranks(targets: pd.DataFrame, all_dorms: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """S4 dorm priority rank per target (0 = first choice; 0 for non-dorm targets).

    Ranks are relative to every dorm of the data set, so they do not depend on the scope:
    by grade, newest entry year − grade (unknown grade ranks last); by residents, most
    residents − residents; by list, position of the dorm id, else of its building, else last.
    """
    rank = np.zeros(len(targets), dtype=np.int64)
    is_dorm = (targets["kind"] == Kind.DORM.value).to_numpy()
    if not is_dorm.any():
        return rank
    dorm = targets[is_dorm]
    rule = scenario.dorm_priority
    if rule.by == "grade":
        grades = all_dorms["grade"].dropna()
        if grades.empty:
            return rank
        newest, oldest = int(grades.max()), int(grades.min())
        g = dorm["grade"].astype("Float64").fillna(oldest - 1).to_numpy(dtype=float)
        rank[is_dorm] = (newest - g).astype(np.int64)
    elif rule.by == "residents":
        most = int(all_dorms["residents"].max())
        rank[is_dorm] = most - dorm["size"].to_numpy(dtype=np.int64)
    else:
        order = {key: i for i, key in reversed(list(enumerate(rule.list)))}
        building = all_dorms.set_index("id")["building"]
        rank[is_dorm] = [
            order.get(tid, order.get(str(building.get(tid, "")), len(rule.list)))
            for tid in dorm["id"]
        ]
    return rank


def _pins(dataset: Dataset, cadre_index: pd.Series, target_index: pd.Series) -> pd.DataFrame:
    pins = dataset.pins
    keys = list(zip(pins["kind"].tolist(), pins["target"].tolist(), strict=True))
    out = pd.DataFrame(
        {
            "cadre": pins["cadre"].map(cadre_index),
            "target": pd.Series(keys, index=pins.index, dtype=object).map(target_index),
            "rule": pins["rule"],
            "row": pins["row"],
        }
    )
    return out.dropna(subset=["cadre", "target"]).astype({"cadre": int, "target": int})


def _poolable(scenario: Scenario, role: str) -> bool:
    """A role's cadres may share a pool when each holds at most one target, of no set kind.

    School leaders are pools of one while H4 applies: they are few, and the flow's search for
    H4 (:mod:`planner.solver.flow`) branches on single leaders.
    """
    if role == Role.SCHOOL_LEADER.value and scenario.school_leader_spread is not None:
        return False
    duty = scenario.duty(role)
    return duty.total_range().max <= 1 and all(duty.kind_range(k).min == 0 for k in KINDS)


def _factorize(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Number the distinct rows of ``keys`` in sorted order: (code per row, distinct rows)."""
    codes = keys.groupby(list(keys.columns), sort=True).ngroup().to_numpy()
    uniques = (
        keys.assign(_code=codes)
        .drop_duplicates("_code")
        .sort_values("_code")
        .drop(columns="_code")
        .reset_index(drop=True)
    )
    return codes, uniques


def build_problem(
    dataset: Dataset, scenario: Scenario, held: frozenset[Pair] = frozenset()
) -> Problem:
    """Index the data set for ``scenario`` (its scope, duties and single-pair rules).

    ``held``: targets of the scope the plan leaves alone; a college scope adds the
    university-level societies out of its cadres' reach (:func:`out_of_reach`).
    """
    held = frozenset(held) | out_of_reach(dataset, scenario)
    cadres = scope_cadres(dataset, scenario.scope)
    targets = scope_targets(dataset, scenario.scope, held)
    cadre_index = pd.Series(np.arange(len(cadres)), index=cadres["id"])
    target_index = pd.Series(
        np.arange(len(targets)),
        index=pd.Index(
            list(zip(targets["kind"].tolist(), targets["id"].tolist(), strict=True)),
            tupleize_cols=False,
        ),
    )
    targets["rank"] = dorm_ranks(targets, dataset.dorms, scenario)
    targets["taken"] = taken_outside(dataset, scenario.scope, cadres, targets)

    pins = _pins(dataset, cadre_index, target_index)
    requires = pins[pins["rule"] == "require"].drop(columns="rule").reset_index(drop=True)
    forbids = pins[pins["rule"] == "forbid"].drop(columns="rule").reset_index(drop=True)
    pinned_cadres = set(pins["cadre"])
    pinned_targets = set(pins["target"])

    cadres, pools = _pools(cadres, scenario, pinned_cadres)
    targets, groups = _groups(targets, scenario, pinned_targets)
    arcs = _arcs(pools, groups, scenario, forbids, cadres, targets)
    keeps = _keeps(dataset, scenario, cadres, targets, cadre_index, target_index, forbids)
    return Problem(
        dataset=dataset,
        scenario=scenario,
        cadres=cadres,
        targets=targets,
        pools=pools,
        groups=groups,
        arcs=arcs,
        keeps=keeps,
        requires=requires,
        forbids=forbids,
        held=held,
    )


def _pools(
    cadres: pd.DataFrame, scenario: Scenario, pinned_cadres: set[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cadres interchangeable under every rule share a pool (see the module docstring): the
    cadres with their ``pool``, and the pools."""
    cadres = cadres.copy()
    roles = cadres["role"]
    poolable = roles.map({r: _poolable(scenario, r) for r in roles.unique()}).to_numpy(bool)
    singleton = ~poolable | cadres.index.isin(list(pinned_cadres))
    pool_key = pd.DataFrame(
        {
            "role": cadres["role"],
            "college": cadres["college"].fillna(""),
            "campus": cadres["campus"],
            "gender": cadres["gender"],
            "solo": np.where(singleton, cadres.index, -1),
        }
    )
    pool_codes, pools = _factorize(pool_key)
    cadres["pool"] = pool_codes
    pools["college"] = pools["college"].where(pools["college"] != "", None)
    pools["size"] = np.bincount(pool_codes, minlength=len(pools))
    pools["singleton"] = pools["solo"] >= 0
    pools["cadre"] = pools["solo"].astype(int)
    pools["central"] = pools["role"].isin([r.value for r in CENTRAL_ROLES])
    pools = pools.drop(columns="solo")

    return cadres, pools


def _groups(
    targets: pd.DataFrame, scenario: Scenario, pinned_targets: set[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Targets interchangeable under every rule share a group (see the module docstring): the
    targets with their ``group``, and the groups."""
    kind_rule = {k.value: scenario.kinds[k] for k in KINDS}
    unit_kind = targets["kind"].map({k: r.cap == 1 and r.min == 1 for k, r in kind_rule.items()})
    solo_target = (
        ~unit_kind.to_numpy(bool)
        | targets.index.isin(list(pinned_targets))
        | (targets["taken"] > 0).to_numpy(bool)
    )
    group_key = pd.DataFrame(
        {
            "kind": targets["kind"],
            "college": targets["college"].fillna(""),
            "campus": targets["campus"],
            "gender": targets["gender"].fillna(""),
            "rank": targets["rank"],
            "solo": np.where(solo_target, targets.index, -1),
        }
    )
    group_codes, groups = _factorize(group_key)
    targets["group"] = group_codes
    groups["college"] = groups["college"].where(groups["college"] != "", None)
    groups["gender"] = groups["gender"].where(groups["gender"] != "", None)
    groups["size"] = np.bincount(group_codes, minlength=len(groups))
    groups["singleton"] = groups["solo"] >= 0
    groups = groups.drop(columns="solo")
    # Typed, so that a scope without targets (no groups) still gives integer columns.
    for column in ("cap", "min", "weight"):
        values = {k: getattr(r, column) for k, r in kind_rule.items()}
        groups[column] = groups["kind"].map(values).astype(np.int64)
    groups["coverage"] = groups["kind"].map({k: r.coverage for k, r in kind_rule.items()})
    # Cadres outside a re-planned part already hold some of a shared target's places (caps
    # above one make such targets groups of one): what is left, and what coverage still needs.
    taken = np.bincount(group_codes, weights=targets["taken"], minlength=len(groups))
    groups["cap"] -= taken.astype(np.int64)
    groups["min"] = np.maximum(groups["min"] - taken.astype(np.int64), 0)

    return targets, groups


def _candidates(
    pools: pd.DataFrame, groups: pd.DataFrame, scenario: Scenario
) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pool–group pairs as (pool, group) index arrays, sorted: college pools meet
    own-college groups and university societies; central pools (and any pool when H3 is off
    for its role) meet all."""
    roles = pools["role"]
    binds = roles.map({r: scenario.origin.applies_to(Role(r)) for r in roles.unique()})
    binds = binds.to_numpy(bool)
    group_college = groups["college"].to_numpy(object)
    university = np.flatnonzero(pd.isna(groups["college"]).to_numpy(bool))
    by_college: dict[str, list[int]] = {}
    for g, college in enumerate(group_college.tolist()):
        if isinstance(college, str):
            by_college.setdefault(college, []).append(g)
    every = np.arange(len(groups), dtype=np.int64)
    pool_parts: list[np.ndarray] = [np.zeros(0, np.int64)]
    group_parts: list[np.ndarray] = [np.zeros(0, np.int64)]
    colleges = pools["college"].tolist()
    for p in range(len(pools)):
        if binds[p]:
            own = np.asarray(by_college.get(colleges[p], []), dtype=np.int64)
            reach = np.union1d(own, university)
        else:
            reach = every
        pool_parts.append(np.full(len(reach), p, dtype=np.int64))
        group_parts.append(reach)
    return np.concatenate(pool_parts), np.concatenate(group_parts)


_EMPTY_ARCS = {
    **{c: np.int64 for c in ("pool", "group", "ub")},
    "kind": object,
    "college": object,
    "rank": np.int64,
    **{c: bool for c in ("cross_campus", "gender_mismatch", "school_leader", "central")},
}
"""The arcs' columns and types (a scope without cadres still has them)."""


def _arcs(
    pools: pd.DataFrame,
    groups: pd.DataFrame,
    scenario: Scenario,
    forbids: pd.DataFrame,
    cadres: pd.DataFrame,
    targets: pd.DataFrame,
) -> pd.DataFrame:
    """Eligible pool–group arcs: the candidate pairs (:func:`_candidates`) that every
    single-pair rule and the forbid pins allow, with their upper bounds and attributes,
    sorted by pool and group."""
    pool, group = _candidates(pools, groups, scenario)
    if not len(pool):  # no cadre in scope: no arcs, but every column the model reads
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _EMPTY_ARCS.items()})
    role = pools["role"].to_numpy(object)[pool]
    kind = groups["kind"].to_numpy(object)[group]
    frame = pd.DataFrame(
        {
            "role": role,
            "cadre_college": pools["college"].to_numpy(object)[pool],
            "cadre_campus": pools["campus"].to_numpy(object)[pool],
            "cadre_gender": pools["gender"].to_numpy(object)[pool],
            "kind": kind,
            "target_college": groups["college"].to_numpy(object)[group],
            "target_campus": groups["campus"].to_numpy(object)[group],
            "target_gender": groups["gender"].to_numpy(object)[group],
        }
    )
    ok = eligible(frame, scenario)
    # Pins: a forbid removes the arc between a pool of one and a group of one.
    if len(forbids):
        pool_of = cadres["pool"].to_numpy()
        group_of = targets["group"].to_numpy()
        for p, g in zip(pool_of[forbids["cadre"]], group_of[forbids["target"]], strict=True):
            ok &= ~((pool == p) & (group == g))
    pool, group, role, kind = pool[ok], group[ok], role[ok], kind[ok]
    frame = frame[ok].reset_index(drop=True)
    # Each arc's duty maximum for its kind, looked up per pool and per group (a comparison of
    # every arc's role and kind per role and kind cost ten times as much at university size).
    kind_max = _kind_max(pools, groups, scenario, pool, group)
    single = pools["singleton"].to_numpy(bool)[pool]
    size = pools["size"].to_numpy(np.int64)[pool]
    cap = groups["cap"].to_numpy(np.int64)[group]
    size_t = groups["size"].to_numpy(np.int64)[group]
    pool_cap = np.where(single, kind_max, size * kind_max)
    group_cap = np.where(groups["singleton"].to_numpy(bool)[group], cap, size_t * cap)
    # One cadre holds one target at most once.
    group_cap = np.where(single, np.minimum(group_cap, size_t), group_cap)
    ub = np.minimum(pool_cap, group_cap)
    arcs = pd.DataFrame(
        {
            "pool": pool,
            "group": group,
            "ub": ub.astype(np.int64),
            "kind": kind,
            "college": frame["target_college"].to_numpy(),
            "rank": groups["rank"].to_numpy()[group],
            "cross_campus": cross_campus(frame),
            "gender_mismatch": dorm_gender_mismatch(frame),
            "school_leader": role == Role.SCHOOL_LEADER.value,
            "central": pools["central"].to_numpy(bool)[pool],
        }
    )
    return arcs[ub > 0].reset_index(drop=True)


def _kind_max(
    pools: pd.DataFrame,
    groups: pd.DataFrame,
    scenario: Scenario,
    pool: np.ndarray,
    group: np.ndarray,
) -> np.ndarray:
    """Per arc (``pool``, ``group``), the most targets of the group's kind a cadre of the pool
    may hold (0 for a kind no duty names)."""
    roles, kinds = pd.unique(pools["role"]).tolist(), [k.value for k in Kind]
    table = np.array(
        [[scenario.duty(r).kind_range(k).max for k in Kind] + [0] for r in roles], dtype=np.int64
    ).reshape(len(roles), len(kinds) + 1)
    role_at = {r: i for i, r in enumerate(roles)}
    kind_at = {k: i for i, k in enumerate(kinds)}
    pool_role = np.array([role_at[r] for r in pools["role"].tolist()], dtype=np.int64)
    group_kind = np.array(
        [kind_at.get(k, len(kinds)) for k in groups["kind"].tolist()], dtype=np.int64
    )
    result: np.ndarray = table[pool_role[pool], group_kind[group]]
    return result


def _keeps(
    dataset: Dataset,
    scenario: Scenario,
    cadres: pd.DataFrame,
    targets: pd.DataFrame,
    cadre_index: pd.Series,
    target_index: pd.Series,
    forbids: pd.DataFrame,
) -> pd.DataFrame:
    """Named pairs that may continue under every single-pair hard rule: last semester's
    contacts (``previous``: S2 counts them) and, when a part is re-planned, the proposal's
    contacts of its cadres (``base``: S6 counts them). A pair in both is one variable."""
    columns = [
        "cadre",
        "target",
        "pool",
        "group",
        "kind",
        "college",
        "cross_campus",
        "gender_mismatch",
        "rank",
        "school_leader",
        "central",
        "row",
        "previous",
        "base",
    ]
    found = _named_pairs(dataset, scenario, cadre_index, target_index)
    if found.empty:
        return pd.DataFrame(columns=columns).astype({"previous": bool, "base": bool})
    c = cadres.loc[found["cadre"]].reset_index(drop=True)
    t = targets.loc[found["target"]].reset_index(drop=True)
    frame = pair_frame(c, t)
    ok = eligible(frame, scenario)
    if len(forbids):
        banned = set(zip(forbids["cadre"], forbids["target"], strict=True))
        ok &= ~np.fromiter(
            (
                (a, b) in banned
                for a, b in zip(found["cadre"].tolist(), found["target"].tolist(), strict=True)
            ),
            dtype=bool,
            count=len(found),
        )
    keeps = pd.DataFrame(
        {
            "cadre": found["cadre"].to_numpy(),
            "target": found["target"].to_numpy(),
            "pool": c["pool"].to_numpy(),
            "group": t["group"].to_numpy(),
            "kind": t["kind"].to_numpy(),
            "college": t["college"].to_numpy(),
            "cross_campus": cross_campus(frame),
            "gender_mismatch": dorm_gender_mismatch(frame),
            "rank": t["rank"].to_numpy(),
            "school_leader": (c["role"] == Role.SCHOOL_LEADER.value).to_numpy(),
            "central": c["central"].to_numpy(bool),
            "row": found["row"].to_numpy(),
            "previous": found["previous"].to_numpy(bool),
            "base": found["base"].to_numpy(bool),
        }
    )[ok]
    return keeps.reset_index(drop=True)


def _named_pairs(
    dataset: Dataset, scenario: Scenario, cadre_index: pd.Series, target_index: pd.Series
) -> pd.DataFrame:
    """``cadre, target`` (indices), ``row`` (of ``previous``; -1 for a base pair only) and the
    flags ``previous`` / ``base`` of every in-scope pair named by either table, once each."""
    tables = []
    if scenario.continuity != "off":
        tables.append(dataset.previous.assign(previous=True, base=False))
    if len(dataset.base):
        tables.append(dataset.base.assign(previous=False, base=True, row=-1))
    tables = [t for t in tables if len(t)]
    if not tables:
        return pd.DataFrame(columns=["cadre", "target", "row", "previous", "base"])
    named = pd.concat([t[["cadre", "kind", "target", "row", "previous", "base"]] for t in tables])
    keys = pd.Series(
        list(zip(named["kind"].tolist(), named["target"].tolist(), strict=True)),
        index=named.index,
    )
    found = pd.DataFrame(
        {
            "cadre": named["cadre"].map(cadre_index).to_numpy(),
            "target": keys.map(target_index).to_numpy(),
            "row": named["row"].to_numpy(),
            "previous": named["previous"].to_numpy(bool),
            "base": named["base"].to_numpy(bool),
        }
    ).dropna(subset=["cadre", "target"])
    found = found.astype({"cadre": int, "target": int, "row": int})
    # A pair in both tables: one variable, with both flags and the previous row.
    found = found.groupby(["cadre", "target"], sort=False, as_index=False).agg(
        row=("row", "first"), previous=("previous", "any"), base=("base", "any")
    )
    return found.reset_index(drop=True)
