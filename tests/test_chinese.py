"""The command line in the reader's language: every held-back broken data set reported in
Chinese and in English, at the same places; the language follows ``--lang``, else the locale.

A Chinese message may still quote what the user wrote (a value, a file, a column header, a code
such as ``school_leader``), but no English sentence: :func:`english_words` finds the words left
once those are set aside.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import cli
from planner.contract import KIND_ALIASES, ROLE_ALIASES, TABLES

ROOT = Path(__file__).resolve().parent.parent
BROKEN = ROOT / "tests" / "data" / "broken"
TINY = ROOT / "tests" / "data" / "tiny"
LOCATED = re.compile(r"^(.*?):(\d+):([^:]*): (.*)$")

QUOTED = re.compile(r"“[^”]*”|'[^']*'|\"[^\"]*\"|（[A-Za-z0-9_ .,-]*）|\([^)]*\)")
"""What the user wrote, quoted: values, and codes or English names given in brackets."""

WORDS = re.compile(r"[A-Za-z][A-Za-z_]{2,}")

KNOWN_TOKENS = (
    {name for name in TABLES}
    | {c.name for t in TABLES.values() for c in t.columns}
    | {str(r.value) for r in ROLE_ALIASES.values()}
    | {str(k.value) for k in KIND_ALIASES.values()}
    | {"csv", "xlsx", "xls", "CSV", "UTF", "Excel", "Unicode", "yes", "true", "false"}
    | {"require", "forbid", "planner", "data", "json", "yaml", "SHA", "GB18030"}
)
"""Words a Chinese message may hold: names of tables, columns, roles and kinds as the files
write them, file types, and the command's own name."""


def english_words(text: str) -> list[str]:
    """Latin words of ``text`` that are none of the quoted values or :data:`KNOWN_TOKENS`."""
    bare = re.sub(r"0x[0-9A-Fa-f]+|U\+[0-9A-F]+", " ", QUOTED.sub(" ", text))
    bare = re.sub(r"\S+\.(csv|xlsx|xls|CSV|XLSX)(\[[^\]]*\])?", " ", bare)
    return [w for w in WORDS.findall(bare) if w not in KNOWN_TOKENS]


def _data_path(folder: Path) -> Path:
    book = folder / "book.xlsx"
    return book if book.exists() else folder


def _validate(path: Path, language: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["--lang", language, "validate", "--data", str(path)])
    return result.exit_code, result.stderr.splitlines()


BROKEN_SETS = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.mark.parametrize("name", BROKEN_SETS)
def test_a_broken_set_is_reported_in_both_languages_at_the_same_places(name: str) -> None:
    code_en, english = _validate(_data_path(BROKEN / name), "en")
    code_zh, chinese = _validate(_data_path(BROKEN / name), "zh")
    assert code_en == code_zh == 2
    assert english[0].startswith("The input has ")
    assert chinese[0].startswith("输入数据有 "), chinese[0]
    problems_en = [LOCATED.match(line) for line in english[1:]]
    problems_zh = [LOCATED.match(line) for line in chinese[1:]]
    assert all(problems_en) and all(problems_zh), chinese
    assert [m.group(1, 2, 3) for m in problems_zh if m] == [
        m.group(1, 2, 3) for m in problems_en if m
    ]
    for match in problems_zh:
        assert match is not None
        message = match[4]
        assert re.search(r"[\u4e00-\u9fff]", message), message
        assert english_words(message) == [], message


def test_a_valid_set_is_summarised_in_chinese() -> None:
    result = CliRunner().invoke(cli, ["--lang", "zh", "validate", "--data", str(TINY)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("数据集：2个学院，8名联系人（在岗 7 名，不在岗 1 名）")
    for line in lines:
        assert english_words(line) == [], line


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("LC_ALL", "LC_MESSAGES", "LANG")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "planner", *args],
        capture_output=True,
        text=True,
        check=False,
        env=environ,
        cwd=ROOT,
    )


def test_the_command_line_follows_the_locale_unless_told_otherwise() -> None:
    broken = str(BROKEN / "unknown_college")
    chinese = _run(["validate", "--data", broken], LANG="zh_CN.UTF-8")
    assert chinese.returncode == 2
    assert "未知的学院“C99”（已有：C01, C02）" in chinese.stderr
    english = _run(["--lang", "en", "validate", "--data", broken], LANG="zh_CN.UTF-8")
    assert "unknown college 'C99' (known: C01, C02)" in english.stderr
    plain = _run(["validate", "--data", broken], LANG="C.UTF-8")
    assert "unknown college 'C99'" in plain.stderr
    told = _run(["--lang", "zh", "validate", "--data", broken], LANG="en_GB.UTF-8")
    assert "未知的学院“C99”" in told.stderr


# --- the workbook, in the chosen language -----------------------------------------------------


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny data's plan folder written in each language."""
    out = {}
    for language in ("zh", "en"):
        folder = tmp_path_factory.mktemp(language) / "plan"
        result = CliRunner().invoke(
            cli, ["--lang", language, "plan", "--data", str(TINY), "--out", str(folder)]
        )
        assert result.exit_code == 0, result.output
        out[language] = folder
    return out


def _sheets(folder: Path) -> dict[str, list[tuple[object, ...]]]:
    import openpyxl

    book = openpyxl.load_workbook(folder / "assignments.xlsx")
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


def test_the_chinese_workbook_has_no_english_header_and_reads_as_people_write(
    workbooks: dict[str, Path],
) -> None:
    sheets = _sheets(workbooks["zh"])
    assert list(sheets)[:6] == ["全部安排", "汇总", "未覆盖", "变动", "覆盖率", "说明"]
    for title, rows in sheets.items():
        assert english_words(" ".join(str(h) for h in rows[0] if h)) == [], (title, rows[0])
    everything = sheets["全部安排"]
    assert everything[0][:4] == ("工号", "姓名", "类别", "单位")
    assert "kind" not in everything[0]
    college = everything[0].index("学院")
    assert {row[college] for row in everything[1:]} >= {"文学院（C01）", "信息科学技术学院（C02）"}
    about = dict((row[0], row[1]) for row in sheets["说明"] if row[0])
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", str(about["生成时间"]))
    assert about["方案状态"].startswith("最优")
    assert not {"目标值", "最优界", "差距", "objective"} & set(map(str, about))
    summary = sheets["汇总"]
    assert summary[0][0] == "学院" and summary[-1][0] == "合计"
    assert any("（不考核）" in str(h) for h in summary[0])  # dorm coverage is off by default
    coverage = sheets["覆盖率"]
    kind = coverage[0].index("类型")
    dorms = [row for row in coverage[1:] if row[kind] == "宿舍"]
    assert dorms and all(row[-1] is None for row in dorms)  # no share where none is asked


def test_the_english_workbook_is_english(workbooks: dict[str, Path]) -> None:
    sheets = _sheets(workbooks["en"])
    assert list(sheets)[:6] == [
        "All contacts",
        "Summary",
        "Uncovered",
        "Changes",
        "Coverage",
        "About",
    ]
    everything = sheets["All contacts"]
    assert everything[0][:4] == ("Cadre ID", "Name", "Role", "Unit")
    kind = everything[0].index("Kind")
    assert {row[kind] for row in everything[1:]} <= {"class", "dorm", "society", "branch"}


@pytest.mark.parametrize("language", ["zh", "en"])
def test_the_workbook_reads_back_as_last_semesters_plan(
    workbooks: dict[str, Path], language: str, tmp_path: Path
) -> None:
    """``--previous assignments.xlsx``: the first sheet is read as the previous table, and
    every contact of the plan is kept."""
    out = tmp_path / "again"
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            language,
            "plan",
            "--data",
            str(TINY),
            "--previous",
            str(workbooks[language] / "assignments.xlsx"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    import pandas as pd

    first = pd.read_csv(workbooks[language] / "assignments.csv", dtype=str)
    again = pd.read_csv(out / "assignments.csv", dtype=str)
    assert again["kept"].eq("True").sum() == len(first)


def test_every_sheet_is_ready_to_print(workbooks: dict[str, Path]) -> None:
    import openpyxl

    book = openpyxl.load_workbook(workbooks["zh"] / "assignments.xlsx")
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    changes = book["变动"]
    reason = [c.value for c in changes[1]].index("原因") + 1
    assert changes.cell(2, reason).alignment.wrap_text


# --- heatmaps that do not look like failure; the pack and letters from the command line --------


def test_a_kind_whose_coverage_is_off_is_drawn_neutral(workbooks: dict[str, Path]) -> None:
    from planner.io.plan_folder import read_plan
    from planner.report.render import heatmaps

    plan = read_plan(workbooks["zh"])
    assert plan.kinds_not_counted() == {"dorm"}  # the default scenario
    charts = heatmaps(plan, None)
    chart = charts["coverage_college_kind.png"]
    dorm = [label[1] for label in chart.cols].index("dorm (not counted)")
    assert chart.neutral == (dorm,)


def test_pack_and_letters_from_the_command_line(workbooks: dict[str, Path], tmp_path: Path) -> None:
    folder = workbooks["zh"]
    pack = tmp_path / "审批表.pdf"
    result = CliRunner().invoke(
        cli, ["--lang", "zh", "pack", str(folder), "--data", str(TINY), "--out", str(pack)]
    )
    assert result.exit_code == 0, result.output
    text = subprocess.run(
        ["pdftotext", "-layout", str(pack), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "暨党发〔2019〕47号" in text and "审批" in text
    letters = tmp_path / "letters"
    result = CliRunner().invoke(
        cli, ["--lang", "zh", "letters", str(folder), "--data", str(TINY), "--out", str(letters)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已写出")
    assert {"letters-C01.pdf", "letters-C02.pdf", "letters-C01.xlsx"} <= {
        p.name for p in letters.iterdir()
    }


def test_a_command_run_in_process_leaves_the_callers_language() -> None:
    from planner import i18n

    before = i18n.current_language()
    CliRunner().invoke(cli, ["--lang", "zh", "validate", "--data", str(TINY)])
    assert i18n.current_language() == before


INFEASIBLE = ROOT / "tests" / "data" / "infeasible"
SCENARIO_WORDS = {
    "school_leader_spread",
    "kinds",
    "coverage",
    "soft",
    "hard",
    "campus",
    "origin",
    "roles",
    "duties",
    "dorm_gender",
    "continuity",
    "time",
    "limit",
}
"""Scenario keys and values a Chinese diagnosis quotes for the user to write."""


@pytest.mark.parametrize(
    "name", sorted(p.name for p in INFEASIBLE.iterdir() if (p / "cadres.csv").is_file())
)
def test_a_plan_that_cannot_exist_is_diagnosed_in_chinese(name: str, tmp_path: Path) -> None:
    folder = INFEASIBLE / name
    args = ["--lang", "zh", "plan", "--data", str(folder), "--out", str(tmp_path / "plan")]
    if (folder / "scenario.yaml").is_file():
        args += ["--scenario", str(folder / "scenario.yaml")]
    result = CliRunner().invoke(cli, [*args, "--quiet"])
    assert result.exit_code == 3, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == "没有任何方案能满足全部硬性规则，未写出任何文件。"
    for line in lines[1:]:
        left = [w for w in english_words(line) if w not in SCENARIO_WORDS]
        assert left == [], line


def test_help_in_chinese_follows_the_locale_and_lang() -> None:
    chinese = _run(["--help"], LANG="zh_CN.UTF-8")
    assert chinese.returncode == 0
    assert "用法：" in chinese.stdout and "命令:" in chinese.stdout
    assert "制定联系安排，写出方案文件夹。" in chinese.stdout
    sub = _run(["--lang", "zh", "plan", "--help"], LANG="C.UTF-8")
    assert "整个求解的时间限制（秒）。" in sub.stdout and "显示本帮助并退出。" in sub.stdout
    english = _run(["--help"], LANG="C.UTF-8")
    assert "Plan who contacts which target and write the plan folder." in english.stdout
    assert "用法" not in english.stdout


def test_the_solvers_progress_in_chinese_names_rules_not_internals() -> None:
    from planner.cli.common import _chinese_progress
    from planner.i18n import use_language

    with use_language("zh"):
        flow = "solving: network flow over 871 pool-group counts and 342 possible kept "
        assert _chinese_progress(flow + "contacts in 0.02 s") == "求解中：0.02 秒内找到初步方案"
        stage = "solving: continuity (871 pool-group counts, 342 possible kept contacts)"
        assert _chinese_progress(stage) == "求解中：S2 延续上学期"
        tick = "  coverage      :    1.7 s  best 120  bound 157"
        assert _chinese_progress(tick) == "  S1 覆盖：已用 1.7 秒"
        done = "  central_spread optimal: 7 (bound 7) in 0.0 s"
        assert _chinese_progress(done) == "  S5 校级联系人均衡分布：已证明最优（0.0 秒）"


def test_an_explanation_in_chinese(workbooks: dict[str, Path]) -> None:
    import pandas as pd

    first = pd.read_csv(workbooks["zh"] / "assignments.csv", dtype=str).iloc[0]
    result = CliRunner().invoke(
        cli,
        [
            "--lang",
            "zh",
            "explain",
            str(workbooks["zh"]),
            "--data",
            str(TINY),
            "--cadre",
            first["cadre_id"],
            "--alternatives",
            "1",
        ],
    )
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "联系对象：" in text and "允许这样安排的规则（硬性规则）：" in text
    for line in text.splitlines():
        left = [w for w in english_words(line) if w not in SCENARIO_WORDS]
        assert left == [], line


def _tamper(plan: Path, to: Path) -> Path:
    """A copy of ``plan`` that breaks rules: T005 (a professor of C01) holds C02's class CL03
    (H3, and CL03 holds two cadres: H2), an unknown cadre holds a copy of that row, the row is
    repeated, and ``plan.json`` claims one more coverage than the rows give."""
    import json
    import shutil

    import pandas as pd

    shutil.copytree(plan, to)
    frame = pd.read_csv(
        to / "assignments.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False
    )
    row = frame.index[frame["cadre_id"] == "T005"][0]
    frame.loc[row, ["kind", "target_id"]] = ["class", "CL03"]
    extra = frame.iloc[[row, row]].copy()
    extra.iloc[0, frame.columns.get_loc("cadre_id")] = "X99"
    frame = pd.concat([frame, extra], ignore_index=True)
    frame.to_csv(to / "assignments.csv", index=False, encoding="utf-8-sig")
    meta = json.loads((to / "plan.json").read_text(encoding="utf-8"))
    meta["terms"]["coverage"]["value"] += 1
    (to / "plan.json").write_text(json.dumps(meta), encoding="utf-8")
    return to


CHECK_WORDS = {"plan", "coverage"}
"""The file ``plan.json`` and a key of it the checker quotes for the user to find."""


def test_a_broken_plan_is_checked_in_chinese(workbooks: dict[str, Path], tmp_path: Path) -> None:
    bad = _tamper(workbooks["zh"], tmp_path / "bad")
    chinese = CliRunner().invoke(cli, ["--lang", "zh", "check", "--data", str(TINY), str(bad)])
    english = CliRunner().invoke(cli, ["--lang", "en", "check", "--data", str(TINY), str(bad)])
    assert chinese.exit_code == english.exit_code == 1, chinese.output
    lines = chinese.stderr.splitlines()
    assert len(lines) == len(english.stderr.splitlines()) >= 5
    text = chinese.stderr
    assert "联系人 T005（学院 C01）联系了学院 C02 的班级 CL03" in text
    assert "第" in text and "联系人“X99”不在联系人名单中" in text
    assert "重复联系" in text
    assert "H2 每个对象一名联系人：班级 CL03 安排了2名联系人（T005、T007），上限为 1 名" in text
    assert "plan.json 记载“coverage”为" in text
    # The recomputed terms by their rules' names, with the keys plan.json uses.
    assert "  S1 覆盖（coverage）：" in chinese.stdout
    assert "  coverage " in english.stdout
    for line in lines:
        assert [w for w in english_words(line) if w not in CHECK_WORDS] == [], line
    assert "H3 Department of origin: cadre T005 (college C01) holds class CL03" in english.stderr


BAD_SCENARIO = """\
campus: sometimes
kinds:
  class: {cap: 0, capp: 2}
solver: {time_limit: abc, workers: 1.5}
origin: {enforce: maybe}
duties:
  default: {total: [3, 1]}
  dean: 1
dorm_priority: {by: list}
"""
"""A scenario file with the usual mistakes: a value not among the allowed ones, a number out of
range, a misspelt key, text where a number goes, a fraction where a whole number goes, a word
that is neither yes nor no, a range upside down, an unknown role and a list left out."""


def test_a_broken_scenario_file_is_reported_in_chinese(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(BAD_SCENARIO, encoding="utf-8")
    lines = {}
    for language in ("zh", "en"):
        args = ["--lang", language, "plan", "--data", str(TINY), "--scenario", str(scenario)]
        result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "plan"), "--quiet"])
        assert result.exit_code == 2, result.output
        lines[language] = result.stderr.splitlines()
    assert not (tmp_path / "plan").exists()
    assert lines["zh"][0].startswith("错误：bad.yaml: ")
    located = [line.removeprefix("错误：").split(": ", 2) for line in lines["zh"]]
    english = [line.removeprefix("error: ").split(": ", 2) for line in lines["en"]]
    # The same keys, in the same order, in both languages.
    assert [(f, path) for f, path, _m in located] == [(f, path) for f, path, _m in english]
    said = {path: message for _f, path, message in located}
    assert said["campus"] == "只能填写 'hard'、'soft' 或 'off'"
    assert said["kinds.class.cap"] == "应大于或等于 1"
    assert said["kinds.class.capp"].startswith("未知的键")
    assert said["solver.time_limit"] == "应填数字，所填内容不是数字"
    assert said["solver.workers"] == "应填整数，不能带小数"
    assert said["origin.enforce"].startswith("应填“是”或“否”")
    assert said["duties"].startswith("未知的角色“dean”")
    assert "dorm_priority" in said
    for _f, _path, message in located:
        # The format's guide is named by its file.
        assert english_words(message.replace("scenarios/README.md", "")) == [], message
    said_en = {path: message for _f, path, message in english}
    assert said_en["campus"] == "Input should be 'hard', 'soft' or 'off'"
    assert said_en["kinds.class.cap"] == "Input should be greater than or equal to 1"


@pytest.mark.parametrize(
    "data",
    [
        {"campus": "x"},
        {"kinds": {"class": {"cap": 0, "min": "a", "coverage": "x"}}},
        {"solver": {"time_limit": -1, "relative_gap": 2, "workers": 1.5, "seed": "x"}},
        {"solver": 3, "name": 3, "order": 3},
        {"origin": {"enforce": "maybe", "roles": {"dean": True}}},
        {"duties": {"default": {"total": {"min": 1}, "per_kind": {"klass": 1}}}},
        {"duties": {"default": {"total": [3, 1]}}, "weights": {"coverage": "x"}},
    ],
)
def test_scenario_errors_in_english_are_pydantics_own_words(data: dict[str, object]) -> None:
    from pydantic import ValidationError

    from planner.i18n import use_language
    from planner.scenario import Scenario, error_message

    with use_language("en"), pytest.raises(ValidationError) as caught:
        Scenario.model_validate(data)
    with use_language("en"):
        assert [error_message(e) for e in caught.value.errors()] == [
            e["msg"] for e in caught.value.errors()
        ]


def test_a_wrong_scenario_change_is_reported_in_chinese() -> None:
    from planner.errors import UsageError
    from planner.i18n import use_language
    from planner.scenario import Scenario, change_scenario

    with use_language("zh"), pytest.raises(UsageError) as caught:
        change_scenario(Scenario(), {"campus.level": "hard"})
    assert str(caught.value).startswith("情景修改“campus.level”：“campus”是单个值")
    with use_language("zh"), pytest.raises(UsageError) as caught:
        change_scenario(Scenario(), {"solver.workers": 0})
    assert str(caught.value) == "情景修改: solver.workers: 应大于或等于 1"
