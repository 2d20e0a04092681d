"""Tests of the plan folder: files, workbook, formula injection, atomicity and refusals."""

from __future__ import annotations

import csv
import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner.errors import OutputError
from planner.i18n import use_language
from planner.io.cells import is_formula_like, neutralize, unneutralize
from planner.plan import (
    ASSIGNMENT_COLUMNS,
    CHANGE_COLUMNS,
    UNCOVERED_COLUMNS,
    Plan,
    TermValue,
)
from planner.report import workbook, write
from planner.report.workbook import write_workbook
from planner.report.write import write_plan
from planner.report.xlsx import college_sheet_name, text_width

EVIL_NAME = '=HYPERLINK("http://example.com","点我")'
EVIL_TARGET = "@SUM(1+1)"
EVIL_REASON = "-2+3+cmd|' /C calc'!A0"


def make_plan() -> Plan:
    """A small plan of 3 colleges with almost every feature, including hostile text."""
    assignments = pd.DataFrame(
        [
            ("007", "class", "CL01", "张伟", "professor", "C01", "C01", "主校区",
             "汉语言文学2301班", "C01", "主校区", True),
            ("1002", "dorm", "-12", EVIL_NAME, "young_teacher", "C02", "C02", "东校区",
             "1号楼-101", "C02", "东校区", False),
            ("1003", "society", "S01", "王芳", "school_leader", "校办", None, "主校区",
             EVIL_TARGET, None, "主校区", False),
            ("1004", "branch", "B01", "李娜", "college_leader", "C03", "C03", "南校区",
             "工学院第一党支部", "C03", "南校区", True),
            ("1005", "class", "CL02", "赵强", "dept_leader", "C02", "C02", "东校区",
             "数学2401班", "C02", "东校区", False),
            ("1006", "dorm", "D02", "陈静", "sao_cadre", "学生处", None, "主校区",
             "2号楼-202", "C01", "主校区", False),
        ],
        columns=ASSIGNMENT_COLUMNS,
    )  # fmt: skip
    uncovered = pd.DataFrame(
        [
            ("class", "CL03", EVIL_REASON, "物理2402班", "C02", "东校区"),
            ("branch", "B02", "no cadre of C03 is free", "+党支部", "C03", "南校区"),
        ],
        columns=UNCOVERED_COLUMNS,
    )
    changes = pd.DataFrame(
        [
            ("007", "张伟", "class", "CL01", "kept", ""),
            ("1009", "周杰", "class", "CL09", "ended", "the cadre has left"),
        ],
        columns=CHANGE_COLUMNS,
    )
    coverage = pd.DataFrame(
        [
            ("C01", "文学院", "主校区", "class", 1, 1),
            ("C01", "文学院", "主校区", "dorm", 1, 1),
            ("C02", "理学院", "东校区", "class", 2, 1),
            ("C02", "理学院", "东校区", "dorm", 2, 1),
            ("C03", "工学院", "南校区", "branch", 2, 1),
            ("(university)", "全校 (university)", "", "society", 1, 1),  # as planning writes it
        ],
        columns=["college", "college_name", "campus", "kind", "targets", "covered"],
    )
    return Plan(
        status="OPTIMAL",
        assignments=assignments,
        uncovered=uncovered,
        changes=changes,
        terms={
            "coverage": TermValue("coverage", "S1 Coverage", 1, 4, 4, True),
            "campus": TermValue("campus", "S3 Same campus", -1, 0, 0, True),
        },
        objective=4_000_000.0,
        bound=4_000_000.0,
        gap=0.0,
        solve_seconds=0.25,
        scenario={"name": "default", "kinds": {"class": {"coverage": "soft"}}},
        scope="all",
        coverage=coverage,
        capacity=["C03: 1 cadre for 2 targets"],
        warnings=["previous.csv:3:cadre: 联系人 '1009' 已离职"],
        inputs={"classes": {"file": "classes.csv", "sha256": "0" * 64}},
        stages=[{"term": "coverage", "status": "OPTIMAL", "value": 4, "bound": 4}],
    )


def make_targets() -> pd.DataFrame:
    """``Dataset.targets()`` of the plan above (one dorm of unknown entry year)."""
    rows = [
        ("class", "CL01", "汉语言文学2301班", "C01", "主校区", None, 2023, 30),
        ("class", "CL02", "数学2401班", "C02", "东校区", None, 2024, 28),
        ("class", "CL03", "物理2402班", "C02", "东校区", None, 2024, 25),
        ("dorm", "-12", "1号楼-101", "C02", "东校区", "M", 2024, 4),
        ("dorm", "D02", "2号楼-202", "C01", "主校区", "F", None, 4),
        ("dorm", "D03", "2号楼-203", "C02", "东校区", "F", 2024, 4),
        ("society", "S01", EVIL_TARGET, None, "主校区", None, None, 40),
        ("branch", "B01", "工学院第一党支部", "C03", "南校区", None, None, 12),
        ("branch", "B02", "+党支部", "C03", "南校区", None, None, 9),
    ]
    frame = pd.DataFrame(
        rows, columns=["kind", "id", "name", "college", "campus", "gender", "grade", "size"]
    )
    frame["grade"] = frame["grade"].astype("Int64")
    return frame


@pytest.fixture
def plan() -> Plan:
    return make_plan()


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plan folder written once, with every file; tests only read it."""
    out = tmp_path_factory.mktemp("written") / "out" / "default"
    with use_language("zh"):
        write_plan(make_plan(), out, targets=make_targets(), extra_json={"command": "planner plan"})
    return out


@pytest.fixture
def previous(tmp_path: Path, plan: Plan) -> Path:
    """A previous (unapproved) plan folder that a test may change."""
    out = tmp_path / "out" / "default"
    write_plan(plan, out)
    return out


def read_csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary or set-aside folders left in ``folder``."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- neutralize ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10 1234", "'+86 10 1234"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("-12", "-12"),  # a plain number is never a formula: ids stay readable
        ("+3.5", "+3.5"),
        ("007", "007"),
        ("张伟", "张伟"),
        ("a=b", "a=b"),
        ("", ""),
        (12, 12),
        (None, None),
        ("'abc", "'abc"),
        ("'-12", "'-12"),
        ("'=x", "''=x"),  # quoted once more, so unneutralize restores it exactly
    ],
)
def test_neutralize(value: object, expected: object) -> None:
    assert neutralize(value) == expected
    assert unneutralize(neutralize(value)) == value
    if not (isinstance(value, str) and value.startswith("'")):
        assert is_formula_like(value) == (value != expected)


# --- the plan folder --------------------------------------------------------------------


def test_every_contract_file_is_written(tmp_path: Path, plan: Plan) -> None:
    out = tmp_path / "out" / "default"
    files = write_plan(plan, out, targets=make_targets())
    names = {p.name for p in files}
    assert names == {
        "assignments.csv",
        "uncovered.csv",
        "changes.csv",
        "coverage.csv",
        "assignments.xlsx",
        "plan.json",
        "coverage_college_kind.png",
        "coverage_campus_kind.png",
        "dorm_coverage_campus_grade.png",
    }
    assert {p.name for p in out.iterdir()} == names
    assert all(p.parent == out for p in files)
    assert leftovers(out.parent) == []


def test_without_targets_only_the_college_heatmap(tmp_path: Path, plan: Plan) -> None:
    files = write_plan(plan, tmp_path / "plan")
    pngs = sorted(p.name for p in files if p.suffix == ".png")
    assert pngs == ["coverage_college_kind.png"]


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("assignments.csv", ["cadre_id", "kind", "target_id"]),
        ("uncovered.csv", ["kind", "target_id", "reason"]),
        ("changes.csv", CHANGE_COLUMNS),
        ("coverage.csv", ["college", "college_name", "campus", "kind", "targets", "covered"]),
    ],
)
def test_csv_has_bom_and_contract_columns(written: Path, name: str, first: list[str]) -> None:
    raw = (written / name).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    header = read_csv_rows(written / name)[0]
    assert header[: len(first)] == first


def test_csv_writes_only_plan_columns(written: Path, plan: Plan) -> None:
    assert read_csv_rows(written / "assignments.csv")[0] == ASSIGNMENT_COLUMNS
    assert read_csv_rows(written / "uncovered.csv")[0] == UNCOVERED_COLUMNS


def test_csv_ids_round_trip_and_injection_is_inert(written: Path) -> None:
    frame = pd.read_csv(
        written / "assignments.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    assert frame.loc[0, "cadre_id"] == "007"
    assert "-12" in set(frame["target_id"])
    assert set(frame["kind"]) <= {"class", "dorm", "society", "branch"}
    assert "'" + EVIL_NAME in set(frame["cadre_name"])
    assert "'" + EVIL_TARGET in set(frame["target_name"])
    for path in written.glob("*.csv"):
        for row in read_csv_rows(path)[1:]:
            for cell in row:
                assert not is_formula_like(cell), (path.name, cell)
    uncovered = read_csv_rows(written / "uncovered.csv")
    assert uncovered[1][2] == "'" + EVIL_REASON


def test_csv_round_trips_with_unneutralize(written: Path, plan: Plan) -> None:
    frame = pd.read_csv(
        written / "assignments.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    restored = frame.map(unneutralize)
    expected = plan.assignments.astype(object).where(plan.assignments.notna(), "")
    expected = expected.astype(str)
    assert restored.to_dict("records") == expected.to_dict("records")


def test_plan_json(written: Path, plan: Plan) -> None:
    text = (written / "plan.json").read_text(encoding="utf-8")
    assert "已离职" in text  # ensure_ascii=False: Chinese stays readable
    doc = json.loads(text)
    assert list(doc)[:17] == [
        "status",
        "objective",
        "bound",
        "gap",
        "solve_seconds",
        "terms",
        "stages",
        "scenario",
        "scope",
        "held",
        "inputs",
        "versions",
        "warnings",
        "capacity",
        "counts",
        "created",
        "files",
    ]
    assert doc["command"] == "planner plan"  # extra_json merged in
    assert doc["status"] == "OPTIMAL"
    assert doc["terms"]["campus"] == {
        "label": "S3 Same campus",
        "sense": -1,
        "value": 0,
        "bound": 0,
        "optimal": True,
    }
    assert set(doc["versions"]) == {
        "planner",
        "python",
        "ortools",
        "pandas",
        "numpy",
        "openpyxl",
        "matplotlib",
    }
    assert doc["versions"]["pandas"] == pd.__version__
    assert doc["counts"]["assignments"] == 6
    assert doc["counts"]["assignments_by_kind"] == {
        "class": 2,
        "dorm": 2,
        "society": 1,
        "branch": 1,
    }
    assert doc["counts"]["uncovered"] == 2
    assert doc["counts"]["changes"] == {"ended": 1, "kept": 1}
    assert doc["warnings"] == plan.warnings
    assert "T" in doc["created"]
    assert doc["held"] == []
    assert doc["files"][-1] == "plan.json"
    assert set(doc["files"]) == {p.name for p in written.iterdir()}


def test_plan_json_turns_nan_and_numpy_into_plain_json(tmp_path: Path, plan: Plan) -> None:
    import numpy as np

    plan.gap = float("inf")
    plan.objective = np.float64(1.5)
    out = tmp_path / "plan"
    write_plan(plan, out, extra_json={"n": np.int64(3), "x": float("nan")})
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["gap"] is None
    assert doc["objective"] == 1.5
    assert doc["n"] == 3
    assert doc["x"] is None


# --- the workbook -----------------------------------------------------------------------


def test_workbook_sheets_and_headers(written: Path) -> None:
    book = openpyxl.load_workbook(written / "assignments.xlsx")
    assert book.sheetnames == [
        "全部安排",
        "汇总",
        "未覆盖",
        "变动",
        "覆盖率",
        "说明",
        "C01 文学院",
        "C02 理学院",
        "C03 工学院",
        "校级",
    ]
    headers = [c.value for c in book["全部安排"][1]]
    assert headers[:4] == ["工号", "姓名", "类别", "单位"]
    for header in ("类型", "对象编号", "对象名称", "学院", "校区", "延续上学期"):
        assert header in headers
    assert "kind" not in headers and "cadre_college" not in headers
    assert [c.value for c in book["未覆盖"][1]][-1] == "原因"
    assert "变动" in [c.value for c in book["变动"][1]]
    assert [c.value for c in book["覆盖率"][1]][:3] == ["学院", "校区", "类型"]
    for name in book.sheetnames:
        sheet = book[name]
        assert sheet.freeze_panes == "A2", name
        assert sheet["A1"].font.b, name
        # ready to print: landscape, one page wide, the header row on every page
        assert sheet.page_setup.orientation == "landscape", name
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, name
        assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0, name
        assert sheet.print_title_rows == "$1:$1", name
        if name not in ("说明", "覆盖率") and not name.startswith("C0"):
            last = sheet.cell(1, sheet.max_column).column_letter
            assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", name


def test_workbook_rows(written: Path) -> None:
    book = openpyxl.load_workbook(written / "assignments.xlsx")
    rows = list(book["全部安排"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6
    headers = [c.value for c in book["全部安排"][1]]
    records = [dict(zip(headers, row, strict=True)) for row in rows]
    first = next(r for r in records if r["工号"] == "007")
    assert first["类别"] == "知名教授"
    assert first["类型"] == "班级"
    assert first["延续上学期"] == "是"
    assert {r["对象编号"] for r in records} >= {"-12", "CL01"}
    # a college sheet holds what involves the college: its targets and its cadres
    sheet = list(book["C01 文学院"].iter_rows(min_row=2, values_only=True))
    blank = next(i for i, row in enumerate(sheet) if not any(row))
    c01 = sheet[:blank]
    assert sorted(row[headers.index("对象编号")] for row in c01) == ["CL01", "D02"]
    # then the college's own uncovered targets and changes, each under its title
    titles = [row[0] for row in sheet[blank:] if row[0] and not any(row[1:])]
    assert titles == ["本院未覆盖对象", "与上学期相比的变动"]
    university = list(book["校级"].iter_rows(min_row=2, values_only=True))
    assert [row[headers.index("对象编号")] for row in university] == ["S01"]
    coverage = list(book["覆盖率"].iter_rows(min_row=2, max_row=2))
    assert coverage[0][-1].number_format == "0.0%"


def test_workbook_injection_is_inert(written: Path) -> None:
    book = openpyxl.load_workbook(written / "assignments.xlsx")
    seen = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if is_formula_like(cell.value):
                    assert cell.data_type == "s"
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    seen.add(cell.value)
    assert {EVIL_NAME, EVIL_TARGET, EVIL_REASON, "+党支部"} <= seen


def test_workbook_without_rows(tmp_path: Path, plan: Plan) -> None:
    plan.assignments = plan.assignments.iloc[0:0]
    plan.uncovered = pd.DataFrame(columns=UNCOVERED_COLUMNS)
    plan.changes = pd.DataFrame(columns=CHANGE_COLUMNS)
    write_workbook(plan, tmp_path / "empty.xlsx", "zh")
    book = openpyxl.load_workbook(tmp_path / "empty.xlsx")
    assert book["全部安排"].max_row == 1
    assert "C01 文学院" in book.sheetnames


def test_college_sheet_name() -> None:
    used: set[str] = set()
    assert college_sheet_name("C01", "文学院", used) == "C01 文学院"
    name = college_sheet_name("C/02", "a:b*c?d[e]f\\g" + "长" * 40, used)
    assert len(name) <= 31
    assert not set("[]:*?/\\") & set(name)
    again = college_sheet_name("C01", "文学院", used)
    assert again != "C01 文学院" and len(again) <= 31


def test_text_width_counts_cjk_double() -> None:
    assert text_width("abc") == 3
    assert text_width("文学院") == 6
    assert text_width(None) == 0


# --- atomicity --------------------------------------------------------------------------


def _broken_workbook(error: BaseException) -> Callable[[Path, bytes], None]:
    """A ``write.write_file`` that fails half-way through the workbook."""
    real_write_file = write.write_file

    def write_file(path: Path, data: bytes) -> None:
        if path.name != write.WORKBOOK:
            real_write_file(path, data)
            return
        path.write_bytes(b"PK half a workbook")
        raise error

    return write_file


def test_failure_leaves_nothing_behind(
    tmp_path: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = _broken_workbook(OSError(errno.ENOSPC, "No space left on device"))
    monkeypatch.setattr(write, "write_file", broken)
    out = tmp_path / "new" / "default"
    with pytest.raises(OutputError, match=r"cannot write the plan to .*default: the disk is full"):
        write_plan(plan, out, targets=make_targets())
    assert not out.exists()
    assert not (tmp_path / "new").exists()  # the parent it created is gone too
    assert leftovers(tmp_path) == []


def test_failure_keeps_the_previous_plan(
    previous: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in previous.iterdir()}
    monkeypatch.setattr(write, "write_file", _broken_workbook(OSError(errno.EROFS, "")))
    plan.status = "FEASIBLE"
    with pytest.raises(OutputError, match="read-only"):
        write_plan(plan, previous)
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before
    assert leftovers(previous.parent) == []


def test_a_bug_is_not_disguised_but_still_cleans_up(
    tmp_path: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(plan: Plan) -> bytes:
        raise KeyError("boom")

    monkeypatch.setattr(workbook, "render_workbook", broken)
    with pytest.raises(KeyError):
        write_plan(plan, tmp_path / "plan")
    assert list(tmp_path.iterdir()) == []


def test_previous_plan_is_replaced(previous: Path, plan: Plan) -> None:
    write_plan(plan, previous, targets=make_targets())
    assert (previous / "coverage_campus_kind.png").exists()
    plan.status = "FEASIBLE"
    plan.assignments = plan.assignments.iloc[:2]
    write_plan(plan, previous)
    doc = json.loads((previous / "plan.json").read_text(encoding="utf-8"))
    assert doc["status"] == "FEASIBLE"
    assert len(read_csv_rows(previous / "assignments.csv")) == 3
    assert not (previous / "coverage_campus_kind.png").exists()  # stale files do not linger
    assert leftovers(previous.parent) == []


def test_empty_folder_is_used(tmp_path: Path, plan: Plan) -> None:
    out = tmp_path / "plan"
    out.mkdir()
    write_plan(plan, out)
    assert (out / "plan.json").is_file()


# --- refusals ---------------------------------------------------------------------------


def test_refuses_an_approved_plan(previous: Path, plan: Plan) -> None:
    approval = {"approved_by": "学生处 王老师", "approved_at": "2026-03-01"}
    (previous / "approval.json").write_text(json.dumps(approval, ensure_ascii=False), "utf-8")
    before = {p.name: p.read_bytes() for p in previous.iterdir()}
    with pytest.raises(OutputError) as info:
        write_plan(plan, previous)
    message = str(info.value)
    assert "holds an approved plan (approved by 学生处 王老师 on 2026-03-01)" in message
    assert "choose another --out" in message
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before
    assert leftovers(previous.parent) == []


def test_refuses_a_folder_that_is_not_a_plan(tmp_path: Path, plan: Plan) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "thesis.docx").write_bytes(b"precious")
    with pytest.raises(OutputError, match="does not hold a plan"):
        write_plan(plan, out)
    assert (out / "thesis.docx").read_bytes() == b"precious"
    assert [p.name for p in out.iterdir()] == ["thesis.docx"]
    assert leftovers(tmp_path) == []


def test_refuses_a_plan_folder_holding_user_files(previous: Path, plan: Plan) -> None:
    (previous / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"files the planner did not write \(notes.txt\)"):
        write_plan(plan, previous)
    assert (previous / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_refuses_while_the_workbook_is_open(previous: Path, plan: Plan) -> None:
    (previous / "~$assignments.xlsx").write_bytes(b"lock")
    with pytest.raises(OutputError, match="open in a spreadsheet program"):
        write_plan(plan, previous)


def test_refuses_a_file(tmp_path: Path, plan: Plan) -> None:
    out = tmp_path / "plan"
    out.write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_plan(plan, out)


def test_read_only_parent(tmp_path: Path, plan: Plan) -> None:
    parent = tmp_path / "locked"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        if os.access(parent, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        with pytest.raises(OutputError, match="permission denied"):
            write_plan(plan, parent / "plan")
        assert list(parent.iterdir()) == []
    finally:
        parent.chmod(0o700)


def test_permission_denied_message(
    tmp_path: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(parent: Path, name: str) -> Path:
        raise PermissionError(errno.EACCES, "Permission denied", str(parent))

    monkeypatch.setattr(write, "_make_temp_dir", denied)
    with pytest.raises(OutputError) as info:
        write_plan(plan, tmp_path / "plan")
    assert str(info.value) == (
        f"cannot write the plan to {tmp_path / 'plan'}: permission denied "
        "(the folder is read-only or belongs to someone else)"
    )


def test_failed_swap_puts_the_previous_plan_back(
    previous: Path, plan: Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p.name: p.read_bytes() for p in previous.iterdir()}
    real_rename = os.rename

    def rename(source: str | Path, target: str | Path) -> None:
        if Path(target) == previous and ".old." not in Path(source).name:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_rename(source, target)

    monkeypatch.setattr(os, "rename", rename)
    with pytest.raises(OutputError, match="the disk is full"):
        write_plan(plan, previous)
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before
    assert leftovers(previous.parent) == []
