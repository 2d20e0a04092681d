"""The plan folders a merge combines, and the merge in progress: what each part is, and the
conflicts found so far, listed by college."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner.dataset import Dataset, Pair
from planner.errors import InputError, Problem, UsageError
from planner.io.plan_folder import PLAN_JSON, parse_held, read_plan_dir
from planner.scenario import Scenario, scenario_from_dict

CENTRAL = "central"
"""Key of the central plan's conflicts in a merge report."""

UNIVERSITY = "university"
"""Key of conflicts that belong to no single plan."""


@dataclass
class PlanPart:
    """One plan folder given to :func:`merge_plans`."""

    folder: Path
    assignments: pd.DataFrame
    meta: dict[str, Any]
    scenario: Scenario | None
    scope: str
    held: frozenset[Pair]
    approval: dict[str, Any] | None

    @property
    def college(self) -> str | None:
        """The college of a college plan."""
        return self.scope.split("=", 1)[1] if self.scope.startswith("college=") else None

    @property
    def key(self) -> str:
        """Where the part's conflicts are listed: its college, ``central`` or ``university``."""
        if self.scope == "central":
            return CENTRAL
        return self.college or UNIVERSITY

    @property
    def label(self) -> str:
        """``the central plan (out/central)`` / ``the plan of college C01 (out/c01)``."""
        if self.scope == "central":
            return f"the central plan ({self.folder})"
        if self.college:
            return f"the plan of college {self.college} ({self.folder})"
        return f"the plan {self.folder} (scope {self.scope})"


@dataclass
class Merge:
    """A merge in progress: the parts, and the conflicts and warnings found so far."""

    dataset: Dataset
    parts: list[PlanPart]
    conflicts: dict[str, list[str]] = field(default_factory=dict)
    """Per college id (or :data:`CENTRAL`, :data:`UNIVERSITY`): plain-language lines."""
    warnings: list[str] = field(default_factory=list)
    central: PlanPart | None = None
    """The central plan (the first one given)."""
    by_college: dict[str, PlanPart] = field(default_factory=dict)
    """The plan of each college."""

    def conflict(self, key: str, line: str) -> None:
        """Record a conflict under ``key`` (a college id, :data:`CENTRAL` or :data:`UNIVERSITY`)."""
        self.conflicts.setdefault(key, []).append(line)

    @property
    def planned(self) -> list[PlanPart]:
        """The parts that plan a scope of their own (all but whole-university plans)."""
        return [p for p in self.parts if p.scope != "university"]


def read_parts(folders: Iterable[Path]) -> list[PlanPart]:
    """Every plan folder given to a merge; unreadable ones raise one
    :class:`~planner.errors.InputError` naming every problem."""
    problems: list[Problem] = []
    parts = [p for f in folders if (p := read_part(Path(f), problems)) is not None]
    if problems:
        raise InputError(problems)
    if not parts:
        raise UsageError("give the central plan and the college plans to merge")
    return parts


def read_part(folder: Path, problems: list[Problem]) -> PlanPart | None:
    """One plan folder given to a merge, or ``None`` with its problems recorded."""
    try:
        assignments, meta = read_plan_dir(folder)
    except InputError as exc:
        problems.extend(exc.problems)
        return None
    where = str(folder / PLAN_JSON)
    scenario = None
    raw = meta.get("scenario")
    if isinstance(raw, dict):
        try:
            scenario = scenario_from_dict(raw, source=where)
        except UsageError as exc:
            problems.extend(Problem(where, 0, "scenario", line) for line in str(exc).splitlines())
    else:
        problems.append(Problem(where, 0, "scenario", "missing: the scenario as applied"))
    scope = str(meta.get("scope") or (scenario.scope if scenario else ""))
    held = parse_held(meta.get("held", []), where, problems)
    return PlanPart(folder, assignments, meta, scenario, scope, held, None)


def scenario_rules(scenario: Scenario) -> dict[str, Any]:
    """The rules of a scenario, without what may differ between plans of one semester."""
    data = scenario.as_dict()
    for key in ("name", "description", "scope", "solver"):
        data.pop(key, None)
    return data
