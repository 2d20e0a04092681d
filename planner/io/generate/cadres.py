"""The cadres of a generated data set: central roles, and each college's leaders, department
heads, professors and young teachers, with those who have left and those just hired.

The draws follow one fixed order (the data set is reproducible from its seed): the colleges
short of cadres and every college's staff, the offices of office leaders, genders, campuses,
ids, who has left, who is new, who is on leave.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.contract import Role
from planner.io.generate.draws import apportion, person_names
from planner.io.generate.vocabulary import (
    CAMPUSES,
    DEPARTED_SHARE,
    LEAGUE_UNIT,
    MALE_SHARE,
    NEW_SHARE,
    OFF_CAMPUS_SHARE,
    OFFICES,
    ON_LEAVE_SHARE,
    SAO_UNIT,
    SCHOOL_LEADER_UNIT,
    SHORT_SHARE,
    Preset,
)

COLLEGE_ROLES = (Role.COLLEGE_LEADER, Role.DEPT_LEADER, Role.PROFESSOR, Role.YOUNG_TEACHER)
"""A college's roles: a leadership team, department heads, professors, young teachers."""


def make_cadres(
    rng: np.random.Generator,
    sizes: Preset,
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    branches: pd.DataFrame,
    societies: pd.DataFrame,
) -> pd.DataFrame:
    """Cadres, including those who have left (``departed``, not written) and new hires (``new``).

    Columns beyond the contract: ``college`` (the unit of a college role, else ``""``),
    ``departed`` and ``new``. Also sets ``colleges["short"]``: the few colleges given fewer
    cadres than classes, branches and societies.
    """
    n_current = sizes.cadres
    n_departed = max(1, round(DEPARTED_SHARE * n_current))
    total = n_current + n_departed
    n_school = sizes.school_leaders
    n_office = max(1, round(0.05 * total))
    n_sao = max(1, round(0.013 * total))
    n_league = max(1, round(0.009 * total))
    n_college = total - n_school - n_office - n_sao - n_league
    per_college = _college_staff(rng, colleges, classes, branches, societies, n_college)
    central_roles = np.array(
        [Role.SCHOOL_LEADER] * n_school
        + [Role.OFFICE_LEADER] * n_office
        + [Role.SAO_CADRE] * n_sao
        + [Role.LEAGUE_CADRE] * n_league,
        dtype=object,
    )
    role, college_idx = _roles(central_roles, per_college)
    is_college = college_idx >= 0
    unit = _units(rng, central_roles, college_idx, colleges)
    count = len(role)
    male = rng.random(count) < np.array([MALE_SHARE[r] for r in role])
    campus_names = np.array([c for c, _, _ in CAMPUSES[: sizes.campuses]])
    share = np.array([s for _, _, s in CAMPUSES[: sizes.campuses]])
    any_campus = campus_names[rng.choice(len(campus_names), size=count, p=share / share.sum())]
    own_campus = colleges["campus"].to_numpy()[np.maximum(college_idx, 0)]
    campus = np.where(is_college & (rng.random(count) >= OFF_CAMPUS_SHARE), own_campus, any_campus)
    ids = rng.choice(999_999, size=count, replace=False) + 1
    departed, new = _comings_and_goings(rng, count, n_school, n_departed)
    available = np.where(rng.random(count) < ON_LEAVE_SHARE, "no", "yes")
    return pd.DataFrame(
        {
            "id": np.char.zfill(ids.astype(str), 6),
            "name": person_names(rng, male),
            "gender": np.where(male, "M", "F"),
            "role": [str(r) for r in role],
            "unit": unit,
            "campus": campus,
            "available": available,
            "college": np.where(is_college, unit, ""),
            "departed": departed,
            "new": new,
        }
    )


def _college_staff(
    rng: np.random.Generator,
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    branches: pd.DataFrame,
    societies: pd.DataFrame,
    n_college: int,
) -> np.ndarray:
    """Cadres per college: proportional to what the college must cover, except a few short
    colleges (marked in ``colleges["short"]``)."""
    need = (
        classes.groupby("college").size().reindex(colleges["id"], fill_value=0)
        + branches.groupby("college").size().reindex(colleges["id"], fill_value=0)
        + societies[societies["college"] != ""]
        .groupby("college")
        .size()
        .reindex(colleges["id"], fill_value=0)
    ).to_numpy()
    n = len(colleges)
    n_short = max(1, round(SHORT_SHARE * n)) if n >= 3 else 0
    smaller_half = np.argsort(need, kind="stable")[: max(n_short, n // 2)]
    short = np.zeros(n, dtype=bool)
    short[rng.choice(smaller_half, size=n_short, replace=False)] = True
    per_college = np.zeros(n, dtype=np.int64)
    per_college[short] = np.maximum(2, np.floor(need[short] * rng.uniform(0.45, 0.8, n_short)))
    budget = max(n_college - int(per_college[short].sum()), 2 * int((~short).sum()))
    per_college[~short] = apportion(
        budget, need[~short] * rng.uniform(0.75, 1.35, int((~short).sum())), minimum=2
    )
    colleges["short"] = short
    return per_college


def _roles(central_roles: np.ndarray, per_college: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every cadre's role (central ones first) and college index (-1 for a central role)."""
    n = len(per_college)
    n_leaders = np.clip(np.round(per_college * 0.1), 1, 8).astype(np.int64)
    n_depts = np.round(per_college * 0.15).astype(np.int64)
    n_profs = np.round(per_college * 0.08).astype(np.int64)
    n_young = per_college - n_leaders - n_depts - n_profs
    role_counts = np.stack([n_leaders, n_depts, n_profs, n_young], axis=1)
    c_college = np.repeat(np.repeat(np.arange(n), 4), role_counts.ravel())
    c_role = np.repeat(np.tile(np.array(COLLEGE_ROLES, dtype=object), n), role_counts.ravel())
    role = np.concatenate([central_roles, c_role])
    college_idx = np.concatenate([np.full(len(central_roles), -1), c_college])
    return role, college_idx


def _units(
    rng: np.random.Generator,
    central_roles: np.ndarray,
    college_idx: np.ndarray,
    colleges: pd.DataFrame,
) -> np.ndarray:
    """Every cadre's unit: an office for a central role, the college id for a college role."""
    unit = np.empty(len(college_idx), dtype=object)
    unit[np.flatnonzero(central_roles == Role.SCHOOL_LEADER)] = SCHOOL_LEADER_UNIT
    office_pos = np.flatnonzero(central_roles == Role.OFFICE_LEADER)
    unit[office_pos] = np.array(OFFICES)[rng.integers(len(OFFICES), size=len(office_pos))]
    unit[np.flatnonzero(central_roles == Role.SAO_CADRE)] = SAO_UNIT
    unit[np.flatnonzero(central_roles == Role.LEAGUE_CADRE)] = LEAGUE_UNIT
    is_college = college_idx >= 0
    unit[is_college] = colleges["id"].to_numpy()[college_idx[is_college]]
    return unit


def _comings_and_goings(
    rng: np.random.Generator, count: int, n_school: int, n_departed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Who has left since last semester and who is new this semester."""
    # the departed are drawn from everybody but the school leaders, so their count stays
    departed = np.zeros(count, dtype=bool)
    departed[rng.choice(np.arange(n_school, count), size=n_departed, replace=False)] = True
    current = np.flatnonzero(~departed)
    new = np.zeros(count, dtype=bool)
    new[rng.choice(current, size=round(NEW_SHARE * len(current)), replace=False)] = True
    return departed, new
