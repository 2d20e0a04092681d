"""The validated data set: one pandas DataFrame per table, in canonical form.

Readers (``planner.io.readers``) turn files into a :class:`Dataset`; everything after them trusts
its types. Canonical form, per table (every frame also has ``row``: the spreadsheet row the
record came from, header = 1):

- ``colleges``: ``id, name, campus``
- ``cadres``: ``id, name, gender`` (``M``/``F``), ``role`` (English word), ``unit, campus,
  available`` (bool), ``title, phone, email`` (str, "" if absent; ``phone`` and ``email`` are
  personal: see :data:`planner.contract.PERSONAL_COLUMNS`), plus derived ``central`` (bool) and
  ``college`` (the unit for a college role, ``None`` for a central role)
- ``classes``: ``id, name, college, grade`` (int), ``campus, size`` (int), ``major``,
  ``counsellor``, ``head_teacher`` (str, "" if absent)
- ``dorms``: ``id, building, room, campus, gender, residents`` (int), ``college, grade``
  (nullable ``Int64``)
- ``societies``: ``id, name, campus, members`` (int), ``college`` (``None`` = university level)
- ``branches``: ``id, name, college, campus, members`` (int)
- ``previous``: ``cadre, kind, target`` (kind is the English word)
- ``pins``: ``cadre, kind, target, rule`` (``require``/``forbid``)
- ``base``: ``cadre, kind, target``: when a part of the university plan is re-planned against
  the proposal, the proposal's contacts of the part's cadres (S6 counts those kept); empty
  otherwise. Not a table of the data contract: the workflow sets it
  (:mod:`planner.workflow.parts`) and ``plan.json`` records it.

Ids are ``str`` everywhere.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pandas as pd

from planner.contract import CENTRAL_ROLES, KIND_TABLE, KINDS

TARGET_COLUMNS = ["kind", "id", "name", "college", "campus", "gender", "grade", "size"]

Pair = tuple[str, str]
"""A target, as ``(kind, target id)``."""


def targets_in_scope(
    targets: pd.DataFrame, scope: str, held: Collection[Pair] = ()
) -> pd.DataFrame:
    """The rows of ``targets`` (``Dataset.targets()``) in ``scope``, minus ``held``.

    A college scope (``college=ID``) has its own college's targets and the university-level
    societies (blank college), which its cadres may hold on their campus (H3); ``held`` is a
    collection of ``(kind, target id)`` the plan leaves alone: when a part of the university
    plan is re-planned, what the proposal gives to cadres outside the part, and for a college,
    the university-level societies none of its cadres may hold
    (:func:`planner.solver.problem.out_of_reach`).
    """
    if scope.startswith("college="):
        college = targets["college"]
        targets = targets[(college == scope.split("=", 1)[1]) | college.isna()]
    if held and scope != "university":
        keys = pd.Series(list(zip(targets["kind"], targets["id"], strict=True)), dtype=object)
        targets = targets[~keys.isin({(str(k), str(i)) for k, i in held}).to_numpy()]
    return targets.reset_index(drop=True)


def empty_pairs() -> pd.DataFrame:
    """An empty ``cadre, kind, target`` frame (text columns)."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ("cadre", "kind", "target")})


@dataclass(frozen=True)
class Source:
    """Where a table came from: the name shown in messages and the file's SHA-256."""

    table: str
    display: str
    path: str
    sha256: str


_TARGETS: dict[tuple[int, ...], tuple[tuple[pd.DataFrame, ...], pd.DataFrame]] = {}
""":meth:`Dataset.targets` of the last few sets of target tables, by the tables' ids."""
_TARGETS_KEPT = 4


@dataclass
class Dataset:
    """A validated data set (see the module docstring for the columns)."""

    colleges: pd.DataFrame
    cadres: pd.DataFrame
    classes: pd.DataFrame
    dorms: pd.DataFrame
    societies: pd.DataFrame
    branches: pd.DataFrame
    previous: pd.DataFrame
    pins: pd.DataFrame
    sources: dict[str, Source] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    base: pd.DataFrame = field(default_factory=lambda: empty_pairs())
    """The proposal's contacts of a re-planned part (see the module docstring)."""

    def table(self, name: str) -> pd.DataFrame:
        """The frame of table ``name`` (English)."""
        frame: pd.DataFrame = getattr(self, name)
        return frame

    def targets(self) -> pd.DataFrame:
        """Every target of the four kinds in one frame (a copy of a cached frame)."""
        # Keyed by the frames themselves, so replacing a table rebuilds the cache.
        tables = tuple(self.table(KIND_TABLE[k]) for k in KINDS)
        key = tuple(id(t) for t in tables)
        cached = self.__dict__.get("_targets")
        if cached is None or cached[0] != key:
            # A data set made from another with the same tables (pins added, a re-plan's)
            # shares its frame: the tables are kept with it, so their ids stay theirs.
            shared = _TARGETS.get(key)
            if shared is None:
                shared = (tables, self._build_targets())
                _TARGETS[key] = shared
                while len(_TARGETS) > _TARGETS_KEPT:  # two page threads may both drop one
                    _TARGETS.pop(next(iter(_TARGETS)), None)
            cached = (key, shared[1])
            self.__dict__["_targets"] = cached
        frame: pd.DataFrame = cached[1]
        return frame.copy()

    def _build_targets(self) -> pd.DataFrame:
        """Every target of the four kinds in one frame with :data:`TARGET_COLUMNS`.

        ``gender`` is set for dorms only, ``grade`` is ``<NA>`` where unknown, ``size`` is the
        class size, residents or members, and ``college`` is ``None`` for a university-level
        society.
        """
        parts = []
        for kind in KINDS:
            frame = self.table(KIND_TABLE[kind])
            size_col = {"classes": "size", "dorms": "residents"}.get(KIND_TABLE[kind], "members")
            name = (
                frame["building"].astype(str) + "-" + frame["room"].astype(str)
                if kind == "dorm"
                else frame["name"]
            )
            parts.append(
                pd.DataFrame(
                    {
                        "kind": kind.value,
                        "id": frame["id"].astype(str),
                        "name": name.astype(str),
                        "college": frame.get("college", None),
                        "campus": frame["campus"].astype(str),
                        "gender": frame.get("gender", None),
                        "grade": (
                            frame["grade"].astype("Int64")
                            if "grade" in frame
                            else pd.Series(pd.NA, index=frame.index, dtype="Int64")
                        ),
                        "size": frame[size_col].astype(int),
                    }
                )
            )
        out = pd.concat(parts, ignore_index=True)
        out["college"] = out["college"].astype(object).where(out["college"].notna(), None)
        out["gender"] = out["gender"].astype(object).where(out["gender"].notna(), None)
        out["grade"] = out["grade"].astype("Int64")
        return out[TARGET_COLUMNS]

    def available_cadres(self) -> pd.DataFrame:
        """Cadres who are not on leave."""
        return self.cadres[self.cadres["available"]]


def derive_cadre_columns(cadres: pd.DataFrame) -> pd.DataFrame:
    """Add ``central`` and ``college`` to a canonical cadres frame (used by readers)."""
    out = cadres.copy()
    central_values = {r.value for r in CENTRAL_ROLES}
    out["central"] = out["role"].isin(central_values)
    out["college"] = out["unit"].where(~out["central"], None).astype(object)
    out.loc[out["central"], "college"] = None
    return out
