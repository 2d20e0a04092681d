"""Coverage tables for the charts, computed from a plan's assignments and the targets.

A target counts as *covered* when at least one cadre holds it and the plan does not list it
as uncovered (``plan.uncovered`` lists classes, branches and societies below their coverage
minimum; dorms are never listed there, so a dorm is covered when it holds a cadre).
"""

from __future__ import annotations

import pandas as pd

from planner.contract import KINDS


def target_coverage(
    assignments: pd.DataFrame,
    targets: pd.DataFrame,
    uncovered: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The targets frame (``Dataset.targets()``) with ``cadres`` (int) and ``covered`` (bool).

    ``assignments`` needs ``kind, target_id``; ``uncovered``, when given, ``kind, target_id``.
    """
    out = targets.copy()
    key = pd.MultiIndex.from_arrays([out["kind"].astype(str), out["id"].astype(str)])
    if len(assignments):
        counts = assignments.groupby(
            [assignments["kind"].astype(str), assignments["target_id"].astype(str)]
        ).size()
        out["cadres"] = counts.reindex(key, fill_value=0).to_numpy().astype(int)
    else:
        out["cadres"] = 0
    covered = out["cadres"] > 0
    if uncovered is not None and len(uncovered):
        listed = pd.MultiIndex.from_arrays(
            [uncovered["kind"].astype(str), uncovered["target_id"].astype(str)]
        )
        covered &= ~key.isin(listed)
    out["covered"] = covered.to_numpy()
    return out


def campus_kind_coverage(
    assignments: pd.DataFrame,
    targets: pd.DataFrame,
    uncovered: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Coverage by target campus × kind: ``campus, kind, targets, covered`` (one row each)."""
    per_target = target_coverage(assignments, targets, uncovered)
    table = (
        per_target.groupby(["campus", "kind"], sort=False)
        .agg(targets=("id", "size"), covered=("covered", "sum"))
        .reset_index()
    )
    table["covered"] = table["covered"].astype(int)
    order = {kind.value: i for i, kind in enumerate(KINDS)}
    table = table.sort_values(
        ["campus", "kind"], key=lambda s: s.map(order) if s.name == "kind" else s
    )
    return table.reset_index(drop=True)[["campus", "kind", "targets", "covered"]]


def dorm_campus_grade_coverage(assignments: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Dorm coverage by campus × entry year: ``campus, grade, targets, covered``.

    ``grade`` is a nullable integer; dorms whose entry year is unknown form their own group
    with ``grade`` = ``<NA>``.
    """
    per_target = target_coverage(assignments, targets[targets["kind"] == "dorm"])
    table = (
        per_target.groupby(["campus", "grade"], dropna=False, sort=True)
        .agg(targets=("id", "size"), covered=("covered", "sum"))
        .reset_index()
    )
    table["grade"] = table["grade"].astype("Int64")
    table["covered"] = table["covered"].astype(int)
    return table[["campus", "grade", "targets", "covered"]]
