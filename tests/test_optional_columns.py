"""Data contract v1.1: the optional columns title, phone, email (cadres) and counsellor,
head_teacher (classes) are read without a warning, reach the Dataset, and a data set without
them reads as before; phone and e-mail never reach a university-wide output."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from planner import api
from planner.contract import PERSONAL_COLUMNS, TABLES
from planner.io.generate.files import write_tables
from planner.io.generate.tables import generate_tables
from planner.io.readers import read_dataset

TINY = Path(__file__).resolve().parent / "data" / "tiny"


def _with_columns(folder: Path, table: str, columns: dict[str, list[str]]) -> None:
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for name, values in columns.items():
        frame[name] = values[: len(frame)]
    frame.to_csv(path, index=False, encoding="utf-8-sig")


def test_declared_optional_columns_reach_the_dataset_without_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    before = read_dataset(folder)
    n_cadres, n_classes = len(before.cadres), len(before.classes)
    _with_columns(
        folder,
        "cadres",
        {
            "职务": [f"副院长{i}" for i in range(n_cadres)],
            "联系电话": [f"1380000{i:04d}" for i in range(n_cadres)],
            "email": [f"c{i}@example.com" for i in range(n_cadres)],
        },
    )
    _with_columns(
        folder,
        "classes",
        {
            "counsellor": [f"辅导员{i}" for i in range(n_classes)],
            "班主任": ["" if i == 0 else f"班主任{i}" for i in range(n_classes)],
        },
    )
    ds = read_dataset(folder)
    assert ds.warnings == before.warnings  # no "not part of the contract" for these columns
    assert ds.cadres["title"].tolist() == [f"副院长{i}" for i in range(n_cadres)]
    assert ds.cadres["phone"].tolist()[0] == "13800000000"  # text: the leading digits kept
    assert ds.cadres["email"].tolist()[-1] == f"c{n_cadres - 1}@example.com"
    assert ds.classes["counsellor"].tolist()[0] == "辅导员0"
    assert ds.classes["head_teacher"].tolist()[0] == ""  # a blank optional cell is allowed


def test_a_data_set_without_them_reads_as_before() -> None:
    ds = read_dataset(TINY)
    assert not any("not part of the contract" in w for w in ds.warnings)
    for table, names in (
        ("cadres", ("title", "phone", "email")),
        ("classes", ("counsellor", "head_teacher")),
    ):
        for name in names:
            column = TABLES[table].column(name)
            assert not column.required
            assert (ds.table(table)[name] == "").all()  # present and blank, like `major`
    plan = api.solve(ds, deterministic=True)
    again = api.solve(read_dataset(TINY), deterministic=True)
    pd.testing.assert_frame_equal(plan.assignments, again.assignments)


def test_other_extra_columns_are_still_ignored_with_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(TINY, folder)
    _with_columns(folder, "cadres", {"手机号": ["1"] * 50})
    ds = read_dataset(folder)
    assert "cadres.csv: column '手机号' is not part of the contract and is ignored" in ds.warnings
    assert "手机号" not in ds.cadres.columns


def test_generated_data_has_titles_counsellors_and_contacts() -> None:
    tables = generate_tables("demo", seed=1)
    cadres, classes = tables["cadres"], tables["classes"]
    assert (cadres["title"] != "").mean() > 0.9
    assert cadres.loc[cadres["role"] == "school_leader", "title"].iloc[:2].tolist() == [
        "党委书记",
        "校长",
    ]
    assert cadres["phone"].str.fullmatch(r"(1\d{10})?").all()
    assert (classes["counsellor"] != "").all() and (classes["head_teacher"] != "").mean() > 0.9
    demo = read_dataset(api.DEMO_DATA)  # the shipped demo data is what the generator writes
    assert demo.cadres["phone"].tolist() == cadres["phone"].tolist()
    assert demo.classes["counsellor"].tolist() == classes["counsellor"].tolist()


def _every_text(folder: Path) -> str:
    """The text of every file of a plan folder, the workbook's XML included."""
    parts = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                parts += [book.read(n).decode("utf-8", "replace") for n in book.namelist()]
        elif path.suffix != ".png":
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_phone_and_email_never_reach_a_university_wide_output(tmp_path: Path) -> None:
    data = read_dataset(api.DEMO_DATA)
    personal = PERSONAL_COLUMNS["cadres"]
    values = {v for column in personal for v in data.cadres[column] if v}
    assert len(values) > 600  # the demo data does hold them
    plan = api.solve(data, deterministic=True)
    assert not set(plan.assignments.columns) & set(personal)
    out = tmp_path / "plan"
    api.write_plan(plan, out, data)
    text = _every_text(out)
    assert plan.assignments["cadre_name"].iloc[0] in text  # the files were read
    assert [v for v in values if v in text] == []

    cli = subprocess.run(
        [sys.executable, "-m", "planner", "plan", "--data", str(api.DEMO_DATA), "--out",
         str(tmp_path / "cli"), "--deterministic"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    logs = cli.stdout + cli.stderr + _every_text(tmp_path / "cli")
    assert [v for v in values if v in logs] == []


@pytest.mark.parametrize("headers", ["en", "zh"])
def test_generated_files_round_trip_the_new_columns(tmp_path: Path, headers: str) -> None:
    tables = generate_tables("demo", seed=3, scale=0.1)
    write_tables(tables, tmp_path, headers=headers)
    ds = read_dataset(tmp_path)
    assert ds.cadres["email"].tolist() == tables["cadres"]["email"].tolist()
    assert ds.classes["head_teacher"].tolist() == tables["classes"]["head_teacher"].tolist()
    assert not any("not part of the contract" in w for w in ds.warnings)
