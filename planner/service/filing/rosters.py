"""One cell of the rosters changed: a cadre's 在岗 (available) in a copy of a data version's
files, for the new data version a college's correction makes."""

from __future__ import annotations

import csv
import io

AVAILABLE = ("available", "在岗")
CADRES = ("cadres", "联系人")
ID = ("id", "工号")


def _norm(text: object) -> str:
    return str(text or "").strip().lstrip("\ufeff").lower()


def with_availability(
    files: list[tuple[str, bytes]], cadre: str, available: bool
) -> list[tuple[str, bytes]]:
    """``files`` (name, bytes) with the 在岗 cell of ``cadre`` set: in ``cadres.csv`` (or
    ``联系人.csv``) of table files, or in the 联系人/cadres sheet of one workbook. A missing 在岗
    column is added (blank means yes)."""
    out = []
    for name, data in files:
        stem = name.rsplit(".", 1)[0].strip().lower()
        if name.lower().endswith(".csv") and stem in CADRES:
            data = _csv(data, cadre, available)
        elif name.lower().endswith(".xlsx") and stem not in {
            "classes",
            "dorms",
            "societies",
            "branches",
            "colleges",
            "pins",
            "previous",
        }:
            data = _workbook(data, cadre, available)
        out.append((name, data))
    return out


def _csv(data: bytes, cadre: str, available: bool) -> bytes:
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = [_norm(h) for h in rows[0]]
    id_col = next(i for i, h in enumerate(header) if h in ID)
    col = next((i for i, h in enumerate(header) if h in AVAILABLE), None)
    if col is None:
        col = len(header)
        rows[0].append(
            "在岗" if any("\u4e00" <= ch <= "\u9fff" for ch in rows[0][0]) else "available"
        )
        for row in rows[1:]:
            row.append("")
    value = "yes" if available else "no"
    for row in rows[1:]:
        if row and row[id_col].strip() == cadre:
            row[col] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


def _workbook(data: bytes, cadre: str, available: bool) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    sheet = next((book[s] for s in book.sheetnames if _norm(s) in CADRES), None)
    if sheet is None:
        return data
    header = [_norm(c.value) for c in sheet[1]]
    id_col = next(i for i, h in enumerate(header) if h in ID) + 1
    col = next((i for i, h in enumerate(header) if h in AVAILABLE), None)
    if col is None:
        col = len(header)
        sheet.cell(row=1, column=col + 1, value="在岗")
    for row in range(2, sheet.max_row + 1):
        if str(sheet.cell(row=row, column=id_col).value or "").strip() == cadre:
            sheet.cell(row=row, column=col + 1, value="是" if available else "否")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
