"""The objective terms recomputed from a plan's rows, and the claims of ``plan.json`` held to
them (see the definitions in :mod:`planner.check`)."""

from __future__ import annotations

import pandas as pd

from planner.check.frames import Context, campus_ok, gender_ok, is_in, key_set
from planner.contract import Kind
from planner.dataset import Dataset
from planner.i18n import N_
from planner.i18n import gettext as _
from planner.scenario import TERMS, Scenario

_TERM_CLAIMS: dict[str, str] = {
    "coverage": N_("the plan's weighted coverage is {}"),
    "continuity": N_("the plan keeps {}"),
    "campus": N_("the plan has {} cross-campus contacts"),
    "dorm_gender": N_("the plan has {} dorm rooms of the other gender"),
    "dorm_priority": N_("the plan's dorm ranks add up to {}"),
    "central_spread": N_("the plan puts at most {} central assignments in one college"),
    "stay": N_("the plan keeps {} contacts of the proposal"),
}
"""How a recomputed term is said in a claimed-terms mismatch."""


def dorm_ranks(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
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


def term_values(ctx: Context, dataset: Dataset) -> dict[str, int]:
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
    continuity = int(is_in(v, key_set(ctx.previous)).sum())
    campus = int((~campus_ok(v)).sum())
    dorm_gender = int((~gender_ok(v)).sum())
    dorm_rows = v[v["kind"] == Kind.DORM.value][["target_id"]]
    ranks = dorm_rows.merge(dorm_ranks(dataset, scenario), on="target_id", how="left")
    dorm_priority = int(ranks["rank"].fillna(0).sum())
    central = v[v["central"] & v["target_college"].notna()]
    per_college = central.groupby("target_college").size()
    central_spread = int(per_college.max()) if len(per_college) else 0
    stay = int(is_in(v, key_set(ctx.base)).sum())
    values = {
        "coverage": coverage,
        "continuity": continuity,
        "campus": campus,
        "dorm_gender": dorm_gender,
        "dorm_priority": dorm_priority,
        "central_spread": central_spread,
        "stay": stay,
    }
    return {name: values[name] for name in TERMS}


def claims(terms: dict[str, int], claimed: dict[str, int]) -> list[str]:
    """Every claimed term that differs from the recomputed value, or that does not exist."""
    out: list[str] = []
    for name, value in claimed.items():
        if name not in terms:
            out.append(
                _("plan.json names unknown term '{name}' (terms are {terms})").format(
                    name=name, terms=", ".join(TERMS)
                )
            )
        elif terms[name] != value:
            actual = _(_TERM_CLAIMS.get(name, N_("the plan gives {}"))).format(terms[name])
            out.append(
                _("plan.json says {name} = {value} but {actual}").format(
                    name=name, value=value, actual=actual
                )
            )
    return out
