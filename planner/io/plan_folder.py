"""A plan folder (data contract section 3): its file names, read back, and what it was made from.

:func:`read_plan` reads a whole folder back into a :class:`~planner.plan.Plan` (notebooks,
``planner compare``); :func:`read_plan_dir` reads only what the checker and the workflow need
(``assignments.csv`` with its row numbers, and ``plan.json``). Every missing or garbled file
raises one :class:`~planner.errors.InputError` naming each problem.

What a plan was made from beyond the data set -- last semester's contacts taken from an
approved plan (:data:`PREVIOUS_KEY`), pins given on the command line (:data:`PINS_KEY`) -- is
recorded in its ``plan.json``; :func:`as_planned` gives the data set as the plan was made from
it, so ``planner check`` re-checks a plan against exactly its inputs.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.contract import KINDS
from planner.dataset import Dataset, Source
from planner.errors import InputError, Problem
from planner.i18n import gettext as _
from planner.io.cells import unneutralize
from planner.plan import (
    ASSIGNMENT_COLUMNS,
    CHANGE_COLUMNS,
    COVERAGE_COLUMNS,
    UNCOVERED_COLUMNS,
    Plan,
    TermValue,
)
from planner.scenario import TERM_LABELS, TERM_SENSE
from planner.words import gone_words

ASSIGNMENTS_CSV = "assignments.csv"
UNCOVERED_CSV = "uncovered.csv"
CHANGES_CSV = "changes.csv"
COVERAGE_CSV = "coverage.csv"
WORKBOOK = "assignments.xlsx"
PLAN_JSON = "plan.json"
"""Written last: a folder holding it holds a whole plan."""
APPROVAL_JSON = "approval.json"
"""Written by whoever approves a plan; a folder holding it is never overwritten."""

HEATMAP_FILES: tuple[str, ...] = (
    "coverage_college_kind.png",
    "coverage_campus_kind.png",
    "dorm_coverage_campus_grade.png",
)
"""The heatmaps of a plan folder, in file order; the last two need the targets frame."""

PLAN_FILES: frozenset[str] = frozenset(
    {ASSIGNMENTS_CSV, UNCOVERED_CSV, CHANGES_CSV, COVERAGE_CSV, WORKBOOK, PLAN_JSON}
)
"""Files of a plan folder besides the ``*.png`` heatmaps."""

LOCK_FILE = re.compile(r"^(~\$.+|\.~lock\..+#)$")
"""Lock files Excel (``~$book.xlsx``) and LibreOffice (``.~lock.book.xlsx#``) keep next to an
open workbook."""

PREVIOUS_KEY = "previous_from"
"""``plan.json`` key: where last semester's contacts came from (``--previous``), with the rows."""

BASE_KEY = "base_plan"
"""``plan.json`` key of a part re-planned against the proposal (``planner plan --held``): the
proposal (``folder``, ``pairs_sha256``, who approved it) and its contacts of the part's cadres
(``rows``, ``[cadre, kind, target]``), from which the checker recomputes S6."""

PINS_KEY = "command_line_pins"
"""``plan.json`` key: pins given with ``--require``/``--forbid``, as ``[cadre, kind, target,
rule]``."""

PLAN_KEY = ASSIGNMENT_COLUMNS[:3]
"""The first columns of ``assignments.csv``: the key of an assignment."""


def is_lock_file(name: str) -> bool:
    """Whether ``name`` is a spreadsheet program's lock file (a workbook is open)."""
    return LOCK_FILE.match(name) is not None


def recorded_files(plan_json: Path) -> set[str]:
    """The file names a plan's ``plan.json`` lists as its own (empty if unreadable)."""
    try:
        data = json.loads(plan_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    files = data.get("files") if isinstance(data, dict) else None
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else set()


# --------------------------------------------------------------------------------------------
# Reading a plan folder back


def read_plan_dir(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a plan folder's ``assignments.csv`` (ids as text) and ``plan.json``.

    The frame gets a ``row`` column (the CSV's spreadsheet row, header = 1). A missing or
    garbled file raises :class:`~planner.errors.InputError` naming the file and, where known,
    the row.
    """
    path = Path(path)
    if not path.is_dir():
        raise InputError([Problem(str(path), 0, "", "no such plan folder")])
    problems: list[Problem] = []
    assignments = _read_assignments(path / ASSIGNMENTS_CSV, problems)
    meta = read_plan_json(path / PLAN_JSON, problems)
    if problems or assignments is None or meta is None:
        raise InputError(problems)
    return assignments, meta


def _read_assignments(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """``assignments.csv`` as text columns plus ``row``, or ``None`` with the problem recorded."""
    frame = read_plan_csv(file, PLAN_KEY, problems)
    if frame is not None:
        frame["row"] = range(2, len(frame) + 2)
    return frame


def read_plan_csv(file: Path, first: list[str], problems: list[Problem]) -> pd.DataFrame | None:
    """A CSV file of a plan folder as text columns, or ``None`` with the problem recorded.

    Ids stay text, and cells the writer quoted against formula injection (``'=SUM…``) get
    their text back. ``first`` are the columns the file must start with.
    """
    where = str(file)
    if not file.is_file():
        problems.append(
            Problem(where, 0, "", _("missing (a plan folder holds {file})").format(file=file.name))
        )
        return None
    try:
        frame = pd.read_csv(
            file, dtype=str, encoding="utf-8-sig", keep_default_na=False, na_filter=False
        )
    except UnicodeDecodeError:
        problems.append(
            Problem(where, 0, "", _("not UTF-8 text (the planner writes UTF-8 with BOM)"))
        )
        return None
    except pd.errors.EmptyDataError:
        problems.append(
            Problem(
                where,
                0,
                "",
                _("empty file (expected a header {header})").format(header=",".join(first)),
            )
        )
        return None
    except pd.errors.ParserError as exc:
        problems.append(
            Problem(where, 0, "", _("not a readable CSV ({reason})").format(reason=exc))
        )
        return None
    header = [str(c) for c in frame.columns[: len(first)]]
    if header != first:
        problems.append(
            Problem(
                where,
                1,
                "",
                _("the first columns must be exactly {expected} (found {found})").format(
                    expected=",".join(first), found=",".join(header)
                ),
            )
        )
        return None
    return frame.map(unneutralize)


def read_plan_json(file: Path, problems: list[Problem]) -> dict[str, Any] | None:
    """``plan.json`` as a mapping, or ``None`` with the problem recorded."""
    where = str(file)
    if not file.is_file():
        problems.append(
            Problem(
                where, 0, "", _("missing (a plan folder holds {file})").format(file="plan.json")
            )
        )
        return None
    try:
        data = json.loads(file.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(Problem(where, 0, "", _("not UTF-8 text")))
        return None
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(where, exc.lineno, "", _("not valid JSON ({reason})").format(reason=exc.msg))
        )
        return None
    if not isinstance(data, dict):
        problems.append(Problem(where, 0, "", _("expected a JSON object")))
        return None
    return data


def parse_held(value: Any, where: str, problems: list[Problem]) -> frozenset[tuple[str, str]]:
    """``held``: a list of ``[kind, target_id]`` pairs."""
    if value is None:
        return frozenset()
    if not isinstance(value, list):
        problems.append(Problem(where, 0, "held", "expected a list of [kind, target_id]"))
        return frozenset()
    out: set[tuple[str, str]] = set()
    for i, item in enumerate(value):
        if (
            isinstance(item, list | tuple)
            and len(item) == 2
            and all(isinstance(x, str) for x in item)
        ):
            out.add((item[0], item[1]))
        else:
            problems.append(
                Problem(where, 0, "held", f"item {i}: expected [kind, target_id], got {item!r}")
            )
    return frozenset(out)


def parse_terms(value: Any, where: str, problems: list[Problem]) -> dict[str, int]:
    """``terms``: a mapping term name → ``{"value": int, ...}`` (a bare int is accepted too)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.append(Problem(where, 0, "terms", "expected a mapping of term → {value: ...}"))
        return {}
    out: dict[str, int] = {}
    for name, entry in value.items():
        raw = entry.get("value") if isinstance(entry, dict) else entry
        if isinstance(raw, bool) or not isinstance(raw, int | float) or raw != int(raw):
            problems.append(
                Problem(where, 0, f"terms.{name}", f"expected a whole-number value, got {raw!r}")
            )
            continue
        out[str(name)] = int(raw)
    return out


TEXT_NULLABLE = ("cadre_college", "target_college")
"""Assignment columns where an empty cell means "none" (central cadre, university society)."""


def read_plan(plan_dir: str | Path) -> Plan:
    """Read a plan folder written by ``planner plan`` or :func:`write_plan` back into a Plan.

    The frames are those of the plan (ids as text, ``kept`` as bool, coverage counts as
    integers), the figures those of ``plan.json``. Raises
    :class:`~planner.errors.InputError` naming every missing or unreadable file.
    """
    folder = Path(plan_dir)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), 0, "", _("no such plan folder"))])
    if not (folder / PLAN_JSON).is_file():
        raise InputError(
            [
                Problem(
                    str(folder),
                    0,
                    "",
                    _("not a plan folder (no plan.json): give a folder written by `planner plan`"),
                )
            ]
        )
    problems: list[Problem] = []
    assignments = read_plan_csv(folder / ASSIGNMENTS_CSV, ASSIGNMENT_COLUMNS[:3], problems)
    uncovered = read_plan_csv(folder / UNCOVERED_CSV, UNCOVERED_COLUMNS[:3], problems)
    changes = read_plan_csv(folder / CHANGES_CSV, CHANGE_COLUMNS[:1], problems)
    coverage = read_plan_csv(folder / COVERAGE_CSV, COVERAGE_COLUMNS[:2], problems)
    meta = read_plan_json(folder / PLAN_JSON, problems)
    if coverage is not None:
        for column in ("targets", "covered"):
            if column not in coverage.columns:
                problems.append(Problem(str(folder / COVERAGE_CSV), 1, "", f"no column '{column}'"))
    if (
        problems
        or assignments is None
        or uncovered is None
        or changes is None
        or coverage is None
        or meta is None
    ):
        raise InputError(problems)

    assignments = assignments.reindex(columns=ASSIGNMENT_COLUMNS, fill_value="")
    assignments["kept"] = assignments["kept"].str.lower().isin(("true", "1", "yes"))
    for column in TEXT_NULLABLE:
        values = [value if value != "" else None for value in assignments[column]]
        assignments[column] = pd.Series(values, index=assignments.index, dtype=object)
    coverage = coverage.reindex(
        columns=COVERAGE_COLUMNS,
        fill_value="",
    )
    try:
        coverage["targets"] = coverage["targets"].astype(int)
        coverage["covered"] = coverage["covered"].astype(int)
    except ValueError:
        raise InputError(
            [Problem(str(folder / COVERAGE_CSV), 0, "targets", "counts must be whole numbers")]
        ) from None
    return Plan(
        status=str(meta.get("status", "")),
        assignments=assignments,
        uncovered=uncovered.reindex(columns=UNCOVERED_COLUMNS, fill_value=""),
        changes=changes.reindex(columns=CHANGE_COLUMNS, fill_value=""),
        terms=_read_terms(meta.get("terms")),
        objective=_number(meta.get("objective")),
        bound=_number(meta.get("bound")),
        gap=_number(meta.get("gap")),
        solve_seconds=_number(meta.get("solve_seconds")),
        scenario=dict(meta.get("scenario") or {}),
        scope=str(meta.get("scope", "")),
        coverage=coverage,
        capacity=list(meta.get("capacity") or []),
        warnings=list(meta.get("warnings") or []),
        inputs=dict(meta.get("inputs") or {}),
        stages=list(meta.get("stages") or []),
        held=[(str(k), str(t)) for k, t in meta.get("held") or []],
    )


def _number(value: Any) -> float:
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    )


def _read_terms(raw: Any) -> dict[str, TermValue]:
    out: dict[str, TermValue] = {}
    if not isinstance(raw, Mapping):
        return out
    for name, entry in raw.items():
        entry = entry if isinstance(entry, Mapping) else {"value": entry}
        bound = entry.get("bound")
        out[str(name)] = TermValue(
            name=str(name),
            label=str(entry.get("label", TERM_LABELS.get(name, name))),
            sense=int(entry.get("sense", TERM_SENSE.get(name, 1))),
            value=int(entry.get("value", 0)),
            bound=int(bound) if isinstance(bound, int | float) else None,
            optimal=bool(entry.get("optimal", False)),
        )
    return out


# --------------------------------------------------------------------------------------------
# The data set as a plan was made from it


def as_planned(dataset: Dataset, meta: dict[str, Any], where: str = PLAN_JSON) -> Dataset:
    """``dataset`` as the plan described by ``meta`` (its ``plan.json``) was made from it.

    ``previous`` is replaced by the rows recorded under :data:`PREVIOUS_KEY` (``planner plan
    --previous``), the pins recorded under :data:`PINS_KEY` are added, and a part re-planned
    against the proposal gets its proposal pairs (:data:`BASE_KEY`) as ``base``. A plan
    without these keys was made from the data set alone. Garbled records raise
    :class:`InputError` naming ``where``.
    """
    problems: list[Problem] = []
    out = dataset
    record = meta.get(PREVIOUS_KEY)
    if record is not None:
        rows = record.get("rows") if isinstance(record, dict) else None
        triples = _text_rows(rows, 3, where, f"{PREVIOUS_KEY}.rows", problems)
        if triples is not None:
            frame = pd.DataFrame(triples, columns=["cadre", "kind", "target"])
            frame["row"] = pd.Series(range(2, len(frame) + 2), dtype="int64")
            display = str(record.get("file") or f"{PREVIOUS_KEY} in {where}")
            source = Source("previous", display, display, str(record.get("sha256") or ""))
            out = with_previous(out, frame, source)
    base = meta.get(BASE_KEY)
    if base is not None:
        rows = base.get("rows") if isinstance(base, dict) else None
        triples = _text_rows(rows, 3, where, f"{BASE_KEY}.rows", problems)
        if triples is not None:
            frame = pd.DataFrame(triples, columns=["cadre", "kind", "target"], dtype=object)
            out = dataclasses.replace(out, base=frame)
    pins = meta.get(PINS_KEY)
    if pins is not None:
        quads = _text_rows(pins, 4, where, PINS_KEY, problems)
        if quads is not None:
            frame = pd.DataFrame(quads, columns=["cadre", "kind", "target", "rule"])
            start = int(out.pins["row"].max()) + 1 if len(out.pins) else 2
            frame["row"] = pd.Series(range(start, start + len(frame)), dtype="int64")
            bad = ~frame["rule"].isin(["require", "forbid"])
            if bad.any():
                problems.append(Problem(where, 0, PINS_KEY, "a pin's rule is require or forbid"))
            else:
                out = with_pins(out, frame)
    if problems:
        raise InputError(problems)
    return out


def _text_rows(
    value: Any, width: int, where: str, key: str, problems: list[Problem]
) -> list[list[str]] | None:
    if not isinstance(value, list) or not all(
        isinstance(item, list) and len(item) == width and all(isinstance(x, str) for x in item)
        for item in value
    ):
        problems.append(Problem(where, 0, key, f"expected a list of [{width} texts]"))
        return None
    return [list(item) for item in value]


def with_previous(dataset: Dataset, previous: pd.DataFrame, source: Source) -> Dataset:
    """``dataset`` with its ``previous`` table replaced (and the old table's warnings dropped)."""
    old = dataset.sources.get("previous")
    warnings = [w for w in dataset.warnings if old is None or not w.startswith(f"{old.display}:")]
    frame = previous[["cadre", "kind", "target", "row"]].reset_index(drop=True)
    frame = frame[frame["kind"].isin([k.value for k in KINDS])]
    warnings += previous_warnings(dataset, frame, source.display)
    return dataclasses.replace(
        dataset,
        previous=frame.reset_index(drop=True),
        sources={**dataset.sources, "previous": source},
        warnings=warnings,
    )


def previous_warnings(dataset: Dataset, previous: pd.DataFrame, display: str) -> list[str]:
    """Warnings for previous rows naming a cadre or a target that no longer exists."""
    out: list[str] = []
    known_cadres = set(dataset.cadres["id"])
    for r in previous[~previous["cadre"].isin(known_cadres)].itertuples(index=False):
        out.append(
            f"{display}:{r.row}:cadre: "
            + _("cadre '{cadre}' is no longer on the roster; the contact ends").format(
                cadre=r.cadre
            )
        )
    targets = dataset.targets()
    known = set(zip(targets["kind"], targets["id"], strict=True))
    gone = [(k, t) not in known for k, t in zip(previous["kind"], previous["target"], strict=True)]
    for r in previous[np.array(gone, dtype=bool)].itertuples(index=False):
        out.append(f"{display}:{r.row}:target: {gone_words(r.kind, r.target)}")
    return out


def with_pins(dataset: Dataset, pins: pd.DataFrame) -> Dataset:
    """``dataset`` with ``pins`` added after its own."""
    if pins.empty:
        return dataset
    base = dataset.pins[["cadre", "kind", "target", "rule", "row"]]
    extra = pins[["cadre", "kind", "target", "rule", "row"]]
    merged = pd.concat([base, extra], ignore_index=True) if len(base) else extra.copy()
    merged["row"] = merged["row"].astype("int64")
    return dataclasses.replace(dataset, pins=merged.reset_index(drop=True))
