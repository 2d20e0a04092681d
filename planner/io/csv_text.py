"""A CSV file's bytes as a grid of text: UTF-8 (with or without BOM) or GB18030 (what Excel on
Chinese Windows saves), quotes that never close, rows of unequal length; what cannot be read is
reported with its line, and what to do."""

from __future__ import annotations

import codecs
import csv
import io
import re

import pandas as pd

from planner.i18n import gettext as _
from planner.io.located import Report


def save_as_csv_utf8() -> str:
    """How to save a table as CSV that reads everywhere (in the context's language)."""
    return _('in Excel choose File > Save As and pick "CSV UTF-8 (Comma delimited)"')


"""How to save a table in an encoding the planner reads, told whenever one is not."""
_UNCLOSED_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")
"""pandas' message for a quoted cell that never ends (its row counts from 0)."""
_CSV_FIELD_LIMIT = 2**31 - 1


def csv_grid(data: bytes, display: str, report: Report) -> pd.DataFrame | None:
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
        report.problem(display, 0, "", _("the file has no header row: it holds no text at all"))
        return None
    except pd.errors.ParserError as exc:
        unclosed = _UNCLOSED_QUOTE.search(str(exc))
        if unclosed:
            report.problem(
                display,
                int(unclosed[1]) + 1,
                "",
                _(
                    'a double quote (") opens a cell here that is never closed, so the rest of '
                    "the file would read as one cell: remove the quote or close it"
                ),
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


def _csv_rows(text: str, display: str, report: Report) -> list[list[str]] | None:
    """The rows of a CSV text by the csv module (which accepts rows of unequal length)."""
    # The csv module refuses cells over 128 KiB by default; a huge cell is the user's data.
    limit = csv.field_size_limit(_CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return list(reader)
    except csv.Error as exc:  # not expected after pandas read the file; never a traceback
        report.problem(
            display,
            reader.line_num,
            "",
            _("the file cannot be read as CSV: {reason}").format(reason=exc),
        )
        return None
    finally:
        csv.field_size_limit(limit)


def _decode(data: bytes, display: str, report: Report) -> str | None:
    """The text of a CSV file in UTF-8 (with or without BOM) or GB18030; None if neither."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:2000].count(0) > len(data[:2000]) // 10:
        report.problem(
            display,
            0,
            "",
            _(
                'the file is saved as UTF-16 (Excel\'s "Unicode text"), which is not read: {how}'
            ).format(how=save_as_csv_utf8()),
        )
        return None
    if data.startswith(b"PK\x03\x04"):
        report.problem(
            display,
            0,
            "",
            _("this is an Excel workbook named .csv: rename it to .xlsx, or {how}").format(
                how=save_as_csv_utf8()
            ),
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
        _("byte {byte} cannot be read: the file is neither UTF-8 nor GB18030 text; {how}").format(
            byte=f"0x{data[position]:02X}", how=save_as_csv_utf8()
        ),
    )
    return None
