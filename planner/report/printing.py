"""What the printed outputs share (the approval pack, the letters): words, dates, the semester,
names beside codes, and the plan's fingerprint.

Every word here goes through the message catalogue, so the pages come out in the language of
the context (:func:`planner.i18n.use_language`). Dates are shown in local time, as people read
them: ``2026年12月3日 16:05`` (English: ``2026-12-03 16:05``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from planner.contract import CENTRAL_ROLES, KIND_TABLE
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.i18n import N_, current_language, pgettext
from planner.i18n import gettext as _
from planner.plan import Plan
from planner.words import kind_word, role_name

POLICY = "暨党发〔2019〕47号"
"""The university's rule the plans serve (its number is the same in every language)."""

SAME_DATA_TABLES = ("colleges", "cadres", "classes", "dorms", "societies", "branches")
"""Tables whose names and counts a printout shows: they must be those the plan was made from."""

CENTRAL_UNIT = "central"
"""The key of the cadres placed by the Student Affairs Office (no college of their own)."""


def kind_label(kind: str, *, short: bool = False) -> str:
    """``class`` → 班级 (English: class), and so on; another value is returned as it is.

    ``short`` gives the word for a narrow column header (党支部 rather than 学生党支部)."""
    return kind_word(kind, short=short)


def role_label(role: str) -> str:
    """``school_leader`` → 校领导 (English: school leader), and so on."""
    return role_name(role)


def change_label(status: str) -> str:
    """A change's status in words: kept, moved, new, ended."""
    labels = {
        "kept": pgettext("change", "kept"),
        "moved": pgettext("change", "moved"),
        "new": pgettext("change", "new"),
        "ended": pgettext("change", "ended"),
    }
    return labels.get(str(status), str(status))


def office_name() -> str:
    """The office that places the central cadres and approves the plans."""
    return _("Student Affairs Office")


def local_datetime(moment: datetime) -> str:
    """``moment`` in local time, as people write it: 2026年12月3日 16:05."""
    local = moment.astimezone() if moment.tzinfo else moment
    return _("{year}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}").format(
        year=local.year, month=local.month, day=local.day, hour=local.hour, minute=local.minute
    )


def local_date(day: date) -> str:
    """A day as people write it: 2026年12月3日."""
    return _("{year}-{month:02d}-{day:02d}").format(year=day.year, month=day.month, day=day.day)


def semester_label(day: date) -> str:
    """The semester ``day`` falls in or prepares: August to January is the first semester of
    the academic year starting that autumn (2026—2027学年第一学期), February to July the
    second."""
    if day.month >= 8:
        start, first = day.year, True
    elif day.month == 1:
        start, first = day.year - 1, True
    else:
        start, first = day.year - 1, False
    words = (
        _("{start}–{end} academic year, first semester")
        if first
        else _("{start}–{end} academic year, second semester")
    )
    return words.format(start=start, end=start + 1)


def plan_created(plan_dir: Path | None) -> datetime | None:
    """When the plan of ``plan_dir`` was written (``plan.json``'s ``created``), if known."""
    if plan_dir is None:
        return None
    try:
        meta = json.loads((Path(plan_dir) / "plan.json").read_text(encoding="utf-8"))
        return datetime.fromisoformat(str(meta["created"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def college_names(data: Dataset) -> dict[str, str]:
    """College id → name."""
    return dict(zip(data.colleges["id"], data.colleges["name"], strict=True))


def college_words(college: str | None, names: Mapping[str, str]) -> str:
    """A college by name with its code beside it: 法学院（C01）; "university level" for none."""
    if college is None or college == "" or pd.isna(college):
        return _("university level")
    name = names.get(str(college))
    if not name:
        return str(college)
    return _("{name} ({code})").format(name=name, code=college)


def unit_words(unit: str, role: str, names: Mapping[str, str]) -> str:
    """A cadre's unit: the college's name for a college role, the office's name otherwise."""
    if role in {r.value for r in CENTRAL_ROLES}:
        return str(unit)
    return names.get(str(unit), str(unit))


def target_frames(data: Dataset) -> dict[str, pd.DataFrame]:
    """Each kind's input table indexed by target id (for the details of a target)."""
    return {
        str(kind): data.table(table).set_index("id", drop=False)
        for kind, table in KIND_TABLE.items()
    }


def target_college(data: Dataset) -> dict[tuple[str, str], str | None]:
    """``(kind, target id)`` → the target's college (None for a university-level society)."""
    t = data.targets()
    return dict(zip(zip(t["kind"], t["id"], strict=True), t["college"], strict=True))


def check_same_data(plan: Plan, data: Dataset) -> None:
    """Raise :class:`UsageError` when ``data`` is not the data the plan was made from (a
    printout would show wrong names or counts)."""
    differ = [
        (plan.inputs[table].get("file") or table)
        for table in SAME_DATA_TABLES
        if table in plan.inputs
        and table in data.sources
        and plan.inputs[table].get("sha256") != data.sources[table].sha256
    ]
    if differ:
        raise UsageError(
            _(
                "the data given is not the data this plan was made from ({files} differ): "
                "give the data folder the plan was made from"
            ).format(files=", ".join(differ))
        )


@dataclass(frozen=True)
class Fingerprint:
    """The SHA-256 of each file of a plan folder, and of them all (the plan's hash).

    ``approval`` is the folder's approval record when it is approved (who approved it and
    when); the hashes are then those the approval recorded, checked against the files.
    """

    files: dict[str, str]
    approval: dict[str, Any] | None = None
    digest: str = field(init=False)

    def __post_init__(self) -> None:
        # One line per file, as `sha256sum` prints them, sorted by name: reproducible by hand.
        lines = "".join(f"{sha}  {name}\n" for name, sha in sorted(self.files.items()))
        object.__setattr__(self, "digest", hashlib.sha256(lines.encode("utf-8")).hexdigest())

    @property
    def approved(self) -> bool:
        """Whether the plan folder is approved."""
        return self.approval is not None

    def footer(self) -> str:
        """The footer line of every page: the plan's hash (and whether it is a draft)."""
        words = _("Plan hash (SHA-256): {digest}").format(digest=self.digest)
        return words if self.approved else words + "  " + _("DRAFT, not approved")


def approval_words(print_: Fingerprint) -> str:
    """Who approved the plan and when, or that it is a draft."""
    if print_.approval is None:
        return _("draft, not yet approved")
    at = print_.approval.get("approved_at")
    when = local_datetime(datetime.fromisoformat(at)) if isinstance(at, str) else "?"
    return _("approved by {name} on {when}").format(
        name=print_.approval.get("approved_by", "?"), when=when
    )


def bundle_of(unit: str, role: str) -> str:
    """The printout a cadre belongs in: their college's id, or :data:`CENTRAL_UNIT`."""
    return CENTRAL_UNIT if role in {r.value for r in CENTRAL_ROLES} else str(unit)


REASON_WORDS: tuple[tuple[str, str], ...] = (
    # why a contact changed (planner.planning, planner.workflow)
    ("same contact as last semester", N_("same contact as last semester")),
    ("the cadre has left", N_("the cadre has left the roster")),
    ("the cadre is on leave", N_("the cadre is on leave")),
    ("the class no longer exists", N_("the class no longer exists (graduated)")),
    ("the dorm no longer exists", N_("the dorm room no longer exists")),
    ("the society no longer exists", N_("the society no longer exists")),
    ("the branch no longer exists", N_("the party branch no longer exists")),
    ("is held by the approved central plan", N_("held by the office's approved plan")),
    ("is left to its college's plan", N_("left to its college's plan")),
    ("outside this plan's scope", N_("outside this plan's scope")),
    ("forbidden by a pin", N_("excluded by the 指定 (pins) table")),
    ("the scenario does not keep", N_("this plan does not keep last semester's contacts")),
    ("coverage gain", N_("moved so that more classes, branches and societies have a cadre")),
    ("rule change", N_("a rule changed and no longer allows this contact")),
    ("holds a new target", N_("holds a new target; last semester's contact ended")),
    ("no contact last semester", N_("no contact last semester")),
    (" placed ", N_("another plan placed a cadre at this target")),
    # why a target is left without a cadre (planner.reasons.CATEGORIES)
    ("no eligible cadre", N_("no available cadre may hold it")),
    ("campus rule", N_("only cadres of another campus could hold it")),
    ("dorm gender rule", N_("only cadres of the other gender could hold it")),
    ("pinned away", N_("the 指定 (pins) table sends its possible cadres elsewhere")),
    ("equal priority", N_("every cadre who may hold it holds a target that counts as much")),
    ("kept by a hard rule", N_("the cadres who may hold it are bound elsewhere by a fixed rule")),
    ("below its minimum", N_("fewer cadres than it should have")),
)
"""The start (or a telling part) of each reason a plan records → its meaning in short words.

A plan folder records its reasons as written when it was made. In English they are shown in
full; in another language a reason the catalogue does not hold as a whole is shown by its
meaning, so the pages carry no English."""


def reason_words(reason: str) -> str:
    """A recorded reason in the current language (see :data:`REASON_WORDS`)."""
    whole = _(reason) if reason else reason
    if whole != reason or current_language() == "en":
        return whole
    for marker, meaning in REASON_WORDS:
        if reason.startswith(marker) or (marker.startswith(" ") and marker in reason):
            return _(meaning)
    return reason
