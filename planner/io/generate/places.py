"""The places of a generated data set: colleges on their campuses, classes per major and
grade, party branches, and societies (of a college or university level)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.io.generate.draws import apportion, campus_order, rank_within
from planner.io.generate.vocabulary import (
    CAMPUSES,
    COLLEGES,
    GRADES,
    ORDINALS_ZH,
    SOCIETY_TOPICS,
    Preset,
)


def make_colleges(rng: np.random.Generator, sizes: Preset) -> pd.DataFrame:
    """Colleges with a main campus each, a skewed size weight, majors, and the short flag."""
    n = sizes.colleges
    pool = [COLLEGES[i % len(COLLEGES)] if i < len(COLLEGES) else _variant(i) for i in range(n)]
    width = max(2, len(str(n)))
    campuses = CAMPUSES[: sizes.campuses]
    share = np.array([s for _, _, s in campuses])
    # every campus hosts at least one college; the rest follow the campus shares
    campus_idx = rng.choice(len(campuses), size=n, p=share / share.sum())
    campus_idx[rng.permutation(n)[: len(campuses)]] = np.arange(len(campuses))
    # lognormal weights: a few large colleges, many small ones; the colleges early in the pool
    # (the classic ones: law, economics, medicine, management, ...) tend to be the large ones
    weight = np.sort(rng.lognormal(0.0, 0.75, size=n))[::-1]
    weight = weight[np.argsort(np.argsort(np.arange(n) + rng.normal(0.0, n / 5, size=n)))]
    return pd.DataFrame(
        {
            "id": [f"C{i + 1:0{width}d}" for i in range(n)],
            "name": [name for name, _ in pool],
            "campus": [campuses[k][0] for k in campus_idx],
            "code": [campuses[k][1] for k in campus_idx],
            "weight": weight,
            "majors": [majors for _, majors in pool],
        }
    )


def _variant(i: int) -> tuple[str, tuple[str, ...]]:
    """A college beyond the name pool (only for presets scaled past ``large``)."""
    name, majors = COLLEGES[i % len(COLLEGES)]
    return f"{name}（{i // len(COLLEGES) + 1}部）", majors


def make_classes(rng: np.random.Generator, sizes: Preset, colleges: pd.DataFrame) -> pd.DataFrame:
    """Classes: at least one per college and grade, more in large colleges and newer grades."""
    per_college = apportion(sizes.classes, colleges["weight"].to_numpy(), minimum=len(GRADES))
    n_grades = len(GRADES)
    grade_pos = np.arange(n_grades)
    # split each college's classes over the grades; the remainder goes to the newest grades
    per_cell = per_college[:, None] // n_grades + (
        grade_pos[None, :] >= n_grades - (per_college[:, None] % n_grades)
    )
    cell_college = np.repeat(np.arange(len(colleges)), n_grades)
    cell_grade = np.tile(np.array(GRADES), len(colleges))
    counts = per_cell.ravel()
    college_idx = np.repeat(cell_college, counts)
    grade = np.repeat(cell_grade, counts)
    seq = rank_within(college_idx * 10_000 + grade) + 1

    n_majors = colleges["majors"].map(len).to_numpy()[college_idx]
    major_pos = (seq - 1) % n_majors
    major_seq = (seq - 1) // n_majors + 1
    majors = colleges[["majors"]].reset_index(names="college_idx").explode("majors")
    majors["major_pos"] = majors.groupby("college_idx").cumcount()
    frame = pd.DataFrame({"college_idx": college_idx, "major_pos": major_pos})
    major = frame.merge(majors, on=["college_idx", "major_pos"], how="left")["majors"]

    college = colleges["id"].to_numpy()[college_idx]
    ids = pd.Series(grade.astype(str)) + college + pd.Series(seq).astype(str).str.zfill(2)
    names = major + pd.Series(grade.astype(str)) + "级" + pd.Series(major_seq).astype(str) + "班"
    return pd.DataFrame(
        {
            "id": ids,
            "name": names,
            "college": college,
            "grade": grade,
            "campus": colleges["campus"].to_numpy()[college_idx],
            "size": np.clip(np.round(rng.normal(32, 7, size=len(ids))), 12, 55).astype(int),
            "major": major.to_numpy(),
        }
    )


def make_branches(rng: np.random.Generator, colleges: pd.DataFrame) -> pd.DataFrame:
    """Undergraduate party branches: 2-4 per college (more in larger colleges), by grade."""
    weight = colleges["weight"].to_numpy()
    per_college = (
        2 + (weight > np.median(weight)).astype(int) + (weight >= np.quantile(weight, 0.75))
    )
    college_idx = np.repeat(np.arange(len(colleges)), per_college)
    k = rank_within(college_idx)
    college = colleges["id"].to_numpy()[college_idx]
    ordinal = np.array(ORDINALS_ZH)[k]
    return pd.DataFrame(
        {
            "id": pd.Series(college) + "-DZB" + pd.Series(k + 1).astype(str).str.zfill(2),
            "name": np.char.add(
                np.char.add(colleges["name"].to_numpy()[college_idx].astype(str), "本科生第"),
                np.char.add(ordinal, "党支部"),
            ),
            "college": college,
            "campus": colleges["campus"].to_numpy()[college_idx],
            "members": rng.integers(8, 41, size=len(college_idx)),
        }
    )


def make_societies(rng: np.random.Generator, sizes: Preset, colleges: pd.DataFrame) -> pd.DataFrame:
    """Societies: ~70% run by a college, ~30% university-level (blank college) on a campus."""
    n_college = round(sizes.societies * 0.7)
    n_univ = sizes.societies - n_college
    weight = colleges["weight"].to_numpy()
    per_college = apportion(n_college, weight)
    college_idx = np.repeat(np.arange(len(colleges)), per_college)
    topics = np.array(SOCIETY_TOPICS)
    # a college does not run two societies on the same topic
    order = np.argsort(rng.random((len(colleges), len(topics))), axis=1)
    rank = rank_within(college_idx)
    college_topic = topics[order[college_idx, rank % len(topics)]]
    college_names = np.char.add(colleges["name"].to_numpy()[college_idx].astype(str), college_topic)

    campus_names = np.array(sorted(set(colleges["campus"]), key=campus_order))
    campus_weight = np.array([weight[colleges["campus"] == c].sum() for c in campus_names])
    per_campus = apportion(n_univ, campus_weight)
    campus_idx = np.repeat(np.arange(len(campus_names)), per_campus)
    rank_u = rank_within(campus_idx)
    univ_topic = topics[np.argsort(rng.random(len(topics)))][rank_u % len(topics)]
    lap = np.where(rank_u >= len(topics), np.char.add("（", np.char.add(
        ((rank_u // len(topics)) + 1).astype(str), "）")), "")  # fmt: skip
    univ_names = np.char.add(np.char.add(campus_names[campus_idx], univ_topic), lap)

    n = n_college + n_univ
    width = max(3, len(str(n)))
    return pd.DataFrame(
        {
            "id": [f"ST{i + 1:0{width}d}" for i in range(n)],
            "name": np.concatenate([college_names, univ_names]),
            "campus": np.concatenate(
                [colleges["campus"].to_numpy()[college_idx], campus_names[campus_idx]]
            ),
            "members": np.concatenate(
                [
                    np.clip(rng.lognormal(3.6, 0.5, size=n_college), 10, 300),
                    np.clip(rng.lognormal(4.8, 0.6, size=n_univ), 20, 800),
                ]
            ).astype(int),
            "college": np.concatenate(
                [colleges["id"].to_numpy()[college_idx], np.full(n_univ, "", dtype=object)]
            ),
        }
    )
