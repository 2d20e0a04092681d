"""Turn pool–group counts into concrete cadre–target pairs.

Within a pool all cadres are interchangeable, and within a group all targets are, so any
hand-out that respects the counts keeps every rule and every objective term. The hand-out is
deterministic (cadres and targets in id order) and gives a cadre its last-semester target
whenever that target is free in the group it is sent to.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from planner.solver.problem import Problem


def decompose(problem: Problem, y: np.ndarray, keep: np.ndarray) -> pd.DataFrame:
    """Pairs ``cadre, target`` (indices into the problem's frames) and ``kept`` (bool)."""
    p = problem
    keeps = p.keeps
    kept_rows = keeps[keep.astype(bool)] if len(keeps) else keeps
    cadre_out: list[int] = [int(c) for c in kept_rows["cadre"]]
    target_out: list[int] = [int(t) for t in kept_rows["target"]]
    kept_flag: list[bool] = [True] * len(cadre_out)

    taken = set(target_out)
    keeping = set(cadre_out)
    held_by: dict[int, set[int]] = defaultdict(set)  # cadre -> targets it holds
    for c, t in zip(cadre_out, target_out, strict=True):
        held_by[c].add(t)
    # Free slots per group in id order: a target of cap k offers k slots, less kept ones.
    caps = p.groups["cap"].to_numpy()[p.targets["group"].to_numpy()]
    kept_count: dict[int, int] = defaultdict(int)
    for t in target_out:
        kept_count[t] += 1
    order = p.targets.sort_values(["group", "id"], kind="stable")
    free: dict[int, list[int]] = defaultdict(list)
    for t, g in zip(order.index, order["group"], strict=True):
        free[int(g)].extend([int(t)] * int(caps[t] - kept_count[int(t)]))
    # Free cadres per pool (pools of one keep their cadre even when it keeps a contact).
    cadre_order = p.cadres.sort_values(["pool", "id"], kind="stable")
    members: dict[int, list[int]] = defaultdict(list)
    for c, pool in zip(cadre_order.index, cadre_order["pool"], strict=True):
        members[int(pool)].append(int(c))
    singleton = p.pools["singleton"].to_numpy(bool)
    # Last semester's target of each cadre that is free, for the "give it back" preference.
    previous: dict[int, set[int]] = defaultdict(set)
    for c, t in zip(keeps["cadre"], keeps["target"], strict=True):
        if int(t) not in taken:
            previous[int(c)].add(int(t))

    arcs = p.arcs
    for a in np.flatnonzero(y > 0):
        pool, group, count = int(arcs.at[a, "pool"]), int(arcs.at[a, "group"]), int(y[a])
        targets_free = free[group]
        if singleton[pool]:
            cadre = members[pool][0]
            for _ in range(count):
                t = _pick(targets_free, previous[cadre], held_by[cadre])
                held_by[cadre].add(t)
                cadre_out.append(cadre)
                target_out.append(t)
                kept_flag.append(t in previous[cadre])
            continue
        candidates = [c for c in members[pool] if c not in keeping]
        free_set = set(targets_free)
        first = [c for c in candidates if previous[c] & free_set]
        chosen = (first + [c for c in candidates if c not in set(first)])[:count]
        if len(chosen) < count:
            raise AssertionError(f"pool {pool} has fewer free cadres than the plan uses")
        for cadre in chosen:
            t = _pick(targets_free, previous[cadre], held_by[cadre])
            held_by[cadre].add(t)
            keeping.add(cadre)
            cadre_out.append(cadre)
            target_out.append(t)
            kept_flag.append(t in previous[cadre])
        members[pool] = [c for c in members[pool] if c not in set(chosen)]
    return pd.DataFrame({"cadre": cadre_out, "target": target_out, "kept": kept_flag})


def _pick(slots: list[int], previous: set[int], held: set[int]) -> int:
    """Take a free slot: the cadre's previous target if free, else the first one it does not
    hold yet (the counts guarantee there is one)."""
    back = [t for t in slots if t in previous and t not in held]
    choice = back[0] if back else next(t for t in slots if t not in held)
    slots.remove(choice)
    return choice
