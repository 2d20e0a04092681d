"""An alternative's problem derived from the plan's indexed problem: one pin added.

An explanation re-plans the plan's problem with one more pin (a cadre required on, or
forbidden from, a target). Indexing the data set again
(:func:`planner.solver.problem.build_problem`) costs more than the change: a pin only makes
its cadre a pool of one and its target a group of one (and a forbid pin removes their arc and
their kept contact). :func:`with_pin` makes that change on a copy of the plan's problem and
gives the very problem that indexing the data set with the pin added would give, frame for
frame (same rows, order, numbering and types; the tests compare them), so every solve of it
is the same as before.

The pools and groups are numbered as the indexing numbers them (in the order of their keys,
a pool or group of one keyed by its cadre or target), with the new pool and group put in their
place. The arcs, which cost the most to find (every rule of a pair, on every candidate pair),
are the plan's arcs, renumbered, with the pool and group that split shared between their
parts: a split changes no rule of a pair (a pool's cadres, and a group's targets, are alike
under all of them), only how many units an arc may carry.
"""

from __future__ import annotations

import bisect
import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from planner.contract import Kind
from planner.dataset import Dataset
from planner.solver.pairs import positions
from planner.solver.problem import Problem


def with_pin(
    problem: Problem, dataset: Dataset, cadre: int, target: int, rule: str, row: int
) -> Problem:
    """``problem`` with one more pin: cadre ``cadre`` required on (``rule="require"``) or
    forbidden from (``"forbid"``) target ``target`` (indices into the problem's frames), from
    row ``row`` of ``dataset``'s pins table (the problem's data set with that row added at its
    end). The pin must not contradict the problem's own (the caller drops a cadre's require
    pins and indexes the data set again for that)."""
    scenario = problem.scenario
    pin = pd.DataFrame({"cadre": [cadre], "target": [target], "row": [row]}).astype(np.int64)
    requires, forbids = problem.requires, problem.forbids
    if rule == "require":
        requires = pd.concat([requires, pin], ignore_index=True)
    else:
        forbids = pd.concat([forbids, pin], ignore_index=True)
    cadres, pools = _pool_of_one(problem, cadre)
    targets, groups = _group_of_one(problem, target)
    pool_of, group_of = cadres["pool"].to_numpy(np.int64), targets["group"].to_numpy(np.int64)
    arcs = _split_arcs(problem, pools, groups, pool_of, group_of)
    keeps = problem.keeps.copy()
    if len(keeps):
        keeps["pool"] = pool_of[keeps["cadre"].to_numpy(np.int64)]
        keeps["group"] = group_of[keeps["target"].to_numpy(np.int64)]
    if rule == "forbid":
        arcs = arcs[~((arcs["pool"] == pool_of[cadre]) & (arcs["group"] == group_of[target]))]
        if len(keeps):
            keeps = keeps[~((keeps["cadre"] == cadre) & (keeps["target"] == target))]
    derived = Problem(
        dataset=dataset,
        scenario=scenario,
        cadres=cadres,
        targets=targets,
        pools=pools,
        groups=groups,
        arcs=arcs.reset_index(drop=True),
        keeps=keeps.reset_index(drop=True),
        requires=requires,
        forbids=forbids,
        held=problem.held,
    )
    return _same_rows(problem, derived)


def _same_rows(problem: Problem, derived: Problem) -> Problem:
    """``derived``, sharing ``problem``'s :func:`~planner.solver.pairs.positions` (its cadres
    and targets are the same rows in the same order)."""
    if "_positions" in problem.__dict__:
        derived.__dict__["_positions"] = problem.__dict__["_positions"]
    return derived


class Deriver:
    """A problem kept indexed, and the problems of its data set with pins added derived from
    it (:func:`with_pin`, pin after pin) instead of indexing the data set again.

    Sound when every added pin names an available cadre and a target of the problem that no
    earlier pin names (the data set's own, or an added one before it): each step is then the
    one :func:`with_pin` is made for. Otherwise :meth:`problem` gives ``None`` and the caller
    indexes the data set.
    """

    def __init__(self, problem: Problem) -> None:
        self.base = problem
        # Made once: every derived problem shares them (ids are text, as the readers give).
        self._cadre_at, self._target_at = positions(problem)
        own = problem.dataset.pins
        self._cadres = {str(c) for c in own["cadre"].tolist()}
        self._targets = {
            (str(k), str(t))
            for k, t in zip(own["kind"].tolist(), own["target"].tolist(), strict=True)
        }

    def problem(self, dataset: Dataset, added: int) -> Problem | None:
        """The problem of ``dataset``: the kept problem's data set with ``added`` pins after its
        own (the last rows of its pins table), frame for frame what indexing it gives; ``None``
        when a pin cannot be derived (see the class docstring)."""
        own = self.base.dataset.pins
        if added < 0 or len(dataset.pins) != len(own) + added:
            return None
        columns = ["cadre", "kind", "target", "rule", "row"]
        before = dataset.pins.iloc[: len(own)]
        if before is not own and not before[columns].reset_index(drop=True).equals(
            own[columns].reset_index(drop=True)
        ):
            return None
        if added == 0:
            return _copy(self.base, dataset)
        pins = dataset.pins.iloc[len(own) :]
        cadres, targets = set(self._cadres), set(self._targets)
        steps = []
        for cadre_id, kind, target_id, rule, row in zip(
            pins["cadre"].tolist(),
            pins["kind"].tolist(),
            pins["target"].tolist(),
            pins["rule"].tolist(),
            pins["row"].tolist(),
            strict=True,
        ):
            key = (str(kind), str(target_id))
            cadre, target = self._cadre_at.get(str(cadre_id)), self._target_at.get(key)
            if cadre is None or target is None or str(cadre_id) in cadres or key in targets:
                return None
            cadres.add(str(cadre_id))
            targets.add(key)
            steps.append((cadre, target, str(rule), int(row)))
        problem = self.base
        for cadre, target, rule, row in steps:
            problem = with_pin(problem, dataset, cadre, target, rule, row)
        return problem


def _copy(problem: Problem, dataset: Dataset) -> Problem:
    """``problem`` of ``dataset`` (the same data), its frames copied."""
    frames = ("cadres", "targets", "pools", "groups", "arcs", "keeps", "requires", "forbids")
    copied = {name: getattr(problem, name).copy() for name in frames}
    copy = dataclasses.replace(problem, dataset=dataset, notes=list(problem.notes), **copied)
    return _same_rows(problem, copy)


def _pool_of_one(problem: Problem, cadre: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The problem's cadres and pools with ``cadre`` in a pool of its own."""
    pools = problem.pools
    codes = problem.cadres["pool"].to_numpy(np.int64)
    if pools["singleton"].iat[int(codes[cadre])]:
        return problem.cadres.copy(), pools.copy()
    columns = [pools[c].tolist() for c in ("role", "college", "campus", "gender", "cadre")]
    keys = [(r, c or "", p, g, s) for r, c, p, g, s in zip(*columns, strict=True)]
    source, codes, own = _part_off(keys, codes, cadre)
    out = pools.iloc[source].reset_index(drop=True)
    out["size"] = np.bincount(codes, minlength=len(out))
    out.loc[own, "singleton"] = True
    out.loc[own, "cadre"] = cadre
    cadres = problem.cadres.copy()
    cadres["pool"] = codes
    return cadres, out


def _group_of_one(problem: Problem, target: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The problem's targets and groups with ``target`` in a group of its own."""
    groups = problem.groups
    codes = problem.targets["group"].to_numpy(np.int64)
    single = groups["singleton"].to_numpy(bool)
    if single[codes[target]]:
        return problem.targets.copy(), groups.copy()
    solo = np.full(len(groups), -1, dtype=np.int64)
    alone = np.flatnonzero(single[codes])
    solo[codes[alone]] = alone
    columns = [groups[c].tolist() for c in ("kind", "college", "campus", "gender", "rank")]
    keys = [
        (k, c or "", p, g or "", int(r), int(s))
        for (k, c, p, g, r), s in zip(zip(*columns, strict=True), solo.tolist(), strict=True)
    ]
    source, codes, own = _part_off(keys, codes, target)
    out = groups.iloc[source].reset_index(drop=True)
    out["size"] = np.bincount(codes, minlength=len(out))
    out.loc[own, "singleton"] = True
    targets = problem.targets.copy()
    targets["group"] = codes
    return targets, out


def _part_off(
    keys: list[tuple[Any, ...]], codes: np.ndarray, member: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """Row ``member`` (whose key is ``keys[codes[member]]``) parted off into a key of its own:
    the last item of a key is the row of a pool or group of one (-1 for a shared one), and the
    keys are numbered in sorted order. Returns, per new key, the old key it comes from; the
    new code of every row; and the new key's code."""
    old = int(codes[member])
    alone = int(np.count_nonzero(codes == old)) == 1
    kept = [j for j in range(len(keys)) if not (alone and j == old)]
    own = bisect.bisect_left([keys[j] for j in kept], (*keys[old][:-1], member))
    position = np.arange(len(kept))
    position[own:] += 1
    new_of_old = np.zeros(len(keys), dtype=np.int64)
    new_of_old[kept] = position
    new_codes = new_of_old[codes]
    new_codes[member] = own
    return np.asarray([*kept[:own], old, *kept[own:]], dtype=np.int64), new_codes, own


def _split_arcs(
    problem: Problem,
    pools: pd.DataFrame,
    groups: pd.DataFrame,
    pool_of: np.ndarray,
    group_of: np.ndarray,
) -> pd.DataFrame:
    """The problem's arcs between the new ``pools`` and ``groups`` (each a part of an old pool
    or group: ``pool_of`` and ``group_of`` number every cadre and target anew), sorted by pool
    and group, each with its upper bound for the new sizes."""
    arcs = problem.arcs
    old_pool = _old_of(problem.cadres["pool"].to_numpy(np.int64), pool_of, len(pools))
    old_group = _old_of(problem.targets["group"].to_numpy(np.int64), group_of, len(groups))
    row, pool = _children(arcs["pool"].to_numpy(np.int64), old_pool)
    again, group = _children(arcs["group"].to_numpy(np.int64)[row], old_group)
    row, pool = row[again], pool[again]
    order = np.lexsort((group, pool))
    row, pool, group = row[order], pool[order], group[order]
    out = arcs.iloc[row].reset_index(drop=True)
    out["pool"] = pool
    out["group"] = group
    out["ub"] = _upper_bounds(problem, pools, groups, out)
    return out[out["ub"] > 0]


def _old_of(old_codes: np.ndarray, new_codes: np.ndarray, n_new: int) -> np.ndarray:
    """Per new pool (or group), the old one it is a part of."""
    old = np.full(n_new, -1, dtype=np.int64)
    old[new_codes] = old_codes
    return old


def _children(old: np.ndarray, old_of_new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row (of old pool or group ``old``) once per new part of it: the positions of the
    rows repeated, and the part of each."""
    order = np.argsort(old_of_new, kind="stable")  # new parts by old code, in new order
    parts = old_of_new[order]
    start = np.searchsorted(parts, old, side="left")
    count = np.searchsorted(parts, old, side="right") - start
    repeated = np.repeat(np.arange(len(old)), count)
    offset = np.arange(len(repeated)) - np.repeat(np.cumsum(count) - count, count)
    return repeated, order[start[repeated] + offset]


def _upper_bounds(
    problem: Problem, pools: pd.DataFrame, groups: pd.DataFrame, arcs: pd.DataFrame
) -> np.ndarray:
    """Units each arc may carry, as the indexing counts them (see
    :func:`planner.solver.problem.build_problem`): the pool's duty of the arc's kind (times its
    size when shared), the group's places, and one place per target for a pool of one."""
    scenario = problem.scenario
    pool = arcs["pool"].to_numpy(np.int64)
    group = arcs["group"].to_numpy(np.int64)
    kinds = [k.value for k in Kind]
    role_code, roles = pd.factorize(pools["role"].to_numpy(object))
    duties = [scenario.duty(role) for role in roles]
    kind_max = np.array([[d.kind_range(k).max for k in Kind] for d in duties], dtype=np.int64)
    kind_code = pd.Categorical(arcs["kind"], categories=kinds).codes.astype(np.int64)
    per_kind = kind_max.reshape(-1, len(kinds))[role_code[pool], kind_code]
    single = pools["singleton"].to_numpy(bool)[pool]
    size = pools["size"].to_numpy(np.int64)[pool]
    cap = groups["cap"].to_numpy(np.int64)[group]
    size_t = groups["size"].to_numpy(np.int64)[group]
    pool_cap = np.where(single, per_kind, size * per_kind)
    group_cap = np.where(groups["singleton"].to_numpy(bool)[group], cap, size_t * cap)
    group_cap = np.where(single, np.minimum(group_cap, size_t), group_cap)
    return np.minimum(pool_cap, group_cap).astype(np.int64)
