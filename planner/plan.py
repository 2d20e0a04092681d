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
COVERAGE_COLUMNS = ["college", "college_name", "campus", "kind", "targets", "covered"]

KPI_COLUMNS: tuple[str, ...] = (
    "status",
    "class_coverage",
    "branch_coverage",
    "society_coverage",
    "dorm_coverage",
    "uncovered",
    "kept_from_previous",
    "cross_campus",
    "central_spread",
    "solve_seconds",
    "gap",
    "assignments",
    "scenario",
    "scope",
    "note",
)
"""Columns of the KPI table, indexed by the plan's label (index name ``plan``).

``*_coverage`` is the share (0–1) of targets of that kind holding their minimum of cadres
(empty when the scope has none); ``uncovered`` counts classes, branches and societies below
it; ``kept_from_previous`` counts contacts equal to last semester's; ``cross_campus`` counts
contacts on another campus than the cadre's; ``central_spread`` is the most central-role
contacts in any one college (S5); ``solve_seconds`` and ``gap`` come from the solver;
``note`` says why a scenario has no plan."""

KPI_LABELS: dict[str, str] = {
    "status": "状态 status",
    "class_coverage": "班级覆盖率 class coverage",
    "branch_coverage": "党支部覆盖率 branch coverage",
    "society_coverage": "社团覆盖率 society coverage",
    "dorm_coverage": "宿舍覆盖率 dorm coverage",
    "uncovered": "未覆盖对象 uncovered targets",
    "kept_from_previous": "保持上学期联系 kept from last semester",
    "cross_campus": "跨校区联系 cross-campus contacts",
    "central_spread": "单个学院最多校级联系人 central spread",
    "solve_seconds": "求解秒数 solve seconds",
    "gap": "最优性差距 gap",
    "assignments": "联系总数 assignments",
    "scenario": "方案 scenario",
    "scope": "范围 scope",
    "note": "说明 note",
}
"""Bilingual column headers for the workbook, the command line and the charts."""


MERGED_STATUS = "MERGED"
"""Status of a merged plan: the union of plans each solved in its own scope."""


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

    def kinds_not_counted(self) -> set[str]:
        """Kinds whose coverage the plan's scenario does not count (``coverage: off``; dorm
        rooms by default): their share is no failure, so charts and sheets show it neutral."""
        kinds = self.scenario.get("kinds") if isinstance(self.scenario, dict) else None
        return {
            str(kind)
            for kind, rule in (kinds or {}).items()
            if isinstance(rule, dict) and rule.get("coverage") == "off"
        }

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
