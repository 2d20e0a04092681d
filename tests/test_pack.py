"""The approval pack (审批表) and the 备案 copy: the text an office must find on the pages, the
per-college summary, the plan's hash, approval, and refusing a changed or mismatched plan."""

from __future__ import annotations

import os
import shutil
import stat
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from printed import english_words, flat, ink, needs_poppler, page_count, pages_text, render, save

from planner import api
from planner.contract import CENTRAL_ROLES
from planner.dataset import Dataset
from planner.errors import UsageError
from planner.i18n import use_language
from planner.plan import Plan
from planner.report.overview import college_summary, key_figures
from planner.report.pack import PackOptions, default_pack_path
from planner.report.printing import local_datetime, semester_label
from planner.workflow.approval import WorkflowError, approve_plan
from planner.workflow.documents import fingerprint, pack_folder, write_pack

pytestmark = needs_poppler

PRINTED = datetime(2026, 12, 3, 16, 5).astimezone()


@pytest.fixture(scope="module")
def plan_dir(demo: Dataset, demo_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pack") / "university"
    api.write_plan(demo_plan, folder, demo)
    return folder


@pytest.fixture(scope="module")
def short_plan_dir(demo: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A college plan that leaves targets uncovered (C06 has 4 cadres)."""
    plan = api.solve(demo, deterministic=True, scope="college=C06")
    assert len(plan.uncovered) > 0
    folder = tmp_path_factory.mktemp("pack") / "C06"
    api.write_plan(plan, folder, demo)
    return folder


def _pages(pdf: bytes, tmp_path: Path) -> tuple[Path, list[str]]:
    path = save(pdf, tmp_path, "pack.pdf")
    return path, pages_text(path)


def test_the_approval_pack_in_chinese(plan_dir: Path, demo: Dataset, tmp_path: Path) -> None:
    pdf = pack_folder(plan_dir, demo, PackOptions(printed=PRINTED))
    path, pages = _pages(pdf, tmp_path)
    text = flat("".join(pages))
    digest = fingerprint(plan_dir).digest
    for expected in (
        "领导干部深入基层联系学生安排审批表",
        "暨党发〔2019〕47号",
        "2026—2027学年第一学期",
        "打印时间2026年12月3日16:05",
        "草案，尚未审批",
        "主要数据",
        "有联系人的班级",
        "延续上学期联系",
        "跨校区联系",
        "各学院汇总",
        "法学院（C01）",
        "信息科学技术学院（C03）",
        "合计",
        "与上学期相比的变动",
        "未安排联系人的对象及原因",
        "所有班级、学生党支部和社团均已安排联系人。",
        "方案文件指纹",
        digest,
        "审批意见：",
        "签字：",
        "日期：",
        "（盖章）",
    ):
        assert expected in text, expected
    assert "不设覆盖要求" in text  # dorm coverage is off by design: no failing percentage
    personal = [v for c in ("phone", "email") for v in demo.cadres[c] if v]
    assert personal and not any(v in text for v in personal)  # a university-wide output
    assert english_words("".join(pages)) == set()  # no English in the Chinese pack
    for solver_word in ("OPTIMAL", "objective", "目标值", "gap"):
        assert solver_word not in text
    assert 4 <= len(pages) == page_count(path) <= 9
    for number, page in enumerate(pages, 1):
        assert f"第{number}页，共{len(pages)}页" in flat(page) and digest in flat(page)
    images = render(path, tmp_path)
    assert len(images) == len(pages) and all(ink(png) > 0.01 for png in images)


def test_the_pack_in_english(plan_dir: Path, demo: Dataset, tmp_path: Path) -> None:
    _path, pages = _pages(pack_folder(plan_dir, demo, PackOptions(language="en")), tmp_path)
    text = "".join(pages)
    for expected in (
        "Approval form: leading cadres' contacts with students",
        "Summary by college",
        "Changes since last semester",
        "Plan files and their hashes",
        "Signature:",
    ):
        assert expected in text, expected


def test_the_summary_counts_each_college(demo_plan: Plan, demo: Dataset) -> None:
    summary = college_summary(demo_plan, demo).set_index("college")
    own = demo.cadres[~demo.cadres["central"]]
    for college in demo.colleges["id"]:
        mine = own[own["unit"] == college]
        assert summary.at[college, "cadres"] == len(mine)
        assert summary.at[college, "on_leave"] == int((~mine["available"]).sum())
        cov = demo_plan.coverage[demo_plan.coverage["college"] == college]
        for kind in ("class", "dorm", "society", "branch"):
            rows = cov[cov["kind"] == kind]
            assert summary.at[college, f"{kind}_covered"] == rows["covered"].sum()
            assert summary.at[college, f"{kind}_targets"] == rows["targets"].sum()
    a = demo_plan.assignments
    central = a[a["role"].isin({r.value for r in CENTRAL_ROLES})]
    assert summary["central_placed"].sum() == len(central)
    assert summary["changes"].sum() == int((demo_plan.changes["status"] != "kept").sum())
    assert summary["uncovered"].sum() == len(demo_plan.uncovered)
    figures = key_figures(demo_plan)
    assert figures.kept == int(a["kept"].sum()) and figures.cadres == a["cadre_id"].nunique()


def test_the_filing_copy_of_one_college(
    plan_dir: Path, demo_plan: Plan, demo: Dataset, tmp_path: Path
) -> None:
    pdf = pack_folder(plan_dir, demo, PackOptions(college="C02", printed=PRINTED))
    path, pages = _pages(pdf, tmp_path)
    text = flat("".join(pages))
    assert "领导干部深入基层联系学生安排备案表" in text
    assert "经济学院（C02）" in text and "学生处（备案）" in text and "（盖章）" in text
    a = demo_plan.assignments
    mine = a[(a["target_college"] == "C02") | (a["cadre_college"] == "C02")]
    others = a[(a["target_college"] == "C01") & (a["cadre_college"] == "C01")]
    assert all(name in text for name in mine["target_name"])
    assert not any(
        name in text for name in others["target_name"] if name not in set(mine["target_name"])
    )
    assert english_words("".join(pages)) == set()
    assert all(ink(png) > 0.01 for png in render(path, tmp_path))
    with pytest.raises(UsageError, match="C99"):
        pack_folder(plan_dir, demo, PackOptions(college="C99"))


def test_uncovered_targets_with_their_reasons_in_chinese(
    short_plan_dir: Path, demo: Dataset, tmp_path: Path
) -> None:
    plan = api.read_plan(short_plan_dir)
    _path, pages = _pages(pack_folder(short_plan_dir, demo), tmp_path)
    text = flat("".join(pages))
    assert "管理学院（C06）" in text
    for name in plan.uncovered["target_name"]:
        assert name in text
    assert "没有可联系该对象的在岗联系人" in text or "可联系的联系人都已联系同等重要的对象" in text
    assert english_words("".join(pages)) == set()
    _path, pages = _pages(pack_folder(short_plan_dir, demo, PackOptions(language="en")), tmp_path)
    assert str(plan.uncovered["reason"].iloc[0])[:30] in " ".join("".join(pages).split())


def test_an_approved_plan_shows_who_approved_it_and_a_changed_one_is_refused(
    plan_dir: Path, demo: Dataset, tmp_path: Path
) -> None:
    folder = tmp_path / "approved"
    shutil.copytree(plan_dir, folder)
    record = approve_plan(folder, "学生处 王老师", dataset=demo, now=PRINTED)
    print_ = fingerprint(folder)
    assert print_.files == record["files"] and print_.approved
    _path, pages = _pages(pack_folder(folder, demo), tmp_path)
    text = flat("".join(pages))
    assert "学生处王老师于2026年12月3日16:05审批" in text
    assert print_.digest in text and "草案" not in text
    out = write_pack(folder, demo)
    assert out == default_pack_path(folder) and out.parent == folder.parent
    assert sorted(record["files"]) == sorted(
        p.name for p in folder.iterdir() if p.name != "approval.json"
    )

    changed = folder / "uncovered.csv"
    os.chmod(changed, stat.S_IWUSR | stat.S_IRUSR)
    changed.write_text("kind,target_id,reason\n", encoding="utf-8")
    target = tmp_path / "refused.pdf"
    with pytest.raises(WorkflowError, match=r"uncovered\.csv"):
        write_pack(folder, demo, target)
    assert not target.exists()


def test_data_other_than_the_plans_is_refused(plan_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(api.DEMO_DATA, data)
    cadres = pd.read_csv(
        data / "cadres.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    cadres.loc[0, "name"] = "改过的名字"
    cadres.to_csv(data / "cadres.csv", index=False, encoding="utf-8-sig")
    with pytest.raises(UsageError, match=r"cadres\.csv"):
        pack_folder(plan_dir, api.load_data(data))


def test_the_pack_is_written_beside_the_plan_folder(plan_dir: Path, demo: Dataset) -> None:
    before = sorted(p.name for p in plan_dir.iterdir())
    university = write_pack(plan_dir, demo)
    filing = write_pack(plan_dir, demo, options=PackOptions(college="C01"))
    english = write_pack(plan_dir, demo, options=PackOptions(language="en"))
    assert university.name == "university-审批表.pdf"
    assert filing.name == "university-备案表-C01.pdf"
    assert english.name == "university-approval.pdf"
    assert sorted(p.name for p in plan_dir.iterdir()) == before  # the plan folder untouched
    assert page_count(university) >= 4 and page_count(filing) >= 3


def test_semesters_and_local_dates() -> None:
    with use_language("zh"):
        assert semester_label(datetime(2026, 12, 3).date()) == "2026—2027学年第一学期"
        assert semester_label(datetime(2027, 1, 10).date()) == "2026—2027学年第一学期"
        assert semester_label(datetime(2027, 3, 1).date()) == "2026—2027学年第二学期"
        assert local_datetime(datetime(2026, 12, 3, 16, 5)) == "2026年12月3日 16:05"
    with use_language("en"):
        assert (
            semester_label(datetime(2027, 3, 1).date())
            == "2026–2027 academic year, second semester"
        )
        assert local_datetime(datetime(2026, 12, 3, 16, 5)) == "2026-12-03 16:05"
