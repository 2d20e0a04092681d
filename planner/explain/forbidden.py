"""Which single-pair hard rules forbid one cadre–target pair, in the words of the policy (for
changes against last semester and for explanations)."""

from __future__ import annotations

import pandas as pd

from planner.contract import KIND_LABELS_ZH, Kind
from planner.policy import H1, H3, H5, S3
from planner.scenario import Scenario
from planner.solver.eligibility import (
    COLS,
    campus_hard,
    h3_department_of_origin,
    h5_dorm_gender,
    kind_allowed,
)


def why_not(pair: pd.Series, scenario: Scenario) -> list[str]:
    """The single-pair rules that forbid one pair, in plain words (empty if allowed)."""
    frame = pair.to_frame().T.reset_index(drop=True)
    kind = Kind(pair[COLS.kind])
    reasons = []
    if not kind_allowed(frame, scenario)[0]:
        reasons.append(
            f"{H1.label}: the scenario gives role {pair[COLS.role]} no {kind.value} "
            f"({KIND_LABELS_ZH[kind]}) to hold"
        )
    if not h3_department_of_origin(frame, scenario)[0]:
        target_college = pair[COLS.target_college]
        where = (
            f"college {target_college}"
            if isinstance(target_college, str)
            else f"university level on campus {pair[COLS.target_campus]}"
        )
        reasons.append(
            f"{H3.label}: the cadre belongs to college {pair[COLS.cadre_college]}, "
            f"the {kind.value} to {where}"
        )
    if not h5_dorm_gender(frame, scenario)[0]:
        reasons.append(f"{H5.label}: the dorm room houses students of the other gender")
    if not campus_hard(frame, scenario)[0]:
        reasons.append(
            f"{S3.made_hard}: the cadre is on {pair[COLS.cadre_campus]}, "
            f"the {kind.value} on {pair[COLS.target_campus]}"
        )
    return reasons
