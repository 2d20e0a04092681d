"""The annual report of the contact work (四(五)) as a printable PDF, in the look of the
approval pack and the letters (:mod:`planner.report.pdf`).

The report itself is data made by the ledger engine (:func:`planner.ledger.annual_report`:
sections of paragraphs, tables and charts); this module only prints it, so the PDF, the
workbook (:func:`planner.ledger.write_report_workbook`) and any other rendering say the same
thing. Layering: the ledger sits above :mod:`planner.report` and prints with its PDF builder;
the report package never imports the ledger.

::

    from planner import ledger
    from planner.ledger.report_pdf import annual_report_pdf

    figures = ledger.annual_figures("2026-2027", [autumn_work, spring_work])
    report = ledger.annual_report(figures, college_names=names)
    pdf = annual_report_pdf(report, ledger.report_charts(report), figures=figures)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from planner.i18n import current_language, use_language
from planner.i18n import gettext as _
from planner.ledger.annual import AnnualFigures
from planner.ledger.report import Report, Table
from planner.report import printing as words
from planner.report.pack import CHINESE_NUMERALS
from planner.report.pdf import Document

WIDE = 6
"""Tables with more columns than this are set smaller (months across the page)."""


def annual_report_pdf(
    report: Report,
    charts: Mapping[str, bytes] | None = None,
    *,
    figures: AnnualFigures | None = None,
    issuer: str | None = None,
    issued: dt.date | None = None,
    font: str | Path | None = None,
) -> bytes:
    """The report as PDF bytes, in the report's language.

    ``charts`` are the report's chart PNGs by file name (:func:`planner.ledger.report_charts`;
    none: the tables only); ``figures`` adds the year's key figures as boxes under the title;
    ``issuer`` (default: the Student Affairs Office) signs it on ``issued`` (default: today).
    """
    with use_language(report.language):
        doc = Document(report.title, footer=report.subtitle, font=font)
        issuer = issuer or words.office_name()
        day = words.local_date(issued or dt.date.today())
        doc.title_block(report.title, subtitle=report.subtitle, lines=[f"{issuer}  {day}"])
        if figures is not None:
            doc.key_figures(key_figures(figures))
        for number, section in enumerate(report.sections, start=1):
            doc.heading(_("{number}. {title}").format(number=_numeral(number), title=section.title))
            for paragraph in section.paragraphs:
                doc.paragraph(paragraph)
            for table in section.tables:
                _table(doc, table)
            for figure in section.figures:
                png = (charts or {}).get(f"{figure.key}.png")
                if png:
                    doc.image(png, caption=figure.title, max_height=0.45)
        doc.signatures([issuer], seal=True)
        return doc.render()


def _numeral(number: int) -> str:
    """一, 二, 三 … in Chinese; 1, 2, 3 … in English."""
    if current_language() == "zh" and number <= len(CHINESE_NUMERALS):
        return CHINESE_NUMERALS[number - 1]
    return str(number)


def key_figures(figures: AnnualFigures) -> list[tuple[str, str, str]]:
    """The year's headline figures as ``(label, value, note)`` boxes."""
    t = figures.totals
    settled = int(t["met"] or 0) + int(t["overdue"] or 0)
    days = t["median_days_to_answer"]
    return [
        (_("cadres in contact"), f"{int(t['cadres'] or 0):,}", ""),
        (
            _("contacts recorded"),
            f"{int(t['records'] or 0):,}",
            _("{n} students").format(n=f"{int(t['students'] or 0):,}"),
        ),
        (
            _("duties kept"),
            _percent(t["kept_rate"]),
            _("{met} of {settled}").format(met=f"{int(t['met'] or 0):,}", settled=f"{settled:,}"),
        ),
        (
            _("problems fed back"),
            f"{int(t['fed_back'] or 0):,} / {int(t['problems'] or 0):,}",
            _("median {days} days to an answer").format(days=f"{float(days):g}")
            if days is not None
            else "",
        ),
    ]


def _table(doc: Document, table: Table) -> None:
    """One table of the report: its title, the table (numbers right-aligned), its note."""
    doc.spacer(2)
    doc.paragraph(table.title)
    rows = [[cell_text(v, j in table.percent) for j, v in enumerate(row)] for row in table.rows]
    align = "L" + "".join(_alignment(table, j) for j in range(1, len(table.headers)))
    widths = [2.6] + [1.0] * (len(table.headers) - 1)
    if table.key == "attention":
        widths = [2.4, 1.0, 1.0, 1.0, 3.6]
    doc.table(
        table.headers,
        rows,
        widths=widths,
        align=align,
        empty=table.note,
        compact=len(table.headers) > WIDE,
    )
    if table.note and table.rows:
        doc.paragraph(table.note, small=True)


def _alignment(table: Table, column: int) -> str:
    """Right for numbers and shares, left for words."""
    values = [row[column] for row in table.rows if row[column] is not None]
    numeric = values and all(isinstance(v, int | float) for v in values)
    return "R" if numeric or column in table.percent else "L"


def cell_text(value: Any, percent: bool = False) -> str:
    """A value as printed: shares as ``87%``, other fractions with one decimal, nothing as
    a dash."""
    if value is None:
        return "—"
    if percent:
        return _percent(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)


def _percent(value: Any) -> str:
    if value is None:
        return "—"
    try:
        share = float(value)
    except (TypeError, ValueError):
        return "—"
    return "—" if share != share else f"{share:.0%}"


def write_annual_report_pdf(
    path: str | Path, report: Report, charts: Mapping[str, bytes] | None = None, **options: Any
) -> Path:
    """Write :func:`annual_report_pdf` to ``path`` atomically; the path written."""
    from planner.report.pdf import write_bytes_atomic

    return write_bytes_atomic(Path(path), annual_report_pdf(report, charts, **options))


__all__: Sequence[str] = [
    "annual_report_pdf",
    "cell_text",
    "key_figures",
    "write_annual_report_pdf",
]
