"""The checker's rules, one function each, in the order of ``policy.md``: every function takes
the :class:`~planner.check.frames.Context` and returns one plain line per violation, naming the
rule as :mod:`planner.policy` spells it and the ids involved."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from planner.check.frames import (
    KIND_VALUES,
    SEP,
    Context,
    campus_ok,
    gender_ok,
    is_in,
    key,
    key_set,
    kind_ranges,
    origin_ok,
)
from planner.contract import KINDS, ROLES, Role
from planner.i18n import gettext as _
from planner.i18n import pgettext
from planner.io.plan_folder import PLAN_KEY
from planner.policy import H1, H2, H3, H4, H5, H6, S1, S2, S3
from planner.words import (
    chinese,
    count_words,
    kind_code,
    range_words,
    role_code,
)


def _blank(value: Any) -> bool:
    """Whether a college cell is blank (``None`` or NaN): a university-level society."""
    return value is None or (isinstance(value, float) and value != value)


def _college_of(value: Any) -> str:
    """A target's college for messages (a blank college is university level)."""
    return _("university level") if _blank(value) else _("college {college}").format(college=value)


def _scope(name: str) -> str:
    """A scope as the messages name it: ``university``, ``central``, ``college=C01``
    (Chinese 全校, 校级, 学院 C01)."""
    if name.startswith("college="):
        return _("college={college}").format(college=name.split("=", 1)[1])
    if name == "university":
        return pgettext("scope", "university")
    if name == "central":
        return pgettext("scope", "central")
    return name


def _each(frame: pd.DataFrame) -> Iterator[Any]:
    """The rows of a (small: violating) frame as named tuples, for messages."""
    if frame.empty:  # the usual case: no named tuple type to make
        return iter(())
    return frame.itertuples(index=False)


def _join(ids: pd.Series) -> str:
    """Ids as a sorted, comma-separated list, for messages."""
    return pgettext("list", ", ").join(sorted(str(i) for i in ids))


def known_rows(
    rows: pd.DataFrame,
    cadres: pd.DataFrame,
    targets: pd.DataFrame,
    target_keys: pd.Series | None = None,
) -> list[str]:
    """H1 One target per cadre: every row names a known kind, cadre and target, and appears once.
    ``target_keys``: :func:`key` of the targets' ``kind, target_id``, when made already."""
    out: list[str] = []
    for r in _each(rows[~rows["kind"].isin(KIND_VALUES)]):
        out.append(
            _(
                "{rule}: row {row} has unknown kind '{kind}' (use class, dorm, society or branch)"
            ).format(rule=H1.label, row=r.row, kind=r.kind)
        )
    unknown_cadre = ~rows["cadre_id"].isin(cadres["cadre_id"])
    for r in _each(rows[unknown_cadre]):
        out.append(
            _("{rule}: row {row} names unknown cadre '{cadre}'").format(
                rule=H1.label, row=r.row, cadre=r.cadre_id
            )
        )
    known_kind = rows["kind"].isin(KIND_VALUES)
    if target_keys is None:
        target_keys = key(targets, ["kind", "target_id"])
    unknown_target = known_kind & ~key(rows, ["kind", "target_id"]).isin(target_keys)
    for r in _each(rows[unknown_target]):
        out.append(
            _("{rule}: row {row} names unknown {kind} '{target}'").format(
                rule=H1.label, row=r.row, kind=kind_code(r.kind), target=r.target_id
            )
        )
    twice = rows[rows.duplicated(PLAN_KEY, keep=False)]
    for (cadre, kind, target), group in twice.groupby(PLAN_KEY, sort=True):
        where = pgettext("list", ", ").join(str(n) for n in group["row"])
        out.append(
            _("{rule}: cadre {cadre} holds {kind} {target} {n} times (rows {rows})").format(
                rule=H1.label,
                cadre=cadre,
                kind=kind_code(kind),
                target=target,
                n=len(group),
                rows=where,
            )
        )
    return out


def scope_rule(ctx: Context) -> list[str]:
    """Scope: unavailable cadres hold nothing; no cadre or target outside the scope appears."""
    out: list[str] = []
    v = ctx.valid
    for r in _each(v[~v["available"]]):
        out.append(
            _("{rule}: cadre {cadre} is unavailable (on leave) but holds {kind} {target}").format(
                rule=H1.label, cadre=r.cadre_id, kind=kind_code(r.kind), target=r.target_id
            )
        )
    outside = v["available"] & ~v["in_scope"]
    for r in _each(v[outside]):
        out.append(
            _(
                "scope {scope}: cadre {cadre} ({role}, {unit}) is outside the scope but holds "
                "{kind} {target}"
            ).format(
                scope=_scope(ctx.scope.name),
                cadre=r.cadre_id,
                role=role_code(r.role),
                unit=r.unit,
                kind=kind_code(r.kind),
                target=r.target_id,
            )
        )
    for r in _each(v[~v["target_in_scope"]]):
        if (r.kind, r.target_id) in ctx.scope.held:
            text = _(
                "scope {scope}: {kind} {target} is held outside this part (plan.json lists it "
                "under held)"
            )
        else:
            text = _("scope {scope}: {kind} {target} ({where}) is outside the scope")
        out.append(
            text.format(
                scope=_scope(ctx.scope.name),
                kind=kind_code(r.kind),
                target=r.target_id,
                where=_college_of(r.target_college),
            )
        )
    return out


def h1_one_target_per_cadre(ctx: Context) -> list[str]:
    """H1 One target per cadre: each in-scope cadre holds a count of targets in its duty's
    range, in total and per kind."""
    scenario = ctx.scenario
    cadres = ctx.cadres[ctx.cadres["in_scope"]]
    kinds = [k.value for k in KINDS]
    # Counted in a dict (a groupby, unstack and reindex cost several times as much).
    counts = Counter(zip(ctx.valid["cadre_id"].tolist(), ctx.valid["kind"].tolist(), strict=True))
    listed = cadres["cadre_id"].tolist()
    held = {
        kind: np.fromiter((counts.get((c, kind), 0) for c in listed), np.int64, len(listed))
        for kind in kinds
    }
    roles = cadres["role"].to_numpy()
    ids = cadres["cadre_id"].to_numpy()
    out: list[str] = []

    total = np.vstack([held[kind] for kind in kinds]).sum(axis=0)
    ranges = {r.value: scenario.duty(r).total_range() for r in ROLES}
    lo = _per_role(roles, {r: v.min for r, v in ranges.items()})
    hi = _per_role(roles, {r: v.max for r, v in ranges.items()})
    for i in ((total < lo) | (total > hi)).nonzero()[0]:
        out.append(
            _("{rule}: cadre {cadre} ({role}) holds {count}; a {role} holds {range}").format(
                rule=H1.label,
                cadre=ids[i],
                role=role_code(roles[i]),
                count=count_words(int(total[i]), "target"),
                range=range_words(int(lo[i]), int(hi[i])),
            )
        )
    for kind in KINDS:
        count = held[kind.value]
        k_ranges = {r.value: scenario.duty(r).kind_range(kind) for r in ROLES}
        lo = _per_role(roles, {r: v.min for r, v in k_ranges.items()})
        hi = _per_role(roles, {r: v.max for r, v in k_ranges.items()})
        for i in ((count < lo) | (count > hi)).nonzero()[0]:
            n = int(count[i])
            out.append(
                _(
                    "{rule}: cadre {cadre} ({role}) holds {count}; a {role} holds {range} {kind}"
                ).format(
                    rule=H1.label,
                    cadre=ids[i],
                    role=role_code(roles[i]),
                    count=count_words(n, kind.value if chinese() else f"{kind} target"),
                    range=range_words(int(lo[i]), int(hi[i])),
                    kind=kind_code(kind.value),
                )
            )
    return out


def _per_role(roles: np.ndarray, values: dict[str, int]) -> np.ndarray:
    """``values`` of each cadre's role (NaN for a role not in ``values``), as a map would."""
    out = np.full(len(roles), np.nan)
    for role, value in values.items():
        out[roles == role] = value
    return out


def h2_one_cadre_per_target(ctx: Context) -> list[str]:
    """H2 One cadre per target: a target holds at most its kind's cap."""
    caps = {k.value: rule.cap for k, rule in ctx.scenario.kinds.items()}
    v = ctx.valid
    n = v.groupby(["kind", "target_id"])["cadre_id"].transform("size").to_numpy()
    if len(ctx.taken):
        n = n + key(v, ["kind", "target_id"]).map(ctx.taken).fillna(0).astype(int).to_numpy()
    kinds = v["kind"].to_numpy(object)
    cap = np.ones(len(v), dtype=np.int64)  # a kind without a cap holds one (as before)
    for kind, most in caps.items():
        cap[kinds == kind] = most
    over = v[n > cap]
    out = []
    for (kind, target), group in over.groupby(["kind", "target_id"], sort=True):
        more = int(ctx.taken.get(f"{kind}{SEP}{target}", 0))
        outside = (
            _(" and {count} outside this part").format(count=count_words(more, "cadre"))
            if more
            else ""
        )
        out.append(
            _("{rule}: {kind} {target} holds {count} ({cadres}){outside}; the cap is {cap}").format(
                rule=H2.label,
                kind=kind_code(kind),
                target=target,
                count=count_words(len(group), "cadre"),
                cadres=_join(group["cadre_id"]),
                outside=outside,
                cap=caps.get(str(kind), 1),
            )
        )
    return out


def h3_department_of_origin(ctx: Context) -> list[str]:
    """H3 Department of origin: a college-role cadre holds only their own college's targets."""
    v = ctx.valid
    out: list[str] = []
    for r in _each(v[~origin_ok(v, ctx.scenario)]):
        if _blank(r.target_college):
            where = _(
                "university-level society {target} on campus {campus}, not the cadre's campus {own}"
            ).format(target=r.target_id, campus=r.target_campus, own=r.cadre_campus)
        else:
            where = _("{kind} {target} of college {college}").format(
                kind=kind_code(r.kind), target=r.target_id, college=r.target_college
            )
        out.append(
            _("{rule}: cadre {cadre} (college {unit}) holds {where}").format(
                rule=H3.label, cadre=r.cadre_id, unit=r.unit, where=where
            )
        )
    return out


def h4_school_leaders_spread_out(ctx: Context) -> list[str]:
    """H4 School leaders spread out: at most the limit of school leaders per college."""
    limit = ctx.scenario.school_leader_spread
    if limit is None:
        return []
    v = ctx.valid
    leaders = v[(v["role"] == Role.SCHOOL_LEADER.value) & v["target_college"].notna()]
    noun = "school leader" if chinese() else "school-leader assignment"
    return [
        _("{rule}: college {college} has {count} ({cadres}); the limit is {limit}").format(
            rule=H4.label,
            college=college,
            count=count_words(len(group), noun),
            cadres=_join(group["cadre_id"]),
            limit=limit,
        )
        for college, group in leaders.groupby("target_college", sort=True)
        if len(group) > limit
    ]


def h5_dorm_gender_and_campus(ctx: Context) -> list[str]:
    """H5 Dorm gender and S3 Same campus, each when the scenario makes it hard."""
    v = ctx.valid
    out: list[str] = []
    if ctx.scenario.dorm_gender == "hard":
        for r in _each(v[~gender_ok(v)]):
            out.append(
                _("{rule}: cadre {cadre} ({gender}) holds dorm {target} ({target_gender})").format(
                    rule=H5.label,
                    cadre=r.cadre_id,
                    gender=r.cadre_gender,
                    target=r.target_id,
                    target_gender=r.target_gender,
                )
            )
    if ctx.scenario.campus == "hard":
        for r in _each(v[~campus_ok(v)]):
            out.append(
                _(
                    "{rule}: cadre {cadre} (campus {campus}) holds {kind} {target} on campus "
                    "{target_campus}"
                ).format(
                    rule=S3.made_hard,
                    cadre=r.cadre_id,
                    campus=r.cadre_campus,
                    kind=kind_code(r.kind),
                    target=r.target_id,
                    target_campus=r.target_campus,
                )
            )
    return out


def h6_pins(ctx: Context) -> list[str]:
    """H6 Pins: every in-scope ``require`` pin is in the plan; no ``forbid`` pin is."""
    pins = ctx.pins
    out: list[str] = []
    if pins.empty:
        return out
    require = pins[pins["rule"] == "require"]
    in_scope_cadres = ctx.cadres.loc[ctx.cadres["in_scope"], "cadre_id"]
    require = require[require["cadre_id"].isin(in_scope_cadres)]
    # The in-scope targets the pins name (the same join, on the few rows it can match).
    t = ctx.targets
    scoped_targets = t[t["target_in_scope"] & t["target_id"].isin(require["target_id"])]
    scoped = set(
        zip(scoped_targets["kind"].tolist(), scoped_targets["target_id"].tolist(), strict=True)
    )
    pairs = zip(require["kind"].tolist(), require["target_id"].tolist(), strict=True)
    require = require[np.fromiter((p in scoped for p in pairs), bool, len(require))]
    for r in _each(require[~is_in(require, ctx.keys)]):
        out.append(
            _("{rule}: required pin cadre {cadre} – {kind} {target} is not in the plan").format(
                rule=H6.label, cadre=r.cadre_id, kind=kind_code(r.kind), target=r.target_id
            )
        )
    forbid = pins[pins["rule"] == "forbid"]
    for r in _each(forbid[is_in(forbid, ctx.keys)]):
        out.append(
            _("{rule}: forbidden pin cadre {cadre} – {kind} {target} is in the plan").format(
                rule=H6.label, cadre=r.cadre_id, kind=kind_code(r.kind), target=r.target_id
            )
        )
    return out


def hard_coverage(ctx: Context) -> list[str]:
    """S1 Coverage made hard: every in-scope target of a hard-coverage kind holds its minimum."""
    mins = {k.value: r.min for k, r in ctx.scenario.kinds.items() if r.coverage == "hard"}
    if not mins:
        return []
    h = ctx.holders
    h = h[h["kind"].isin(mins)]
    h = h[h["n"] < h["kind"].map(mins)]
    return [
        _("{rule}: {kind} {target} holds {count}; at least {min} required").format(
            rule=S1.made_hard,
            kind=kind_code(r.kind),
            target=r.target_id,
            count=count_words(r.n, "cadre"),
            min=mins[r.kind],
        )
        for r in _each(h.sort_values(["kind", "target_id"]))
    ]


def hard_continuity(ctx: Context) -> list[str]:
    """S2 Continuity made hard: every allowed in-scope ``previous`` contact is kept."""
    if ctx.scenario.continuity != "hard" or ctx.previous.empty:
        return []
    scenario = ctx.scenario
    prev = ctx.previous.merge(ctx.cadres[ctx.cadres["in_scope"]], on="cadre_id")
    prev = prev.merge(ctx.targets[ctx.targets["target_in_scope"]], on=["kind", "target_id"])
    if prev.empty:
        return []
    per_kind = kind_ranges(scenario)
    prev = prev.merge(per_kind, on=["role", "kind"], how="left")
    allowed = origin_ok(prev, scenario) & (prev["kind_max"] > 0)
    if scenario.dorm_gender == "hard":
        allowed &= gender_ok(prev)
    if scenario.campus == "hard":
        allowed &= campus_ok(prev)
    forbid = ctx.pins[ctx.pins["rule"] == "forbid"] if not ctx.pins.empty else ctx.pins
    if not forbid.empty:
        allowed &= ~is_in(prev, key_set(forbid))
    dropped = prev[allowed & ~is_in(prev, ctx.keys)]
    return [
        _(
            "{rule}: cadre {cadre} held {kind} {target} last semester and may keep it, but the "
            "plan drops it"
        ).format(rule=S2.made_hard, cadre=r.cadre_id, kind=kind_code(r.kind), target=r.target_id)
        for r in _each(dropped.sort_values(PLAN_KEY))
    ]


RULES = (
    scope_rule,
    h1_one_target_per_cadre,
    h2_one_cadre_per_target,
    h3_department_of_origin,
    h4_school_leaders_spread_out,
    h5_dorm_gender_and_campus,
    h6_pins,
    hard_coverage,
    hard_continuity,
)
"""Every rule over the plan's valid rows, in the order the violations are listed."""
