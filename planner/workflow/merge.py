"""Merging the central plan and every college plan into one university plan.

The merge runs in phases (:mod:`planner.workflow.merge_checks`): approvals; scopes (one central
plan, one plan per college, none missing); each plan against its own scope and inputs; conflicts
across plans; then the merged plan itself, checked against every hard rule and described like
a solved plan (:func:`planner.planning.plan_from_assignments`). Conflicts are listed college by
college (:class:`MergeConflictError`), and nothing is written while there are any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.check.checker import check_assignments
from planner.contract import KINDS, ROLES
from planner.dataset import Dataset
from planner.errors import PlannerError
from planner.io.plan_folder import (
    ASSIGNMENTS_CSV,
    PINS_KEY,
    PLAN_JSON,
    PLAN_KEY,
    PREVIOUS_KEY,
    as_planned,
)
from planner.plan import MERGED_STATUS, Plan
from planner.planning import plan_from_assignments
from planner.workflow.approval import file_sha256
from planner.workflow.merge_checks import (
    check_across,
    check_approvals,
    check_each_part,
    check_scopes,
)
from planner.workflow.parts import CENTRAL, UNIVERSITY, Merge, PlanPart, read_parts

CONFLICTS_SHOWN = 5
"""Conflicts of one kind listed in full per college before the rest are counted."""

_SHAPE = re.compile(
    r"'[^']*'|\S*\d\S*|\b(?:"
    + "|".join(sorted({k.value for k in KINDS} | {r.value for r in ROLES}))
    + r")\b"
)
"""What differs between conflicts of one kind: ids, quoted values, kinds and roles."""


class MergeConflictError(PlannerError):
    """Plans that cannot be merged; ``conflicts`` maps a college id (or ``central`` /
    ``university``) to plain-language lines (exit code 2)."""

    exit_code = 2

    def __init__(self, conflicts: dict[str, list[str]], headings: dict[str, str]) -> None:
        self.conflicts = conflicts
        self.headings = headings
        super().__init__("\n".join(self.lines()))

    @property
    def count(self) -> int:
        """The number of conflicts."""
        return sum(len(v) for v in self.conflicts.values())

    def lines(self) -> list[str]:
        """The conflicts as lines a reader goes through college by college."""
        n = self.count
        out = [
            f"The plans cannot be merged: {n} conflict{'s' if n != 1 else ''}; nothing was written."
        ]
        for key, items in self.conflicts.items():
            out.append(f"{self.headings.get(key, key)}:")
            # Lines alike but for ids (hundreds when a plan reaches outside its college) are
            # shown a few at a time, then counted.
            shapes: dict[str, list[str]] = {}
            for item in items:
                shapes.setdefault(_SHAPE.sub("#", item), []).append(item)
            for alike in shapes.values():
                out.extend(f"  - {item}" for item in alike[:CONFLICTS_SHOWN])
                if len(alike) > CONFLICTS_SHOWN:
                    out.append(f"  ... and {len(alike) - CONFLICTS_SHOWN} more like the above")
        return out


@dataclass
class MergeResult:
    """A merged university plan, what ``plan.json`` records besides it, and warnings."""

    plan: Plan
    extra_json: dict[str, Any]
    warnings: list[str]
    parts: list[PlanPart]


def merge_plans(dataset: Dataset, folders: Iterable[Path]) -> MergeResult:
    """Merge the central plan and the college plans in ``folders`` into one university plan.

    Checks, and reports by college (raising :class:`MergeConflictError`): a plan changed
    since its approval; a plan that is not a central or college plan, or a college given twice;
    a college with available cadres and no plan; each plan against its own scope and every hard
    rule (a college plan reaching outside its college); a target held in two plans; a cadre in
    two plans; a college plan made against another central plan; then every hard rule on the
    merged plan. Unreadable folders raise :class:`~planner.errors.InputError`.
    """
    merge = Merge(dataset, read_parts(folders))
    check_approvals(merge)
    check_scopes(merge)
    base = merge.central or merge.parts[0]
    check_each_part(merge, base)
    check_across(merge)
    if base.scenario is None:
        raise _merge_error(merge)
    scenario = base.scenario.with_changes(scope="university", name=base.scenario.name)
    merged_ds, extra, more = _merged_inputs(merge)
    merge.warnings += more
    union = pd.concat([p.assignments[list(PLAN_KEY)] for p in merge.planned], ignore_index=True)
    if not merge.conflicts:
        for line in check_assignments(merged_ds, scenario, union).violations:
            merge.conflict(_owner(line, merge), f"the merged plan breaks a rule: {line}")
    if merge.conflicts:
        raise _merge_error(merge)
    plan = plan_from_assignments(merged_ds, scenario, union, status=MERGED_STATUS)
    plan.changes = _explain_changes(plan, merge.parts)
    plan.warnings = [*plan.warnings, *merge.warnings]
    extra["merged_from"] = [_part_record(p) for p in merge.parts]
    return MergeResult(plan=plan, extra_json=extra, warnings=merge.warnings, parts=merge.parts)


def _part_record(part: PlanPart) -> dict[str, Any]:
    """What the merged plan's ``plan.json`` records of one part (``merged_from``)."""
    return {
        "folder": str(part.folder),
        "scope": part.scope,
        "status": part.meta.get("status"),
        "assignments": len(part.assignments),
        "assignments_sha256": _sha_or_none(part.folder / ASSIGNMENTS_CSV),
        "approved_by": (part.approval or {}).get("approved_by"),
        "approved_at": (part.approval or {}).get("approved_at"),
    }


def _owner(line: str, merge: Merge) -> str:
    """Where a rule broken by the merged plan is listed: the plan of the first cadre the
    message names, else that cadre's college (or the central plan), else across all plans."""
    dataset, parts = merge.dataset, merge.parts
    found = re.search(r"cadre (\S+)", line)
    if found is None:
        return UNIVERSITY
    cadre = found[1]
    for part in parts:
        if part.scope != "university" and (part.assignments["cadre_id"] == cadre).any():
            return part.key
    roster = dataset.cadres
    row = roster[roster["id"] == cadre]
    if row.empty:
        return UNIVERSITY
    return CENTRAL if bool(row["central"].iloc[0]) else str(row["unit"].iloc[0])


def _sha_or_none(path: Path) -> str | None:
    return file_sha256(path) if path.is_file() else None


def _merge_error(merge: Merge) -> MergeConflictError:
    """The conflicts in reading order (central, colleges by id, university) with headings."""
    conflicts, dataset, parts = merge.conflicts, merge.dataset, merge.parts
    names = dict(zip(dataset.colleges["id"], dataset.colleges["name"], strict=True))
    folders = {p.college: p.folder for p in parts if p.college}
    central = [p.folder for p in parts if p.scope == "central"]
    headings: dict[str, str] = {
        CENTRAL: "Central plan" + (f" ({central[0]})" if central else ""),
        UNIVERSITY: "Across all plans",
    }
    for key in conflicts:
        if key not in headings:
            name = names.get(key)
            where = f" — {folders[key]}" if key in folders else ""
            headings[key] = f"{name} ({key}){where}" if name else f"college {key}{where}"
    order = [
        CENTRAL,
        *sorted(k for k in conflicts if k not in (CENTRAL, UNIVERSITY)),
        UNIVERSITY,
    ]
    ordered = {k: conflicts[k] for k in order if k in conflicts}
    return MergeConflictError(ordered, headings)


def _merged_inputs(merge: Merge) -> tuple[Dataset, dict[str, Any], list[str]]:
    """The data set of the merged plan: last semester's contacts as the plans had them (the
    central plan's, when they differ), and every plan's command-line pins."""
    dataset, central = merge.dataset, merge.central
    warnings: list[str] = []
    extra: dict[str, Any] = {}
    usable = merge.planned
    records = {_previous_sha(p) for p in usable}
    base = central or (usable[0] if usable else None)
    if len(records) > 1:
        warnings.append(
            "the plans were made from different tables of last semester's contacts; the merged "
            f"plan uses the one of {base.label if base else 'the data set'}"
        )
    merged = dataset
    if base is not None and isinstance(base.meta.get(PREVIOUS_KEY), dict):
        record = dict(base.meta[PREVIOUS_KEY])
        merged = as_planned(merged, {PREVIOUS_KEY: record}, str(base.folder / PLAN_JSON))
        extra[PREVIOUS_KEY] = record
    pins: list[list[str]] = []
    for part in usable:
        for row in part.meta.get(PINS_KEY) or []:
            if isinstance(row, list) and row not in pins:
                pins.append(row)
    if pins:
        merged = as_planned(merged, {PINS_KEY: pins})
        extra[PINS_KEY] = pins
    return merged, extra, warnings


def _previous_sha(part: PlanPart) -> str | None:
    """The hash of the previous table a plan continued from (``None``: the data set's)."""
    record = part.meta.get(PREVIOUS_KEY)
    return str(record.get("sha256")) if isinstance(record, dict) else None


def _explain_changes(plan: Plan, parts: list[PlanPart]) -> pd.DataFrame:
    """In a merged plan, say which plan took an ended contact's target."""
    changes = plan.changes.copy()
    if changes.empty:
        return changes
    part_of: dict[str, PlanPart] = {}
    for part in parts:
        for cadre in part.assignments["cadre_id"]:
            part_of.setdefault(cadre, part)
    a = plan.assignments
    holder = {
        (k, t): (c, n)
        for c, n, k, t in zip(
            a["cadre_id"], a["cadre_name"], a["kind"], a["target_id"], strict=True
        )
    }
    reasons = changes["reason"].tolist()
    for i, row in enumerate(changes.itertuples(index=False)):
        if row.status != "ended" or not str(row.reason).startswith("coverage gain"):
            continue
        found = holder.get((row.kind, row.target_id))
        if found is None:
            continue
        cadre, name = found
        theirs, mine = part_of.get(cadre), part_of.get(row.cadre_id)
        if theirs is not None and mine is not None and theirs is not mine:
            reasons[i] = f"{theirs.label.split(' (')[0]} placed {name} ({cadre}) at this {row.kind}"
    changes["reason"] = reasons
    return changes
