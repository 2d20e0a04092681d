"""Last semester and the pins of a generated data set: ``previous`` (with cadres who have
left and classes that have graduated) and pins that agree with the hard rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.contract import Kind, Role
from planner.io.generate.draws import index_by
from planner.io.generate.vocabulary import GRADES, GRADUATED_GRADE


def target_frame(
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    dorms: pd.DataFrame,
    societies: pd.DataFrame,
    branches: pd.DataFrame,
) -> pd.DataFrame:
    """Every target in one frame, plus the classes that graduated after last semester.

    Columns: ``kind, id, college`` (``""`` for a university-level society), ``campus, gender``
    (dorms only), ``grade`` (0 where unknown), ``exists`` (False for a graduated class).
    """
    newest = classes[classes["grade"] == GRADES[-1]]
    graduated = pd.DataFrame(
        {
            "id": str(GRADUATED_GRADE) + newest["id"].str.slice(len(str(GRADES[-1]))),
            "college": newest["college"],
            "campus": newest["campus"],
            "grade": GRADUATED_GRADE,
            "exists": False,
        }
    )
    parts = [
        classes[["id", "college", "campus", "grade"]].assign(kind=str(Kind.CLASS), exists=True),
        graduated.assign(kind=str(Kind.CLASS)),
        dorms[["id", "college", "campus", "gender", "grade"]].assign(
            kind=str(Kind.DORM), exists=True
        ),
        societies[["id", "college", "campus"]].assign(kind=str(Kind.SOCIETY), exists=True),
        branches[["id", "college", "campus"]].assign(kind=str(Kind.BRANCH), exists=True),
    ]
    frame = pd.concat(parts, ignore_index=True)
    frame["gender"] = frame["gender"].fillna("")
    frame["grade"] = frame["grade"].fillna(0).astype(int)
    return frame[["kind", "id", "college", "campus", "gender", "grade", "exists"]]


def make_previous(
    rng: np.random.Generator, cadres: pd.DataFrame, targets: pd.DataFrame
) -> pd.DataFrame:
    """Last semester's approved plan: one target per cadre who was there, within the rules.

    This year's freshmen classes did not exist yet; the classes that have since graduated did.
    College cadres held targets of their own college (classes, branches and societies first),
    dorms of their own gender; school leaders held classes or branches of distinct colleges;
    the other central cadres covered what was left, then dorms on their campus.
    """
    last = cadres[~cadres["new"]]
    kind = targets["kind"].to_numpy()
    was_there = ~((kind == Kind.CLASS) & (targets["grade"].to_numpy() == GRADES[-1]))
    free = was_there.copy()
    non_dorm = kind != Kind.DORM
    holder = np.full(len(targets), -1, dtype=np.int64)  # row of ``cadres`` holding the target
    # target rows by (college, slot) and (campus, slot): slot "all" for classes, branches and
    # societies, the gender for dorms; built once, filtered by ``free`` when used
    slot = np.char.add("/", np.where(non_dorm, "all", targets["gender"].to_numpy()).astype(str))
    by_college = index_by(pd.Series(np.char.add(targets["college"].to_numpy().astype(str), slot)))
    by_campus = index_by(pd.Series(np.char.add(targets["campus"].to_numpy().astype(str), slot)))
    empty = np.array([], dtype=np.int64)

    def free_in(groups: dict[str, np.ndarray], key: str) -> np.ndarray:
        rows = groups.get(key, empty)
        return rows[free[rows]]

    def give(cadre_rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
        """Give ``pool`` targets to ``cadre_rows`` in random order; return who got nothing."""
        pool = rng.permutation(pool)
        cadre_rows = rng.permutation(cadre_rows)
        k = min(len(pool), len(cadre_rows))
        holder[pool[:k]] = cadre_rows[:k]
        free[pool[:k]] = False
        return cadre_rows[k:]

    c_gender = cadres["gender"].to_numpy()
    c_campus = cadres["campus"].to_numpy()
    college_of = last["college"].to_numpy()
    rows = last.index.to_numpy()
    college_rows = rows[college_of != ""]
    for college, mine in index_by(pd.Series(college_of[college_of != ""])).items():
        pool = free_in(by_college, f"{college}/all")
        # most, not all, of a college's classes, branches and societies were covered
        pool = rng.permutation(pool)[: round(0.92 * len(pool))]
        left = give(college_rows[mine], pool)
        for g in ("M", "F"):
            give(left[c_gender[left] == g], free_in(by_college, f"{college}/{g}"))

    role = last["role"].to_numpy()
    leaders = rows[role == Role.SCHOOL_LEADER]
    colleges = rng.permutation(sorted({c for c in targets["college"] if c}))[: len(leaders)]
    for leader, college in zip(leaders, colleges, strict=False):
        pool = free_in(by_college, f"{college}/all")
        pool = pool[np.isin(kind[pool], [Kind.CLASS, Kind.BRANCH])]
        if len(pool):
            give(np.array([leader]), pool)

    central = rng.permutation(rows[(college_of == "") & (role != Role.SCHOOL_LEADER)])
    half = len(central) // 2
    give(central[:half], np.flatnonzero(free & non_dorm))
    rest = central[half:]
    rest_key = np.char.add(np.char.add(c_campus[rest].astype(str), "/"), c_gender[rest].astype(str))
    for key, members in index_by(pd.Series(rest_key)).items():
        give(rest[members], free_in(by_campus, key))

    held = np.flatnonzero(holder >= 0)
    held = held[np.argsort(holder[held], kind="stable")]  # in roster order
    return pd.DataFrame(
        {
            "cadre": cadres["id"].to_numpy()[holder[held]],
            "kind": kind[held],
            "target": targets["id"].to_numpy()[held],
        }
    )


def make_pins(
    rng: np.random.Generator,
    colleges: pd.DataFrame,
    cadres: pd.DataFrame,
    targets: pd.DataFrame,
    previous: pd.DataFrame,
) -> pd.DataFrame:
    """Two to five pins that agree with each other and with every hard rule.

    Always a ``require`` (a college cadre to a freshman class of their college) and a ``forbid``
    (a college cadre and last semester's target); then, in this order, a school leader required
    for a branch, a league cadre required for a university-level society, and a SAO cadre
    forbidden a class. Every pin has its own cadre; no target is required twice.
    """
    ok = (cadres["available"] == "yes") & ~cadres["departed"]
    existing = targets[targets["exists"]]
    used_cadres: set[str] = set()
    required: set[str] = set()
    pins: list[tuple[str, str, str, str]] = []

    def pick_cadre(mask: pd.Series) -> pd.Series | None:
        pool = cadres[mask & ok & ~cadres["id"].isin(used_cadres)]
        if pool.empty:
            return None
        row = pool.iloc[int(rng.integers(len(pool)))]
        used_cadres.add(row["id"])
        return row

    def pick_target(mask: pd.Series) -> pd.Series | None:
        pool = existing[mask & ~existing["id"].isin(required)]
        if pool.empty:
            return None
        return pool.iloc[int(rng.integers(len(pool)))]

    # 1. require: a college cadre of a well-staffed college takes a freshman class of it
    staffed = set(colleges.loc[~colleges["short"], "id"])
    cadre = pick_cadre(cadres["college"].isin(staffed))
    if cadre is not None:
        target = pick_target(
            (existing["kind"] == Kind.CLASS)
            & (existing["college"] == cadre["college"])
            & (existing["grade"] == GRADES[-1])
        )
        if target is not None:
            pins.append((cadre["id"], target["kind"], target["id"], "require"))
            required.add(target["id"])

    # 2. forbid: a college cadre may not keep last semester's target
    held = previous[previous["target"].isin(existing["id"])]
    cadre = pick_cadre(cadres["college"].ne("") & cadres["id"].isin(held["cadre"]))
    if cadre is not None:
        row = held[held["cadre"] == cadre["id"]].iloc[0]
        pins.append((cadre["id"], row["kind"], row["target"], "forbid"))

    extras: list[tuple[str, str, str, str]] = []
    # 3. require: a school leader takes a party branch (one school leader: spread holds)
    cadre = pick_cadre(cadres["role"] == Role.SCHOOL_LEADER)
    target = pick_target(existing["kind"] == Kind.BRANCH)
    if cadre is not None and target is not None:
        extras.append((cadre["id"], target["kind"], target["id"], "require"))
        required.add(target["id"])
    # 4. require: a league cadre guides a university-level society
    cadre = pick_cadre(cadres["role"] == Role.LEAGUE_CADRE)
    target = pick_target((existing["kind"] == Kind.SOCIETY) & (existing["college"] == ""))
    if cadre is not None and target is not None:
        extras.append((cadre["id"], target["kind"], target["id"], "require"))
        required.add(target["id"])
    # 5. forbid: a SAO cadre may not take a class
    cadre = pick_cadre(cadres["role"] == Role.SAO_CADRE)
    target = pick_target(existing["kind"] == Kind.CLASS)
    if cadre is not None and target is not None:
        extras.append((cadre["id"], target["kind"], target["id"], "forbid"))

    pins += extras[: int(rng.integers(0, 4))]
    return pd.DataFrame(pins, columns=["cadre", "kind", "target", "rule"])
