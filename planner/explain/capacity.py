"""Capacity before solving: per college, targets to cover against cadres who can cover them.

This is what an SAO officer checks first ("法学院 has 25 classes, 3 branches and 2 societies to
cover but 22 available cadres"). It is shown by ``planner validate``, recorded in ``plan.json``
and the workbook, and used in the reasons of ``uncovered.csv``.

The figures are counts, not a solve: ``short`` is a lower bound on the targets a college leaves
uncovered without central cadres (each college cadre covers at most as many targets as its
duty allows), and ``overflow`` flags a college whose cadres outnumber every target H3 lets them
hold, which no plan can satisfy (H1). Both follow the scenario's scope, duties, coverage and
single-pair rules (H3 Department of origin, H5 Dorm gender, hard campus).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from planner.contract import KINDS, Kind
from planner.dataset import Dataset
from planner.i18n import gettext as _
from planner.i18n import ngettext, pgettext
from planner.policy import H1, H3
from planner.scenario import Scenario
from planner.solver.eligibility import eligible, pair_frame
from planner.words import (
    KIND_WORDS,
    KINDS_AS_LISTED,
    chinese,
    count_words,
    join_words,
    kind_word,
)

CAPACITY_COLUMNS = [
    "college",
    "name",
    "campus",
    *(k.value for k in KINDS),
    "coverable",
    "need",
    "available",
    "on_leave",
    "able",
    "central",
    "short",
    "holdable",
    "overflow",
]
"""Columns of :func:`college_capacity`."""


def coverable_kinds(scenario: Scenario) -> list[str]:
    """Kinds whose coverage counts (soft or hard) in ``scenario``, in table order."""
    return [k.value for k in KINDS if scenario.kinds[k].coverage != "off"]


def college_capacity(dataset: Dataset, scenario: Scenario | None = None) -> pd.DataFrame:
    """One row per college in the scenario's scope: targets to cover against cadres.

    Columns (:data:`CAPACITY_COLUMNS`): ``college, name, campus``; targets per kind
    (``class, dorm, society, branch``); ``coverable`` (targets whose coverage counts) and
    ``need`` (cadre places they need: the sum of their kinds' minimums); ``available`` and
    ``on_leave`` (college cadres); ``able`` (how many of the coverable places the available
    college cadres can fill at most, under their duties and the single-pair rules);
    ``central`` (available central cadres who may hold at least one of them; 0 in a college
    scope); ``short`` (``need - able`` when positive: places left empty unless central cadres
    come in); ``holdable`` (target places of any kind the college's cadres may hold, counting
    university-level societies on their campus) and ``overflow`` (available cadres beyond
    ``holdable``: when positive, no plan can give each of them a target).
    """
    scenario = scenario or Scenario()
    scope = scenario.scope
    targets = dataset.targets()
    cadres = dataset.cadres
    colleges = dataset.colleges[["id", "name", "campus"]].rename(columns={"id": "college"})
    if scope.startswith("college="):
        colleges = colleges[colleges["college"] == scope.split("=", 1)[1]]
    frame = colleges.set_index("college")
    kinds = [k.value for k in KINDS]
    counts = (
        targets[targets["college"].notna()]
        .groupby(["college", "kind"])
        .size()
        .unstack(fill_value=0)
        .reindex(index=frame.index, columns=kinds, fill_value=0)
        .fillna(0)
    )
    frame = frame.join(counts)
    cover = coverable_kinds(scenario)
    mins = {k.value: scenario.kinds[k].min for k in KINDS}
    frame["coverable"] = frame[cover].sum(axis=1) if cover else 0
    frame["need"] = sum(frame[k] * mins[k] for k in cover) if cover else 0

    college_cadres = cadres[~cadres["central"]]
    if scope == "central":
        college_cadres = college_cadres.iloc[0:0]
    frame["available"] = college_cadres[college_cadres["available"]].groupby("unit").size()
    frame["on_leave"] = college_cadres[~college_cadres["available"]].groupby("unit").size()

    ready = college_cadres[college_cadres["available"]]
    in_scope = targets
    if scope.startswith("college="):  # one college: only its cadres and targets count
        ready = ready[ready["unit"].isin(frame.index)]
        in_scope = targets[targets["college"].isin(frame.index) | targets["college"].isna()]
    coverable_targets = in_scope[in_scope["kind"].isin(cover) & in_scope["college"].notna()]
    frame["able"] = _able(ready, coverable_targets, scenario)
    central = cadres[cadres["central"] & cadres["available"]]
    if scope.startswith("college="):
        central = central.iloc[0:0]
    frame["central"] = _reachers(central, coverable_targets, scenario)
    frame["short"] = (frame["need"] - frame["able"]).clip(lower=0)

    frame["holdable"] = _holdable(ready, in_scope, scenario)
    total_min = ready["role"].map(lambda r: scenario.duty(r).total_range().min)
    frame["duty"] = total_min.groupby(ready["unit"]).sum()
    numeric = [*kinds, "coverable", "need", "available", "on_leave", "able", "central"]
    numeric += ["short", "holdable", "duty"]
    frame[numeric] = frame[numeric].apply(pd.to_numeric).fillna(0).astype(int)
    frame["overflow"] = (frame["duty"] - frame["holdable"]).clip(lower=0)
    out = frame.reset_index()[CAPACITY_COLUMNS]
    out.attrs["coverable_kinds"] = cover
    out.attrs["scope"] = scope
    out.attrs["central_places"] = sum(
        min(
            scenario.duty(role).total_range().max,
            sum(scenario.duty(role).kind_range(Kind(k)).max for k in cover),
        )
        for role in central["role"]
    )
    out.attrs["unit_min"] = all(mins[k] == 1 for k in cover)
    university = targets[targets["college"].isna()]["kind"].value_counts()
    out.attrs["university"] = {str(k): int(n) for k, n in university.items()}
    return out


CADRE_TYPE = ["role", "college", "campus", "gender"]
TARGET_TYPE = ["kind", "college", "campus", "gender"]


def _types(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Distinct rows of ``columns`` with their count ``n`` (a blank college/gender is None).

    Counted in plain Python: the frames hold a few thousand rows at most, where a pandas
    group-by on text columns costs more in set-up than the counting itself.
    """
    if frame.empty:
        return pd.DataFrame(columns=[*columns, "n"])
    cleaned = []
    for column in columns:
        blank = None if column in ("college", "gender") else ""
        cleaned.append([v if isinstance(v, str) and v else blank for v in frame[column].tolist()])
    counts = Counter(zip(*cleaned, strict=True))
    return pd.DataFrame(
        [(*key, n) for key, n in counts.items()], columns=[*columns, "n"], dtype=object
    ).astype({"n": int})


def _type_pairs(
    cadres: pd.DataFrame, targets: pd.DataFrame, how: str, scenario: Scenario
) -> pd.DataFrame:
    """Cadre types × target types (``how``: ``own`` college or ``cross``), eligible ones only.

    Columns: the cadre type, ``n`` (cadres), the target type with suffix ``_t`` and ``n_t``
    (targets). Working on types keeps this fast on a whole university's data.
    """
    c = _types(cadres, CADRE_TYPE)
    t = _types(targets, TARGET_TYPE)
    if c.empty or t.empty:
        return pd.DataFrame(columns=[*CADRE_TYPE, "n", "kind", "college_t", "campus_t"])
    if how == "own":
        pairs = c.merge(t, on="college", suffixes=("", "_t"))
        pairs["college_t"] = pairs["college"]
    else:
        pairs = c.merge(t, how="cross", suffixes=("", "_t"))
    if pairs.empty:
        return pairs
    frame = pair_frame(
        pairs[CADRE_TYPE],
        pairs[["kind", "college_t", "campus_t", "gender_t"]].set_axis(TARGET_TYPE, axis=1),
    )
    return pairs[eligible(frame, scenario)].reset_index(drop=True)


def _able(cadres: pd.DataFrame, targets: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Per college: coverable places its own available cadres can fill at most.

    A cadre fills at most ``min(total max, sum over the kinds it may hold of the kind's max)``
    places, and only where some target of their college is open to them; a college fills at
    most the places of the targets open to its cadres.
    """
    pairs = _type_pairs(cadres, targets, "own", scenario)
    if pairs.empty:
        return pd.Series(dtype=int)
    roles = set(pairs["role"])
    kind_max = {(r, k.value): scenario.duty(r).kind_range(k).max for r in roles for k in Kind}
    total_max = {r: scenario.duty(r).total_range().max for r in roles}
    kinds = pairs[[*CADRE_TYPE, "n", "kind"]].drop_duplicates([*CADRE_TYPE, "kind"])
    kinds = kinds.assign(
        kmax=[kind_max[(r, k)] for r, k in zip(kinds["role"], kinds["kind"], strict=True)]
    )
    per_type = kinds.groupby(CADRE_TYPE, sort=False).agg(n=("n", "first"), kmax=("kmax", "sum"))
    per_type = per_type.reset_index()
    per_cadre = np.minimum(per_type["role"].map(total_max).to_numpy(), per_type["kmax"])
    reach = (per_cadre * per_type["n"]).groupby(per_type["college"]).sum()
    mins = {k.value: scenario.kinds[k].min for k in Kind}
    open_types = pairs.drop_duplicates(["college", "kind", "campus_t", "gender_t"])
    room = (open_types["kind"].map(mins) * open_types["n_t"]).groupby(open_types["college"]).sum()
    return np.minimum(reach, room.reindex(reach.index).fillna(0)).astype(int)


def _reachers(central: pd.DataFrame, targets: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Per college: available central cadres who may hold at least one of its targets."""
    pairs = _type_pairs(central, targets, "cross", scenario)
    if pairs.empty:
        return pd.Series(dtype=int)
    per_type = pairs.drop_duplicates([*CADRE_TYPE, "college_t"])
    return per_type.groupby("college_t")["n"].sum()


def _holdable(cadres: pd.DataFrame, targets: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Per college: target places (any kind) its cadres may hold, incl. university societies."""
    own = _type_pairs(cadres, targets[targets["college"].notna()], "own", scenario)
    university = targets[targets["college"].isna()]
    shared = _type_pairs(cadres, university, "cross", scenario)
    pairs = pd.concat([own, shared], ignore_index=True)
    if pairs.empty:
        return pd.Series(dtype=int)
    caps = {k.value: scenario.kinds[k].cap for k in KINDS}
    held = pairs.drop_duplicates(["college", "kind", "college_t", "campus_t", "gender_t"])
    places = held["n_t"].astype(int) * held["kind"].map(caps)
    return places.groupby(held["college"]).sum()


def targets_words(row: pd.Series, kinds: list[str] | None = None) -> str:
    """ "25 classes, 3 branches and 2 societies" for one capacity row."""
    kinds = kinds or ["class", "branch", "society"]
    parts = [count_words(int(row[k]), k) for k in kinds if int(row[k]) > 0]
    if not parts:
        if chinese():
            return _("no {kinds}").format(kinds=pgettext("list", ", ").join(map(kind_word, kinds)))
        return _("no {kinds}").format(kinds=" or ".join(KIND_WORDS[k][0] for k in kinds))
    return join_words(parts)


def college_words(row: pd.Series) -> str:
    """``法学院 (C07)`` for one capacity row."""
    return _("{name} ({code})").format(name=row["name"], code=row["college"])


def capacity_notes(capacity: pd.DataFrame, central_available: int | None = None) -> list[str]:
    """Plain-language lines for the colleges that cannot cover or hold their cadres alone.

    ``central_available`` is the number of available central cadres (for the closing line);
    ``None`` takes the largest ``central`` figure of the table.
    """
    counted = capacity.attrs.get("coverable_kinds", ["class", "branch", "society"])
    cover = [k for k in KINDS_AS_LISTED if k in counted]
    scope = str(capacity.attrs.get("scope", "university"))
    if central_available is None:
        central_available = int(capacity["central"].max()) if len(capacity) else 0
    if scope == "central":
        university = capacity.attrs.get("university", {})
        counts = {k: int(capacity[k].sum()) + int(university.get(k, 0)) for k in cover}
        total = sum(counts.values())
        words = join_words([count_words(n, k) for k, n in counts.items()])
        return [
            ngettext(
                "Central scope: {cadres} is available for {targets} ({total} in all); the "
                "colleges place their own cadres in their own plans (scope college=ID).",
                "Central scope: {cadres} are available for {targets} ({total} in all); the "
                "colleges place their own cadres in their own plans (scope college=ID).",
                central_available,
            ).format(
                cadres=count_words(central_available, "central cadre"), targets=words, total=total
            )
        ]
    unit = bool(capacity.attrs.get("unit_min", True))
    notes = []
    for _index, row in capacity.iterrows():
        notes += _college_notes(row, cover, scope, unit)
    total_short = int(capacity["short"].sum()) if len(capacity) else 0
    places = int(capacity.attrs.get("central_places", central_available))
    if total_short > places and not scope.startswith("college="):
        gap = total_short - places
        words = (
            ngettext(
                "In all, the colleges are {short} short but the {central} can fill only "
                "{places}: at least {gap} stays uncovered in any plan.",
                "In all, the colleges are {short} short but the {central} can fill only "
                "{places}: at least {gap} stay uncovered in any plan.",
                gap,
            )
            if unit
            else ngettext(
                "In all, the colleges are {short} short but the {central} can fill only "
                "{places}: at least {gap} stays empty in any plan.",
                "In all, the colleges are {short} short but the {central} can fill only "
                "{places}: at least {gap} stay empty in any plan.",
                gap,
            )
        )
        notes.append(
            words.format(
                short=count_words(total_short, "cadre place"),
                central=count_words(central_available, "available central cadre"),
                places=places,
                gap=count_words(gap, "target" if unit else "cadre place"),
            )
        )
    return notes


def _college_notes(row: pd.Series, cover: list[str], scope: str, unit: bool) -> list[str]:
    """The notes of one college: more cadres than targets they may hold, and targets short of
    cadres."""
    notes = []
    leave = _(" ({n} on leave)").format(n=row["on_leave"]) if row["on_leave"] else ""
    available = (
        ngettext("{cadres} is available", "{cadres} are available", int(row["available"])).format(
            cadres=count_words(row["available"], "college cadre")
        )
        + leave
    )
    if row["overflow"] > 0:
        holds = (
            _(
                "they may hold only {places} (the college's own targets and university-level "
                "societies on their campus, under {rule})"
            ).format(places=count_words(row["holdable"], "target place"), rule=H3.label)
            if row["holdable"]
            else _("the college has no target they may hold ({rule})").format(rule=H3.label)
        )
        notes.append(
            _(
                "{college}: {available} and each must hold a target ({rule}), but {holds}: "
                "{n} too many, so no plan can be made. To fix: add the college's classes, dorm "
                "rooms, societies or branches to the data, or mark {n} of its cadres "
                "unavailable (在岗 = 否)."
            ).format(
                college=college_words(row),
                available=available,
                rule=H1.label,
                holds=holds,
                n=row["overflow"],
            )
        )
    if row["short"] > 0:
        able = (
            _(", who can fill at most {n} of these places").format(n=row["able"])
            if row["able"] < min(row["available"], row["need"])
            else ""
        )
        if scope.startswith("college="):
            central = _(" (central cadres are placed by the central plan, not in this scope)")
        elif row["central"]:
            central = _(" ({cadres} could come in)").format(
                cadres=count_words(row["central"], "central cadre")
            )
        else:
            central = _(" (no central cadre may come in under this scenario)")
        need = (
            _(" ({n} cadre places)").format(n=row["need"])
            if row["need"] != row["coverable"]
            else ""
        )
        short = int(row["short"])
        sentence = (
            ngettext(
                "{college}: {targets} need a cadre{need}; {available}{able}; at least {short} "
                "stays uncovered unless central cadres are placed here{central}.",
                "{college}: {targets} need a cadre{need}; {available}{able}; at least {short} "
                "stay uncovered unless central cadres are placed here{central}.",
                short,
            )
            if unit
            else ngettext(
                "{college}: {targets} need a cadre{need}; {available}{able}; at least {short} "
                "stays empty unless central cadres are placed here{central}.",
                "{college}: {targets} need a cadre{need}; {available}{able}; at least {short} "
                "stay empty unless central cadres are placed here{central}.",
                short,
            )
        )
        notes.append(
            sentence.format(
                college=college_words(row),
                targets=targets_words(row, cover),
                need=need,
                available=available,
                able=able,
                short=count_words(short, "target" if unit else "cadre place"),
                central=central,
            )
        )
    return notes


def central_available(dataset: Dataset) -> int:
    """Available cadres of central roles."""
    c = dataset.cadres
    return int((c["central"] & c["available"]).sum())
