"""Writing the ledger: a record from the page's form (checked field by field), a file imported
from the Excel ledger template (checked cell by cell), changes and deletions, and leave.

Every check is the engine's (:mod:`planner.ledger.records`) against the contacts the user may
see, so a college secretary naming another college's cadre gets the answer given for a staff
number that does not exist. Nothing is stored when anything is wrong; every change is written
to the audit log with the record's hash before and after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from planner import ledger
from planner.contract import KINDS
from planner.i18n import gettext as _
from planner.ledger.records import NOTE_LIMIT, PROBLEM_LIMIT, holds_personal_details, parse_date
from planner.ledger.vocabulary import OTHER, Activity, Category
from planner.service.audit.service import record as audit
from planner.service.cases import service as cases
from planner.service.db import utcnow
from planner.service.forms import FormError
from planner.service.ledger.models import ContactEntry, Leave
from planner.service.ledger.service import LedgerView, records_frame
from planner.service.storage import Storage, safe_file_name
from planner.service.uploads import check_files

if TYPE_CHECKING:
    from planner.service.permissions import Principal

IMPORT_SUFFIXES = (".xlsx", ".csv")
FIELD_OF_COLUMN = {"cadre_id": "cadre_id", "target_id": "target", "date": "date"}
"""The form field of each column the engine's checks name (others keep their name)."""


@dataclass
class RecordForm:
    """A record as typed in the page's form (every field as text)."""

    cadre_id: str = ""
    target: str = ""
    """``kind:target id`` of a contact in force, or ``other`` (students outside the plan)."""
    date: str = ""
    activity: str = ""
    students: str = ""
    note: str = ""
    problems: str = ""
    category: str = ""
    confirm: bool = False
    """The user saw the warnings and saves anyway."""

    @classmethod
    def of(cls, entry: ContactEntry) -> RecordForm:
        """The form of a stored record (to change it)."""
        return cls(
            cadre_id=entry.cadre_id,
            target=OTHER if entry.kind == OTHER else f"{entry.kind}:{entry.target_id}",
            date=entry.day.isoformat(),
            activity=entry.activity,
            students=str(entry.students),
            note=entry.note,
            problems=entry.problems,
            category=entry.category if entry.problems else "",
        )


@dataclass
class Checked:
    """A record that passed the checks, and the doubts about it (legal, but worth a look)."""

    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def _parsed(form: RecordForm, cadres: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The form's fields as values, and a problem for each field that is not right."""
    problems: dict[str, str] = {}
    values: dict[str, Any] = {"cadre_id": form.cadre_id.strip()}
    if values["cadre_id"] not in cadres:
        problems["cadre_id"] = _("choose a cadre from the list")
    kind, _sep, target = form.target.partition(":")
    if form.target == OTHER:
        values.update(kind=OTHER, target_id="")
    elif kind in {k.value for k in KINDS} and target:
        values.update(kind=kind, target_id=target)
    else:
        problems["target"] = _("choose whom the contact was with")
    values["date"] = parse_date(form.date or "")
    if values["date"] is None:
        problems["date"] = _("write a date such as 2026-09-15")
    values["activity"] = form.activity
    if form.activity not in {a.value for a in Activity}:
        problems["activity"] = _("choose an activity from the list")
    try:
        values["students"] = int(form.students.strip())
        if not 0 <= values["students"] <= 100_000:
            raise ValueError
    except ValueError:
        problems["students"] = _("write the number of students, 0 or more")
    for name, limit in (("note", NOTE_LIMIT), ("problems", PROBLEM_LIMIT)):
        text = getattr(form, name).strip()
        values[name] = text
        if len(text) > limit:
            problems[name] = _("at most {n} characters").format(n=limit)
        elif holds_personal_details(text):
            problems[name] = _(
                "this text holds a phone or identity card number: personal details of students "
                "stay out of the ledger"
            )
    values["category"] = form.category or Category.OTHER.value
    if values["category"] not in {c.value for c in Category}:
        problems["category"] = _("choose a category from the list")
    return values, problems


def check_record(view: LedgerView, form: RecordForm) -> Checked:
    """Check a form record against the contacts ``view`` holds; raises :class:`FormError`
    naming each field at fault, every problem at once."""
    cadres = set(view.contacts["cadre_id"])
    values, problems = _parsed(form, cadres)
    if problems:
        raise FormError(problems)
    record = ledger.ContactRecord(
        cadre_id=values["cadre_id"],
        kind=values["kind"],
        target_id=values["target_id"],
        date=values["date"],
        activity=values["activity"],
        students=values["students"],
        note=values["note"],
        problems=values["problems"],
        category=values["category"],
    )
    issues = ledger.reference_issues(ledger.records_frame([record]), view.contacts, view.term)
    errors = {FIELD_OF_COLUMN.get(i.column, i.column): i.message for i in issues if not i.warning}
    if errors:
        raise FormError(errors)
    return Checked(values, [i.message for i in issues if i.warning])


def _names(view: LedgerView, values: dict[str, Any]) -> dict[str, Any]:
    """The cadre's name and college, and the target's name, from the contacts in force."""
    c = view.contacts
    mine = c[c["cadre_id"] == values["cadre_id"]]
    first = mine.iloc[0]
    held = mine[(mine["kind"] == values["kind"]) & (mine["target_id"] == values["target_id"])]
    return {
        "cadre_name": str(first["cadre_name"]),
        "college": None if pd.isna(first["college"]) else str(first["college"]),
        "target_name": str(held.iloc[0]["target_name"]) if len(held) else "",
    }


def digest(entry: ContactEntry) -> str:
    """The SHA-256 of a record's content (the audit log's before and after)."""
    content = [
        entry.cadre_id,
        entry.kind,
        entry.target_id,
        entry.day.isoformat(),
        entry.activity,
        entry.students,
        entry.note,
        entry.problems,
        entry.category,
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode()).hexdigest()


def _assign(entry: ContactEntry, values: dict[str, Any], names: dict[str, Any]) -> None:
    entry.cadre_id, entry.kind, entry.target_id = (
        values["cadre_id"],
        values["kind"],
        values["target_id"],
    )
    entry.day, entry.activity, entry.students = (
        values["date"],
        values["activity"],
        values["students"],
    )
    entry.note, entry.problems = values["note"], values["problems"]
    entry.category = values["category"] if values["problems"] else Category.OTHER.value
    entry.cadre_name, entry.college, entry.target_name = (
        names["cadre_name"],
        names["college"],
        names["target_name"],
    )


def add_record(db: Session, view: LedgerView, checked: Checked, who: Principal) -> ContactEntry:
    """Store a checked record and open a case for each problem it raises."""
    entry = ContactEntry(semester_id=view.semester.id, source="form", created_by_id=who.user_id)
    _assign(entry, checked.values, _names(view, checked.values))
    entry.updated_by_id = who.user_id
    db.add(entry)
    db.flush()
    opened = cases.open_cases(db, entry, who.display_name, who.user_id)
    _audit_record(db, who, "ledger.add", entry, None, {"cases": opened})
    return entry


def get_record(db: Session, record_id: int, who: Principal) -> ContactEntry | None:
    """The record, if it exists and ``who`` may see it (None for "missing" and "not yours")."""
    entry = db.get(ContactEntry, record_id)
    scope = who.scope_college
    if entry is None or (scope is not None and entry.college != scope):
        return None
    return entry


def change_record(
    db: Session, view: LedgerView, entry: ContactEntry, checked: Checked, who: Principal
) -> None:
    """Store a changed record. Once one of its problems has left the college, its cadre, its
    problems and their category stay as they are (the SAO follows them up)."""
    values = checked.values
    if cases.followed_up(db, entry.id):
        fixed = {"cadre_id": entry.cadre_id, "problems": entry.problems}
        changed = [k for k, v in fixed.items() if values[k] != v]
        if values["problems"] and values["category"] != entry.category:
            changed.append("category")
        if changed:
            message = _(
                "a problem of this record is being followed up by the Student Affairs Office: "
                "its cadre, problems and category stay as they are"
            )
            raise FormError(dict.fromkeys(changed, message))
    before = digest(entry)
    problems_before = (entry.problems, entry.category, entry.cadre_id, entry.day)
    _assign(entry, values, _names(view, values))
    entry.updated_at, entry.updated_by_id = utcnow(), who.user_id
    opened = 0
    changed_problems = (
        entry.problems,
        entry.category,
        entry.cadre_id,
        entry.day,
    ) != problems_before
    if changed_problems and not cases.followed_up(db, entry.id):
        cases.drop_raised(db, entry.id)
        opened = cases.open_cases(db, entry, who.display_name, who.user_id)
    _audit_record(db, who, "ledger.edit", entry, before, {"cases": opened})


def delete_record(db: Session, entry: ContactEntry, who: Principal) -> None:
    """Delete a record (and its cases, while none has left the college)."""
    if cases.followed_up(db, entry.id):
        raise FormError(
            {
                "record": _(
                    "a problem of this record is being followed up by the Student Affairs "
                    "Office: the record stays"
                )
            }
        )
    before = digest(entry)
    cases.drop_raised(db, entry.id)
    db.delete(entry)
    _audit_record(db, who, "ledger.delete", entry, before, {})


def _audit_record(
    db: Session,
    who: Principal,
    action: str,
    entry: ContactEntry,
    before: str | None,
    detail: dict[str, Any],
) -> None:
    after = None if action == "ledger.delete" else digest(entry)
    audit(
        db,
        who,
        action,
        "ledger_record",
        str(entry.id),
        semester_id=entry.semester_id,
        college=entry.college,
        before_sha=before,
        after_sha=after,
        detail={"cadre": entry.cadre_id, "date": entry.day.isoformat(), **detail},
    )


# --------------------------------------------------------------------------------------------
# Importing a ledger file


@dataclass
class Imported:
    """What an import stored: new records, rows already in the ledger, cases, doubts."""

    added: int
    same: int
    cases: int
    warnings: list[str]


SAME = [c for c in ledger.RECORD_COLUMNS if c not in ("record_id", "category", "row")]
"""The fields that make an imported row the same as a record already in the ledger."""


def _key(values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(values[k] for k in SAME)


def _stored_keys(db: Session, view: LedgerView) -> Counter[tuple[Any, ...]]:
    """How many records of the view's ledger hold each :data:`SAME` content."""
    frame = records_frame(db, view.semester.id, view.college)
    return Counter(tuple(row) for row in frame[SAME].itertuples(index=False))


def import_ledger(
    db: Session, storage: Storage, view: LedgerView, name: str, data: bytes, who: Principal
) -> Imported:
    """Read a ledger file (the template filled in, or the office's own sheet) and store its
    new records. Rows already in the ledger are skipped, so a ledger kept in one file all
    semester can be imported again each month. Raises :class:`FormError` (not a ledger file)
    or :class:`~planner.errors.InputError` (every problem, located); nothing is stored then.
    """
    name = safe_file_name(name or "")
    if not data or not name.lower().endswith(IMPORT_SUFFIXES):
        raise FormError({"file": _("choose the ledger workbook (.xlsx) or a .csv file")})
    check_files([(name, data)])
    with storage.scratch("ledger") as folder:
        (folder / name).write_bytes(data)
        read = ledger.read_ledger(folder / name, view.contacts, view.term)
    stored = _stored_keys(db, view)
    added = opened = same = 0
    for row in read.records.to_dict("records"):
        values = {**row, "target_id": row["target_id"] if row["kind"] != OTHER else ""}
        key = _key(values)
        if stored[key] > 0:
            stored[key] -= 1
            same += 1
            continue
        entry = ContactEntry(semester_id=view.semester.id, source="import")
        _assign(entry, values, _names(view, values))
        entry.created_by_id = entry.updated_by_id = who.user_id
        db.add(entry)
        db.flush()
        opened += cases.open_cases(db, entry, who.display_name, who.user_id)
        added += 1
    digest_ = storage.put_blob(data)
    audit(
        db,
        who,
        "ledger.import",
        "ledger_file",
        name,
        semester_id=view.semester.id,
        college=view.college,
        after_sha=digest_,
        detail={"added": added, "already": same, "cases": opened},
    )
    return Imported(added, same, opened, list(read.warnings))


# --------------------------------------------------------------------------------------------
# Leave


def add_leave(
    db: Session,
    view: LedgerView,
    who: Principal,
    cadre_id: str,
    start_text: str,
    end_text: str,
    note: str = "",
) -> Leave:
    """Record a cadre's leave (dates included, inside the semester)."""
    problems: dict[str, str] = {}
    cadre_id = cadre_id.strip()
    if cadre_id not in set(view.contacts["cadre_id"]):
        problems["cadre_id"] = _("choose a cadre from the list")
    start, end = parse_date(start_text or ""), parse_date(end_text or "")
    for name, day in (("starts_on", start), ("ends_on", end)):
        if day is None:
            problems[name] = _("write a date such as 2026-09-15")
        elif not view.term.contains(day):
            problems[name] = _("the date must be in the semester, {start} to {end}").format(
                start=view.term.start.isoformat(), end=view.term.end.isoformat()
            )
    if start and end and end < start and "ends_on" not in problems:
        problems["ends_on"] = _("the leave ends before it starts")
    note = note.strip()
    if len(note) > 200 or holds_personal_details(note):
        problems["note"] = _("a short note, without phone or identity card numbers")
    if problems:
        raise FormError(problems)
    assert start is not None and end is not None
    names = _names(view, {"cadre_id": cadre_id, "kind": "", "target_id": ""})
    leave = Leave(
        semester_id=view.semester.id,
        cadre_id=cadre_id,
        cadre_name=names["cadre_name"],
        college=names["college"],
        starts_on=start,
        ends_on=end,
        note=note,
        created_by_id=who.user_id,
    )
    db.add(leave)
    db.flush()
    _audit_leave(db, who, "leave.add", leave)
    return leave


def get_leave(db: Session, leave_id: int, who: Principal) -> Leave | None:
    """The leave, if it exists and ``who`` may see it."""
    leave = db.get(Leave, leave_id)
    scope = who.scope_college
    if leave is None or (scope is not None and leave.college != scope):
        return None
    return leave


def delete_leave(db: Session, leave: Leave, who: Principal) -> None:
    """Delete a leave entry."""
    _audit_leave(db, who, "leave.delete", leave)
    db.delete(leave)


def _audit_leave(db: Session, who: Principal, action: str, leave: Leave) -> None:
    span = f"{leave.starts_on.isoformat()}–{leave.ends_on.isoformat()}"
    audit(
        db,
        who,
        action,
        "leave",
        str(leave.id),
        semester_id=leave.semester_id,
        college=leave.college,
        detail={"cadre": leave.cadre_id, "days": span},
    )


def day_or_none(text: str) -> dt.date | None:
    """A date typed in a form or a query (``2026-11-20``), or None."""
    return parse_date(text) if text else None
