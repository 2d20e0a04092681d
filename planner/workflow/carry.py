"""Fixed contacts carried over: last semester's contacts from an approved plan (or a table of
their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from planner.contract import TABLES
from planner.dataset import Source
from planner.errors import UsageError
from planner.i18n import gettext as _
from planner.io.plan_folder import ASSIGNMENTS_CSV, PLAN_JSON, read_plan_dir
from planner.io.readers import read_table
from planner.workflow.approval import require_approved


def previous_input(previous: Path) -> tuple[pd.DataFrame, Source, dict[str, Any], list[str]]:
    """Last semester's contacts given with ``--previous``: an approved plan folder (or its
    ``assignments.csv``) or a previous table of its own.

    Returns the ``previous`` frame, its :class:`~planner.dataset.Source`, the record that goes
    into the new plan's ``plan.json`` (with the rows, see
    :data:`~planner.io.plan_folder.PREVIOUS_KEY`) and notes for the user.
    """
    path = Path(previous)
    notes: list[str] = []
    if path.is_file() and path.name == ASSIGNMENTS_CSV and (path.parent / PLAN_JSON).exists():
        path = path.parent
    if path.is_dir():
        frame, source, record = previous_from_plan(path)
        if record.get("scope") != "university":
            notes.append(
                _(
                    "note: {folder} is a plan of scope {scope}; only its contacts are carried over"
                ).format(folder=path, scope=record.get("scope"))
            )
    elif path.is_file():
        frame, source = read_previous_table(path)
        record = {"file": source.display, "sha256": source.sha256}
    else:
        raise UsageError(_("--previous {path}: no such plan folder or file").format(path=path))
    record["rows"] = [
        list(r) for r in zip(frame["cadre"], frame["kind"], frame["target"], strict=True)
    ]
    notes.append(
        _("Last semester's contacts: {n} from {file}").format(
            n=f"{len(frame):,}", file=source.display
        )
    )
    return frame, source, record, notes


def previous_from_plan(plan_dir: Path) -> tuple[pd.DataFrame, Source, dict[str, Any]]:
    """Last semester's contacts from an approved plan folder.

    Returns the ``previous`` frame (canonical: ``cadre, kind, target, row``, rows of
    ``assignments.csv``), its :class:`~planner.dataset.Source`, and the record that goes into
    the new plan's ``plan.json`` under :data:`PREVIOUS_KEY`.
    """
    folder = Path(plan_dir)
    approval = require_approved(folder, "--previous")
    assignments, meta = read_plan_dir(folder)
    frame = pd.DataFrame(
        {
            "cadre": assignments["cadre_id"].astype(str).to_numpy(),
            "kind": assignments["kind"].astype(str).to_numpy(),
            "target": assignments["target_id"].astype(str).to_numpy(),
            "row": assignments["row"].astype("int64").to_numpy(),
        }
    )
    files = approval.get("files") or {}
    display = f"{folder / ASSIGNMENTS_CSV}"
    source = Source("previous", display, display, str(files.get(ASSIGNMENTS_CSV, "")))
    record = {
        "folder": str(folder),
        "file": display,
        "sha256": source.sha256,
        "approved_by": approval.get("approved_by"),
        "approved_at": approval.get("approved_at"),
        "scope": meta.get("scope"),
    }
    return frame, source, record


def read_previous_table(path: Path) -> tuple[pd.DataFrame, Source]:
    """A ``previous`` table given as its own file (``.csv`` or ``.xlsx``), read like the data
    set's; every problem raises :class:`InputError` as the readers do."""
    file = Path(path)
    if file.suffix.lower() not in (".csv", ".xlsx"):
        raise UsageError(
            f"--previous {file}: give an approved plan folder, or a previous table as .csv or "
            ".xlsx (columns cadre, kind, target)"
        )
    frame, source = read_table(file, TABLES["previous"])
    return frame[["cadre", "kind", "target", "row"]], source
