"""Duties kept: what each cadre owes in a semester, and what the ledger shows they did.

A **duty** is one rule of the rule table (:mod:`planner.ledger.rules`) for one cadre (and, for
a contact rule, one contact they hold) in one period (a week, a month, the semester).

Boundary rules (the same for every rule, so they can be told in one paragraph):

- **Owed.** A period owes the duty when, on at least ``min_share`` of the period's calendar
  days (0.5 in the shipped table), the semester runs, the cadre holds the contact (for a cadre
  rule: holds any contact) and is not on leave. So with the shipped table a month needs 16 of
  its 31 days (15 of 30): the January of a semester that ends on 15 January owes no dorm visit,
  a cadre who moves to another dorm on 10 October owes October's visit for the new dorm only,
  and a cadre on leave for three weeks of a month owes nothing that month. A week straddling
  the semester's first day owes the weekly contact if the semester has at least 4 of its 7
  days (it starts on a Thursday or earlier). A semester duty is owed for a contact held at
  least half the semester.
- **Window.** An owed duty can be met by activities dated in its window: the part of the
  period in which the semester runs and the cadre holds the contact (days on leave included:
  a visit made on a day off still happened).
- **Counted.** An activity counts for a contact rule when it is the rule's kind of activity,
  by the same cadre, with the same target; for a cadre rule, any target (or ``other``). One
  activity may count for several duties (a class meeting held by a school leader also counts
  as that week's face-to-face contact).
- **Status on a date** (``as_of``; only activities dated on or before it count):
  ``met`` when the window holds enough activities; otherwise ``overdue`` when the window ended
  before ``as_of``, ``due`` when it has begun, ``upcoming`` when it has not. Figures count
  met, due and overdue duties; the *kept rate* is met / (met + overdue): of the duties whose
  outcome is known, the share kept (a duty still running and not yet met is not a failure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.ledger.rules import DutyRule, RuleTable, default_rules
from planner.ledger.semester import LEAVE_COLUMNS, Period, Semester, long_date
from planner.ledger.vocabulary import target_kind_label

LEADERSHIP = "leadership"
"""The area of a cadre rule (the weekly contact and ideological lecture of the leadership)."""

AREAS: tuple[str, ...] = ("class", "dorm", "society", "branch", LEADERSHIP)
"""The columns of the duties heatmap: the four kinds of contact, then the leadership's own."""

STATUSES: tuple[str, ...] = ("met", "due", "overdue", "upcoming")

STATUS_LABELS: dict[str, str] = {
    "met": N_("met"),
    "due": N_("due"),
    "overdue": N_("overdue"),
    "upcoming": N_("upcoming"),
}

DUTY_COLUMNS = [
    "semester",
    "cadre_id",
    "cadre_name",
    "role",
    "college",
    "rule",
    "scope",
    "area",
    "kind",
    "target_id",
    "target_name",
    "target_college",
    "every",
    "period",
    "period_number",
    "window_start",
    "window_end",
    "times",
]
"""One owed duty: who, which rule, which contact (blank for a cadre rule), which period and
its window (dates), and how many activities it asks for."""

KEPT_COLUMNS = [*DUTY_COLUMNS, "done", "last_done", "status"]
"""An owed duty with what the ledger shows: activities counted, the last one's date, status."""

COUNT_COLUMNS = ["met", "due", "overdue", "owed", "kept_rate"]


def owed_duties(
    semester: Semester,
    contacts: pd.DataFrame,
    rules: RuleTable | None = None,
    leaves: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every duty owed in the semester (:data:`DUTY_COLUMNS`), by the boundary rules above."""
    rules = rules or default_rules()
    leaves = leaves if leaves is not None else pd.DataFrame(columns=LEAVE_COLUMNS)
    parts = []
    for scope in ("contact", "cadre"):
        holders = _holders(contacts, scope)
        if holders.empty:
            continue
        present = _presence(semester, holders, leaves)
        for rule in rules.rules:
            if rule.scope == scope:
                parts.append(_rule_duties(semester, holders, present, rule, rules.min_share))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=DUTY_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out.insert(0, "semester", semester.id)
    order = ["college", "cadre_id", "window_start", "rule", "kind", "target_id"]
    out = out.sort_values(order, kind="stable", na_position="first")
    return out.reset_index(drop=True)[DUTY_COLUMNS]


def _holders(contacts: pd.DataFrame, scope: str) -> pd.DataFrame:
    """Who owes duties of ``scope``: each contact, or each cadre over all their contacts."""
    if scope == "contact" or contacts.empty:
        return contacts.reset_index(drop=True)
    ordered = contacts.sort_values("start", kind="stable")
    # the first and last day as datetime64 (a date object column would be reduced in Python)
    ordered = ordered.assign(start=_days(ordered["start"]), end=_days(ordered["end"]))
    first = ordered.groupby("cadre_id", sort=True)
    cadres = first.agg(
        cadre_name=("cadre_name", "first"),
        role=("role", "first"),
        college=("college", "first"),
        start=("start", "min"),
        end=("end", "max"),
    ).reset_index()
    cadres["start"] = _dates_of(cadres["start"])
    cadres["end"] = _dates_of(cadres["end"])
    for column in ("kind", "target_id", "target_name", "target_college"):
        cadres[column] = None
    return cadres


def _days(dates: pd.Series) -> pd.Series:
    """Dates as ``datetime64`` (for reductions in C)."""
    return pd.to_datetime(dates)


def _dates_of(days: pd.Series) -> pd.Series:
    """``datetime64`` days back as ``datetime.date`` objects."""
    return pd.Series([d.date() for d in days], index=days.index, dtype=object)


def _presence(semester: Semester, holders: pd.DataFrame, leaves: pd.DataFrame) -> np.ndarray:
    """Cumulative days in post per holder (rows) up to each day of the semester (columns).

    ``out[i, d]`` is how many of the semester's first ``d`` days holder ``i`` holds the
    contact and is not on leave, so a span of days ``[a, b]`` holds ``out[i, b+1] - out[i, a]``.
    """
    day = np.arange(semester.days)
    start = np.array([(d - semester.start).days for d in holders["start"]])
    end = np.array([(d - semester.start).days for d in holders["end"]])
    present = (day[None, :] >= start[:, None]) & (day[None, :] <= end[:, None])
    rows = holders.groupby("cadre_id", sort=False).indices
    for leave in leaves.itertuples():
        index = rows.get(str(leave.cadre_id))
        if index is None:
            continue
        a = max((leave.start - semester.start).days, 0)
        b = min((leave.end - semester.start).days, semester.days - 1)
        if a <= b:
            present[np.ix_(index, np.arange(a, b + 1))] = False
    cumulative = np.zeros((len(holders), semester.days + 1), dtype=np.int64)
    np.cumsum(present, axis=1, out=cumulative[:, 1:])
    return cumulative


def _rule_duties(
    semester: Semester,
    holders: pd.DataFrame,
    present: np.ndarray,
    rule: DutyRule,
    min_share: float,
) -> pd.DataFrame:
    """The owed duties of one rule: the holders it binds × the periods they owe."""
    binds = holders["role"].isin([r.value for r in rule.roles]).to_numpy()
    if rule.scope == "contact":
        binds = binds & holders["kind"].isin([k.value for k in rule.kinds]).to_numpy()
    periods = semester.periods(rule.every)
    index = np.flatnonzero(binds)
    if not len(index) or not periods:
        return pd.DataFrame()
    a = np.array([(max(p.start, semester.start) - semester.start).days for p in periods])
    b = np.array([(min(p.end, semester.end) - semester.start).days for p in periods])
    active = present[index][:, b + 1] - present[index][:, a]
    needed = np.array([min_share * p.days for p in periods])
    rows, cols = np.nonzero(active >= needed[None, :])
    chosen = holders.iloc[index[rows]].reset_index(drop=True)
    picked: list[Period] = [periods[c] for c in cols]
    window_start = [
        max(p.start, semester.start, s) for p, s in zip(picked, chosen["start"], strict=True)
    ]
    window_end = [min(p.end, semester.end, e) for p, e in zip(picked, chosen["end"], strict=True)]
    return pd.DataFrame(
        {
            "cadre_id": chosen["cadre_id"],
            "cadre_name": chosen["cadre_name"],
            "role": chosen["role"],
            "college": chosen["college"],
            "rule": rule.id,
            "scope": rule.scope,
            "area": chosen["kind"] if rule.scope == "contact" else LEADERSHIP,
            "kind": chosen["kind"],
            "target_id": chosen["target_id"],
            "target_name": chosen["target_name"],
            "target_college": chosen["target_college"],
            "every": rule.every,
            "period": [p.key for p in picked],
            "period_number": [p.number for p in picked],
            "window_start": window_start,
            "window_end": window_end,
            "times": rule.times,
        }
    )


def duties_kept(
    semester: Semester,
    contacts: pd.DataFrame,
    records: pd.DataFrame,
    rules: RuleTable | None = None,
    leaves: pd.DataFrame | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Every owed duty with its status on ``as_of`` (:data:`KEPT_COLUMNS`).

    ``records`` is a ledger (:data:`planner.ledger.records.RECORD_COLUMNS`: ``cadre_id, kind,
    target_id, date, activity`` are used). Without ``as_of`` the semester is over: the day
    after its end.
    """
    rules = rules or default_rules()
    duties = owed_duties(semester, contacts, rules, leaves)
    return status_of(duties, semester, records, rules, as_of)


def status_of(
    duties: pd.DataFrame,
    semester: Semester,
    records: pd.DataFrame,
    rules: RuleTable | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """The owed ``duties`` (:func:`owed_duties` of ``semester``, left unchanged) with their
    status on ``as_of`` by the ``records``: :func:`duties_kept` in two steps, for a caller
    that keeps the owed duties while records come in."""
    rules = rules or default_rules()
    as_of = as_of or semester.end + dt.timedelta(days=1)
    done, last = _count(duties, records, rules, as_of)
    out = duties.copy()
    out["done"] = done
    out["last_done"] = last
    met = out["done"] >= out["times"]
    ended = np.array([end < as_of for end in out["window_end"]], dtype=bool)
    begun = np.array([start <= as_of for start in out["window_start"]], dtype=bool)
    out["status"] = np.select([met, ended, begun], ["met", "overdue", "due"], "upcoming")
    return out[KEPT_COLUMNS]


def _count(
    duties: pd.DataFrame, records: pd.DataFrame, rules: RuleTable, as_of: dt.date
) -> tuple[np.ndarray, list[dt.date | None]]:
    """How many counted activities each duty's window holds, and the date of the last one."""
    done = np.zeros(len(duties), dtype=np.int64)
    last: list[dt.date | None] = [None] * len(duties)
    if duties.empty or records.empty:
        return done, last
    counts = pd.DataFrame(
        [(r.id, str(a)) for r in rules.rules for a in r.activities], columns=["rule", "activity"]
    )
    kept = records[[d <= as_of for d in records["date"]]]
    kept = kept[["cadre_id", "kind", "target_id", "date", "activity"]]
    frame = duties[["rule", "scope", "cadre_id", "kind", "target_id"]].copy()
    frame["duty"] = np.arange(len(duties))
    frame["lo"] = pd.to_datetime(duties["window_start"])
    frame["hi"] = pd.to_datetime(duties["window_end"])
    frame = frame.merge(counts, on="rule")
    contact = frame[frame["scope"] == "contact"].merge(
        kept, on=["cadre_id", "kind", "target_id", "activity"]
    )
    cadre = frame[frame["scope"] == "cadre"].drop(columns=["kind", "target_id"])
    cadre = cadre.merge(kept.drop(columns=["kind", "target_id"]), on=["cadre_id", "activity"])
    matched = pd.concat([contact, cadre], ignore_index=True)
    when = pd.to_datetime(matched["date"])
    inside = ((when >= matched["lo"]) & (when <= matched["hi"])).to_numpy()
    if not inside.any():
        return done, last
    duty = matched["duty"].to_numpy()[inside]
    days = matched["date"].to_numpy()[inside]
    stamp = when.to_numpy()[inside]
    done += np.bincount(duty, minlength=len(duties))
    order = np.lexsort((stamp, duty))  # by duty, then day: each duty's last is its latest
    ends = np.flatnonzero(np.r_[duty[order][1:] != duty[order][:-1], True])
    for i in order[ends]:
        last[int(duty[i])] = days[i]
    return done, last


# --------------------------------------------------------------------------- figures


def summarise(kept: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Met, due and overdue duties and the kept rate, per group of ``by`` (none: one row).

    ``by`` names columns of :func:`duties_kept`'s frame: ``["cadre_id"]``, ``["college"]``,
    ``["college", "area"]``, ``["role"]``… A central cadre's ``college`` is ``None`` and makes a
    group of its own. ``upcoming`` duties are not counted.
    """
    by = list(by)
    counted = kept[kept["status"] != "upcoming"]
    flags = pd.DataFrame(
        {s: (counted["status"] == s).astype(int) for s in ("met", "due", "overdue")}
    )
    if by:
        flags[by] = counted[by]
        out = flags.groupby(by, dropna=False, sort=True).sum().reset_index()
    else:
        out = flags.sum().to_frame().T
    out["owed"] = out["met"] + out["due"] + out["overdue"]
    settled = out["met"] + out["overdue"]
    out["kept_rate"] = (out["met"] / settled.where(settled > 0)).astype(float)
    return out[[*by, *COUNT_COLUMNS]]


def heatmap_table(kept: pd.DataFrame) -> pd.DataFrame:
    """The table behind the heatmap of duties kept: one row per college × area (:data:`AREAS`)."""
    out = summarise(kept, ["college", "area"])
    out["area"] = pd.Categorical(out["area"], categories=AREAS, ordered=True)
    return out.sort_values(["college", "area"], na_position="first").reset_index(drop=True)


def overdue_list(
    kept: pd.DataFrame,
    rules: RuleTable | None = None,
    *,
    limit: int | None = None,
    sentences: bool = True,
) -> pd.DataFrame:
    """The overdue duties, for reminders: by college, cadre and date, each with a sentence
    ``what`` (the rule, the target and the period) in this context's language; the first
    ``limit`` only when given, and without ``what`` when not ``sentences`` (the list of a
    page, whose sentences are written in the reader's language later)."""
    rules = rules or default_rules()
    late = kept[kept["status"] == "overdue"]
    order = ["college", "cadre_id", "window_end", "rule"]
    late = late.sort_values(order, na_position="first", kind="stable")
    if limit is not None:
        late = late.head(limit)
    late = late.reset_index(drop=True)
    if sentences:
        late["what"] = [_duty_sentence(row, rules) for row in late.to_dict("records")]
    return late


def _duty_sentence(row: dict[str, Any], rules: RuleTable) -> str:
    """ "dorm visit or face-to-face talk with dorm 榕园3栋-310, 2026-10-01 to 2026-10-31"."""
    if row["scope"] == "contact":
        target = _("{kind} {name}").format(
            kind=target_kind_label(str(row["kind"])), name=row["target_name"]
        )
    else:
        target = _("any students")
    return _("{rule} with {target}, {start} to {end}").format(
        rule=rules.rule(str(row["rule"])).title(),
        target=target,
        start=long_date(row["window_start"]),
        end=long_date(row["window_end"]),
    )


def reminders(kept: pd.DataFrame, rules: RuleTable | None = None) -> pd.DataFrame:
    """One reminder per cadre with overdue duties: ``cadre_id, cadre_name, college, overdue``
    (how many) and ``lines`` (one sentence per overdue duty, oldest first)."""
    late = overdue_list(kept, rules)
    columns = ["cadre_id", "cadre_name", "college", "overdue", "lines"]
    if late.empty:
        return pd.DataFrame(columns=columns)
    grouped = late.groupby("cadre_id", sort=False)
    out = grouped.agg(
        cadre_name=("cadre_name", "first"),
        college=("college", "first"),
        overdue=("what", "size"),
        lines=("what", list),
    ).reset_index()
    return out[columns]


def for_college(frame: pd.DataFrame, college: str, column: str = "college") -> pd.DataFrame:
    """The rows of ``frame`` that belong to ``college`` (a college sees its own cadres only)."""
    return frame[frame[column] == college].reset_index(drop=True)


def duty_lines(role: str, kind: str, rules: RuleTable | None = None) -> list[str]:
    """What a cadre of ``role`` holding a ``kind`` owes, one sentence per rule (for letters):
    the duties of the contact, then the cadre's own."""
    return contact_duty_lines(role, kind, rules) + cadre_duty_lines(role, rules)


def contact_duty_lines(role: str, kind: str, rules: RuleTable | None = None) -> list[str]:
    """The duties a contact of ``kind`` asks of a cadre of ``role``, one sentence per rule
    ("dorm visit or face-to-face talk: at least 1 a month"), in this context's language."""
    rules = rules or default_rules()
    return [_rule_line(r) for r in rules.for_contact(role, kind)]


def cadre_duty_lines(role: str, rules: RuleTable | None = None) -> list[str]:
    """The duties a cadre of ``role`` owes whatever they hold (the leadership's weekly contact
    and ideological lecture), one sentence per rule."""
    rules = rules or default_rules()
    return [_rule_line(r) for r in rules.for_cadre(role)]


def _rule_line(rule: DutyRule) -> str:
    return _("{title}: {requirement}").format(title=rule.title(), requirement=rule.requirement())
