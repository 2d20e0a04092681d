"""Every table of a generated data set, drawn in one fixed order from one random generator."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from planner.contract import TABLES
from planner.io.generate.cadres import make_cadres
from planner.io.generate.contacts import add_contact_columns
from planner.io.generate.dorms import make_dorms
from planner.io.generate.history import make_pins, make_previous, target_frame
from planner.io.generate.places import make_branches, make_classes, make_colleges, make_societies
from planner.io.generate.vocabulary import CAMPUSES, GRADES, PRESETS, Preset


def generate_tables(preset: str, seed: int = 1, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Generate a data set: one frame per contract table, keyed by English table name.

    ``preset`` is a key of :data:`PRESETS`; ``scale`` multiplies its counts (0.25 gives a quarter
    of the cadres, classes, dorms, societies and colleges). Columns are the contract's English
    names; values are what a roster holds: ids as text, ``grade``/``size``/``residents``/
    ``members`` as integers, gender ``M``/``F``, role and kind as English words, ``available``
    as ``yes``/``no``, a university-level society's college as ``""``. The same (preset, seed,
    scale) always gives equal frames.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r} (known: {', '.join(PRESETS)})")
    if not scale > 0:
        raise ValueError(f"scale must be positive, got {scale}")
    sizes = scaled(PRESETS[preset], scale)
    key = [seed, list(PRESETS).index(preset), round(scale * 1000)]
    rng = np.random.default_rng(np.random.SeedSequence(key))

    colleges = make_colleges(rng, sizes)
    classes = make_classes(rng, sizes, colleges)
    branches = make_branches(rng, colleges)
    societies = make_societies(rng, sizes, colleges)
    cadres = make_cadres(rng, sizes, colleges, classes, branches, societies)
    dorms = make_dorms(rng, sizes, colleges, classes, cadres)
    targets = target_frame(colleges, classes, dorms, societies, branches)
    previous = make_previous(rng, cadres, targets)
    pins = make_pins(rng, colleges, cadres, targets, previous)
    # Drawn from a stream of their own, so every other column is what it was before v1.1.
    add_contact_columns(np.random.default_rng(np.random.SeedSequence([*key, 1])), cadres, classes)

    current = cadres[~cadres["departed"]]
    frames = {
        "colleges": colleges,
        "cadres": current,
        "classes": classes,
        "dorms": dorms,
        "societies": societies,
        "branches": branches,
        "previous": previous,
        "pins": pins,
    }
    return {
        name: frame[[c.name for c in TABLES[name].columns]].reset_index(drop=True)
        for name, frame in frames.items()
    }


def scaled(preset: Preset, scale: float) -> Preset:
    """The preset's counts times ``scale`` (colleges at least 2, campuses and leaders fewer)."""
    colleges = max(2, round(preset.colleges * scale))
    root = math.sqrt(scale)
    return Preset(
        colleges=colleges,
        campuses=int(np.clip(round(preset.campuses * root), 1, min(len(CAMPUSES), colleges))),
        cadres=max(20, round(preset.cadres * scale)),
        classes=max(len(GRADES) * colleges, round(preset.classes * scale)),
        dorms=max(50, round(preset.dorms * scale)),
        societies=max(2, round(preset.societies * scale)),
        school_leaders=int(np.clip(round(preset.school_leaders * root), 1, colleges)),
    )
