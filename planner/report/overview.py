"""The figures of a plan per college, as tables (pandas only): what the approval pack prints
and a summary sheet shows.

:func:`college_summary` has one row per college of the plan's scope (and one for the
university-level societies when there are any): its cadres, those on leave, covered/total per
kind, the central cadres placed there, the changes since last semester and the uncovered
targets. :func:`key_figures` sums a plan (or one college's part of it).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from planner.contract import CENTRAL_ROLES, KINDS
from planner.dataset import Dataset
from planner.plan import Plan

UNIVERSITY = ""
"""The ``college`` of the summary row of university-level targets (societies of no college)."""

SUMMARY_COLUMNS = [
    "college",
    "college_name",
    "cadres",
    "on_leave",
    *[f"{k.value}_{part}" for k in KINDS for part in ("covered", "targets")],
    "central_placed",
    "changes",
    "uncovered",
]
"""Columns of :func:`college_summary`."""


def _central(roles: pd.Series) -> pd.Series:
    return roles.isin({r.value for r in CENTRAL_ROLES})


def change_colleges(plan: Plan, data: Dataset) -> pd.Series:
    """The college each change of ``plan.changes`` belongs to: its target's college, or, for
    a target that no longer exists, the cadre's own college (``UNIVERSITY`` when neither)."""
    t = data.targets()
    of_target = dict(zip(zip(t["kind"], t["id"], strict=True), t["college"], strict=True))
    cadres = data.cadres.set_index("id")
    of_cadre = cadres["college"].where(~cadres["central"], None).to_dict()
    colleges = []
    for kind, target, cadre in zip(
        plan.changes["kind"], plan.changes["target_id"], plan.changes["cadre_id"], strict=True
    ):
        key = (kind, target)
        college = of_target[key] if key in of_target else of_cadre.get(cadre)
        colleges.append(college if isinstance(college, str) and college else UNIVERSITY)
    return pd.Series(colleges, index=plan.changes.index, dtype=object)


def college_summary(plan: Plan, data: Dataset) -> pd.DataFrame:
    """One row per college of the plan's scope (see the module docstring); counts are ints.

    ``changes`` counts the changes that are not "kept" (moved, new, ended).
    """
    names = dict(zip(data.colleges["id"], data.colleges["name"], strict=True))
    coverage = plan.coverage.assign(
        college=plan.coverage["college"].where(plan.coverage["college"].isin(names), UNIVERSITY)
    )
    order = [c for c in data.colleges["id"] if c in set(coverage["college"])]
    if (coverage["college"] == UNIVERSITY).any():
        order.append(UNIVERSITY)
    frame = pd.DataFrame({"college": order})
    frame["college_name"] = [names.get(c, "") for c in order]

    own = data.cadres[~data.cadres["central"]]
    frame["cadres"] = frame["college"].map(own.groupby("unit").size()).fillna(0)
    on_leave = own[~own["available"]].groupby("unit").size()
    frame["on_leave"] = frame["college"].map(on_leave).fillna(0)
    for kind in KINDS:
        rows = coverage[coverage["kind"] == kind.value].groupby("college")
        frame[f"{kind.value}_covered"] = frame["college"].map(rows["covered"].sum()).fillna(0)
        frame[f"{kind.value}_targets"] = frame["college"].map(rows["targets"].sum()).fillna(0)
    a = plan.assignments
    placed = a[_central(a["role"])]["target_college"].fillna(UNIVERSITY)
    frame["central_placed"] = frame["college"].map(placed.value_counts()).fillna(0)
    changed = change_colleges(plan, data)[plan.changes["status"] != "kept"]
    frame["changes"] = frame["college"].map(changed.value_counts()).fillna(0)
    uncovered = plan.uncovered["target_college"].where(
        plan.uncovered["target_college"].isin(names), UNIVERSITY
    )
    frame["uncovered"] = frame["college"].map(uncovered.value_counts()).fillna(0)
    counts = [c for c in SUMMARY_COLUMNS if c not in ("college", "college_name")]
    frame[counts] = frame[counts].astype(int)
    return frame[SUMMARY_COLUMNS]


@dataclass(frozen=True)
class KeyFigures:
    """A plan's key figures (or one college's part of them)."""

    covered: dict[str, int]
    """Targets of each kind holding a cadre (and not listed as uncovered)."""
    targets: dict[str, int]
    """Targets of each kind the plan was responsible for."""
    cadres: int
    """Cadres holding a target."""
    kept: int
    """Contacts kept from last semester."""
    cross_campus: int
    """Contacts on another campus than the cadre's."""
    uncovered: int
    """Classes, branches and societies left without a cadre."""


def key_figures(plan: Plan, college: str | None = None) -> KeyFigures:
    """The key figures of ``plan``; with ``college``, of its targets and cadres only."""
    a, cov, unc = plan.assignments, plan.coverage, plan.uncovered
    if college is not None:
        a = a[(a["target_college"] == college) | (a["cadre_college"] == college)]
        cov = cov[cov["college"] == college]
        unc = unc[unc["target_college"] == college]
    by_kind = cov.groupby("kind")[["covered", "targets"]].sum()
    return KeyFigures(
        covered={k.value: int(by_kind["covered"].get(k.value, 0)) for k in KINDS},
        targets={k.value: int(by_kind["targets"].get(k.value, 0)) for k in KINDS},
        cadres=int(a["cadre_id"].nunique()),
        kept=int(a["kept"].sum()),
        cross_campus=int((a["cadre_campus"] != a["target_campus"]).sum()),
        uncovered=len(unc),
    )
