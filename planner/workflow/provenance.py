"""Which data a plan was made from, and whether the data at hand is that data.

``plan.json`` records every input table's SHA-256 (``inputs``) and, under :data:`DATA_KEY`,
the path of the data set the plan was made from. Every command that reads a plan folder uses
that data by default, and refuses (exit 2, one sentence) data that does not match the hashes:
checked, explained or merged against other rosters, a plan would report hundreds of "unknown
cadre" violations, or label a college with another university's name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from planner.dataset import Dataset
from planner.errors import UsageError
from planner.i18n import gettext as _
from planner.io.plan_folder import PLAN_JSON, PREVIOUS_KEY, read_plan_json
from planner.words import listed

DATA_KEY = "data"
"""``plan.json`` key: ``{"path": ...}``, the data set (folder or workbook) the plan was made
from, as an absolute path."""


def data_record(path: Path) -> dict[str, Any]:
    """What ``plan.json`` records under :data:`DATA_KEY` for data read from ``path``."""
    return {"path": str(Path(path).resolve())}


def recorded_path(meta: dict[str, Any]) -> Path | None:
    """The data path ``plan.json`` records, or ``None``."""
    record = meta.get(DATA_KEY)
    path = record.get("path") if isinstance(record, dict) else None
    return Path(path) if isinstance(path, str) and path else None


def differing_tables(dataset: Dataset, meta: dict[str, Any]) -> list[str]:
    """The input files whose hash differs from what ``plan.json`` records (a table recorded
    and missing, or present and not recorded, differs too). Last semester's contacts taken
    from an approved plan (``--previous``) are not the data set's and are not compared."""
    inputs = meta.get("inputs")
    if not isinstance(inputs, dict):
        return []
    tables = set(inputs) | set(dataset.sources)
    if PREVIOUS_KEY in meta:
        tables.discard("previous")
    out = []
    for table in sorted(tables):
        recorded = inputs.get(table)
        sha = recorded.get("sha256") if isinstance(recorded, dict) else None
        source = dataset.sources.get(table)
        if source is None or sha != source.sha256:
            name = source.display if source is not None else f"{table}"
            out.append(name)
    return out


def require_same_data(dataset: Dataset, meta: dict[str, Any], folder: Path, data: Path) -> None:
    """A :class:`UsageError` (exit 2) when ``dataset`` (read from ``data``) is not the data
    the plan in ``folder`` was made from."""
    differ = differing_tables(dataset, meta)
    if not differ:
        return
    made = recorded_path(meta)
    hint = (
        _("give --data {path}, the data it was made from").format(path=made)
        if made is not None and made.resolve() != Path(data).resolve()
        else _("give --data and the data it was made from")
    )
    raise UsageError(
        _("{folder} was made from other data than {data} ({tables} differ); {hint}").format(
            folder=folder, data=data, tables=listed(differ, 4), hint=hint
        )
    )


def data_of_plan(
    folder: Path, data: Path | None, read: Callable[[Path], Dataset]
) -> tuple[Dataset, Path]:
    """The data set of the plan in ``folder``: ``data`` if given, else the data its
    ``plan.json`` records; read with ``read`` and held to the recorded hashes."""
    meta = read_plan_json(Path(folder) / PLAN_JSON, [])
    if meta is None:
        raise UsageError(
            _("{folder}: not a plan folder (no readable {file})").format(
                folder=folder, file=PLAN_JSON
            )
        )
    if data is None:
        data = data_path_of(Path(folder), meta)
    dataset = read(data)
    require_same_data(dataset, meta, Path(folder), data)
    return dataset, data


def data_path_of(folder: Path, meta: dict[str, Any]) -> Path:
    """The data path a plan's ``plan.json`` records; a :class:`UsageError` when it records
    none or the path is gone."""
    data = recorded_path(meta)
    if data is None:
        raise UsageError(
            _("{folder}: plan.json does not say which data it was made from; give --data").format(
                folder=folder
            )
        )
    if not data.exists():
        raise UsageError(
            _(
                "{folder} was made from {data}, which is no longer there; give --data and the "
                "data it was made from"
            ).format(folder=folder, data=data)
        )
    return data
