"""Why a target is left without a cadre, in the words of the policy.

Every class, branch and society below its coverage minimum gets one reason in
``uncovered.csv`` and the workbook.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.capacity import targets_words
from planner.contract import Kind
from planner.plan import UNCOVERED_COLUMNS
from planner.problem import Problem


def uncovered_targets(
    problem: Problem, covered: np.ndarray, capacity: pd.DataFrame
) -> pd.DataFrame:
    """Coverable targets below their minimum, each with a reason in words."""
    p = problem
    t = p.targets
    coverable = t["kind"].map(lambda k: p.scenario.kinds[Kind(k)].coverage != "off").to_numpy()
    mask = coverable & ~covered
    rows = t[mask]
    reachable = set(p.arcs["group"]) | set(p.keeps["group"])
    cap = capacity.set_index("college")
    n_central = int(p.cadres["central"].sum())
    reasons = []
    for _, row in rows.iterrows():
        college = row["college"]
        if row["group"] not in reachable:
            forbids = p.forbids[p.forbids["target"] == row.name]
            if len(forbids):
                why = f"pinned away (forbid pin row(s) {', '.join(map(str, forbids['row']))})"
            else:
                why = "no available cadre in this plan's scope may hold it under the hard rules"
                if isinstance(college, str):
                    why += f" (H3: only cadres of {college}"
                    why += ", or central cadres)" if p.scope != "college=" + college else ")"
                if row["kind"] == Kind.DORM.value:
                    why += "; H5 dorm gender also applies"
            reasons.append(why)
            continue
        if isinstance(college, str) and college in cap.index:
            c = cap.loc[college]
            central = (
                f"; the {n_central} central cadres who could come in are all needed at targets "
                "of equal priority"
                if n_central
                else ""
            )
            reasons.append(
                f"college {college} has {targets_words(c)} to cover but {c['available']} "
                f"available cadre(s){central}"
            )
        else:
            reasons.append(
                f"university-level society on {row['campus']}: every cadre who may hold it is "
                "needed at a target of equal or higher priority"
            )
    names = {
        "id": "target_id",
        "name": "target_name",
        "college": "target_college",
        "campus": "target_campus",
    }
    out = rows.rename(columns=names).assign(reason=reasons)
    return out[UNCOVERED_COLUMNS].reset_index(drop=True)
