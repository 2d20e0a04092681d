"""Tests of the synthetic data generator (``planner generate``)."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from planner.contract import (
    CENTRAL_ROLES,
    KIND_ALIASES,
    KIND_TABLE,
    KINDS,
    ROLE_ALIASES,
    ROLE_LABELS_ZH,
    ROLES,
    TABLES,
    Role,
)
from planner.io.generate.files import FORMATS, WORKBOOK_NAME, write_tables
from planner.io.generate.tables import generate_tables
from planner.io.generate.vocabulary import GRADES, GRADUATED_GRADE, PRESETS

Tables = dict[str, pd.DataFrame]


@functools.cache
def _generated(preset: str, seed: int = 1) -> Tables:
    """Generated tables, shared by the tests (which never modify them)."""
    return generate_tables(preset, seed=seed)


@pytest.fixture(scope="module")
def demo() -> Tables:
    """The demo preset, seed 1 (what ``data/demo`` holds)."""
    return _generated("demo", 1)


@pytest.fixture(scope="module")
def university() -> Tables:
    """The university preset, seed 1."""
    return _generated("university", 1)


@pytest.fixture(scope="module")
def small() -> Tables:
    """A quarter of the demo preset, for the format round trips."""
    return generate_tables("demo", seed=3, scale=0.25)


def _targets(tables: Tables) -> pd.DataFrame:
    """Every target with ``kind, id, college, campus, gender`` (gender for dorms only)."""
    parts = []
    for kind in KINDS:
        frame = tables[KIND_TABLE[kind]]
        part = frame[["id", "college", "campus"]].assign(kind=str(kind))
        part["gender"] = frame["gender"] if kind == "dorm" else ""
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _college_target_counts(tables: Tables) -> pd.DataFrame:
    """Per college: targets other than dorms, and dorm rooms per gender."""
    targets = _targets(tables)
    ids = tables["colleges"]["id"]
    non_dorm = targets[(targets["kind"] != "dorm") & (targets["college"] != "")]
    dorms = tables["dorms"]
    return pd.DataFrame(
        {
            "non_dorm": non_dorm.groupby("college").size().reindex(ids, fill_value=0),
            "dorm_M": dorms[dorms["gender"] == "M"].groupby("college").size(),
            "dorm_F": dorms[dorms["gender"] == "F"].groupby("college").size(),
        }
    ).fillna(0)


# --- determinism and sizes ---------------------------------------------------------------------


def test_same_seed_gives_equal_frames(demo: Tables) -> None:
    again = generate_tables("demo", seed=1)
    assert list(again) == list(TABLES)
    for name, frame in demo.items():
        pd.testing.assert_frame_equal(frame, again[name])


def test_other_seed_gives_other_data(demo: Tables) -> None:
    other = generate_tables("demo", seed=2)
    assert not other["cadres"]["id"].equals(demo["cadres"]["id"])
    assert not other["cadres"]["name"].equals(demo["cadres"]["name"])


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        (
            "demo",
            {"colleges": (6, 6), "cadres": (380, 420), "classes": (100, 150), "branches": (12, 24)},
        ),
        (
            "university",
            {
                "colleges": (38, 38),
                "cadres": (2800, 3200),
                "classes": (850, 1000),
                "dorms": (8000, 10000),
                "societies": (100, 200),
                "branches": (76, 120),
            },
        ),
        (
            "large",
            {
                "colleges": (100, 130),
                "cadres": (8500, 9500),
                "classes": (2500, 3000),
                "dorms": (24000, 30000),
            },
        ),
    ],
)
def test_preset_sizes(preset: str, expected: dict[str, tuple[int, int]]) -> None:
    tables = _generated(preset)
    for name, (low, high) in expected.items():
        assert low <= len(tables[name]) <= high, name
    campuses = tables["colleges"]["campus"].nunique()
    assert campuses == min(PRESETS[preset].campuses, 8)


def test_scale_multiplies_counts() -> None:
    base = PRESETS["university"]
    quarter = generate_tables("university", scale=0.25)
    assert len(quarter["cadres"]) == round(base.cadres * 0.25)
    assert len(quarter["classes"]) == round(base.classes * 0.25)
    assert len(quarter["colleges"]) == round(base.colleges * 0.25)


def test_university_is_realistic(university: Tables) -> None:
    cadres = university["cadres"]
    roles = cadres["role"].value_counts()
    assert 12 <= roles[Role.SCHOOL_LEADER] <= 15
    assert 0.03 <= roles[Role.OFFICE_LEADER] / len(cadres) <= 0.07
    assert roles[Role.SAO_CADRE] > 0 and roles[Role.LEAGUE_CADRE] > 0
    assert set(cadres.loc[cadres["role"] == Role.SAO_CADRE, "unit"]) == {"学生处"}
    assert set(cadres.loc[cadres["role"] == Role.LEAGUE_CADRE, "unit"]) == {"团委"}
    assert 0.01 <= (cadres["available"] == "no").mean() <= 0.06
    assert set(cadres["gender"]) == {"M", "F"}
    assert cadres["name"].str.fullmatch(r"[\u4e00-\u9fff]{2,4}").all()
    societies = university["societies"]
    assert 0.2 <= (societies["college"] == "").mean() <= 0.4
    # skewed college sizes: the largest college has several times the classes of the smallest
    per_college = university["classes"].groupby("college").size()
    assert per_college.max() >= 4 * per_college.min()
    # dorms: single-gender buildings, 4 (mainland) or 2 residents a room, a few rooms not full
    dorms = university["dorms"]
    assert (dorms.groupby(["campus", "building"])["gender"].nunique() == 1).all()
    assert set(dorms["residents"]) <= {1, 2, 3, 4}


# --- vocabulary and references -----------------------------------------------------------------


@pytest.mark.parametrize("preset", ["demo", "university"])
def test_vocabulary_and_references(preset: str) -> None:
    tables = _generated(preset)
    for name, frame in tables.items():
        assert list(frame.columns) == [c.name for c in TABLES[name].columns], name
    for name in ("colleges", "cadres", "classes", "dorms", "societies", "branches"):
        ids = tables[name]["id"]
        assert ids.is_unique, name
        assert all(isinstance(i, str) for i in ids), name
    college_ids = set(tables["colleges"]["id"])
    cadres = tables["cadres"]
    assert set(cadres["role"]) <= {str(r) for r in ROLES}
    assert set(cadres["gender"]) <= {"M", "F"}
    assert set(cadres["available"]) <= {"yes", "no"}
    college_role = ~cadres["role"].isin([str(r) for r in CENTRAL_ROLES])
    assert cadres.loc[college_role, "unit"].isin(college_ids).all()
    assert not cadres.loc[~college_role, "unit"].isin(college_ids).any()
    for name in ("classes", "dorms", "branches"):
        assert tables[name]["college"].isin(college_ids).all(), name
    assert tables["societies"]["college"].isin(college_ids | {""}).all()
    assert set(tables["classes"]["grade"]) == set(GRADES)
    assert set(tables["dorms"]["gender"]) <= {"M", "F"}
    for name in ("previous", "pins"):
        assert set(tables[name]["kind"]) <= {str(k) for k in KINDS}, name
    assert set(tables["pins"]["rule"]) <= {"require", "forbid"}
    # ids look like a roster's: 2025C0703, SP-12-305
    assert tables["classes"]["id"].str.fullmatch(r"20\d\dC\d{2,3}\d{2}").all()
    assert tables["dorms"]["id"].str.fullmatch(r"[A-Z]{2}-\d+-\d{3,4}").all()


# --- feasibility under the default policy ------------------------------------------------------


@pytest.mark.parametrize(("preset", "seed"), [("demo", 1), ("demo", 7), ("university", 1)])
def test_default_policy_is_feasible(preset: str, seed: int) -> None:
    tables = _generated(preset, seed)
    cadres = tables["cadres"]
    available = cadres[cadres["available"] == "yes"]
    leaders = available["role"] == Role.SCHOOL_LEADER
    assert leaders.sum() <= len(tables["colleges"])
    counts = _college_target_counts(tables)
    college_cadres = available[available["unit"].isin(tables["colleges"]["id"])]
    assert (counts.loc[college_cadres["unit"].unique(), "non_dorm"] > 0).all()
    # Hall's condition per college and gender: enough targets that the cadres may hold
    per_gender = college_cadres.groupby(["unit", "gender"]).size().unstack(fill_value=0)
    for gender in per_gender.columns:
        room = counts["non_dorm"] + counts[f"dorm_{gender}"]
        short = per_gender[gender] > room.reindex(per_gender.index)
        assert not short.any(), per_gender[short]
    assert len(available) <= len(_targets(tables))


def test_a_few_small_colleges_are_short_of_cadres(university: Tables) -> None:
    cadres = university["cadres"]
    counts = _college_target_counts(university)
    per_college = cadres.groupby("unit").size().reindex(counts.index, fill_value=0)
    ratio = per_college / counts["non_dorm"]
    assert 1 <= (ratio < 1).sum() <= 0.2 * len(ratio)
    assert (ratio >= 1.5).mean() >= 0.75


# --- previous and pins -------------------------------------------------------------------------


def _with_cadre_and_target(tables: Tables, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` (cadre, kind, target) joined with the cadre's and the target's columns."""
    cadres = tables["cadres"].add_prefix("cadre_").rename(columns={"cadre_id": "cadre"})
    targets = _targets(tables).add_prefix("target_")
    targets = targets.rename(columns={"target_id": "target", "target_kind": "kind"})
    joined = rows.merge(cadres, on="cadre", how="left", indicator="cadre_known")
    joined = joined.merge(targets, on=["kind", "target"], how="left", indicator="target_known")
    joined["cadre_known"] = joined["cadre_known"] == "both"
    joined["target_known"] = joined["target_known"] == "both"
    return joined


def _respects_hard_rules(joined: pd.DataFrame) -> None:
    """Department of origin, dorm gender and school-leader spread hold for every row."""
    central = joined["cadre_role"].isin([str(r) for r in CENTRAL_ROLES])
    origin = central | (joined["target_college"] == joined["cadre_unit"])
    assert origin.all(), joined[~origin]
    dorm = joined["kind"] == "dorm"
    assert (joined.loc[dorm, "target_gender"] == joined.loc[dorm, "cadre_gender"]).all()
    leaders = joined[
        (joined["cadre_role"] == Role.SCHOOL_LEADER) & (joined["target_college"] != "")
    ]
    assert leaders["target_college"].is_unique


def _check_previous(tables: Tables) -> None:
    previous = tables["previous"]
    assert previous["target"].is_unique
    assert previous["cadre"].is_unique
    joined = _with_cadre_and_target(tables, previous)
    assert 0.01 <= (~joined["cadre_known"]).mean() <= 0.06  # cadres who have left
    gone = joined[~joined["target_known"]]
    assert len(gone) > 0  # classes that have graduated
    assert (gone["kind"] == "class").all()
    assert gone["target"].str.startswith(str(GRADUATED_GRADE)).all()
    _respects_hard_rules(joined[joined["cadre_known"] & joined["target_known"]])


@pytest.mark.parametrize(("preset", "seed"), [("demo", 1), ("demo", 5), ("university", 1)])
def test_previous_is_last_semesters_plan(preset: str, seed: int) -> None:
    _check_previous(_generated(preset, seed))


@pytest.mark.parametrize("seed", range(1, 9))
def test_pins_are_consistent(seed: int) -> None:
    tables = _generated("demo", seed)
    pins = tables["pins"]
    assert 2 <= len(pins) <= 5
    assert {"require", "forbid"} <= set(pins["rule"])
    joined = _with_cadre_and_target(tables, pins)
    assert joined["cadre_known"].all() and joined["target_known"].all()
    require = joined[joined["rule"] == "require"]
    assert require["cadre"].is_unique and require["target"].is_unique
    assert not joined[["cadre", "kind", "target"]].duplicated().any()  # never both rules
    assert (require["cadre_available"] == "yes").all()
    _respects_hard_rules(require)


# --- writing -----------------------------------------------------------------------------------


def _read_back(out: Path, fmt: str, headers: str) -> dict[str, pd.DataFrame]:
    """Every table written to ``out``, read with pandas as text, keyed by English name."""
    result = {}
    if fmt == "workbook":
        sheets = pd.read_excel(out / WORKBOOK_NAME, sheet_name=None, dtype=str, engine="calamine")
    for name, table in TABLES.items():
        shown = table.alias if headers == "zh" else name
        if fmt == "workbook":
            frame = sheets[shown]
        elif fmt == "xlsx":
            frame = pd.read_excel(out / f"{shown}.xlsx", dtype=str, engine="calamine")
        else:
            encoding = "gb18030" if fmt == "csv-gb18030" else "utf-8-sig"
            frame = pd.read_csv(out / f"{shown}.csv", dtype=str, encoding=encoding)
        result[name] = frame.fillna("")
    return result


@pytest.mark.parametrize("headers", ["en", "zh"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back(small: Tables, tmp_path: Path, fmt: str, headers: str) -> None:
    written = write_tables(small, tmp_path / "out", fmt=fmt, headers=headers)
    assert all(path.is_file() for path in written)
    assert len(written) == (1 if fmt == "workbook" else len(small))
    back = _read_back(tmp_path / "out", fmt, headers)
    for name, frame in small.items():
        table = TABLES[name]
        expected_header = [c.alias if headers == "zh" else c.name for c in table.columns]
        assert list(back[name].columns) == expected_header, name
        first = back[name].columns[0]
        assert back[name][first].tolist() == frame.iloc[:, 0].astype(str).tolist(), name
    cadres = back["cadres"]
    if headers == "zh":
        assert set(cadres["类别"]) <= set(ROLE_LABELS_ZH.values())
        assert set(cadres["性别"]) <= {"男", "女"}
        assert set(cadres["在岗"]) <= {"是", "否"}
        assert set(back["previous"]["类型"]) <= {"班级", "宿舍", "社团", "党支部"}
        assert set(back["pins"]["规则"]) <= {"指定", "禁止"}
        roles = cadres["类别"].map(ROLE_ALIASES).map(str)
        kinds = back["previous"]["类型"].map(KIND_ALIASES).map(str)
        assert roles.tolist() == small["cadres"]["role"].tolist()
        assert kinds.tolist() == small["previous"]["kind"].tolist()
    else:
        pd.testing.assert_frame_equal(
            cadres, small["cadres"].astype(str), check_dtype=False, check_index_type=False
        )


def test_leading_zeros_survive_csv(tmp_path: Path) -> None:
    tables = _generated("demo")
    zero = tables["cadres"]["id"].str.startswith("0")
    assert zero.any()  # 6-digit staff numbers: some start with 0
    write_tables(tables, tmp_path, fmt="csv", headers="en")
    back = pd.read_csv(tmp_path / "cadres.csv", dtype=str, encoding="utf-8-sig")
    assert back["id"].tolist() == tables["cadres"]["id"].tolist()
    assert (tmp_path / "cadres.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize("fmt", ["xlsx", "workbook"])
def test_xlsx_ids_are_text_and_counts_numbers(small: Tables, tmp_path: Path, fmt: str) -> None:
    write_tables(small, tmp_path, fmt=fmt, headers="zh")
    if fmt == "workbook":
        book = openpyxl.load_workbook(tmp_path / WORKBOOK_NAME, read_only=True)
        assert book.sheetnames == [t.alias for t in TABLES.values()]
        sheet = book["联系人"]
        classes = book["班级"]
    else:
        sheet = openpyxl.load_workbook(tmp_path / "联系人.xlsx", read_only=True).worksheets[0]
        classes = openpyxl.load_workbook(tmp_path / "班级.xlsx", read_only=True).worksheets[0]
    ids = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert ids == small["cadres"]["id"].tolist()
    assert all(isinstance(i, str) for i in ids)
    header = next(classes.iter_rows(max_row=1, values_only=True))
    grade_col = header.index("年级")
    grades = [row[grade_col] for row in classes.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(g, int) for g in grades)
    class_ids = [row[0] for row in classes.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(i, str) for i in class_ids)


def test_blank_college_is_an_empty_cell(small: Tables, tmp_path: Path) -> None:
    write_tables(small, tmp_path, fmt="workbook", headers="en")
    sheet = openpyxl.load_workbook(tmp_path / WORKBOOK_NAME, read_only=True)["societies"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    university_level = (small["societies"]["college"] == "").to_numpy()
    assert university_level.any()
    blank = [len(row) < 5 or row[4] is None for row in rows]
    assert blank == university_level.tolist()


def test_rewriting_replaces_the_other_format(small: Tables, tmp_path: Path) -> None:
    write_tables(small, tmp_path, fmt="csv", headers="en")
    write_tables(small, tmp_path, fmt="xlsx", headers="zh")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{t.alias}.xlsx" for t in TABLES.values()
    )
    write_tables(small, tmp_path, fmt="workbook", headers="en")
    assert [p.name for p in tmp_path.iterdir()] == [WORKBOOK_NAME]


def test_bad_arguments_are_refused(small: Tables, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="preset"):
        generate_tables("huge")
    with pytest.raises(ValueError, match="scale"):
        generate_tables("demo", scale=0)
    with pytest.raises(ValueError, match="format"):
        write_tables(small, tmp_path, fmt="ods", headers="en")
    with pytest.raises(ValueError, match="headers"):
        write_tables(small, tmp_path, fmt="csv", headers="fr")


@pytest.mark.parametrize(("fmt", "headers"), [("csv", "en"), ("workbook", "zh")])
def test_the_reader_accepts_generated_data(
    small: Tables, tmp_path: Path, fmt: str, headers: str
) -> None:
    """Integration with ``planner.io.readers`` (skipped until that module exists)."""
    readers = pytest.importorskip("planner.io.readers")
    write_tables(small, tmp_path, fmt=fmt, headers=headers)
    path = tmp_path / WORKBOOK_NAME if fmt == "workbook" else tmp_path
    dataset = readers.read_dataset(path)
    assert len(dataset.cadres) == len(small["cadres"])
    assert set(dataset.cadres["id"]) == set(small["cadres"]["id"])
    assert np.array_equal(dataset.classes["grade"].to_numpy(), small["classes"]["grade"])
