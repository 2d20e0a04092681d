"""The annual report as a PDF (planner.ledger.report_pdf): the engine's report printed as it is —
every section, table and chart, the year's key figures, the signature — read back with
pdftotext, in Chinese and in English."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from printed import english_words, flat, needs_poppler, page_count, pages_text, save

from planner import ledger
from planner.dataset import Dataset
from planner.ledger.report_pdf import annual_report_pdf, cell_text, key_figures
from planner.plan import Plan

pytestmark = needs_poppler


@pytest.fixture(scope="module")
def year(demo: Dataset, demo_plan: Plan) -> ledger.AnnualFigures:
    autumn = ledger.demo_ledger(demo_plan.assignments, cases_until=dt.date(2027, 7, 3))
    spring = ledger.demo_ledger(demo_plan.assignments, ledger.DEMO_SPRING, seed=2)
    work = [
        ledger.SemesterWork(
            d.semester, d.contacts, d.records, d.cases, d.leaves, demo_plan.coverage
        )
        for d in (autumn, spring)
    ]
    return ledger.annual_figures("2026-2027", work)


def _names(demo: Dataset) -> dict[str, str]:
    return dict(zip(demo.colleges["id"], demo.colleges["name"], strict=True))


def test_the_report_prints_every_section_and_the_key_figures(
    year: ledger.AnnualFigures, demo: Dataset, tmp_path: Path
) -> None:
    report = ledger.annual_report(year, college_names=_names(demo))
    charts = ledger.report_charts(report)
    pdf = save(
        annual_report_pdf(report, charts, figures=year, issued=dt.date(2027, 7, 5)), tmp_path
    )
    text = flat("".join(pages_text(pdf)))
    assert report.title.replace(" ", "") in text
    numerals = "一二三四五六"
    for number, section in zip(numerals, report.sections, strict=True):
        assert f"{number}、{section.title}" in text
        for table in section.tables:
            assert flat(table.title) in text
    totals = year.totals
    assert f"{totals['records']:,}" in text and f"学生{totals['students']:,}人次" in text
    assert f"{totals['fed_back']:,}/{totals['problems']:,}" in text
    for row in report.sections[-1].tables[0].rows:  # the colleges needing attention, by name
        assert flat(row[0]) in text
    assert "学生处2027年7月5日" in text and "签字" in text and "盖章" in text
    assert english_words(text) <= {"PDF"}  # Chinese throughout
    assert page_count(pdf) >= 3


def test_the_english_report_speaks_english(
    year: ledger.AnnualFigures, demo: Dataset, tmp_path: Path
) -> None:
    report = ledger.annual_report(year, college_names=_names(demo), language="en")
    pdf = save(annual_report_pdf(report, None, figures=year), tmp_path)  # tables only
    text = " ".join(pages_text(pdf))
    assert "Annual report of the contact work" in text and "1. Overview" in text
    assert "contacts recorded" in text and "Page 1 of" in text


def test_values_print_as_an_office_reads_them(year: ledger.AnnualFigures) -> None:
    assert cell_text(0.8765, percent=True) == "88%"
    assert cell_text(None) == "—" and cell_text(float("nan"), percent=True) == "—"
    assert cell_text(12345) == "12,345" and cell_text(18.25) == "18.2"
    labels = [label for label, _value, _note in key_figures(year)]
    assert len(labels) == 4
