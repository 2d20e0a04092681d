"""The annual report's files: chart PNGs and the workbook (openpyxl, ready to print).

The workbook has a 报告 sheet (title, every section's paragraphs), one sheet per table and a
图表 sheet with the charts; every sheet is set up for A4 (landscape tables fitted to the page
width, the header row repeated on every page, the report's title in the page header and page
numbers in the footer). The duties heatmap is drawn like the plan's coverage heatmaps
(:mod:`planner.plot`, Pillow); the bar charts with matplotlib, Chinese labels in the CJK font
the project finds (:mod:`planner.plot.fonts`).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.i18n import gettext as _
from planner.i18n import pgettext, use_language
from planner.io.cells import is_formula_like
from planner.ledger.duties import AREAS
from planner.ledger.report import Figure, Report, Table, report_figures
from planner.plot.fonts import cjk_font, font_family, warn_no_cjk_font
from planner.plot.spec import DPI, Heatmap, printable
from planner.report.render import draw_pngs


def sheet_name(key: str) -> str:
    """The short name of a table's sheet (at most 31 characters) in this context's language."""
    names = {
        "placement": pgettext("sheet", "placement"),
        "duties_college": pgettext("sheet", "duties by college"),
        "duties_role": pgettext("sheet", "duties by role"),
        "contacts_month": pgettext("sheet", "contacts by month"),
        "problems": pgettext("sheet", "problems"),
        "attention": pgettext("sheet", "attention"),
    }
    return names.get(key, key)[:31]


HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
WRAP = Alignment(wrap_text=True, vertical="top")
GROUP_COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#9c9c9c")
OUTCOME_COLOURS = {"fed_back": "#59a14f", "answered": "#edc948", "open": "#e15759"}


# --------------------------------------------------------------------------- charts


def report_charts(report: Report) -> dict[str, bytes]:
    """Every chart of the report as PNG bytes, by file name (``KEY.png``)."""
    with use_language(report.language):
        return {f"{f.key}.png": chart_png(f, report.language) for f in report_figures(report)}


def write_report_charts(report: Report, out: str | Path) -> list[Path]:
    """Write the report's charts into the folder ``out``; the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in report_charts(report).items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written


def chart_png(figure: Figure, language: str = "zh") -> bytes:
    """One chart of the report as a PNG file's bytes."""
    if figure.kind == "heatmap":
        return _heatmap_png(figure)
    chinese = language == "zh"
    if chinese and cjk_font() is None:
        warn_no_cjk_font()
    fig = MplFigure(figsize=(9.0, 4.8), dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    family = font_family(chinese)
    if figure.kind == "stacked":
        _stacked(ax, figure, family)
    else:
        _outcomes(ax, figure, family)
    ax.set_title(figure.title, fontfamily=family, fontsize=12)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _heatmap_png(figure: Figure) -> bytes:
    """Duties kept per college × area, drawn as the plan's coverage heatmaps are."""
    data = figure.data
    rows = list(dict.fromkeys(str(c) for c in data["college_label"]))
    codes = {
        str(label): str(code)
        for label, code in zip(data["college_label"], data["college"], strict=True)
    }
    met, settled = _grids(data, rows, list(AREAS))
    chart = Heatmap(
        covered=met,
        targets=settled,
        rows=[printable(r, codes.get(r) or "SAO") for r in rows],
        cols=[printable(figure.labels[a], a) for a in AREAS],
        title=printable(figure.title, "Duties kept by college and kind"),
        xlabel=printable(_("kind of duty"), "kind of duty"),
        ylabel=printable(_("college"), "college"),
        colorbar_label=printable(_("share of duties kept"), "share of duties kept"),
    )
    return draw_pngs({"chart": chart})["chart"]


def _grids(data: Any, rows: list[str], cols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Met and settled (met + overdue) duties per row label × area."""
    met = np.zeros((len(rows), len(cols)))
    settled = np.zeros((len(rows), len(cols)))
    for label, area, m, o in zip(
        data["college_label"], data["area"], data["met"], data["overdue"], strict=True
    ):
        i, j = rows.index(str(label)), cols.index(str(area))
        met[i, j] += m
        settled[i, j] += m + o
    return met, settled


def _stacked(ax: Any, figure: Figure, family: list[str]) -> None:
    """Records per month, stacked by group of activity."""
    table = figure.data.pivot_table(
        index="month", columns="group", values="records", aggfunc="sum", fill_value=0
    )
    groups = [
        g
        for g in ("class", "dorm", "society", "branch", "leadership", "online")
        if g in table.columns
    ]
    x = np.arange(len(table.index))
    bottom = np.zeros(len(x))
    for colour, group in zip(GROUP_COLOURS, groups, strict=False):
        values = table[group].to_numpy(dtype=float)
        ax.bar(x, values, bottom=bottom, color=colour, label=figure.labels.get(group, group))
        bottom += values
    ax.set_xticks(x, [figure.labels.get(m, m) for m in table.index], fontfamily=family, fontsize=9)
    ax.set_ylabel(_("contacts"), fontfamily=family)
    ax.legend(
        prop={"family": family, "size": 9},
        ncols=len(groups),
        frameon=False,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
    )
    ax.spines[["top", "right"]].set_visible(False)


def _outcomes(ax: Any, figure: Figure, family: list[str]) -> None:
    """Cases per category, as horizontal bars split by outcome."""
    data = figure.data.iloc[::-1]
    y = np.arange(len(data))
    left = np.zeros(len(y))
    for outcome, colour in OUTCOME_COLOURS.items():
        values = data[outcome].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=colour, label=figure.labels[outcome])
        left += values
    ax.set_yticks(y, [figure.labels.get(c, c) for c in data["category"]], fontfamily=family)
    ax.set_xlabel(_("problems and suggestions"), fontfamily=family)
    ax.legend(prop={"family": family, "size": 9}, frameon=False, loc="lower right")
    ax.spines[["top", "right"]].set_visible(False)


# --------------------------------------------------------------------------- workbook


def write_report_workbook(
    report: Report, path: str | Path, charts: Mapping[str, bytes] | None = None
) -> Path:
    """Write the report as a workbook (see the module docstring); ``charts`` are the PNGs of
    :func:`report_charts` (drawn here when not given)."""
    path = Path(path)
    charts = charts if charts is not None else report_charts(report)
    with use_language(report.language):
        book = Workbook()
        front = book.active
        assert front is not None
        front.title = pgettext("sheet", "report")
        _front_sheet(front, report)
        for section in report.sections:
            for table in section.tables:
                sheet = book.create_sheet(sheet_name(table.key))
                _table_sheet(sheet, table, report)
        if charts:
            _chart_sheet(book.create_sheet(pgettext("sheet", "charts")), report, charts)
        book.save(path)
    return path


def _front_sheet(sheet: Worksheet, report: Report) -> None:
    sheet.column_dimensions["A"].width = 110
    row = 1
    sheet.cell(row, 1, report.title).font = Font(bold=True, size=16)
    row += 1
    sheet.cell(row, 1, report.subtitle).font = Font(size=11, color="555555")
    row += 2
    for section in report.sections:
        sheet.cell(row, 1, section.title).font = Font(bold=True, size=13)
        row += 1
        for paragraph in section.paragraphs:
            sheet.cell(row, 1, paragraph).alignment = WRAP
            row += 1
        for table in section.tables:
            sheet.cell(
                row,
                1,
                _("See sheet {sheet}: {title}").format(
                    sheet=sheet_name(table.key), title=table.title
                ),
            )
            row += 1
        row += 1
    _print_setup(sheet, report, landscape=False, title_rows=None)


def _table_sheet(sheet: Worksheet, table: Table, report: Report) -> None:
    sheet.cell(1, 1, table.title).font = Font(bold=True, size=13)
    for number, header in enumerate(table.headers, start=1):
        cell = sheet.cell(3, number, header)
        cell.font, cell.fill, cell.alignment = HEADER_FONT, HEADER_FILL, WRAP
    for r, values in enumerate(table.rows, start=4):
        for c, value in enumerate(values):
            cell = sheet.cell(r, c + 1, value)
            if is_formula_like(value):
                cell.data_type = "s"
            if c in table.percent:
                cell.number_format = "0%"
            elif isinstance(value, float):
                cell.number_format = "0.0"
    if table.note:
        sheet.cell(len(table.rows) + 5, 1, table.note)
    for number in range(1, len(table.headers) + 1):
        texts = [table.headers[number - 1]] + [str(row[number - 1] or "") for row in table.rows]
        width = max(_width(t) for t in texts)
        sheet.column_dimensions[get_column_letter(number)].width = min(max(width + 2, 8), 40)
    sheet.freeze_panes = "B4"
    _print_setup(sheet, report, landscape=True, title_rows="3:3")


def _width(text: str) -> int:
    """Display width in Excel character units: a Chinese character counts two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _chart_sheet(sheet: Worksheet, report: Report, charts: Mapping[str, bytes]) -> None:
    row = 1
    for figure in report_figures(report):
        data = charts.get(f"{figure.key}.png")
        if data is None:
            continue
        sheet.cell(row, 1, figure.title).font = Font(bold=True, size=12)
        image = Image(io.BytesIO(data))
        sheet.add_image(image, f"A{row + 1}")
        row += 2 + int(image.height / 20) + 1  # rows are 20 pixels high
    _print_setup(sheet, report, landscape=False, title_rows=None)


def _print_setup(
    sheet: Worksheet, report: Report, *, landscape: bool, title_rows: str | None
) -> None:
    """A4, fitted to the page width, the title on every page and page numbers below."""
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.oddHeader.center.text = report.title
    sheet.oddFooter.center.text = _("page &P of &N")
