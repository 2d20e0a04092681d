"""The independent checker: re-verify a plan from the data and the scenario alone.

The checker never imports the solver side (:mod:`planner.solver`, the problem, eligibility,
the CP-SAT model, the solve); it re-derives every rule of ``shared/spec/policy.md``
from the canonical frames of :class:`~planner.dataset.Dataset` and the
:class:`~planner.scenario.Scenario`, with vectorised pandas. The solver side implements the same
definitions; they are written down here so both can be held to them.

Scope (``scenario.scope``)
    ``university``: every available cadre, every target. ``central``: available cadres with a
    central role (school_leader, office_leader, sao_cadre, league_cadre), every target minus
    the ``held`` targets (left to the colleges' fixed contacts, see :mod:`planner.workflow.merge`).
    ``college=ID``: available cadres with a college role whose ``unit == ID``, and the targets
    whose ``college == ID`` (a university-level society, blank college, is in no college scope),
    minus the ``held`` targets (``(kind, target_id)`` held by an approved central plan). A cadre
    or target outside the scope must not appear in the plan.

H1 duties
    Each in-scope available cadre holds a number of targets within
    ``scenario.duty(role).total_range()`` and, per kind, within ``duty.kind_range(kind)``.
    Unavailable cadres hold nothing. Unknown cadre ids, unknown target ids and unknown kinds
    are violations, and so is a ``(cadre, kind, target)`` row given twice.
H2 cadres per target
    A target holds at most ``scenario.kinds[kind].cap`` cadres.
H3 department of origin
    A college-role cadre for whom ``scenario.origin.applies_to(role)`` holds only targets with
    ``target.college == cadre.unit``, or a university-level society (blank college) on the
    cadre's campus. A central-role cadre may hold any target.
H4 school leaders spread out
    Unless ``school_leader_spread`` is ``None``: per college, the school_leader assignments to
    targets of that college are at most the limit (a university-level society counts for no
    college).
H5 dorm gender / campus rule
    ``dorm_gender == "hard"``: a dorm's gender equals its cadre's gender. ``campus == "hard"``:
    a target's campus equals its cadre's campus.
H6 pins
    Every ``require`` pin whose cadre and target are both in scope is in the plan; no
    ``forbid`` pin is.
S1 coverage (hard)
    For a kind with ``coverage: hard``, every in-scope target of the kind holds at least
    ``kinds[kind].min`` cadres.
S2 continuity (hard)
    With ``continuity == "hard"``, every ``previous`` row whose cadre is available and in scope,
    whose target exists and is in scope, and whose pair is allowed (H3, H5 when hard, the hard
    campus rule, ``per_kind`` max > 0 for the cadre's role, no ``forbid`` pin) is in the plan.

Terms (raw counts, always computed, on the plan's distinct rows naming a known cadre and a
known target)
    ``coverage``: over kinds whose coverage is not ``off``, ``kinds[k].weight`` × the number of
    in-scope targets of kind k holding at least ``kinds[k].min`` cadres. ``continuity``: plan
    rows equal to a ``previous`` row ``(cadre, kind, target)``. ``campus``: rows whose cadre
    campus differs from the target campus. ``dorm_gender``: dorm rows whose dorm gender differs
    from the cadre gender. ``dorm_priority``: the sum over dorm rows of the dorm's rank, ranked
    over all dorms of the data set — by ``grade``: newest grade − grade (unknown grade: newest −
    oldest + 1; no grade at all: 0); by ``residents``: most residents − residents; by ``list``:
    the position of the dorm id in the list, else of its building, else the list's length.
    ``central_spread``: the most central-role assignments to the targets of one college (0 if
    none).

Row numbers in messages are those of ``assignments.csv`` as a spreadsheet shows them (header =
1), taken from a ``row`` column when the frame has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.contract import CENTRAL_ROLES, KINDS, ROLES, Kind, Role
from planner.dataset import Dataset
from planner.errors import InputError, Problem, UsageError
from planner.io.plan_folder import (
    PLAN_JSON,
    PLAN_KEY,
    as_planned,
    parse_held,
    parse_terms,
    read_plan_dir,
)
from planner.plan import Plan
from planner.scenario import TERMS, Scenario, scenario_from_dict

_CENTRAL_VALUES = frozenset(r.value for r in CENTRAL_ROLES)
_KIND_VALUES = frozenset(k.value for k in KINDS)

_TERM_CLAIMS: dict[str, str] = {
    "coverage": "the plan's weighted coverage is {}",
    "continuity": "the plan keeps {}",
    "campus": "the plan has {} cross-campus contacts",
    "dorm_gender": "the plan has {} dorm rooms of the other gender",
    "dorm_priority": "the plan's dorm ranks add up to {}",
    "central_spread": "the plan puts at most {} central assignments in one college",
}
"""How a recomputed term is said in a claimed-terms mismatch."""


@dataclass
class CheckReport:
    """What the checker found: every violation, in plain words, and the recomputed terms."""

    violations: list[str] = field(default_factory=list)
    """One line per violation, naming the rule (``H3 department of origin: …``) and the ids."""
    terms: dict[str, int] = field(default_factory=dict)
    """Every objective term recomputed from the plan (see the module docstring)."""
    claimed: dict[str, int] = field(default_factory=dict)
    """The term values the plan claims (``plan.json``), if any were given."""

    @property
    def ok(self) -> bool:
        """True when no rule is violated and every claimed term matches."""
        return not self.violations

    @property
    def mismatches(self) -> dict[str, tuple[int, int]]:
        """Terms whose claimed value differs: ``term -> (claimed, recomputed)``."""
        return {
            name: (value, self.terms[name])
            for name, value in self.claimed.items()
            if name in self.terms and self.terms[name] != value
        }


# --------------------------------------------------------------------------------------------
# Frames the rules work on


@dataclass(frozen=True)
class _Scope:
    """The scope of a plan: which cadres and targets it may name."""

    name: str
    college: str | None
    held: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, scenario: Scenario, held: frozenset[tuple[str, str]]) -> _Scope:
        """The scope written in the scenario (``university``, ``central``, ``college=ID``)."""
        college = scenario.scope.split("=", 1)[1] if scenario.scope.startswith("college=") else None
        return cls(scenario.scope, college, frozenset(held))

    def cadre_mask(self, cadres: pd.DataFrame) -> pd.Series:
        """Cadres (frame of :func:`_cadre_frame`) who are available and in scope."""
        mask = cadres["available"].copy()
        if self.name == "central":
            mask &= cadres["central"]
        elif self.college is not None:
            mask &= ~cadres["central"] & (cadres["unit"] == self.college)
        return mask

    def target_mask(self, targets: pd.DataFrame) -> pd.Series:
        """Targets (frame of :func:`_target_frame`) in scope (``held`` is out of every scope
        but the university: a college leaves the central plan's targets alone, the central
        plan leaves the targets of the colleges' fixed contacts alone)."""
        if self.college is None and (self.name == "university" or not self.held):
            return pd.Series(True, index=targets.index)
        mask = (
            targets["target_college"] == self.college
            if self.college is not None
            else pd.Series(True, index=targets.index)
        )
        if self.held:
            held = {kind + _SEP + target for kind, target in self.held}
            mask &= ~_key(targets, ["kind", "target_id"]).isin(held)
        return mask.fillna(False).astype(bool)


def _cadre_frame(dataset: Dataset, scope: _Scope) -> pd.DataFrame:
    """Cadres with the columns the rules join on (``central`` re-derived from the role)."""
    c = dataset.cadres
    out = pd.DataFrame(
        {
            "cadre_id": c["id"].astype(str),
            "role": c["role"].astype(str),
            "unit": c["unit"].astype(str),
            "cadre_campus": c["campus"].astype(str),
            "cadre_gender": c["gender"].astype(str),
            "available": c["available"].astype(bool),
            "central": c["role"].astype(str).isin(_CENTRAL_VALUES),
        }
    )
    out["in_scope"] = scope.cadre_mask(out)
    return out


def _target_frame(dataset: Dataset, scope: _Scope) -> pd.DataFrame:
    """Every target, keyed by ``(kind, target_id)``, with its college, campus and gender."""
    t = dataset.targets()
    out = pd.DataFrame(
        {
            "kind": t["kind"].astype(str),
            "target_id": t["id"].astype(str),
            "target_college": t["college"].astype(object),
            "target_campus": t["campus"].astype(str),
            "target_gender": t["gender"].astype(object),
        }
    )
    out["target_in_scope"] = scope.target_mask(out)
    return out


def _kind_ranges(scenario: Scenario) -> pd.DataFrame:
    """Per role and kind the duty's range: ``role, kind, kind_min, kind_max``."""
    per_kind = []
    for role in ROLES:
        duty = scenario.duty(role)
        for kind in KINDS:
            r = duty.kind_range(kind)
            per_kind.append(
                {"role": role.value, "kind": kind.value, "kind_min": r.min, "kind_max": r.max}
            )
    return pd.DataFrame(per_kind)


def _plan_rows(assignments: pd.DataFrame) -> pd.DataFrame:
    """The plan's key columns as text, with the spreadsheet row of each assignment."""
    rows = pd.DataFrame(
        {col: assignments[col].fillna("").astype(str).to_numpy() for col in PLAN_KEY}
    )
    if "row" in assignments.columns:
        row = pd.to_numeric(assignments["row"], errors="coerce").fillna(0).astype(int)
        rows["row"] = row.to_numpy()
    else:
        rows["row"] = range(2, len(rows) + 2)
    return rows


def _origin_ok(pairs: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """H3 department of origin, per pair (True where the pair is allowed)."""
    bound_roles = {r.value for r in ROLES if scenario.origin.applies_to(r)}
    bound = pairs["role"].isin(bound_roles)
    own_college = pairs["target_college"] == pairs["unit"]
    open_society = (
        (pairs["kind"] == Kind.SOCIETY.value)
        & pairs["target_college"].isna()
        & (pairs["target_campus"] == pairs["cadre_campus"])
    )
    return (~bound | own_college | open_society).fillna(False).astype(bool)


def _gender_ok(pairs: pd.DataFrame) -> pd.Series:
    """H5 dorm gender, per pair (non-dorm pairs always pass)."""
    is_dorm = pairs["kind"] == Kind.DORM.value
    return (~is_dorm | (pairs["target_gender"] == pairs["cadre_gender"])).astype(bool)


def _campus_ok(pairs: pd.DataFrame) -> pd.Series:
    """The campus rule, per pair."""
    return (pairs["target_campus"] == pairs["cadre_campus"]).astype(bool)


_SEP = "\x1f"
"""Joins the parts of a composite key (a character no id contains)."""


def _key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row from ``columns`` (cheaper to match than a MultiIndex)."""
    key = frame[columns[0]].astype(str)
    for col in columns[1:]:
        key = key + _SEP + frame[col].astype(str)
    return key


def _key_set(frame: pd.DataFrame) -> pd.Index:
    """The ``(cadre_id, kind, target_id)`` keys of a frame, for membership tests."""
    return pd.Index(_key(frame, PLAN_KEY).unique()) if len(frame) else pd.Index([], dtype=str)


def _in(frame: pd.DataFrame, keys: pd.Index) -> pd.Series:
    """Which rows of ``frame`` have a ``(cadre_id, kind, target_id)`` key in ``keys``."""
    if frame.empty or keys.empty:
        return pd.Series(False, index=frame.index, dtype=bool)
    return _key(frame, PLAN_KEY).isin(keys)


def _count(n: int, noun: str) -> str:
    """``1 target``, ``2 targets``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _words(lo: int, hi: int) -> str:
    """A count range in words: ``exactly 1`` or ``1 to 3``."""
    return f"exactly {lo}" if lo == hi else f"{lo} to {hi}"


def _blank(value: Any) -> bool:
    """Whether a college cell is blank (``None`` or NaN): a university-level society."""
    return value is None or (isinstance(value, float) and value != value)


def _college_of(value: Any) -> str:
    """A target's college for messages (a blank college is university level)."""
    return "university level" if _blank(value) else f"college {value}"


def _each(frame: pd.DataFrame) -> Iterator[Any]:
    """The rows of a (small: violating) frame as named tuples, for messages."""
    return frame.itertuples(index=False)


def _join(ids: pd.Series) -> str:
    """Ids as a sorted, comma-separated list, for messages."""
    return ", ".join(sorted(str(i) for i in ids))


@dataclass(frozen=True)
class _Context:
    """Everything the rules share, built once."""

    scenario: Scenario
    scope: _Scope
    cadres: pd.DataFrame
    targets: pd.DataFrame
    valid: pd.DataFrame
    """Distinct plan rows naming a known cadre, kind and target, joined with both sides."""
    keys: pd.Index
    """The keys of every distinct plan row (valid or not)."""
    holders: pd.DataFrame
    """In-scope targets with the number of cadres each holds (``n``)."""
    pins: pd.DataFrame
    previous: pd.DataFrame


# --------------------------------------------------------------------------------------------
# The rules, one function each


def _plan_rows_known(rows: pd.DataFrame, cadres: pd.DataFrame, targets: pd.DataFrame) -> list[str]:
    """H1 duties: every row names a known kind, cadre and target, and appears once."""
    out: list[str] = []
    for r in _each(rows[~rows["kind"].isin(_KIND_VALUES)]):
        out.append(
            f"H1 duties: row {r.row} has unknown kind '{r.kind}' (use class, dorm, society or "
            f"branch)"
        )
    unknown_cadre = ~rows["cadre_id"].isin(cadres["cadre_id"])
    for r in _each(rows[unknown_cadre]):
        out.append(f"H1 duties: row {r.row} names unknown cadre '{r.cadre_id}'")
    known_kind = rows["kind"].isin(_KIND_VALUES)
    target_keys = _key(targets, ["kind", "target_id"])
    unknown_target = known_kind & ~_key(rows, ["kind", "target_id"]).isin(target_keys)
    for r in _each(rows[unknown_target]):
        out.append(f"H1 duties: row {r.row} names unknown {r.kind} '{r.target_id}'")
    twice = rows[rows.duplicated(PLAN_KEY, keep=False)]
    for (cadre, kind, target), group in twice.groupby(PLAN_KEY, sort=True):
        where = ", ".join(str(n) for n in group["row"])
        out.append(
            f"H1 duties: cadre {cadre} holds {kind} {target} {len(group)} times (rows {where})"
        )
    return out


def _scope_rule(ctx: _Context) -> list[str]:
    """Scope: unavailable cadres hold nothing; no cadre or target outside the scope appears."""
    out: list[str] = []
    v = ctx.valid
    for r in _each(v[~v["available"]]):
        out.append(
            f"H1 duties: cadre {r.cadre_id} is unavailable (on leave) but holds "
            f"{r.kind} {r.target_id}"
        )
    outside = v["available"] & ~v["in_scope"]
    for r in _each(v[outside]):
        out.append(
            f"scope {ctx.scope.name}: cadre {r.cadre_id} ({r.role}, {r.unit}) is outside the "
            f"scope but holds {r.kind} {r.target_id}"
        )
    for r in _each(v[~v["target_in_scope"]]):
        if (r.kind, r.target_id) in ctx.scope.held:
            why = (
                "is held by the approved central plan"
                if ctx.scope.college is not None
                else "is left to its college (a college cadre keeps last semester's contact)"
            )
        else:
            why = f"({_college_of(r.target_college)}) is outside the scope"
        out.append(f"scope {ctx.scope.name}: {r.kind} {r.target_id} {why}")
    return out


def _h1_duties(ctx: _Context) -> list[str]:
    """H1 duties: each in-scope cadre's count of targets, in total and per kind, is in range."""
    scenario = ctx.scenario
    cadres = ctx.cadres[ctx.cadres["in_scope"]]
    kinds = [k.value for k in KINDS]
    held = (
        ctx.valid.groupby(["cadre_id", "kind"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=cadres["cadre_id"], columns=kinds, fill_value=0)
    )
    roles = cadres["role"].to_numpy()
    ids = cadres["cadre_id"].to_numpy()
    out: list[str] = []

    total = held.sum(axis=1).to_numpy()
    ranges = {r.value: scenario.duty(r).total_range() for r in ROLES}
    lo = pd.Series(roles).map({r: v.min for r, v in ranges.items()}).to_numpy()
    hi = pd.Series(roles).map({r: v.max for r, v in ranges.items()}).to_numpy()
    for i in ((total < lo) | (total > hi)).nonzero()[0]:
        out.append(
            f"H1 duties: cadre {ids[i]} ({roles[i]}) holds {_count(int(total[i]), 'target')}; a "
            f"{roles[i]} holds {_words(int(lo[i]), int(hi[i]))}"
        )
    for kind in KINDS:
        count = held[kind.value].to_numpy()
        k_ranges = {r.value: scenario.duty(r).kind_range(kind) for r in ROLES}
        lo = pd.Series(roles).map({r: v.min for r, v in k_ranges.items()}).to_numpy()
        hi = pd.Series(roles).map({r: v.max for r, v in k_ranges.items()}).to_numpy()
        for i in ((count < lo) | (count > hi)).nonzero()[0]:
            out.append(
                f"H1 duties: cadre {ids[i]} ({roles[i]}) holds "
                f"{_count(int(count[i]), f'{kind} target')}; a {roles[i]} holds "
                f"{_words(int(lo[i]), int(hi[i]))} {kind}"
            )
    return out


def _h2_cap(ctx: _Context) -> list[str]:
    """H2 cadres per target: a target holds at most its kind's cap."""
    caps = {k.value: rule.cap for k, rule in ctx.scenario.kinds.items()}
    v = ctx.valid
    n = v.groupby(["kind", "target_id"])["cadre_id"].transform("size")
    over = v[n > v["kind"].map(caps).fillna(1)]
    return [
        f"H2 cadres per target: {kind} {target} holds {_count(len(group), 'cadre')} "
        f"({_join(group['cadre_id'])}); the cap is {caps.get(str(kind), 1)}"
        for (kind, target), group in over.groupby(["kind", "target_id"], sort=True)
    ]


def _h3_origin(ctx: _Context) -> list[str]:
    """H3 department of origin: a college-role cadre holds only their own college's targets."""
    v = ctx.valid
    out: list[str] = []
    for r in _each(v[~_origin_ok(v, ctx.scenario)]):
        if _blank(r.target_college):
            where = (
                f"university-level society {r.target_id} on campus {r.target_campus}, not "
                f"the cadre's campus {r.cadre_campus}"
            )
        else:
            where = f"{r.kind} {r.target_id} of college {r.target_college}"
        out.append(f"H3 department of origin: cadre {r.cadre_id} (college {r.unit}) holds {where}")
    return out


def _h4_school_leaders(ctx: _Context) -> list[str]:
    """H4 school leaders spread out: at most the limit of school leaders per college."""
    limit = ctx.scenario.school_leader_spread
    if limit is None:
        return []
    v = ctx.valid
    leaders = v[(v["role"] == Role.SCHOOL_LEADER.value) & v["target_college"].notna()]
    return [
        f"H4 school leaders spread out: college {college} has "
        f"{_count(len(group), 'school-leader assignment')} ({_join(group['cadre_id'])}); "
        f"the limit is {limit}"
        for college, group in leaders.groupby("target_college", sort=True)
        if len(group) > limit
    ]


def _h5_gender_campus(ctx: _Context) -> list[str]:
    """H5 dorm gender (when hard) and the campus rule (when hard)."""
    v = ctx.valid
    out: list[str] = []
    if ctx.scenario.dorm_gender == "hard":
        for r in _each(v[~_gender_ok(v)]):
            out.append(
                f"H5 dorm gender: cadre {r.cadre_id} ({r.cadre_gender}) holds dorm "
                f"{r.target_id} ({r.target_gender})"
            )
    if ctx.scenario.campus == "hard":
        for r in _each(v[~_campus_ok(v)]):
            out.append(
                f"campus rule (hard): cadre {r.cadre_id} (campus {r.cadre_campus}) holds "
                f"{r.kind} {r.target_id} on campus {r.target_campus}"
            )
    return out


def _h6_pins(ctx: _Context) -> list[str]:
    """H6 pins: every in-scope ``require`` pin is in the plan; no ``forbid`` pin is."""
    pins = ctx.pins
    out: list[str] = []
    if pins.empty:
        return out
    require = pins[pins["rule"] == "require"]
    in_scope_cadres = ctx.cadres.loc[ctx.cadres["in_scope"], "cadre_id"]
    scoped_targets = ctx.targets[ctx.targets["target_in_scope"]]
    require = require[require["cadre_id"].isin(in_scope_cadres)]
    require = require.merge(scoped_targets[["kind", "target_id"]], on=["kind", "target_id"])
    for r in _each(require[~_in(require, ctx.keys)]):
        out.append(
            f"H6 pins: required pin cadre {r.cadre_id} – {r.kind} {r.target_id} is not in the plan"
        )
    forbid = pins[pins["rule"] == "forbid"]
    for r in _each(forbid[_in(forbid, ctx.keys)]):
        out.append(
            f"H6 pins: forbidden pin cadre {r.cadre_id} – {r.kind} {r.target_id} is in the plan"
        )
    return out


def _holders(targets: pd.DataFrame, valid: pd.DataFrame) -> pd.DataFrame:
    """In-scope targets with the number of cadres each holds (``n``)."""
    pair = ["kind", "target_id"]
    counts = _key(valid, pair).value_counts()
    out = targets.loc[targets["target_in_scope"], pair].copy()
    out["n"] = _key(out, pair).map(counts).fillna(0).astype(int)
    return out


def _hard_coverage(ctx: _Context) -> list[str]:
    """S1 coverage (hard): every in-scope target of a hard-coverage kind holds its minimum."""
    mins = {k.value: r.min for k, r in ctx.scenario.kinds.items() if r.coverage == "hard"}
    if not mins:
        return []
    h = ctx.holders
    h = h[h["kind"].isin(mins)]
    h = h[h["n"] < h["kind"].map(mins)]
    return [
        f"S1 coverage (hard): {r.kind} {r.target_id} holds {_count(r.n, 'cadre')}; at least "
        f"{mins[r.kind]} required"
        for r in _each(h.sort_values(["kind", "target_id"]))
    ]


def _hard_continuity(ctx: _Context) -> list[str]:
    """S2 continuity (hard): every allowed in-scope ``previous`` contact is kept."""
    if ctx.scenario.continuity != "hard" or ctx.previous.empty:
        return []
    scenario = ctx.scenario
    prev = ctx.previous.merge(ctx.cadres[ctx.cadres["in_scope"]], on="cadre_id")
    prev = prev.merge(ctx.targets[ctx.targets["target_in_scope"]], on=["kind", "target_id"])
    if prev.empty:
        return []
    per_kind = _kind_ranges(scenario)
    prev = prev.merge(per_kind, on=["role", "kind"], how="left")
    allowed = _origin_ok(prev, scenario) & (prev["kind_max"] > 0)
    if scenario.dorm_gender == "hard":
        allowed &= _gender_ok(prev)
    if scenario.campus == "hard":
        allowed &= _campus_ok(prev)
    forbid = ctx.pins[ctx.pins["rule"] == "forbid"] if not ctx.pins.empty else ctx.pins
    if not forbid.empty:
        allowed &= ~_in(prev, _key_set(forbid))
    dropped = prev[allowed & ~_in(prev, ctx.keys)]
    return [
        f"S2 continuity (hard): cadre {r.cadre_id} held {r.kind} {r.target_id} last semester "
        f"and may keep it, but the plan drops it"
        for r in _each(dropped.sort_values(PLAN_KEY))
    ]


# --------------------------------------------------------------------------------------------
# The terms


def _dorm_ranks(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """S4: ``target_id, rank`` of every dorm of the data set (0 = first choice)."""
    dorms = dataset.dorms
    ids = dorms["id"].astype(str)
    priority = scenario.dorm_priority
    if priority.by == "grade":
        grade = (
            dorms["grade"].astype("Int64")
            if "grade" in dorms
            else pd.Series(pd.NA, index=dorms.index, dtype="Int64")
        )
        if grade.notna().any():
            newest, oldest = int(grade.max()), int(grade.min())
            rank = (newest - grade).fillna(newest - oldest + 1).astype(int)
        else:
            rank = pd.Series(0, index=dorms.index)
    elif priority.by == "residents":
        residents = dorms["residents"].astype(int)
        top = int(residents.max()) if len(residents) else 0
        rank = top - residents
    else:
        position: dict[str, int] = {}
        for i, item in enumerate(priority.list):
            position.setdefault(item, i)
        by_building = dorms["building"].astype(str).map(position)
        rank = ids.map(position).fillna(by_building).fillna(len(priority.list)).astype(int)
    return pd.DataFrame({"target_id": ids.to_numpy(), "rank": rank.astype(int).to_numpy()})


def _terms(ctx: _Context, dataset: Dataset) -> dict[str, int]:
    """Every objective term recomputed from the plan (see the module docstring)."""
    scenario = ctx.scenario
    v = ctx.valid
    h = ctx.holders
    coverage = 0
    for kind, rule in scenario.kinds.items():
        if rule.coverage == "off":
            continue
        rows = h[h["kind"] == kind.value]
        coverage += rule.weight * int((rows["n"] >= rule.min).sum())
    continuity = int(_in(v, _key_set(ctx.previous)).sum())
    campus = int((~_campus_ok(v)).sum())
    dorm_gender = int((~_gender_ok(v)).sum())
    dorm_rows = v[v["kind"] == Kind.DORM.value][["target_id"]]
    ranks = dorm_rows.merge(_dorm_ranks(dataset, scenario), on="target_id", how="left")
    dorm_priority = int(ranks["rank"].fillna(0).sum())
    central = v[v["central"] & v["target_college"].notna()]
    per_college = central.groupby("target_college").size()
    central_spread = int(per_college.max()) if len(per_college) else 0
    values = {
        "coverage": coverage,
        "continuity": continuity,
        "campus": campus,
        "dorm_gender": dorm_gender,
        "dorm_priority": dorm_priority,
        "central_spread": central_spread,
    }
    return {name: values[name] for name in TERMS}


def _claims(terms: dict[str, int], claimed: dict[str, int]) -> list[str]:
    """Every claimed term that differs from the recomputed value, or that does not exist."""
    out: list[str] = []
    for name, value in claimed.items():
        if name not in terms:
            out.append(f"plan.json names unknown term '{name}' (terms are {', '.join(TERMS)})")
        elif terms[name] != value:
            actual = _TERM_CLAIMS.get(name, "the plan gives {}").format(terms[name])
            out.append(f"plan.json says {name} = {value} but {actual}")
    return out


# --------------------------------------------------------------------------------------------
# Public API


def check_assignments(
    dataset: Dataset,
    scenario: Scenario,
    assignments: pd.DataFrame,
    *,
    held: frozenset[tuple[str, str]] = frozenset(),
    claimed_terms: dict[str, int] | None = None,
) -> CheckReport:
    """Check a plan's assignments against every hard rule and recompute every term.

    ``assignments`` has at least the columns ``cadre_id, kind, target_id`` (ids as text; a
    ``row`` column, if present, gives the row numbers used in messages). The scope is
    ``scenario.scope``; ``held`` lists the ``(kind, target_id)`` an approved central plan holds
    (they are outside a college scope). A ``claimed_terms`` value that differs from the
    recomputed one is a violation.
    """
    missing = [c for c in PLAN_KEY if c not in assignments.columns]
    if missing:
        return CheckReport(
            violations=[f"plan: the assignments have no column {', '.join(missing)}"],
            claimed=dict(claimed_terms or {}),
        )
    scope = _Scope.of(scenario, held)
    cadres = _cadre_frame(dataset, scope)
    targets = _target_frame(dataset, scope)
    rows = _plan_rows(assignments)
    violations = _plan_rows_known(rows, cadres, targets)

    distinct = rows.drop_duplicates(PLAN_KEY)
    valid = distinct.merge(cadres, on="cadre_id").merge(targets, on=["kind", "target_id"])
    valid = valid.sort_values("row", kind="stable").reset_index(drop=True)
    ctx = _Context(
        scenario=scenario,
        scope=scope,
        cadres=cadres,
        targets=targets,
        valid=valid,
        keys=_key_set(distinct),
        holders=_holders(targets, valid),
        pins=_triples(dataset.pins, extra=["rule"]).drop_duplicates(),
        previous=_triples(dataset.previous).drop_duplicates(),
    )
    for rule in (
        _scope_rule,
        _h1_duties,
        _h2_cap,
        _h3_origin,
        _h4_school_leaders,
        _h5_gender_campus,
        _h6_pins,
        _hard_coverage,
        _hard_continuity,
    ):
        violations.extend(rule(ctx))
    terms = _terms(ctx, dataset)
    claimed = dict(claimed_terms or {})
    violations.extend(_claims(terms, claimed))
    return CheckReport(violations=violations, terms=terms, claimed=claimed)


def _triples(frame: pd.DataFrame, extra: list[str] | None = None) -> pd.DataFrame:
    """A ``previous`` or ``pins`` frame renamed to ``cadre_id, kind, target_id`` (text)."""
    extra = extra or []
    if frame is None or frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in PLAN_KEY + extra})
    out = pd.DataFrame(
        {
            "cadre_id": frame["cadre"].astype(str).to_numpy(),
            "kind": frame["kind"].astype(str).to_numpy(),
            "target_id": frame["target"].astype(str).to_numpy(),
        }
    )
    for col in extra:
        out[col] = frame[col].astype(str).to_numpy()
    return out


def check_plan(plan: Plan, dataset: Dataset, scenario: Scenario | None = None) -> CheckReport:
    """Re-check ``plan`` against ``dataset``: every hard rule, and every term it claims.

    The scope and the held targets are the plan's own, and so is the scenario unless
    ``scenario`` gives it already validated (the one the plan was made under). The report's
    ``ok`` is true when every hard rule holds and every claimed term is recomputed exactly.
    """
    if scenario is None:
        scenario = scenario_from_dict(plan.scenario, source="plan scenario")
    return check_assignments(
        dataset,
        scenario,
        plan.assignments,
        held=frozenset((str(kind), str(target)) for kind, target in plan.held),
        claimed_terms={name: term.value for name, term in plan.terms.items()},
    )


def require_checked(plan: Plan, dataset: Dataset, scenario: Scenario | None = None) -> CheckReport:
    """:func:`check_plan`, raising ``RuntimeError`` when the plan fails: a plan the planner
    made that breaks a rule is a bug, never a result, and is never written or returned."""
    report = check_plan(plan, dataset, scenario)
    if not report.ok:
        raise RuntimeError("the plan failed the independent check: " + "; ".join(report.violations))
    return report


def check_plan_dir(dataset: Dataset, plan_dir: Path) -> CheckReport:
    """Check a plan folder against a data set: the scenario, held targets and claimed terms
    are taken from its ``plan.json`` (``scenario``, ``held``, ``terms``)."""
    assignments, meta = read_plan_dir(plan_dir)
    where = str(Path(plan_dir) / PLAN_JSON)
    problems: list[Problem] = []
    scenario: Scenario | None = None
    raw = meta.get("scenario")
    if not isinstance(raw, dict):
        problems.append(Problem(where, 0, "scenario", "missing: the scenario as applied"))
    else:
        try:
            scenario = scenario_from_dict(raw, source="scenario")
        except UsageError as exc:
            problems.extend(Problem(where, 0, "scenario", line) for line in str(exc).splitlines())
    held = parse_held(meta.get("held", []), where, problems)
    claimed = parse_terms(meta.get("terms", {}), where, problems)
    if problems or scenario is None:
        raise InputError(problems)
    # Last semester's contacts from an approved plan and command-line pins, as recorded.
    dataset = as_planned(dataset, meta, where)
    return check_assignments(dataset, scenario, assignments, held=held, claimed_terms=claimed)
