"""The alternatives worth re-planning, chosen without the solver: for a cadre, the targets it
may hold; for a target, the cadres who may hold it; most telling first (last semester's, open
targets, the same kind, college and campus, holders who keep their contact last), and one of
each kind of answer before repeats."""

from __future__ import annotations

from typing import Any

import pandas as pd

from planner.contract import Kind
from planner.dataset import Pair
from planner.explain.why.index import PlanIndex
from planner.solver.eligibility import eligible, pair_frame


def target_candidates(ix: PlanIndex, c: pd.Series, n: int) -> list[Pair]:
    """Up to ``n`` targets cadre ``c`` may hold instead of its own, most telling first."""
    t = ix.problem.targets
    side = _repeat(c, len(t), ["role", "college", "campus", "gender"])
    ok = eligible(pair_frame(side, t.reset_index(drop=True)), ix.scenario)
    pins = ix.dataset.pins
    mine = pins[(pins["cadre"] == c["id"]) & (pins["rule"] == "forbid")]
    forbidden = set(zip(mine["kind"], mine["target"], strict=True))
    required = pins[pins["rule"] == "require"]
    pinned_targets = set(zip(required["kind"], required["target"], strict=True))
    held = set(ix.holding.get(c["id"], []))
    held_kinds = {k for k, _ in held}
    held_colleges = {ix.target(k, tid)["college"] for k, tid in held}
    previous = {(k, tid) for (cid, k, tid) in ix.previous if cid == c["id"]}
    coverable = t["kind"].map(lambda k: ix.scenario.kinds[Kind(k)].coverage != "off")
    table = pd.DataFrame(
        {
            "kind": t["kind"],
            "id": t["id"],
            "ok": ok,
            "previous": [(k, i) in previous for k, i in zip(t["kind"], t["id"], strict=True)],
            "open": coverable.to_numpy() & ~ix.covered,
            "same_kind": t["kind"].isin(held_kinds).to_numpy(),
            "same_college": t["college"]
            .isin([x for x in held_colleges if isinstance(x, str)])
            .to_numpy(),
            "same_campus": (t["campus"] == c["campus"]).to_numpy(),
            "counts": coverable.to_numpy(),
            "group": t["group"].to_numpy(),
        }
    )
    keys = list(zip(table["kind"], table["id"], strict=True))
    table["skip"] = [k in held or k in forbidden or k in pinned_targets for k in keys]
    # A holder who keeps last semester's contact is costly to move: try others first.
    table["holder_kept"] = [
        any((h, k[0], k[1]) in ix.kept for h in ix.holder.get(k, [])) for k in keys
    ]
    table = table[table["ok"] & ~table["skip"]]
    order = ["previous", "open", "same_kind", "same_college", "same_campus", "holder_kept"]
    table = table.sort_values(
        [*order, "counts", "kind", "id"],
        ascending=[False, False, False, False, False, True, False, True, True],
        kind="stable",
    )
    # Targets alike under every rule (one group, held alike) give the same answer: try
    # one of each first, then fill up.
    table["held"] = [bool(ix.holder.get(k)) for k in zip(table["kind"], table["id"], strict=True)]
    return _varied(table, ["group", "held", "holder_kept"], n, ["kind", "id"])


def cadre_candidates(ix: PlanIndex, t: pd.Series, holders: list[str], n: int) -> list[str]:
    """Up to ``n`` cadres who may hold target ``t`` instead of its ``holders``, most telling
    first."""
    c = ix.problem.cadres
    target = _repeat(t, len(c), ["kind", "college", "campus", "gender"])
    ok = eligible(pair_frame(c.reset_index(drop=True), target), ix.scenario)
    pins = ix.dataset.pins
    forbidden = set(ix.dataset.pins.loc[_forbids_target(pins, t), "cadre"])
    pinned = set(pins.loc[pins["rule"] == "require", "cadre"])
    previous = {cid for (cid, k, tid) in ix.previous if (k, tid) == (t["kind"], t["id"])}
    counted = {k.value: ix.scenario.kinds[k].coverage != "off" for k in Kind}

    def holds_counted(cid: str) -> bool:
        return any(counted[k] for k, _ in ix.holding.get(cid, []))

    table = pd.DataFrame(
        {
            "id": c["id"],
            "ok": ok,
            "previous": c["id"].isin(previous).to_numpy(),
            "free": [not holds_counted(cid) for cid in c["id"]],
            "same_college": (c["college"] == t["college"]).to_numpy(),
            "same_campus": (c["campus"] == t["campus"]).to_numpy(),
            "kept": [
                any((cid, k, tid) in ix.kept for k, tid in ix.holding.get(cid, []))
                for cid in c["id"]
            ],
        }
    )
    table["skip"] = table["id"].isin(set(holders) | forbidden | pinned)
    table = table[table["ok"] & ~table["skip"]]
    table = table.sort_values(
        ["previous", "free", "same_college", "same_campus", "kept", "id"],
        ascending=[False, False, False, False, True, True],
        kind="stable",
    )
    table["pool"] = c.set_index("id").loc[table["id"], "pool"].to_numpy()
    table["holds"] = [tuple(ix.holding.get(cid, [])) for cid in table["id"]]
    table["held_group"] = [
        tuple(int(ix.target(k, i)["group"]) for k, i in h) for h in table["holds"]
    ]
    return [cid for (cid,) in _varied(table, ["pool", "held_group", "kept"], n, ["id"])]


def _forbids_target(pins: pd.DataFrame, t: pd.Series) -> pd.Series:
    return (pins["kind"] == t["kind"]) & (pins["target"] == t["id"]) & (pins["rule"] == "forbid")


def _varied(table: pd.DataFrame, alike: list[str], n: int, out: list[str]) -> list[tuple[Any, ...]]:
    """The first ``n`` rows of ``table`` (in its order), one per ``alike`` class first."""
    first = ~table.duplicated(alike)
    ordered = pd.concat([table[first], table[~first]])
    return list(ordered[out].head(n).itertuples(index=False, name=None))


def _repeat(row: pd.Series, n: int, columns: list[str]) -> pd.DataFrame:
    """``row``'s ``columns`` repeated ``n`` times (one side of a pair frame)."""
    return pd.DataFrame({col: pd.Series([row[col]] * n, dtype=object) for col in columns})
