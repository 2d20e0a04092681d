"""Read a data set (a folder of tables or one workbook) into a validated :class:`Dataset`.

The data contract (``shared/spec/data-contract.md``, section 1) is strict about what it accepts
and forgiving about how it is written: English or Chinese table and column names, CSV in UTF-8,
UTF-8 with BOM or GB18030, Excel workbooks, ids typed with full-width digits or stray spaces.
Reading happens in three steps, each of which collects every problem it finds before the next:

1. **Read** each file or sheet into a grid of clean text, indexed by the spreadsheet row a user
   sees (header = 1): :mod:`planner.io.sheets`.
2. **Check** every cell against its column's type, ids for uniqueness, and the references
   between tables.
3. **Convert** to the canonical frames of :mod:`planner.dataset`, only if nothing was wrong.

Problems become one :class:`~planner.errors.InputError` listing all of them; doubtful but legal
input becomes a warning in :attr:`Dataset.warnings`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from planner.contract import (
    BOOL_ALIASES,
    CENTRAL_ROLES,
    GENDER_ALIASES,
    KIND_ALIASES,
    KIND_LABELS_ZH,
    KIND_TABLE,
    KINDS,
    PIN_RULE_ALIASES,
    ROLE_ALIASES,
    ROLE_LABELS_ZH,
    TABLES,
    Column,
    Kind,
    Table,
)
from planner.dataset import Dataset, Source, derive_cadre_columns
from planner.errors import InputError, Problem
from planner.i18n import gettext as _
from planner.io.located import Report, Sheet
from planner.io.sheets import (
    lone_workbook,
    read_folder,
    read_table_file,
    read_workbook,
)
from planner.words import gone_words, kind_word, role_code

GRADE_RANGE = (1990, 2100)
"""Entry years accepted in a ``grade`` column (inclusive)."""

SHORT_LIST = 6
"""A set of known ids up to this size is listed in full in a message; a longer one as first…last."""

CELL_LIMIT = 32_767
"""Most characters an Excel cell holds; a longer cell cannot be written back to a workbook."""


_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
"""Control characters an .xlsx cannot hold (XML 1.0); tab and line breaks are fine."""

_ROLE_WORDS = {text: role.value for text, role in ROLE_ALIASES.items()}
_KIND_WORDS = {text: kind.value for text, kind in KIND_ALIASES.items()}
_CENTRAL_WORDS = frozenset(role.value for role in CENTRAL_ROLES)

_VOCABULARIES: dict[str, dict[str, Any]] = {
    "gender": GENDER_ALIASES,
    "role": _ROLE_WORDS,
    "bool": BOOL_ALIASES,
    "kind": _KIND_WORDS,
    "rule": PIN_RULE_ALIASES,
}

_VOCABULARY_HINTS: dict[str, Callable[[str], str]] = {
    "gender": lambda v: _("'{value}' is not a gender: write M or F (男 or 女)").format(value=v),
    "role": lambda v: _("unknown role '{value}': write one of {roles}").format(
        value=v, roles=", ".join(f"{role.value} ({zh})" for role, zh in ROLE_LABELS_ZH.items())
    ),
    "bool": lambda v: _(
        "'{value}' is not yes or no: write yes/no, 是/否, true/false or 1/0 (blank means yes)"
    ).format(value=v),
    "kind": lambda v: _("unknown kind '{value}': write one of {kinds} ({labels})").format(
        value=v, kinds=", ".join(KINDS), labels=", ".join(KIND_LABELS_ZH[k] for k in KINDS)
    ),
    "rule": lambda v: _("unknown rule '{value}': write require or forbid (指定 or 禁止)").format(
        value=v
    ),
}


def read_dataset(path: Path) -> Dataset:
    """Read and validate the data set at ``path``: a folder of tables or one ``.xlsx`` workbook.

    Raises :class:`~planner.errors.InputError` listing every problem found (files that cannot
    be read, missing tables or columns, bad cells, duplicate ids, broken references).
    """
    path = Path(path)
    report = Report()
    workbook = lone_workbook(path) if path.is_dir() else None
    if workbook is not None:
        report.warnings.append(
            _(
                "{file}: the folder holds no table files, so this workbook is read as the "
                "data set (one sheet per table)"
            ).format(file=workbook.name)
        )
        sheets = read_workbook(workbook, report)
    elif path.is_dir():
        sheets = read_folder(path, report)
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        sheets = read_workbook(path, report)
    elif path.exists():
        report.problem(
            path.name,
            0,
            "",
            _(
                "a data set is a folder with one file per table, or one .xlsx workbook "
                "with one sheet per table"
            ),
        )
        raise InputError(report.problems)
    else:
        report.problem(str(path), 0, "", _("no such folder or file"))
        raise InputError(report.problems)

    values = {name: check_cells(sheet, report) for name, sheet in sheets.items()}
    for sheet in sheets.values():
        _check_unique_ids(sheet, report)
    _check_references(sheets, values, report)
    if report.problems:
        raise InputError(report.problems)

    frames = {
        name: _canonical(table, sheets.get(name), values.get(name))
        for name, table in TABLES.items()
    }
    frames["cadres"] = derive_cadre_columns(frames["cadres"])
    dataset = Dataset(
        **frames,
        sources={name: sheets[name].source for name in TABLES if name in sheets},
        warnings=report.warnings,
    )
    _warn_cadres_without_targets(dataset, sheets["cadres"])
    return dataset


def read_table(file: Path, table: Table) -> tuple[pd.DataFrame, Source]:
    """Read and validate one table given as its own file (``.csv`` or ``.xlsx``, first sheet).

    Returns the canonical frame (see :mod:`planner.dataset`) and the file's
    :class:`~planner.dataset.Source`. References to other tables are not checked (there are
    none to check against). Raises :class:`~planner.errors.InputError` listing every problem.
    """
    report = Report()
    sheet = read_table_file(Path(file), table, report)
    values = check_cells(sheet, report) if sheet is not None else {}
    if report.problems or sheet is None:
        raise InputError(report.problems or [Problem(Path(file).name, 0, "", _("cannot be read"))])
    return _canonical(table, sheet, values), sheet.source


# --------------------------------------------------------------------------- collecting


# --------------------------------------------------------------------------- locating tables


# --------------------------------------------------------------------------- reading files


# --------------------------------------------------------------------------- header


# --------------------------------------------------------------------------- checking cells


def check_cells(sheet: Sheet, report: Report) -> dict[str, pd.Series]:
    """Check every cell of ``sheet`` against its column; return the converted values."""
    converted: dict[str, pd.Series] = {}
    for column in sheet.table.columns:
        if column.name not in sheet.cells:
            continue
        values = sheet.cells[column.name]
        unusable = _unusable_cells(sheet, column.name, report)
        if unusable.any():  # checked no further: one message per cell is enough
            values = values.where(~unusable, "")
            sheet.cells[column.name] = values
        blank = (values == "") & ~unusable
        if column.required:
            report.cells(
                sheet,
                column.name,
                blank,
                lambda v: _("this cell is empty, but every row needs a value here"),
            )
        value, bad, message = _convert(column, values)
        report.cells(sheet, column.name, bad & ~blank & ~unusable, message)
        converted[column.name] = value
    return converted


def _unusable_cells(sheet: Sheet, column: str, report: Report) -> pd.Series:
    """Cells no spreadsheet can hold (too long, or a control character), each reported."""
    values = sheet.cells[column]
    texts = values.tolist()
    unusable = pd.Series(False, index=values.index)
    # Fast paths: one pass in C over the whole column; most columns have neither problem.
    if max(map(len, texts), default=0) > CELL_LIMIT:
        unusable = values.str.len() > CELL_LIMIT
        report.cells(sheet, column, unusable, _too_long_message)
    if CONTROL.search("\n".join(texts)):
        control = ~unusable & values.str.contains(CONTROL, regex=True)
        report.cells(sheet, column, control, _control_message)
        unusable = unusable | control
    return unusable


def _control_message(value: str) -> str:
    found = CONTROL.search(value)
    code = f"U+{ord(found[0]):04X}" if found else "?"
    return _(
        "this cell holds an invisible control character ({code}) that a spreadsheet cannot "
        "hold: retype the cell"
    ).format(code=code)


def _too_long_message(value: str) -> str:
    return _(
        "this cell holds {n} characters, more than a spreadsheet cell can hold "
        "({limit}): shorten it"
    ).format(n=f"{len(value):,}", limit=f"{CELL_LIMIT:,}")


def _convert(
    column: Column, values: pd.Series
) -> tuple[pd.Series, pd.Series, Callable[[str], str]]:
    """Converted values, the mask of bad ones, and the message for a bad value."""
    if column.type == "int":
        low, high = GRADE_RANGE if column.name == "grade" else (0, None)
        numbers = _per_distinct(values, lambda v: _whole_number(v, low, high)).astype("Int64")
        message = _grade_message if column.name == "grade" else _count_message
        return numbers, numbers.isna(), message
    if column.type in _VOCABULARIES:
        words = _VOCABULARIES[column.type]
        mapped = _per_distinct(values, lambda v: words.get(v.lower()))
        return mapped, mapped.isna(), _VOCABULARY_HINTS[column.type]
    return values, pd.Series(False, index=values.index), str


def _per_distinct(values: pd.Series, func: Callable[[str], Any]) -> pd.Series:
    """``func`` applied to each cell, computed once per distinct text (columns repeat a lot)."""
    codes, texts = pd.factorize(values)
    results = np.array([func(str(t)) for t in texts] + [None], dtype=object)
    return pd.Series(results[codes], index=values.index, dtype=object)


def _whole_number(text: str, low: int, high: int | None) -> int | None:
    """``text`` as a whole number in ``[low, high]``, or None."""
    if not _WHOLE_NUMBER.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number and (high is None or number <= high) else None


def _grade_message(value: str) -> str:
    low, high = GRADE_RANGE
    return _(
        "'{value}' is not an entry year: write the year as a whole number between "
        "{low} and {high} (e.g. 2026)"
    ).format(value=value, low=low, high=high)


def _count_message(value: str) -> str:
    if re.fullmatch(r"-[0-9]+", value):
        return _("'{value}' is negative: a number of people must be 0 or more").format(value=value)
    return _("'{value}' is not a whole number: write a number of people, 0 or more").format(
        value=value
    )


def _check_unique_ids(sheet: Sheet, report: Report) -> None:
    """Each ``id`` appears once; every later row repeating it is reported."""
    if "id" not in sheet.cells:
        return
    ids = sheet.cells["id"]
    ids = ids[ids != ""]
    repeated = ids.duplicated(keep="first")
    if not repeated.any():
        return
    first_row = dict(zip(ids[~repeated].tolist(), ids.index[~repeated].tolist(), strict=True))
    report.cells(
        sheet,
        "id",
        sheet.cells.index.to_series().isin(ids.index[repeated]),
        lambda v: _("duplicate id '{value}': row {row} already has it; ids must be unique").format(
            value=v, row=first_row[v]
        ),
    )


# --------------------------------------------------------------------------- references


def _known(ids: Iterable[str]) -> str:
    """A short description of a set of ids: all of them, or first…last."""
    ordered = sorted(set(ids))
    if not ordered:
        return _("none are listed")
    if len(ordered) <= SHORT_LIST:
        return _("known: {ids}").format(ids=", ".join(ordered))
    return _("known: {ids}").format(ids=f"{ordered[0]}…{ordered[-1]}")


def _ids(sheet: Sheet | None) -> set[str] | None:
    """The non-blank ids of a table, or None when the table or its id column is unreadable."""
    if sheet is None or "id" not in sheet.cells:
        return None
    return set(sheet.cells["id"].tolist()) - {""}


def _check_references(
    sheets: dict[str, Sheet], values: dict[str, dict[str, pd.Series]], report: Report
) -> None:
    """Colleges, units, pins and previous rows must name rows that exist.

    ``values`` are the converted cells (:func:`check_cells`): roles and kinds in English.
    """
    colleges = _ids(sheets.get("colleges"))
    if colleges is not None:
        known = _known(colleges)
        for name in ("classes", "dorms", "branches", "societies"):
            sheet = sheets.get(name)
            if sheet is None or "college" not in sheet.cells:
                continue
            given = sheet.cells["college"]
            bad = (given != "") & ~given.isin(colleges)
            report.cells(
                sheet,
                "college",
                bad,
                lambda v: _("unknown college '{college}' ({known})").format(college=v, known=known),
            )
        if "cadres" in sheets:
            _check_units(sheets["cadres"], values["cadres"], colleges, report)

    cadres = _ids(sheets.get("cadres"))
    targets = {kind.value: _ids(sheets.get(table)) for kind, table in KIND_TABLE.items()}
    for name, fatal in (("pins", True), ("previous", False)):
        sheet = sheets.get(name)
        if sheet is not None:
            _check_pairs(sheet, values[name], cadres, targets, sheets, report, fatal=fatal)


def _check_units(
    cadres: Sheet, values: dict[str, pd.Series], colleges: set[str], report: Report
) -> None:
    """A college-role cadre's ``unit`` is a college id; a central role's unit is free text."""
    if "unit" not in cadres.cells or "role" not in values:
        return
    roles = values["role"]
    college_role = roles.notna() & ~roles.isin(_CENTRAL_WORDS)
    units = cadres.cells["unit"]
    bad = college_role & (units != "") & ~units.isin(colleges)
    for role in sorted(set(roles[bad])):
        report.cells(cadres, "unit", bad & (roles == role), _unit_message(role, colleges))


def _unit_message(role: str, colleges: set[str]) -> Callable[[str], str]:
    known = _known(colleges)
    return lambda unit: _(
        "unknown college '{unit}': a {role} belongs to a college, so the unit must be "
        "a college code ({known})"
    ).format(unit=unit, role=role_code(role), known=known)


def _check_pairs(
    sheet: Sheet,
    values: dict[str, pd.Series],
    cadres: set[str] | None,
    targets: dict[str, set[str] | None],
    sheets: dict[str, Sheet],
    report: Report,
    *,
    fatal: bool,
) -> None:
    """Cadre and target of each pins row must exist (errors); of previous, warnings."""
    cells = sheet.cells
    if cadres is not None and "cadre" in cells:
        bad = (cells["cadre"] != "") & ~cells["cadre"].isin(cadres)
        report.cells(
            sheet, "cadre", bad, _cadre_message(sheets["cadres"].display, fatal), warning=not fatal
        )
    if "kind" not in values or "target" not in cells:
        return
    kinds = values["kind"]
    given = cells["target"]
    for kind in Kind:
        known = targets[kind.value]
        if known is None:
            continue
        bad = (kinds == kind.value) & (given != "") & ~given.isin(known)
        where = sheets[KIND_TABLE[kind]].display
        report.cells(sheet, "target", bad, _target_message(kind, where, fatal), warning=not fatal)


def _cadre_message(roster: str, fatal: bool) -> Callable[[str], str]:
    if fatal:
        return lambda v: _("unknown cadre '{cadre}': not in {roster}").format(
            cadre=v, roster=roster
        )
    return lambda v: _("cadre '{cadre}' is no longer on the roster; the contact ends").format(
        cadre=v
    )


def _target_message(kind: Kind, where: str, fatal: bool) -> Callable[[str], str]:
    if fatal:
        return lambda v: _("unknown {kind} '{target}': not in {file}").format(
            kind=kind_word(kind.value), target=v, file=where
        )
    return lambda v: gone_words(kind.value, v)


# --------------------------------------------------------------------------- converting


def _canonical(
    table: Table, sheet: Sheet | None, values: dict[str, pd.Series] | None
) -> pd.DataFrame:
    """The canonical frame of ``table`` (see :mod:`planner.dataset`); empty if absent."""
    index: pd.Index
    if sheet is None or values is None:
        index = pd.Index([], dtype="int64")
        values = {}
    else:
        index = sheet.cells.index
    columns: dict[str, pd.Series] = {}
    for column in table.columns:
        given = values.get(column.name)
        columns[column.name] = _canonical_column(column, given, index)
    frame = pd.DataFrame(columns, index=index)
    frame["row"] = index.astype("int64")
    return frame.reset_index(drop=True)


def _canonical_column(column: Column, given: pd.Series | None, index: pd.Index) -> pd.Series:
    """One column in canonical form; an absent optional column takes its default."""
    if column.type == "int":
        if given is None:  # dorms.grade, the only optional int
            return pd.Series(pd.NA, index=index, dtype="Int64")
        return given.astype("int64" if column.required else "Int64")
    if column.type == "bool":
        if given is None:
            return pd.Series(True, index=index, dtype=bool)
        return given.fillna(True).astype(bool)
    if given is None:
        given = pd.Series("", index=index, dtype=str)
    if column.type == "id" and not column.required:  # societies.college: None = university
        return given.astype(object).where(given != "", None)
    return given.astype(str)


def _warn_cadres_without_targets(dataset: Dataset, cadres_sheet: Sheet) -> None:
    """Warn about available college-role cadres whose college has no target at all."""
    cadres = dataset.available_cadres()
    cadres = cadres[~cadres["central"]]
    if cadres.empty:
        return
    with_targets: set[str] = set()
    for table in KIND_TABLE.values():
        with_targets.update(dataset.table(table)["college"].dropna().tolist())
    lonely = cadres[~cadres["college"].isin(with_targets)]
    header = cadres_sheet.headers["unit"]
    for cadre in lonely.itertuples():
        dataset.warnings.append(
            f"{cadres_sheet.display}:{cadre.row}:{header}: "
            + _(
                "college '{college}' has no class, dorm, party branch or society, so cadre "
                "'{cadre}' ({role}) can hold no target"
            ).format(college=cadre.college, cadre=cadre.id, role=role_code(cadre.role))
        )
