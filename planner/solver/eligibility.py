"""Who may hold what: the hard rules that act on one cadre–target pair.

H3 Department of origin, H5 Dorm gender, the hard campus rule and the per-role kinds are rules
on a single pair, so the model never creates a variable for a pair they forbid. Each function
takes aligned arrays (one element per pair) and returns a boolean mask, so the same code serves
pools × groups in the model and single pairs (pins, previous contacts) in diagnoses; the
words for a forbidden pair are in :mod:`planner.explain.forbidden`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from planner.contract import Kind, Role
from planner.scenario import Scenario


@dataclass(frozen=True)
class PairColumns:
    """Column names of a pair frame: cadre side and target side."""

    role: str = "role"
    cadre_college: str = "cadre_college"
    cadre_campus: str = "cadre_campus"
    cadre_gender: str = "cadre_gender"
    kind: str = "kind"
    target_college: str = "target_college"
    target_campus: str = "target_campus"
    target_gender: str = "target_gender"


COLS = PairColumns()


def pair_frame(cadre_side: pd.DataFrame, target_side: pd.DataFrame) -> pd.DataFrame:
    """One row per pair, in the column names every rule here reads (:class:`PairColumns`).

    ``cadre_side`` has ``role, college, campus, gender`` and ``target_side`` ``kind, college,
    campus, gender``, aligned row by row (any further columns are ignored).
    """
    return pd.DataFrame(
        {
            "role": cadre_side["role"].to_numpy(),
            "cadre_college": cadre_side["college"].to_numpy(),
            "cadre_campus": cadre_side["campus"].to_numpy(),
            "cadre_gender": cadre_side["gender"].to_numpy(),
            "kind": target_side["kind"].to_numpy(),
            "target_college": target_side["college"].to_numpy(),
            "target_campus": target_side["campus"].to_numpy(),
            "target_gender": target_side["gender"].to_numpy(),
        }
    )


def kind_allowed(pairs: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """H1 (per kind): the role's duty allows at least one target of this kind."""
    roles = pairs[COLS.role].to_numpy()
    kinds = pairs[COLS.kind].to_numpy()
    allowed = np.ones(len(pairs), dtype=bool)
    for role in pd.unique(roles):
        duty = scenario.duty(role)
        closed = [kind.value for kind in Kind if duty.kind_range(kind).max == 0]
        if closed:
            allowed[(roles == role) & np.isin(kinds, closed)] = False
    return allowed


def h3_department_of_origin(pairs: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """H3 Department of origin [四(1)]: a college-role cadre holds only own-college targets.

    A university-level society (blank college) on the cadre's own campus also counts as the
    cadre's own. Central roles (placed by the SAO) may hold any target.
    """
    roles = pairs[COLS.role]
    binds = roles.map({r: scenario.origin.applies_to(Role(r)) for r in roles.unique()})
    binds = binds.to_numpy(bool)
    same_college = (pairs[COLS.cadre_college] == pairs[COLS.target_college]).to_numpy(bool)
    university_society = (
        (pairs[COLS.kind] == Kind.SOCIETY.value).to_numpy(bool)
        & pairs[COLS.target_college].isna().to_numpy(bool)
        & (pairs[COLS.cadre_campus] == pairs[COLS.target_campus]).to_numpy(bool)
    )
    return ~binds | same_college | university_society


def h5_dorm_gender(pairs: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """H5 Dorm gender: a cadre holds only a dorm room of their own gender (when hard)."""
    if scenario.dorm_gender != "hard":
        return np.ones(len(pairs), dtype=bool)
    return ~dorm_gender_mismatch(pairs)


def campus_hard(pairs: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Campus rule as a hard rule: a cadre holds only targets on their own campus."""
    if scenario.campus != "hard":
        return np.ones(len(pairs), dtype=bool)
    return ~cross_campus(pairs)


def dorm_gender_mismatch(pairs: pd.DataFrame) -> np.ndarray:
    """The pair is a dorm room of the other gender."""
    return (pairs[COLS.kind] == Kind.DORM.value).to_numpy(bool) & (
        pairs[COLS.cadre_gender] != pairs[COLS.target_gender]
    ).to_numpy(bool)


def cross_campus(pairs: pd.DataFrame) -> np.ndarray:
    """The target is on another campus than the cadre."""
    return (pairs[COLS.cadre_campus] != pairs[COLS.target_campus]).to_numpy(bool)


def eligible(pairs: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Every single-pair hard rule at once."""
    return (
        kind_allowed(pairs, scenario)
        & h3_department_of_origin(pairs, scenario)
        & h5_dorm_gender(pairs, scenario)
        & campus_hard(pairs, scenario)
    )
