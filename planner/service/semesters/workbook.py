"""The blank roster workbook: one sheet per table with Chinese headers and dropdown lists.

The planner reads a filled copy back as it is (sheet and column names are the contract's
Chinese aliases); the sheets ``说明`` and ``选项`` are not tables and are ignored by it.
"""

from __future__ import annotations

from typing import Any

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from planner.i18n import gettext as _
from planner.service import engine

ROWS = 5000
"""Rows of each sheet that carry the dropdowns."""
OPTIONS_SHEET = "选项"
HELP_SHEET = "说明"
HEADER_FILL = PatternFill("solid", fgColor="DDE7F3")

CHOICES: dict[str, list[str]] = {
    "role": list(engine.ROLE_LABELS_ZH.values()),
    "gender": ["男", "女"],
    "bool": ["是", "否"],
    "kind": list(engine.KIND_LABELS_ZH.values()),
    "rule": ["指定", "禁止"],
}
"""Dropdown values per column type (the Chinese words the planner reads)."""


def _list_rule(formula: str, prompt: str) -> DataValidation:
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.error = _("Choose a value from the list.")
    rule.errorTitle = prompt
    rule.prompt = prompt
    rule.showErrorMessage = True
    return rule


def _help(book: Any) -> None:
    sheet = book.active
    sheet.title = HELP_SHEET
    lines = [
        _("Roster workbook for the contact plan"),
        _("Fill one sheet per table; keep the sheet names and the header row as they are."),
        _("Columns with a dropdown accept only the listed values."),
        _("Fill the campus list on the sheet 选项 first: the 校区 dropdowns offer it."),
        _("The sheets 上学期安排 and 指定 are optional and may stay empty."),
        _("Upload the saved workbook on the semester's page of the planning service."),
    ]
    for i, line in enumerate(lines, 1):
        sheet.cell(row=i, column=1, value=line).font = Font(bold=i == 1, size=12 if i == 1 else 11)
    sheet.column_dimensions["A"].width = 90


def _options(book: Any, campuses: list[str]) -> str:
    sheet = book.create_sheet(OPTIONS_SHEET)
    sheet.cell(row=1, column=1, value="校区").font = Font(bold=True)
    for i, campus in enumerate(campuses, 2):
        sheet.cell(row=i, column=1, value=campus)
    sheet.column_dimensions["A"].width = 20
    return f"='{OPTIONS_SHEET}'!$A$2:$A$100"


def build_template(book: Any, campuses: list[str], colleges: list[tuple[str, str, str]]) -> None:
    """Fill ``book`` (a new openpyxl workbook) with the template's sheets."""
    _help(book)
    campus_list = _options(book, campuses)
    college_sheet = engine.TABLES["colleges"].alias
    college_list = f"='{college_sheet}'!$A$2:$A$1000"
    for table in engine.TABLES.values():
        sheet = book.create_sheet(table.alias)
        for col, column in enumerate(table.columns, 1):
            cell = sheet.cell(row=1, column=col, value=column.alias)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(horizontal="center")
            letter = get_column_letter(col)
            sheet.column_dimensions[letter].width = max(12, 3 * len(column.alias) + 4)
            # ids are text: 007 stays 007
            for row in range(2, 202):
                sheet.cell(row=row, column=col).number_format = (
                    "@" if column.type == "id" else ("General")
                )
            formula = _formula(table.name, column.name, column.type, campus_list, college_list)
            if formula:
                rule = _list_rule(formula, column.alias)
                rule.add(f"{letter}2:{letter}{ROWS}")
                sheet.add_data_validation(rule)
        sheet.freeze_panes = "A2"
    if colleges:
        sheet = book[college_sheet]
        for row, values in enumerate(colleges, 2):
            for col, value in enumerate(values, 1):
                sheet.cell(row=row, column=col, value=value)


def _formula(table: str, column: str, kind: str, campus_list: str, college_list: str) -> str:
    """The dropdown of a column, or '' (free text)."""
    if kind in CHOICES:
        return '"' + ",".join(CHOICES[kind]) + '"'
    if column == "campus":
        return campus_list
    if column == "college" and table != "colleges":
        return college_list
    return ""


def template_bytes(campuses: list[str], colleges: list[tuple[str, str, str]]) -> bytes:
    """The template workbook as ``.xlsx`` bytes (colleges and campuses pre-filled if known)."""
    return engine.workbook_bytes(lambda book: build_template(book, campuses, colleges))
