"""Fuzzing the readers (hypothesis): no input, however broken, produces a traceback.

Whatever bytes or tables a user hands over, :func:`planner.io.readers.read_dataset` either returns
a data set that keeps the contract's promises (ids are unique non-empty text, every reference
resolves) or raises :class:`~planner.errors.InputError` whose every problem is located in a
file the user gave, at a row that exists. ``planner validate`` then exits 0 or 2, never with a
traceback or an internal error.

The runs are derandomized, so the suite is deterministic, and small (under 100 examples
in all, each a whole read of a data set). To fuzz harder locally, multiply the examples with
``PLANNER_FUZZ_SCALE`` (e.g. 20) and set ``PLANNER_FUZZ_RANDOM=1`` for fresh random inputs.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from planner.cli import cli
from planner.contract import TABLES, Role
from planner.dataset import Dataset
from planner.errors import InputError
from planner.io.readers import CELL_LIMIT, CONTROL, read_dataset

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"

SCALE = float(os.environ.get("PLANNER_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Settings of a fuzz test: ``examples`` (times ``PLANNER_FUZZ_SCALE``), no deadline."""
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        derandomize=not os.environ.get("PLANNER_FUZZ_RANDOM"),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


TABLE_NAMES = list(TABLES)

# --------------------------------------------------------------------------- strategies

# Cells a user might really type, plus the awkward ones: formulas, odd spaces, full-width
# digits, quotes and separators, numbers that are not whole, ids with leading zeros.
_WORDS = [
    "C01", "C02", "T001", "T004", "T008", "CL01", "CL04", "D001", "S02", "B01", "007", "0",
    "30", "2026", "1990", "-4", "3.5", "1e3", "M", "F", "男", "女", "yes", "no", "是", "否",
    "TRUE", "class", "dorm", "society", "branch", "班级", "宿舍", "require", "forbid", "禁止",
    "石牌", "番禺", "文学院", "=1+1", "@SUM(A1)", "+86 138", "-x", "C０１", "Ｔ００１",
    " C01 ", "\u00a0T001\u3000", "\u200bC02", "\ufeffid", "a,b", 'say "hi"', "line\nbreak",
    "", " ", "\t", "#N/A", "NaN", "None", "null",
] + [role.value for role in Role]  # fmt: skip

_cell = st.one_of(
    st.sampled_from(_WORDS),
    st.text(max_size=12),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
)


def _headers(table: str) -> st.SearchStrategy[list[str]]:
    """A header row for ``table``: its columns in English or Chinese, shuffled, some dropped,
    some repeated, some unknown, odd case."""
    names = [c.name for c in TABLES[table].columns] + [c.alias for c in TABLES[table].columns]
    pool = names + [n.upper() for n in names] + ["手机号", "remarks", "", " id "]
    return st.lists(st.sampled_from(pool), min_size=0, max_size=10)


@st.composite
def tables(draw: st.DrawFn, table: str) -> list[list[str]]:
    """A table of text: a (possibly odd) header, then rows of any width."""
    header = draw(st.one_of(st.just([c.name for c in TABLES[table].columns]), _headers(table)))
    width = max(len(header), 1)
    rows = draw(
        st.lists(
            st.lists(_cell, min_size=0, max_size=width + 2),
            max_size=8,
        )
    )
    return [header, *rows]


def _excel_value(text: str, kind: int) -> Any:
    """The cell as Excel might hold it: text, a number, a float, a boolean or a date."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    digits = text.strip().lstrip("-")
    if kind == 1 and digits.isdigit() and digits.isascii() and len(digits) < 16:
        return int(text)
    if kind == 2 and digits.isdigit() and digits.isascii() and len(digits) < 16:
        return float(text) + (0.5 if len(digits) % 2 else 0.0)
    if kind == 3:
        return text in ("yes", "是", "TRUE")
    if kind == 4 and text:
        return dt.datetime(2026, 9, 1, 8, 30) if len(text) % 2 else dt.date(2025, 3, 1)
    return text


# --------------------------------------------------------------------------- writing


def _csv_bytes(rows: list[list[str]], encoding: str, raw: bool) -> bytes:
    """Rows as CSV: properly quoted, or ``raw`` (joined with commas, as a careless tool would)."""
    if raw:
        text = "\n".join(",".join(row) for row in rows)
    else:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        text = out.getvalue()
    return text.encode(encoding, errors="replace")


def _xlsx_bytes(sheets: dict[str, list[list[str]]], kinds: list[int]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for r, row in enumerate(rows):
            sheet.append([_excel_value(v, kinds[(r + c) % len(kinds)]) for c, v in enumerate(row)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@contextmanager
def tiny_copy() -> Iterator[Path]:
    """A fresh copy of the tiny data set (hypothesis runs many examples per test)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(TINY, folder)
        yield folder


def _replace(folder: Path, table: str, name: str, data: bytes) -> None:
    for old in folder.glob(f"{table}.*"):
        old.unlink()
    (folder / name).write_bytes(data)


# --------------------------------------------------------------------------- properties


def assert_read_safely(path: Path) -> Dataset | None:
    """Read ``path``: a sane data set, or located problems; anything else fails the test."""
    try:
        dataset = read_dataset(path)
    except InputError as exc:
        assert exc.problems, "an InputError must list at least one problem"
        _assert_located(path, exc)
        return None
    _assert_sane(dataset)
    return dataset


def _assert_located(path: Path, exc: InputError) -> None:
    """Every problem names a file the user gave, an existing row, and a plain message."""
    if path.is_dir():
        files = {p.name: p for p in path.iterdir()}
        known = set(files) | {path.name}
    else:
        files = {path.name: path}
        known = {path.name, str(path)}
    for problem in exc.problems:
        base = problem.file.split("[", 1)[0]
        assert base in known, (problem, sorted(known))
        assert problem.row >= 0, problem
        if base in files and files[base].is_file():
            data = files[base].read_bytes()
            if files[base].suffix == ".csv":
                lines = data.count(b"\n") + data.count(b"\r") + 1
                assert problem.row <= lines, (problem, lines)
        assert problem.message and "Traceback" not in problem.message
        assert "\n" not in problem.column, problem


def _assert_sane(dataset: Dataset) -> None:
    """A data set that was read keeps the contract: text ids, unique, references resolve,
    and every text fits a spreadsheet cell (no control characters, not too long)."""
    colleges = set(dataset.colleges["id"])
    for name in TABLES:
        frame = dataset.table(name)
        for column in frame.columns:
            for value in frame[column]:
                if isinstance(value, str):
                    assert len(value) <= CELL_LIMIT and not CONTROL.search(value), (name, value)
        if "id" in frame:
            ids = frame["id"].tolist()
            assert all(isinstance(i, str) and i and i == i.strip() for i in ids), name
            assert len(set(ids)) == len(ids), name
        for column in ("college",):
            if column in frame and name != "cadres":
                given = set(frame[column].dropna()) - {""}
                assert given <= colleges, (name, given - colleges)
    assert dataset.classes["size"].ge(0).all()
    cadres = set(dataset.cadres["id"])
    assert set(dataset.pins["cadre"]) <= cadres
    targets = set(zip(dataset.targets()["kind"], dataset.targets()["id"], strict=True))
    assert set(zip(dataset.pins["kind"], dataset.pins["target"], strict=True)) <= targets


def assert_validate_exits_cleanly(path: Path) -> None:
    """``planner validate``: exit 0 or 2, never a traceback or an internal error."""
    result = CliRunner().invoke(cli, ["validate", "--data", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 2), (result.exit_code, result.stderr)
    assert "Traceback" not in result.output and "internal error" not in result.stderr
    if result.exit_code == 2:
        assert result.stderr.startswith("The input has ")


# --------------------------------------------------------------------------- tests


@fuzz(20)
@given(
    table=st.sampled_from(TABLE_NAMES),
    suffix=st.sampled_from([".csv", ".xlsx"]),
    data=st.one_of(
        st.binary(min_size=1, max_size=3000),
        st.binary(max_size=200).map(lambda b: b"\xef\xbb\xbf" + b),
        st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
        st.binary(max_size=200).map(lambda b: b"id,name,campus\n" + b),
    ),
)
def test_arbitrary_bytes_as_a_table_file(table: str, suffix: str, data: bytes) -> None:
    with tiny_copy() as folder:
        _replace(folder, table, table + suffix, data)
        assert_read_safely(folder)


@fuzz(10)
@given(
    table=st.sampled_from(TABLE_NAMES),
    mode=st.sampled_from(["flip", "truncate", "insert"]),
    position=st.floats(min_value=0, max_value=1),
    noise=st.binary(min_size=1, max_size=40),
)
def test_damaged_valid_files(table: str, mode: str, position: float, noise: bytes) -> None:
    """A valid CSV or workbook with bytes flipped, cut off, or inserted."""
    with tiny_copy() as folder:
        source = folder / f"{table}.csv"
        rows = list(csv.reader(io.StringIO(source.read_text(encoding="utf-8"))))
        for data, name in (
            (source.read_bytes(), f"{table}.csv"),
            (_xlsx_bytes({"Sheet1": rows}, [0, 1]), f"{table}.xlsx"),
        ):
            at = int(position * (len(data) - 1))
            if mode == "flip":
                damaged = data[:at] + bytes(b ^ 0x5A for b in noise) + data[at + len(noise) :]
            elif mode == "truncate":
                damaged = data[: max(at, 1)]
            else:
                damaged = data[:at] + noise + data[at:]
            _replace(folder, table, name, damaged)
            assert_read_safely(folder)


@fuzz(20)
@given(
    table=st.sampled_from(TABLE_NAMES),
    rows=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    raw=st.booleans(),
)
def test_arbitrary_csv_tables(table: str, rows: st.DataObject, encoding: str, raw: bool) -> None:
    grid = rows.draw(tables(table))
    with tiny_copy() as folder:
        _replace(folder, table, f"{table}.csv", _csv_bytes(grid, encoding, raw))
        assert_read_safely(folder)


@fuzz(12)
@given(
    table=st.sampled_from(TABLE_NAMES),
    rows=st.data(),
    kinds=st.lists(st.integers(0, 4), min_size=1, max_size=5),
    chinese_title=st.booleans(),
)
def test_arbitrary_workbook_sheets(
    table: str, rows: st.DataObject, kinds: list[int], chinese_title: bool
) -> None:
    """One workbook for the whole data set; one sheet replaced by an arbitrary table of typed
    cells (numbers, floats, booleans, dates as Excel stores them)."""
    grid = rows.draw(tables(table))
    sheets: dict[str, list[list[str]]] = {}
    for name in TABLE_NAMES:
        tiny_rows = list(csv.reader(io.StringIO((TINY / f"{name}.csv").read_text("utf-8"))))
        title = TABLES[name].alias if chinese_title else name
        sheets[title] = grid if name == table else tiny_rows
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book.xlsx"
        book.write_bytes(_xlsx_bytes(sheets, kinds))
        assert_read_safely(book)


@fuzz(6)
@given(
    tables_=st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=3, unique=True),
    rows=st.data(),
)
def test_validate_never_shows_a_traceback(tables_: list[str], rows: st.DataObject) -> None:
    """Several tables replaced at once, through the command line."""
    with tiny_copy() as folder:
        for table in tables_:
            grid = rows.draw(tables(table))
            _replace(folder, table, f"{table}.csv", _csv_bytes(grid, "utf-8", raw=False))
        assert_validate_exits_cleanly(folder)


@fuzz(8)
@given(names=st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4))
def test_arbitrary_file_names_in_the_folder(names: list[str]) -> None:
    """Stray files with any names (that the file system accepts) next to the tables."""
    with tiny_copy() as folder:
        for name in names:
            try:
                (folder / name).write_bytes(b"id,name\n1,x\n")
            except (OSError, ValueError):  # e.g. "/" or NUL in the name
                continue
        assert_read_safely(folder)


# --------------------------------------------------------------------------- regressions


def test_a_huge_cell_in_a_ragged_row_is_located(tmp_path: Path) -> None:
    """Regression: a cell over 128 KiB in a row with too many cells crashed the csv module
    (``field larger than field limit``)."""
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    with (folder / "classes.csv").open("a", encoding="utf-8") as f:
        f.write("CL05,n,C01,2026,石牌,3,m," + "x" * 200_000 + "\n")
    with pytest.raises(InputError) as info:
        read_dataset(folder)
    assert [(p.file, p.row) for p in info.value.problems] == [("classes.csv", 6)]


def test_a_damaged_zip_inside_a_workbook_is_located(tmp_path: Path) -> None:
    """A workbook whose zip is intact but whose sheet XML is garbage."""
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    (folder / "branches.csv").unlink()
    good = io.BytesIO(_xlsx_bytes({"Sheet1": [["id", "name"], ["B01", "x"]]}, [0]))
    damaged = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = data[: len(data) // 2] + b"<<<not xml"
            dst.writestr(item, data)
    (folder / "branches.xlsx").write_bytes(damaged.getvalue())
    with pytest.raises(InputError) as info:
        read_dataset(folder)
    assert [p.file.split("[")[0] for p in info.value.problems] == ["branches.xlsx"]
