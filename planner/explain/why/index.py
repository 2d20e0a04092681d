"""A plan folder read back for explaining it: a read-only index of who holds what.

:func:`load_plan` reads ``assignments.csv`` and ``plan.json``, rebuilds the problem from the
data set as it is now, with what ``plan.json`` records of the plan's inputs
(:func:`planner.io.plan_folder.as_planned`: pins and last semester's contacts given on the
command line, a part's proposal), and indexes the plan once; every question the explainer
asks (who holds this target, what this cadre held last semester, which pins name this pair)
is a lookup here.
The plan's rows, terms and coverage come from the same functions as a solved plan's
(:mod:`planner.solver.pairs`), and its terms are the scenario's
(:func:`planner.solver.terms.active_terms`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.dataset import Dataset, Pair
from planner.errors import UsageError
from planner.io.plan_folder import ASSIGNMENTS_CSV, PLAN_JSON, as_planned, read_plan_dir
from planner.scenario import Scenario, scenario_from_dict
from planner.solver.flow.network import supply_units
from planner.solver.pairs import (
    assignment_table,
    covered_mask,
    pair_indices,
    term_values,
    triples,
)
from planner.solver.problem import Problem, build_problem
from planner.solver.terms import active_terms

Triple = tuple[str, str, str]
"""``(cadre_id, kind, target_id)``: one contact."""


@dataclass(frozen=True)
class PlanIndex:
    """A plan folder read back, with its problem rebuilt from the data set, indexed once."""

    dataset: Dataset
    scenario: Scenario
    held: frozenset[Pair]
    problem: Problem
    assignments: pd.DataFrame
    """The plan's rows that name a cadre and a target of the data (as a solved plan's)."""
    values: dict[str, int]
    """Every objective term of the plan, recomputed from its rows."""
    terms: list[str]
    """The terms the scenario counts, in its priority order."""
    status: str
    notes: list[str]
    pairs: frozenset[Triple]
    holder: dict[Pair, list[str]]
    """Per target, the cadres holding it."""
    holding: dict[str, list[Pair]]
    """Per cadre, the targets it holds (sorted)."""
    kept: frozenset[Triple]
    """The plan's contacts that are last semester's."""
    covered: np.ndarray
    """Per target of the problem, whether it holds its coverage minimum."""
    cadre_index: pd.Series
    target_index: pd.Series
    previous: dict[Triple, int]
    """Last semester's contacts and their row in the ``previous`` table."""
    pair_cadres: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), compare=False)
    pair_targets: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64), compare=False)
    """The plan's pairs as indices into the problem's cadres and targets."""
    supply_units: int = 0
    """The cadres' duty slots (:func:`planner.solver.flow.network.supply_units`)."""
    solved: dict[tuple[str, str, str, str], Any] = field(default_factory=dict, compare=False)
    """Re-plans solved ahead (:func:`planner.explain.why.alternatives.presolve`), by
    ``(cadre_id, kind, target_id, rule)``."""
    proven: bool = False
    """Whether :attr:`values` are proven the best of :attr:`problem`: the plan was proven
    optimal, from this very data (no table differs; what the plan recorded of its inputs, such
    as pins given on the command line, is applied) and every row of it is in the data."""

    def cadre(self, cadre_id: str) -> pd.Series:
        """The problem's row of cadre ``cadre_id``."""
        return self.problem.cadres.loc[int(self.cadre_index[cadre_id])]

    def target(self, kind: str, target_id: str) -> pd.Series:
        """The problem's row of target ``(kind, target_id)``."""
        return self.problem.targets.loc[int(self.target_index[(kind, target_id)])]

    def pin_rows(
        self, cadre: str | None, kind: str | None, target: str | None, rule: str
    ) -> list[int]:
        """Rows of the pins table with ``rule`` naming this cadre and/or target (``None``: any)."""
        pins = self.dataset.pins
        mask = pins["rule"] == rule
        for column, value in (("cadre", cadre), ("kind", kind), ("target", target)):
            if value is not None:
                mask &= pins[column] == value
        return [int(r) for r in pins.loc[mask, "row"]]


CACHED_PLANS = 4
"""Plans kept indexed in a process (the most recently explained)."""

_cache: OrderedDict[tuple[Any, ...], tuple[weakref.ref[Dataset], PlanIndex]] = OrderedDict()


def load_plan(dataset: Dataset, plan_dir: Path) -> PlanIndex:
    """Read ``assignments.csv`` and ``plan.json``, rebuild the problem and index the plan.

    A process that explains several targets of one plan (the service's job worker, a
    notebook) indexes it once: the index is kept for the same data set object and the same
    plan files (folder and contents), for the last :data:`CACHED_PLANS` plans.
    """
    key = _cache_key(dataset, Path(plan_dir))
    found = _cache.get(key) if key is not None else None
    if key is not None and found is not None and found[0]() is dataset:
        _cache.move_to_end(key)
        return dataclasses.replace(found[1], solved={})
    index = _load_plan(dataset, plan_dir)
    if key is not None:
        _cache[key] = (weakref.ref(dataset), index)
        while len(_cache) > CACHED_PLANS:
            _cache.popitem(last=False)
    return dataclasses.replace(index, solved={})


def _cache_key(dataset: Dataset, plan_dir: Path) -> tuple[Any, ...] | None:
    """What the index depends on: the data set object and its tables (a table replaced is
    another key), and the plan's two files as they are now (their SHA-256; ``None``: not
    readable, not kept)."""
    try:
        files = tuple(
            hashlib.sha256((plan_dir / name).read_bytes()).hexdigest()
            for name in (ASSIGNMENTS_CSV, PLAN_JSON)
        )
        folder = str(plan_dir.resolve())
    except OSError:
        return None
    tables = tuple(id(getattr(dataset, f.name)) for f in dataclasses.fields(dataset))
    return (id(dataset), tables, folder, files)


def _load_plan(dataset: Dataset, plan_dir: Path) -> PlanIndex:
    """:func:`load_plan`, without the cache."""
    assignments, meta = read_plan_dir(plan_dir)
    where = str(Path(plan_dir) / PLAN_JSON)
    raw = meta.get("scenario")
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: no scenario recorded")
    scenario = scenario_from_dict(raw, source=where)
    held = frozenset((str(k), str(t)) for k, t in (meta.get("held") or []) if isinstance(k, str))
    notes = _input_notes(dataset, meta)
    # The data set as the plan was made from it: the pins and last semester's contacts given
    # on the command line, and a part's proposal (S6 Stay with the proposal counts its pairs).
    dataset = as_planned(dataset, meta, where)
    problem = build_problem(dataset, scenario, held)
    pairs, missing = pair_indices(
        problem, assignments[["cadre_id", "kind", "target_id"]].astype(str)
    )
    if missing.any():
        notes.append(
            f"{int(missing.sum())} row(s) of assignments.csv name a cadre or target that is not "
            "in the data (or not available): they are left out"
        )
    frame = assignment_table(problem, pairs)
    index = _indexed(dataset, scenario, held, problem, frame, str(meta.get("status", "")), notes)
    return dataclasses.replace(
        index,
        proven=not notes and index.status == "OPTIMAL",
        pair_cadres=pairs["cadre"].to_numpy(np.int64),
        pair_targets=pairs["target"].to_numpy(np.int64),
        supply_units=supply_units(problem),
    )


def _input_notes(dataset: Dataset, meta: dict[str, object]) -> list[str]:
    """Notes when the data differs from what the plan was made from, or it was not proven best."""
    notes = []
    inputs = meta.get("inputs") or {}
    for table, recorded in inputs.items() if isinstance(inputs, dict) else ():
        source = dataset.sources.get(table)
        sha = recorded.get("sha256") if isinstance(recorded, dict) else None
        if source is not None and sha and source.sha256 != sha:
            notes.append(
                f"{source.display} differs from the file the plan was made from: the "
                "explanation uses the data as it is now"
            )
    if meta.get("status") not in (None, "OPTIMAL"):
        notes.append(
            "the plan was not proven best (a time or gap limit stopped the solver): an "
            "alternative may come out better"
        )
    return notes


def _indexed(
    dataset: Dataset,
    scenario: Scenario,
    held: frozenset[Pair],
    problem: Problem,
    a: pd.DataFrame,
    status: str,
    notes: list[str],
) -> PlanIndex:
    pairs = frozenset(triples(a))
    holder: dict[Pair, list[str]] = {}
    for c, k, t in sorted(pairs):
        holder.setdefault((k, t), []).append(c)
    holding: dict[str, list[Pair]] = {}
    for c, k, t in sorted(pairs):
        holding.setdefault(c, []).append((k, t))
    kept = a[a["kept"]]
    prev = dataset.previous
    return PlanIndex(
        dataset=dataset,
        scenario=scenario,
        held=held,
        problem=problem,
        assignments=a,
        values=term_values(problem, a),
        terms=active_terms(problem),
        status=status,
        notes=notes,
        pairs=pairs,
        holder=holder,
        holding=holding,
        kept=frozenset(triples(kept)),
        covered=covered_mask(problem, a),
        cadre_index=pd.Series(np.arange(len(problem.cadres)), index=problem.cadres["id"]),
        target_index=pd.Series(
            np.arange(len(problem.targets)),
            index=pd.MultiIndex.from_arrays([problem.targets["kind"], problem.targets["id"]]),
        ),
        previous={
            (c, k, t): int(r)
            for c, k, t, r in zip(
                prev["cadre"], prev["kind"], prev["target"], prev["row"], strict=True
            )
        },
    )
