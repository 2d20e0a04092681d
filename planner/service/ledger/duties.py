"""Duties kept, as the pages show them: figures per cadre, per college and for the university
on a chosen day, the heatmap of duties kept per college × kind, the overdue list for
reminders, and the SAO's view of this month's dorm visits.

Everything is computed by the engine (:func:`planner.ledger.duties_kept`, whose docstring
states the boundary rules) from the plan in force, the ledger and the leave the user may see.
What the duties page shows is computed once per view and day and kept
(:func:`page_summary`), under a key naming everything it depends on: the plan, the semester's
dates, the college shown, the day, the leave and a fingerprint of the ledger
(:func:`planner.service.ledger.service.records_fingerprint`), so an added, changed or deleted
record or leave shows at once. One cadre's page computes that cadre's duties only.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from planner import ledger
from planner.i18n import current_language
from planner.i18n import gettext as _
from planner.ledger.duties import AREAS, LEADERSHIP, status_of
from planner.ledger.vocabulary import target_kind_label
from planner.service.ledger.service import (
    LedgerView,
    counted_records,
    leave_rows,
    memo,
    plan_key,
    records_fingerprint,
    term_key,
    today,
)

OVERDUE_SHOWN = 200
"""The overdue duties the page lists (the reminders workbook has them all)."""


def default_day(term: ledger.Semester) -> dt.date:
    """The day the pages show by default: today, kept within the semester (the day after its
    end once it is over, when every duty's outcome is known)."""
    return min(max(today(), term.start), term.end + dt.timedelta(days=1))


def kept_frame(
    db: Session, view: LedgerView, as_of: dt.date, cadre_id: str | None = None
) -> pd.DataFrame:
    """Every duty owed in the view (one cadre's when ``cadre_id`` is given: the same rows as
    the whole view's of that cadre, computed from that cadre's contacts, records and leave
    only), with its status on ``as_of``."""
    return status_of(
        owed_frame(db, view, cadre_id),
        view.term,
        counted_records(db, view.semester.id, view.college, cadre_id),
        as_of=as_of,
    )


def owed_frame(db: Session, view: LedgerView, cadre_id: str | None = None) -> pd.DataFrame:
    """Every duty owed in the view (one cadre's), whatever the ledger holds: kept per plan,
    semester dates, college, cadre and leave (shared between requests: read-only)."""
    leaves = leave_rows(db, view.semester.id, view.college, cadre_id)
    key = (
        "owed",
        view.semester.id,
        None if view.plan is None else plan_key(view.plan),
        term_key(view.term),
        view.college,
        cadre_id,
        leaves,
    )

    def make() -> pd.DataFrame:
        contacts = view.contacts
        if cadre_id is not None:
            contacts = contacts[contacts["cadre_id"] == cadre_id]
        return ledger.owed_duties(view.term, contacts, leaves=ledger.leaves_frame(leaves))

    pool = "cadres" if cadre_id is not None else "owed"
    return memo(db, key, make, pool=pool, slot=key[:-1])


@dataclass(frozen=True)
class PageSummary:
    """What the duties page shows of a view on a day, in no language yet (labels, sentences
    and the order that depends on them are added per request)."""

    figures: dict[str, Any]
    heat: list[tuple[str | None, list[dict[str, Any] | None], dict[str, Any]]]
    month: list[MonthCount]
    cadres: list[dict[str, Any]]
    overdue: pd.DataFrame
    """The first :data:`OVERDUE_SHOWN` overdue duties, in the overdue list's order."""
    overdue_total: int
    sentences: dict[str, list[dict[str, Any]]] = field(default_factory=dict, compare=False)
    """:func:`page_overdue` by language (written once per language)."""
    tables: dict[Any, Any] = field(default_factory=dict, compare=False)
    """The page's tables as rendered, by language and query (see the duties page's view)."""


def page_summary(db: Session, view: LedgerView, as_of: dt.date) -> PageSummary:
    """The duties page's figures of ``view`` on ``as_of`` (computed once, see the module
    docstring; the heatmap and this month's dorm visits for the whole university only)."""
    semester_id = view.semester.id
    key = (
        "duties page",
        semester_id,
        None if view.plan is None else plan_key(view.plan),
        term_key(view.term),
        view.college,
        as_of,
        records_fingerprint(db, semester_id, view.college),
        leave_rows(db, semester_id, view.college),
    )

    def make() -> PageSummary:
        kept = kept_frame(db, view, as_of)
        whole = view.college is None
        late = ledger.overdue_list(kept, limit=OVERDUE_SHOWN, sentences=False)
        return PageSummary(
            figures=figures(kept),
            heat=_heat_counts(kept) if whole else [],
            month=_month_counts(kept, view.term, as_of) if whole else [],
            cadres=cadre_rows(kept),
            overdue=late,
            overdue_total=int((kept["status"] == "overdue").sum()),
        )

    return memo(db, key, make, slot=key[:6])


def page_heat(summary: PageSummary, view: LedgerView) -> list[HeatRow]:
    """The heatmap rows of a page summary, with the colleges named."""
    return [HeatRow(c, view.college_label(c), cells, total) for c, cells, total in summary.heat]


def page_overdue(summary: PageSummary) -> list[dict[str, Any]]:
    """The overdue duties a page lists, each with its sentence in the reader's language."""
    language = current_language()
    found = summary.sentences.get(language)
    if found is None:
        late = ledger.overdue_list(summary.overdue)
        columns = ["college", "cadre_id", "cadre_name", "what", "window_end"]
        found = summary.sentences[language] = late[columns].to_dict("records")
    return found


def cadre_kept(db: Session, view: LedgerView, as_of: dt.date, cadre_id: str) -> pd.DataFrame:
    """:func:`kept_frame` of one cadre, kept under a key naming the cadre's records and leave
    (see the module docstring; shared between requests: read-only)."""
    semester_id = view.semester.id
    key = (
        "cadre duties",
        semester_id,
        None if view.plan is None else plan_key(view.plan),
        term_key(view.term),
        view.college,
        cadre_id,
        as_of,
        records_fingerprint(db, semester_id, view.college, cadre_id),
        leave_rows(db, semester_id, view.college, cadre_id),
    )

    def make() -> pd.DataFrame:
        return kept_frame(db, view, as_of, cadre_id)

    return memo(db, key, make, pool="cadres", slot=key[:7])


def figures(kept: pd.DataFrame) -> dict[str, Any]:
    """Met, due, overdue, owed and the kept rate (met of met + overdue) of ``kept``."""
    row = ledger.summarise(kept).iloc[0]
    rate = row["kept_rate"]
    return {
        "met": int(row["met"]),
        "due": int(row["due"]),
        "overdue": int(row["overdue"]),
        "owed": int(row["owed"]),
        "kept_rate": None if pd.isna(rate) else float(rate),
    }


def rate_class(rate: float | None) -> str:
    """The colour class of a kept rate (``heat-0`` red … ``heat-10`` green; none: grey)."""
    if rate is None or pd.isna(rate):
        return "heat-none"
    return f"heat-{int(min(max(rate, 0.0), 1.0) * 10)}"


def area_label(area: str) -> str:
    """A column of the heatmap: a kind of contact, or the leadership's own duties."""
    return _("leadership duties") if area == LEADERSHIP else target_kind_label(area)


@dataclass
class HeatRow:
    """One college's row of the heatmap: a cell per area (None where nothing is owed)."""

    college: str | None
    label: str
    cells: list[dict[str, Any] | None]
    total: dict[str, Any]


def heat_rows(kept: pd.DataFrame, view: LedgerView) -> list[HeatRow]:
    """The heatmap of duties kept per college × area (:data:`planner.ledger.duties.AREAS`)."""
    return [
        HeatRow(c, view.college_label(c), cells, total) for c, cells, total in _heat_counts(kept)
    ]


def _heat_counts(
    kept: pd.DataFrame,
) -> list[tuple[str | None, list[dict[str, Any] | None], dict[str, Any]]]:
    """Per college (None: the SAO's cadres): a cell per area and the college's total."""
    table = ledger.heatmap_table(kept)
    totals = ledger.summarise(kept, ["college"])
    totals = {
        str(r["college"]) if isinstance(r["college"], str) else "": r
        for r in totals.to_dict("records")
    }
    rows = []
    for college, group in table.groupby(table["college"].fillna(""), sort=True):
        by_area = {str(r["area"]): r for r in group.to_dict("records")}
        cells = [_cell(by_area.get(a)) for a in AREAS]
        rows.append((college or None, cells, _cell(totals[college]) or {}))
    return rows


def _cell(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None or not int(row["owed"]):
        return None
    rate = None if pd.isna(row["kept_rate"]) else float(row["kept_rate"])
    return {
        "met": int(row["met"]),
        "due": int(row["due"]),
        "overdue": int(row["overdue"]),
        "settled": int(row["met"]) + int(row["overdue"]),
        "rate": rate,
        "css": rate_class(rate),
    }


def cadre_rows(kept: pd.DataFrame) -> list[dict[str, Any]]:
    """Per cadre: met, due, overdue, kept rate and the last activity that counted, the cadres
    with the most overdue duties first."""
    if kept.empty:
        return []
    frame = kept.assign(college=kept["college"].fillna(""))
    by = ["cadre_id", "cadre_name", "role", "college"]
    counts = ledger.summarise(frame, by)
    done = frame.dropna(subset=["last_done"])
    latest: dict[str, Any] = {}
    for cadre, day in zip(done["cadre_id"], done["last_done"], strict=True):
        if cadre not in latest or day > latest[cadre]:
            latest[cadre] = day
    counts["last_done"] = counts["cadre_id"].map(latest)
    counts = counts.sort_values(["overdue", "due", "cadre_id"], ascending=[False, False, True])
    return [
        {
            **r,
            "college": r["college"] or None,
            "kept_rate": None if pd.isna(r["kept_rate"]) else r["kept_rate"],
            "last_done": None if pd.isna(r["last_done"]) else r["last_done"],
            "css": rate_class(r["kept_rate"]),
        }
        for r in counts.to_dict("records")
    ]


def overdue_rows(kept: pd.DataFrame) -> list[dict[str, Any]]:
    """The overdue duties, for reminders: college, cadre, what, by when (oldest first per
    cadre), in the reader's language."""
    late = ledger.overdue_list(kept)
    return late[["college", "cadre_id", "cadre_name", "what", "window_end"]].to_dict("records")


def monthly_rule(kind: str = "dorm") -> ledger.DutyRule | None:
    """The rule table's monthly duty of a ``kind`` of contact (the dorm visit of 三(三))."""
    table = ledger.default_rules()
    return next(
        (r for r in table.rules if r.scope == "contact" and r.every == "month" and kind in r.kinds),
        None,
    )


@dataclass(frozen=True)
class MonthCount:
    """One college's dorm visits this month, as counted (not yet named)."""

    college: str | None
    owed: int
    met: int
    share: float
    behind: bool
    last_month_overdue: int


@dataclass
class MonthRow:
    """One college's dorm visits this month."""

    college: str | None
    label: str
    owed: int
    met: int
    due: int
    share: float
    behind: bool
    last_month_overdue: int


def month_of(as_of: dt.date, term: ledger.Semester) -> dt.date:
    """The first day of the month the pages call "this month" (the semester's last month
    once it is over)."""
    day = min(as_of, term.end)
    return day.replace(day=1)


def dorm_month(kept: pd.DataFrame, view: LedgerView, as_of: dt.date) -> list[MonthRow]:
    """Per college, this month's dorm visits: owed, made, still due, and whether the college
    is behind (it has made a smaller share of them than the share of the month gone by), and
    last month's visits left overdue; the colleges furthest behind first."""
    return month_rows(_month_counts(kept, view.term, as_of), view)


def month_rows(counts: list[MonthCount], view: LedgerView) -> list[MonthRow]:
    """The counted dorm visits with the colleges named, the colleges furthest behind first."""
    rows = [
        MonthRow(
            college=c.college,
            label=view.college_label(c.college),
            owed=c.owed,
            met=c.met,
            due=c.owed - c.met,
            share=c.share,
            behind=c.behind,
            last_month_overdue=c.last_month_overdue,
        )
        for c in counts
    ]
    return sorted(rows, key=lambda r: (not r.behind, r.share, -r.last_month_overdue, r.label))


def _month_counts(kept: pd.DataFrame, term: ledger.Semester, as_of: dt.date) -> list[MonthCount]:
    rule = monthly_rule()
    if rule is None or kept.empty:
        return []
    first = month_of(as_of, term)
    key = f"{first.year}-{first.month:02d}"
    previous = first - dt.timedelta(days=1)
    before = f"{previous.year}-{previous.month:02d}"
    mine = kept[kept["rule"] == rule.id]
    now = mine[(mine["period"] == key) & (mine["status"] != "upcoming")]
    late = mine[(mine["period"] == before) & (mine["status"] == "overdue")]
    following = (first + dt.timedelta(days=32)).replace(day=1)
    elapsed = min(max((as_of - first).days, 0), (following - first).days)
    gone = elapsed / (following - first).days
    now_college, late_college = now["college"].fillna(""), late["college"].fillna("")
    owed_by = Counter(now_college)
    met_by = Counter(now_college[now["status"] == "met"])
    late_by = Counter(late_college)
    rows = []
    for college in sorted(set(now_college) | set(late_college)):
        owed, met = owed_by[college], met_by[college]
        share = met / owed if owed else 1.0
        rows.append(
            MonthCount(
                college=college or None,
                owed=owed,
                met=met,
                share=share,
                behind=owed > 0 and share < gone,
                last_month_overdue=late_by[college],
            )
        )
    return rows


def cadre_duties(kept: pd.DataFrame, cadre_id: str) -> list[dict[str, Any]]:
    """One cadre's owed duties with their status and what each asks, in date order."""
    mine = kept[kept["cadre_id"] == cadre_id]
    if mine.empty:
        return []
    table = ledger.default_rules()
    out = []
    for row in mine.sort_values(["window_start", "rule"], kind="stable").to_dict("records"):
        rule = table.rule(str(row["rule"]))
        target = (
            _("{kind} {name}").format(
                kind=target_kind_label(str(row["kind"])), name=row["target_name"]
            )
            if row["scope"] == "contact"
            else _("any students")
        )
        out.append({**row, "title": rule.title(), "target": target})
    return out


def reminder_rows(kept: pd.DataFrame) -> pd.DataFrame:
    """One reminder per cadre with overdue duties (the engine's :func:`reminders`)."""
    return ledger.reminders(kept)
