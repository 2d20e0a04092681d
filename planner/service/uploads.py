"""Uploaded files are checked for what a spreadsheet reader must never be handed, before any
reader sees them: a zip bomb disguised as ``.xlsx`` (its parts are unpacked as a stream, with a
hard cap, not as the zip's directory claims), XML entity declarations (``<!DOCTYPE``,
``<!ENTITY``: Excel never writes them; they are how "billion laughs" and external-entity tricks
begin), too many rows (counted while streaming, before anything is parsed) and too many parts.

Every refusal is a located :class:`~planner.errors.Problem` (the file's name, row 0: the whole
file), so the upload page shows it like any other problem of the data. Files that are not
workbooks at all (HTML or CSV renamed ``.xlsx``) pass through to the readers, which say so.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO

from planner.i18n import gettext as _
from planner.service.engine import InputError, Problem

MAX_ROWS = 200_000
"""Rows of one table (sheet or CSV): ten times a large university's biggest table."""
MAX_UNPACKED = 256 * 1024 * 1024
"""Bytes a workbook may unpack to, all its parts together."""
MAX_PARTS = 500
CHUNK = 1024 * 1024
_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def check_files(files: list[tuple[str, bytes]]) -> None:
    """Raise :class:`InputError` naming every file that must not be read (see the module)."""
    problems: list[Problem] = []
    for name, data in files:
        problems.extend(file_problems(name, data))
    if problems:
        raise InputError(problems)


def file_problems(name: str, data: bytes) -> list[Problem]:
    """What is wrong with one uploaded file before it is read (nothing: an empty list)."""
    lower = name.lower()
    if lower.endswith(".csv"):
        rows = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if rows - 1 > MAX_ROWS:
            return [_too_many_rows(name)]
        return []
    if lower.endswith(".xlsx") and data.startswith(b"PK"):
        return _workbook_problems(name, data)
    return []


def _too_many_rows(name: str) -> Problem:
    return Problem(
        name,
        0,
        "",
        _("more than {n} rows: split the table or remove empty rows at its end").format(
            n=f"{MAX_ROWS:,}"
        ),
    )


def _workbook_problems(name: str, data: bytes) -> list[Problem]:
    try:
        book = zipfile.ZipFile(BytesIO(data))
        parts = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return []  # the reader reports a damaged workbook in its own words
    if len(parts) > MAX_PARTS:
        return [Problem(name, 0, "", _("the workbook has too many parts to be read"))]
    unpacked = 0
    for part in parts:
        if part.is_dir():
            continue
        is_xml = part.filename.endswith((".xml", ".rels"))
        is_sheet = is_xml and part.filename.startswith("xl/worksheets/")
        rows = 0
        tail = b""
        try:
            with book.open(part) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    unpacked += len(chunk)
                    if unpacked > MAX_UNPACKED:
                        return [
                            Problem(
                                name,
                                0,
                                "",
                                _(
                                    "the workbook unpacks to more than {n} MB: it is not a "
                                    "roster as Excel writes it"
                                ).format(n=MAX_UNPACKED // (1024 * 1024)),
                            )
                        ]
                    if not is_xml:
                        continue
                    buffer = tail + chunk
                    cut = buffer.rfind(b"<")
                    cut = cut if cut >= 0 and len(buffer) - cut < 64 else len(buffer)
                    body, tail = buffer[:cut], buffer[cut:]
                    if _DECLARATION.search(body):
                        return [_declaration(name)]
                    if is_sheet:
                        rows += len(_ROW.findall(body))
                        if rows > MAX_ROWS + 1:
                            return [_too_many_rows(name)]
                if is_xml and _DECLARATION.search(tail):
                    return [_declaration(name)]
                if is_sheet and rows + len(_ROW.findall(tail)) > MAX_ROWS + 1:
                    return [_too_many_rows(name)]
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
            return []  # damaged or encrypted: the reader reports it
    return []


def _declaration(name: str) -> Problem:
    return Problem(
        name,
        0,
        "",
        _(
            "the workbook contains XML declarations (DOCTYPE or ENTITY) that Excel never "
            "writes; open it in Excel and save it again"
        ),
    )
