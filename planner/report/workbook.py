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

from planner.contract import KIND_LABELS_ZH, KINDS, ROLE_LABELS_ZH, Kind, Role
from planner.io.cells import is_formula_like
from planner.plan import MERGED_STATUS, Plan
from planner.report.xlsx import (
    Book,
    Col,
    cell_value,
    college_sheet_name,
    header_cell,
    inert_cell,
    protect,
    set_widths,
)

SHEET_ALL = "全部安排"
SHEET_UNCOVERED = "未覆盖"
SHEET_CHANGES = "变动"
SHEET_COVERAGE = "覆盖率"
SHEET_README = "说明"
SHEET_UNIVERSITY = "校级"
SUMMARY_SHEETS = (SHEET_ALL, SHEET_UNCOVERED, SHEET_CHANGES, SHEET_COVERAGE, SHEET_README)

STATUS_LABELS_ZH: dict[str, str] = {
    "OPTIMAL": "最优（每一优先级均已证明最优）",
    "FEASIBLE": "可行（时间或差距限制使某一优先级未证明最优）",
    "MERGED": "合并（学生处方案与各学院方案合并而成）",
}
CHANGE_LABELS_ZH: dict[str, str] = {
    "kept": "保持",
    "moved": "调整",
    "new": "新增",
    "ended": "结束",
}
KIND_ORDER: dict[str, int] = {k.value: i for i, k in enumerate(KINDS)}


_WRAP = Alignment(wrap_text=True, vertical="top")


def _kind_zh(value: Any) -> Any:
    try:
        return KIND_LABELS_ZH[Kind(value)]
    except ValueError:
        return value


def _role_zh(value: Any) -> Any:
    try:
        return ROLE_LABELS_ZH[Role(value)]
    except ValueError:
        return value


def _yes_no(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return "是" if bool(value) else "否"


def _change_zh(value: Any) -> Any:
    return CHANGE_LABELS_ZH.get(str(value), value)


ASSIGNMENT_SHEET: tuple[Col, ...] = (
    Col("cadre_id", "工号"),
    Col("cadre_name", "姓名"),
    Col("role", "类别", _role_zh),
    Col("cadre_unit", "单位"),
    Col("cadre_campus", "联系人校区"),
    Col("kind", "kind"),
    Col("kind", "类型", _kind_zh),
    Col("target_id", "对象编号"),
    Col("target_name", "对象名称"),
    Col("target_college", "学院"),
    Col("target_campus", "校区"),
    Col("kept", "延续上学期", _yes_no),
)
UNCOVERED_SHEET: tuple[Col, ...] = (
    Col("kind", "kind"),
    Col("kind", "类型", _kind_zh),
    Col("target_id", "对象编号"),
    Col("target_name", "对象名称"),
    Col("target_college", "学院"),
    Col("target_campus", "校区"),
    Col("reason", "原因"),
)
CHANGES_SHEET: tuple[Col, ...] = (
    Col("cadre_id", "工号"),
    Col("cadre_name", "姓名"),
    Col("kind", "kind"),
    Col("kind", "类型", _kind_zh),
    Col("target_id", "对象编号"),
    Col("status", "status"),
    Col("status", "变动", _change_zh),
    Col("reason", "原因"),
)
NO_COLLEGE_CODES: frozenset[str] = frozenset({"(university)"})
"""College codes of ``Plan.coverage`` that stand for "no college" (university-level targets)."""

HIDDEN_COLUMNS: frozenset[str] = frozenset({"cadre_college"})
"""Plan columns left out of the sheets on purpose (the unit column says the same)."""


def write_workbook(plan: Plan, path: Path) -> None:
    """Write the plan's workbook to ``path`` (see the module docstring for its sheets)."""
    Path(path).write_bytes(render_workbook(plan))


def render_workbook(plan: Plan) -> bytes:
    """The plan's workbook (see the module docstring for its sheets), as the bytes of a file."""
    book = Book(hidden=HIDDEN_COLUMNS)
    assignments = _sorted_assignments(plan.assignments)

    everything = book.table(SHEET_ALL, assignments, ASSIGNMENT_SHEET)
    book.table(SHEET_UNCOVERED, _sorted_targets(plan.uncovered), UNCOVERED_SHEET)
    book.table(SHEET_CHANGES, plan.changes, CHANGES_SHEET)
    _coverage_sheet(book.workbook, plan.coverage)
    _readme_sheet(book.workbook, plan)

    # College sheets reuse the rendered cells (and column widths) of 全部安排.
    used = {name.casefold() for name in SUMMARY_SHEETS}
    none = pd.Series(None, index=assignments.index, dtype=object)
    target_college = assignments.get("target_college", none)
    cadre_college = assignments.get("cadre_college", none)
    for college, name in _colleges(plan):
        mask = ((target_college == college) | (cadre_college == college)).to_numpy()
        book.table(college_sheet_name(college, name, used), everything.subset(mask))
    orphan = (target_college.isna() & cadre_college.isna()).to_numpy()
    if orphan.any():
        book.table(college_sheet_name(SHEET_UNIVERSITY, "", used), everything.subset(orphan))
    return book.save()


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


def _coverage_sheet(workbook: Workbook, coverage: pd.DataFrame) -> None:
    """Coverage by college × kind, with the share as a percentage."""
    ws = workbook.create_sheet(SHEET_COVERAGE)
    headers = ["学院代码", "学院名称", "校区", "kind", "类型", "对象数", "已覆盖", "覆盖率"]
    frame = coverage.copy()
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
        rows.append(
            [
                cell_value(rec["college"]),
                cell_value(rec["college_name"]),
                cell_value(rec["campus"]),
                cell_value(rec["kind"]),
                cell_value(_kind_zh(rec["kind"])),
                targets,
                covered,
                covered / targets if targets else None,
            ]
        )
    set_widths(ws, headers, [list(c) for c in zip(*rows, strict=True)] or [[]] * len(headers))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.append([header_cell(ws, h) for h in headers])
    for row in rows:
        out = protect(ws, row[:-1])
        share = WriteOnlyCell(ws, value=row[-1])
        share.number_format = "0.0%"
        ws.append([*out, share])


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


def _readme_sheet(workbook: Workbook, plan: Plan) -> None:
    """A short description of the plan: status, scenario, terms, capacity notes, warnings."""
    ws = workbook.create_sheet(SHEET_README)
    for letter, width in zip("ABCDEF", (22, 60, 12, 14, 14, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"

    def heading(text: str) -> None:
        ws.append([header_cell(ws, text)])

    def line(*values: Any) -> None:
        cells = []
        for v in values:
            v = cell_value(v)
            if isinstance(v, str) and len(v) > 60:
                cell = inert_cell(ws, v) if is_formula_like(v) else WriteOnlyCell(ws, value=v)
                cell.alignment = _WRAP
                cells.append(cell)
            else:
                cells.append(inert_cell(ws, v) if is_formula_like(v) else v)
        ws.append(cells)

    scenario_name = plan.scenario.get("name", "") if isinstance(plan.scenario, dict) else ""
    ws.append([header_cell(ws, "项目 item"), header_cell(ws, "内容 value")])
    line("方案状态 status", f"{plan.status} {STATUS_LABELS_ZH.get(plan.status, '')}".strip())
    line("情景 scenario", scenario_name)
    line("范围 scope", plan.scope)
    line("生成时间 created", datetime.now().astimezone().isoformat(timespec="seconds"))
    line("安排数 assignments", len(plan.assignments))
    line("未覆盖对象 uncovered", len(plan.uncovered))
    line("目标值 objective", cell_value(plan.objective))
    line("最优界 bound", cell_value(plan.bound))
    line("差距 gap", cell_value(plan.gap))
    line("求解用时（秒） solve seconds", round(float(plan.solve_seconds), 1))
    ws.append([])

    heading("目标项 objective terms")
    ws.append(
        [
            header_cell(ws, h)
            for h in (
                "名称 name",
                "说明 label",
                "方向 sense",
                "取值 value",
                "界 bound",
                "已证明最优",
            )
        ]
    )
    merged = plan.status == MERGED_STATUS
    for name in counted_terms(plan):
        term = plan.terms[name]
        sense = "最大化 max" if term.sense > 0 else "最小化 min"
        proven = "不适用（合并方案，未求解） n/a (merged)" if merged else _yes_no(term.optimal)
        line(name, term.label, sense, term.value, term.bound, proven)
    ws.append([])

    heading("容量说明 capacity")
    for note in plan.capacity or ["（无）"]:
        line("", note)
    ws.append([])
    heading("提示 warnings")
    for warning in plan.warnings or ["（无）"]:
        line("", warning)
    ws.append([])
    heading("各工作表 sheets")
    for sheet, text in (
        (SHEET_ALL, "全部安排，每行一条：联系人（工号、姓名、类别）与对象（类型、编号、名称）"),
        (SHEET_UNCOVERED, "未达到覆盖要求的班级、党支部、社团及原因"),
        (SHEET_CHANGES, "与上学期安排相比的变动：保持、调整、新增、结束"),
        (SHEET_COVERAGE, "各学院各类型的对象数、已覆盖数与覆盖率"),
        ("C01 …", "每个学院一张表：对象或联系人属于该学院的安排"),
    ):
        line(sheet, text)
