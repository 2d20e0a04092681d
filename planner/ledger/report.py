"""The annual report (四(五)) as a document made of data: sections of paragraphs, tables and
figures, every word in the chosen language (Chinese by default).

:func:`annual_report` turns :class:`~planner.ledger.annual.AnnualFigures` into a
:class:`Report`; :mod:`planner.ledger.report_files` renders it as a workbook and chart PNGs,
and a PDF builder renders the same sections (each table is a header and rows of text or
numbers, each figure a PNG with its title), so every output says the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from planner.contract import KINDS, Role
from planner.i18n import N_, ngettext, pgettext, use_language
from planner.i18n import gettext as _
from planner.ledger.annual import YEAR, AnnualFigures
from planner.ledger.duties import AREAS, LEADERSHIP
from planner.ledger.semester import long_date
from planner.ledger.vocabulary import (
    ACTIVITY_KINDS,
    Activity,
    Category,
    activity_label,
    category_label,
    target_kind_label,
)

ROLE_LABELS: dict[str, str] = {
    Role.SCHOOL_LEADER: N_("school leader"),
    Role.OFFICE_LEADER: N_("central office leader"),
    Role.SAO_CADRE: N_("SAO cadre"),
    Role.LEAGUE_CADRE: N_("Youth League cadre"),
    Role.COLLEGE_LEADER: N_("college leader"),
    Role.DEPT_LEADER: N_("department leader"),
    Role.PROFESSOR: N_("renowned professor"),
    Role.YOUNG_TEACHER: N_("young teacher"),
}
"""Roles as the report names them (in Chinese the words of the contract's ``ROLE_LABELS_ZH``)."""


@dataclass
class Table:
    """A table of the report: headers and rows of plain values (text, whole numbers, shares
    in ``percent`` columns as fractions, ``None`` for nothing)."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    percent: set[int] = field(default_factory=set)
    """Indexes of the columns holding shares (shown as percentages)."""
    note: str = ""


@dataclass
class Figure:
    """A chart of the report: the key its file is named after, title, and the data it draws
    (a frame whose layout :mod:`planner.ledger.report_files` knows by ``kind``)."""

    key: str
    title: str
    kind: str
    data: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)


@dataclass
class Section:
    """A section: a heading, paragraphs, then its tables and figures."""

    key: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Report:
    """The annual report: a title, a subtitle and its sections, in one language."""

    title: str
    subtitle: str
    language: str
    sections: list[Section]


def role_label(role: str) -> str:
    """A role in this context's language."""
    label = ROLE_LABELS.get(role)
    return _(label) if label else role


def annual_report(
    figures: AnnualFigures,
    *,
    college_names: Mapping[str, str] | None = None,
    language: str = "zh",
) -> Report:
    """The report of ``figures`` in ``language``; colleges named from ``college_names``."""
    names = dict(college_names or {})
    with use_language(language):
        sections = [
            _overview(figures),
            _placement(figures),
            _duties(figures, names),
            _contacts(figures),
            _problems(figures),
            _attention(figures, names),
        ]
        first, last = figures.semesters[0], figures.semesters[-1]
        return Report(
            title=_("Annual report of the contact work, school year {year}").format(
                year=figures.year
            ),
            subtitle=_(
                "Leading cadres contacting students (暨党发〔2019〕47号), {start} to {end}"
            ).format(start=long_date(first.start), end=long_date(last.end)),
            language=language,
            sections=sections,
        )


def college_label(college: Any, names: Mapping[str, str]) -> str:
    """A college by its name (the id when no name is known); the SAO's own cadres' row."""
    if college is None or (isinstance(college, float) and pd.isna(college)):
        return _("cadres placed by the SAO")
    return names.get(str(college), str(college))


def _semester_name(figures: AnnualFigures, semester_id: str) -> str:
    if semester_id == YEAR:
        return _("whole year")
    return next((s.name for s in figures.semesters if s.id == semester_id), semester_id)


def _overview(figures: AnnualFigures) -> Section:
    t = figures.totals
    paragraphs = [
        ngettext(
            "{n} cadre held a contact during the year.",
            "{n} cadres held contacts during the year.",
            int(t["cadres"] or 0),
        ).format(n=t["cadres"]),
        _(
            "The ledgers record {records} contacts with {students} students in all; {online} "
            "of them online."
        ).format(records=t["records"], students=t["students"], online=t["online"]),
        _("Of {settled} duties whose outcome is known, {met} were kept ({rate}).").format(
            settled=int(t["met"] or 0) + int(t["overdue"] or 0),
            met=t["met"],
            rate=_percent(t["kept_rate"]),
        ),
        _(
            "Students raised {problems} problems and suggestions; {fed_back} were answered and "
            "fed back. Median time to an answer: {days}."
        ).format(
            problems=t["problems"], fed_back=t["fed_back"], days=_days(t["median_days_to_answer"])
        ),
        ngettext(
            "{n} college needs attention (see the last section).",
            "{n} colleges need attention (see the last section).",
            len(figures.attention),
        ).format(n=len(figures.attention)),
    ]
    return Section("overview", _("Overview"), paragraphs)


def _placement(figures: AnnualFigures) -> Section:
    rows = [
        [
            _semester_name(figures, r.semester),
            target_kind_label(r.kind),
            None if pd.isna(r.targets) else int(r.targets),
            int(r.covered),
            None if pd.isna(r.coverage) else float(r.coverage),
            int(r.cadres),
        ]
        for r in figures.placement.itertuples()
    ]
    table = Table(
        "placement",
        _("Placement per semester"),
        [
            pgettext("column", "semester"),
            pgettext("column", "kind"),
            pgettext("column", "targets"),
            pgettext("column", "covered"),
            pgettext("column", "coverage"),
            pgettext("column", "cadres"),
        ],
        rows,
        percent={4},
    )
    return Section("placement", _("Placement"), [], [table])


def _duty_table(
    figures: AnnualFigures, frame: pd.DataFrame, column: str, header: str, label: Any, key: str
) -> Table:
    """One row per ``column`` value: kept rate per semester and for the year, and the year's
    met and overdue duties."""
    semesters = [s.id for s in figures.semesters]
    pivot = frame.pivot_table(
        index=frame[column].fillna(""), columns="semester", values="kept_rate", dropna=False
    )
    year = frame[frame["semester"] == YEAR].assign(key=lambda f: f[column].fillna(""))
    year = year.set_index("key")
    rows = []
    for value in year.index:
        rates = [_value(pivot, value, s) for s in [*semesters, YEAR]]
        counts = year.loc[value]
        rows.append([label(value or None), *rates, int(counts["met"]), int(counts["overdue"])])
    headers = [header, *(_semester_name(figures, s) for s in [*semesters, YEAR])]
    headers += [pgettext("column", "met in the year"), pgettext("column", "overdue in the year")]
    percent = set(range(1, len(semesters) + 2))
    return Table(key, _("Duties kept by {what}").format(what=header), headers, rows, percent)


def _value(pivot: pd.DataFrame, row: str, column: str) -> float | None:
    if row not in pivot.index or column not in pivot.columns:
        return None
    value = pivot.loc[row, column]
    return None if pd.isna(value) else float(value)


def _duties(figures: AnnualFigures, names: Mapping[str, str]) -> Section:
    colleges = _duty_table(
        figures,
        figures.duties_college,
        "college",
        pgettext("column", "college"),
        lambda c: college_label(c, names),
        "duties_college",
    )
    roles = _duty_table(
        figures, figures.duties_role, "role", pgettext("column", "role"), role_label, "duties_role"
    )
    area = figures.duties_area.copy()
    area["college_label"] = [college_label(c, names) for c in area["college"]]
    labels = {a: _area_label(a) for a in AREAS}
    heat = Figure("duties_heatmap", _("Duties kept by college and kind"), "heatmap", area, labels)
    paragraph = _(
        "The kept rate is the share of the duties whose outcome is known (met, or overdue "
        "after their period ended) that were met; duties are owed by the rule table of "
        "clauses 三 and 四(二)."
    )
    return Section("duties", _("Duties kept"), [paragraph], [colleges, roles], [heat])


def _area_label(area: str) -> str:
    return _("leadership") if area == LEADERSHIP else target_kind_label(area)


def _contacts(figures: AnnualFigures) -> Section:
    frame = figures.contacts_month
    months = sorted(set(frame["month"]))
    counts = frame.pivot_table(
        index="activity", columns="month", values="records", aggfunc="sum", fill_value=0
    )
    rows = []
    for activity in Activity:
        if activity.value not in counts.index:
            continue
        values = [int(counts.loc[activity.value, m]) for m in months]
        rows.append([activity_label(activity), *values, sum(values)])
    totals = [int(counts[m].sum()) for m in months]
    rows.append([_("all contacts"), *totals, sum(totals)])
    table = Table(
        "contacts_month",
        _("Contacts by kind of activity and month"),
        [
            pgettext("column", "activity"),
            *(_month_label(m) for m in months),
            pgettext("column", "total"),
        ],
        rows,
    )
    chart_data = frame.assign(group=[_activity_group(a) for a in frame["activity"]])
    labels = {m: _month_label(m) for m in months}
    labels.update({g: _group_label(g) for g in (*(k.value for k in KINDS), LEADERSHIP, "online")})
    chart = Figure("contacts_month", _("Contacts per month"), "stacked", chart_data, labels)
    return Section("contacts", _("Contacts"), [], [table], [chart])


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return _("{year}-{month:02d}").format(year=int(year), month=int(number))


def _activity_group(activity: str) -> str:
    """The group an activity is drawn in: its kind of target, the leadership's, or online."""
    if activity == Activity.ONLINE:
        return "online"
    kinds = ACTIVITY_KINDS.get(Activity(activity))
    return next(iter(kinds)).value if kinds else LEADERSHIP


def _group_label(group: str) -> str:
    if group == "online":
        return activity_label(Activity.ONLINE)
    if group == LEADERSHIP:
        return _("face-to-face contacts and ideological lectures")
    return target_kind_label(group)


def _problems(figures: AnnualFigures) -> Section:
    frame = figures.problems
    rows = [
        [
            category_label(r.category),
            int(r.raised),
            int(r.fed_back),
            int(r.answered),
            int(r.open),
            None if pd.isna(r.median_days_to_answer) else float(r.median_days_to_answer),
        ]
        for r in frame.itertuples()
    ]
    table = Table(
        "problems",
        _("Students' problems and suggestions by category and outcome"),
        [
            pgettext("column", "category"),
            pgettext("column", "raised"),
            pgettext("column", "fed back"),
            pgettext("column", "answered, not yet fed back"),
            pgettext("column", "still open"),
            pgettext("column", "median days to answer"),
        ],
        rows,
    )
    labels = {c.value: category_label(c) for c in Category}
    labels.update(
        {
            "fed_back": pgettext("column", "fed back"),
            "answered": pgettext("column", "answered, not yet fed back"),
            "open": pgettext("column", "still open"),
        }
    )
    chart = Figure("problems", _("Problems by category and outcome"), "outcomes", frame, labels)
    return Section("problems", _("Students' problems"), [], [table], [chart])


def _attention(figures: AnnualFigures, names: Mapping[str, str]) -> Section:
    rule = figures.rule
    paragraph = _(
        "A college needs attention when its cadres kept less than {rate} of their duties over "
        "the year, or {share} or more of the problems its cadres raised have waited more than "
        "{days} days without an answer."
    ).format(
        rate=_percent(rule.kept_below), share=_percent(rule.waiting_share), days=rule.waiting_days
    )
    rows = []
    for r in figures.attention.itertuples():
        reasons = []
        if r.low_kept_rate:
            reasons.append(_("duties kept below {rate}").format(rate=_percent(rule.kept_below)))
        if r.problems_waiting:
            reasons.append(
                ngettext(
                    "{n} problem ({share}) waiting over {days} days",
                    "{n} problems ({share}) waiting over {days} days",
                    int(r.waiting),
                ).format(n=int(r.waiting), share=_percent(r.waiting_share), days=rule.waiting_days)
            )
        rows.append(
            [
                college_label(r.college, names),
                None if pd.isna(r.kept_rate) else float(r.kept_rate),
                int(r.overdue),
                int(r.waiting),
                _("; ").join(reasons),
            ]
        )
    table = Table(
        "attention",
        _("Colleges needing attention"),
        [
            pgettext("column", "college"),
            pgettext("column", "kept rate"),
            pgettext("column", "overdue duties"),
            pgettext("column", "problems waiting"),
            pgettext("column", "why"),
        ],
        rows,
        percent={1},
        note="" if rows else _("No college needs attention this year."),
    )
    return Section("attention", _("Colleges needing attention"), [paragraph], [table])


def _percent(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return f"{float(value):.0%}"


def _days(value: Any) -> str:
    if value is None or pd.isna(value):
        return "—"
    return ngettext("{n} day", "{n} days", round(float(value))).format(n=f"{float(value):g}")


def report_tables(report: Report) -> Sequence[Table]:
    """Every table of the report, in order."""
    return [table for section in report.sections for table in section.tables]


def report_figures(report: Report) -> Sequence[Figure]:
    """Every figure of the report, in order."""
    return [figure for section in report.sections for figure in section.figures]
