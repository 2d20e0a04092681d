"""Writing a generated data set: CSV (UTF-8 with BOM or GB18030), one workbook per table or
one workbook for all, with English or Chinese table names, headers and vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook

from planner.contract import (
    BOOL_ALIASES,
    KIND_LABELS_ZH,
    PIN_RULE_ALIASES,
    ROLE_LABELS_ZH,
    TABLES,
)

FORMATS: tuple[str, ...] = ("csv", "csv-gb18030", "xlsx", "workbook")
"""Output formats of :func:`write_tables`."""


HEADER_LANGUAGES: tuple[str, ...] = ("en", "zh")
"""Header languages of :func:`write_tables`."""


WORKBOOK_NAME = "data.xlsx"
"""File name of the single workbook written by the ``workbook`` format."""


def write_tables(
    tables: dict[str, pd.DataFrame], out: Path, fmt: str = "csv", headers: str = "en"
) -> list[Path]:
    """Write ``tables`` (as from :func:`generate_tables`) into the folder ``out``; return the files.

    ``fmt``: ``csv`` (UTF-8 with BOM), ``csv-gb18030`` (what Excel on Chinese Windows writes),
    ``xlsx`` (one ``TABLE.xlsx`` per table) or ``workbook`` (one :data:`WORKBOOK_NAME`, a sheet
    per table). ``headers``: ``en`` (English table and column names) or ``zh`` (Chinese table
    names and column aliases; vocabulary values -- role, kind, gender, available, rule -- are
    written in Chinese too, as a Chinese roster would hold them).

    ``out`` is created if needed. Files there that another format or language would have
    written for the same tables are removed, so the folder always holds exactly one data set.
    In Excel, ids and other text are written as text and counts as numbers.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if headers not in HEADER_LANGUAGES:
        raise ValueError(f"unknown headers {headers!r} (known: {', '.join(HEADER_LANGUAGES)})")
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise ValueError(f"not tables of the contract: {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)

    names = {name: TABLES[name].alias if headers == "zh" else name for name in tables}
    if fmt == "workbook":
        keep = {out / WORKBOOK_NAME}
    else:
        ext = "xlsx" if fmt == "xlsx" else "csv"
        keep = {out / f"{names[name]}.{ext}" for name in tables}
    _remove_other_outputs(out, keep)

    localised = {name: _localise(name, frame, headers) for name, frame in tables.items()}
    written: list[Path] = []
    if fmt == "workbook":
        path = out / WORKBOOK_NAME
        workbook = Workbook(write_only=True)
        for name, frame in localised.items():
            _append_sheet(workbook, names[name], name, frame)
        workbook.save(path)
        written.append(path)
    elif fmt == "xlsx":
        for name, frame in localised.items():
            path = out / f"{names[name]}.xlsx"
            workbook = Workbook(write_only=True)
            _append_sheet(workbook, names[name], name, frame)
            workbook.save(path)
            written.append(path)
    else:
        encoding = "gb18030" if fmt == "csv-gb18030" else "utf-8-sig"
        for name, frame in localised.items():
            path = out / f"{names[name]}.csv"
            frame.to_csv(path, index=False, encoding=encoding)
            written.append(path)
    return written


_ZH_VALUES: dict[str, dict[str, str]] = {
    "role": {str(r): zh for r, zh in ROLE_LABELS_ZH.items()},
    "kind": {str(k): zh for k, zh in KIND_LABELS_ZH.items()},
    "gender": {"M": "男", "F": "女"},
    "bool": {
        "yes": next(k for k, v in BOOL_ALIASES.items() if v and not k.isascii()),
        "no": next(k for k, v in BOOL_ALIASES.items() if not v and not k.isascii()),
    },
    "rule": {v: k for k, v in PIN_RULE_ALIASES.items() if not k.isascii()},
}
"""English vocabulary value -> what a Chinese roster writes, per column type."""


def _localise(name: str, frame: pd.DataFrame, headers: str) -> pd.DataFrame:
    """The frame as written: Chinese headers and vocabulary for ``zh``, unchanged for ``en``."""
    if headers == "en":
        return frame
    table = TABLES[name]
    out = frame.copy()
    for column in table.columns:
        if column.name in out and column.type in _ZH_VALUES:
            values = out[column.name].astype(str)
            out[column.name] = values.map(_ZH_VALUES[column.type]).fillna(values)
    return out.rename(columns={c.name: c.alias for c in table.columns})


def _append_sheet(workbook: Workbook, sheet: str, table: str, frame: pd.DataFrame) -> None:
    """Add ``frame`` as a sheet: integer columns as numbers, everything else as text."""
    ws = workbook.create_sheet(title=sheet)
    ws.append([str(c) for c in frame.columns])
    types = {c.alias: c.type for c in TABLES[table].columns} | {
        c.name: c.type for c in TABLES[table].columns
    }
    columns: list[list[Any]] = []
    for col in frame.columns:
        values = frame[col]
        if types.get(str(col)) == "int":
            columns.append([None if pd.isna(v) else int(v) for v in values])
        else:
            columns.append([None if pd.isna(v) or v == "" else str(v) for v in values])
    for row in zip(*columns, strict=True):
        ws.append(list(row))


def _remove_other_outputs(out: Path, keep: set[Path]) -> None:
    """Delete table files this generator may have written before in another format/language."""
    candidates = [out / WORKBOOK_NAME]
    for table in TABLES.values():
        for name in (table.name, table.alias):
            candidates += [out / f"{name}.csv", out / f"{name}.xlsx"]
    for path in candidates:
        if path not in keep and path.is_file():
            path.unlink()
