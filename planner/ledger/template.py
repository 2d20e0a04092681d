"""The ledger workbook: a blank template for a college or cadre, or a ledger written out.

Sheets, in order (the first is the one :func:`planner.ledger.records.read_ledger` reads):

- 工作台账 (the ledger): Chinese headers, one row per contact, dropdowns for the cadre, the
  kind, the target, the activity and the problem category, dates limited to the semester,
  a whole number of students; the note columns remind that personal details stay out;
- 联系对象 (the contacts in force): who holds what, from when to when, and what it asks;
- 说明 (how to fill it in);
- 选项 (hidden: the lists behind the dropdowns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from planner.i18n import gettext as _
from planner.i18n import use_language
from planner.io.cells import is_formula_like
from planner.ledger.duties import duty_lines
from planner.ledger.records import LEDGER_TABLE, NOTE_LIMIT
from planner.ledger.rules import RuleTable, default_rules
from planner.ledger.semester import Semester, long_date
from planner.ledger.vocabulary import (
    TARGET_KINDS,
    Activity,
    Category,
    activity_label,
    category_label,
    target_kind_label,
)

EMPTY_ROWS = 500
"""Rows below the records that carry the dropdowns, ready to fill in."""

DATE_FORMAT = "yyyy-mm-dd"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")

WIDTHS: dict[str, int] = {
    "cadre": 10,
    "cadre_name": 10,
    "kind": 8,
    "target": 14,
    "target_name": 22,
    "date": 12,
    "activity": 24,
    "students": 9,
    "note": 40,
    "problems": 40,
    "category": 12,
}


def write_ledger_workbook(
    path: str | Path,
    contacts: pd.DataFrame,
    semester: Semester,
    records: pd.DataFrame | None = None,
    *,
    rules: RuleTable | None = None,
    language: str = "zh",
) -> Path:
    """Write the ledger workbook for ``contacts`` (a college's, a cadre's or everyone's).

    Without ``records`` it is the blank template; with them, the ledger written out (it reads
    back to the same records). Chinese by default; ``language="en"`` for English.
    """
    path = Path(path)
    rules = rules or default_rules()
    with use_language(language):
        book = Workbook()
        ledger = book.active
        assert ledger is not None
        ledger.title = _("work ledger")
        options = book.create_sheet(_("dropdown lists"))
        lists = _write_options(options, contacts)
        _write_ledger_sheet(ledger, contacts, records, semester, lists, language)
        _write_contacts_sheet(book.create_sheet(_("contacts in force")), contacts, rules)
        _write_instructions(book.create_sheet(_("how to fill in")), semester)
        book.move_sheet(options, offset=len(book.sheetnames))
        options.sheet_state = "hidden"
        book.save(path)
    return path


def _write_options(sheet: Worksheet, contacts: pd.DataFrame) -> dict[str, str]:
    """The dropdown lists, one per column of the hidden sheet; their ranges by name."""
    lists = {
        "cadre": sorted(set(contacts["cadre_id"])),
        "kind": [target_kind_label(k) for k in TARGET_KINDS],
        "target": sorted(set(contacts["target_id"])),
        "activity": [activity_label(a) for a in Activity],
        "category": [category_label(c) for c in Category],
    }
    ranges = {}
    for number, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(number)
        sheet.cell(1, number, LEDGER_TABLE.column(name).alias)
        for row, value in enumerate(values, start=2):
            _set(sheet.cell(row, number), value)
        last = max(len(values) + 1, 2)
        ranges[name] = f"{quote_sheetname(sheet.title)}!${letter}$2:${letter}${last}"
    return ranges


def _write_ledger_sheet(
    sheet: Worksheet,
    contacts: pd.DataFrame,
    records: pd.DataFrame | None,
    semester: Semester,
    lists: dict[str, str],
    language: str,
) -> None:
    columns = [c.name for c in LEDGER_TABLE.columns]
    headers = [c.alias if language == "zh" else c.name for c in LEDGER_TABLE.columns]
    for number, header in enumerate(headers, start=1):
        cell = sheet.cell(1, number, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        sheet.column_dimensions[get_column_letter(number)].width = WIDTHS[columns[number - 1]]
    rows = _record_rows(records, contacts) if records is not None else []
    for row_number, row in enumerate(rows, start=2):
        for number, name in enumerate(columns, start=1):
            cell = sheet.cell(row_number, number)
            _set(cell, row.get(name))
            if name == "date":
                cell.number_format = DATE_FORMAT
            if name in ("note", "problems"):
                cell.alignment = WRAP
    last = len(rows) + 1 + EMPTY_ROWS
    _validations(sheet, columns, lists, semester, last)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    _print_setup(sheet)


def _record_rows(records: pd.DataFrame, contacts: pd.DataFrame) -> list[dict[str, Any]]:
    """The records as the sheet shows them: labels in this language, names beside ids."""
    cadre_names = dict(zip(contacts["cadre_id"], contacts["cadre_name"], strict=True))
    target_names = {
        (k, t): n
        for k, t, n in zip(
            contacts["kind"], contacts["target_id"], contacts["target_name"], strict=True
        )
    }
    rows = []
    for r in records.itertuples():
        rows.append(
            {
                "cadre": r.cadre_id,
                "cadre_name": cadre_names.get(r.cadre_id, ""),
                "kind": target_kind_label(str(r.kind)),
                "target": r.target_id,
                "target_name": target_names.get((r.kind, r.target_id), ""),
                "date": r.date,
                "activity": activity_label(str(r.activity)),
                "students": int(r.students),
                "note": r.note,
                "problems": r.problems,
                "category": category_label(str(r.category)) if r.problems else "",
            }
        )
    return rows


def _set(cell: Any, value: Any) -> None:
    """Write ``value``; text a spreadsheet could take for a formula stays inert text."""
    cell.value = value if value != "" else None
    if is_formula_like(value):
        cell.data_type = "s"


def _validations(
    sheet: Worksheet, columns: Sequence[str], lists: dict[str, str], semester: Semester, last: int
) -> None:
    """Dropdowns and limits on the ledger's columns, down to row ``last``."""

    def area(name: str) -> str:
        letter = get_column_letter(columns.index(name) + 1)
        return f"{letter}2:{letter}{last}"

    for name in ("cadre", "kind", "target", "activity", "category"):
        rule = DataValidation(type="list", formula1=lists[name], allow_blank=True)
        rule.error = _("choose a value from the list")
        rule.showErrorMessage = name in ("kind", "activity", "category")
        rule.add(area(name))
        sheet.add_data_validation(rule)
    start, end = semester.start, semester.end
    dates = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({start.year},{start.month},{start.day})",
        formula2=f"DATE({end.year},{end.month},{end.day})",
        allow_blank=True,
    )
    dates.error = _("the date must be in the semester, {start} to {end}").format(
        start=long_date(start), end=long_date(end)
    )
    dates.showErrorMessage = True
    dates.add(area("date"))
    sheet.add_data_validation(dates)
    for row in range(2, last + 1):
        sheet.cell(row, columns.index("date") + 1).number_format = DATE_FORMAT
    students = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    students.error = _("write a number of students, 0 or more")
    students.showErrorMessage = True
    students.add(area("students"))
    sheet.add_data_validation(students)
    private = DataValidation(type="textLength", operator="lessThanOrEqual", formula1="2000")
    private.promptTitle = _("no personal details")
    private.prompt = _(
        "Free text about the work. Do not write students' names, student numbers, phone numbers "
        "or other personal details."
    )
    private.showInputMessage = True
    private.add(area("note"))
    private.add(area("problems"))
    sheet.add_data_validation(private)


def _write_contacts_sheet(sheet: Worksheet, contacts: pd.DataFrame, rules: RuleTable) -> None:
    headers = [
        _("staff number"),
        _("cadre's name"),
        _("kind of target"),
        _("target id"),
        _("target's name"),
        _("held from"),
        _("held until"),
        _("what it asks"),
    ]
    for number, header in enumerate(headers, start=1):
        cell = sheet.cell(1, number, header)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
    ordered = contacts.sort_values(["cadre_id", "start"], kind="stable")
    for row, c in enumerate(ordered.itertuples(), start=2):
        values = [
            c.cadre_id,
            c.cadre_name,
            target_kind_label(str(c.kind)),
            c.target_id,
            c.target_name,
            c.start,
            c.end,
            "\n".join(duty_lines(str(c.role), str(c.kind), rules)),
        ]
        for number, value in enumerate(values, start=1):
            cell = sheet.cell(row, number)
            _set(cell, value)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
        sheet.cell(row, len(values)).alignment = WRAP
    for number, width in enumerate((10, 10, 8, 14, 24, 12, 12, 48), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:H{max(len(ordered) + 1, 1)}"
    _print_setup(sheet)


def _write_instructions(sheet: Worksheet, semester: Semester) -> None:
    lines = [
        _("Work ledger of the contact work, {semester} ({start} to {end})").format(
            semester=semester.name, start=long_date(semester.start), end=long_date(semester.end)
        ),
        _("Clause 四(三) of 暨党发〔2019〕47号: every cadre keeps a work log and ledger."),
        _("One row per contact with students: who, with whom, when, what, how many students."),
        _(
            "Kind and target: choose the target from the contacts sheet; for students outside "
            'the plan choose "other" and leave the target blank.'
        ),
        _("Date: the day of the contact, within the semester."),
        _("Note: a short free-text note about the work (at most {limit} characters).").format(
            limit=NOTE_LIMIT
        ),
        _(
            "Problems and suggestions: one per line; each becomes a case the Student Affairs "
            "Office follows up. Choose its category."
        ),
        _(
            "Personal details of students stay out of the ledger: no names, student numbers, "
            "phone or identity card numbers. A row holding a phone or identity card number is "
            "refused."
        ),
        _("Keep the first row (the headers) as it is; do not insert rows above it."),
    ]
    for row, line in enumerate(lines, start=1):
        cell = sheet.cell(row, 1, line)
        cell.alignment = WRAP
        if row == 1:
            cell.font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 100
    _print_setup(sheet, landscape=False)


def _print_setup(sheet: Worksheet, *, landscape: bool = True) -> None:
    """A4, fitted to the page width, the header row repeated on every page."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if sheet.max_row > 1:
        sheet.print_title_rows = "1:1"
