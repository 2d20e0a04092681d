"""``assignments.xlsx``: the workbook Student Affairs Office staff and the colleges read.

Sheets, in order: 全部安排 (every assignment), 未覆盖 (uncovered targets), 变动 (changes against
last semester), 覆盖率 (coverage by college × kind), 说明 (what the plan is and how it was
made), then one sheet per college (``C01 文学院``: every assignment whose target or cadre
belongs to the college) and 校级 (assignments with no college at all, if any). The summary
sheets come before the college sheets so they are not buried behind dozens of tabs.

Every table sheet has Chinese headers, a bold frozen header row, an autofilter and column
widths fitted to the content. Ids are written as text (``007`` stays ``007``), and any text
that a spreadsheet could take for a formula is written as an inert text cell (see
:func:`planner.io.cells.neutralize`).

The table sheets are written by :mod:`planner.report.xlsx` (data rows rendered as XML and
spliced in: about 1 s for a plan of 9,000 assignments instead of 6 s through openpyxl alone).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from planner.contract import CENTRAL_ROLES, KINDS
from planner.i18n import current_language, pgettext, use_language
from planner.i18n import gettext as _
from planner.io.cells import is_formula_like
from planner.plan import MERGED_STATUS, Plan
from planner.policy import TERM_RULES, term_name
from planner.report import printing as words
from planner.report.xlsx import (
    Book,
    Col,
    Section,
    cell_value,
    college_sheet_name,
    header_cell,
    inert_cell,
    print_setup,
    protect,
    set_widths,
)

_WRAP = Alignment(wrap_text=True, vertical="top")


def status_words(status: str) -> str:
    """A plan's status as the office reads it."""
    return {
        "OPTIMAL": _("optimal (every priority proven best)"),
        "FEASIBLE": _("feasible (a time or gap limit left a priority not proven best)"),
        "MERGED": _("merged (the office's plan and the colleges' plans put together)"),
    }.get(status, status)


def sheet_names() -> dict[str, str]:
    """The summary sheets' names in the context's language (全部安排 / All contacts, …)."""
    return {
        "all": pgettext("sheet", "All contacts"),
        "summary": pgettext("sheet", "Summary"),
        "uncovered": pgettext("sheet", "Uncovered"),
        "changes": pgettext("sheet", "Changes"),
        "coverage": pgettext("sheet", "Coverage"),
        "readme": pgettext("sheet", "About"),
        "university": pgettext("sheet", "University level"),
    }


SHEET_ALL = "全部安排"
SHEET_SUMMARY = "汇总"
SHEET_UNCOVERED = "未覆盖"
SHEET_CHANGES = "变动"
SHEET_COVERAGE = "覆盖率"
SHEET_README = "说明"
SHEET_UNIVERSITY = "校级"
SUMMARY_SHEETS = (
    SHEET_ALL,
    SHEET_SUMMARY,
    SHEET_UNCOVERED,
    SHEET_CHANGES,
    SHEET_COVERAGE,
    SHEET_README,
)
"""The Chinese names of the summary sheets (English: see :func:`sheet_names`)."""

KIND_ORDER: dict[str, int] = {k.value: i for i, k in enumerate(KINDS)}


def _kind(value: Any) -> Any:
    """A kind as the sheet shows it: 班级 in Chinese; in English its word as the data
    contract spells it (``class``, ``dorm``), so the sheet reads back as a previous table."""
    if value not in KIND_ORDER:
        return value
    return words.kind_label(str(value), short=True) if current_language() == "zh" else value


def _yes_no(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return pgettext("answer", "yes") if bool(value) else pgettext("answer", "no")


class _Names:
    """College names beside their codes: 法学院（C01）; a college role's unit by name."""

    def __init__(self, plan: Plan) -> None:
        self.names = dict(_colleges(plan))

    def college(self, value: Any) -> Any:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
            return words.college_words(None, self.names)
        return words.college_words(str(value), self.names)

    def unit(self, value: Any) -> Any:
        return self.names.get(str(value)) or value


def assignment_spec(names: _Names) -> tuple[Col, ...]:
    """The columns of 全部安排 and of each college's sheet."""
    return (
        Col("cadre_id", pgettext("column", "Cadre ID")),
        Col("cadre_name", pgettext("column", "Name")),
        Col("role", pgettext("column", "Role"), words.role_label),
        Col("cadre_unit", pgettext("column", "Unit"), names.unit),
        Col("title", pgettext("column", "Title")),
        Col("phone", pgettext("column", "Phone")),
        Col("email", pgettext("column", "E-mail")),
        Col("cadre_campus", pgettext("column", "Cadre's campus")),
        Col("kind", pgettext("column", "Kind"), _kind),
        Col("target_id", pgettext("column", "Target ID")),
        Col("target_name", pgettext("column", "Target name")),
        Col("target_college", pgettext("column", "College"), names.college),
        Col("target_campus", pgettext("column", "Campus")),
        Col("counsellor", pgettext("column", "Counsellor")),
        Col("head_teacher", pgettext("column", "Head teacher")),
        Col("kept", pgettext("column", "Kept from last semester"), _yes_no),
    )


def uncovered_spec(names: _Names) -> tuple[Col, ...]:
    """The columns of 未覆盖 (and of a college's uncovered targets)."""
    return (
        Col("kind", pgettext("column", "Kind"), _kind),
        Col("target_id", pgettext("column", "Target ID")),
        Col("target_name", pgettext("column", "Target name")),
        Col("target_college", pgettext("column", "College"), names.college),
        Col("target_campus", pgettext("column", "Campus")),
        Col("reason", pgettext("column", "Reason"), wrap=True),
    )


def changes_spec() -> tuple[Col, ...]:
    """The columns of 变动 (and of a college's changes)."""
    return (
        Col("cadre_id", pgettext("column", "Cadre ID")),
        Col("cadre_name", pgettext("column", "Name")),
        Col("kind", pgettext("column", "Kind"), _kind),
        Col("target_id", pgettext("column", "Target ID")),
        Col("status", pgettext("column", "Change"), words.change_label),
        Col("reason", pgettext("column", "Reason"), wrap=True),
    )


NO_COLLEGE_CODES: frozenset[str] = frozenset({"(university)"})
"""College codes of ``Plan.coverage`` that stand for "no college" (university-level targets)."""

HIDDEN_COLUMNS: frozenset[str] = frozenset({"cadre_college"})
"""Plan columns left out of the sheets on purpose (the unit column says the same)."""


def write_workbook(plan: Plan, path: Path, language: str | None = None) -> None:
    """Write the plan's workbook to ``path`` (see the module docstring for its sheets)."""
    Path(path).write_bytes(render_workbook(plan, language))


def render_workbook(plan: Plan, language: str | None = None) -> bytes:
    """The plan's workbook (see the module docstring for its sheets), as the bytes of a file,
    in ``language`` (default: the context's)."""
    with use_language(language or current_language()):
        return _render(plan)


def _render(plan: Plan) -> bytes:
    book = Book(hidden=HIDDEN_COLUMNS)
    titles = sheet_names()
    names = _Names(plan)
    assignments = _sorted_assignments(plan.assignments)
    uncovered = _sorted_targets(plan.uncovered)
    changes = plan.changes

    everything = book.table(titles["all"], assignments, assignment_spec(names))
    _summary_sheet(book, titles["summary"], plan, names)
    unc_table = book.table(titles["uncovered"], uncovered, uncovered_spec(names))
    chg_table = book.table(titles["changes"], changes, changes_spec())
    _coverage_sheet(book.workbook, titles["coverage"], plan, names)
    _readme_sheet(book.workbook, titles, plan)

    # College sheets reuse the rendered cells (and column widths) of 全部安排, and carry the
    # college's own uncovered targets and changes below its contacts.
    used = {name.casefold() for key, name in titles.items() if key != "university"}
    none = pd.Series(None, index=assignments.index, dtype=object)
    target_college = assignments.get("target_college", none)
    cadre_college = assignments.get("cadre_college", none)
    unc_college = uncovered.get("target_college", pd.Series(None, index=uncovered.index))
    chg_college = _change_colleges(plan)
    for college, name in _colleges(plan):
        mask = ((target_college == college) | (cadre_college == college)).to_numpy()
        sections = [
            Section(
                pgettext("section", "Uncovered targets of the college"),
                unc_table.subset((unc_college == college).to_numpy()),
            ),
            Section(
                pgettext("section", "Changes since last semester"),
                chg_table.subset((chg_college == college).to_numpy()),
            ),
        ]
        book.table(
            college_sheet_name(college, name, used), everything.subset(mask), sections=sections
        )
    orphan = (target_college.isna() & cadre_college.isna()).to_numpy()
    if orphan.any():
        book.table(college_sheet_name(titles["university"], "", used), everything.subset(orphan))
    return book.save()


def _change_colleges(plan: Plan) -> pd.Series:
    """The college of each change: its target's (from the plan's contacts and uncovered
    targets), else the cadre's own college; None when neither is known."""
    changes = plan.changes
    a = plan.assignments
    of_target: dict[tuple[str, str], Any] = {}
    if len(a):
        of_target.update(
            zip(zip(a["kind"], a["target_id"], strict=True), a["target_college"], strict=True)
        )
    u = plan.uncovered
    if len(u) and "target_college" in u:
        of_target.update(
            zip(zip(u["kind"], u["target_id"], strict=True), u["target_college"], strict=True)
        )
    of_cadre = (
        dict(zip(a["cadre_id"], a["cadre_college"], strict=True))
        if len(a) and "cadre_college" in a
        else {}
    )
    out = []
    for kind, target, cadre in zip(
        changes["kind"], changes["target_id"], changes["cadre_id"], strict=True
    ):
        college = of_target.get((kind, target))
        if not isinstance(college, str) or not college:
            college = of_cadre.get(cadre)
        out.append(college if isinstance(college, str) and college else None)
    return pd.Series(out, index=changes.index, dtype=object)


def _colleges(plan: Plan) -> list[tuple[str, str]]:
    """Every college of the plan, ``(id, name)``, sorted by id."""
    names: dict[str, str] = {}
    coverage = plan.coverage
    if len(coverage):
        for college, name in zip(coverage["college"], coverage["college_name"], strict=True):
            if college is not None and not pd.isna(college) and college not in NO_COLLEGE_CODES:
                names.setdefault(str(college), "" if pd.isna(name) else str(name))
    for column in ("target_college", "cadre_college"):
        if column in plan.assignments:
            for college in plan.assignments[column].dropna().unique():
                names.setdefault(str(college), "")
    return sorted(names.items())


def _sorted_assignments(frame: pd.DataFrame) -> pd.DataFrame:
    if not len(frame):
        return frame
    keys = pd.DataFrame(
        {
            "college": frame["target_college"].fillna("\uffff").astype(str),
            "kind": frame["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER)),
            "target": frame["target_id"].astype(str),
            "cadre": frame["cadre_id"].astype(str),
        },
        index=frame.index,
    )
    order = keys.sort_values(list(keys.columns), kind="stable").index
    return frame.loc[order]


def _sorted_targets(frame: pd.DataFrame) -> pd.DataFrame:
    if not len(frame):
        return frame
    keys = pd.DataFrame(
        {
            "college": frame["target_college"].fillna("\uffff").astype(str)
            if "target_college" in frame
            else "",
            "kind": frame["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER)),
            "target": frame["target_id"].astype(str),
        },
        index=frame.index,
    )
    return frame.loc[keys.sort_values(list(keys.columns), kind="stable").index]


def _coverage_sheet(workbook: Workbook, title: str, plan: Plan, names: _Names) -> None:
    """Coverage by college × kind, with the share as a percentage (none for a kind whose
    coverage the scenario does not count: its share is no failure)."""
    ws = workbook.create_sheet(title)
    headers = [
        pgettext("column", "College"),
        pgettext("column", "Campus"),
        pgettext("column", "Kind"),
        pgettext("column", "Targets"),
        pgettext("column", "Holding a cadre"),
        pgettext("column", "Coverage"),
    ]
    off = kinds_not_counted(plan)
    frame = plan.coverage.copy()
    if len(frame):
        frame["_kind"] = frame["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER))
        college = frame["college"].astype(object)
        no_college = college.isna() | college.isin(NO_COLLEGE_CODES)
        frame["_college"] = college.where(~no_college, "\uffff").astype(str)  # last
        frame = frame.sort_values(["_college", "_kind"], kind="stable")
    rows: list[list[Any]] = []
    for rec in frame.to_dict("records"):
        targets = int(rec["targets"])
        covered = int(rec["covered"])
        college = rec["college"]
        rows.append(
            [
                cell_value(
                    printing_college(college, names)
                    if college not in NO_COLLEGE_CODES
                    else words.college_words(None, names.names)
                ),
                cell_value(rec["campus"]),
                cell_value(words.kind_label(str(rec["kind"]))),
                targets,
                covered,
                None if rec["kind"] in off or not targets else covered / targets,
            ]
        )
    set_widths(ws, headers, [list(c) for c in zip(*rows, strict=True)] or [[]] * len(headers))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    print_setup(ws)
    ws.append([header_cell(ws, h) for h in headers])
    for row in rows:
        out = protect(ws, row[:-1])
        share = WriteOnlyCell(ws, value=row[-1])
        share.number_format = "0.0%"
        ws.append([*out, share])
    if off:
        ws.append([])
        ws.append([_not_counted_note(off)])


def printing_college(college: Any, names: _Names) -> Any:
    return names.college(college)


def kinds_not_counted(plan: Plan) -> set[str]:
    """Kinds whose coverage the plan's scenario does not count (dorm rooms by default)."""
    scenario = plan.scenario if isinstance(plan.scenario, dict) else {}
    kinds = scenario.get("kinds") or {}
    return {
        str(k)
        for k, rule in kinds.items()
        if isinstance(rule, dict) and rule.get("coverage") == "off"
    }


def _not_counted_note(off: set[str]) -> str:
    kinds = pgettext("list", ", ").join(
        words.kind_label(k) for k in sorted(off, key=lambda k: KIND_ORDER.get(k, 9))
    )
    return _(
        "Coverage of {kinds} is not counted in this scenario: their share is not a target "
        "to reach, so it is left blank."
    ).format(kinds=kinds)


def _summary_sheet(book: Book, title: str, plan: Plan, names: _Names) -> None:
    """汇总: one row per college (and the university level), then the totals: the college's
    cadres holding a target, covered/total of each kind, central cadres placed there, changes
    since last semester and uncovered targets."""
    off = kinds_not_counted(plan)
    a = plan.assignments
    colleges = [c for c, _name in _colleges(plan)]
    coverage = plan.coverage
    central = a["role"].isin({r.value for r in CENTRAL_ROLES}) if len(a) else pd.Series(dtype=bool)
    change_college = _change_colleges(plan)
    changed = plan.changes["status"] != "kept" if len(plan.changes) else pd.Series(dtype=bool)
    uncovered = plan.uncovered.get("target_college", pd.Series(dtype=object))

    def row(college: str | None) -> dict[str, Any]:
        if college is None:
            cov = coverage[coverage["college"].isin(NO_COLLEGE_CODES) | coverage["college"].isna()]
            here = a["target_college"].isna() if len(a) else pd.Series(dtype=bool)
            own = pd.Series(False, index=a.index)
            label = words.college_words(None, names.names)
            unc = int(uncovered.isna().sum())
            chg = int((change_college.isna() & changed).sum())
        else:
            cov = coverage[coverage["college"] == college]
            here = a["target_college"] == college
            own = (a["cadre_college"] == college) & ~central
            label = names.college(college)
            unc = int((uncovered == college).sum())
            chg = int(((change_college == college) & changed).sum())
        out: dict[str, Any] = {
            "college": label,
            "cadres": int(a.loc[own, "cadre_id"].nunique()) if len(a) else 0,
        }
        for kind in KINDS:
            k = cov[cov["kind"] == kind.value]
            out[kind.value] = (int(k["covered"].sum()), int(k["targets"].sum()))
        out["central"] = int((here & central).sum()) if len(a) else 0
        out["changes"] = chg
        out["uncovered"] = unc
        return out

    rows = [row(c) for c in colleges]
    if (
        len(coverage)
        and (coverage["college"].isin(NO_COLLEGE_CODES) | coverage["college"].isna()).any()
    ):
        rows.append(row(None))
    total: dict[str, Any] = {"college": pgettext("row", "Total")}
    for key in ("cadres", "central", "changes", "uncovered"):
        total[key] = sum(r[key] for r in rows)
    for kind in KINDS:
        total[kind.value] = (
            sum(r[kind.value][0] for r in rows),
            sum(r[kind.value][1] for r in rows),
        )
    rows.append(total)

    def kind_header(kind: str) -> str:
        label = _("{kind} covered/total").format(kind=words.kind_label(kind, short=True))
        return label + (pgettext("column", " (not counted)") if kind in off else "")

    frame = pd.DataFrame(
        {
            "college": [r["college"] for r in rows],
            "cadres": [r["cadres"] for r in rows],
            **{
                k.value: [f"{r[k.value][0]}/{r[k.value][1]}" if r[k.value][1] else "" for r in rows]
                for k in KINDS
            },
            "central": [r["central"] for r in rows],
            "changes": [r["changes"] for r in rows],
            "uncovered": [r["uncovered"] for r in rows],
        }
    )
    spec = (
        Col("college", pgettext("column", "College")),
        Col("cadres", pgettext("column", "College cadres holding a target")),
        *(Col(k.value, kind_header(k.value)) for k in KINDS),
        Col("central", pgettext("column", "Central cadres placed here")),
        Col("changes", pgettext("column", "Changes")),
        Col("uncovered", pgettext("column", "Uncovered")),
    )
    book.table(title, frame, spec)


def counted_terms(plan: Plan) -> list[str]:
    """The terms the plan's scenario counts, in the plan's order: a rule the scenario makes
    hard or turns off (H5 dorm gender by default, say) is no term of the objective, and S6
    only counts in a part re-planned against the proposal."""
    scenario = plan.scenario if isinstance(plan.scenario, dict) else {}
    staged = {str(stage.get("term")) for stage in plan.stages}
    soft_only = {"dorm_gender": "dorm_gender", "continuity": "continuity", "campus": "campus"}
    out = []
    for name, term in plan.terms.items():
        if name in soft_only and scenario.get(soft_only[name], "soft") != "soft":
            continue
        if name == "stay" and not (term.value or name in staged):
            continue
        out.append(name)
    return out


def _readme_sheet(workbook: Workbook, titles: dict[str, str], plan: Plan) -> None:
    """说明: what the plan is (status, scenario, scope, when), its key figures, the rules in
    priority order, capacity notes, warnings and the sheets; no solver internals."""
    ws = workbook.create_sheet(titles["readme"])
    for letter, width in zip("ABCD", (26, 70, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    print_setup(ws)

    def heading(text: str) -> None:
        ws.append([header_cell(ws, text)])

    def line(*values: Any) -> None:
        cells = []
        for v in values:
            v = cell_value(v)
            if isinstance(v, str) and len(v) > 40:
                cell = inert_cell(ws, v) if is_formula_like(v) else WriteOnlyCell(ws, value=v)
                cell.alignment = _WRAP
                cells.append(cell)
            else:
                cells.append(inert_cell(ws, v) if is_formula_like(v) else v)
        ws.append(cells)

    scenario_name = plan.scenario.get("name", "") if isinstance(plan.scenario, dict) else ""
    ws.append(
        [header_cell(ws, pgettext("column", "Item")), header_cell(ws, pgettext("column", "Value"))]
    )
    line(pgettext("about", "Status"), status_words(plan.status))
    line(pgettext("about", "Scenario"), scenario_name)
    line(pgettext("about", "Scope"), scope_words(plan.scope))
    line(pgettext("about", "Made"), words.local_datetime(datetime.now().astimezone()))
    line(pgettext("about", "Contacts"), len(plan.assignments))
    line(pgettext("about", "Uncovered targets"), len(plan.uncovered))
    ws.append([])

    heading(pgettext("about", "Coverage"))
    off = kinds_not_counted(plan)
    for kind in KINDS:
        cov = plan.coverage[plan.coverage["kind"] == kind.value]
        total = int(cov["targets"].sum())
        if not total:
            continue
        covered = int(cov["covered"].sum())
        text = _("{covered} of {total} hold a cadre ({share})").format(
            covered=covered, total=total, share=f"{covered / total:.1%}"
        )
        if kind.value in off:
            text += pgettext("column", " (not counted)")
        line(words.kind_label(kind.value), text)
    ws.append([])

    heading(pgettext("about", "Rules, in priority order"))
    merged = plan.status == MERGED_STATUS
    ws.append(
        [
            header_cell(ws, h)
            for h in (
                pgettext("column", "Rule"),
                pgettext("column", "Result"),
                pgettext("column", "Best possible"),
            )
        ]
    )
    for name in counted_terms(plan):
        term = plan.terms[name]
        rule = term_name(name) if name in TERM_RULES else term.label
        proven = _("not applicable (merged plan, not solved)") if merged else _yes_no(term.optimal)
        line(rule, term.value, proven)
    ws.append([])

    heading(pgettext("about", "Capacity"))
    for note in plan.capacity or [pgettext("about", "(none)")]:
        line("", note)
    ws.append([])
    heading(pgettext("about", "Warnings"))
    for warning in plan.warnings or [pgettext("about", "(none)")]:
        line("", warning)
    ws.append([])
    heading(pgettext("about", "Sheets"))
    for sheet, text in (
        (
            titles["all"],
            _(
                "every contact, one a row: the cadre (ID, name, role) and the target (kind, ID, "
                "name)"
            ),
        ),
        (
            titles["summary"],
            _(
                "one row per college: its cadres, coverage of each kind, central cadres placed "
                "there, changes and uncovered targets"
            ),
        ),
        (titles["uncovered"], _("classes, party branches and societies without a cadre, and why")),
        (titles["changes"], _("changes against last semester: kept, moved, new, ended, and why")),
        (
            titles["coverage"],
            _("targets, targets holding a cadre and coverage of each college and kind"),
        ),
        (
            "C01 …",
            _(
                "one sheet per college: the contacts of its targets and cadres, then its "
                "uncovered targets and changes"
            ),
        ),
    ):
        line(sheet, text)
    ws.append([])
    heading(pgettext("about", "Sign-off"))
    for party in (_("Prepared by"), _("Checked by"), _("Approved by (Student Affairs Office)")):
        line(party, _("signature: ____________   date: ____________"))


def scope_words(scope: str) -> str:
    """A plan's scope in words: the whole university, the central part, or one college."""
    if scope == "university":
        return _("the whole university")
    if scope == "central":
        return _("the central part (placed by the Student Affairs Office)")
    if scope.startswith("college="):
        return _("college {college}").format(college=scope.split("=", 1)[1])
    return scope
