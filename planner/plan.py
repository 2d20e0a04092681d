"""The plan: what the solver decided, as tables, with everything needed to defend it.

A :class:`Plan` is what ``planner plan`` writes, ``planner check`` re-checks and notebooks use.
Frames:

- ``assignments``: one row per assignment; first columns exactly ``cadre_id, kind,
  target_id``, then ``cadre_name, role, cadre_unit, cadre_college, cadre_campus, target_name,
  target_college, target_campus, kept`` (bool: the same contact as last semester).
- ``uncovered``: ``kind, target_id, reason`` (every class, branch and society with fewer
  cadres than its coverage minimum), then ``target_name, target_college, target_campus``.
- ``changes``: against ``previous``: ``cadre_id, cadre_name, kind, target_id, status, reason``
  where status is ``kept``, ``moved`` (the cadre holds another target now), ``new`` (the
  cadre held nothing last semester) or ``ended`` (last semester's contact ends).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ASSIGNMENT_COLUMNS = [
    "cadre_id",
    "kind",
    "target_id",
    "cadre_name",
    "role",
    "cadre_unit",
    "cadre_college",
    "cadre_campus",
    "target_name",
    "target_college",
    "target_campus",
    "kept",
]
UNCOVERED_COLUMNS = [
    "kind",
    "target_id",
    "reason",
    "target_name",
    "target_college",
    "target_campus",
]
CHANGE_COLUMNS = ["cadre_id", "cadre_name", "kind", "target_id", "status", "reason"]


@dataclass
class TermValue:
    """One objective term: its value in the plan and the best bound proven for it."""

    name: str
    label: str
    sense: int
    value: int
    bound: int | None
    optimal: bool


@dataclass
class Plan:
    """A solved plan (see the module docstring for its frames)."""

    status: str
    """``OPTIMAL`` (every priority proven) or ``FEASIBLE`` (a time or gap limit stopped one)."""
    assignments: pd.DataFrame
    uncovered: pd.DataFrame
    changes: pd.DataFrame
    terms: dict[str, TermValue]
    objective: float
    """The weighted objective (weights of the scenario, maximised sense)."""
    bound: float
    gap: float
    solve_seconds: float
    scenario: dict[str, Any]
    scope: str
    coverage: pd.DataFrame
    """Coverage by college × kind: ``college, college_name, campus, kind, targets, covered``."""
    capacity: list[str] = field(default_factory=list)
    """Plain-language capacity notes per college (see :mod:`planner.explain.capacity`)."""
    warnings: list[str] = field(default_factory=list)
    inputs: dict[str, dict[str, str]] = field(default_factory=dict)
    """Per input table: ``{"file": ..., "sha256": ...}``."""
    stages: list[dict[str, Any]] = field(default_factory=list)
    """Per priority stage of the solve: term, status, value, bound, seconds."""
    held: list[tuple[str, str]] = field(default_factory=list)
    """Targets held by an approved plan of another scope (college scopes), left untouched."""

    def kpis(self) -> dict[str, Any]:
        """Key figures of the plan, one flat mapping (used by ``compare``)."""
        a = self.assignments
        out: dict[str, Any] = {"status": self.status, "assignments": len(a)}
        for kind in ("class", "dorm", "society", "branch"):
            rows = self.coverage[self.coverage["kind"] == kind]
            total = int(rows["targets"].sum())
            covered = int(rows["covered"].sum())
            out[f"{kind}_covered"] = covered
            out[f"{kind}_targets"] = total
            out[f"{kind}_coverage"] = round(covered / total, 4) if total else None
        out["uncovered"] = len(self.uncovered)
        out["kept_from_previous"] = int(a["kept"].sum()) if len(a) else 0
        out["cross_campus"] = int((a["cadre_campus"] != a["target_campus"]).sum()) if len(a) else 0
        for name, term in self.terms.items():
            out[f"term_{name}"] = term.value
        out["solve_seconds"] = round(self.solve_seconds, 3)
        out["gap"] = self.gap
        return out
