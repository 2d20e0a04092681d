"""The figures of the annual report (四(五)): a school year of contact work, as tables.

:func:`annual_figures` reads each semester's contacts, ledger, leave, cases and the plan's
coverage, and gives plain frames (ids and English words; labels are added where the report is
made, :mod:`planner.ledger.report`):

- ``placement``: per semester and kind, targets, targets covered, cadres holding one;
- ``duties_college`` / ``duties_role``: met, due, overdue and kept rate per semester and for
  the year, per college (the cadre's own; ``None`` for the cadres placed by the SAO) and per
  role; ``duties_area``: the year per college × area (the heatmap);
- ``contacts_month``: records and students met per month and activity;
- ``problems``: per category, cases raised, fed back, answered (not yet fed back) and open,
  and the median days from raised to answered;
- ``attention``: the colleges needing attention and why (:class:`AttentionRule`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median

import pandas as pd

from planner.contract import KINDS
from planner.ledger.cases import Case, case_table
from planner.ledger.duties import duties_kept, summarise
from planner.ledger.rules import RuleTable, default_rules
from planner.ledger.semester import Semester
from planner.ledger.vocabulary import Category

YEAR = "year"
"""The ``semester`` value of a row that totals the whole school year."""


@dataclass
class SemesterWork:
    """One semester's contact work, as the annual report reads it."""

    semester: Semester
    contacts: pd.DataFrame
    records: pd.DataFrame
    cases: list[Case] = field(default_factory=list)
    leaves: pd.DataFrame | None = None
    coverage: pd.DataFrame | None = None
    """The approved plan's coverage (:attr:`planner.plan.Plan.coverage`: ``college, kind,
    targets, covered``); without it the placement figures count the contacts only."""
    as_of: dt.date | None = None
    """The day the figures are taken (the day after the semester by default)."""


@dataclass(frozen=True)
class AttentionRule:
    """When a college needs attention in the annual report.

    A college (its own cadres' duties and the problems raised by them) needs attention when,
    over the school year, its cadres kept fewer than ``kept_below`` of their duties whose
    outcome is known, or at least ``waiting_share`` of the problems its cadres raised have
    waited more than ``waiting_days`` days without an answer at the end of the year. (A share,
    not a count: a large college raises more problems, and one late answer among fifty is not
    a college behind.)
    """

    kept_below: float = 0.8
    waiting_days: int = 30
    waiting_share: float = 0.2


@dataclass
class AnnualFigures:
    """Every figure of the annual report (see the module docstring)."""

    year: str
    semesters: list[Semester]
    placement: pd.DataFrame
    duties_college: pd.DataFrame
    duties_role: pd.DataFrame
    duties_area: pd.DataFrame
    contacts_month: pd.DataFrame
    problems: pd.DataFrame
    attention: pd.DataFrame
    totals: dict[str, float | int | None]
    rule: AttentionRule


def annual_figures(
    year: str,
    work: Sequence[SemesterWork],
    *,
    rules: RuleTable | None = None,
    attention: AttentionRule | None = None,
) -> AnnualFigures:
    """The annual report's figures for the school ``year`` (e.g. ``2026-2027``) from its
    semesters' contact work (normally two, autumn then spring)."""
    rules = rules or default_rules()
    attention = attention or AttentionRule()
    kept = pd.concat(
        [duties_kept(w.semester, w.contacts, w.records, rules, w.leaves, w.as_of) for w in work],
        ignore_index=True,
    )
    end = max(w.as_of or w.semester.end + dt.timedelta(days=1) for w in work)
    cases = [case for w in work for case in w.cases]
    cases_frame = case_table(cases, end)
    records = pd.concat([w.records for w in work], ignore_index=True)
    duties_college = _by_semester(kept, "college")
    return AnnualFigures(
        year=year,
        semesters=[w.semester for w in work],
        placement=pd.concat([_placement(w) for w in work], ignore_index=True),
        duties_college=duties_college,
        duties_role=_by_semester(kept, "role"),
        duties_area=summarise(kept, ["college", "area"]),
        contacts_month=_contacts_month(records),
        problems=_problems(cases_frame),
        attention=_attention(duties_college, cases_frame, attention),
        totals=_totals(work, kept, records, cases_frame),
        rule=attention,
    )


def _placement(work: SemesterWork) -> pd.DataFrame:
    """Targets, targets covered and cadres holding one, per kind, for one semester."""
    contacts = work.contacts
    rows = []
    for kind in KINDS:
        mine = contacts[contacts["kind"] == kind.value]
        targets: int | None = None
        covered = int(mine["target_id"].nunique())
        if work.coverage is not None:
            rows_of_kind = work.coverage[work.coverage["kind"] == kind.value]
            targets = int(rows_of_kind["targets"].sum())
            covered = int(rows_of_kind["covered"].sum())
        rows.append(
            {
                "semester": work.semester.id,
                "kind": kind.value,
                "targets": targets,
                "covered": covered,
                "cadres": int(mine["cadre_id"].nunique()),
            }
        )
    frame = pd.DataFrame(rows)
    frame["targets"] = frame["targets"].astype("Int64")
    frame["coverage"] = (frame["covered"] / frame["targets"]).astype("Float64")
    return frame


def _by_semester(kept: pd.DataFrame, column: str) -> pd.DataFrame:
    """Duty figures per ``column`` for each semester, then for the whole year."""
    per = summarise(kept, ["semester", column])
    year = summarise(kept, [column])
    year.insert(0, "semester", YEAR)
    return pd.concat([per, year], ignore_index=True)


def _contacts_month(records: pd.DataFrame) -> pd.DataFrame:
    """Records and students met per month (``2026-09``) and activity."""
    if records.empty:
        return pd.DataFrame(columns=["month", "activity", "records", "students"])
    frame = records.assign(month=[f"{d.year}-{d.month:02d}" for d in records["date"]])
    out = frame.groupby(["month", "activity"], sort=True).agg(
        records=("record_id", "size"), students=("students", "sum")
    )
    return out.reset_index()


def _problems(cases: pd.DataFrame) -> pd.DataFrame:
    """Per category: raised, fed back, answered (not fed back), open, median days to answer."""
    rows = []
    for category in Category:
        mine = cases[cases["category"] == category.value]
        answered_days = mine["days_to_answer"].dropna().astype(int).tolist()
        rows.append(
            {
                "category": category.value,
                "raised": len(mine),
                "fed_back": int((mine["status"] == "fed_back").sum()),
                "answered": int((mine["status"] == "answered").sum()),
                "open": int(mine["status"].isin(["raised", "with_sao", "passed"]).sum()),
                "median_days_to_answer": float(median(answered_days)) if answered_days else None,
            }
        )
    frame = pd.DataFrame(rows)
    frame["median_days_to_answer"] = frame["median_days_to_answer"].astype("Float64")
    return frame


def _attention(
    duties_college: pd.DataFrame, cases: pd.DataFrame, rule: AttentionRule
) -> pd.DataFrame:
    """The colleges that need attention, with the figures that say why."""
    year = duties_college[duties_college["semester"] == YEAR]
    waiting = cases[
        cases["status"].isin(["raised", "with_sao", "passed"])
        & (cases["age_days"] > rule.waiting_days)
    ]
    waiting_count = waiting.groupby(waiting["college"].fillna(""), sort=True).size()
    raised_count = cases.groupby(cases["college"].fillna(""), sort=True).size()
    rows = []
    for row in year.itertuples():
        key = "" if pd.isna(row.college) else str(row.college)
        low = pd.notna(row.kept_rate) and float(row.kept_rate) < rule.kept_below
        late = int(waiting_count.get(key, 0))
        share = late / int(raised_count.get(key, 1))
        slow = late > 0 and share >= rule.waiting_share
        if low or slow:
            rows.append(
                {
                    "college": None if key == "" else key,
                    "kept_rate": row.kept_rate,
                    "overdue": int(row.overdue),
                    "waiting": late,
                    "waiting_share": share,
                    "low_kept_rate": bool(low),
                    "problems_waiting": slow,
                }
            )
    columns = [
        "college",
        "kept_rate",
        "overdue",
        "waiting",
        "waiting_share",
        "low_kept_rate",
        "problems_waiting",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["kept_rate", "college"], na_position="last").reset_index(drop=True)


def _totals(
    work: Sequence[SemesterWork], kept: pd.DataFrame, records: pd.DataFrame, cases: pd.DataFrame
) -> dict[str, float | int | None]:
    """The year's headline figures."""
    whole = summarise(kept).iloc[0]
    answered = cases["days_to_answer"].dropna().astype(int).tolist()
    return {
        "cadres": int(pd.concat([w.contacts["cadre_id"] for w in work]).nunique()),
        "records": len(records),
        "students": int(records["students"].sum()) if len(records) else 0,
        "online": int((records["activity"] == "online").sum()) if len(records) else 0,
        "owed": int(whole["owed"]),
        "met": int(whole["met"]),
        "overdue": int(whole["overdue"]),
        "kept_rate": None if pd.isna(whole["kept_rate"]) else float(whole["kept_rate"]),
        "problems": len(cases),
        "fed_back": int((cases["status"] == "fed_back").sum()),
        "median_days_to_answer": float(median(answered)) if answered else None,
    }
