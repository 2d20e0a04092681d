"""Students' problems and suggestions (四(三)(四)): each one raised in a contact is a case.

A case moves through a fixed life cycle, one step at a time, each step dated and signed:

    raised ──► with_sao ──► passed ──► answered ──► fed_back (closed)
                  │            ▲  │
                  │            └──┘  (passed on to another office)
                  └───────────────────► answered   (the SAO answers it itself)

- **raised**: written in the ledger by the cadre or their college secretary;
- **with_sao**: sent to the Student Affairs Office (学生处), which resolves it or passes it on;
- **passed**: passed to the office that can act (教务处, 后勤…); the SAO records the office;
- **answered**: the office (or the SAO) has answered; the answer is noted;
- **fed_back**: the answer was taken back to the students; a feedback note closes the case.

Cases hold no personal details of students: the text is the problem as the students put it.
The functions here are pure: they take a :class:`Case` and return a new one (the service
stores them); a step the life cycle or the actor's authority does not allow raises
:class:`CaseError` saying what the case may do next.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from statistics import median
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from planner.errors import PlannerError
from planner.i18n import N_
from planner.i18n import gettext as _
from planner.ledger.records import holds_personal_details
from planner.ledger.semester import long_date
from planner.ledger.vocabulary import SAO, Category

STATUSES: tuple[str, ...] = ("raised", "with_sao", "passed", "answered", "fed_back")
"""The life cycle, in order."""

Status = Literal["raised", "with_sao", "passed", "answered", "fed_back"]

STATUS_LABELS: dict[str, str] = {
    "raised": N_("raised"),
    "with_sao": N_("with the Student Affairs Office"),
    "passed": N_("passed to an office"),
    "answered": N_("answered"),
    "fed_back": N_("fed back to the students"),
}

NEXT: dict[str, tuple[str, ...]] = {
    "raised": ("with_sao",),
    "with_sao": ("passed", "answered"),
    "passed": ("passed", "answered"),
    "answered": ("fed_back",),
    "fed_back": (),
}
"""Where each status may go next."""

ActorKind = Literal["sao", "college"]

MAY: dict[tuple[str, str], frozenset[str]] = {
    ("raised", "with_sao"): frozenset({"college", "sao"}),
    ("with_sao", "passed"): frozenset({"sao"}),
    ("with_sao", "answered"): frozenset({"sao"}),
    ("passed", "passed"): frozenset({"sao"}),
    ("passed", "answered"): frozenset({"sao"}),
    ("answered", "fed_back"): frozenset({"college", "sao"}),
}
"""Who may take each step: a college (its own cases only) sends a case to the SAO and feeds
the answer back; only the SAO passes cases on and records answers."""

CASE_COLUMNS = [
    "case_id",
    "record_id",
    "college",
    "cadre_id",
    "category",
    "text",
    "status",
    "holder",
    "office",
    "raised_on",
    "answered_on",
    "closed_on",
    "age_days",
    "days_in_status",
    "days_to_answer",
]


SAO_OFFICE = "sao"
"""The office of a case the Student Affairs Office answers itself (shown as 学生处)."""


class CaseError(PlannerError):
    """A step the case's life cycle or the actor's authority does not allow (exit code 2)."""

    exit_code = 2


class Actor(BaseModel):
    """Who takes a step: the SAO, or a college (then ``college`` is its id), and their name."""

    model_config = ConfigDict(frozen=True)

    kind: ActorKind
    name: str = Field(min_length=1)
    college: str | None = None


class Step(BaseModel):
    """One step of a case: the status it reached, when, who took it, the office, a note."""

    model_config = ConfigDict(frozen=True)

    status: Status
    on: dt.date
    by: str
    office: str = ""
    note: str = ""


class Case(BaseModel):
    """A students' problem or suggestion raised in one contact, and its steps so far."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    record_id: str
    cadre_id: str
    college: str | None
    category: Category
    text: str = Field(min_length=1, max_length=2000)
    steps: tuple[Step, ...] = Field(min_length=1)

    @property
    def status(self) -> str:
        """Where the case is now."""
        return self.steps[-1].status

    @property
    def raised_on(self) -> dt.date:
        return self.steps[0].on

    @property
    def office(self) -> str:
        """The office it was last passed to (or that answered it), blank if none yet."""
        return next((s.office for s in reversed(self.steps) if s.office), "")

    def reached(self, status: str) -> dt.date | None:
        """The day the case first reached ``status``, if it has."""
        return next((s.on for s in self.steps if s.status == status), None)


def office_label(office: str) -> str:
    """An office as shown: the SAO (stored as :data:`SAO_OFFICE`) in this context's language,
    any other office as the SAO wrote it."""
    return _(SAO) if office == SAO_OFFICE else office


def status_label(status: str) -> str:
    """A status in this context's language."""
    return _(STATUS_LABELS[status])


def open_case(
    case_id: str,
    record_id: str,
    cadre_id: str,
    college: str | None,
    category: str,
    text: str,
    on: dt.date,
    by: str,
) -> Case:
    """A new case, ``raised`` on ``on`` by ``by`` (the cadre or the college secretary)."""
    if holds_personal_details(text):
        raise CaseError(
            _("the problem's text holds a phone or identity card number: leave it out"),
        )
    return Case(
        case_id=case_id,
        record_id=record_id,
        cadre_id=cadre_id,
        college=college,
        category=Category(category),
        text=text.strip(),
        steps=(Step(status="raised", on=on, by=by),),
    )


def cases_from_ledger(records: pd.DataFrame, contacts: pd.DataFrame) -> list[Case]:
    """One case per line of each record's problems (a record may raise several), ``raised``
    on the record's date by the cadre, in the record's category."""
    college = dict(zip(contacts["cadre_id"], contacts["college"], strict=True))
    out = []
    for record in records.itertuples():
        lines = [line.strip() for line in str(record.problems).splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            out.append(
                open_case(
                    f"{record.record_id}-{number}",
                    str(record.record_id),
                    str(record.cadre_id),
                    college.get(record.cadre_id),
                    str(record.category),
                    line,
                    record.date,
                    str(record.cadre_id),
                )
            )
    return out


def advance(
    case: Case,
    to: str,
    on: dt.date,
    actor: Actor,
    *,
    office: str = "",
    note: str = "",
) -> Case:
    """The case after one step to ``to`` taken by ``actor`` on ``on``.

    Passing on needs the ``office``; answering needs the answer (``note``); feeding back needs
    the feedback note (it closes the case). The SAO answering a case itself records the SAO as
    the office. Raises :class:`CaseError` for any step the life cycle or ``actor`` may not take.
    """
    now = case.status
    if to not in NEXT.get(now, ()):
        raise CaseError(_not_next_message(case, to))
    if actor.kind not in MAY[(now, to)]:
        raise CaseError(
            _("only the Student Affairs Office may take case {case} to '{status}'").format(
                case=case.case_id, status=status_label(to)
            )
        )
    if actor.kind == "college" and actor.college != case.college:
        raise CaseError(
            _("case {case} belongs to another college: a college acts on its own cases").format(
                case=case.case_id
            )
        )
    if on < case.steps[-1].on:
        raise CaseError(
            _(
                "case {case} reached '{status}' on {day}: a later step cannot be dated earlier"
            ).format(case=case.case_id, status=status_label(now), day=long_date(case.steps[-1].on))
        )
    office, note = office.strip(), note.strip()
    if to == "passed" and not office:
        raise CaseError(_("name the office the case is passed to"))
    if to == "answered" and not note:
        raise CaseError(_("write the answer the students will be given"))
    if to == "fed_back" and not note:
        raise CaseError(_("write how the answer was fed back: the feedback note closes the case"))
    if holds_personal_details(note):
        raise CaseError(_("the note holds a phone or identity card number: leave it out"))
    if to == "answered" and now == "with_sao":
        office = office or SAO_OFFICE
    step = Step(status=to, on=on, by=actor.name, office=office, note=note)  # type: ignore[arg-type]
    return case.model_copy(update={"steps": (*case.steps, step)})


def _not_next_message(case: Case, to: str) -> str:
    allowed = NEXT.get(case.status, ())
    if not allowed:
        return _("case {case} is closed (fed back to the students): it takes no more steps").format(
            case=case.case_id
        )
    return _("case {case} is '{now}': it can go to {allowed} next, not to '{to}'").format(
        case=case.case_id,
        now=status_label(case.status),
        allowed=_(" or ").join(_("'{name}'").format(name=status_label(s)) for s in allowed),
        to=status_label(to) if to in STATUS_LABELS else to,
    )


def holder(case: Case) -> str:
    """Who holds the case now, in this context's language."""
    status = case.status
    if status == "raised":
        return _("the college")
    if status == "passed":
        return office_label(case.office)
    if status == "fed_back":
        return _("closed")
    return _(SAO)


def case_table(cases: Iterable[Case], as_of: dt.date) -> pd.DataFrame:
    """One row per case (:data:`CASE_COLUMNS`): status, holder, dates and ages on ``as_of``.

    ``age_days`` counts from raised to ``as_of`` (to the closing day for a closed case);
    ``days_to_answer`` from raised to answered (blank until answered).
    """
    rows = []
    for case in cases:
        answered, closed = case.reached("answered"), case.reached("fed_back")
        end = closed or as_of
        rows.append(
            {
                "case_id": case.case_id,
                "record_id": case.record_id,
                "college": case.college,
                "cadre_id": case.cadre_id,
                "category": case.category.value,
                "text": case.text,
                "status": case.status,
                "holder": holder(case),
                "office": office_label(case.office),
                "raised_on": case.raised_on,
                "answered_on": answered,
                "closed_on": closed,
                "age_days": (end - case.raised_on).days,
                "days_in_status": (end - case.steps[-1].on).days,
                "days_to_answer": (answered - case.raised_on).days if answered else None,
            }
        )
    frame = pd.DataFrame(rows, columns=CASE_COLUMNS)
    frame["days_to_answer"] = frame["days_to_answer"].astype("Int64")
    return frame


def open_list(cases: Iterable[Case], as_of: dt.date, college: str | None = None) -> pd.DataFrame:
    """The SAO's list of cases not yet fed back, oldest first (one college's with ``college``)."""
    table = case_table(visible_cases(cases, college), as_of)
    table = table[table["status"] != "fed_back"]
    return table.sort_values(["age_days", "case_id"], ascending=[False, True]).reset_index(
        drop=True
    )


def visible_cases(cases: Iterable[Case], college: str | None = None) -> list[Case]:
    """The cases one may see: a college its own (``college``), the SAO (``None``) all."""
    return [c for c in cases if college is None or c.college == college]


def median_days_to_answer(cases: Iterable[Case]) -> float | None:
    """The median of days from raised to answered over the answered cases (None if none)."""
    days = [
        (answered - c.raised_on).days
        for c in cases
        if (answered := c.reached("answered")) is not None
    ]
    return float(median(days)) if days else None
