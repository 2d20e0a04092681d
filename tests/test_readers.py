"""Reading and validating data sets (planner.io.readers) and their summary (planner.report.summary).

The data sets live in ``tests/data``: ``tiny/`` is a small valid set other tests reuse,
``broken/<name>/`` is ``tiny/`` with one thing wrong (``several``: several things in one file),
``tricky/<name>/`` holds the data of ``tricky/plain/`` written in an awkward but valid way.
``tests/data/make_tricky.py`` writes ``broken/`` and ``tricky/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.contract import TABLES
from planner.dataset import Dataset
from planner.errors import InputError
from planner.io.readers import read_dataset
from planner.io.xlsx_cells import cell_text, open_book, zero_padding_in_use
from planner.report.summary import summarize

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"
BROKEN = DATA / "broken"
TRICKY = DATA / "tricky"

Location = tuple[str, int, str]

BROKEN_LOCATIONS: dict[str, list[Location]] = {
    "missing_table": [("missing_table", 0, "")],
    "missing_column": [("classes.csv", 1, "college")],
    "empty_cell": [("cadres.csv", 6, "name")],
    "bad_int": [("classes.csv", 3, "size")],
    "negative_size": [("dorms.csv", 4, "residents")],
    "bad_grade": [("classes.csv", 2, "grade")],
    "bad_gender": [("cadres.csv", 4, "gender")],
    "unknown_role": [("cadres.csv", 9, "role")],
    "bad_available": [("cadres.csv", 7, "available")],
    "duplicate_id": [("dorms.csv", 5, "id")],
    "unknown_college": [("classes.csv", 3, "college")],
    "unknown_society_college": [("societies.csv", 4, "college")],
    "unknown_unit": [("cadres.csv", 6, "unit")],
    "unknown_pin_cadre": [("pins.csv", 2, "cadre")],
    "unknown_pin_target": [("pins.csv", 3, "target")],
    "bad_kind": [("previous.csv", 4, "kind")],
    "bad_rule": [("pins.csv", 3, "rule")],
    "zero_byte": [("dorms.csv", 0, "")],
    "blank_file": [("branches.csv", 0, "")],
    "utf16": [("colleges.csv", 0, "")],
    "undecodable": [("cadres.csv", 6, "")],
    "same_table_twice": [("班级.csv", 0, "")],
    "random_xlsx": [("classes.xlsx", 0, "")],
    "truncated_xlsx": [("branches.xlsx", 0, "")],
    "old_xls": [("branches.xls", 0, "")],
    "duplicate_column": [("classes.csv", 1, "班级编号")],
    "ragged_row": [("classes.csv", 3, "")],
    "chinese_headers": [("联系人.csv", 4, "性别")],
    "workbook_cell": [("book.xlsx[班级]", 3, "人数")],
    "workbook_missing_sheet": [("book.xlsx", 0, "")],
    "workbook_fraction": [("book.xlsx[宿舍]", 4, "人数")],
    "random_csv": [("cadres.csv", 1, "")],
    "mixed_encodings": [("cadres.csv", 0, ""), ("dorms.csv", 4, "")],
    "missing_cadres": [("missing_cadres", 0, "")],
    "header_typo": [("cadres.csv", 1, "gender")],
    "empty_id": [("societies.csv", 4, "id")],
    "nbsp_in_id": [("classes.csv", 3, "college")],
    "fullwidth_duplicate": [("cadres.csv", 8, "id")],
    "unclosed_quote": [("classes.csv", 4, "")],
    "formula_in_number": [("dorms.csv", 5, "residents")],
    "pins_bad_kind": [("pins.csv", 2, "kind")],
    "unknown_role_zh": [("cadres.csv", 6, "role")],
    "dangling_dorm_college": [("dorms.csv", 3, "college")],
    "dangling_branch_college": [("branches.csv", 3, "college")],
    "previous_empty_kind": [("previous.csv", 4, "kind")],
    "control_character": [("cadres.csv", 6, "name")],
    "several": [
        ("cadres.csv", 3, "gender"),
        ("cadres.csv", 5, "role"),
        ("cadres.csv", 6, "unit"),
        ("cadres.csv", 7, "available"),
        ("cadres.csv", 7, "id"),
        ("cadres.csv", 8, "name"),
    ],
}
"""Every broken set and the exact locations it must report, in the order they are printed."""

TRICKY_SETS = [
    "utf8_bom",
    "gb18030",
    "chinese",
    "workbook",
    "mixed",
    "fullwidth",
    "extra_column",
    "mixed_encodings",
    "xlsx_floats",
]
"""Valid sets that must read to exactly the frames of ``tricky/plain``."""

_LOCATED = re.compile(r"^(.*?):(\d+):([^:]*): ")


def _data_path(folder: Path) -> Path:
    """A set is a folder, or the one workbook ``book.xlsx`` inside it."""
    book = folder / "book.xlsx"
    return book if book.exists() else folder


def _validate(path: Path) -> tuple[int, str, str]:
    """Run ``planner validate --data PATH``: exit code, stdout, stderr."""
    result = CliRunner().invoke(cli, ["validate", "--data", str(path)])
    return result.exit_code, result.stdout, result.stderr


def _problems(path: Path) -> list[tuple[Location, str]]:
    with pytest.raises(InputError) as info:
        read_dataset(path)
    return [((p.file, p.row, p.column), p.message) for p in info.value.problems]


def _copy_tiny(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    return folder


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    return read_dataset(TINY)


@pytest.fixture(scope="module")
def plain() -> Dataset:
    return read_dataset(TRICKY / "plain")


# --------------------------------------------------------------------------- broken sets


def test_every_broken_set_has_expected_locations() -> None:
    assert sorted(BROKEN_LOCATIONS) == sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", sorted(BROKEN_LOCATIONS))
def test_broken_set_reports_every_problem_located_and_exits_2(name: str) -> None:
    code, stdout, stderr = _validate(_data_path(BROKEN / name))
    assert code == 2, stderr
    assert stdout == ""
    lines = stderr.splitlines()
    expected = BROKEN_LOCATIONS[name]
    n = len(expected)
    assert lines[0] == f"The input has {n} problem{'s' if n > 1 else ''}; nothing was written."
    located = [_LOCATED.match(line) for line in lines[1:]]
    assert all(located), lines
    assert [(m[1], int(m[2]), m[3]) for m in located if m] == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing_column", "missing required column 'college' (学院代码)"),
        ("unknown_college", "unknown college 'C99' (known: C01, C02)"),
        ("duplicate_id", "duplicate id 'D002': row 3 already has it; ids must be unique"),
        ("negative_size", "'-4' is negative: a number of people must be 0 or more"),
        ("unknown_pin_cadre", "unknown cadre 'T999': not in cadres.csv"),
        ("unknown_pin_target", "unknown society 'S09': not in societies.csv"),
        ("chinese_headers", "'X' is not a gender: write M or F (男 or 女)"),
        ("fullwidth_duplicate", "duplicate id 'T003': row 4 already has it; ids must be unique"),
        ("nbsp_in_id", "unknown college 'C 01' (known: C01, C02)"),
        ("workbook_fraction", "'2.5' is not a whole number: write a number of people, 0 or more"),
        (
            "control_character",
            "this cell holds an invisible control character (U+0001) that a spreadsheet "
            "cannot hold: retype the cell",
        ),
        (
            "header_typo",
            "missing required column 'gender' (性别); the column 'gendre' looks like it: "
            "rename it to 'gender'",
        ),
        (
            "unclosed_quote",
            'a double quote (") opens a cell here that is never closed, so the rest of the '
            "file would read as one cell: remove the quote or close it",
        ),
    ],
)
def test_messages_name_the_bad_value_and_what_is_valid(name: str, message: str) -> None:
    [(_, found)] = _problems(_data_path(BROKEN / name))
    assert found == message


def test_unknown_role_lists_every_valid_role() -> None:
    [(_, message)] = _problems(BROKEN / "unknown_role")
    assert "'teacher'" in message
    assert "school_leader (校领导)" in message
    assert "young_teacher (青年教师)" in message


@pytest.mark.parametrize("name", ["utf16", "undecodable", "old_xls", "random_csv"])
def test_encoding_and_format_problems_say_how_to_save(name: str) -> None:
    [(_, message)] = _problems(BROKEN / name)
    assert "CSV UTF-8" in message


def test_long_known_list_shows_first_and_last(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    for i in range(3, 12):
        _append(folder / "colleges.csv", f"C{i:02d},学院{i},石牌")
    _append(folder / "branches.csv", "B09,某支部,C99,石牌,3")
    [(_, message)] = _problems(folder)
    assert message == "unknown college 'C99' (known: C01…C11)"


def test_central_unit_is_free_text_but_college_unit_is_checked(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    _append(folder / "cadres.csv", "T009,孙丽,F,league_cadre,校团委,石牌,yes")
    _append(folder / "cadres.csv", "T010,钱进,M,dept_leader,校团委,石牌,yes")
    [(location, message)] = _problems(folder)
    assert location == ("cadres.csv", 11, "unit")
    assert message.startswith("unknown college '校团委': a dept_leader belongs to a college")


def test_same_table_twice_in_a_workbook(tmp_path: Path) -> None:
    book = openpyxl.load_workbook(BROKEN / "workbook_cell" / "book.xlsx")
    book.copy_worksheet(book["班级"]).title = "classes"
    book.save(tmp_path / "book.xlsx")
    locations = [loc for loc, _ in _problems(tmp_path / "book.xlsx")]
    assert locations == [("book.xlsx[classes]", 0, ""), ("book.xlsx[班级]", 3, "人数")]


def test_missing_path_and_a_csv_file_are_not_data_sets(tmp_path: Path) -> None:
    [(location, _)] = _problems(tmp_path / "nowhere")
    assert location == (str(tmp_path / "nowhere"), 0, "")
    [(location, message)] = _problems(TINY / "cadres.csv")
    assert location == ("cadres.csv", 0, "")
    assert "folder" in message


def test_problems_in_several_files_are_all_reported_in_order(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "societies.csv").unlink()
    _append(folder / "classes.csv", "CL05,新班,C77,2026,石牌,-1,")
    _append(folder / "cadres.csv", "T009,孙丽,W,professor,C01,石牌,yes")
    locations = [loc for loc, _ in _problems(folder)]
    assert locations == [
        ("cadres.csv", 10, "gender"),
        ("classes.csv", 6, "college"),
        ("classes.csv", 6, "size"),
        ("tiny", 0, ""),
    ]


def test_undecodable_byte_is_located_after_a_bom(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    data = (folder / "cadres.csv").read_bytes().replace("张伟".encode(), b"Zhang\xffWei")
    (folder / "cadres.csv").write_bytes(b"\xef\xbb\xbf" + data)
    [(location, message)] = _problems(folder)
    assert location == ("cadres.csv", 4, "")
    assert message.startswith("byte 0xFF cannot be read")


def test_empty_sheet_is_an_error(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "branches.csv").unlink()
    openpyxl.Workbook().save(folder / "branches.xlsx")
    [(location, _)] = _problems(folder)
    assert location == ("branches.xlsx[Sheet]", 0, "")


# --------------------------------------------------------------------------- tricky sets


@pytest.mark.parametrize("name", TRICKY_SETS)
def test_tricky_set_reads_like_plain(name: str, plain: Dataset) -> None:
    path = _data_path(TRICKY / name)
    code, _, stderr = _validate(path)
    assert code == 0, stderr
    ds = read_dataset(path)
    for table in TABLES:
        pd.testing.assert_frame_equal(ds.table(table), plain.table(table))


def test_plain_keeps_ids_as_text_with_leading_zeros(plain: Dataset) -> None:
    assert plain.colleges["id"].tolist() == ["01", "02"]
    assert "007" in plain.cadres["id"].tolist()
    assert plain.cadres.set_index("id").loc["007", "college"] == "01"
    assert plain.dorms["id"].tolist() == ["0101", "0203", "1310"]
    assert plain.previous["target"].tolist() == ["2025010101", "0101"]


def test_blank_rows_are_skipped_but_counted(plain: Dataset) -> None:
    ds = read_dataset(TRICKY / "blank_rows")
    assert ds.classes["row"].tolist() == [2, 4, 6]
    for table in TABLES:
        pd.testing.assert_frame_equal(
            ds.table(table).drop(columns="row"), plain.table(table).drop(columns="row")
        )


def test_unknown_columns_are_dropped_with_a_warning() -> None:
    ds = read_dataset(TRICKY / "extra_column")
    assert ds.warnings == [
        "cadres.csv: column '手机号' is not part of the contract and is ignored",
        "classes.csv: column 'remarks' is not part of the contract and is ignored",
    ]
    assert all("手机号" not in ds.table(t).columns for t in TABLES)
    _, _, stderr = _validate(TRICKY / "extra_column")
    assert "warning: cadres.csv: column '手机号'" in stderr


def test_workbook_sources_share_the_book_hash() -> None:
    book = TRICKY / "workbook" / "book.xlsx"
    ds = read_dataset(book)
    digest = hashlib.sha256(book.read_bytes()).hexdigest()
    assert {s.sha256 for s in ds.sources.values()} == {digest}
    assert ds.sources["classes"].display == "book.xlsx[班级]"
    assert ds.sources["cadres"].display == "book.xlsx[cadres]"


def test_a_folder_holding_only_one_workbook_reads_that_workbook(tmp_path: Path) -> None:
    """``--data FOLDER`` where FOLDER holds just ``book.xlsx``: read it, and say so."""
    shutil.copy(TRICKY / "workbook" / "book.xlsx", tmp_path / "名单.xlsx")
    (tmp_path / "说明.txt").write_text("not a table", encoding="utf-8")
    from_folder = read_dataset(tmp_path)
    from_book = read_dataset(tmp_path / "名单.xlsx")
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(from_folder, name), getattr(from_book, name))
    assert any(
        w.startswith("名单.xlsx: the folder holds no table files") for w in from_folder.warnings
    )
    # Two workbooks: which one is meant is not guessed, and that is said once (issue 14,
    # item 10: a Windows copy gave six "missing table" errors).
    shutil.copy(tmp_path / "名单.xlsx", tmp_path / "名单 - 副本.xlsx")
    problems = _problems(tmp_path)
    assert problems == [
        (
            (tmp_path.name, 0, ""),
            "the folder holds 2 workbooks (名单 - 副本.xlsx, 名单.xlsx) and no table files: keep "
            "the one that is the data set and move the others away, or give --data that "
            "workbook",
        )
    ]


def test_a_title_row_above_the_header_is_named_once(tmp_path: Path) -> None:
    """Issue 14, item 10: a title row above the headers gave six "missing required column"
    errors."""
    folder = _copy_tiny(tmp_path)
    text = (folder / "classes.csv").read_text(encoding="utf-8")
    (folder / "classes.csv").write_text("2026年秋季学期班级名单,,\n" + text, encoding="utf-8")
    assert _problems(folder) == [
        (
            ("classes.csv", 1, ""),
            "row 1 looks like a title, not the header (the column names are in row 2): delete "
            "row 1",
        )
    ]


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (None, "General", ""),
        (12345, "General", "12345"),
        (12345.0, "General", "12345"),
        (7.5, "General", "7.5"),
        (0.1 + 0.2, "General", "0.3"),
        (7, "000", "007"),
        (True, "General", "TRUE"),
        (dt.datetime(2026, 9, 1), "yyyy-mm-dd", "2026-09-01"),
        ("T001", "@", "T001"),
    ],
)
def test_excel_cells_read_as_the_text_a_user_sees(
    value: object, number_format: str, text: str
) -> None:
    assert cell_text(value, number_format) == text


def test_workbooks_with_zero_padded_numbers_are_read_with_their_formats(tmp_path: Path) -> None:
    """calamine reads values without number formats: a workbook whose styles pad numbers with
    zeros (the number 7 shown as 007) is read with openpyxl, so the id stays 007; any other
    workbook takes the fast reader and gives the same text."""
    padded = TRICKY / "workbook" / "book.xlsx"
    assert zero_padding_in_use(padded.read_bytes())
    assert "007" in set(read_dataset(padded).cadres["id"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", 7, 12345.0, dt.datetime(2026, 9, 1), True, 0.1 + 0.2])
    sheet["B1"].number_format = "0.00"
    book.save(tmp_path / "plain.xlsx")
    data = (tmp_path / "plain.xlsx").read_bytes()
    assert not zero_padding_in_use(data)
    grid = open_book(data).grid("Sheet")
    assert grid.loc[1].tolist() == ["id", "7", "12345", "2026-09-01", "TRUE", "0.3"]
    sheet["B1"].number_format = "000"
    book.save(tmp_path / "padded.xlsx")
    padded_grid = open_book((tmp_path / "padded.xlsx").read_bytes()).grid("Sheet")
    assert padded_grid.loc[1].tolist() == ["id", "007", "12345", "2026-09-01", "TRUE", "0.3"]


def test_decimal_number_in_a_text_column_stays_as_shown(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "branches.csv").unlink()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "name", "college", "campus", "members"])
    sheet.append([1, 7.5, "C01", "石牌", 25.0])
    sheet.append(["B02", "信息学院本科生第一党支部", "C02", "番禺", 30])
    book.save(folder / "党支部.xlsx")
    ds = read_dataset(folder)
    assert ds.branches[["id", "name"]].values.tolist() == [
        ["1", "7.5"],
        ["B02", "信息学院本科生第一党支部"],
    ]
    assert ds.branches["members"].tolist() == [25, 30]
    assert ds.sources["branches"].display == "党支部.xlsx[Sheet]"


def test_headers_match_english_case_insensitively(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    text = (folder / "colleges.csv").read_text(encoding="utf-8")
    (folder / "colleges.csv").write_text(text.replace("id,name,campus", "ID, Name ,CAMPUS"))
    assert read_dataset(folder).colleges["id"].tolist() == ["C01", "C02"]


# --------------------------------------------------------------------------- the tiny set


def test_tiny_is_valid_without_warnings(tiny: Dataset) -> None:
    assert tiny.warnings == []
    counts = {t: len(tiny.table(t)) for t in TABLES}
    assert counts == {
        "colleges": 2,
        "cadres": 8,
        "classes": 4,
        "dorms": 4,
        "societies": 3,
        "branches": 2,
        "previous": 4,
        "pins": 2,
    }


def test_canonical_columns_and_types(tiny: Dataset) -> None:
    for name, table in TABLES.items():
        columns = [c.name for c in table.columns] + ["row"]
        if name == "cadres":
            columns += ["central", "college"]
        assert list(tiny.table(name).columns) == columns, name
        assert tiny.table(name)["row"].dtype == "int64"
    assert tiny.classes["size"].dtype == "int64"
    assert tiny.classes["grade"].dtype == "int64"
    assert tiny.dorms["grade"].dtype == "Int64"
    assert tiny.cadres["available"].dtype == bool
    assert tiny.cadres["available"].tolist().count(False) == 1
    assert tiny.cadres.set_index("id").loc["T001", "college"] is None
    assert tiny.cadres.set_index("id").loc["T004", "college"] == "C01"
    assert tiny.societies["college"].tolist() == ["C01", None, "C02"]
    assert all(isinstance(v, str) for v in tiny.classes["id"])


def test_sources_name_every_file_with_its_hash(tiny: Dataset) -> None:
    assert list(tiny.sources) == list(TABLES)
    for name, source in tiny.sources.items():
        assert source.display == f"{name}.csv"
        assert source.sha256 == hashlib.sha256(Path(source.path).read_bytes()).hexdigest()


def test_optional_tables_may_be_absent(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "previous.csv").unlink()
    (folder / "pins.csv").unlink()
    ds = read_dataset(folder)
    assert list(ds.previous.columns) == ["cadre", "kind", "target", "row"]
    assert list(ds.pins.columns) == ["cadre", "kind", "target", "rule", "row"]
    assert ds.previous.empty and ds.pins.empty
    assert "previous" not in ds.sources


def test_header_only_table_is_valid(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    (folder / "branches.csv").write_text("id,name,college,campus,members\n", encoding="utf-8")
    ds = read_dataset(folder)
    assert ds.branches.empty
    assert list(ds.branches.columns) == ["id", "name", "college", "campus", "members", "row"]
    assert ds.warnings == [
        "previous.csv:3:target: branch 'B01' no longer exists (dissolved?); the contact ends"
    ]


def test_previous_naming_the_departed_is_a_warning(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    _append(folder / "previous.csv", "T404,class,CL01")
    _append(folder / "previous.csv", "T004,班级,CL0901")
    code, _, stderr = _validate(folder)
    assert code == 0
    assert stderr.splitlines() == [
        "warning: previous.csv:6:cadre: cadre 'T404' is no longer on the roster; the contact ends",
        "warning: previous.csv:7:target: class 'CL0901' no longer exists (it graduated?); "
        "the contact ends",
    ]


def test_a_dorm_room_no_longer_in_the_data_did_not_graduate(tmp_path: Path) -> None:
    """Issue 14, item 10: "dorm … no longer exists (e.g. it graduated)" (dorms don't graduate)."""
    folder = _copy_tiny(tmp_path)
    _append(folder / "previous.csv", "T004,dorm,GONE-101")
    code, _, stderr = _validate(folder)
    assert code == 0
    assert stderr.splitlines()[-1] == (
        "warning: previous.csv:6:target: dorm room 'GONE-101' is no longer in the data; the "
        "contact ends"
    )


def test_cadre_whose_college_has_no_target_is_a_warning(tmp_path: Path) -> None:
    folder = _copy_tiny(tmp_path)
    _append(folder / "colleges.csv", "C03,新学院,珠海")
    _append(folder / "cadres.csv", "T009,孙丽,F,professor,C03,珠海,yes")
    _append(folder / "cadres.csv", "T010,钱进,M,professor,C03,珠海,no")  # on leave: no warning
    ds = read_dataset(folder)
    assert ds.warnings == [
        "cadres.csv:10:unit: college 'C03' has no class, dorm, party branch or society, "
        "so cadre 'T009' (professor) can hold no target"
    ]


# --------------------------------------------------------------------------- summary


def test_validate_prints_the_summary(tiny: Dataset) -> None:
    code, stdout, stderr = _validate(TINY)
    assert code == 0, stderr
    assert stdout == summarize(tiny) + "\n"


def test_summary_is_plain_aligned_text(tiny: Dataset) -> None:
    text = summarize(tiny)
    assert "\x1b" not in text
    lines = text.splitlines()
    assert lines[0] == "Data set: 2 colleges, 8 cadres (7 available, 1 on leave), 13 targets"
    assert "  young_teacher   青年教师           1         1" in lines
    assert "  T006  赵敏  (young_teacher, C01)" in lines
    assert "Previous plan: 4 assignments (2 classes, 1 dorm, 1 branch)" in lines
    assert "Pins: 2 (1 require, 1 forbid)" in lines
    colleges = lines[lines.index("Colleges") :]  # the capacity table lists them again
    college_rows = [line for line in colleges if line.startswith(("  C01 ", "  C02 "))][:2]
    assert len(college_rows) == 2
    assert college_rows[0].split()[-6:] == ["2", "1", "2", "2", "1", "1"]
