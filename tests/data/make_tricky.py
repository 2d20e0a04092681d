"""Write the reader test data sets: ``tricky/`` (valid, awkwardly written) and ``broken/``.

Run once from the repository root after changing it (``python tests/data/make_tricky.py``) and
commit what it writes; the tests only read the files. It exists because several sets are binary
(xlsx, GB18030, UTF-16, damaged files) and because every broken set is the hand-written
``tiny/`` set with exactly one thing wrong, which is easiest to keep true by deriving it.

``tricky/plain/`` is the reference: every other ``tricky/`` set holds the same data and must read
to the same frames.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from planner.contract import (
    BOOL_ALIASES,
    GENDER_ALIASES,
    KIND_LABELS_ZH,
    ROLE_LABELS_ZH,
    TABLES,
    Kind,
    Role,
)

HERE = Path(__file__).resolve().parent
TINY = HERE / "tiny"
TRICKY = HERE / "tricky"
BROKEN = HERE / "broken"

Rows = list[list[str]]

# The reference data: numeric-looking ids with leading zeros, as colleges really number them.
PLAIN: dict[str, Rows] = {
    "colleges": [
        ["id", "name", "campus"],
        ["01", "文学院", "石牌"],
        ["02", "信息科学技术学院", "番禺"],
    ],
    "cadres": [
        ["id", "name", "gender", "role", "unit", "campus", "available"],
        ["20051", "王建国", "M", "school_leader", "校长办公室", "石牌", "yes"],
        ["20052", "李秀英", "F", "office_leader", "教务处", "石牌", "yes"],
        ["007", "张伟", "M", "college_leader", "01", "石牌", "yes"],
        ["20054", "陈静", "F", "young_teacher", "01", "石牌", "no"],
        ["20055", "黄磊", "M", "professor", "02", "番禺", "yes"],
        ["20056", "周婷", "F", "young_teacher", "02", "番禺", "yes"],
    ],
    "classes": [
        ["id", "name", "college", "grade", "campus", "size", "major"],
        ["2025010101", "汉语言文学2025级1班", "01", "2025", "石牌", "32", "汉语言文学"],
        ["2026010101", "汉语言文学2026级1班", "01", "2026", "石牌", "30", ""],
        ["2025020101", "计算机2025级1班", "02", "2025", "番禺", "45", "计算机科学与技术"],
    ],
    "dorms": [
        ["id", "building", "room", "campus", "gender", "residents", "college", "grade"],
        ["0101", "真如苑1栋", "101", "石牌", "M", "4", "01", "2026"],
        ["0203", "真如苑2栋", "203", "石牌", "F", "4", "01", ""],
        ["1310", "榕园3栋", "310", "番禺", "M", "4", "02", "2025"],
    ],
    "societies": [
        ["id", "name", "campus", "members", "college"],
        ["S01", "文学社", "石牌", "60", "01"],
        ["S02", "校合唱团", "石牌", "80", ""],
    ],
    "branches": [
        ["id", "name", "college", "campus", "members"],
        ["B01", "文学院本科生第一党支部", "01", "石牌", "25"],
        ["B02", "信息学院本科生第一党支部", "02", "番禺", "30"],
    ],
    "previous": [
        ["cadre", "kind", "target"],
        ["20051", "class", "2025010101"],
        ["007", "dorm", "0101"],
    ],
    "pins": [
        ["cadre", "kind", "target", "rule"],
        ["20056", "class", "2025020101", "require"],
        ["20052", "society", "S02", "forbid"],
    ],
}

# Columns whose words have a Chinese spelling, and the translation of each word.
_ZH_WORDS: dict[str, dict[str, str]] = {
    "gender": {en: zh for zh, en in GENDER_ALIASES.items() if len(zh) == 1 and not zh.isascii()},
    "role": {role.value: ROLE_LABELS_ZH[role] for role in Role},
    "available": {"yes": "是", "no": "否"},
    "kind": {kind.value: KIND_LABELS_ZH[kind] for kind in Kind},
    "rule": {"require": "指定", "forbid": "禁止"},
}
assert {"yes", "no"} <= BOOL_ALIASES.keys()

# Cells that Excel would store as numbers, and the number format that shows leading zeros.
_NUMERIC_COLUMNS = {
    "colleges": {"id"},
    "cadres": {"id", "unit"},
    "classes": {"id", "college", "grade", "size"},
    "dorms": {"id", "room", "residents", "college", "grade"},
    "societies": {"members", "college"},
    "branches": {"college", "members"},
    "previous": {"cadre", "target"},
    "pins": {"cadre", "target"},
}


def _csv_text(rows: Rows, newline: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=newline).writerows(rows)
    return out.getvalue()


def _write_csv(path: Path, rows: Rows, encoding: str = "utf-8", newline: str = "\n") -> None:
    path.write_bytes(_csv_text(rows, newline).encode(encoding))


def _chinese(table: str, rows: Rows) -> Rows:
    """Chinese headers and vocabulary, columns in reverse order."""
    columns = {c.name: c for c in TABLES[table].columns}
    header = rows[0]
    out = [[columns[name].alias for name in header]]
    for row in rows[1:]:
        out.append(
            [
                _ZH_WORDS.get(name, {}).get(value, value)
                for name, value in zip(header, row, strict=True)
            ]
        )
    return [list(reversed(r)) for r in out]


def _fill_sheet(
    sheet: Any, table: str, rows: Rows, as_numbers: bool = True, floats: bool = False
) -> None:
    """Write ``rows`` as Excel would hold them: numbers as numbers, yes/no as booleans.

    With ``floats`` every number is stored as a float (``12345.0``), as some tools write them.
    """
    numeric = _NUMERIC_COLUMNS[table] if as_numbers else set()
    english = {c.alias: c.name for c in TABLES[table].columns}
    names = [english.get(h, h) for h in rows[0]]
    sheet.append(rows[0])
    for r, row in enumerate(rows[1:], start=2):
        for c, (name, value) in enumerate(zip(names, row, strict=True), start=1):
            cell = sheet.cell(row=r, column=c)
            if name in numeric and value.isdigit():
                cell.value = float(value) if floats else int(value)
                if value.startswith("0"):
                    cell.number_format = "0" * len(value)  # Excel shows 007, holds 7
            elif name == "size" and as_numbers:
                cell.value = float(value)  # a whole-number float: Excel shows 32
            elif name == "available":
                cell.value = BOOL_ALIASES[value]
            else:
                cell.value = value


def make_tricky() -> None:
    """Write ``tricky/``: the same data as ``plain/``, written in every awkward way."""
    shutil.rmtree(TRICKY, ignore_errors=True)
    sets = {name: TRICKY / name for name in _TRICKY_NAMES}
    for folder in sets.values():
        folder.mkdir(parents=True)
    for table, rows in PLAIN.items():
        _write_csv(sets["plain"] / f"{table}.csv", rows)
        _write_csv(sets["utf8_bom"] / f"{table}.csv", rows, "utf-8-sig", "\r\n")
        _write_csv(sets["gb18030"] / f"{TABLES[table].alias}.csv", _chinese(table, rows), "gb18030")
        _write_csv(sets["chinese"] / f"{TABLES[table].alias}.csv", _chinese(table, rows))
        _write_csv(sets["fullwidth"] / f"{table}.csv", _fullwidth(rows))
        _write_csv(sets["blank_rows"] / f"{table}.csv", _with_blank_rows(rows), newline="\r\n")
        _write_csv(sets["extra_column"] / f"{table}.csv", _with_extra_column(table, rows))

    # Every file of one folder in another encoding or format.
    encodings = ["utf-8", "utf-8-sig", "gb18030", "gb18030", "utf-8-sig", "utf-8", "gb18030"]
    for i, (table, rows) in enumerate(PLAIN.items()):
        if i == len(encodings):
            book = openpyxl.Workbook()
            _fill_sheet(book.active, table, rows)
            book.save(sets["mixed_encodings"] / f"{table}.xlsx")
            continue
        chinese = encodings[i] == "gb18030" and i % 2 == 0
        name = TABLES[table].alias if chinese else table
        _write_csv(
            sets["mixed_encodings"] / f"{name}.csv",
            _chinese(table, rows) if chinese else rows,
            encodings[i],
            "\r\n" if i % 2 else "\n",
        )

    # One .xlsx per table, every number stored as a floating-point number (2025010101.0).
    for table, rows in PLAIN.items():
        book = openpyxl.Workbook()
        _fill_sheet(book.active, table, rows, floats=True)
        book.save(sets["xlsx_floats"] / f"{table}.xlsx")

    # One workbook, sheets named in both languages, a notes sheet first that is not a table.
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "说明"
    notes.append(["这是2026年秋季学期的数据"])
    for i, (table, rows) in enumerate(PLAIN.items()):
        name = TABLES[table].alias if i % 2 == 0 else table
        _fill_sheet(book.create_sheet(name), table, rows)
    book.save(sets["workbook"] / "book.xlsx")

    # A folder mixing .xlsx (numbers stored as numbers, Chinese headers) and .csv files.
    mixed = sets["mixed"]
    for table, rows in PLAIN.items():
        if table in ("cadres", "classes", "previous"):
            book = openpyxl.Workbook()
            sheet = book.active
            sheet.title = "Sheet1"
            _fill_sheet(sheet, table, _chinese(table, rows) if table == "cadres" else rows)
            book.create_sheet("ignored").append(["only the first sheet is read"])
            book.save(mixed / f"{TABLES[table].alias if table == 'cadres' else table}.xlsx")
        else:
            _write_csv(mixed / f"{table}.csv", rows, "gb18030" if table == "dorms" else "utf-8")


_TRICKY_NAMES = (
    "plain",
    "utf8_bom",
    "gb18030",
    "chinese",
    "workbook",
    "mixed",
    "fullwidth",
    "blank_rows",
    "extra_column",
    "mixed_encodings",
    "xlsx_floats",
)

_FULLWIDTH = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ",
)


def _fullwidth(rows: Rows) -> Rows:
    """Full-width digits and letters, cells padded with odd spaces (NBSP, ideographic)."""
    pads = [" ", "\u00a0", "\u3000", "\t"]
    out = [rows[0]]
    for i, row in enumerate(rows[1:]):
        out.append(
            [
                f"{pads[(i + j) % 4]}{value.translate(_FULLWIDTH)}{pads[(i + j + 1) % 4]}"
                if value
                else value
                for j, value in enumerate(row)
            ]
        )
    return out


def _with_blank_rows(rows: Rows) -> Rows:
    """An empty row after every data row, and a row of empty cells at the end."""
    out = [rows[0]]
    for row in rows[1:]:
        out += [row, []]
    return [*out, [""] * len(rows[0])]


def _with_extra_column(table: str, rows: Rows) -> Rows:
    """Cadres get a phone number column, classes a notes column: neither may be carried on."""
    extra = {"cadres": ("手机号", "13800000000"), "classes": ("remarks", "note")}.get(table)
    if extra is None:
        return rows
    return [[*rows[0], extra[0]], *[[*row, extra[1]] for row in rows[1:]]]


# --------------------------------------------------------------------------- broken sets


def _edit(folder: Path, file: str, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in ``folder/file``; it must occur exactly ``count`` times."""
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, (file, old, text.count(old))
    path.write_text(text.replace(old, new), encoding="utf-8")


def _tiny_rows(file: str) -> Rows:
    return list(csv.reader(io.StringIO((TINY / file).read_text(encoding="utf-8"))))


def _tiny_book(folder: Path, skip: str = "") -> openpyxl.Workbook:
    """The tiny set as one workbook with Chinese sheet names and headers."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for table in TABLES.values():
        if table.name == skip:
            continue
        rows = _chinese(table.name, _tiny_rows(f"{table.name}.csv"))
        _fill_sheet(book.create_sheet(table.alias), table.name, rows, as_numbers=False)
    for csv_file in folder.glob("*.csv"):
        csv_file.unlink()
    return book


def _broken_workbook_cell(d: Path) -> None:
    book = _tiny_book(d)
    sheet = book["班级"]
    size_col = [c.value for c in sheet[1]].index("人数") + 1
    sheet.cell(row=3, column=size_col).value = "三十"
    book.save(d / "book.xlsx")


def _broken_workbook_sheet(d: Path) -> None:
    _tiny_book(d, skip="societies").save(d / "book.xlsx")


def _truncated_xlsx(d: Path) -> None:
    (d / "branches.csv").unlink()
    book = openpyxl.Workbook()
    _fill_sheet(book.active, "branches", _tiny_rows("branches.csv"), as_numbers=False)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    (d / "branches.xlsx").write_bytes(data[: len(data) // 2])


def _random_xlsx(d: Path) -> None:
    (d / "classes.csv").unlink()
    (d / "classes.xlsx").write_bytes(random.Random(7).randbytes(600))


def _utf16(d: Path) -> None:
    text = (d / "colleges.csv").read_text(encoding="utf-8")
    (d / "colleges.csv").write_bytes(text.encode("utf-16"))


def _undecodable(d: Path) -> None:
    data = (d / "cadres.csv").read_bytes()
    (d / "cadres.csv").write_bytes(data.replace("刘洋".encode(), b"Liu\xff\xfeYang"))


def _duplicate_column(d: Path) -> None:
    """The id column twice: once as ``id``, once as its alias 班级编号."""
    rows = _tiny_rows("classes.csv")
    _write_csv(d / "classes.csv", [[*rows[0], "班级编号"], *[[*r, r[0]] for r in rows[1:]]])


def _chinese_headers(d: Path) -> None:
    rows = _chinese("cadres", _tiny_rows("cadres.csv"))
    (d / "cadres.csv").unlink()
    rows[3][rows[0].index("性别")] = "X"  # row 4: 张伟
    _write_csv(d / "联系人.csv", rows)


def _random_csv(d: Path) -> None:
    """Random bytes named cadres.csv (neither UTF-8 nor GB18030)."""
    data = random.Random(11).randbytes(800)
    (d / "cadres.csv").write_bytes(data.replace(b"\x00", b"x"))


def _mixed_encodings(d: Path) -> None:
    """Each file in another encoding: two are readable (GB18030, UTF-8 with BOM), two are not
    (UTF-16, and a byte that is neither UTF-8 nor GB18030)."""
    for name, encoding in (("colleges.csv", "gb18030"), ("classes.csv", "utf-8-sig")):
        (d / name).write_bytes((d / name).read_text(encoding="utf-8").encode(encoding))
    (d / "cadres.csv").write_bytes((d / "cadres.csv").read_text(encoding="utf-8").encode("utf-16"))
    data = (d / "dorms.csv").read_bytes()
    (d / "dorms.csv").write_bytes(data.replace("榕园3栋".encode(), b"\xff\xfe 3"))


def _workbook_fraction(d: Path) -> None:
    """One workbook, numbers stored as numbers; a number of residents is 2.5."""
    book = _tiny_book(d)
    for table in TABLES.values():
        sheet = book[table.alias]
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.isdigit():
                    cell.value = int(cell.value)
    sheet = book["宿舍"]
    residents = [c.value for c in sheet[1]].index("人数") + 1
    sheet.cell(row=4, column=residents).value = 2.5
    book.save(d / "book.xlsx")


BROKEN_SETS: dict[str, Callable[[Path], object]] = {
    "missing_table": lambda d: (d / "societies.csv").unlink(),
    "missing_column": lambda d: _write_csv(
        d / "classes.csv", [r[:2] + r[3:] for r in _tiny_rows("classes.csv")]
    ),
    "empty_cell": lambda d: _edit(d, "cadres.csv", "T005,刘洋,", "T005,,"),
    "bad_int": lambda d: _edit(d, "classes.csv", "石牌,30,", "石牌,thirty,"),
    "negative_size": lambda d: _edit(d, "dorms.csv", "M,4,C02", "M,-4,C02"),
    "bad_gender": lambda d: _edit(d, "cadres.csv", "张伟,M,", "张伟,X,"),
    "unknown_role": lambda d: _edit(d, "cadres.csv", "F,young_teacher,C02", "F,teacher,C02"),
    "bad_available": lambda d: _edit(d, "cadres.csv", "石牌,no", "石牌,maybe"),
    "duplicate_id": lambda d: _edit(d, "dorms.csv", "D004,", "D002,"),
    "unknown_college": lambda d: _edit(d, "classes.csv", "1班,C01,2026", "1班,C99,2026"),
    "unknown_unit": lambda d: _edit(d, "cadres.csv", "professor,C01", "professor,C99"),
    "unknown_society_college": lambda d: _edit(d, "societies.csv", "40,C02", "40,C09"),
    "unknown_pin_cadre": lambda d: _edit(d, "pins.csv", "T008,", "T999,"),
    "unknown_pin_target": lambda d: _edit(d, "pins.csv", "S02,", "S09,"),
    "bad_kind": lambda d: _edit(d, "previous.csv", "dorm,", "room,"),
    "bad_rule": lambda d: _edit(d, "pins.csv", "forbid", "never"),
    "bad_grade": lambda d: _edit(d, "classes.csv", "C01,2025,", "C01,25,"),
    "zero_byte": lambda d: (d / "dorms.csv").write_bytes(b""),
    "blank_file": lambda d: (d / "branches.csv").write_bytes(b"\r\n , \r\n"),
    "utf16": _utf16,
    "undecodable": _undecodable,
    "same_table_twice": lambda d: shutil.copy(d / "classes.csv", d / "班级.csv"),
    "random_xlsx": _random_xlsx,
    "truncated_xlsx": _truncated_xlsx,
    "old_xls": lambda d: (d / "branches.csv").rename(d / "branches.xls"),
    "duplicate_column": _duplicate_column,
    "ragged_row": lambda d: _edit(d, "classes.csv", "30,汉语言文学\n", "30,汉语言,文学\n"),
    "chinese_headers": _chinese_headers,
    "workbook_cell": _broken_workbook_cell,
    "workbook_missing_sheet": _broken_workbook_sheet,
    "workbook_fraction": _workbook_fraction,
    "random_csv": _random_csv,
    "mixed_encodings": _mixed_encodings,
    "missing_cadres": lambda d: (d / "cadres.csv").unlink(),
    "header_typo": lambda d: _edit(d, "cadres.csv", "id,name,gender,", "id,name,gendre,"),
    "empty_id": lambda d: _edit(d, "societies.csv", "S03,", ","),
    "nbsp_in_id": lambda d: _edit(d, "classes.csv", "1班,C01,2026", "1班,C\u00a001,2026"),
    "fullwidth_duplicate": lambda d: _edit(d, "cadres.csv", "T007,", "Ｔ００３,"),
    "unclosed_quote": lambda d: _edit(d, "classes.csv", "CL03,计算机", 'CL03,"计算机'),
    "formula_in_number": lambda d: _edit(d, "dorms.csv", "F,2,C02", "F,=1+1,C02"),
    "pins_bad_kind": lambda d: _edit(d, "pins.csv", "T008,class,", "T008,教室,"),
    "unknown_role_zh": lambda d: _edit(d, "cadres.csv", "M,professor,", "M,辅导员,"),
    "dangling_dorm_college": lambda d: _edit(d, "dorms.csv", "F,4,C01", "F,4,C1"),
    "dangling_branch_college": lambda d: _edit(d, "branches.csv", "C02,番禺", "C03,番禺"),
    "previous_empty_kind": lambda d: _edit(d, "previous.csv", "T005,dorm,", "T005,,"),
    "control_character": lambda d: _edit(d, "cadres.csv", "T005,刘洋", "T005,刘\x01洋"),
}
"""Every broken set: the tiny set with the one change applied by the function."""


def _several(d: Path) -> None:
    """Several problems in cadres.csv."""
    _edit(d, "cadres.csv", "李秀英,F,", "李秀英,female,")  # row 3 gender
    _edit(d, "cadres.csv", "陈静,F,college_leader", "陈静,F,dean")  # row 5 role
    _edit(d, "cadres.csv", "professor,C01", "professor,C3")  # row 6 unit
    _edit(d, "cadres.csv", "T006,赵敏,", "T005,赵敏,")  # row 7 id (row 6 has it)
    _edit(d, "cadres.csv", "石牌,no", "石牌,perhaps")  # row 7 available
    _edit(d, "cadres.csv", "T007,黄磊,", "T007,,")  # row 8 name


BROKEN_SETS["several"] = _several


def make_broken() -> None:
    """Write ``broken/``: each set is ``tiny/`` with one thing wrong (``several``: many)."""
    shutil.rmtree(BROKEN, ignore_errors=True)
    for name, spoil in BROKEN_SETS.items():
        folder = BROKEN / name
        shutil.copytree(TINY, folder)
        spoil(folder)


if __name__ == "__main__":
    make_tricky()
    make_broken()
    print(f"wrote {TRICKY} and {BROKEN}")
