"""From files to sheets: each table of a data set read into a grid of clean text.

A data set is a folder with one file per table (``TABLE.csv`` or ``TABLE.xlsx``) or one
workbook with one sheet per table; table and column names may be English or Chinese; CSV files
may be UTF-8 (with or without BOM) or GB18030. Every cell becomes clean text (NFKC-folded,
surrounding whitespace stripped), indexed by the spreadsheet row a user sees (header = 1), and
the header is matched to the contract's columns. Every problem found is recorded in a
:class:`Report` with its file, row and column; :mod:`planner.io.readers` then checks the cells.
"""

from __future__ import annotations

import difflib
import hashlib
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from planner.contract import TABLE_ALIASES, TABLES, Column, Table
from planner.dataset import Source
from planner.i18n import gettext as _
from planner.io.csv_text import csv_grid, save_as_csv_utf8
from planner.io.located import Report, Sheet
from planner.io.xlsx_cells import Book, SheetUnreadable, Unreadable, open_book

_TABLE_SUFFIXES = (".csv", ".xlsx")
_OTHER_SUFFIXES = frozenset({".xls", ".xlsm", ".xlsb", ".et", ".ods", ".numbers", ".tsv", ".txt"})
"""Spreadsheet-like files that are not read; named after a table they get a helpful error."""
# Invisible characters str.strip() misses: zero-width space and a stray byte-order mark.
_INVISIBLE = "\u200b\ufeff"


def table_name(name: str) -> str | None:
    """The English table name that a file stem or sheet name stands for, if any."""
    name = unicodedata.normalize("NFKC", name).strip()
    return TABLE_ALIASES.get(name) or TABLE_ALIASES.get(name.lower())


def lone_workbook(folder: Path) -> Path | None:
    """The one ``.xlsx`` file of a folder that holds no table files, else ``None``.

    A user who keeps the whole data set in one workbook often gives its folder as ``--data``.
    """
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))]
    if any(table_name(p.stem) is not None for p in files):
        return None
    workbooks = [p for p in files if p.suffix.lower() == ".xlsx"]
    return workbooks[0] if len(workbooks) == 1 else None


def several_workbooks(folder: Path) -> list[Path]:
    """The ``.xlsx`` files of a folder that holds no table files, when there are two or more
    (a copy Windows made, ``university - 副本.xlsx``, say): which one is the data set?"""
    files = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))]
    if any(table_name(p.stem) is not None for p in files):
        return []
    workbooks = sorted(p for p in files if p.suffix.lower() == ".xlsx")
    return workbooks if len(workbooks) > 1 else []


def read_folder(folder: Path, report: Report) -> dict[str, Sheet]:
    """Read every table file in ``folder`` (one file per table)."""
    display_folder = folder.resolve().name or str(folder)
    books = several_workbooks(folder)
    if books:
        names = ", ".join(b.name for b in books)
        report.problem(
            display_folder,
            0,
            "",
            _(
                "the folder holds {n} workbooks ({names}) and no table files: keep the one "
                "that is the data set and move the others away, or give --data that workbook"
            ).format(n=len(books), names=names),
        )
        return {}
    found: dict[str, Path] = {}
    for file in sorted(p for p in folder.iterdir() if p.is_file()):
        name = table_name(file.stem)
        suffix = file.suffix.lower()
        if name is None or file.name.startswith(("~$", ".")):
            continue
        if suffix in _OTHER_SUFFIXES:
            report.problem(
                file.name,
                0,
                "",
                _(
                    "this kind of file ({suffix}) is not read: save table '{name}' as .xlsx, "
                    "or as CSV ({how})"
                ).format(suffix=suffix, name=name, how=save_as_csv_utf8()),
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
                _(
                    "table '{name}' ({alias}) is given twice: {first} and {second}; keep only one"
                ).format(
                    name=name, alias=TABLES[name].alias, first=found[name].name, second=file.name
                ),
            )
            continue
        found[name] = file

    sheets: dict[str, Sheet] = {}
    for name, file in found.items():
        if file.suffix.lower() not in _TABLE_SUFFIXES:
            continue
        sheet = read_table_file(file, TABLES[name], report)
        if sheet is not None:
            sheets[name] = sheet
    for table in TABLES.values():
        if table.required and table.name not in found:
            report.problem(
                display_folder,
                0,
                "",
                _(
                    "missing table '{name}' ({alias}): add {name}.csv or {name}.xlsx (the "
                    "Chinese name {alias} works too)"
                ).format(name=table.name, alias=table.alias),
            )
    return sheets


def read_table_file(file: Path, table: Table, report: Report) -> Sheet | None:
    """Read one ``TABLE.csv`` or ``TABLE.xlsx`` (first sheet)."""
    data = _read_bytes(file, report)
    if data is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    if file.suffix.lower() == ".csv":
        grid = csv_grid(data, file.name, report)
        display = file.name
    else:
        book = _open_workbook(data, file.name, report)
        if book is None:
            return None
        try:
            if not book.sheet_names:
                report.problem(file.name, 0, "", _("the workbook has no sheet to read"))
                return None
            first = book.sheet_names[0]
            display = f"{file.name}[{first}]"
            grid = _sheet_grid(book, first, display, report)
        finally:
            book.close()
    if grid is None:
        return None
    source = Source(table.name, display, str(file), digest)
    return _sheet_from_grid(grid, table, source, report, strict_width=file.suffix.lower() == ".csv")


def read_workbook(book_path: Path, report: Report) -> dict[str, Sheet]:
    """Read one workbook whose sheet names are table names; other sheets are ignored."""
    data = _read_bytes(book_path, report)
    if data is None:
        return {}
    digest = hashlib.sha256(data).hexdigest()
    book_name = book_path.name
    book = _open_workbook(data, book_name, report)
    if book is None:
        return {}
    sheets: dict[str, Sheet] = {}
    seen: dict[str, str] = {}
    try:
        for title in book.sheet_names:
            name = table_name(title)
            if name is None:
                continue
            display = f"{book_name}[{title}]"
            if name in seen:
                report.problem(
                    display,
                    0,
                    "",
                    _(
                        "table '{name}' ({alias}) is given twice: sheets '{first}' and "
                        "'{second}'; keep only one"
                    ).format(name=name, alias=TABLES[name].alias, first=seen[name], second=title),
                )
                continue
            seen[name] = title
            grid = _sheet_grid(book, title, display, report)
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
                _("missing sheet '{name}' ({alias}): add a sheet named {name} or {alias}").format(
                    name=table.name, alias=table.alias
                ),
            )
    return sheets


def _read_bytes(file: Path, report: Report) -> bytes | None:
    """The bytes of ``file``, or None (with a problem) if it cannot be read or is empty."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        report.problem(
            file.name, 0, "", _("the file cannot be read: {reason}").format(reason=exc.strerror)
        )
        return None
    if not data:
        report.problem(
            file.name,
            0,
            "",
            _("the file is empty (0 bytes); a table needs at least its header row"),
        )
        return None
    return data


def column_letter(number: int) -> str:
    """Excel's name of column ``number`` (1 → ``A``, 27 → ``AA``)."""
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _open_workbook(data: bytes, display: str, report: Report) -> Book | None:
    """The workbook, or None (with a located problem) if it cannot be opened."""
    try:
        return open_book(data)
    except Unreadable:
        report.problem(
            display,
            0,
            "",
            _(
                "the file cannot be opened as an Excel workbook (.xlsx): it is damaged or is "
                "another kind of file; open it in Excel and save it again as .xlsx"
            ),
        )
        return None


def _sheet_grid(book: Book, name: str, display: str, report: Report) -> pd.DataFrame | None:
    """The cells of a worksheet as the text a user sees, indexed by spreadsheet row."""
    try:
        return book.grid(name)
    except SheetUnreadable:
        report.problem(
            display,
            0,
            "",
            _(
                "the sheet cannot be read: the workbook is damaged; open it in Excel and save "
                "it again as .xlsx"
            ),
        )
        return None


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
    grid: pd.DataFrame, table: Table, source: Source, report: Report, *, strict_width: bool
) -> Sheet | None:
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
        report.problem(display, 0, "", _("the table has no header row: it holds no text at all"))
        return None
    by_header = _header_lookup(table)
    title = _title_row(grid, by_header)
    if title is not None:
        report.problem(
            display,
            title,
            "",
            _(
                "row {row} looks like a title, not the header (the column names are in row "
                "{next}): delete row {row}"
            ).format(row=title, next=int(grid.index[1])),
        )
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
                _(
                    "this row has more cells than the header ({n}); a comma inside a cell must "
                    "be inside double quotes"
                ).format(n=last + 1),
            )
    headers: dict[str, str] = {}
    keep: dict[int, str] = {}
    unknown: list[str] = []
    for j, text in enumerate(header):
        if not text:
            if filled_data[:, j].any() and not (strict_width and j > last):
                report.warnings.append(
                    f"{display}: "
                    + _("column {letter} has values but no header; it is ignored").format(
                        letter=column_letter(j + 1)
                    )
                )
            continue
        name = by_header.get(text) or by_header.get(text.lower())
        if name is None:
            unknown.append(text)
            report.warnings.append(
                f"{display}: "
                + _("column '{column}' is not part of the contract and is ignored").format(
                    column=text
                )
            )
            continue
        if name in headers:
            report.problem(
                display,
                header_row,
                text,
                _(
                    "column '{name}' is given twice (as '{first}' and '{second}'); keep only one"
                ).format(name=name, first=headers[name], second=text),
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
                _("missing required column '{name}' ({alias})").format(
                    name=column.name, alias=column.alias
                )
                + _looks_like(column, unknown),
            )
    cells = data.iloc[:, list(keep)].set_axis(list(keep.values()), axis="columns")
    return Sheet(table, display, cells, headers, source)


def _title_row(grid: pd.DataFrame, by_header: dict[str, str]) -> int | None:
    """The first non-empty row when it names no column of the contract and the next one
    names some (a title such as "2026年秋季学期联系人名单" above the header), else ``None``."""
    if len(grid) < 2:
        return None

    def names(row: int) -> int:
        return sum(
            1
            for t in grid.iloc[row].tolist()
            if t and (by_header.get(t) or by_header.get(str(t).lower()))
        )

    return int(grid.index[0]) if names(0) == 0 and names(1) > 0 else None


def _looks_like(column: Column, unknown: list[str]) -> str:
    """A hint naming an unknown header that is probably ``column`` misspelt, or nothing."""
    lowered = {text.lower(): text for text in unknown}
    close = difflib.get_close_matches(column.name, list(lowered), n=1, cutoff=0.7)
    close = close or difflib.get_close_matches(column.alias, list(lowered), n=1, cutoff=0.7)
    if not close:
        return ""
    return _("; the column '{given}' looks like it: rename it to '{name}'").format(
        given=lowered[close[0]], name=column.name
    )


def _header_lookup(table: Table) -> dict[str, str]:
    """Header text (English lower case, or the Chinese alias) to English column name."""
    lookup = {c.alias: c.name for c in table.columns}
    lookup.update({other: c.name for c in table.columns for other in c.others})
    lookup.update({c.name: c.name for c in table.columns})
    return lookup
