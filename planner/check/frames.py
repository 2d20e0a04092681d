"""What the checker's rules work on: the plan's scope, the cadre and target frames with the
columns the rules join on, the plan's rows, and text keys to match them cheaply."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.contract import CENTRAL_ROLES, KINDS, ROLES, Kind
from planner.dataset import Dataset
from planner.io.plan_folder import PLAN_KEY
from planner.scenario import Scenario

CENTRAL_VALUES = frozenset(r.value for r in CENTRAL_ROLES)
KIND_VALUES = frozenset(k.value for k in KINDS)


@dataclass(frozen=True)
class Scope:
    """The scope of a plan: which cadres and targets it may name."""

    name: str
    college: str | None
    held: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, scenario: Scenario, held: frozenset[tuple[str, str]]) -> Scope:
        """The scope written in the scenario (``university``, ``central``, ``college=ID``)."""
        college = scenario.scope.split("=", 1)[1] if scenario.scope.startswith("college=") else None
        return cls(scenario.scope, college, frozenset(held))

    def cadre_mask(self, cadres: pd.DataFrame) -> pd.Series:
        """Cadres (frame of :func:`cadre_frame`) who are available and in scope."""
        mask = cadres["available"].copy()
        if self.name == "central":
            mask &= cadres["central"]
        elif self.college is not None:
            mask &= ~cadres["central"] & (cadres["unit"] == self.college)
        return mask

    def target_mask(self, targets: pd.DataFrame, keys: pd.Series | None = None) -> pd.Series:
        """Targets (frame of :func:`target_frame`) in scope (``held`` is out of every scope
        but the university: a re-planned part leaves alone what the proposal gives to cadres
        outside it). ``keys``: :func:`key` of the targets' ``kind, target_id``, when made."""
        if self.college is None and (self.name == "university" or not self.held):
            return pd.Series(True, index=targets.index)
        mask = (
            (targets["target_college"] == self.college) | targets["target_college"].isna()
            if self.college is not None
            else pd.Series(True, index=targets.index)
        )
        if self.held:
            held = {kind + SEP + target for kind, target in self.held}
            if keys is None:
                keys = key(targets, ["kind", "target_id"])
            mask &= ~keys.isin(held)
        return mask.fillna(False).astype(bool)


def cadre_frame(dataset: Dataset, scope: Scope) -> pd.DataFrame:
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
            "central": c["role"].astype(str).isin(CENTRAL_VALUES),
        }
    )
    out["in_scope"] = scope.cadre_mask(out)
    return out


def target_frame(dataset: Dataset, scope: Scope) -> pd.DataFrame:
    """Every target, keyed by ``(kind, target_id)``, with its college, campus and gender."""
    return target_frame_and_keys(dataset, scope)[0]


def target_frame_and_keys(dataset: Dataset, scope: Scope) -> tuple[pd.DataFrame, pd.Series]:
    """:func:`target_frame` and the :func:`key` of its ``kind, target_id`` (made once)."""
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
    keys = key(out, ["kind", "target_id"])
    out["target_in_scope"] = scope.target_mask(out, keys)
    return out, keys


def kind_ranges(scenario: Scenario) -> pd.DataFrame:
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


def plan_rows(assignments: pd.DataFrame) -> pd.DataFrame:
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


def origin_ok(pairs: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """H3 Department of origin, per pair (True where the pair is allowed)."""
    bound_roles = {r.value for r in ROLES if scenario.origin.applies_to(r)}
    bound = pairs["role"].isin(bound_roles)
    own_college = pairs["target_college"] == pairs["unit"]
    open_society = (
        (pairs["kind"] == Kind.SOCIETY.value)
        & pairs["target_college"].isna()
        & (pairs["target_campus"] == pairs["cadre_campus"])
    )
    return (~bound | own_college | open_society).fillna(False).astype(bool)


def gender_ok(pairs: pd.DataFrame) -> pd.Series:
    """H5 Dorm gender, per pair (non-dorm pairs always pass)."""
    is_dorm = pairs["kind"] == Kind.DORM.value
    return (~is_dorm | (pairs["target_gender"] == pairs["cadre_gender"])).astype(bool)


def campus_ok(pairs: pd.DataFrame) -> pd.Series:
    """S3 Same campus, per pair."""
    return (pairs["target_campus"] == pairs["cadre_campus"]).astype(bool)


SEP = "\x1f"
"""Joins the parts of a composite key (a character no id contains)."""


def key(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """One text key per row from ``columns`` (cheaper to match than a MultiIndex)."""
    # Joined in Python, not with the text columns' ``+``: several times faster at university
    # size, and the same text (each part as ``astype(str)`` gives it).
    parts = [frame[col].astype(str).tolist() for col in columns]
    return pd.Series(
        [SEP.join(p) for p in zip(*parts, strict=True)], index=frame.index, dtype=object
    )


def key_set(frame: pd.DataFrame) -> pd.Index:
    """The ``(cadre_id, kind, target_id)`` keys of a frame, for membership tests."""
    return pd.Index(key(frame, PLAN_KEY).unique()) if len(frame) else pd.Index([], dtype=str)


def is_in(frame: pd.DataFrame, keys: pd.Index) -> pd.Series:
    """Which rows of ``frame`` have a ``(cadre_id, kind, target_id)`` key in ``keys``."""
    if frame.empty or keys.empty:
        return pd.Series(False, index=frame.index, dtype=bool)
    return key(frame, PLAN_KEY).isin(keys)


@dataclass(frozen=True)
class Context:
    """Everything the rules share, built once."""

    scenario: Scenario
    scope: Scope
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
    base: pd.DataFrame
    """The proposal a part was re-planned against (``Dataset.base``), for S6."""
    taken: pd.Series
    """Places cadres outside the part hold, per target key (:func:`taken_places`)."""


def holders(
    targets: pd.DataFrame,
    valid: pd.DataFrame,
    taken: pd.Series | None = None,
    target_keys: pd.Series | None = None,
) -> pd.DataFrame:
    """In-scope targets with the number of cadres each holds (``n``): the plan's, and the
    places cadres outside a re-planned part hold (``taken``, keyed like :func:`key` of
    ``kind, target_id``; see :func:`taken_places`). ``target_keys``: :func:`key` of every
    target's ``kind, target_id``, when made already."""
    pair = ["kind", "target_id"]
    counts = key(valid, pair).value_counts()
    mask = targets["target_in_scope"]
    out = targets.loc[mask, pair].copy()
    keys = key(out, pair) if target_keys is None else target_keys[mask]
    out["n"] = keys.map(counts).fillna(0).astype(int)
    if taken is not None and len(taken):
        out["n"] += keys.map(taken).fillna(0).astype(int)
    return out


def taken_places(base: pd.DataFrame, cadres: pd.DataFrame) -> pd.Series:
    """Per target (keyed ``kind`` + :data:`SEP` + ``target_id``), how many cadres outside the
    scope hold it in the proposal a part was re-planned against (``base``: its pairs as
    :func:`triples`). They count against the target's cap and towards its coverage."""
    if base.empty:
        return pd.Series(dtype=int)
    inside = set(cadres.loc[cadres["in_scope"], "cadre_id"])
    outside = base[~base["cadre_id"].isin(inside)]
    return key(outside, ["kind", "target_id"]).value_counts()


def triples(frame: pd.DataFrame, extra: list[str] | None = None) -> pd.DataFrame:
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
