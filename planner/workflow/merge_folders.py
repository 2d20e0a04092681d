"""``planner merge`` on plan folders: the approved proposal and the folders of adjusted parts.

The folders are read into the records :func:`planner.workflow.merge.merge_parts` takes; what
only folders can get wrong is checked here: a folder given twice, no proposal or two, a
proposal not approved, a part changed since its approval. The merged plan's ``plan.json``
records the proposal and every part it took (``merged_from``), the proposal's inputs and every
part's pins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from planner.dataset import Dataset
from planner.errors import InputError, Problem, UsageError
from planner.i18n import gettext as _
from planner.io.plan_folder import BASE_KEY, PINS_KEY, PLAN_JSON, read_plan_dir, read_plan_json
from planner.scenario import Scenario, scenario_from_dict
from planner.workflow.approval import verify_plan
from planner.workflow.inputs import Proposal, read_proposal
from planner.workflow.merge import (
    MergeConflictError,
    Merged,
    PartPlan,
    merge_error,
    merge_parts,
)
from planner.workflow.pins import pin_rows
from planner.workflow.provenance import differing_tables
from planner.workflow.scopes import CENTRAL, UNIVERSITY, college_of


@dataclass
class MergedFolders:
    """A merge of plan folders: the merged plan, what its ``plan.json`` records besides, and
    notes for the user."""

    merged: Merged
    proposal: Proposal
    extra_json: dict[str, Any]
    notes: list[str]


def merge_folders(dataset: Dataset, folders: Sequence[Path]) -> MergedFolders:
    """Merge the parts in ``folders`` into the approved proposal among them (see the module
    docstring). Raises :class:`~planner.workflow.merge.MergeConflictError` listing every
    conflict by college, :class:`UsageError` when no approved proposal is given."""
    paths = [Path(f) for f in folders]
    conflicts: dict[str, list[str]] = {}
    read = _read_all(_once(paths, conflicts))
    bases = [f for f, (_a, meta) in read.items() if meta.get("scope") == UNIVERSITY]
    if not bases:
        raise UsageError(
            _(
                "give the approved proposal (the whole-university plan) and the folders of "
                "the parts adjusted against it"
            )
        )
    if len(bases) > 1:
        raise UsageError(
            _("{n} whole-university plans were given ({folders}); give one proposal").format(
                n=len(bases), folders=", ".join(str(b) for b in bases)
            )
        )
    proposal = read_proposal(bases[0], "merge:")
    parts = [_part(f, *read[f], conflicts) for f in read if f != bases[0]]
    for folder, (_a, meta) in read.items():
        differ = differing_tables(dataset, meta)
        if differ:
            conflicts.setdefault(college_of(str(meta.get("scope"))) or CENTRAL, []).append(
                _("{folder} was made from other data than the proposal ({tables} differ)").format(
                    folder=folder, tables=", ".join(differ)
                )
            )
    planned = proposal.dataset(dataset)
    try:
        merged = merge_parts(planned, proposal.scenario, proposal.assignments, parts)
    except MergeConflictError as exc:
        for key, lines in exc.conflicts.items():
            conflicts.setdefault(key, []).extend(lines)
        raise merge_error(planned, conflicts) from None
    if conflicts:
        raise merge_error(planned, conflicts)
    return MergedFolders(merged, proposal, _extra_json(proposal, merged), _notes(merged))


def proposal_folder(folders: Sequence[Path]) -> Path | None:
    """The first of ``folders`` holding a whole-university plan (the proposal), if any."""
    for folder in folders:
        meta = read_plan_json(Path(folder) / PLAN_JSON, [])
        if meta is not None and meta.get("scope") == UNIVERSITY:
            return Path(folder)
    return None


def _once(paths: list[Path], conflicts: dict[str, list[str]]) -> list[Path]:
    """Each folder once; a folder given twice is said once."""
    seen: dict[Path, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            line = _("{folder} is given twice; give each folder once").format(folder=path)
            if line not in conflicts.get(UNIVERSITY, []):
                conflicts.setdefault(UNIVERSITY, []).append(line)
            continue
        seen[key] = path
    return list(seen.values())


def _read_all(paths: list[Path]) -> dict[Path, tuple[pd.DataFrame, dict[str, Any]]]:
    """Every folder's assignments and ``plan.json`` (every unreadable one named at once)."""
    problems: list[Problem] = []
    read: dict[Path, tuple[pd.DataFrame, dict[str, Any]]] = {}
    for path in paths:
        try:
            read[path] = read_plan_dir(path)
        except InputError as exc:
            problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    return read


def _part(
    folder: Path,
    assignments: pd.DataFrame,
    meta: dict[str, Any],
    conflicts: dict[str, list[str]],
) -> PartPlan:
    """One adjusted part's folder as :func:`merge_parts` takes it."""
    scope = str(meta.get("scope") or "")
    college = college_of(scope)
    label = (
        _("the part of college {college} ({folder})").format(college=college, folder=folder)
        if college
        else _("the central part ({folder})").format(folder=folder)
        if scope == CENTRAL
        else str(folder)
    )
    report = verify_plan(folder)
    if report.approval is not None and not report.ok:
        conflicts.setdefault(college or CENTRAL, []).append(
            _("{label} was changed after it was approved: {what}").format(
                label=label, what="; ".join(report.lines())
            )
        )
    base = meta.get(BASE_KEY) if isinstance(meta.get(BASE_KEY), dict) else None
    return PartPlan(
        scope=scope,
        assignments=assignments,
        label=label,
        base_hash=str(base.get("pairs_sha256")) if base else None,
        scenario=_scenario(meta, folder),
        pins=_pins(base.get("pins") if base else None),
        record={
            "folder": str(folder),
            "scope": scope,
            "status": meta.get("status"),
            "assignments": len(assignments),
            "approved_by": (report.approval or {}).get("approved_by"),
            "approved_at": (report.approval or {}).get("approved_at"),
        },
    )


def _scenario(meta: dict[str, Any], folder: Path) -> Scenario | None:
    raw = meta.get("scenario")
    if not isinstance(raw, dict):
        return None
    try:
        return scenario_from_dict(raw, source=str(folder / PLAN_JSON))
    except UsageError:
        return None


def _pins(rows: Any) -> pd.DataFrame | None:
    """An adjustment's pins as recorded (``[cadre, kind, target, rule]``)."""
    if not isinstance(rows, list) or not rows:
        return None
    frame = pd.DataFrame([list(r) for r in rows], columns=["cadre", "kind", "target", "rule"])
    frame["row"] = pd.Series(range(2, len(frame) + 2), dtype="int64")
    return frame


def _extra_json(proposal: Proposal, merged: Merged) -> dict[str, Any]:
    """What the merged plan's ``plan.json`` records besides the plan."""
    extra = proposal.inherited()
    pins = [*extra.get(PINS_KEY, [])]
    for part in merged.parts:
        if part.pins is not None:
            pins += [row for row in pin_rows(part.pins) if row not in pins]
    if pins:
        extra[PINS_KEY] = pins
    extra["merged_from"] = {
        "proposal": proposal.record,
        "parts": [p.record for p in merged.parts],
        "unchanged": merged.kept,
    }
    return extra


def _notes(merged: Merged) -> list[str]:
    names = [college_of(s) or s for s in merged.kept]
    if not names:
        return []
    return [_("Parts taken from the proposal unchanged: {names}").format(names=", ".join(names))]
