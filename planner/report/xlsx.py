"""Writing ``.xlsx`` files fast: openpyxl (write-only mode) writes a workbook's structure, styles,
header rows, freeze panes, filters and column widths, and the data rows of a table sheet are
rendered here as the same ``<row>`` XML openpyxl would write (inline strings, text cells for
formula-like text) and spliced into their sheets when the workbook is saved.

openpyxl spends ~25 µs per cell, about 6 s for a plan of 9,000 assignments (whose rows appear
twice: in 全部安排 and in a college sheet); this way it is about 1 s. Any text a spreadsheet
could take for a formula is written as an inert text cell
(:func:`planner.io.cells.is_formula_like`).
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.io.cells import is_formula_like

MAX_WIDTH = 50
"""Widest column, in Excel character units."""
MIN_WIDTH = 6
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (control characters, lone surrogates, non-characters)."""
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Col:
    """One column of a table sheet: where its values come from and its Chinese header."""

    source: str
    header: str
    convert: Callable[[Any], Any] | None = None
    wrap: bool = False
    """Long text (a reason): wrapped in its cell, so a printed page is not 166 characters
    wide."""


@dataclass(frozen=True)
class Table:
    """A table ready to write: headers, column widths and each column's cell XML fragments.

    A fragment is a cell's XML after its ``<c r="A2"`` (``None``: no cell), so the same
    rendering serves every sheet the row appears on, at whatever row number.
    """

    headers: list[str]
    widths: list[float]
    fragments: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.fragments[0]) if self.fragments else 0

    def subset(self, mask: np.ndarray) -> Table:
        """The rows where ``mask`` is true."""
        return Table(self.headers, self.widths, [f[mask] for f in self.fragments])


@dataclass(frozen=True)
class Section:
    """A further table below a sheet's own (a college's changes, its uncovered targets): a
    bold title row, a header row, then its rows."""

    title: str
    table: Table


class Book:
    """An openpyxl write-only workbook whose table sheets get their data rows spliced in."""

    def __init__(self, hidden: frozenset[str] = frozenset()) -> None:
        """``hidden``: frame columns never written (see :func:`columns_for`)."""
        self.workbook = Workbook(write_only=True)
        self.hidden = hidden
        self._rows: list[tuple[WriteOnlyWorksheet, str]] = []
        # The inert text, wrapped text and header formats, registered with the workbook (a
        # cell's style is the workbook's: any object whose parent is the workbook will do).
        owner: Any = _Owner(self.workbook)
        self._inert_attr = f' s="{inert_cell(owner, "").style_id}"'
        self._wrap_attr = f' s="{wrapped_cell(owner, "").style_id}"'
        self._header_attr = f' s="{header_cell(owner, "").style_id}"'

    def table(
        self,
        title: str,
        data: pd.DataFrame | Table,
        spec: Sequence[Col] = (),
        sections: Sequence[Section] = (),
    ) -> Table:
        """Add a table sheet (bold frozen header, autofilter, fitted widths, inert text, print
        set-up), and below it each of ``sections``.

        ``data`` is a frame whose columns ``spec`` maps, or a table prepared before.
        """
        ws = self.workbook.create_sheet(title)
        table = data if isinstance(data, Table) else self.prepare(data, spec)
        widths = list(table.widths)
        for section in sections:
            for i, width in enumerate(section.table.widths):
                if i < len(widths):
                    widths[i] = max(widths[i], width)
                else:
                    widths.append(width)
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(len(table.headers), 1))}{len(table) + 1}"
        print_setup(ws)
        ws.append([header_cell(ws, header) for header in table.headers])
        rows = rows_xml(table.fragments, first_row=2) if len(table) else ""
        row = len(table) + 3  # one blank row between tables
        for section in sections:
            title_row = [
                f'{self._header_attr} t="inlineStr"><is>{_text_xml(section.title)}</is></c>'
            ]
            header = [
                f'{self._header_attr} t="inlineStr"><is>{_text_xml(h)}</is></c>'
                for h in section.table.headers
            ]
            rows += rows_xml([[f] for f in title_row], first_row=row)
            rows += rows_xml([[f] for f in header], first_row=row + 1)
            if len(section.table):
                rows += rows_xml(section.table.fragments, first_row=row + 2)
            row += len(section.table) + 3
        if rows:
            self._rows.append((ws, rows))
        return table

    def prepare(self, frame: pd.DataFrame, spec: Sequence[Col]) -> Table:
        """The cells of ``frame``'s columns that ``spec`` maps, ready for :meth:`table`."""
        cols = columns_for(frame, spec, self.hidden)
        fragments: list[np.ndarray] = []
        widths: list[float] = []
        for col in cols:
            raw = frame[col.source].tolist()
            values = [cell_value(col.convert(v) if col.convert else v) for v in raw]
            cache: dict[Any, str | None] = {}
            column = np.empty(len(values), dtype=object)
            style = self._wrap_attr if col.wrap else ""
            for i, value in enumerate(values):
                fragment = cache.get(value, _MISSING)
                if fragment is _MISSING:
                    fragment = cache[value] = cell_fragment(value, self._inert_attr, style)
                column[i] = fragment
            fragments.append(column)
            widths.append(column_width(col.header, list(cache)))
        return Table([c.header for c in cols], widths, fragments)

    def save(self) -> bytes:
        """Save: openpyxl writes the workbook, then the data rows go into their sheets."""
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        splices = {ws.path.lstrip("/"): rows.encode("utf-8") for ws, rows in self._rows}
        out = io.BytesIO()
        with (
            zipfile.ZipFile(buffer) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                data = source.read(info)
                rows = splices.pop(info.filename, None)
                if rows is not None:
                    head, tail = data.rsplit(b"</sheetData>", 1)
                    data = head + rows + b"</sheetData>" + tail
                target.writestr(info, data)
        if splices:  # openpyxl named a sheet file differently than it said
            raise RuntimeError(f"workbook sheets not found: {sorted(splices)}")
        return out.getvalue()


_MISSING: Any = object()


class _Owner:
    """Stands for a worksheet where only its workbook matters (registering a cell format)."""

    def __init__(self, workbook: Workbook) -> None:
        self.parent = workbook


def cell_fragment(value: Any, inert_attr: str, style_attr: str = "") -> str | None:
    """A cell's XML after ``<c r="A2"``, as openpyxl writes it; ``None`` for no cell.

    ``value`` is a plain cell value (see :func:`cell_value`). Text is an inline string;
    formula-like text gets ``inert_attr`` (the inert text format), so no spreadsheet
    evaluates it; other text ``style_attr`` (wrapped text, say).
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        style = inert_attr if is_formula_like(value) else style_attr
        return f'{style} t="inlineStr"><is>{_text_xml(value)}</is></c>'
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    return f' t="n"><v>{value!r}</v></c>'


def rows_xml(fragments: Sequence[Iterable[Any]], *, first_row: int) -> str:
    """The ``<row>`` elements of a table given as columns of cell fragments."""
    letters = [get_column_letter(i) for i in range(1, len(fragments) + 1)]
    parts: list[str] = []
    append = parts.append
    for r, row in enumerate(zip(*fragments, strict=True), start=first_row):
        append(f'<row r="{r}">')
        for letter, fragment in zip(letters, row, strict=True):
            if fragment is not None:
                append(f'<c r="{letter}{r}"{fragment}')
        append("</row>")
    return "".join(parts)


def _text_xml(text: str) -> str:
    """A ``<t>`` element holding ``text`` exactly (escaped; spaces and CR preserved)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # a bare CR would be read back as LF
    return f'<t xml:space="preserve">{text}</t>'


def college_sheet_name(college: str, name: str, used: set[str]) -> str:
    """A valid, unused sheet name ``ID short-name``: at most 31 characters, none of ``[]:*?/\\``.

    ``used`` holds the casefolded names taken so far and is updated.
    """
    base = _SHEET_NAME_FORBIDDEN.sub("", f"{college} {name}".strip()).strip("' ")
    base = (base or "college")[:31].rstrip()
    title, n = base, 2
    while title.casefold() in used or title.casefold() == "history":
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    used.add(title.casefold())
    return title


def text_width(value: Any) -> int:
    """Display width of ``value`` in Excel character units (CJK and full-width count 2)."""
    text = "" if value is None else str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    if longest.isascii():
        return len(longest)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


def columns_for(
    frame: pd.DataFrame, spec: Sequence[Col], hidden: frozenset[str] = frozenset()
) -> list[Col]:
    """The spec's columns the frame has, then any further frame columns under their own name
    (but ``hidden`` ones).

    Only columns of the plan are ever written (privacy): a spec column the frame lacks is
    dropped, never filled in.
    """
    known = {c.source for c in spec} | hidden
    cols = [c for c in spec if c.source in frame.columns]
    cols += [Col(str(name), str(name)) for name in frame.columns if name not in known]
    return cols


def cell_value(value: Any) -> Any:
    """A plain cell value: ``None``, ``str`` (without XML-illegal characters), ``bool``,
    ``int`` or a finite ``float``; numpy scalars unboxed, missing values ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return _ILLEGAL_XML.sub("", str(value))


def header_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


def wrapped_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A text cell whose text wraps within the column's width (top-aligned)."""
    cell = WriteOnlyCell(ws, value=text)
    cell.alignment = _WRAP
    return cell


def print_setup(ws: WriteOnlyWorksheet) -> None:
    """Ready to print: A4 landscape, fitted to the page's width (as many pages down as it
    takes), the header row repeated on every page, centred."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4


def inert_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A text cell that no spreadsheet evaluates, even if it starts with ``=``."""
    cell = WriteOnlyCell(ws)
    cell.value = text
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def protect(ws: WriteOnlyWorksheet, row: Iterable[Any]) -> list[Any]:
    return [inert_cell(ws, v) if is_formula_like(v) else v for v in row]


def column_width(header: str, values: Iterable[Any]) -> float:
    """Width of a column fitting ``header`` and ``values``, between the minimum and maximum."""
    widest = max((text_width(v) for v in values if v is not None), default=0)
    return float(min(max(widest, text_width(header) + 3, MIN_WIDTH) + 2, MAX_WIDTH))


def set_widths(ws: WriteOnlyWorksheet, headers: list[str], columns: list[list[Any]]) -> None:
    for i, (header, values) in enumerate(zip(headers, columns, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = column_width(header, set(values))
