"""Which single-pair hard rules forbid one cadre–target pair, in the words of the policy (for
changes against last semester and for explanations)."""

from __future__ import annotations

import pandas as pd

from planner.contract import KIND_LABELS_ZH, Kind
from planner.i18n import gettext as _
from planner.policy import H1, H3, H5, S3
from planner.scenario import Scenario
from planner.solver.eligibility import (
    COLS,
    campus_hard,
    h3_department_of_origin,
    h5_dorm_gender,
    kind_allowed,
)
from planner.words import chinese, kind_word, role_name


def why_not(pair: pd.Series, scenario: Scenario) -> list[str]:
    """The single-pair rules that forbid one pair, in plain words (empty if allowed)."""
    frame = pair.to_frame().T.reset_index(drop=True)
    kind = Kind(pair[COLS.kind])
    what = kind_word(kind.value) if chinese() else kind.value
    reasons = []
    if not kind_allowed(frame, scenario)[0]:
        reasons.append(
            _("{rule}: the scenario gives role {role} no {kind} ({label}) to hold").format(
                rule=H1.label,
                role=role_name(pair[COLS.role]) if chinese() else pair[COLS.role],
                kind=kind.value,
                label=KIND_LABELS_ZH[kind],
            )
        )
    if not h3_department_of_origin(frame, scenario)[0]:
        target_college = pair[COLS.target_college]
        where = (
            _("college {college}").format(college=target_college)
            if isinstance(target_college, str)
            else _("university level on campus {campus}").format(campus=pair[COLS.target_campus])
        )
        reasons.append(
            _("{rule}: the cadre belongs to college {college}, the {kind} to {where}").format(
                rule=H3.label, college=pair[COLS.cadre_college], kind=what, where=where
            )
        )
    if not h5_dorm_gender(frame, scenario)[0]:
        reasons.append(
            _("{rule}: the dorm room houses students of the other gender").format(rule=H5.label)
        )
    if not campus_hard(frame, scenario)[0]:
        reasons.append(
            _("{rule}: the cadre is on {cadre_campus}, the {kind} on {target_campus}").format(
                rule=S3.made_hard,
                cadre_campus=pair[COLS.cadre_campus],
                kind=what,
                target_campus=pair[COLS.target_campus],
            )
        )
    return reasons
