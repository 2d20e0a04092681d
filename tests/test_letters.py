"""Letters to each cadre (联系通知书): one page per cadre, bundled per college, naming the
targets with their counsellor and head teacher and the duties of the ledger's rule table (the
wording of the duties lives there only); the mail-merge sheet; the duty sentences as a
parameter; personal fields only in the cadre's own bundle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
from conftest import cadre, klass, make_dataset
from printed import english_words, flat, ink, needs_poppler, page_count, pages_text, render, save

from planner import api
from planner.dataset import Dataset
from planner.ledger.letters import (
    GUIDANCE,
    LetterOptions,
    duties_for,
    letter_bundles,
    letters_pdf,
    mail_merge_xlsx,
    write_letters,
)
from planner.plan import Plan
from planner.workflow.documents import fingerprint, write_letters_of_folder

pytestmark = needs_poppler

ISSUED = date(2026, 9, 7)
OPTIONS = LetterOptions(issued=ISSUED)


def _holder(plan: Plan, kind: str, college: str | None = "C01", role: str | None = None) -> dict:
    a = plan.assignments
    rows = a[
        (a["kind"] == kind)
        & (a["cadre_college"] == college if college else a["cadre_college"].isna())
    ]
    if role:
        rows = rows[rows["role"] == role]
    return rows.iloc[0].to_dict()


def test_one_page_per_cadre_bundled_per_college(
    demo: Dataset, demo_plan: Plan, tmp_path: Path
) -> None:
    written = write_letters(demo_plan, demo, tmp_path, OPTIONS)
    bundles = letter_bundles(demo_plan, demo)
    assert list(bundles) == ["central", "C01", "C02", "C03", "C04", "C05", "C06"]
    assert sorted(p.name for p in written) == sorted(
        f"letters-{b}.{ext}" for b in bundles for ext in ("pdf", "xlsx")
    )
    assert sum(len(ids) for ids in bundles.values()) == demo_plan.assignments["cadre_id"].nunique()
    names = demo.cadres.set_index("id")["name"]
    for bundle, ids in bundles.items():
        pdf = tmp_path / f"letters-{bundle}.pdf"
        pages = pages_text(pdf)
        assert len(pages) == page_count(pdf) == len(ids), bundle
        for cid, page in zip(ids, pages, strict=True):
            assert "领导干部联系学生工作通知书" in flat(page)
            assert f"{names[cid]}同志：" in flat(page) and cid in page
            assert "2026—2027学年第一学期" in flat(page) and "2026年9月7日" in flat(page)
            assert "回执" in page and "签字：" in flat(page)
        assert english_words("".join(pages)) == set(), bundle
    images = render(tmp_path / "letters-C06.pdf", tmp_path)
    assert len(images) == len(bundles["C06"]) and all(ink(png) > 0.01 for png in images)


def test_a_letter_names_its_targets_and_their_duties(
    demo: Dataset, demo_plan: Plan, tmp_path: Path
) -> None:
    pdf = save(letters_pdf(demo_plan, demo, "C01", OPTIONS), tmp_path)
    pages = {
        cid: flat(page)
        for cid, page in zip(letter_bundles(demo_plan, demo)["C01"], pages_text(pdf), strict=True)
    }
    classes = demo.classes.set_index("id")
    held = _holder(demo_plan, "class")
    page = pages[held["cadre_id"]]
    row = classes.loc[held["target_id"]]
    assert held["target_name"] in page and "法学院（C01）" in page
    assert f"辅导员{row['counsellor']}" in page
    if row["head_teacher"]:
        assert f"班主任{row['head_teacher']}" in page
    assert "班会、座谈会或班级活动：每学期至少1次" in page and "讲座：每学期至少1次" in page
    assert "走访宿舍或面对面交流" not in page
    dorm = _holder(demo_plan, "dorm")
    page = pages[dorm["cadre_id"]]
    assert dorm["target_name"] in page and "走访宿舍或面对面交流：每月至少1次" in page
    assert "“六个一”成长计划指导：每学期至少1次" in page
    assert "“六个一”大学成长计划" in page and "班会、座谈会或班级活动" not in page
    cadre_row = demo.cadres.set_index("id").loc[held["cadre_id"]]
    if cadre_row["phone"]:
        assert cadre_row["phone"] in pages[held["cadre_id"]]


def test_leaders_are_reminded_of_their_lecture(demo: Dataset, demo_plan: Plan) -> None:
    leader = _holder(demo_plan, "class", college=None, role="school_leader")
    lecture = "思政课或形势政策课：每学期至少1次"
    weekly = "每周面对面接触学生：每周至少1次"
    from planner.i18n import use_language

    with use_language("zh"):
        assert {lecture, weekly} <= set(duties_for([leader["kind"]], "school_leader"))
        assert {lecture, weekly} <= set(duties_for(["dorm"], "college_leader"))
        assert lecture not in duties_for(["dorm"], "young_teacher")
        both = duties_for(["class", "branch"], "professor")
    assert both[0].startswith("班级：") and any(d.startswith("学生党支部：") for d in both)


def test_the_duties_are_the_ledgers_rule_table() -> None:
    """One wording: a letter's duties are the rule table's sentences (a university's own
    table changes the letters), followed by the guidance of clause 三."""
    from planner import ledger
    from planner.i18n import use_language
    from planner.ledger.rules import rules_from_data

    with use_language("zh"):
        lines = duties_for(["dorm"], "young_teacher")
        assert lines[:2] == ledger.contact_duty_lines("young_teacher", "dorm")
        assert lines[2:] == [_zh(s) for s in [*GUIDANCE["dorm"], *GUIDANCE["*"]]]
        own = rules_from_data(
            {
                "rules": [
                    {
                        "id": "dorm_twice",
                        "scope": "contact",
                        "kinds": ["dorm"],
                        "activities": ["dorm_visit"],
                        "every": "month",
                        "times": 2,
                        "label": {"zh": "走访宿舍", "en": "dorm visit"},
                    }
                ]
            }
        )
        assert duties_for(["dorm"], "young_teacher", rules=own)[0] == "走访宿舍：每月至少2次"


def _zh(msgid: str) -> str:
    from planner.i18n import gettext

    return gettext(msgid)


def test_the_duties_are_a_parameter(demo: Dataset, demo_plan: Plan, tmp_path: Path) -> None:
    duties = {
        "class": ["每学期至少与班长谈话2次。"],
        ("class", "young_teacher"): ["青年教师的另一句。"],
    }
    options = LetterOptions(issued=ISSUED, duties=duties)
    pdf = save(letters_pdf(demo_plan, demo, "C01", options), tmp_path)
    text = flat("".join(pages_text(pdf)))
    assert "每学期至少与班长谈话2次。" in text and "青年教师的另一句。" in text
    assert "班会、座谈会或班级活动" not in text  # the rule table's sentences are replaced
    assert set(GUIDANCE) >= {"dorm", "society", "branch", "*"}


def test_letters_fit_one_page_when_a_cadre_holds_every_kind(demo: Dataset, tmp_path: Path) -> None:
    plan = api.solve(demo, "full-engagement", deterministic=True)
    counts = plan.assignments.groupby("cadre_id")["kind"].nunique()
    assert counts.max() == 4  # leaders hold one target of each kind
    for bundle, ids in letter_bundles(plan, demo).items():
        pdf = save(letters_pdf(plan, demo, bundle, OPTIONS), tmp_path, f"{bundle}.pdf")
        assert page_count(pdf) == len(ids), bundle
        english = save(
            letters_pdf(plan, demo, bundle, LetterOptions(language="en", issued=ISSUED)),
            tmp_path,
            f"{bundle}-en.pdf",
        )
        assert page_count(english) == len(ids), bundle


def test_the_mail_merge_sheet(demo: Dataset, demo_plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "merge.xlsx"
    path.write_bytes(mail_merge_xlsx(demo_plan, demo, "C02", OPTIONS))
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:7] == ("工号", "姓名", "职务", "类别", "单位", "联系电话", "邮箱")
    assert "工作要求" in header and "辅导员" in header and "班主任" in header
    ids = letter_bundles(demo_plan, demo)["C02"]
    assert [r[0] for r in rows[1:]] == ids  # one row per cadre, in letter order
    cadres = demo.cadres.set_index("id")
    for r in rows[1:]:
        assert r[1] == cadres.at[r[0], "name"]
        assert (r[5] or "") == cadres.at[r[0], "phone"]
        assert r[4] == "经济学院"
        assert "1. " in r[header.index("工作要求")]


def test_the_mail_merge_sheet_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    ds = make_dataset(
        cadres=[cadre("P1", "professor", "C1", name="=HYPERLINK(1)")],
        classes=[klass("K1", "C1")],
    )
    plan = api.solve(ds, deterministic=True)
    path = tmp_path / "merge.xlsx"
    path.write_bytes(mail_merge_xlsx(plan, ds, "C1", OPTIONS))
    cell = openpyxl.load_workbook(path).active["B2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"


def test_english_letters(demo: Dataset, demo_plan: Plan, tmp_path: Path) -> None:
    options = LetterOptions(language="en", issued=ISSUED)
    pdf = save(letters_pdf(demo_plan, demo, "C03", options), tmp_path)
    text = " ".join("".join(pages_text(pdf)).split())
    assert "Notice of contact with students" in text and "What the contact involves" in text
    assert "2026–2027 academic year, first semester" in text and "Dear " in text


def test_personal_fields_stay_in_their_own_bundle(
    demo: Dataset, demo_plan: Plan, tmp_path: Path
) -> None:
    plan_dir = tmp_path / "plan"
    api.write_plan(demo_plan, plan_dir, demo)
    out = tmp_path / "letters"
    write_letters_of_folder(plan_dir, demo, out, OPTIONS)
    bundles = letter_bundles(demo_plan, demo)
    cadres = demo.cadres.set_index("id")
    texts = {b: flat("".join(pages_text(out / f"letters-{b}.pdf"))) for b in bundles}
    for bundle, ids in bundles.items():
        phones = [p for p in cadres.loc[ids, "phone"] if p]
        assert phones and all(p in texts[bundle] for p in phones)
        for other, text in texts.items():
            if other != bundle:
                assert not any(p in text for p in phones), (bundle, other)
    digest = fingerprint(plan_dir).digest
    assert digest in texts["C01"]
    default = write_letters_of_folder(plan_dir, demo, options=LetterOptions(bundles=("C06",)))
    assert [p.name for p in default] == ["letters-C06.pdf", "letters-C06.xlsx"]
    assert default[0].parent == tmp_path / "plan-letters"
