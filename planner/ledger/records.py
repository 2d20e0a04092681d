"""The ledger (工作台账, 四(三)): one record per contact a cadre made with students.

A record says who (the cadre), with whom (a target of the approved plan: kind and id, or
``other`` for students outside it), when, what kind of activity (clause 三's vocabulary, or
online contact, 三(六)), how many students took part, a short note, and any problems or
suggestions the students raised. It holds **no personal details of students**: there is no
column for names, and a note or problem holding a mobile phone or identity card number is
refused.

Records come from a file (:func:`read_ledger`: the office's Excel ledger or the template of
:mod:`planner.ledger.template`, CSV or ``.xlsx``, Chinese or English headers) or from a form
(:class:`ContactRecord`, :func:`records_frame`). Either way the same checks apply
(:func:`reference_issues`), every problem is reported at once, and nothing is accepted on
error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.contract import Column, Table
from planner.dataset import Source
from planner.errors import InputError
from planner.i18n import gettext as _
from planner.ledger.semester import Semester, long_date
from planner.ledger.sheets import TableSheet, read_table_file
from planner.ledger.vocabulary import (
    ACTIVITY_KINDS,
    OTHER,
    Activity,
    Category,
    activity_label,
    activity_words,
    category_words,
    fold,
    suited,
    target_kind_label,
    target_kind_words,
)

LEDGER_TABLE = Table(
    "ledger",
    "工作台账",
    (
        Column("cadre", "工号", "id"),
        Column("cadre_name", "姓名", "text", required=False),
        Column("kind", "类型", "target_kind"),
        Column("target", "对象编号", "id", required=False),
        Column("target_name", "对象名称", "text", required=False),
        Column("date", "日期", "date"),
        Column("activity", "活动类型", "activity"),
        Column("students", "学生人数", "int"),
        Column("note", "情况简述", "text", required=False),
        Column("problems", "问题和建议", "text", required=False),
        Column("category", "问题类别", "category", required=False),
    ),
)
"""The ledger file as the rosters are declared (:mod:`planner.contract`): English column
names, Chinese headers. ``cadre_name`` and ``target_name`` are for people reading the sheet;
the ids decide."""

RECORD_COLUMNS = [
    "record_id",
    "cadre_id",
    "kind",
    "target_id",
    "date",
    "activity",
    "students",
    "note",
    "problems",
    "category",
    "row",
]
"""A ledger in canonical form: ``date`` is a :class:`datetime.date`, ``kind`` a kind of the
plan or ``other`` (then ``target_id`` may be blank), ``activity`` and ``category`` English
ids, ``row`` the spreadsheet row (0 for a record entered in a form)."""

NOTE_LIMIT = 500
"""Most characters of a note (a short note, not a report)."""

PROBLEM_LIMIT = 2000

_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T].*)?")
_PERSONAL = re.compile(r"(?<!\d)(1[3-9]\d{9}|\d{17}[\dXx])(?!\d)")
"""A mainland mobile number or identity card number: personal details that stay out."""


def parse_date(text: str) -> dt.date | None:
    """``2026-09-15``, ``2026/9/15``, ``2026.9.15``, ``2026年9月15日`` (a time is ignored)."""
    match = _DATE.fullmatch(text.strip())
    if match is None:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def holds_personal_details(text: str) -> bool:
    """Whether ``text`` holds a mobile phone or identity card number."""
    return bool(_PERSONAL.search(text))


class ContactRecord(BaseModel):
    """One contact as entered in a form; words are read as in a file (``班会``, ``其他``…)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cadre_id: str = Field(min_length=1, max_length=64)
    kind: str
    target_id: str = Field(default="", max_length=64)
    date: dt.date
    activity: Activity
    students: int = Field(ge=0, le=100_000)
    note: str = Field(default="", max_length=NOTE_LIMIT)
    problems: str = Field(default="", max_length=PROBLEM_LIMIT)
    category: Category = Category.OTHER

    @field_validator("kind", mode="before")
    @classmethod
    def _kind_word(cls, value: Any) -> Any:
        kind = target_kind_words().get(fold(str(value)))
        if kind is None:
            raise ValueError(_kind_message(str(value)))
        return kind

    @field_validator("activity", mode="before")
    @classmethod
    def _activity_word(cls, value: Any) -> Any:
        activity = activity_words().get(fold(str(value)))
        if activity is None:
            raise ValueError(_activity_message(str(value)))
        return activity

    @field_validator("category", mode="before")
    @classmethod
    def _category_word(cls, value: Any) -> Any:
        if value in (None, ""):
            return Category.OTHER
        category = category_words().get(fold(str(value)))
        if category is None:
            raise ValueError(_category_message(str(value)))
        return category

    @field_validator("note", "problems")
    @classmethod
    def _no_personal_details(cls, value: str) -> str:
        if holds_personal_details(value):
            raise ValueError(_personal_message())
        return value.strip()

    @model_validator(mode="after")
    def _target_given(self) -> ContactRecord:
        if self.kind != OTHER and not self.target_id.strip():
            raise ValueError(_target_missing_message())
        return self


def records_frame(records: Iterable[ContactRecord]) -> pd.DataFrame:
    """A ledger in canonical form (:data:`RECORD_COLUMNS`) from form records."""
    rows = [
        {
            **record.model_dump(),
            "activity": record.activity.value,
            "category": record.category.value,
            "row": 0,
        }
        for record in records
    ]
    frame = pd.DataFrame(rows, columns=[c for c in RECORD_COLUMNS if c != "record_id"])
    return number_records(frame)


def number_records(frame: pd.DataFrame) -> pd.DataFrame:
    """A ledger in canonical form from records without ids (:data:`RECORD_COLUMNS` but
    ``record_id``): each gets ``CADRE-YYYYMMDD-N``, N counting the cadre's records that day in
    the order given."""
    frame = frame.reset_index(drop=True)
    day = [d.strftime("%Y%m%d") for d in frame["date"]]
    number = frame.groupby([frame["cadre_id"], pd.Series(day)], sort=False).cumcount() + 1
    ids = [f"{c}-{d}-{n}" for c, d, n in zip(frame["cadre_id"], day, number, strict=True)]
    frame.insert(0, "record_id", ids)
    frame["students"] = frame["students"].astype("int64")
    return frame[RECORD_COLUMNS]


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Issue:
    """A problem (or, with ``warning``, a doubt) about one record: its index, its field
    (a :data:`RECORD_COLUMNS` name, as a form names it)."""

    index: Any
    column: str
    message: str
    warning: bool = False


def reference_issues(
    records: pd.DataFrame, contacts: pd.DataFrame, semester: Semester
) -> list[Issue]:
    """What is wrong with records against the contacts in force and the semester.

    Errors: a cadre who holds no contact this semester; a target the cadre does not hold (write
    ``other``/其他 as the kind for students outside the plan); a date outside the semester.
    Warnings: an activity dated outside the cadre's time with that target, or one that belongs
    with another kind of target (it counts for no duty of it).
    """
    issues: list[Issue] = []
    held = {cadre: group for cadre, group in contacts.groupby("cadre_id", sort=False)}
    for index, record in records[_suspect(records, contacts, semester)].iterrows():
        issues.extend(_record_issues(index, record, held, semester))
    return issues


def _suspect(records: pd.DataFrame, contacts: pd.DataFrame, semester: Semester) -> np.ndarray:
    """The records that may have an issue, found as tables (:func:`_record_issues` then says
    exactly what), so a large ledger is not checked row by row: dated outside the semester,
    an activity unsuited to the kind, or no contact of the cadre with the target that day
    (every ``other`` record, so its cadre is checked)."""
    days = pd.to_datetime(records["date"]).to_numpy()
    outside = (days < np.datetime64(semester.start)) | (days > np.datetime64(semester.end))
    activities, kinds = records["activity"].tolist(), records["kind"].tolist()
    fits = {pair: suited(*pair) for pair in set(zip(activities, kinds, strict=True))}
    unsuited = np.array([not fits[pair] for pair in zip(activities, kinds, strict=True)], bool)
    keys = ["cadre_id", "kind", "target_id"]
    spans = records[keys].assign(day=days, number=np.arange(len(records)))
    spans = spans.merge(contacts[[*keys, "start", "end"]], on=keys)
    inside = (spans["day"] >= pd.to_datetime(spans["start"])) & (
        spans["day"] <= pd.to_datetime(spans["end"])
    )
    held = np.zeros(len(records), dtype=bool)
    held[spans.loc[inside, "number"].to_numpy(dtype=np.int64)] = True
    return np.asarray(outside | unsuited | ~held, dtype=bool)


def _record_issues(
    index: Any, record: pd.Series, held: dict[str, pd.DataFrame], semester: Semester
) -> list[Issue]:
    cadre, kind, target, day = (
        record["cadre_id"],
        record["kind"],
        record["target_id"],
        record["date"],
    )
    out = []
    if not semester.contains(day):
        out.append(Issue(index, "date", _outside_semester_message(day, semester)))
    if not suited(record["activity"], kind):
        out.append(Issue(index, "activity", _unsuited_message(record["activity"], kind), True))
    mine = held.get(cadre)
    if mine is None:
        message = _("cadre '{cadre}' holds no contact in {semester}: check the staff number")
        out.append(Issue(index, "cadre_id", message.format(cadre=cadre, semester=semester.name)))
        return out
    if kind == OTHER:
        return out
    same = mine[(mine["kind"] == kind) & (mine["target_id"] == target)]
    if same.empty:
        message = _not_held_message(cadre, kind, target, mine, semester)
        out.append(Issue(index, "target_id", message))
    elif not ((same["start"] <= day) & (same["end"] >= day)).any():
        spans = ", ".join(
            f"{long_date(s)}–{long_date(e)}"
            for s, e in zip(same["start"], same["end"], strict=True)
        )
        message = _(
            "cadre '{cadre}' held {target} only {spans}: this activity counts for no duty of it"
        ).format(cadre=cadre, target=target, spans=spans)
        out.append(Issue(index, "date", message, True))
    return out


def _not_held_message(
    cadre: str, kind: str, target: str, mine: pd.DataFrame, semester: Semester
) -> str:
    holds = ", ".join(
        f"{target_kind_label(k)} {t}" for k, t in zip(mine["kind"], mine["target_id"], strict=True)
    )
    return _(
        "cadre '{cadre}' holds no {kind} '{target}' in {semester} (they hold {holds}); for "
        "students outside the plan write {other} as the kind"
    ).format(
        cadre=cadre,
        kind=target_kind_label(kind),
        target=target,
        semester=semester.name,
        holds=holds,
        other=target_kind_label(OTHER),
    )


def _outside_semester_message(day: dt.date, semester: Semester) -> str:
    return _("{day} is outside the semester {semester} ({start} to {end})").format(
        day=long_date(day),
        semester=semester.name,
        start=long_date(semester.start),
        end=long_date(semester.end),
    )


def _unsuited_message(activity: str, kind: str) -> str:
    kinds = ACTIVITY_KINDS.get(Activity(activity), frozenset())
    return _("{activity} goes with a {kinds}, not a {kind}: it counts for no duty").format(
        activity=activity_label(activity),
        kinds=_(" or ").join(target_kind_label(k) for k in sorted(kinds)),
        kind=target_kind_label(kind),
    )


def _kind_message(value: str) -> str:
    return _(
        "unknown kind '{value}': write class, dorm, society, branch or other "
        "(班级, 宿舍, 社团, 党支部 or 其他)"
    ).format(value=value)


def _activity_message(value: str) -> str:
    return _("unknown activity '{value}': choose one from the list in the template").format(
        value=value
    )


def _category_message(value: str) -> str:
    return _(
        "unknown category '{value}': write study, daily life, mental health, employment, "
        "facilities, teaching or other matters"
    ).format(value=value)


def _personal_message() -> str:
    return _(
        "this text holds a phone or identity card number: personal details of students stay "
        "out of the ledger"
    )


def _target_missing_message() -> str:
    return _("write the target's id, or {other} as the kind for students outside the plan").format(
        other=target_kind_label(OTHER)
    )


# --------------------------------------------------------------------------- files


@dataclass
class Ledger:
    """A ledger read from a file: its records, doubts about them, and where it came from."""

    records: pd.DataFrame
    source: Source | None = None
    warnings: list[str] = field(default_factory=list)


def read_ledger(
    path: str | Path, contacts: pd.DataFrame | None = None, semester: Semester | None = None
) -> Ledger:
    """Read and check a ledger file (CSV or the first sheet of an ``.xlsx``).

    With ``contacts`` and ``semester``, every record is also checked against them
    (:func:`reference_issues`). Raises :class:`~planner.errors.InputError` listing every
    problem as ``FILE:ROW:COLUMN``; nothing is returned then.
    """
    sheet, problems = read_table_file(Path(path), LEDGER_TABLE)
    if sheet is None:
        raise InputError(problems)
    frame = _convert(sheet)
    if contacts is not None and semester is not None:
        # Rows whose own cells are fine are checked against the plan at once, so a file
        # with both kinds of problem is not sent back twice.
        usable = frame[["kind", "activity", "date"]].notna().all(axis=1) & (frame["cadre_id"] != "")
        usable &= (frame["target_id"] != "") | (frame["kind"] == OTHER)
        for issue in reference_issues(frame[usable], contacts, semester):
            where = pd.Series(sheet.cells.index == issue.index, index=sheet.cells.index)
            column = _FILE_COLUMNS.get(issue.column, issue.column)
            report = sheet.cells_warning if issue.warning else sheet.cells_problem
            report(LEDGER_TABLE, column, where, _always(issue.message))
    if sheet.problems:
        raise InputError(sheet.problems)
    return Ledger(number_records(frame), sheet.source, sheet.warnings)


_FILE_COLUMNS = {"cadre_id": "cadre", "target_id": "target"}
"""Record fields under another name in the file (:data:`LEDGER_TABLE`)."""


def _convert(sheet: TableSheet) -> pd.DataFrame:
    """The sheet's records in canonical form; each bad cell becomes a located problem."""
    cells, values, table = sheet.cells, sheet.values, LEDGER_TABLE
    blank = pd.Series("", index=cells.index, dtype=object)

    def text(column: str) -> pd.Series:
        return cells.get(column, blank)

    def word(column: str, words: dict[str, str], message: Any, default: str | None) -> pd.Series:
        given = text(column)
        mapped = given.map(lambda v: words.get(fold(v)) if v else default)
        bad = mapped.isna() & (given != "")
        sheet.cells_problem(table, column, bad, lambda row: message(given[row]))
        return mapped

    kind = word("kind", target_kind_words(), _kind_message, None)
    activity = word("activity", activity_words(), _activity_message, None)
    category = word("category", category_words(), _category_message, Category.OTHER.value)
    day = text("date").map(lambda v: parse_date(v) if v else None)
    bad_day = day.isna() & (text("date") != "")
    sheet.cells_problem(table, "date", bad_day, lambda row: _date_message(text("date")[row]))
    target = text("target")
    missing = (kind.notna()) & (kind != OTHER) & (target == "")
    sheet.cells_problem(table, "target", missing, lambda _row: _target_missing_message())
    for column in ("note", "problems"):
        personal = text(column).map(holds_personal_details).astype(bool)
        sheet.cells_problem(table, column, personal, lambda _row: _personal_message())
    too_long = text("note").str.len() > NOTE_LIMIT
    sheet.cells_problem(table, "note", too_long, lambda _row: _note_length_message())
    students = values.get("students", pd.Series(0, index=cells.index))
    return pd.DataFrame(
        {
            "cadre_id": text("cadre"),
            "kind": kind,
            "target_id": target,
            "date": day,
            "activity": activity,
            "students": pd.to_numeric(students, errors="coerce").fillna(0).astype("int64"),
            "note": text("note"),
            "problems": text("problems"),
            "category": category,
            "row": cells.index.astype("int64"),
        },
        index=cells.index,
    )


def _always(message: str) -> Callable[[Any], str]:
    """A message function that gives ``message`` whatever the row."""
    return lambda _row: message


def _date_message(value: str) -> str:
    return _("'{value}' is not a date: write it as 2026-09-15").format(value=value)


def _note_length_message() -> str:
    return _("a note holds at most {limit} characters: keep it short").format(limit=NOTE_LIMIT)
