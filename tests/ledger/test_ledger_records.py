"""Reading a ledger (CSV or Excel, Chinese or English headers) and the template workbook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from ledger_helpers import AUTUMN, D, contact, contacts, ledger, record
from pydantic import ValidationError

from planner.errors import InputError
from planner.i18n import use_language
from planner.ledger.records import RECORD_COLUMNS, ContactRecord, read_ledger, reference_issues
from planner.ledger.template import write_ledger_workbook

PEOPLE = contacts(
    contact("T001", "dorm", "D001"),
    contact("T002", "class", "CL01"),
    contact("L001", "society", "S02", role="school_leader", college=None),
)

HEADER_ZH = "工号,类型,对象编号,日期,活动类型,学生人数,情况简述,问题和建议,问题类别"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def problems(excinfo: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in excinfo.value.problems]


def test_a_chinese_csv_ledger_in_gb18030_reads_in_canonical_form(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "台账.csv",
        HEADER_ZH + "\n"
        "T001,宿舍,D001,2026/9/15,走访宿舍,4,了解生活情况,热水不稳定,后勤\n"
        "T002,班级,CL01,2026年10月8日,班会,32,,,\n"
        "L001,其他,,2026-11-02,思政课,120,形势政策报告,,\n"
        "T001,宿舍,D001,2026-11-03,微信,4,,,\n",
        "gb18030",
    )
    read = read_ledger(path, PEOPLE, AUTUMN)
    r = read.records
    assert r["record_id"].tolist() == [
        "T001-20260915-1",
        "T002-20261008-1",
        "L001-20261102-1",
        "T001-20261103-1",
    ]
    assert r["kind"].tolist() == ["dorm", "class", "other", "dorm"]
    assert r["activity"].tolist() == [
        "dorm_visit",
        "class_meeting",
        "ideological_lecture",
        "online",
    ]
    assert r["date"].tolist() == [D(2026, 9, 15), D(2026, 10, 8), D(2026, 11, 2), D(2026, 11, 3)]
    assert r["students"].tolist() == [4, 32, 120, 4]
    assert r["category"].tolist() == ["facilities", "other", "other", "other"]
    assert r["row"].tolist() == [2, 3, 4, 5]
    assert read.warnings == []
    assert read.source is not None and len(read.source.sha256) == 64


def test_english_headers_and_words_read_the_same(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "ledger.csv",
        "cadre,kind,target,date,activity,students,note,problems,category\n"
        "T001,dorm,D001,2026-09-15,dorm visit or face-to-face talk,4,,hot water,facilities\n",
    )
    r = read_ledger(path, PEOPLE, AUTUMN).records
    assert (r["activity"].iloc[0], r["category"].iloc[0]) == ("dorm_visit", "facilities")


def test_every_problem_at_once_located_by_file_row_and_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "台账.csv",
        HEADER_ZH + "\n"
        "T001,宿舍,D001,2026-09-31,走访宿舍,4,,,\n"  # 2: no 31 September
        "T001,宿舍,,2026-09-15,走访宿舍,4,,,\n"  # 3: target missing
        "T001,宿舍,D001,2026-09-15,喝茶,4,,,\n"  # 4: unknown activity
        "T001,食堂,D001,2026-09-15,走访宿舍,4,,,\n"  # 5: unknown kind
        "T001,宿舍,D001,2026-09-15,走访宿舍,-3,,,\n"  # 6: negative count
        "T001,宿舍,D001,2026-09-15,走访宿舍,4,学生电话13812345678,,\n"  # 7: personal
        "T999,宿舍,D001,2026-09-15,走访宿舍,4,,,\n"  # 8: unknown cadre
        "T001,宿舍,D002,2026-09-15,走访宿舍,4,,,\n"  # 9: not their dorm
        "T001,宿舍,D001,2027-02-01,走访宿舍,4,,,\n"  # 10: after the semester
        ",宿舍,D001,2026-09-15,走访宿舍,4,,,\n"  # 11: blank cadre
        "T001,宿舍,D001,2026-09-15,走访宿舍,4,,问题,吃饭\n",  # 12: unknown category
    )
    with pytest.raises(InputError) as excinfo:
        read_ledger(path, PEOPLE, AUTUMN)
    found = problems(excinfo)
    where = [line.split(": ")[0] for line in found]
    assert where == [
        "台账.csv:2:日期",
        "台账.csv:3:对象编号",
        "台账.csv:4:活动类型",
        "台账.csv:5:类型",
        "台账.csv:6:学生人数",
        "台账.csv:7:情况简述",
        "台账.csv:8:工号",
        "台账.csv:9:对象编号",
        "台账.csv:10:日期",
        "台账.csv:11:工号",
        "台账.csv:12:问题类别",
    ]
    assert "'2026-09-31' is not a date" in found[0]
    assert "personal details of students stay out" in found[5]
    assert "holds no dorm 'D002'" in found[7] and "dorm D001" in found[7]
    assert "outside the semester" in found[8]


def test_the_messages_speak_chinese(tmp_path: Path) -> None:
    path = write(tmp_path, "台账.csv", HEADER_ZH + "\nT001,宿舍,D001,2026-09-15,喝茶,4,,,\n")
    with use_language("zh"), pytest.raises(InputError) as excinfo:
        read_ledger(path, PEOPLE, AUTUMN)
    assert problems(excinfo) == [
        "台账.csv:2:活动类型: 无法识别的活动类型“喝茶”：请从模板的下拉列表中选择"
    ]


def test_doubtful_records_are_read_with_a_located_warning(tmp_path: Path) -> None:
    moved = contacts(
        contact("T001", "dorm", "D001", end=D(2026, 10, 9)),
        contact("T001", "dorm", "D002", start=D(2026, 10, 10)),
    )
    path = write(
        tmp_path,
        "台账.csv",
        HEADER_ZH
        + "\nT001,宿舍,D001,2026-10-20,走访宿舍,4,,,\nT001,宿舍,D002,2026-10-21,党课,4,,,\n",
    )
    read = read_ledger(path, moved, AUTUMN)
    assert len(read.records) == 2
    assert [w.split(": ")[0] for w in read.warnings] == ["台账.csv:2:日期", "台账.csv:3:活动类型"]


def test_a_missing_column_and_a_file_of_another_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path, "台账.csv", "工号,类型,对象编号,日期,学生人数\nT001,宿舍,D001,2026-09-15,4\n"
    )
    with pytest.raises(InputError) as excinfo:
        read_ledger(path)
    assert problems(excinfo) == [
        "台账.csv:1:activity: missing required column 'activity' (活动类型)"
    ]
    with pytest.raises(InputError, match=r"台账\.xls:0:"):
        read_ledger(write(tmp_path, "台账.xls", "x"))


def test_the_form_record_checks_the_same_words() -> None:
    r = ContactRecord(
        cadre_id="T001",
        kind="宿舍",
        target_id="D001",
        date=D(2026, 9, 1),
        activity="走访宿舍",
        students=3,
    )
    assert (r.kind, r.activity.value, r.category.value) == ("dorm", "dorm_visit", "other")
    with pytest.raises(ValidationError) as excinfo:
        ContactRecord(
            cadre_id="T001", kind="宿舍", date=D(2026, 9, 1), activity="喝茶", students=-1
        )
    fields = {e["loc"][0] if e["loc"] else "" for e in excinfo.value.errors()}
    assert fields == {"activity", "students"}
    with pytest.raises(ValidationError, match="write the target's id"):
        ContactRecord(
            cadre_id="T001", kind="dorm", date=D(2026, 9, 1), activity="dorm_visit", students=3
        )
    with pytest.raises(ValidationError, match="personal details"):
        ContactRecord(
            cadre_id="T1",
            kind="other",
            date=D(2026, 9, 1),
            activity="online",
            students=1,
            note="身份证 44010120000101123X",
        )
    issues = reference_issues(
        ledger(record("T002", "dorm", "D001", D(2026, 9, 2), "dorm_visit")), PEOPLE, AUTUMN
    )
    assert [(i.column, i.warning) for i in issues] == [("target_id", False)]


def test_the_template_has_dropdowns_and_reads_back_once_filled(tmp_path: Path) -> None:
    path = write_ledger_workbook(tmp_path / "template.xlsx", PEOPLE, AUTUMN)
    assert read_ledger(path, PEOPLE, AUTUMN).records.empty, "a blank template is an empty ledger"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["工作台账", "联系对象", "说明", "选项"]
    assert book["选项"].sheet_state == "hidden"
    sheet = book["工作台账"]
    headers = [c.value for c in sheet[1]]
    assert headers == [
        "工号",
        "姓名",
        "类型",
        "对象编号",
        "对象名称",
        "日期",
        "活动类型",
        "学生人数",
        "情况简述",
        "问题和建议",
        "问题类别",
    ]
    lists = {
        str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"
    }
    assert lists["G2:G501"] == "'选项'!$D$2:$D$15"
    assert [c.value for c in book["选项"]["D"][1:15]][:2] == ["班会、座谈会或班级活动", "讲座"]
    assert [c.value for c in book["选项"]["B"][1:6]] == ["班级", "宿舍", "社团", "党支部", "其他"]
    prompts = [v.prompt for v in sheet.data_validations.dataValidation if v.prompt]
    assert any("个人信息" in p for p in prompts)
    assert (
        "每月至少1次"
        in book["联系对象"]["H2"].value
        + book["联系对象"]["H3"].value
        + book["联系对象"]["H4"].value
    )
    assert sheet.print_title_rows == "$1:$1"
    # A secretary fills two rows as Excel would store them (a date cell, a number cell).
    sheet.append(
        [
            "T001",
            "干部T001",
            "宿舍",
            "D001",
            None,
            dt.datetime(2026, 9, 15),
            "走访宿舍或面对面交流",
            4,
            "=SUM(1)",
            None,
            None,
        ]
    )
    sheet.append(
        [
            "L001",
            None,
            "其他",
            None,
            None,
            dt.datetime(2026, 9, 16),
            "思政课或形势政策课",
            80.0,
            None,
            "食堂排队久",
            "生活",
        ]
    )
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    r = read_ledger(filled, PEOPLE, AUTUMN).records
    assert r[["cadre_id", "kind", "target_id", "activity", "students"]].values.tolist() == [
        ["T001", "dorm", "D001", "dorm_visit", 4],
        ["L001", "other", "", "ideological_lecture", 80],
    ]
    assert r["category"].tolist() == ["other", "life"]


def test_a_ledger_written_out_reads_back_to_the_same_records(tmp_path: Path) -> None:
    records = ledger(
        record(
            "T001",
            "dorm",
            "D001",
            D(2026, 9, 15),
            "dorm_visit",
            note="=1+1 不是公式",
            problems="热水\n网速",
        ),
        record(
            "T002",
            "class",
            "CL01",
            D(2026, 10, 8),
            "lecture",
            students=30,
            category="teaching",
            problems="多开选修",
        ),
        record("L001", "other", "", D(2026, 11, 2), "online", students=0),
    )
    for language in ("zh", "en"):
        path = write_ledger_workbook(
            tmp_path / f"ledger-{language}.xlsx", PEOPLE, AUTUMN, records, language=language
        )
        back = read_ledger(path, PEOPLE, AUTUMN).records
        columns = [c for c in RECORD_COLUMNS if c != "row"]
        pd.testing.assert_frame_equal(back[columns], records[columns])
