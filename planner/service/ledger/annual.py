"""The annual report of a school year and the duty calendars, from what the service stores.

A school year (``2026-2027``) holds the semesters whose contact work starts in it (August to
July); each contributes its plan in force, ledger, leave and the cases raised in it. The
report is the engine's (:mod:`planner.ledger.annual`, :mod:`planner.ledger.report`), printed
by :mod:`planner.ledger.report_pdf` (PDF) and :func:`planner.ledger.write_report_workbook`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from planner import ledger
from planner.i18n import use_language
from planner.service.cases.service import semester_cases
from planner.service.ledger.service import (
    CENTRAL,
    college_names,
    contacts_of_plan,
    engine_semester,
    leave_rows,
    leaves_frame,
    memo,
    plan_in_force,
    plan_key,
    records_frame,
    term_key,
    today,
)
from planner.service.plans.models import Coverage, Plan
from planner.service.semesters.models import Semester


def school_year(start: dt.date) -> str:
    """The school year of a semester starting on ``start``: ``2026-2027`` for autumn 2026
    and spring 2027 alike (a year runs from August to July)."""
    first = start.year if start.month >= 8 else start.year - 1
    return f"{first}-{first + 1}"


@dataclass
class YearSemester:
    """A semester of a school year, with its plan in force (None: nothing to report yet)."""

    semester: Semester
    term: ledger.Semester
    plan: Plan | None


def school_years(db: Session) -> dict[str, list[YearSemester]]:
    """Every school year with its semesters in date order, the newest year first."""
    years: dict[str, list[YearSemester]] = {}
    for semester in db.scalars(select(Semester).order_by(Semester.id)):
        term = engine_semester(db, semester)
        found = YearSemester(semester, term, plan_in_force(db, semester))
        years.setdefault(school_year(term.start), []).append(found)
    for semesters in years.values():
        semesters.sort(key=lambda s: s.term.start)
    return dict(sorted(years.items(), reverse=True))


def _coverage(db: Session, plan_id: int) -> pd.DataFrame:
    rows = db.execute(
        select(Coverage.college, Coverage.kind, Coverage.targets, Coverage.covered).where(
            Coverage.plan_id == plan_id
        )
    )
    return pd.DataFrame([tuple(r) for r in rows], columns=["college", "kind", "targets", "covered"])


def year_work(db: Session, semesters: list[YearSemester]) -> list[ledger.SemesterWork]:
    """The contact work of each semester of a year that has a plan in force."""
    out = []
    for item in semesters:
        if item.plan is None:
            continue
        term = item.term
        out.append(
            ledger.SemesterWork(
                semester=term,
                contacts=contacts_of_plan(db, item.plan.id, term),
                records=records_frame(db, item.semester.id),
                cases=semester_cases(db, [item.semester.id]),
                leaves=leaves_frame(db, item.semester.id),
                coverage=_coverage(db, item.plan.id),
                as_of=min(today(), term.end + dt.timedelta(days=1)),
            )
        )
    return out


@dataclass
class AnnualReport:
    """A school year's report as data, its figures and its charts (PNG bytes by file name)."""

    report: ledger.Report
    figures: ledger.AnnualFigures
    charts: dict[str, bytes]


def annual_report(db: Session, year: str, language: str) -> AnnualReport | None:
    """The report of school ``year`` in ``language`` (None: no semester of it has a plan)."""
    semesters = school_years(db).get(year, [])
    work = year_work(db, semesters)
    if not work:
        return None
    names: dict[str, str] = {}
    for item in semesters:
        names.update(college_names(db, item.plan))
    figures = ledger.annual_figures(year, work)
    report = ledger.annual_report(figures, college_names=names, language=language)
    return AnnualReport(report, figures, ledger.report_charts(report))


def report_pdf(annual: AnnualReport) -> bytes:
    """The report as a PDF (the SAO submits it as it is)."""
    from planner.ledger.report_pdf import annual_report_pdf

    return annual_report_pdf(annual.report, annual.charts, figures=annual.figures, issued=today())


def report_workbook(annual: AnnualReport) -> bytes:
    """The report as a workbook (a sheet per table, the charts, ready to print)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.xlsx"
        ledger.write_report_workbook(annual.report, path, annual.charts)
        return path.read_bytes()


def calendar(
    db: Session,
    semester: Semester,
    contacts: pd.DataFrame,
    college: str | None,
    language: str,
    what: str,
    subject: str,
) -> tuple[bytes, str] | None:
    """The ``.ics`` calendar of the contacts given (one cadre's, or one college's), with the
    duties the engine says they owe, and its entity tag; ``what`` is ``cadres`` or
    ``colleges``, ``subject`` the cadre or college asked for (``contacts`` are the contacts in
    force of the plan in force of ``subject`` in the view of ``college``: the calendar is
    made once per plan, semester dates, leave and language, and kept)."""
    if contacts.empty:
        return None
    plan = plan_in_force(db, semester)
    term = engine_semester(db, semester)
    leaves = leave_rows(db, semester.id, college)
    key = (
        "calendar",
        semester.id,
        None if plan is None else plan_key(plan),
        term_key(term),
        college,
        what,
        subject,
        leaves,
        language,
    )

    def make() -> tuple[bytes, str] | None:
        with use_language(language):
            files = ledger.calendar_files(
                term,
                contacts,
                leaves=ledger.leaves_frame(leaves),
                college_names=college_names(db, plan),
                language=language,
                only=what,
            )
        found = [data for name, data in files.items() if name.startswith(f"{what}/")]
        if len(found) != 1:
            return None
        return found[0], '"' + hashlib.sha256(found[0]).hexdigest()[:32] + '"'

    return memo(db, key, make, slot=(*key[:7], language))


def calendar_college(college: str | None) -> str:
    """The college part of a college calendar's file name (``central`` for the SAO's)."""
    return college or CENTRAL
