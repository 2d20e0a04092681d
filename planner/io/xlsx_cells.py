"""The cells of an ``.xlsx`` workbook as the text a user sees, read with calamine.

python-calamine (Rust) reads a university's eight-sheet workbook about ten times faster than
openpyxl. It gives each cell's value but not its number format, and one format changes what a
user sees: an id such as ``007`` is often the number 7 formatted ``000``. So the workbook's
styles are looked at first (``xl/styles.xml``, a few kilobytes): a workbook with a zero-padding
number format in use is read with openpyxl instead, which gives every cell's format. Either way
the grid is the same: one row per spreadsheet row (row 1 first), the text of
:func:`cell_text` in each cell.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import pandas as pd

ZERO_PAD_FORMAT = re.compile(r"0+")
"""A number format that shows leading zeros (``000`` shows 7 as ``007``)."""

_NUM_FMT = re.compile(rb"<(?:\w+:)?numFmt\b[^>]*?/?>")
_ATTRIBUTE = re.compile(rb'(\w+)="([^"]*)"')
_CELL_XFS = re.compile(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:\w+:)?xf\b[^>]*?/?>")


class Unreadable(Exception):
    """The file is not a workbook we can open (damaged, or another kind of file)."""


class SheetUnreadable(Exception):
    """A sheet's rows cannot be read (a truncated or corrupt workbook)."""


def cell_text(value: Any, number_format: str | None) -> str:
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
        if number_format and ZERO_PAD_FORMAT.fullmatch(number_format) and value >= 0:
            text = text.zfill(len(number_format))
        return text
    if isinstance(value, float):
        return format(value, ".15g")  # Excel shows at most 15 significant digits
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def zero_padding_in_use(data: bytes) -> bool:
    """Whether a cell style of the workbook shows numbers with leading zeros (or the styles
    cannot be read: then the careful reader decides)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            names = {n.lower(): n for n in book.namelist()}
            name = names.get("xl/styles.xml")
            if name is None:
                return False
            styles = book.read(name)
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return True
    padded: set[bytes] = set()
    for tag in _NUM_FMT.findall(styles):
        attrs = dict(_ATTRIBUTE.findall(tag))
        code = attrs.get(b"formatCode", b"").decode("utf-8", "replace")
        if ZERO_PAD_FORMAT.fullmatch(code):
            padded.add(attrs.get(b"numFmtId", b""))
    if not padded:
        return False
    xfs = _CELL_XFS.search(styles)
    if xfs is None:
        return True
    return any(
        dict(_ATTRIBUTE.findall(xf)).get(b"numFmtId") in padded for xf in _XF.findall(xfs.group())
    )


class Book:
    """An open ``.xlsx`` workbook: its sheet names and each sheet's grid of text."""

    def __init__(self, data: bytes) -> None:
        self._calamine: Any = None
        self._openpyxl: Any = None
        if zero_padding_in_use(data):
            self._openpyxl = _open_with_openpyxl(data)
            self.sheet_names: list[str] = list(self._openpyxl.sheetnames)
        else:
            self._calamine = _open_with_calamine(data)
            self.sheet_names = list(self._calamine.sheet_names)

    def grid(self, name: str) -> pd.DataFrame:
        """The cells of sheet ``name`` as text, indexed by spreadsheet row (row 1 = 1)."""
        rows = list(self._rows(name))
        width = max((len(r) for r in rows), default=0)
        if any(len(r) < width for r in rows):
            rows = [r + [""] * (width - len(r)) for r in rows]
        grid = pd.DataFrame(rows, dtype=object)
        grid.index = grid.index + 1
        return grid

    def _rows(self, name: str) -> Iterator[list[str]]:
        if self._openpyxl is not None:
            sheet = self._openpyxl[name]
            try:
                sheet.reset_dimensions()  # some writers store wrong dimensions
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    rows = [
                        [cell_text(c.value, c.number_format) for c in r] for r in sheet.iter_rows()
                    ]
            except Exception as exc:  # a truncated or corrupt sheet fails while read
                raise SheetUnreadable(name) from exc
            yield from rows
            return
        try:
            values = self._calamine.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine's errors: a damaged sheet
            raise SheetUnreadable(name) from exc
        for row in values:
            # Most cells are text already: only the others need converting.
            yield [v if type(v) is str else cell_text(v, None) for v in row]

    def close(self) -> None:
        """Release the file."""
        if self._openpyxl is not None:
            self._openpyxl.close()
        if self._calamine is not None:
            self._calamine.close()


def open_book(data: bytes) -> Book:
    """Open a workbook's bytes; :class:`Unreadable` if it is damaged or not a workbook."""
    return Book(data)


def _open_with_calamine(data: bytes) -> Any:
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception as exc:  # any failure to parse a user's file is a located problem
        raise Unreadable from exc


def _open_with_openpyxl(data: bytes) -> Any:
    import openpyxl  # about 0.2 s: only for workbooks that need the cells' formats

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's style warnings mean nothing to users
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to parse a user's file is a located problem
        raise Unreadable from exc
