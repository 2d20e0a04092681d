"""The approval pack (审批表): a plan as printed pages for the approving office to sign, and
a college's 备案 copy (its own part, signed by the college and filed with the office).

::

    from planner.report.pack import PackOptions, write_pack

    write_pack(Path("out/2026-autumn/university"), data)       # …/university-审批表.pdf
    write_pack(plan_dir, data, options=PackOptions(college="C01"))  # …-备案表-C01.pdf
    pdf = pack_folder(plan_dir, data, PackOptions(language="en"))  # the bytes

The university pack: title (暨党发〔2019〕47号, the semester), the plan's particulars (scope,
when made, approved or draft), key figures, the coverage heatmaps of the plan folder, the
per-college summary, what changed since last semester and why, the uncovered targets and why,
the hash of every file of the plan, and the approving office's opinion box and signature
lines. The 备案 copy: the same for one college, with its contact list, and signature lines
for the college and for the office that files it.

Names are shown, never bare codes (法学院（C01）); dates in local time (2026年12月3日 16:05);
no solver terms. A plan folder that was changed after approval is refused (nothing printed).
The pack is written beside the plan folder, never into it: an approved folder stays as
approved, and a plan written again to the same folder is not blocked by a stray PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from planner.contract import KINDS
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.i18n import N_, current_language, use_language
from planner.i18n import gettext as _
from planner.plan import Plan
from planner.report import printing as words
from planner.report.overview import change_colleges, college_summary, key_figures
from planner.report.pdf import Document
from planner.report.printing import Fingerprint

HEATMAP_CAPTIONS = {
    "coverage_college_kind.png": N_("Coverage of each kind of target, by college"),
    "coverage_campus_kind.png": N_("Coverage of each kind of target, by campus"),
    "dorm_coverage_campus_grade.png": N_("Dorm rooms holding a cadre, by campus and entry year"),
}
"""The heatmaps of a plan folder the pack shows, with their captions (msgids)."""

CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class PackOptions:
    """What to print and how.

    ``college``: the 备案 copy of this college (its id) instead of the university pack;
    ``semester``: e.g. "2026—2027学年第一学期" (default: the semester of the day the plan
    was made); ``signers``: the parties who sign (default: the office; for a 备案 copy the
    college, then the office that files it); ``printed``: the time printed on the pages
    (default: now); ``font``: see :func:`planner.report.pdf.pdf_font`.
    """

    language: str = "zh"
    college: str | None = None
    semester: str | None = None
    signers: tuple[str, ...] = ()
    printed: datetime | None = None
    font: str | Path | None = None


def default_pack_path(plan_dir: Path, options: PackOptions = PackOptions()) -> Path:
    """Where :func:`write_pack` writes by default: beside the plan folder, named after it."""
    folder = Path(plan_dir).resolve()
    with use_language(options.language):
        kind = _("approval") if options.college is None else _("filing")
    suffix = "" if options.college is None else f"-{options.college}"
    return folder.parent / f"{folder.name}-{kind}{suffix}.pdf"


def pack_pdf(
    plan: Plan,
    data: Dataset,
    options: PackOptions = PackOptions(),
    *,
    fingerprint: Fingerprint,
    images: Mapping[str, bytes] | None = None,
    made: datetime | None = None,
) -> bytes:
    """The pack of ``plan`` as PDF bytes (for a plan that is not a folder, e.g. the service's).

    ``data`` must be the data the plan was made from (names, cadres on leave); ``fingerprint``
    the hashes of the plan's files; ``images`` the heatmaps by file name; ``made`` when the plan
    was made. Raises :class:`~planner.errors.UsageError` for other data or an unknown college.
    """
    with use_language(options.language):
        words.check_same_data(plan, data)
        page = _Pack(plan, data, options, fingerprint, made)
        if options.college is None:
            page.university(images or {})
        else:
            page.college(options.college)
        return page.doc.render()


class _Pack:
    """The pages of one pack, section by section."""

    def __init__(
        self,
        plan: Plan,
        data: Dataset,
        options: PackOptions,
        print_: Fingerprint,
        made: datetime | None,
    ) -> None:
        self.plan, self.data, self.options, self.print_ = plan, data, options, print_
        self.names = words.college_names(data)
        self.made = made
        self.semester = options.semester or words.semester_label(
            (made or options.printed or datetime.now()).date()
        )
        self.sections = 0
        self.doc: Document

    def _start(self, title: str, subtitle_line: str) -> None:
        self.doc = Document(title, footer=self.print_.footer(), font=self.options.font)
        self.doc.title_block(
            title,
            subtitle=_("Under the rule on leading cadres contacting students ({policy})").format(
                policy=words.POLICY
            ),
            lines=[subtitle_line],
        )

    def _heading(self, title: str) -> None:
        self.sections += 1
        number = (
            CHINESE_NUMERALS[self.sections - 1]
            if current_language() == "zh" and self.sections <= len(CHINESE_NUMERALS)
            else str(self.sections)
        )
        self.doc.heading(_("{number}. {title}").format(number=number, title=title))

    # ------------------------------------------------------------------ the two documents

    def university(self, images: Mapping[str, bytes]) -> None:
        """The approval pack of the whole plan."""
        self._start(_("Approval form: leading cadres' contacts with students"), self.semester)
        self._particulars(self._scope_words())
        self._heading(_("Key figures"))
        self._figures(None)
        if images:
            self._heading(_("Coverage charts"))
            for name, png in images.items():
                self.doc.image(png, caption=_(HEATMAP_CAPTIONS.get(name, name)), max_height=0.36)
        self._heading(_("Summary by college"))
        self._summary_table()
        self._changes(None)
        self._uncovered(None)
        self._hashes()
        self._heading(_("Approval"))
        signers = self.options.signers or signers_default(None, self.names)
        self.doc.signatures(signers, opinion=_("Opinion of the approving office:"))

    def college(self, college: str) -> None:
        """The 备案 copy of one college: its figures, contacts, changes and uncovered."""
        if college not in self.names:
            raise UsageError(
                _("unknown college '{college}' (known: {known})").format(
                    college=college, known=", ".join(self.names)
                )
            )
        who = words.college_words(college, self.names)
        self._start(
            _("Filing form: leading cadres' contacts with students"),
            f"{who}  {self.semester}",
        )
        self._particulars(who)
        self._heading(_("Key figures"))
        self._figures(college)
        self._heading(_("Contacts"))
        self._contact_table(college)
        self._changes(college)
        self._uncovered(college)
        self._hashes()
        self._heading(_("Signatures"))
        self.doc.signatures(self.options.signers or signers_default(college, self.names))

    # ------------------------------------------------------------------ sections

    def _scope_words(self) -> str:
        scope = self.plan.scope
        if self.plan.status == "MERGED":
            return _("whole university (the office's plan and the colleges' plans merged)")
        if scope.startswith("college="):
            return words.college_words(scope.split("=", 1)[1], self.names)
        if scope == "central":
            return _("cadres placed by the office (school leaders, offices, SAO, Youth League)")
        return _("whole university")

    def _particulars(self, scope: str) -> None:
        printed = self.options.printed or datetime.now().astimezone()
        self.doc.fields(
            [
                (_("Scope"), scope),
                (_("Semester"), self.semester),
                (_("Plan made"), words.local_datetime(self.made) if self.made else "—"),
                (_("Status"), words.approval_words(self.print_)),
                (_("Printed"), words.local_datetime(printed)),
                (_("Issued by"), words.office_name()),
            ]
        )

    def _figures(self, college: str | None) -> None:
        figures = key_figures(self.plan, college)
        kinds = self.plan.scenario.get("kinds", {}) if isinstance(self.plan.scenario, dict) else {}
        boxes: list[tuple[str, str, str]] = []
        for kind in KINDS:
            covered, total = figures.covered[kind.value], figures.targets[kind.value]
            label = _("{kind} holding a cadre").format(kind=words.kind_label(kind.value))
            counted = (kinds.get(kind.value) or {}).get("coverage", "soft") != "off"
            if counted:
                share = f"{covered / total:.1%}" if total else "—"
                boxes.append((label, f"{covered} / {total}", share))
            else:
                boxes.append((label, f"{covered} / {total}", _("no coverage required")))
        boxes += [
            (_("Cadres holding a target"), str(figures.cadres), ""),
            (_("Contacts kept from last semester"), str(figures.kept), ""),
            (_("Contacts on another campus"), str(figures.cross_campus), ""),
            (_("Left without a cadre"), str(figures.uncovered), ""),
        ]
        self.doc.key_figures(boxes)

    def _summary_table(self) -> None:
        frame = college_summary(self.plan, self.data)
        header = [
            _("College"),
            _("Cadres"),
            _("On leave"),
            *[words.kind_label(k.value, short=True) for k in KINDS],
            _("Central cadres placed"),
            _("Changes"),
            _("Uncovered"),
        ]
        rows = [self._summary_row(r) for r in frame.to_dict("records")]
        totals = frame.drop(columns=["college", "college_name"]).sum().to_dict()
        rows.append(self._summary_row({"college": None, **totals}))
        self.doc.table(
            header,
            rows,
            widths=[2.7, 1.0, 1.0, 1.15, 1.45, 1.0, 1.0, 1.5, 1.0, 1.0],
            align="LRRRRRRRRR",
            compact=True,
        )
        self.doc.paragraph(
            _(
                "Covered/total per kind of target; cadres and on leave count each college's "
                "own cadres; changes count contacts moved, new or ended since last semester."
            ),
            small=True,
        )

    def _summary_row(self, r: Mapping[str, object]) -> list[object]:
        """One college's row; ``college`` None: the totals, ``""``: university-level targets."""
        college = r["college"]
        if college is None:
            name: object = _("Total")
        else:
            name = words.college_words(str(college) or None, self.names)
        no_cadres = college == ""  # university-level societies have no cadres of their own
        return [
            name,
            "—" if no_cadres else r["cadres"],
            "—" if no_cadres else r["on_leave"],
            *[f"{r[f'{k.value}_covered']}/{r[f'{k.value}_targets']}" for k in KINDS],
            r["central_placed"],
            r["changes"],
            r["uncovered"],
        ]

    def _target_words(self, kind: str, target: str, name: object) -> str:
        label = name if isinstance(name, str) and name else target
        return _("{kind}: {name}").format(kind=words.kind_label(kind), name=label)

    def _changes(self, college: str | None) -> None:
        self._heading(_("Changes since last semester"))
        changes = self.plan.changes
        if changes.empty:
            self.doc.paragraph(_("Last semester's plan was not given: no changes to show."))
            return
        colleges = change_colleges(self.plan, self.data)
        mine = changes[(colleges == college).to_numpy()] if college is not None else changes
        counts = mine["status"].value_counts()
        self.doc.paragraph(
            _("Kept {kept}, moved {moved}, new {new}, ended {ended}.").format(
                **{s: int(counts.get(s, 0)) for s in ("kept", "moved", "new", "ended")}
            )
        )
        order = {c: i for i, c in enumerate(self.names)}
        status_order = {"moved": 0, "new": 1, "ended": 2}
        shown = mine[mine["status"] != "kept"]
        shown = shown.assign(
            _c=colleges[shown.index].map(lambda c: order.get(c, len(order))),
            _s=shown["status"].map(status_order),
        ).sort_values(["_c", "_s", "cadre_id"], kind="stable")
        names = _target_names(self.data)
        rows = [
            [
                r["cadre_name"] or r["cadre_id"],
                words.change_label(r["status"]),
                self._target_words(
                    r["kind"], r["target_id"], names.get((r["kind"], r["target_id"]))
                ),
                words.college_words(colleges[i] or None, self.names),
                words.reason_words(str(r["reason"])),
            ]
            for i, r in shown.iterrows()
        ]
        self.doc.table(
            [_("Name"), _("Change"), _("Target"), _("College"), _("Reason")],
            rows,
            widths=[1.1, 0.7, 2.9, 2.1, 3.6],
        )

    def _uncovered(self, college: str | None) -> None:
        self._heading(_("Targets left without a cadre"))
        unc = self.plan.uncovered
        if college is not None:
            unc = unc[unc["target_college"] == college]
        rows = [
            [
                self._target_words(r["kind"], r["target_id"], r["target_name"]),
                words.college_words(r["target_college"] or None, self.names),
                r["target_campus"],
                words.reason_words(str(r["reason"])),
            ]
            for _i, r in unc.iterrows()
        ]
        self.doc.table(
            [_("Target"), _("College"), _("Campus"), _("Reason")],
            rows,
            widths=[2.6, 2.0, 1.2, 4.6],
            empty=_("Every class, party branch and society holds a cadre."),
        )

    def _contact_table(self, college: str) -> None:
        a = self.plan.assignments
        a = a[(a["target_college"] == college) | (a["cadre_college"] == college)]
        titles = self.data.cadres.set_index("id")["title"].to_dict()
        rows = [
            [
                r["cadre_name"],
                titles.get(r["cadre_id"]) or words.role_label(r["role"]),
                words.unit_words(r["cadre_unit"], r["role"], self.names),
                self._target_words(r["kind"], r["target_id"], r["target_name"]),
                r["target_campus"],
                _("yes") if r["kept"] else "",
            ]
            for _i, r in a.iterrows()
        ]
        self.doc.table(
            [_("Name"), _("Title"), _("Unit"), _("Target"), _("Campus"), _("Kept")],
            rows,
            widths=[1.2, 1.4, 1.8, 3.4, 1.2, 0.8],
            align="LLLLLC",
            empty=_("No cadre holds a target of this college."),
        )

    def _hashes(self) -> None:
        self._heading(_("Plan files and their hashes"))
        self.doc.paragraph(
            _(
                "The plan's hash is the SHA-256 of the list below (one line per file: its "
                "SHA-256, two spaces, its name, in name order). Any change to a file changes it."
            ),
            small=True,
        )
        self.doc.fields([(_("Plan hash"), self.print_.digest)], columns=1)
        self.doc.spacer(2)
        self.doc.table(
            [_("File"), _("SHA-256")],
            sorted(self.print_.files.items()),
            widths=[1.45, 3.0],
            compact=True,
        )


def _target_names(data: Dataset) -> dict[tuple[str, str], str]:
    t = data.targets()
    return dict(zip(zip(t["kind"], t["id"], strict=True), t["name"], strict=True))


def signers_default(college: str | None, names: Mapping[str, str]) -> Sequence[str]:
    """Who signs a pack by default (the office; for a 备案 copy the college, then the office)."""
    if college is None:
        return (words.office_name(),)
    return (
        _("{college} (college)").format(college=names.get(college, college)),
        _("{office} (filed)").format(office=words.office_name()),
    )
