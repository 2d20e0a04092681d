"""Read a data set (a folder of tables or one workbook) into a validated :class:`Dataset`.

The data contract (``shared/spec/data-contract.md``, section 1) is strict about what it accepts
and forgiving about how it is written: English or Chinese table and column names, CSV in UTF-8,
UTF-8 with BOM or GB18030, Excel workbooks, ids typed with full-width digits or stray spaces.
Reading happens in three steps, each of which collects every problem it finds before the next:

1. **Read** each file or sheet into a grid of clean text (NFKC-folded, surrounding whitespace
   stripped), indexed by the spreadsheet row a user sees (header = 1).
2. **Check** every cell against its column's type, ids for uniqueness, and the references
   between tables.
3. **Convert** to the canonical frames of :mod:`planner.dataset`, only if nothing was wrong.

Problems become one :class:`~planner.errors.InputError` listing all of them; doubtful but legal
input becomes a warning in :attr:`Dataset.warnings`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import hashlib
import io
import re
import unicodedata
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
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
    TABLE_ALIASES,
    TABLES,
    Column,
    Kind,
    Table,
)
from planner.dataset import Dataset, Source, derive_cadre_columns
from planner.errors import InputError, Problem

GRADE_RANGE = (1990, 2100)
"""Entry years accepted in a ``grade`` column (inclusive)."""

SHORT_LIST = 6
"""A set of known ids up to this size is listed in full in a message; a longer one as first…last."""

CELL_LIMIT = 32_767
"""Most characters an Excel cell holds; a longer cell cannot be written back to a workbook."""

SAVE_AS_CSV_UTF8 = 'in Excel choose File > Save As and pick "CSV UTF-8 (Comma delimited)"'
"""How to save a table in an encoding the planner reads, told whenever one is not."""

_TABLE_SUFFIXES = (".csv", ".xlsx")
_OTHER_SUFFIXES = frozenset({".xls", ".xlsm", ".xlsb", ".et", ".ods", ".numbers", ".tsv", ".txt"})
"""Spreadsheet-like files that are not read; named after a table they get a helpful error."""

# Invisible characters str.strip() misses: zero-width space and a stray byte-order mark.
_INVISIBLE = "\u200b\ufeff"
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")
_ZERO_PAD_FORMAT = re.compile(r"0+")
_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
"""pandas' message for a quoted cell that never ends (its row counts from 0)."""
_CSV_FIELD_LIMIT = 2**31 - 1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
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
    "gender": lambda v: f"'{v}' is not a gender: write M or F (男 or 女)",
    "role": lambda v: (
        f"unknown role '{v}': write one of "
        + ", ".join(f"{role.value} ({zh})" for role, zh in ROLE_LABELS_ZH.items())
    ),
    "bool": lambda v: (
        f"'{v}' is not yes or no: write yes/no, 是/否, true/false or 1/0 (blank means yes)"
    ),
    "kind": lambda v: (
        f"unknown kind '{v}': write one of {', '.join(KINDS)} "
        f"({', '.join(KIND_LABELS_ZH[k] for k in KINDS)})"
    ),
    "rule": lambda v: f"unknown rule '{v}': write require or forbid (指定 or 禁止)",
}


def read_dataset(path: Path) -> Dataset:
    """Read and validate the data set at ``path``: a folder of tables or one ``.xlsx`` workbook.

    Raises :class:`~planner.errors.InputError` listing every problem found (files that cannot
    be read, missing tables or columns, bad cells, duplicate ids, broken references).
    """
    path = Path(path)
    report = _Report()
    workbook = _lone_workbook(path) if path.is_dir() else None
    if workbook is not None:
        report.warnings.append(
            f"{workbook.name}: the folder holds no table files, so this workbook is read as the "
            "data set (one sheet per table)"
        )
        sheets = _read_workbook(workbook, report)
    elif path.is_dir():
        sheets = _read_folder(path, report)
    elif path.is_file() and path.suffix.lower() == ".xlsx":
        sheets = _read_workbook(path, report)
    elif path.exists():
        report.problem(
            path.name,
            0,
            "",
            "a data set is a folder with one file per table, or one .xlsx workbook "
            "with one sheet per table",
        )
        raise InputError(report.problems)
    else:
        report.problem(str(path), 0, "", "no such folder or file")
        raise InputError(report.problems)

    values = {name: _check_cells(sheet, report) for name, sheet in sheets.items()}
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
    report = _Report()
    sheet = _read_table_file(Path(file), table, report)
    values = _check_cells(sheet, report) if sheet is not None else {}
    if report.problems or sheet is None:
        raise InputError(report.problems or [Problem(Path(file).name, 0, "", "cannot be read")])
    return _canonical(table, sheet, values), sheet.source


# --------------------------------------------------------------------------- collecting


@dataclass
class _Report:
    """Every problem and warning found so far."""

    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, file: str, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(file, row, column, message))

    def cells(
        self,
        sheet: _Sheet,
        column: str,
        bad: pd.Series,
        message: Callable[[str], str],
        *,
        warning: bool = False,
    ) -> None:
        """One problem (or warning) per cell of ``column`` where ``bad`` holds."""
        if not bad.any():
            return
        header = sheet.headers[column]
        selected = sheet.cells.loc[bad, column]
        for row, value in zip(selected.index.tolist(), selected.tolist(), strict=True):
            problem = Problem(sheet.display, int(row), header, message(str(value)))
            if warning:
                self.warnings.append(str(problem))
            else:
                self.problems.append(problem)


@dataclass
class _Sheet:
    """One table as read: clean text cells indexed by spreadsheet row (header = 1).

    ``cells`` holds only the contract's columns found in the header, under their English
    names; ``headers`` maps each to the header as the user wrote it.
    """

    table: Table
    display: str
    cells: pd.DataFrame
    headers: dict[str, str]
    source: Source


# --------------------------------------------------------------------------- locating tables


def _table_name(name: str) -> str | None:
    """The English table name that a file stem or sheet name stands for, if any."""
    name = unicodedata.normalize("NFKC", name).strip()
    return TABLE_ALIASES.get(name) or TABLE_ALIASES.get(name.lower())


def _lone_workbook(folder: Path) -> Path | None:
    """The one ``.xlsx`` file of a folder that holds no table files, else ``None``.

    A user who keeps the whole data set in one workbook often gives its folder as ``--data``.
    """
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))]
    if any(_table_name(p.stem) is not None for p in files):
        return None
    workbooks = [p for p in files if p.suffix.lower() == ".xlsx"]
    return workbooks[0] if len(workbooks) == 1 else None


def _read_folder(folder: Path, report: _Report) -> dict[str, _Sheet]:
    """Read every table file in ``folder`` (one file per table)."""
    display_folder = folder.resolve().name or str(folder)
    found: dict[str, Path] = {}
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        name = _table_name(file.stem)
        suffix = file.suffix.lower()
        if name is None or file.name.startswith(("~$", ".")):
            continue
        if suffix in _OTHER_SUFFIXES:
            report.problem(
                file.name,
                0,
                "",
                f"this kind of file ({suffix}) is not read: save table '{name}' as .xlsx, "
                f"or as CSV ({SAVE_AS_CSV_UTF8})",
            )
            found.setdefault(name, file)
            continue
        if suffix not in _TABLE_SUFFIXES:
            continue
        if name in found:
            report.problem(
                file.name,
                0,
                "",
                f"table '{name}' ({TABLES[name].alias}) is given twice: "
                f"{found[name].name} and {file.name}; keep only one",
            )
            continue
        found[name] = file

    sheets: dict[str, _Sheet] = {}
    for name, file in found.items():
        if file.suffix.lower() not in _TABLE_SUFFIXES:
            continue
        sheet = _read_table_file(file, TABLES[name], report)
        if sheet is not None:
            sheets[name] = sheet
    for table in TABLES.values():
        if table.required and table.name not in found:
            report.problem(
                display_folder,
                0,
                "",
                f"missing table '{table.name}' ({table.alias}): add {table.name}.csv "
                f"or {table.name}.xlsx (the Chinese name {table.alias} works too)",
            )
    return sheets


def _read_table_file(file: Path, table: Table, report: _Report) -> _Sheet | None:
    """Read one ``TABLE.csv`` or ``TABLE.xlsx`` (first sheet)."""
    data = _read_bytes(file, report)
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    if file.suffix.lower() == ".csv":
        grid = _csv_grid(data, file.name, report)
        display = file.name
    else:
        book = _open_workbook(data, file.name, report)
        if book is None:
            return None
        try:
            if not book.worksheets:
                report.problem(file.name, 0, "", "the workbook has no sheet to read")
                return None
            first = book.worksheets[0]
            display = f"{file.name}[{first.title}]"
            grid = _sheet_grid(first, display, report)
        finally:
            book.close()
    if grid is None:
        return None
    source = Source(table.name, display, str(file), digest)
    return _sheet_from_grid(grid, table, source, report, strict_width=file.suffix.lower() == ".csv")


def _read_workbook(book_path: Path, report: _Report) -> dict[str, _Sheet]:
    """Read one workbook whose sheet names are table names; other sheets are ignored."""
    data = _read_bytes(book_path, report)
    if data is None:
        return {}
    digest = hashlib.sha256(data).hexdigest()
    book_name = book_path.name
    book = _open_workbook(data, book_name, report)
    if book is None:
        return {}
    sheets: dict[str, _Sheet] = {}
    seen: dict[str, str] = {}
    try:
        for title in book.sheetnames:
            name = _table_name(title)
            if name is None:
                continue
            display = f"{book_name}[{title}]"
            if name in seen:
                report.problem(
                    display,
                    0,
                    "",
                    f"table '{name}' ({TABLES[name].alias}) is given twice: sheets "
                    f"'{seen[name]}' and '{title}'; keep only one",
                )
                continue
            seen[name] = title
            grid = _sheet_grid(book[title], display, report)
            if grid is None:
                continue
            source = Source(name, display, str(book_path), digest)
            sheet = _sheet_from_grid(grid, TABLES[name], source, report, strict_width=False)
            if sheet is not None:
                sheets[name] = sheet
    finally:
        book.close()
    for table in TABLES.values():
        if table.required and table.name not in seen:
            report.problem(
                book_name,
                0,
                "",
                f"missing sheet '{table.name}' ({table.alias}): add a sheet named "
                f"{table.name} or {table.alias}",
            )
    return sheets


# --------------------------------------------------------------------------- reading files


def _read_bytes(file: Path, report: _Report) -> bytes | None:
    """The bytes of ``file``, or None (with a problem) if it cannot be read or is empty."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        report.problem(file.name, 0, "", f"the file cannot be read: {exc.strerror}")
        return None
    if not data:
        report.problem(
            file.name, 0, "", "the file is empty (0 bytes); a table needs at least its header row"
        )
        return None
    return data


def _csv_grid(data: bytes, display: str, report: _Report) -> pd.DataFrame | None:
    """The cells of a CSV file as text, indexed by spreadsheet row; None if unreadable."""
    text = _decode(data, display, report)
    if text is None:
        return None
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
        )
    except pd.errors.EmptyDataError:
        report.problem(display, 0, "", "the file has no header row: it holds no text at all")
        return None
    except pd.errors.ParserError as exc:
        unclosed = _UNCLOSED_QUOTE.search(str(exc))
        if unclosed:
            report.problem(
                display,
                int(unclosed[1]) + 1,
                "",
                'a double quote (") opens a cell here that is never closed, so the rest of the '
                "file would read as one cell: remove the quote or close it",
            )
            return None
        # Rows of unequal length: the csv module copes, and the width check locates them.
        rows = _csv_rows(text, display, report)
        if rows is None:
            return None
        width = max((len(r) for r in rows), default=0)
        grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    grid.index = grid.index + 1
    grid.columns = pd.RangeIndex(grid.shape[1])
    return grid.fillna("")


def _csv_rows(text: str, display: str, report: _Report) -> list[list[str]] | None:
    """The rows of a CSV text by the csv module (which accepts rows of unequal length)."""
    # The csv module refuses cells over 128 KiB by default; a huge cell is the user's data.
    limit = csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:  # not expected after pandas read the file; never a traceback
        report.problem(display, reader.line_num, "", f"the file cannot be read as CSV: {exc}")
        return None
    finally:
        csv.field_size_limit(limit)


def _decode(data: bytes, display: str, report: _Report) -> str | None:
    """The text of a CSV file in UTF-8 (with or without BOM) or GB18030; None if neither."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2000].count(0) > len(data[:2000]) // 10:
        report.problem(
            display,
            0,
            "",
            'the file is saved as UTF-16 (Excel\'s "Unicode text"), which is not read: '
            + SAVE_AS_CSV_UTF8,
        )
        return None
    if data.startswith(b"PK\x03\x04"):
        report.problem(
            display,
            0,
            "",
            "this is an Excel workbook named .csv: rename it to .xlsx, or " + SAVE_AS_CSV_UTF8,
        )
        return None
    failures = []
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    for encoding, offset in (("utf-8-sig", bom), ("gb18030", 0)):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            failures.append(exc.start + offset)  # utf-8-sig counts from after the BOM
    # Locate the bad byte where the likelier encoding stopped: the one that read further.
    position = max(failures)
    line = data.count(b"\n", 0, position) + 1
    report.problem(
        display,
        line,
        "",
        f"byte 0x{data[position]:02X} cannot be read: the file is neither UTF-8 nor GB18030 "
        f"text; {SAVE_AS_CSV_UTF8}",
    )
    return None


def _column_letter(number: int) -> str:
    """Excel's name of column ``number`` (1 → ``A``, 27 → ``AA``)."""
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(number))


def _open_workbook(data: bytes, display: str, report: _Report) -> Any:
    """An openpyxl read-only workbook, or None (with a located problem) if it cannot be opened."""
    import openpyxl  # here: about 0.2 s, and most data sets are CSV files

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's style warnings mean nothing to users
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # any failure to parse a user's file is a located problem, not a crash
        report.problem(
            display,
            0,
            "",
            "the file cannot be opened as an Excel workbook (.xlsx): it is damaged or is another "
            "kind of file; open it in Excel and save it again as .xlsx",
        )
        return None


def _sheet_grid(sheet: Any, display: str, report: _Report) -> pd.DataFrame | None:
    """The cells of a worksheet as the text a user sees, indexed by spreadsheet row."""
    try:
        sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rows = [[_cell_text(c.value, c.number_format) for c in r] for r in sheet.iter_rows()]
    except Exception:  # a truncated or corrupt sheet fails only while its rows are read
        report.problem(
            display,
            0,
            "",
            "the sheet cannot be read: the workbook is damaged; open it in Excel and save it "
            "again as .xlsx",
        )
        return None
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    grid.index = grid.index + 1
    return grid


def _cell_text(value: Any, number_format: str | None) -> str:
    """The text Excel shows for a cell value (``12345`` never ``12345.0``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        # An id such as 007 is often a number formatted "000": the user sees the zeros.
        if number_format and _ZERO_PAD_FORMAT.fullmatch(number_format) and value >= 0:
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return format(value, ".15g")  # Excel shows at most 15 significant digits
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


# --------------------------------------------------------------------------- header


def _clean_text(text: str) -> str:
    """NFKC-fold (full-width digits to ASCII) and strip surrounding whitespace."""
    return unicodedata.normalize("NFKC", text).strip().strip(_INVISIBLE).strip()


def _clean(grid: pd.DataFrame) -> pd.DataFrame:
    """:func:`_clean_text` on every cell; each distinct text is cleaned once."""
    cells = grid.to_numpy(dtype=object, na_value="")
    codes, texts = pd.factorize(cells.ravel())
    cleaned = np.array([_clean_text(str(t)) for t in texts], dtype=object)
    return pd.DataFrame(cleaned[codes].reshape(cells.shape), index=grid.index, columns=grid.columns)


def _sheet_from_grid(
    grid: pd.DataFrame, table: Table, source: Source, report: _Report, *, strict_width: bool
) -> _Sheet | None:
    """Find the header, match it to the contract, and keep the contract's columns.

    The header is the first non-empty row; empty rows are skipped but keep their numbers.
    With ``strict_width`` (CSV), a value right of the last header is an error, since it
    usually means a comma inside an unquoted cell shifted the row.
    """
    display = source.display
    grid = _clean(grid)
    filled = grid != ""
    grid = grid[filled.any(axis=1)]
    if grid.empty:
        report.problem(display, 0, "", "the table has no header row: it holds no text at all")
        return None
    header_row = int(grid.index[0])
    header = [str(text) for text in grid.iloc[0].tolist()]
    data = grid.iloc[1:]
    filled_data = data.to_numpy() != ""
    rows = data.index.to_numpy()

    last = max(j for j, text in enumerate(header) if text)
    if strict_width:
        for row in rows[filled_data[:, last + 1 :].any(axis=1)]:
            report.problem(
                display,
                int(row),
                "",
                f"this row has more cells than the header ({last + 1}); "
                "a comma inside a cell must be inside double quotes",
            )
    by_header = _header_lookup(table)
    headers: dict[str, str] = {}
    keep: dict[int, str] = {}
    unknown: list[str] = []
    for j, text in enumerate(header):
        if not text:
            if filled_data[:, j].any() and not (strict_width and j > last):
                report.warnings.append(
                    f"{display}: column {_column_letter(j + 1)} has values but "
                    "no header; it is ignored"
                )
            continue
        name = by_header.get(text) or by_header.get(text.lower())
        if name is None:
            unknown.append(text)
            report.warnings.append(
                f"{display}: column '{text}' is not part of the contract and is ignored"
            )
            continue
        if name in headers:
            report.problem(
                display,
                header_row,
                text,
                f"column '{name}' is given twice (as '{headers[name]}' and '{text}'); "
                "keep only one",
            )
            continue
        headers[name] = text
        keep[j] = name

    for column in table.columns:
        if column.required and column.name not in headers:
            report.problem(
                display,
                header_row,
                column.name,
                f"missing required column '{column.name}' ({column.alias})"
                + _looks_like(column, unknown),
            )
    cells = data.iloc[:, list(keep)].set_axis(list(keep.values()), axis="columns")
    return _Sheet(table, display, cells, headers, source)


def _looks_like(column: Column, unknown: list[str]) -> str:
    """A hint naming an unknown header that is probably ``column`` misspelt, or nothing."""
    lowered = {text.lower(): text for text in unknown}
    close = difflib.get_close_matches(column.name, list(lowered), n=1, cutoff=0.7)
    close = close or difflib.get_close_matches(column.alias, list(lowered), n=1, cutoff=0.7)
    if not close:
        return ""
    return f"; the column '{lowered[close[0]]}' looks like it: rename it to '{column.name}'"


def _header_lookup(table: Table) -> dict[str, str]:
    """Header text (English lower case, or the Chinese alias) to English column name."""
    lookup = {c.alias: c.name for c in table.columns}
    lookup.update({c.name: c.name for c in table.columns})
    return lookup


# --------------------------------------------------------------------------- checking cells


def _check_cells(sheet: _Sheet, report: _Report) -> dict[str, pd.Series]:
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
                lambda _: "this cell is empty, but every row needs a value here",
            )
        value, bad, message = _convert(column, values)
        report.cells(sheet, column.name, bad & ~blank & ~unusable, message)
        converted[column.name] = value
    return converted


def _unusable_cells(sheet: _Sheet, column: str, report: _Report) -> pd.Series:
    """Cells no spreadsheet can hold (too long, or a control character), each reported."""
    values = sheet.cells[column]
    texts = values.tolist()
    unusable = pd.Series(False, index=values.index)
    # Fast paths: one pass in C over the whole column; most columns have neither problem.
    if max(map(len, texts), default=0) > CELL_LIMIT:
        unusable = values.str.len() > CELL_LIMIT
        report.cells(sheet, column, unusable, _too_long_message)
    if _CONTROL.search("\n".join(texts)):
        control = ~unusable & values.str.contains(_CONTROL, regex=True)
        report.cells(sheet, column, control, _control_message)
        unusable = unusable | control
    return unusable


def _control_message(value: str) -> str:
    found = _CONTROL.search(value)
    code = f"U+{ord(found[0]):04X}" if found else "?"
    return (
        f"this cell holds an invisible control character ({code}) that a spreadsheet cannot "
        "hold: retype the cell"
    )


def _too_long_message(value: str) -> str:
    return (
        f"this cell holds {len(value):,} characters, more than a spreadsheet cell can hold "
        f"({CELL_LIMIT:,}): shorten it"
    )


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
    return (
        f"'{value}' is not an entry year: write the year as a whole number between "
        f"{low} and {high} (e.g. 2026)"
    )


def _count_message(value: str) -> str:
    if re.fullmatch(r"-[0-9]+", value):
        return f"'{value}' is negative: a number of people must be 0 or more"
    return f"'{value}' is not a whole number: write a number of people, 0 or more"


def _check_unique_ids(sheet: _Sheet, report: _Report) -> None:
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
        lambda v: f"duplicate id '{v}': row {first_row[v]} already has it; ids must be unique",
    )


# --------------------------------------------------------------------------- references


def _known(ids: Iterable[str]) -> str:
    """A short description of a set of ids: all of them, or first…last."""
    ordered = sorted(set(ids))
    if not ordered:
        return "none are listed"
    if len(ordered) <= SHORT_LIST:
        return "known: " + ", ".join(ordered)
    return f"known: {ordered[0]}…{ordered[-1]}"


def _ids(sheet: _Sheet | None) -> set[str] | None:
    """The non-blank ids of a table, or None when the table or its id column is unreadable."""
    if sheet is None or "id" not in sheet.cells:
        return None
    return set(sheet.cells["id"].tolist()) - {""}


def _check_references(
    sheets: dict[str, _Sheet], values: dict[str, dict[str, pd.Series]], report: _Report
) -> None:
    """Colleges, units, pins and previous rows must name rows that exist.

    ``values`` are the converted cells (:func:`_check_cells`): roles and kinds in English.
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
            report.cells(sheet, "college", bad, lambda v: f"unknown college '{v}' ({known})")
        if "cadres" in sheets:
            _check_units(sheets["cadres"], values["cadres"], colleges, report)

    cadres = _ids(sheets.get("cadres"))
    targets = {kind.value: _ids(sheets.get(table)) for kind, table in KIND_TABLE.items()}
    for name, fatal in (("pins", True), ("previous", False)):
        sheet = sheets.get(name)
        if sheet is not None:
            _check_pairs(sheet, values[name], cadres, targets, sheets, report, fatal=fatal)


def _check_units(
    cadres: _Sheet, values: dict[str, pd.Series], colleges: set[str], report: _Report
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
    return lambda unit: (
        f"unknown college '{unit}': a {role} belongs to a college, so the unit must be "
        f"a college code ({known})"
    )


def _check_pairs(
    sheet: _Sheet,
    values: dict[str, pd.Series],
    cadres: set[str] | None,
    targets: dict[str, set[str] | None],
    sheets: dict[str, _Sheet],
    report: _Report,
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
        return lambda v: f"unknown cadre '{v}': not in {roster}"
    return lambda v: f"cadre '{v}' is no longer on the roster; the contact ends"


def _target_message(kind: Kind, where: str, fatal: bool) -> Callable[[str], str]:
    if fatal:
        return lambda v: f"unknown {kind.value} '{v}': not in {where}"
    return lambda v: f"{kind.value} '{v}' no longer exists (e.g. it graduated); the contact ends"


# --------------------------------------------------------------------------- converting


def _canonical(
    table: Table, sheet: _Sheet | None, values: dict[str, pd.Series] | None
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


def _warn_cadres_without_targets(dataset: Dataset, cadres_sheet: _Sheet) -> None:
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
            f"{cadres_sheet.display}:{cadre.row}:{header}: college '{cadre.college}' has no "
            f"class, dorm, party branch or society, so cadre '{cadre.id}' ({cadre.role}) "
            "can hold no target"
        )
