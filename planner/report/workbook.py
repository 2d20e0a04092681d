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

Speed: openpyxl spends ~25 µs per cell, about 6 s for a plan of 9,000 assignments (whose rows
appear twice: in 全部安排 and in a college sheet). So openpyxl (write-only mode) writes the
workbook's structure, styles, header rows, the small sheets, freeze panes, filters and column
widths, and the data rows of the table sheets are rendered here as the same ``<row>`` XML
openpyxl would write (inline strings, text cells for formula-like text) and spliced into their
sheets when the workbook is saved: about 1 s for that plan.
"""

from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from planner.contract import KIND_LABELS_ZH, KINDS, ROLE_LABELS_ZH, Kind, Role
from planner.io.cells import is_formula_like
from planner.plan import Plan

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

MAX_WIDTH = 50
"""Widest column, in Excel character units."""
MIN_WIDTH = 6

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (control characters, lone surrogates, non-characters)."""
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Col:
    """One column of a table sheet: where its values come from and its Chinese header."""

    source: str
    header: str
    convert: Callable[[Any], Any] | None = None


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
    book = _Book()
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


@dataclass(frozen=True)
class _Table:
    """A table ready to write: headers, column widths and each column's cell XML fragments.

    A fragment is a cell's XML after its ``<c r="A2"`` (``None``: no cell), so the same
    rendering serves every sheet the row appears on, at whatever row number.
    """

    headers: list[str]
    widths: list[float]
    fragments: list[np.ndarray]

    def __len__(self) -> int:
        return len(self.fragments[0]) if self.fragments else 0

    def subset(self, mask: np.ndarray) -> _Table:
        """The rows where ``mask`` is true."""
        return _Table(self.headers, self.widths, [f[mask] for f in self.fragments])


class _Book:
    """An openpyxl write-only workbook whose table sheets get their data rows spliced in."""

    def __init__(self) -> None:
        self.workbook = Workbook(write_only=True)
        self._rows: list[tuple[WriteOnlyWorksheet, str]] = []
        self._inert_attr = ""

    def table(self, title: str, data: pd.DataFrame | _Table, spec: Sequence[Col] = ()) -> _Table:
        """Add a table sheet (bold frozen header, autofilter, fitted widths, inert text).

        ``data`` is a frame whose columns ``spec`` maps, or a table prepared before.
        """
        ws = self.workbook.create_sheet(title)
        if not self._inert_attr:  # registers the inert text format with the workbook
            self._inert_attr = f' s="{_inert_cell(ws, "").style_id}"'
        table = data if isinstance(data, _Table) else self._prepare(data, spec)
        for i, width in enumerate(table.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:{get_column_letter(max(len(table.headers), 1))}{len(table) + 1}"
        ws.append([_header_cell(ws, header) for header in table.headers])
        if len(table):
            self._rows.append((ws, rows_xml(table.fragments, first_row=2)))
        return table

    def _prepare(self, frame: pd.DataFrame, spec: Sequence[Col]) -> _Table:
        cols = _columns_for(frame, spec)
        fragments: list[np.ndarray] = []
        widths: list[float] = []
        for col in cols:
            raw = frame[col.source].tolist()
            values = [_cell_value(col.convert(v) if col.convert else v) for v in raw]
            cache: dict[Any, str | None] = {}
            column = np.empty(len(values), dtype=object)
            for i, value in enumerate(values):
                fragment = cache.get(value, _MISSING)
                if fragment is _MISSING:
                    fragment = cache[value] = cell_fragment(value, self._inert_attr)
                column[i] = fragment
            fragments.append(column)
            widths.append(column_width(col.header, list(cache)))
        return _Table([c.header for c in cols], widths, fragments)

    def save(self) -> bytes:
        """Save: openpyxl writes the workbook, then the data rows go into their sheets."""
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        splices = {ws.path.lstrip("/"): rows.encode("utf-8") for ws, rows in self._rows}
        out = io.BytesIO()
        with (
            zipfile.ZipFile(buffer) as source,
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
        ):
            for info in source.infolist():
                data = source.read(info)
                rows = splices.pop(info.filename, None)
                if rows is not None:
                    head, tail = data.rsplit(b"</sheetData>", 1)
                    data = head + rows + b"</sheetData>" + tail
                target.writestr(info, data)
        if splices:  # openpyxl named a sheet file differently than it said
            raise RuntimeError(f"workbook sheets not found: {sorted(splices)}")
        return out.getvalue()


_MISSING: Any = object()


def cell_fragment(value: Any, inert_attr: str) -> str | None:
    """A cell's XML after ``<c r="A2"``, as openpyxl writes it; ``None`` for no cell.

    ``value`` is a plain cell value (see :func:`_cell_value`). Text is an inline string;
    formula-like text also gets ``inert_attr`` (the inert text format), so no spreadsheet
    evaluates it.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        style = inert_attr if is_formula_like(value) else ""
        return f'{style} t="inlineStr"><is>{_text_xml(value)}</is></c>'
    if isinstance(value, bool):
        return f' t="b"><v>{int(value)}</v></c>'
    return f' t="n"><v>{value!r}</v></c>'


def rows_xml(fragments: Sequence[Iterable[Any]], *, first_row: int) -> str:
    """The ``<row>`` elements of a table given as columns of cell fragments."""
    letters = [get_column_letter(i) for i in range(1, len(fragments) + 1)]
    parts: list[str] = []
    append = parts.append
    for r, row in enumerate(zip(*fragments, strict=True), start=first_row):
        append(f'<row r="{r}">')
        for letter, fragment in zip(letters, row, strict=True):
            if fragment is not None:
                append(f'<c r="{letter}{r}"{fragment}')
        append("</row>")
    return "".join(parts)


def _text_xml(text: str) -> str:
    """A ``<t>`` element holding ``text`` exactly (escaped; spaces and CR preserved)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")  # a bare CR would be read back as LF
    return f'<t xml:space="preserve">{text}</t>'


def college_sheet_name(college: str, name: str, used: set[str]) -> str:
    """A valid, unused sheet name ``ID short-name``: at most 31 characters, none of ``[]:*?/\\``.

    ``used`` holds the casefolded names taken so far and is updated.
    """
    base = _SHEET_NAME_FORBIDDEN.sub("", f"{college} {name}".strip()).strip("' ")
    base = (base or "college")[:31].rstrip()
    title, n = base, 2
    while title.casefold() in used or title.casefold() == "history":
        suffix = f"~{n}"
        title = base[: 31 - len(suffix)].rstrip() + suffix
        n += 1
    used.add(title.casefold())
    return title


def text_width(value: Any) -> int:
    """Display width of ``value`` in Excel character units (CJK and full-width count 2)."""
    text = "" if value is None else str(value)
    longest = max(text.split("\n"), key=len) if "\n" in text else text
    if longest.isascii():
        return len(longest)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in longest)


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


def _columns_for(frame: pd.DataFrame, spec: Sequence[Col]) -> list[Col]:
    """The spec's columns the frame has, then any further frame columns under their own name.

    Only columns of the plan are ever written (privacy): a spec column the frame lacks is
    dropped, never filled in.
    """
    known = {c.source for c in spec} | HIDDEN_COLUMNS
    cols = [c for c in spec if c.source in frame.columns]
    cols += [Col(str(name), str(name)) for name in frame.columns if name not in known]
    return cols


def _cell_value(value: Any) -> Any:
    """A plain cell value: ``None``, ``str`` (without XML-illegal characters), ``bool``,
    ``int`` or a finite ``float``; numpy scalars unboxed, missing values ``None``."""
    if value is None:
        return None
    if isinstance(value, str):
        return _ILLEGAL_XML.sub("", value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return _ILLEGAL_XML.sub("", str(value))


def _header_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=text)
    cell.font = _HEADER_FONT
    cell.fill = _HEADER_FILL
    return cell


def _inert_cell(ws: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A text cell that no spreadsheet evaluates, even if it starts with ``=``."""
    cell = WriteOnlyCell(ws)
    cell.value = text
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _protect(ws: WriteOnlyWorksheet, row: Iterable[Any]) -> list[Any]:
    return [_inert_cell(ws, v) if is_formula_like(v) else v for v in row]


def column_width(header: str, values: Iterable[Any]) -> float:
    """Width of a column fitting ``header`` and ``values``, between the minimum and maximum."""
    widest = max((text_width(v) for v in values if v is not None), default=0)
    return float(min(max(widest, text_width(header) + 3, MIN_WIDTH) + 2, MAX_WIDTH))


def _set_widths(ws: WriteOnlyWorksheet, headers: list[str], columns: list[list[Any]]) -> None:
    for i, (header, values) in enumerate(zip(headers, columns, strict=True), start=1):
        ws.column_dimensions[get_column_letter(i)].width = column_width(header, set(values))


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
                _cell_value(rec["college"]),
                _cell_value(rec["college_name"]),
                _cell_value(rec["campus"]),
                _cell_value(rec["kind"]),
                _cell_value(_kind_zh(rec["kind"])),
                targets,
                covered,
                covered / targets if targets else None,
            ]
        )
    _set_widths(ws, headers, [list(c) for c in zip(*rows, strict=True)] or [[]] * len(headers))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"
    ws.append([_header_cell(ws, h) for h in headers])
    for row in rows:
        out = _protect(ws, row[:-1])
        share = WriteOnlyCell(ws, value=row[-1])
        share.number_format = "0.0%"
        ws.append([*out, share])


def _readme_sheet(workbook: Workbook, plan: Plan) -> None:
    """A short description of the plan: status, scenario, terms, capacity notes, warnings."""
    ws = workbook.create_sheet(SHEET_README)
    for letter, width in zip("ABCDEF", (22, 60, 12, 14, 14, 12), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"

    def heading(text: str) -> None:
        ws.append([_header_cell(ws, text)])

    def line(*values: Any) -> None:
        cells = []
        for v in values:
            v = _cell_value(v)
            if isinstance(v, str) and len(v) > 60:
                cell = _inert_cell(ws, v) if is_formula_like(v) else WriteOnlyCell(ws, value=v)
                cell.alignment = _WRAP
                cells.append(cell)
            else:
                cells.append(_inert_cell(ws, v) if is_formula_like(v) else v)
        ws.append(cells)

    scenario_name = plan.scenario.get("name", "") if isinstance(plan.scenario, dict) else ""
    ws.append([_header_cell(ws, "项目 item"), _header_cell(ws, "内容 value")])
    line("方案状态 status", f"{plan.status} {STATUS_LABELS_ZH.get(plan.status, '')}".strip())
    line("情景 scenario", scenario_name)
    line("范围 scope", plan.scope)
    line("生成时间 created", datetime.now().astimezone().isoformat(timespec="seconds"))
    line("安排数 assignments", len(plan.assignments))
    line("未覆盖对象 uncovered", len(plan.uncovered))
    line("目标值 objective", _cell_value(plan.objective))
    line("最优界 bound", _cell_value(plan.bound))
    line("差距 gap", _cell_value(plan.gap))
    line("求解用时（秒） solve seconds", round(float(plan.solve_seconds), 1))
    ws.append([])

    heading("目标项 objective terms")
    ws.append(
        [
            _header_cell(ws, h)
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
    for name, term in plan.terms.items():
        sense = "最大化 max" if term.sense > 0 else "最小化 min"
        line(name, term.label, sense, term.value, term.bound, _yes_no(term.optimal))
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
