"""Sampling helpers of the generator: integer shares, ranks, Chinese names, campus codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from planner.io.generate.vocabulary import (
    CAMPUSES,
    GIVEN_NAMES_F,
    GIVEN_NAMES_M,
    GIVEN_PARTS_F,
    GIVEN_PARTS_M,
    SURNAMES,
    TWO_CHAR_SHARE,
)


def apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), each at
    least ``minimum`` (the sum exceeds ``total`` only when the minimums do)."""
    n = len(weights)
    rest = max(total - minimum * n, 0)
    raw = weights / weights.sum() * rest
    counts = np.floor(raw).astype(np.int64)
    short = rest - int(counts.sum())
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:short]] += 1
    return counts + minimum


def rank_within(groups: np.ndarray) -> np.ndarray:
    """Position of each element among the elements of its group, in array order (0, 1, ...)."""
    return pd.Series(groups).groupby(groups, sort=False).cumcount().to_numpy()


def person_names(rng: np.random.Generator, male: np.ndarray) -> np.ndarray:
    """Chinese names: a surname by frequency and a gendered one- or two-character given name."""
    surnames = np.array([s for s, _ in SURNAMES])
    share = np.array([w for _, w in SURNAMES])
    n = len(male)
    family = surnames[rng.choice(len(surnames), size=n, p=share / share.sum())]

    def given(single: tuple[str, ...], parts: tuple[str, str]) -> np.ndarray:
        one = np.array(single)[rng.integers(len(single), size=n)]
        first = np.array(list(parts[0]))[rng.integers(len(parts[0]), size=n)]
        second = np.array(list(parts[1]))[rng.integers(len(parts[1]), size=n)]
        return np.where(rng.random(n) < TWO_CHAR_SHARE, np.char.add(first, second), one)

    names_m = given(GIVEN_NAMES_M, GIVEN_PARTS_M)
    names_f = given(GIVEN_NAMES_F, GIVEN_PARTS_F)
    return np.char.add(family, np.where(male, names_m, names_f))


def campus_short(campus: pd.Series) -> pd.Series:
    """``石牌校区`` -> ``石牌``."""
    return campus.str.removesuffix("校区")


def campus_order(campus: str) -> int:
    return [c for c, _, _ in CAMPUSES].index(campus)


def index_by(keys: pd.Series) -> dict[str, np.ndarray]:
    """Positions of each distinct key in ``keys`` (in order of first appearance)."""
    return {str(k): np.asarray(v) for k, v in keys.groupby(keys, sort=False).indices.items()}
