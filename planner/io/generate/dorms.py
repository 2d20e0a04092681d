"""The dorm rooms of a generated data set: single-gender buildings on each college's campus."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.io.generate.draws import apportion, campus_order, campus_short, rank_within
from planner.io.generate.vocabulary import GRADES, Preset


def make_dorms(
    rng: np.random.Generator,
    sizes: Preset,
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    cadres: pd.DataFrame,
) -> pd.DataFrame:
    """Dorm rooms in single-gender buildings on each college's campus.

    Rooms follow the college's students; each college gets more rooms of each gender than it
    has cadres of that gender, so its cadres always find a room when classes run out.
    """
    frame = _rooms(rng, sizes, colleges, classes, cadres)
    building, local, per_floor, overseas = _buildings(rng, frame)
    room = (local // per_floor + 1) * 100 + local % per_floor + 1
    residents = np.where(overseas, 2, 4) - (rng.random(len(frame)) < 0.06)
    idx = frame["college_idx"].to_numpy()
    campus = pd.Series(colleges["campus"].to_numpy()[idx])
    code = pd.Series(colleges["code"].to_numpy()[idx])
    building_s = pd.Series(building).astype(str)
    room_s = pd.Series(room).astype(str)
    return pd.DataFrame(
        {
            "id": code + "-" + building_s + "-" + room_s,
            "building": campus_short(campus) + building_s + "栋",
            "room": room_s,
            "campus": campus,
            "gender": frame["gender"].to_numpy(),
            "residents": residents.astype(int),
            "college": colleges["id"].to_numpy()[idx],
            "grade": frame["grade"].to_numpy(),
        }
    )


def _rooms(
    rng: np.random.Generator,
    sizes: Preset,
    colleges: pd.DataFrame,
    classes: pd.DataFrame,
    cadres: pd.DataFrame,
) -> pd.DataFrame:
    """One row per room: its college, gender and entry year, in campus and building order."""
    n = len(colleges)
    students = classes.groupby("college")["size"].sum().reindex(colleges["id"]).to_numpy()
    rooms = apportion(sizes.dorms, students.astype(float))
    female_share = rng.uniform(0.35, 0.68, size=n)
    rooms_f = np.round(rooms * female_share).astype(np.int64)
    rooms_m = rooms - rooms_f
    college_cadres = cadres[cadres["college"] != ""]
    by_gender = (
        college_cadres.groupby(["college", "gender"]).size().unstack(fill_value=0)
        .reindex(index=colleges["id"], columns=["M", "F"], fill_value=0)
    )  # fmt: skip
    floor_m = np.ceil(by_gender["M"].to_numpy() * 1.1).astype(np.int64) + 2
    floor_f = np.ceil(by_gender["F"].to_numpy() * 1.1).astype(np.int64) + 2
    rooms_m = np.maximum(rooms_m, floor_m)
    rooms_f = np.maximum(rooms_f, floor_f)

    counts = np.stack([rooms_m, rooms_f], axis=1).ravel()
    college_idx = np.repeat(np.repeat(np.arange(n), 2), counts)
    gender = np.repeat(np.tile(np.array(["M", "F"]), n), counts)
    group = college_idx * 2 + (gender == "F")
    rank = rank_within(group)
    group_size = counts[group]
    grade = np.array(GRADES)[(rank * len(GRADES)) // group_size]
    order = np.array([campus_order(c) for c in colleges["campus"]])[college_idx]
    frame = pd.DataFrame(
        {
            "college_idx": college_idx,
            "gender": gender,
            "grade": grade,
            "campus_order": order,
        }
    ).sort_values(["campus_order", "gender", "college_idx", "grade"], kind="stable")
    return frame.reset_index(drop=True)


def _buildings(
    rng: np.random.Generator, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each (campus, gender) run of rooms chunked into buildings of 5-8 floors, 10-24 rooms
    each: per room its building number, its place in the building, the rooms per floor, and
    whether the building houses students from Hong Kong, Macau, Taiwan and abroad."""
    building = np.empty(len(frame), dtype=np.int64)
    local = np.empty(len(frame), dtype=np.int64)
    per_floor = np.empty(len(frame), dtype=np.int64)
    overseas = np.empty(len(frame), dtype=bool)
    campus_key = frame["campus_order"].to_numpy()
    run_key = campus_key * 2 + (frame["gender"].to_numpy() == "F")
    next_building: dict[int, int] = {}
    for key in np.unique(run_key):
        positions = np.flatnonzero(run_key == key)
        campus_of_run = int(key) // 2
        size = len(positions)
        floors: list[int] = []
        widths: list[int] = []
        while sum(f * w for f, w in zip(floors, widths, strict=True)) < size:
            floors.append(int(rng.integers(5, 9)))
            widths.append(int(rng.integers(10, 25)))
        capacity = np.array(floors) * np.array(widths)
        starts = np.concatenate([[0], np.cumsum(capacity)[:-1]])
        pos = np.arange(size)
        b = np.searchsorted(np.cumsum(capacity), pos, side="right")
        first = next_building.get(campus_of_run, 1)
        next_building[campus_of_run] = first + len(capacity)
        building[positions] = first + b
        local[positions] = pos - starts[b]
        per_floor[positions] = np.array(widths)[b]
        # about a third of the buildings house students from Hong Kong, Macau, Taiwan and
        # abroad, two to a room
        overseas[positions] = (rng.random(len(capacity)) < 0.33)[b]
    return building, local, per_floor, overseas
