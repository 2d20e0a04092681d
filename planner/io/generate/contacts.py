"""The optional columns of data contract v1.1: cadres' ``title``, ``phone``, ``email`` and
classes' ``counsellor`` and ``head_teacher``, drawn from a random stream of their own so that
every other generated column is what it was before v1.1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.contract import Role
from planner.io.generate.draws import person_names, rank_within

TITLES: dict[Role, tuple[str, ...]] = {
    Role.SCHOOL_LEADER: ("党委书记", "校长", "党委副书记", "副校长"),
    Role.OFFICE_LEADER: ("处长", "副处长", "副处长", "部长", "副部长"),
    Role.SAO_CADRE: ("副处长", "科长", "副科长", "科员", "科员"),
    Role.LEAGUE_CADRE: ("团委副书记", "团委干事", "团委干事"),
    Role.COLLEGE_LEADER: ("党委书记", "院长", "党委副书记", "副院长"),
    Role.DEPT_LEADER: ("系主任", "副系主任", "副系主任"),
    Role.PROFESSOR: ("教授",),
    Role.YOUNG_TEACHER: ("讲师", "讲师", "副教授", "助理教授"),
}
"""What a roster's 职务 column holds for each role; a leadership team (:data:`RANKED`) takes
its titles in this order, the last one repeated."""

RANKED = frozenset({Role.SCHOOL_LEADER, Role.COLLEGE_LEADER})
"""Roles whose members are a team with one holder per title (the first is the secretary)."""

BLANK_SHARE = 0.05
"""Share of optional v1.1 cells left blank, as real rosters leave some."""


def add_contact_columns(
    rng: np.random.Generator, cadres: pd.DataFrame, classes: pd.DataFrame
) -> None:
    """The optional v1.1 columns: cadres' ``title``, ``phone``, ``email``; classes'
    ``counsellor`` (one per college and grade) and ``head_teacher`` (one per class)."""
    n = len(cadres)
    rank = rank_within((cadres["role"] + "|" + cadres["unit"]).to_numpy())
    draw = rng.integers(60, size=n)
    title = np.array(
        [
            pool[min(r, len(pool) - 1)] if Role(role) in RANKED else pool[d % len(pool)]
            for role, r, d in zip(cadres["role"], rank, draw, strict=True)
            for pool in [TITLES[Role(role)]]
        ]
    )
    prefix = np.array(["138", "139", "136", "150", "158", "186", "188"])[rng.integers(7, size=n)]
    phone = np.char.add(prefix, np.char.zfill(rng.integers(10**8, size=n).astype(str), 8))
    blank = rng.random((3, n)) < BLANK_SHARE
    cadres["title"] = np.where(blank[0], "", title)
    cadres["phone"] = np.where(blank[1], "", phone)
    cadres["email"] = np.where(blank[2], "", cadres["id"] + "@example.com")
    groups = classes["college"] + "-" + classes["grade"].astype(str)
    codes, unique = pd.factorize(groups)
    counsellors = person_names(rng, rng.random(len(unique)) < 0.5)
    classes["counsellor"] = counsellors[codes]
    teachers = person_names(rng, rng.random(len(classes)) < 0.5)
    classes["head_teacher"] = np.where(rng.random(len(classes)) < BLANK_SHARE, "", teachers)
