"""Duty calendars: an ``.ics`` file per cadre and per college with the recurring duties of the
contacts in force, so a duty shows up in the calendar people already use (RFC 5545, written
with the ``icalendar`` library).

Each duty of a contact is one all-day event series: a monthly dorm visit recurs on the first
of each month it is owed, the leadership's weekly contact on each Monday, a semester duty is
one event on the first day it is owed. The series follow the duty engine exactly
(:func:`planner.ledger.duties.owed_duties`): a month or week that owes nothing (a cadre on
leave, a January of 15 semester days) is left out with an ``EXDATE``. UIDs are stable (the same
semester, cadre, rule and contact give the same UID), and so is the whole file: its time stamp
is the semester's first day, not the moment it was written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from icalendar import Calendar, Event

from planner.i18n import gettext as _
from planner.i18n import use_language
from planner.ledger.duties import owed_duties
from planner.ledger.rules import DutyRule, RuleTable, default_rules
from planner.ledger.semester import Semester, long_date
from planner.ledger.vocabulary import target_kind_label

PRODID = "-//planner//contact work ledger//ZH"
CENTRAL = "central"
"""The file name (``central.ics``) of the calendar of cadres placed by the SAO."""

SERIES = ["cadre_id", "rule", "kind", "target_id"]
_SAFE = re.compile(r"[^A-Za-z0-9_-]")


def duty_calendar(
    duties: pd.DataFrame,
    semester: Semester,
    name: str,
    *,
    rules: RuleTable | None = None,
    with_names: bool = False,
    uid_prefix: str = "",
) -> Calendar:
    """A calendar of the owed ``duties`` (:func:`owed_duties` rows), one series per duty of
    each contact; ``with_names`` puts the cadre's name in each summary (a college's calendar)."""
    series = list(_series(duties).values())
    return _calendar(series, semester, name, rules or default_rules(), with_names, uid_prefix)


Series = list[dict[str, Any]]
"""The owed duties of one rule for one contact (or one cadre), as records, in date order."""


def _series(duties: pd.DataFrame) -> dict[tuple[str, ...], Series]:
    """The duties grouped by :data:`SERIES` (in key order), as plain records: a calendar of a
    whole university has thousands of small groups, too many for pandas to split one by one."""
    out: dict[tuple[str, ...], Series] = {}
    for row in duties.sort_values("window_start", kind="stable").to_dict("records"):
        out.setdefault(tuple(str(row[c]) for c in SERIES), []).append(row)
    return dict(sorted(out.items()))


def _calendar(
    series_list: list[Series],
    semester: Semester,
    name: str,
    rules: RuleTable,
    with_names: bool,
    uid_prefix: str,
) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = dt.datetime.combine(semester.start, dt.time(), tzinfo=dt.UTC)
    for series in series_list:
        first = series[0]
        rule = rules.rule(str(first["rule"]))
        event = Event()
        event.add("uid", _uid(uid_prefix, semester, first))
        event.add("dtstamp", stamp)
        event.add("summary", _summary(rule, first, with_names))
        event.add("description", _description(rule, series, semester))
        event.add("categories", [_("contact work")])
        event.add("transp", "TRANSPARENT")
        _schedule(event, rule, series, semester)
        calendar.add_component(event)
    return calendar


def _schedule(event: Event, rule: DutyRule, series: Series, semester: Semester) -> None:
    """DTSTART/DTEND of the first owed period, an RRULE to the last, EXDATEs between."""
    if rule.every == "semester":
        start = min(d["window_start"] for d in series)
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(days=1))
        return
    owed = {str(d["period"]) for d in series}
    periods = semester.periods(rule.every)
    first = next(i for i, p in enumerate(periods) if p.key in owed)
    last = max(i for i, p in enumerate(periods) if p.key in owed)
    event.add("dtstart", periods[first].start)
    event.add("dtend", periods[first].start + dt.timedelta(days=1))
    frequency = "WEEKLY" if rule.every == "week" else "MONTHLY"
    event.add("rrule", {"freq": frequency, "until": periods[last].start})
    skipped = [p.start for p in periods[first : last + 1] if p.key not in owed]
    if skipped:
        event.add("exdate", skipped)


def _summary(rule: DutyRule, duty: dict[str, Any], with_names: bool) -> str:
    if duty["scope"] == "contact":
        target = _("{kind} {name}").format(
            kind=target_kind_label(str(duty["kind"])), name=duty["target_name"]
        )
        text = _("{rule}: {target} ({requirement})").format(
            rule=rule.title(), target=target, requirement=rule.requirement()
        )
    else:
        text = _("{rule} ({requirement})").format(rule=rule.title(), requirement=rule.requirement())
    if with_names:
        return _("{cadre} · {duty}").format(cadre=duty["cadre_name"], duty=text)
    return text


def _description(rule: DutyRule, series: Series, semester: Semester) -> str:
    start = min(d["window_start"] for d in series)
    end = max(d["window_end"] for d in series)
    return _(
        "{policy} {clause}. Owed from {start} to {end} ({semester}). Enter each activity in "
        "the work ledger."
    ).format(
        policy="暨党发〔2019〕47号",
        clause=rule.clause,
        start=long_date(start),
        end=long_date(end),
        semester=semester.name,
    )


def _uid(prefix: str, semester: Semester, duty: dict[str, Any]) -> str:
    """A UID that stays the same for the same semester, cadre, rule and contact."""
    key = "|".join(str(duty[c]) for c in SERIES)
    digest = hashlib.sha256(f"{semester.id}|{key}".encode()).hexdigest()[:20]
    return f"{prefix}{_safe(semester.id)}-{_safe(str(duty['rule']))}-{digest}@planner"


def _safe(text: str) -> str:
    """``text`` fit for a file name or UID: ASCII letters, digits, ``-`` and ``_`` only (a
    short hash stands in for anything else)."""
    cleaned = _SAFE.sub("_", text)
    if cleaned != text:
        cleaned += "-" + hashlib.sha256(text.encode()).hexdigest()[:8]
    return cleaned


def calendar_files(
    semester: Semester,
    contacts: pd.DataFrame,
    rules: RuleTable | None = None,
    leaves: pd.DataFrame | None = None,
    *,
    college_names: Mapping[str, str] | None = None,
    language: str = "zh",
    only: str | None = None,
) -> dict[str, bytes]:
    """Every calendar as ``{file name: .ics bytes}``: ``cadres/ID.ics`` for each cadre,
    ``colleges/ID.ics`` for each college (named from ``college_names`` where given) and
    ``colleges/central.ics`` for cadres placed by the SAO. Chinese by default. ``only``
    (``cadres`` or ``colleges``) writes those files alone (the same bytes)."""
    college_names = college_names or {}
    rules = rules or default_rules()
    duties = owed_duties(semester, contacts, rules, leaves)
    cadres: dict[str, list[Series]] = {}
    colleges: dict[str, list[Series]] = {}
    for series in _series(duties).values():
        first = series[0]
        cadres.setdefault(str(first["cadre_id"]), []).append(series)
        college = first["college"] if isinstance(first["college"], str) else CENTRAL
        colleges.setdefault(college, []).append(series)
    out: dict[str, bytes] = {}
    with use_language(language):
        for cadre_id, mine in sorted(cadres.items()) if only in (None, "cadres") else ():
            name = _("Contact work: {cadre}").format(cadre=mine[0][0]["cadre_name"])
            calendar = _calendar(mine, semester, name, rules, False, "")
            out[f"cadres/{_safe(cadre_id)}.ics"] = calendar.to_ical()
        for college, theirs in sorted(colleges.items()) if only in (None, "colleges") else ():
            name = _("Contact work: {college}").format(
                college=_("cadres placed by the SAO")
                if college == CENTRAL
                else college_names.get(college, college)
            )
            calendar = _calendar(theirs, semester, name, rules, True, "college-")
            out[f"colleges/{_safe(college)}.ics"] = calendar.to_ical()
    return out


def write_calendars(
    out: str | Path,
    semester: Semester,
    contacts: pd.DataFrame,
    rules: RuleTable | None = None,
    leaves: pd.DataFrame | None = None,
    *,
    college_names: Mapping[str, str] | None = None,
    language: str = "zh",
) -> list[Path]:
    """Write :func:`calendar_files` under the folder ``out``; the paths written."""
    out = Path(out)
    written = []
    files = calendar_files(
        semester, contacts, rules, leaves, college_names=college_names, language=language
    )
    for name, data in files.items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written
