"""Letters to each cadre (联系通知书): one page per cadre naming the target(s) they hold and
that kind's duties under clause 三 of 暨党发〔2019〕47号, bundled per college, with a
mail-merge sheet beside each bundle.

::

    from planner.ledger.letters import LetterOptions, write_letters

    write_letters(plan, data, Path("out/letters"))
    # letters-central.pdf / .xlsx (cadres placed by the office), letters-C01.pdf / .xlsx, …

Each bundle is one college's own cadres (or the office's: ``central``), so a college prints
and hands out its own letters, and a cadre's phone and e-mail (v1.1 roster columns) appear
only in their own letter and their college's sheet, never in a university-wide file.

The duties are the contact-work ledger's rule table (:mod:`planner.ledger.rules`, seeded from
clauses 三 and 四(二)): each letter lists what each kind of contact asks of the cadre's role
and how often ("走访宿舍或面对面交流：每月至少1次"), then the guidance of clause 三 that is no
counted duty (:data:`GUIDANCE`). So the duty wording lives in one place, and a university that
ships its own rule table gets letters that say what its ledger counts. A mapping of sentences
(:data:`Duties`) passed as :attr:`LetterOptions.duties` replaces all of it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from planner.contract import ROLES
from planner.dataset import Dataset
from planner.i18n import N_, use_language
from planner.i18n import gettext as _
from planner.ledger.duties import cadre_duty_lines, contact_duty_lines
from planner.ledger.rules import RuleTable
from planner.plan import Plan
from planner.report import printing as words
from planner.report.pdf import Document, write_bytes_atomic
from planner.report.printing import Fingerprint

DutyKey = str | tuple[str, str]
"""A kind (``class``…), ``"*"`` (every cadre), or ``(kind or "*", role)`` (that role only)."""

Duties = Mapping[DutyKey, Sequence[str]]
"""Duty sentences by :data:`DutyKey`; a letter lists those of each kind the cadre holds (each
followed by that kind's sentences for the cadre's role), then ``("*", role)``, then ``"*"``."""

GUIDANCE: dict[DutyKey, tuple[str, ...]] = {
    "dorm": (
        N_(
            "Learn how the students study, live and think, and help with their practical "
            "problems and difficulties in time."
        ),
        N_(
            'Guide the students to make and carry out the "six ones" growth plan: a study plan, '
            "a reading plan, a student organisation, a sport, a traditional Chinese culture "
            "pastime and a professional skill."
        ),
    ),
    "society": (
        N_("Help the society set up sound rules for how it is run, and guide its activities."),
    ),
    "branch": (
        N_(
            "Keep track of the branch's work and its members' thinking; help solve the problems "
            "students raise."
        ),
    ),
    "*": (
        N_(
            "Keep in touch with students by phone, WeChat, Weibo or e-mail as well, and answer "
            "what they raise."
        ),
    ),
}
"""What clause 三 asks beyond the counted duties (catalogue msgids; Chinese close to the
policy's own words), printed after the duties of the rule table."""


@dataclass(frozen=True)
class LetterOptions:
    """How the letters are made.

    ``semester``: e.g. "2026—2027学年第一学期" (default: the semester of ``issued``);
    ``issued``: the date on the letters (default: today); ``duties``: sentences that replace
    the rule table's (see :data:`Duties`); ``rules``: the ledger's rule table (default: the
    shipped one); ``bundles``: only these bundles (college ids, or ``central``); ``font``: see
    :func:`planner.report.pdf.pdf_font`.
    """

    language: str = "zh"
    semester: str | None = None
    issued: date | None = None
    duties: Duties | None = None
    rules: RuleTable | None = None
    bundles: tuple[str, ...] | None = None
    font: str | Path | None = None


def duties_for(
    kinds: Sequence[str],
    role: str,
    duties: Duties | None = None,
    rules: RuleTable | None = None,
) -> list[str]:
    """The duty sentences of a cadre of ``role`` holding targets of ``kinds``, translated.

    By default each kind's duties from the ledger's rule table, then its :data:`GUIDANCE`,
    then the cadre's own duties (the leadership's weekly contact and lecture) and the guidance
    for every cadre; with ``duties``, those sentences instead. With more than one kind, each
    kind's sentences are one item that starts with the kind ("班级：…；…").
    """
    out: list[str] = []
    distinct = list(dict.fromkeys(kinds))
    for kind in distinct:
        if duties is None:
            lines = contact_duty_lines(role, kind, rules) + [_(s) for s in GUIDANCE.get(kind, ())]
        else:
            lines = [_(s) for s in [*duties.get(kind, ()), *duties.get((kind, role), ())]]
        if len(distinct) > 1 and lines:  # one item per kind keeps a leader's letter one page
            joined = _("; ").join(line.rstrip("。.") for line in lines)
            out.append(_("{kind}: {name}").format(kind=words.kind_label(kind), name=joined))
        else:
            out += lines
    if duties is None:
        out += cadre_duty_lines(role, rules) + [_(s) for s in GUIDANCE["*"]]
    else:
        out += [_(s) for s in [*duties.get(("*", role), ()), *duties.get("*", ())]]
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Held:
    """One target a cadre holds, in words."""

    kind: str
    name: str
    college: str
    campus: str
    details: str
    counsellor: str = ""
    head_teacher: str = ""


@dataclass(frozen=True)
class Letter:
    """What one cadre's letter says (the PDF page and the mail-merge row alike)."""

    cadre_id: str
    name: str
    title: str
    role: str
    unit: str
    phone: str
    email: str
    held: list[Held]
    duties: list[str]


def letter_bundles(plan: Plan, data: Dataset) -> dict[str, list[str]]:
    """Bundle → the ids of the cadres whose letters it holds, in print order.

    A bundle is a college id (its own cadres) or ``central`` (the cadres the office places);
    the office's bundle comes first, then the colleges in the data's order. Within a bundle,
    cadres are in the order of the role vocabulary, then by id.
    """
    a = plan.assignments
    cadres = a.drop_duplicates("cadre_id")
    role_order = {r.value: i for i, r in enumerate(ROLES)}
    cadres = cadres.assign(
        _bundle=[
            words.bundle_of(u, r) for u, r in zip(cadres["cadre_unit"], cadres["role"], strict=True)
        ],
        _role=cadres["role"].map(role_order),
    ).sort_values(["_role", "cadre_id"], kind="stable")
    order = [words.CENTRAL_UNIT, *data.colleges["id"]]
    groups = cadres.groupby("_bundle", sort=False)["cadre_id"].apply(list).to_dict()
    return {b: groups[b] for b in order if b in groups}


def letters(plan: Plan, data: Dataset, bundle: str, options: LetterOptions) -> list[Letter]:
    """The letters of ``bundle`` (see :func:`letter_bundles`), in the current language."""
    ids = letter_bundles(plan, data).get(bundle, [])
    names = words.college_names(data)
    frames = words.target_frames(data)
    cadres = data.cadres.set_index("id")
    held_by = {cid: rows for cid, rows in plan.assignments.groupby("cadre_id", sort=False)}
    out = []
    for cid in ids:
        c = cadres.loc[cid]
        rows = held_by[cid]
        held = [_held(r, frames, names) for r in rows.to_dict("records")]
        out.append(
            Letter(
                cadre_id=cid,
                name=str(c["name"]),
                title=str(c.get("title", "") or ""),
                role=str(c["role"]),
                unit=words.unit_words(str(c["unit"]), str(c["role"]), names),
                phone=str(c.get("phone", "") or ""),
                email=str(c.get("email", "") or ""),
                held=held,
                duties=duties_for(
                    [h.kind for h in held], str(c["role"]), options.duties, options.rules
                ),
            )
        )
    return out


def _held(
    row: Mapping[str, object], frames: dict[str, pd.DataFrame], names: dict[str, str]
) -> Held:
    """A held target in words, with what the roster says about it."""
    kind, target = str(row["kind"]), str(row["target_id"])
    frame = frames.get(kind)
    t = frame.loc[target] if frame is not None and target in frame.index else None
    college = words.college_words(row["target_college"] or None, names)  # type: ignore[arg-type]
    parts: list[str] = []
    counsellor = head_teacher = ""
    if t is not None and kind == "class":
        parts.append(_("entry year {grade}, {n} students").format(grade=t["grade"], n=t["size"]))
        counsellor, head_teacher = str(t.get("counsellor", "")), str(t.get("head_teacher", ""))
        if counsellor:
            parts.append(_("counsellor {name}").format(name=counsellor))
        if head_teacher:
            parts.append(_("head teacher {name}").format(name=head_teacher))
    elif t is not None and kind == "dorm":
        gender = _("women") if t["gender"] == "F" else _("men")
        parts.append(_("{gender}, {n} residents").format(gender=gender, n=t["residents"]))
        if not pd.isna(t["grade"]):
            parts.append(_("entry year {grade}").format(grade=t["grade"]))
    elif t is not None:
        parts.append(_("{n} members").format(n=t["members"]))
    if row.get("kept"):
        parts.append(_("held last semester too"))
    return Held(
        kind=kind,
        name=str(row["target_name"] or target),
        college=college,
        campus=str(row["target_campus"]),
        details=_("; ").join(parts),
        counsellor=counsellor,
        head_teacher=head_teacher,
    )


def _issuer(bundle: str, data: Dataset) -> str:
    if bundle == words.CENTRAL_UNIT:
        return words.office_name()
    return words.college_names(data).get(bundle, bundle)


def _semester(options: LetterOptions) -> str:
    return options.semester or words.semester_label(options.issued or date.today())


def letters_pdf(
    plan: Plan,
    data: Dataset,
    bundle: str,
    options: LetterOptions = LetterOptions(),
    *,
    fingerprint: Fingerprint | None = None,
) -> bytes:
    """The letters of ``bundle`` as one PDF, one page per cadre; ``fingerprint`` puts the
    plan's hash at the foot of every page."""
    with use_language(options.language):
        issuer = _issuer(bundle, data)
        title = _("Notice of contact with students")
        footer = fingerprint.footer() if fingerprint else ""
        doc = Document(f"{title} · {issuer}", footer=footer, font=options.font)
        for i, letter in enumerate(letters(plan, data, bundle, options)):
            if i:
                doc.page_break()
            start = len(doc.story)
            for tight in range(TIGHTEST + 1):  # the roomiest layout that fits one page
                del doc.story[start:]
                _letter_page(doc, letter, issuer, options, tight)
                if doc.story_height(start) <= doc.height:
                    break
        return doc.render()


def _letter_page(
    doc: Document, letter: Letter, issuer: str, options: LetterOptions, tight: int = 0
) -> None:
    """One letter; ``tight`` 1 sets the duties smaller, 2 the title, the introduction, the
    sender and the signing line too, 3 the receipt (a cadre holding several kinds has many
    duties, and a letter stays one page)."""
    semester = _semester(options)
    doc.title_block(_("Notice of contact with students"), subtitle=semester, compact=tight >= 2)
    doc.paragraph(_("Dear {name},").format(name=letter.name), compact=tight >= 2)
    doc.paragraph(
        _(
            "Under the rule on leading cadres contacting students ({policy}), you are the fixed "
            "contact of the students below for {semester}. Please do the contact work the rule "
            "asks for."
        ).format(policy=words.POLICY, semester=semester),
        compact=tight >= 2,
    )
    pairs = [
        (_("Name"), letter.name),
        (_("Staff number"), letter.cadre_id),
        (_("Unit"), letter.unit),
        (_("Title"), letter.title or words.role_label(letter.role)),
    ]
    if letter.phone or letter.email:
        pairs += [(_("Phone"), letter.phone), (_("E-mail"), letter.email)]
    doc.fields(pairs)
    doc.heading(_("Whom you contact"))
    doc.table(
        [_("Kind"), _("Target"), _("College"), _("Campus"), _("Details")],
        [[words.kind_label(h.kind), h.name, h.college, h.campus, h.details] for h in letter.held],
        widths=[1.3, 2.2, 1.9, 1.1, 2.8],
    )
    doc.heading(_("What the contact involves"))
    compact = tight >= 1
    doc.numbered(letter.duties, compact=compact)
    doc.paragraph(
        _(
            "Keep a work log and a ledger of the contact; pass the problems and suggestions "
            "students raise to the Student Affairs Office. For questions, ask the counsellor, "
            "the head teacher or the Student Affairs Office."
        ),
        compact=compact,
    )
    issued = words.local_date(options.issued or date.today())
    for line in [f"{issuer} {issued}"] if tight >= 2 else [issuer, issued]:
        doc.paragraph_right(line)
    doc.cut_line(_("Receipt (cut off and return to {issuer})").format(issuer=issuer))
    doc.paragraph(
        _(
            "I, {name} (staff number {cadre}), have received this notice of my contact with "
            "students for {semester}."
        ).format(name=letter.name, cadre=letter.cadre_id, semester=semester),
        compact=tight >= 3,
    )
    doc.signature_line(height_mm=(14, 14, 10, 8)[tight])


TIGHTEST = 3
"""The tightest layout of a letter (see :func:`_letter_page`)."""


MAIL_MERGE_COLUMNS = (
    ("cadre_id", N_("Staff number")),
    ("name", N_("Name")),
    ("title", N_("Title")),
    ("role", N_("Category")),
    ("unit", N_("Unit")),
    ("phone", N_("Phone")),
    ("email", N_("E-mail")),
    ("kinds", N_("Kind")),
    ("targets", N_("Target")),
    ("colleges", N_("College")),
    ("campuses", N_("Campus")),
    ("counsellors", N_("Counsellor")),
    ("head_teachers", N_("Head teacher")),
    ("details", N_("Details")),
    ("duties", N_("What the contact involves")),
    ("semester", N_("Semester")),
    ("issuer", N_("Issued by")),
    ("issued", N_("Date")),
)
"""The mail-merge sheet's columns (field, header msgid), one row per cadre."""


def mail_merge_xlsx(
    plan: Plan, data: Dataset, bundle: str, options: LetterOptions = LetterOptions()
) -> bytes:
    """The mail-merge sheet of ``bundle``: one row per cadre, what their letter says, with
    headers in the chosen language (several targets of one cadre are joined with "；")."""
    with use_language(options.language):
        issuer = _issuer(bundle, data)
        book = Workbook()
        sheet = book.active
        sheet.title = _("Letters")
        sheet.append([_(header) for _field, header in MAIL_MERGE_COLUMNS])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDEBF7")
        for letter in letters(plan, data, bundle, options):
            values = _merge_row(letter, issuer, options)
            sheet.append([values[f] for f, _header in MAIL_MERGE_COLUMNS])
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                cell.data_type = "s"  # text, never a formula, whatever a name starts with
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        for column, width in zip("ABCDEFGHIJKLMNOPQR", _MERGE_WIDTHS, strict=True):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "C2"
        sheet.auto_filter.ref = sheet.dimensions
        buffer = io.BytesIO()
        book.save(buffer)
        return buffer.getvalue()


_MERGE_WIDTHS = (10, 10, 12, 14, 16, 14, 24, 10, 24, 20, 10, 10, 10, 30, 60, 22, 14, 16)


def _merge_row(letter: Letter, issuer: str, options: LetterOptions) -> dict[str, str]:
    join = "；".join
    return {
        "cadre_id": letter.cadre_id,
        "name": letter.name,
        "title": letter.title,
        "role": words.role_label(letter.role),
        "unit": letter.unit,
        "phone": letter.phone,
        "email": letter.email,
        "kinds": join(words.kind_label(h.kind) for h in letter.held),
        "targets": join(h.name for h in letter.held),
        "colleges": join(h.college for h in letter.held),
        "campuses": join(h.campus for h in letter.held),
        "counsellors": join(h.counsellor for h in letter.held if h.counsellor),
        "head_teachers": join(h.head_teacher for h in letter.held if h.head_teacher),
        "details": join(h.details for h in letter.held),
        "duties": "\n".join(f"{i}. {d}" for i, d in enumerate(letter.duties, 1)),
        "semester": _semester(options),
        "issuer": issuer,
        "issued": words.local_date(options.issued or date.today()),
    }


def write_letters(
    plan: Plan,
    data: Dataset,
    out_dir: Path,
    options: LetterOptions = LetterOptions(),
    *,
    fingerprint: Fingerprint | None = None,
) -> list[Path]:
    """Write ``letters-BUNDLE.pdf`` and ``letters-BUNDLE.xlsx`` for each bundle into
    ``out_dir`` (each file atomically); return the files written."""
    with use_language(options.language):
        words.check_same_data(plan, data)
    written = []
    for bundle in letter_bundles(plan, data):
        if options.bundles is not None and bundle not in options.bundles:
            continue
        pdf = letters_pdf(plan, data, bundle, options, fingerprint=fingerprint)
        written.append(write_bytes_atomic(Path(out_dir) / f"letters-{bundle}.pdf", pdf))
        sheet = mail_merge_xlsx(plan, data, bundle, options)
        written.append(write_bytes_atomic(Path(out_dir) / f"letters-{bundle}.xlsx", sheet))
    return written


__all__ = [
    "GUIDANCE",
    "Duties",
    "DutyKey",
    "Letter",
    "LetterOptions",
    "duties_for",
    "letter_bundles",
    "letters",
    "letters_pdf",
    "mail_merge_xlsx",
    "write_letters",
]
