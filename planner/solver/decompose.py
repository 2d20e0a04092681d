"""Turn pool–group counts into concrete cadre–target pairs.

Within a pool all cadres are interchangeable, and within a group all targets are, so any
hand-out that respects the counts keeps every rule and every objective term. The hand-out is
deterministic (cadres and targets in id order). By default it gives a cadre its last-semester
target whenever that target is free in the group it is sent to; given a plan to stay near
(``near``, for the explainer's alternatives), it gives the plan's own pairs first instead, so
that an alternative shows the ripple of one change and not a reshuffle.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from planner.solver.pairs import positions
from planner.solver.problem import Problem


def decompose(
    problem: Problem,
    y: np.ndarray,
    keep: np.ndarray,
    near: set[tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """Pairs ``cadre, target`` (indices into the problem's frames) and ``kept`` (bool).

    ``near``: the ``(cadre_id, kind, target_id)`` pairs of a plan to stay as close to as the
    counts allow (see the module docstring).
    """
    out = _HandOut(problem, keep)
    plan = _plan_targets(problem, near) if near is not None else None
    plan_held = {t for targets in plan.values() for t in targets} if plan is not None else set()
    arc_pool = problem.arcs["pool"].to_numpy(np.int64)
    arc_group = problem.arcs["group"].to_numpy(np.int64)
    for a in np.flatnonzero(y > 0):
        pool, group, count = int(arc_pool[a]), int(arc_group[a]), int(y[a])
        if plan is None:
            out.give_back(pool, group, count)
        else:
            out.stay_near(pool, group, count, plan, plan_held)
    return pd.DataFrame({"cadre": out.cadres, "target": out.targets, "kept": out.kept})


class _HandOut:
    """The pairs handed out so far, the free target slots of each group and the cadres of
    each pool still free (kept contacts come first, as the keep variables say)."""

    def __init__(self, problem: Problem, keep: np.ndarray) -> None:
        p = self.problem = problem
        keeps = p.keeps
        kept_rows = keeps[keep.astype(bool)] if len(keeps) else keeps
        self.cadres: list[int] = kept_rows["cadre"].to_numpy(np.int64).tolist()
        self.targets: list[int] = kept_rows["target"].to_numpy(np.int64).tolist()
        self.kept: list[bool] = [True] * len(self.cadres)
        self.busy = set(self.cadres)  # cadres of shared pools that hold their target already
        self.held_by: dict[int, set[int]] = defaultdict(set)  # cadre -> targets it holds
        for c, t in zip(self.cadres, self.targets, strict=True):
            self.held_by[c].add(t)
        # Free slots per group in id order: a target of cap k offers k slots, less kept ones.
        self.group_of = p.targets["group"].to_numpy()
        slots = p.groups["cap"].to_numpy(np.int64)[self.group_of] - np.bincount(
            np.asarray(self.targets, dtype=np.int64), minlength=len(self.group_of)
        )
        # (Ids are unique within a group and a pool: sorting by both is a plain order.)
        order = _order(self.group_of, p.targets["id"])
        self.free: dict[int, list[int]] = defaultdict(list)
        self.free.update(_by_code(np.repeat(order, np.maximum(slots[order], 0)), self.group_of))
        # Cadres per pool in id order (pools of one keep their cadre even when it keeps a contact).
        pool_of = p.cadres["pool"].to_numpy()
        self.members: dict[int, list[int]] = defaultdict(list)
        self.members.update(_by_code(_order(pool_of, p.cadres["id"]), pool_of))
        self.singleton = p.pools["singleton"].to_numpy(bool)
        # Last semester's target of each cadre that is free, for the "give it back" preference.
        taken = set(self.targets)
        self.previous: dict[int, set[int]] = defaultdict(set)
        for c, t in zip(
            keeps["cadre"].to_numpy(np.int64).tolist(),
            keeps["target"].to_numpy(np.int64).tolist(),
            strict=True,
        ):
            if t not in taken:
                self.previous[c].add(t)

    def add(self, cadre: int, target: int, kept: bool) -> None:
        """Hand ``target`` to ``cadre``."""
        self.held_by[cadre].add(target)
        self.cadres.append(cadre)
        self.targets.append(target)
        self.kept.append(kept)

    def give_back(self, pool: int, group: int, count: int) -> None:
        """``count`` pairs of the arc, giving cadres their previous target where it is free."""
        slots = self.free[group]
        if self.singleton[pool]:
            cadre = self.members[pool][0]
            for _ in range(count):
                t = _pick(slots, self.previous[cadre], self.held_by[cadre])
                self.add(cadre, t, t in self.previous[cadre])
            return
        candidates = [c for c in self.members[pool] if c not in self.busy]
        free_set = set(slots)
        first = [c for c in candidates if self.previous[c] & free_set]
        firsts = set(first)
        chosen = (first + [c for c in candidates if c not in firsts])[:count]
        if len(chosen) < count:
            raise AssertionError(f"pool {pool} has fewer free cadres than the plan uses")
        for cadre in chosen:
            t = _pick(slots, self.previous[cadre], self.held_by[cadre])
            self.busy.add(cadre)
            self.add(cadre, t, t in self.previous[cadre])
        gone = set(chosen)
        self.members[pool] = [c for c in self.members[pool] if c not in gone]

    def stay_near(
        self,
        pool: int,
        group: int,
        count: int,
        plan: dict[int, list[int]],
        plan_held: set[int],
    ) -> None:
        """``count`` pairs of the arc, in turn: pairs the plan has; cadres whose plan target is
        in this group, to targets the plan leaves free (``plan_held``: every target the plan
        gives); then the rest by id."""
        group_of = self.group_of
        single = bool(self.singleton[pool])
        people = [c for c in self.members[pool] if single or c not in self.busy]
        slots = self.free[group]
        free = Counter(slots)  # the slots as a multiset, for quick look-ups
        for _ in range(count):
            best = next(
                ((c, t) for c in people for t in plan.get(c, ()) if free[t] > 0),
                None,
            )
            if best is None:
                same = [c for c in people if any(group_of[t] == group for t in plan.get(c, ()))]
                cadre = (same or people)[0]
                open_slots = [t for t in slots if t not in self.held_by[cadre]]
                unheld = [t for t in open_slots if t not in plan_held]
                best = (cadre, (unheld or open_slots)[0])
            c, t = best
            slots.remove(t)
            free[t] -= 1
            self.add(c, t, False)
            if not single:
                people.remove(c)
                self.busy.add(c)


def _plan_targets(problem: Problem, near: set[tuple[str, str, str]]) -> dict[int, list[int]]:
    """Per cadre index, the target indices it holds in the plan ``near`` (sorted)."""
    cadre_at, target_at = positions(problem)
    out: dict[int, set[int]] = defaultdict(set)
    for cadre_id, kind, target_id in near:
        if cadre_id in cadre_at and (kind, target_id) in target_at:
            out[cadre_at[cadre_id]].add(target_at[(kind, target_id)])
    return {c: sorted(ts) for c, ts in out.items()}


def _pick(slots: list[int], previous: set[int], held: set[int]) -> int:
    """Take a free slot: the cadre's previous target if free, else the first one it does not
    hold yet (the counts guarantee there is one)."""
    back = [t for t in slots if t in previous and t not in held]
    choice = back[0] if back else next(t for t in slots if t not in held)
    slots.remove(choice)
    return choice


def _by_code(rows: np.ndarray, code: np.ndarray) -> dict[int, list[int]]:
    """``rows`` (ordered by ``code[rows]``) as a list per code, in their order."""
    if not len(rows):
        return {}
    codes = np.asarray(code)[rows]
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    ends = np.r_[starts[1:], len(rows)]
    listed = rows.tolist()
    return {
        int(c): listed[a:b]
        for c, a, b in zip(codes[starts].tolist(), starts.tolist(), ends.tolist(), strict=True)
    }


def _order(first: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Row positions (0..n-1) sorted by ``first``, then by id (text)."""
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    return np.lexsort((ids.to_numpy(str), np.asarray(first)))
