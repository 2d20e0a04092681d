"""Capacity before solving: per college, targets to cover against cadres who can cover them.

This is what an SAO officer checks first ("法学院 has 25 classes, 3 branches and 2 societies to
cover but 22 available cadres"), shown by ``planner validate``, in ``plan.json`` and in the
reasons of ``uncovered.csv``.
"""

from __future__ import annotations

import pandas as pd

from planner.contract import Kind
from planner.dataset import Dataset
from planner.scenario import Scenario

COVERABLE_KINDS = (Kind.CLASS, Kind.BRANCH, Kind.SOCIETY)


def college_capacity(dataset: Dataset, scenario: Scenario | None = None) -> pd.DataFrame:
    """One row per college: coverable targets by kind, cadres available and on leave.

    Columns: ``college, name, campus, class, branch, society, dorm, coverable, available,
    on_leave, short`` where ``short`` is how many coverable targets stay uncovered at least
    unless central cadres are placed in the college.
    """
    scenario = scenario or Scenario()
    targets = dataset.targets()
    counts = (
        targets[targets["college"].notna()]
        .groupby(["college", "kind"])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=[k.value for k in Kind], fill_value=0)
    )
    college_cadres = dataset.cadres[~dataset.cadres["central"]]
    available = college_cadres[college_cadres["available"]].groupby("unit").size()
    on_leave = college_cadres[~college_cadres["available"]].groupby("unit").size()
    frame = dataset.colleges[["id", "name", "campus"]].rename(columns={"id": "college"})
    frame = frame.set_index("college").join(counts).fillna(0)
    coverable = [k.value for k in COVERABLE_KINDS if scenario.kinds[k].coverage != "off"]
    frame["coverable"] = frame[coverable].sum(axis=1) if coverable else 0
    frame["available"] = available.reindex(frame.index).fillna(0)
    frame["on_leave"] = on_leave.reindex(frame.index).fillna(0)
    frame["short"] = (frame["coverable"] - frame["available"]).clip(lower=0)
    numeric = [k.value for k in Kind] + ["coverable", "available", "on_leave", "short"]
    frame[numeric] = frame[numeric].astype(int)
    return frame.reset_index()


def targets_words(row: pd.Series) -> str:
    """ "25 classes, 3 branches and 2 societies" for one capacity row."""
    words = {
        "class": ("class", "classes"),
        "branch": ("branch", "branches"),
        "society": ("society", "societies"),
    }
    parts = [
        f"{int(row[k])} {words[k][0] if int(row[k]) == 1 else words[k][1]}"
        for k in ("class", "branch", "society")
        if int(row[k]) > 0
    ]
    if not parts:
        return "no class, branch or society"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def capacity_notes(capacity: pd.DataFrame, central_available: int) -> list[str]:
    """Plain-language lines for the colleges that cannot cover their targets alone."""
    notes = []
    for _, row in capacity[capacity["short"] > 0].iterrows():
        leave = f" ({row['on_leave']} on leave)" if row["on_leave"] else ""
        notes.append(
            f"{row['name']} ({row['college']}): {targets_words(row)} need a cadre; "
            f"{row['available']} college cadre(s) are available{leave}; at least "
            f"{row['short']} target(s) stay uncovered unless central cadres are placed here "
            f"({central_available} central cadres are available in all)."
        )
    return notes


def central_available(dataset: Dataset) -> int:
    """Available cadres of central roles."""
    c = dataset.cadres
    return int((c["central"] & c["available"]).sum())
